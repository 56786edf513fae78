"""Find the input span a model's quote points at, or admit that it points at nothing.

A quote counts when it is in the capture as whole words, allowing only for letter case, runs
of white space and a closing full stop: a model that copies "BP 142/90" as "bp 142/90." cites
real input; one that "quotes" words the clinician never wrote, or cuts "10 mg" to "1", does not.
"""

import re

from chartdraft.domain.visit import SourceSpan, Visit

_SPACE = re.compile(r"\s+")
_EDGE = " \t\r\n\"'\u201c\u201d\u2018\u2019`"


class QuoteLocator:
    """Finds quotes in one visit's fields; folds each field once, however many quotes there are."""

    def __init__(self, visit: Visit) -> None:
        self._visit = visit
        self._folded: dict[str, tuple[str, list[int]]] = {}

    def locate(self, field: str, quote: str) -> SourceSpan | None:
        """Return the span of ``quote`` in ``field`` (else in any field), or None if absent.

        Only whole words match: "lisinopril 1" is not in "lisinopril 10 mg", nor "a" in "chest".
        """
        wanted = quote.strip(_EDGE)
        if not any(ch.isalnum() for ch in wanted):
            return None
        fields = self._visit.fields
        names = [field] if any(f.name == field for f in fields) else []
        names += [f.name for f in fields if f.name != field]
        for candidate in dict.fromkeys((wanted, wanted.rstrip(".").rstrip())):
            for name in names:
                found = self._find(name, candidate)
                if found is not None:
                    return SourceSpan(field=name, start=found[0], end=found[1])
        return None

    def _find(self, name: str, quote: str) -> tuple[int, int] | None:
        if name not in self._folded:
            self._folded[name] = _fold(self._visit.field(name).text)
        folded, offsets = self._folded[name]
        wanted = _fold(quote)[0].strip()
        start = folded.find(wanted)
        while start >= 0:
            end = start + len(wanted)
            if _word_edge(folded, start - 1, wanted[0]) and _word_edge(folded, end, wanted[-1]):
                return offsets[start], offsets[end - 1] + 1
            start = folded.find(wanted, start + 1)
        return None


def _word_edge(text: str, index: int, inner: str) -> bool:
    # A quote that starts or ends with a letter or digit must not continue a longer word there.
    if not inner.isalnum() or index < 0 or index >= len(text):
        return True
    return not text[index].isalnum()


def _fold(text: str) -> tuple[str, list[int]]:
    """Return ``text`` lower-cased with white-space runs as one space, and each char's origin."""
    chars: list[str] = []
    offsets: list[int] = []
    for match in re.finditer(r"\s+|\S", text):
        # lower() may lengthen a character ("\u0130"); each piece keeps the original offset.
        piece = " " if _SPACE.fullmatch(match.group()) else match.group().lower()
        chars.append(piece)
        offsets.extend([match.start()] * len(piece))
    return "".join(chars), offsets
