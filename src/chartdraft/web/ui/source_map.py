"""Cut the captured text into pieces that know which statement sources cover them.

The review screen lights up the input a statement came from: each piece of a field carries the
keys of every source span that covers it, and each statement the keys of its sources.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.visit import SourceSpan, Visit


@dataclass(frozen=True)
class Piece:
    """A run of one field's text and the source keys that cover all of it."""

    text: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class FieldView:
    """One captured field, cut into pieces."""

    name: str
    label: str
    pieces: tuple[Piece, ...]


def span_key(span: SourceSpan) -> str:
    """Return the key of a source span (``field:start:end``, no spaces)."""
    return f"{span.field}:{span.start}:{span.end}"


def field_views(visit: Visit, draft: SoapDraft | None) -> list[FieldView]:
    """Return every captured field cut at the boundaries of the draft's sources."""
    spans = [] if draft is None else [
        source for section in draft.sections for s in section.statements for source in s.sources
    ]  # fmt: skip
    return [
        FieldView(
            f.name, f.label or f.name.replace("_", " "), tuple(_pieces(f.name, f.text, spans))
        )
        for f in visit.fields
    ]


def _pieces(field: str, text: str, spans: Iterable[SourceSpan]) -> list[Piece]:
    mine = [s for s in spans if s.field == field and s.end <= len(text)]
    bounds = sorted({0, len(text), *(s.start for s in mine), *(s.end for s in mine)})
    pieces = []
    for start, end in pairwise(bounds):
        keys = tuple(span_key(s) for s in mine if s.start <= start and end <= s.end)
        pieces.append(Piece(text[start:end], keys))
    return pieces
