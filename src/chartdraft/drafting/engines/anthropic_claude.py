"""Claude through Anthropic's Messages API; only this module imports the ``anthropic`` client.

The draft schema goes in ``output_config.format`` (the Messages API's structured outputs), so
Claude's answer is one text block of JSON for it. Current Messages APIs take no temperature.
The client retries timeouts, 429, 529 and 5xx with backoff.
"""

import time

import anthropic
from anthropic.types import Message

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

_LIST_TIMEOUT = 3.0


class AnthropicChat:
    """The ChatModel of Anthropic's Messages API."""

    def __init__(self, config: EngineConfig) -> None:
        self._config = config
        self._client = anthropic.Anthropic(
            base_url=config.base_url,
            api_key=config.credentials(),
            timeout=config.timeout,
            max_retries=config.max_retries,
        )

    def complete(self, request: ChatRequest) -> ChatReply:
        """Send one message and return Claude's JSON answer."""
        started = time.perf_counter()
        try:
            response = self._client.messages.create(
                model=self._config.model,
                max_tokens=request.max_tokens,
                system=request.system,
                messages=[{"role": "user", "content": request.user}],
                output_config={"format": {"type": "json_schema", "schema": request.schema}},
            )
            return self._reply(response, time.perf_counter() - started)
        except anthropic.APIError as exc:
            # "from None": the server's error body may quote the request, i.e. the capture.
            raise self._translate(exc) from None
        except MALFORMED_REPLY:
            raise not_an_api_reply(self._config) from None

    def list_models(self) -> list[str]:
        """Return the ids of the models the API offers."""
        try:
            page = self._client.with_options(timeout=_LIST_TIMEOUT, max_retries=0).models.list()
            return [str(model.id) for model in page.data]
        except anthropic.APIError as exc:
            raise self._translate(exc) from None
        except MALFORMED_REPLY:
            raise not_an_api_reply(self._config) from None

    def _reply(self, response: Message, seconds: float) -> ChatReply:
        if response.stop_reason == "refusal":
            raise declined(self._config)
        usage = response.usage
        return ChatReply(
            text="".join(str(block.text) for block in response.content if block.type == "text"),
            cut_off=response.stop_reason == "max_tokens",
            prompt_tokens=token_count(usage.input_tokens) if usage else 0,
            output_tokens=token_count(usage.output_tokens) if usage else 0,
            seconds=seconds,
        )

    def _translate(self, exc: anthropic.APIError) -> EngineError:
        if isinstance(exc, anthropic.APITimeoutError):
            return timed_out(self._config)
        if isinstance(exc, anthropic.APIStatusError):
            return answered_with(self._config, exc.status_code, exc.response.text)
        return connection_failed(self._config)


def create(name: str, config: EngineConfig) -> ModelEngine:
    """Return the engine called ``name`` for Anthropic's API."""
    return ModelEngine(name, config, AnthropicChat(config))
