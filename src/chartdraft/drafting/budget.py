"""Will the capture fit the model's context? Decide whole note, section by section, or refuse.

Nothing is ever cut to fit: a capture too long for one request is drafted one section per
request, and a section too long even alone is refused with a sentence saying so.
"""

import json
import math
import re
from dataclasses import dataclass

from chartdraft.domain.errors import PermanentEngineError
from chartdraft.domain.sections import SectionName

CHARS_PER_TOKEN = 3.0
"""Letters and spaces per token, pessimistic for English (about 4 in practice)."""
MARGIN = 1.15
"""Head-room on every estimate; a wrong guess must err towards drafting section by section,
never towards a request the server truncates."""
MESSAGE_OVERHEAD = 16
"""Tokens a chat template adds around each message."""
ANSWER_GROWTH = 2.5
"""An answer repeats each item twice (statement and quote) inside JSON, so it outgrows its input."""
ANSWER_OVERHEAD = 60
"""Tokens of JSON structure per section in the answer."""

_DIGIT = re.compile(r"[0-9]")
_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def estimate_tokens(text: str) -> int:
    """Return a pessimistic token count for ``text``.

    Tokenisers split numbers into single digits and punctuation and non-Latin script into
    short pieces, so those count one token (digits, punctuation) or two (non-ASCII) each;
    measured against SmolLM2's tokenizer, plain characters / 3 alone undercounted vitals 2x.
    """
    digits = len(_DIGIT.findall(text))
    punctuation = len(_PUNCTUATION.findall(text))
    non_ascii = len(_NON_ASCII.findall(text))
    plain = len(text) - digits - punctuation - non_ascii
    raw = plain / CHARS_PER_TOKEN + digits + punctuation + 2 * non_ascii
    return math.ceil(raw * MARGIN) + MESSAGE_OVERHEAD


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
        """Raise the error for an input item that does not fit even in a request of its own."""
        raise PermanentEngineError(
            f"An item of the {section.value.replace('_', ' ')} input is too long for this model "
            f"even on its own (about {prompt_tokens} prompt and {answer_tokens} answer tokens; the model "
            f"has a {self.context_tokens}-token context and {self.max_output_tokens} output "
            "tokens). Nothing was cut: use a model with a larger context, raise its limits, "
            "or draft with the template engine."
        )
