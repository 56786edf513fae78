"""A detected identifier, and how overlapping detections become one answer."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from chartdraft.domain.phi import PhiType

# When two recognizers claim overlapping text, the longer span wins; on a tie, the type that
# says more (an MRN is more specific than a bare ID, a date than a number).
_PRIORITY: dict[PhiType, int] = {
    PhiType.EMAIL: 0,
    PhiType.URL: 1,
    PhiType.IP: 2,
    PhiType.SSN: 3,
    PhiType.MRN: 4,
    PhiType.PHONE: 5,
    PhiType.AGE: 6,
    PhiType.DATE: 7,
    PhiType.ID: 8,
    PhiType.LOCATION: 9,
    PhiType.NAME: 10,
}


@dataclass(frozen=True)
class PhiEntity:
    """Characters ``start:end`` of a text are an identifier of ``type``."""

    type: PhiType
    start: int
    end: int
    text: str
    score: float = 1.0
    recognizer: str = ""


def resolve_overlaps(found: Iterable[PhiEntity], text: str) -> list[PhiEntity]:
    """Return non-overlapping entities in text order; overlapping detections become their union.

    Masking the union never uncovers a character any recognizer found; the merged entity takes
    the type of its longest, then surest, then most specific part.
    """
    merged: list[list[PhiEntity]] = []
    for entity in sorted(found, key=lambda e: (e.start, -e.end)):
        if merged and entity.start < max(e.end for e in merged[-1]):
            merged[-1].append(entity)
        else:
            merged.append([entity])
    return [_union(group, text) for group in merged]


def _union(group: list[PhiEntity], text: str) -> PhiEntity:
    if len(group) == 1:
        return group[0]
    best = min(group, key=lambda e: (-(e.end - e.start), -e.score, _PRIORITY[e.type]))
    start, end = min(e.start for e in group), max(e.end for e in group)
    return PhiEntity(best.type, start, end, text[start:end], best.score, best.recognizer)


def count_by_type(entities: Iterable[PhiEntity]) -> dict[str, int]:
    """Return how many entities of each type, never their values (for egress records)."""
    counts = Counter(entity.type.value for entity in entities)
    return dict(sorted(counts.items()))


class PhiFinder(Protocol):
    """Finds identifiers in a text: the presidio-based detector, or a test's stand-in.

    Code that only uses a detector depends on this, so importing it does not load presidio
    and spaCy (a second of start-up for every command that never detects anything).
    """

    def detect(self, text: str) -> list[PhiEntity]:
        """Return the identifiers in ``text``, in order, none overlapping."""
        ...

    def detect_all(self, texts: list[str]) -> list[list[PhiEntity]]:
        """Return the identifiers of several texts of one visit (a name found once, masked in all)."""
        ...
