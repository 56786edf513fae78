"""Will the capture fit the model's context? Decide whole note, section by section, or refuse.

Nothing is ever cut to fit: a capture too long for one request is drafted one section per
request, and a section too long even alone is refused with a sentence saying so.
"""

import json
import math
from dataclasses import dataclass

from chartdraft.domain.errors import PermanentEngineError
from chartdraft.domain.sections import SectionName

CHARS_PER_TOKEN = 3.0
"""A deliberately pessimistic estimate (English is ~4 characters per token): a wrong guess
here must err towards drafting section by section, never towards a truncated request."""
ANSWER_GROWTH = 2.5
"""An answer repeats each item twice (statement and quote) inside JSON, so it outgrows its input."""
ANSWER_OVERHEAD = 60
"""Tokens of JSON structure per section in the answer."""


def estimate_tokens(text: str) -> int:
    """Return a pessimistic token count for ``text``."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


@dataclass(frozen=True)
class Budget:
    """What one request may use: the model's context window and its output limit."""

    context_tokens: int
    max_output_tokens: int

    def answer_tokens(self, items: dict[str, list[dict[str, str]]]) -> int:
        """Return the output tokens an answer restating ``items`` is expected to need."""
        body = estimate_tokens(json.dumps(items, ensure_ascii=False))
        return math.ceil(body * ANSWER_GROWTH) + ANSWER_OVERHEAD * len(items)

    def fits(self, prompt_tokens: int, answer_tokens: int) -> bool:
        """Return True when the prompt and the expected answer both fit."""
        return (
            answer_tokens <= self.max_output_tokens
            and prompt_tokens + answer_tokens <= self.context_tokens
        )

    def output_limit(self, prompt_tokens: int) -> int:
        """Return the ``max_tokens`` to ask for: the configured limit, or what the context leaves."""
        return max(1, min(self.max_output_tokens, self.context_tokens - prompt_tokens))

    def refuse(self, section: SectionName, prompt_tokens: int, answer_tokens: int) -> None:
        """Raise the error for a section that does not fit even on its own."""
        raise PermanentEngineError(
            f"The {section.value.replace('_', ' ')} input is too long for this model even on its "
            f"own (about {prompt_tokens} prompt and {answer_tokens} answer tokens; the model "
            f"has a {self.context_tokens}-token context and {self.max_output_tokens} output "
            "tokens). Nothing was cut: use a model with a larger context, raise its limits, "
            "or draft with the template engine."
        )
