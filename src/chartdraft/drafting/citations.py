"""Find the input span a model's quote points at, or admit that it points at nothing.

A quote counts when it is in the capture as typed, allowing only for letter case, runs of
white space and a closing full stop: a model that copies "BP 142/90" as "bp 142/90." cites
real input; one that "quotes" words the clinician never wrote does not.
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
        """Return the span of ``quote`` in ``field`` (else in any field), or None if absent."""
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
        text = self._visit.field(name).text
        start = text.find(quote)
        if start >= 0:
            return start, start + len(quote)
        if name not in self._folded:
            self._folded[name] = _fold(text)
        folded, offsets = self._folded[name]
        wanted = _fold(quote)[0].strip()
        start = folded.find(wanted)
        if start < 0:
            return None
        return offsets[start], offsets[start + len(wanted) - 1] + 1


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
