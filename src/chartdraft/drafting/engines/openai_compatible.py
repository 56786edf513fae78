"""Any OpenAI-compatible chat API: OpenAI, Azure OpenAI, Ollama, LM Studio, llama.cpp, vLLM.

Only this module imports the ``openai`` client. The client retries timeouts, 429 and 5xx with
exponential backoff (``max_retries``); what still fails becomes one of our EngineErrors here.
"""

import time
from typing import Any

import openai
from openai.types.chat import ChatCompletion

from chartdraft.domain.errors import EngineError
from chartdraft.drafting.chat import ChatReply, ChatRequest
from chartdraft.drafting.endpoint import EngineConfig
from chartdraft.drafting.failures import (
    MALFORMED_REPLY,
    answered_with,
    connection_failed,
    declined,
    not_an_api_reply,
    timed_out,
    token_count,
)
from chartdraft.drafting.model_engine import ModelEngine

_SCHEMA_NAME = "soap_draft"
_LIST_TIMEOUT = 3.0


class OpenAICompatibleChat:
    """The ChatModel of an OpenAI-compatible server."""

    def __init__(self, config: EngineConfig) -> None:
        self._config = config
        self._client = openai.OpenAI(
            base_url=config.base_url,
            api_key=config.credentials(),
            timeout=config.timeout,
            max_retries=config.max_retries,
        )

    def complete(self, request: ChatRequest) -> ChatReply:
        """Send one chat completion and return its text."""
        started = time.perf_counter()
        try:
            response = self._client.chat.completions.create(
                model=self._config.model,
                messages=[
                    {"role": "system", "content": request.system},
                    {"role": "user", "content": request.user},
                ],
                temperature=self._config.temperature,
                max_tokens=request.max_tokens,
                **self._structured(request.schema),
            )
            return self._reply(response, time.perf_counter() - started)
        except openai.APIError as exc:
            # "from None": the server's error body may quote the request, i.e. the capture.
            raise self._translate(exc) from None
        except MALFORMED_REPLY:
            raise not_an_api_reply(self._config) from None

    def list_models(self) -> list[str]:
        """Return the ids of the models the server offers."""
        try:
            page = self._client.with_options(timeout=_LIST_TIMEOUT, max_retries=0).models.list()
            return [str(model.id) for model in page.data]
        except openai.APIError as exc:
            raise self._translate(exc) from None
        except MALFORMED_REPLY:
            raise not_an_api_reply(self._config) from None

    def _reply(self, response: ChatCompletion, seconds: float) -> ChatReply:
        choice = response.choices[0]
        if choice.finish_reason == "content_filter":
            raise declined(self._config)
        usage = response.usage
        return ChatReply(
            text=str(choice.message.content or ""),
            cut_off=choice.finish_reason == "length",
            prompt_tokens=token_count(usage.prompt_tokens) if usage else 0,
            output_tokens=token_count(usage.completion_tokens) if usage else 0,
            seconds=seconds,
        )

    def _structured(self, schema: dict[str, Any]) -> dict[str, Any]:
        mode = self._config.structured_output
        if mode == "json_schema":
            return {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": _SCHEMA_NAME, "schema": schema, "strict": True},
                }
            }
        if mode == "json_object":
            # llama-cpp-python's server compiles this schema into a grammar.
            return {"response_format": {"type": "json_object", "schema": schema}}
        return {}

    def _translate(self, exc: openai.APIError) -> EngineError:
        if isinstance(exc, openai.APITimeoutError):
            return timed_out(self._config)
        if isinstance(exc, openai.APIStatusError):
            return answered_with(self._config, exc.status_code, exc.response.text)
        return connection_failed(self._config)


def create(name: str, config: EngineConfig) -> ModelEngine:
    """Return the engine called ``name`` for an OpenAI-compatible server."""
    return ModelEngine(name, config, OpenAICompatibleChat(config))
