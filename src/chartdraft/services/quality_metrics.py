"""Quality metrics from the record: how long notes take, how much clinicians change, how often.

Every rate is over its own denominator and is None when that is zero: "no data" must never
read as "0%".
"""

import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise

from rapidfuzz.distance import Levenshtein

from chartdraft.domain.metrics import EncounterFacts
from chartdraft.domain.review import ReviewState

IDLE_CAP_SECONDS = 300.0
"""A gap between two review actions counts at most this long: a reviewer who walked away is not
reviewing, and an hour's lunch must not read as an hour of documentation work."""

SIGNED_STATES = frozenset({ReviewState.SIGNED, ReviewState.AMENDED})


class GroupBy(StrEnum):
    """How metrics are grouped."""

    ALL = "all"
    CLINICIAN = "clinician"
    TEMPLATE = "template"
    ENGINE = "engine"
    WEEK = "week"


@dataclass(frozen=True)
class QualityMetrics:
    """One group's metrics: counts, times in seconds, distances and rates in [0, 1]."""

    group: str
    encounters: int
    signed: int
    rejected: int
    documentation_seconds_median: float | None
    documentation_seconds_p90: float | None
    active_review_seconds_median: float | None
    char_edit_distance_mean: float | None
    char_edit_distance_median: float | None
    word_edit_distance_mean: float | None
    word_edit_distance_median: float | None
    accepted_without_edits_rate: float | None
    flagged_section_rate: float | None
    unsupported_claim_rate: float | None
    rejection_rate: float | None


_KEYS: dict[GroupBy, Callable[[EncounterFacts], str]] = {
    GroupBy.ALL: lambda _facts: "all",
    GroupBy.CLINICIAN: lambda facts: facts.clinician,
    GroupBy.TEMPLATE: lambda facts: facts.template,
    GroupBy.ENGINE: lambda facts: facts.engine,
    GroupBy.WEEK: lambda facts: "{}-W{:02d}".format(*facts.captured_at.isocalendar()[:2]),
}


def compute_metrics(facts: Iterable[EncounterFacts], group_by: GroupBy) -> list[QualityMetrics]:
    """Return one row of metrics per group, sorted by the group's label."""
    groups: dict[str, list[EncounterFacts]] = defaultdict(list)
    for each in facts:
        groups[_KEYS[group_by](each)].append(each)
    return [_group_metrics(label, groups[label]) for label in sorted(groups)]


def documentation_seconds(facts: EncounterFacts) -> float | None:
    """Return the seconds from capture to signature; None when not signed."""
    if facts.signed_at is None:
        return None
    return (facts.signed_at - facts.captured_at).total_seconds()


def active_review_seconds(facts: EncounterFacts) -> float | None:
    """Return the review time: gaps between review actions, each capped at IDLE_CAP_SECONDS."""
    moments = facts.review_activity
    if len(moments) < 2:
        return None
    gaps = ((later - earlier).total_seconds() for earlier, later in pairwise(moments))
    return sum(min(max(gap, 0.0), IDLE_CAP_SECONDS) for gap in gaps)


def edit_distances(facts: EncounterFacts) -> tuple[float, float] | None:
    """Return the normalized character and word edit distances draft -> signed note."""
    if facts.signed_text is None:
        return None
    chars = Levenshtein.normalized_distance(facts.draft_text, facts.signed_text)
    words = Levenshtein.normalized_distance(facts.draft_text.split(), facts.signed_text.split())
    return chars, words


def accepted_without_edits(facts: EncounterFacts) -> bool:
    """Return True when the note was signed exactly as drafted."""
    return (
        facts.signed_text is not None and facts.edits == 0 and facts.signed_text == facts.draft_text
    )


def _group_metrics(label: str, members: list[EncounterFacts]) -> QualityMetrics:
    signed = [m for m in members if m.state in SIGNED_STATES]
    rejected = sum(1 for m in members if m.state is ReviewState.REJECTED)
    documentation = _present(documentation_seconds(m) for m in signed)
    review = _present(active_review_seconds(m) for m in signed)
    distances = [d for d in (edit_distances(m) for m in signed) if d is not None]
    chars, words = [d[0] for d in distances], [d[1] for d in distances]
    return QualityMetrics(
        group=label,
        encounters=len(members),
        signed=len(signed),
        rejected=rejected,
        documentation_seconds_median=_median(documentation),
        documentation_seconds_p90=_percentile(documentation, 0.9),
        active_review_seconds_median=_median(review),
        char_edit_distance_mean=_mean(chars),
        char_edit_distance_median=_median(chars),
        word_edit_distance_mean=_mean(words),
        word_edit_distance_median=_median(words),
        accepted_without_edits_rate=_rate(sum(map(accepted_without_edits, signed)), len(signed)),
        flagged_section_rate=_rate(
            sum(m.flagged_sections for m in members), sum(m.sections for m in members)
        ),
        unsupported_claim_rate=_rate(
            sum(m.unsupported_findings for m in members), sum(m.statements for m in members)
        ),
        rejection_rate=_rate(rejected, len(signed) + rejected),
    )


def _present(values: Iterable[float | None]) -> list[float]:
    return [v for v in values if v is not None]


def _rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else part / whole


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def _percentile(values: Sequence[float], share: float) -> float | None:
    # Nearest-rank on the sorted values: with few encounters an interpolated p90 would report
    # a time no encounter took.
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]
