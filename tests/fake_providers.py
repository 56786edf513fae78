"""Local HTTP servers speaking the documented wire formats of the cloud APIs we cannot reach.

``FakeProvider`` records every request (path, headers, JSON body) so tests can check what the
official clients sent, and answers from a script: a queue of canned replies, then a default
"model" that restates each input item and cites it, the way a well-behaved model would.
"""

import json
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Wire = Literal["openai", "anthropic"]
Answer = Callable[[dict[str, Any]], dict[str, Any]]
"""Given the input items the prompt carried (per section), return the answer object."""

_INPUT_BLOCK = re.compile(r"<clinician_input>\n(.*)\n</clinician_input>", re.S)


@dataclass
class Recorded:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Canned:
    """A reply to send instead of the model's: an HTTP status, body and headers."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    answer_text: str | None = None
    """For a 200: this exact answer text instead of the echo model's."""
    cut_off: bool = False
    reply_body: Any = None
    """For a 200: this whole reply body instead of a well-formed one (bytes are sent as-is)."""
    stop: str | None = None
    """For a 200: this finish_reason / stop_reason."""


def echo_answer(items: dict[str, Any]) -> dict[str, Any]:
    """Restate every item word for word, citing it: what a faithful model does."""
    return {
        section: {
            "statements": [
                {"text": item["text"], "field": item["field"], "quote": item["text"]}
                for item in section_items
            ],
            "needs_input": "",
        }
        for section, section_items in items.items()
    }


def input_items_of(user_message: str) -> dict[str, Any]:
    """Return the input items a chartdraft prompt carries in its data block."""
    match = _INPUT_BLOCK.search(user_message)
    assert match, "the prompt has no <clinician_input> block"
    items: dict[str, Any] = json.loads(match.group(1))
    return items


class FakeProvider:
    """An OpenAI- or Anthropic-shaped API on 127.0.0.1, on a free port."""

    def __init__(self, wire: Wire, answer: Answer = echo_answer, models: tuple[str, ...] = ()):
        self.wire = wire
        self.answer = answer
        self.models = models or (("gpt-4o",) if wire == "openai" else ("claude-sonnet-4-5",))
        self.requests: list[Recorded] = []
        self.script: deque[Canned] = deque()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The URL to configure the engine with (OpenAI clients expect the /v1 prefix in it)."""
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}" + ("/v1" if self.wire == "openai" else "")

    @property
    def chat_requests(self) -> list[Recorded]:
        """The completion requests (not the model listings)."""
        return [r for r in self.requests if r.method == "POST"]

    def start(self) -> "FakeProvider":
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._server.shutdown()
        self._server.server_close()

    def reply(self, request: Recorded) -> tuple[int, dict[str, str], Any]:
        """Return the status, headers and body for ``request``."""
        if request.method == "GET":
            return 200, {}, self._model_list()
        canned = self.script.popleft() if self.script else Canned()
        if canned.status != 200:
            return canned.status, canned.headers, canned.body or self._error(canned.status)
        if canned.reply_body is not None:
            return 200, canned.headers, canned.reply_body
        if canned.answer_text is not None:
            text = canned.answer_text
        else:
            text = json.dumps(self.answer(input_items_of(self._user_message(request.body))))
        completion = self._completion(request.body, text, canned.cut_off)
        if canned.stop is not None:
            if self.wire == "openai":
                completion["choices"][0]["finish_reason"] = canned.stop
            else:
                completion["stop_reason"] = canned.stop
        return 200, canned.headers, completion

    def _user_message(self, body: dict[str, Any]) -> str:
        content = body["messages"][-1]["content"]
        return content if isinstance(content, str) else content[0]["text"]

    def _completion(self, body: dict[str, Any], text: str, cut_off: bool) -> dict[str, Any]:
        if self.wire == "openai":
            return {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": 1_700_000_000,
                "model": body["model"],
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "length" if cut_off else "stop",
                    }
                ],
                "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
            }
        return {
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": body["model"],
            "content": [{"type": "text", "text": text}],
            "stop_reason": "max_tokens" if cut_off else "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": 100, "output_tokens": 50},
        }

    def _model_list(self) -> dict[str, Any]:
        if self.wire == "openai":
            data = [
                {"id": m, "object": "model", "created": 0, "owned_by": "x"} for m in self.models
            ]
            return {"object": "list", "data": data}
        data = [
            {"type": "model", "id": m, "display_name": m, "created_at": "2025-09-29T00:00:00Z"}
            for m in self.models
        ]
        return {"data": data, "has_more": False, "first_id": None, "last_id": None}

    def _error(self, status: int) -> dict[str, Any]:
        message = {404: "model not found", 429: "rate limited", 401: "invalid x-api-key"}.get(
            status, "server error"
        )
        if self.wire == "openai":
            return {"error": {"message": message, "type": "error", "code": None}}
        return {"type": "error", "error": {"type": "api_error", "message": message}}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                recorded = Recorded(
                    method=self.command,
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=json.loads(raw) if raw else {},
                )
                provider.requests.append(recorded)
                status, headers, body = provider.reply(recorded)
                raw = isinstance(body, bytes)
                payload = body if raw else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "text/html" if raw else "application/json")
                self.send_header("content-length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _serve  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler


@contextmanager
def fake_provider(wire: Wire, answer: Answer = echo_answer) -> Iterator[FakeProvider]:
    """Run a FakeProvider for the duration of a ``with`` block."""
    provider = FakeProvider(wire, answer).start()
    try:
        yield provider
    finally:
        provider.stop()
