"""Claude through Anthropic's Messages API; only this module imports the ``anthropic`` client.

The draft schema goes in ``output_config.format`` (the Messages API's structured outputs), so
Claude's answer is one text block of JSON for it. Current Messages APIs take no temperature.
The client retries timeouts, 429, 529 and 5xx with backoff.
"""

import time

import anthropic

from chartdraft.domain.errors import EngineError
from chartdraft.drafting.chat import ChatReply, ChatRequest
from chartdraft.drafting.endpoint import EngineConfig
from chartdraft.drafting.failures import answered_with, connection_failed, timed_out
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
        except anthropic.APIError as exc:
            raise self._translate(exc) from exc
        seconds = time.perf_counter() - started
        return ChatReply(
            text="".join(block.text for block in response.content if block.type == "text"),
            cut_off=response.stop_reason == "max_tokens",
            prompt_tokens=response.usage.input_tokens,
            output_tokens=response.usage.output_tokens,
            seconds=seconds,
        )

    def list_models(self) -> list[str]:
        """Return the ids of the models the API offers."""
        try:
            page = self._client.with_options(timeout=_LIST_TIMEOUT, max_retries=0).models.list()
            return [model.id for model in page.data]
        except anthropic.APIError as exc:
            raise self._translate(exc) from exc

    def _translate(self, exc: anthropic.APIError) -> EngineError:
        if isinstance(exc, anthropic.APITimeoutError):
            return timed_out(self._config)
        if isinstance(exc, anthropic.APIStatusError):
            return answered_with(self._config, exc.status_code, exc.response.text)
        return connection_failed(self._config)


def create(name: str, config: EngineConfig) -> ModelEngine:
    """Return the engine called ``name`` for Anthropic's API."""
    return ModelEngine(name, config, AnthropicChat(config))
