"""The one thing a model engine needs from a provider: send a prompt, get JSON text back.

Each provider module (OpenAI-compatible, Anthropic) implements ``ChatModel`` with its official
client and translates that client's errors into ours; everything else is shared.
"""

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class ChatRequest:
    """One call: system prompt, user message, the answer's JSON schema and the output limit."""

    system: str
    user: str
    schema: dict[str, Any]
    max_tokens: int


@dataclass(frozen=True)
class ChatReply:
    """The model's answer text, whether it was cut off, and what it cost."""

    text: str
    cut_off: bool
    """True when the model stopped at the output limit: the answer is incomplete."""
    prompt_tokens: int = 0
    output_tokens: int = 0
    seconds: float = 0.0
    """Wall time spent waiting for the server (including the client's own retries)."""


class ChatModel(Protocol):
    """A provider's chat API behind one method, plus a cheap reachability check."""

    def complete(self, request: ChatRequest) -> ChatReply:
        """Send ``request``; raise an EngineError with one clear sentence if it fails."""
        ...

    def list_models(self) -> list[str]:
        """Return the model names the server offers; raise an EngineError if it cannot be reached."""
        ...
