"""Measure PHI detectors on the gold sets: recall per type, precision, and speed, side by side.

A gold identifier is *covered* when the detections together span every letter and digit of it
(half a masked name is a leak), whatever type they gave it: a redacted identifier is protected.
Type-exact recall also asks for the right type. A detection is *true* when it overlaps some gold
identifier; detections on ignored spans (a state, a credit card in the synthetic set) do not count.
"""

import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from chartdraft.domain.phi import PhiType
from chartdraft.evaluation.deid_baselines import OURS_NAME, Detector, SystemSpec, system_specs
from chartdraft.evaluation.deid_gold import (
    CLINICAL,
    GoldEntity,
    GoldNote,
    GoldSet,
    build_clinical_gold,
    build_presidio_synth_gold,
    check_spans,
)
from chartdraft.evaluation.verify_results import rate
from chartdraft.privacy.entities import PhiEntity

SCHEMA = "chartdraft.deid-eval/1"
OURS = OURS_NAME
SPEED_BASELINE = "presidio-spacy-sm"
TARGET_RECALL = 0.99
TARGET_TYPE_RECALL = 0.98
TARGET_PRECISION = 0.90
TARGET_SPEEDUP = 3.0
WARM_UP_NOTES = 5
TOP_STRINGS = 30
Progress = Callable[[str, int, int], None]


class Coverage(Enum):
    """How much of a gold identifier the detections hide."""

    FULL = "full"
    PARTIAL = "partial"
    NONE = "none"


def coverage(text: str, entity: GoldEntity, detections: Iterable[PhiEntity]) -> Coverage:
    """Return whether the detections hide all, some or none of the entity's letters and digits."""
    wanted = {i for i in range(entity.start, entity.end) if text[i].isalnum()}
    hidden = {
        i for d in detections for i in range(max(d.start, entity.start), min(d.end, entity.end))
    }
    if not wanted:
        # All punctuation: any overlap hides it.
        return Coverage.FULL if hidden else Coverage.NONE
    shown = wanted - hidden
    return Coverage.FULL if not shown else Coverage.NONE if shown == wanted else Coverage.PARTIAL


@dataclass
class Tally:
    """Counts for one gold set under one system, filled note by note."""

    gold: Counter[str] = field(default_factory=Counter)
    covered: Counter[str] = field(default_factory=Counter)
    exact: Counter[str] = field(default_factory=Counter)
    partial: Counter[str] = field(default_factory=Counter)
    detections: Counter[str] = field(default_factory=Counter)
    true_detections: Counter[str] = field(default_factory=Counter)
    false_positives: Counter[tuple[str, str]] = field(default_factory=Counter)
    missed: Counter[tuple[str, str]] = field(default_factory=Counter)
    seconds: float = 0.0
    notes: int = 0
    chars: int = 0


def _keys(note: GoldNote, entity: GoldEntity) -> list[str]:
    # One entity counts under its type, overall, its dataset, and the ambiguous names if one.
    keys = [entity.type.value, "ALL", f"dataset:{note.dataset}"]
    return [*keys, "ambiguous-names"] if entity.ambiguous else keys


def score_note(note: GoldNote, found: Sequence[PhiEntity], tally: Tally) -> None:
    """Add one note's recall and precision counts to ``tally``."""
    for entity in note.entities:
        keys = _keys(note, entity)
        tally.gold.update(keys)
        cover = coverage(note.text, entity, found)
        if cover is Coverage.FULL:
            tally.covered.update(keys)
        else:
            tally.missed[(entity.type.value, _inline(entity.text))] += 1
            if cover is Coverage.PARTIAL:
                tally.partial.update(keys)
        same_type = [d for d in found if d.type is entity.type]
        if coverage(note.text, entity, same_type) is Coverage.FULL:
            tally.exact.update(keys)
    for detection in found:
        hits_gold = any(_overlap(detection, e.start, e.end) for e in note.entities)
        if not hits_gold and any(_overlap(detection, s, e) for s, e in note.ignored):
            continue
        tally.detections.update([detection.type.value, "ALL"])
        if hits_gold:
            tally.true_detections.update([detection.type.value, "ALL"])
        else:
            tally.false_positives[(detection.type.value, _inline(detection.text))] += 1


def _overlap(detection: PhiEntity, start: int, end: int) -> bool:
    return detection.start < end and start < detection.end


def _inline(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class RecallScore:
    """Recall of one type (or ``ALL``, a dataset, the ambiguous names) on one gold set."""

    key: str
    gold: int
    covered: int
    exact: int
    partial: int
    recall: float | None
    exact_recall: float | None


@dataclass(frozen=True)
class PrecisionScore:
    """Precision of one detected type (or ``ALL``)."""

    type: str
    detections: int
    true: int
    precision: float | None


@dataclass(frozen=True)
class Throughput:
    """Time spent in ``detect`` over a whole gold set (load and warm-up excluded)."""

    notes: int
    chars: int
    seconds: float
    notes_per_second: float | None
    chars_per_second: float | None


@dataclass(frozen=True)
class SetScore:
    """One system's figures on one gold set."""

    gold_set: str
    recall: tuple[RecallScore, ...]
    precision: tuple[PrecisionScore, ...]
    throughput: Throughput
    top_false_positives: tuple[tuple[str, str, int], ...]
    top_missed: tuple[tuple[str, str, int], ...]

    def recall_of(self, key: str) -> RecallScore | None:
        """Return the recall row for a type value, ``ALL`` or ``dataset:<name>``."""
        return next((r for r in self.recall if r.key == key), None)

    def precision_of(self, key: str) -> PrecisionScore | None:
        """Return the precision row for a detected type value or ``ALL``."""
        return next((p for p in self.precision if p.type == key), None)


def finish(gold_set: str, tally: Tally) -> SetScore:
    """Turn a filled tally into rates and the most frequent strings."""
    types = [t.value for t in PhiType]
    extra = sorted(k for k in tally.gold if k.startswith("dataset:"))
    recall = tuple(
        RecallScore(k, tally.gold[k], tally.covered[k], tally.exact[k], tally.partial[k],
                    rate(tally.covered[k], tally.gold[k]), rate(tally.exact[k], tally.gold[k]))
        for k in ["ALL", *types, "ambiguous-names", *extra]
    )  # fmt: skip
    precision = tuple(
        PrecisionScore(k, tally.detections[k], tally.true_detections[k],
                       rate(tally.true_detections[k], tally.detections[k]))
        for k in ["ALL", *types]
    )  # fmt: skip
    speed = Throughput(
        tally.notes, tally.chars, tally.seconds,
        tally.notes / tally.seconds if tally.seconds else None,
        tally.chars / tally.seconds if tally.seconds else None,
    )  # fmt: skip
    return SetScore(
        gold_set, recall, precision, speed,
        tuple((t, s, n) for (t, s), n in tally.false_positives.most_common(TOP_STRINGS)),
        tuple((t, s, n) for (t, s), n in tally.missed.most_common(TOP_STRINGS)),
    )  # fmt: skip


def run_system(
    detector: Detector, gold_set: GoldSet, name: str, progress: Progress | None = None
) -> SetScore:
    """Run one detector over one gold set, timing only ``detect``, and score it."""
    tally = Tally()
    total = len(gold_set.notes)
    for index, note in enumerate(gold_set.notes, start=1):
        started = time.perf_counter()
        found = detector.detect(note.text)
        tally.seconds += time.perf_counter() - started
        tally.notes += 1
        tally.chars += len(note.text)
        score_note(note, found, tally)
        if progress is not None and (index % 25 == 0 or index == total):
            progress(f"{name} on {gold_set.name}", index, total)
    return finish(gold_set.name, tally)


@dataclass(frozen=True)
class SystemRun:
    """One system: how long it took to load, or why it was skipped, and its scores per set."""

    name: str
    description: str
    load_seconds: float | None
    skipped: str | None
    sets: tuple[SetScore, ...]

    def on(self, gold_set: str) -> SetScore | None:
        """Return the scores on the named gold set."""
        return next((s for s in self.sets if s.gold_set == gold_set), None)


def evaluate_system(
    spec: SystemSpec, gold_sets: Sequence[GoldSet], progress: Progress | None = None
) -> SystemRun:
    """Load one system (timed), warm it up, and score it on every gold set."""
    if spec.unavailable is not None:
        return SystemRun(spec.name, spec.description, None, spec.unavailable, ())
    started = time.perf_counter()
    detector = spec.load()
    load_seconds = time.perf_counter() - started
    for note in gold_sets[0].notes[:WARM_UP_NOTES]:
        detector.detect(note.text)
    sets = tuple(run_system(detector, g, spec.name, progress) for g in gold_sets)
    return SystemRun(spec.name, spec.description, load_seconds, None, sets)


@dataclass(frozen=True)
class GoldSummary:
    """What a gold set holds, for the report."""

    name: str
    description: str
    notes: int
    chars: int
    entities: dict[str, int]
    by_origin: dict[str, int]
    by_dataset: dict[str, int]
    ambiguous_names: int

    @classmethod
    def of(cls, gold: GoldSet) -> "GoldSummary":
        """Count a gold set's notes, characters and entities."""
        entities = [e for n in gold.notes for e in n.entities]
        by_type = Counter(e.type.value for e in entities)
        return cls(
            gold.name, gold.description, len(gold.notes), sum(len(n.text) for n in gold.notes),
            {t.value: by_type[t.value] for t in PhiType},
            dict(Counter(e.origin for e in entities)),
            dict(Counter(n.dataset for n in gold.notes)),
            sum(e.ambiguous for e in entities),
        )  # fmt: skip


@dataclass(frozen=True)
class DeidEvalResult:
    """Everything one evaluation run measured."""

    seed: int
    limit: int | None
    gold: tuple[GoldSummary, ...]
    systems: tuple[SystemRun, ...]

    def system(self, name: str) -> SystemRun | None:
        """Return the named system's run."""
        return next((s for s in self.systems if s.name == name), None)

    def target_checks(self) -> list[tuple[str, bool | None]]:
        """Return each target with whether chartdraft met it (None: could not be measured)."""
        ours = self.system(OURS)
        score = ours.on(CLINICAL) if ours is not None else None
        if score is None:
            return [("chartdraft detector ran", False)]
        checks: list[tuple[str, bool | None]] = []
        overall = score.recall_of("ALL")
        checks.append((f"recall ≥ {TARGET_RECALL:.0%} overall", _at_least(overall, TARGET_RECALL)))
        for phi_type in PhiType:
            row = score.recall_of(phi_type.value)
            checks.append((f"{phi_type.value} recall ≥ {TARGET_TYPE_RECALL:.0%}",
                           _at_least(row, TARGET_TYPE_RECALL)))  # fmt: skip
        precision = score.precision_of("ALL")
        met = precision is not None and (precision.precision or 0.0) >= TARGET_PRECISION
        checks.append((f"precision ≥ {TARGET_PRECISION:.0%}", met))
        checks.append((f"throughput ≥ {TARGET_SPEEDUP:g}x {SPEED_BASELINE}", self._fast_enough()))
        return checks

    def speedup(self) -> float | None:
        """Return chartdraft's characters per second over presidio-spacy-sm's (clinical set)."""
        speeds = []
        for name in (OURS, SPEED_BASELINE):
            run = self.system(name)
            score = run.on(CLINICAL) if run is not None else None
            speeds.append(score.throughput.chars_per_second if score is not None else None)
        ours, theirs = speeds
        return ours / theirs if ours and theirs else None

    def _fast_enough(self) -> bool | None:
        ratio = self.speedup()
        return None if ratio is None else ratio >= TARGET_SPEEDUP

    def targets_met(self) -> bool:
        """Return True when chartdraft meets every target that could be measured."""
        return all(met is not False for _, met in self.target_checks())

    def summary_lines(self) -> list[str]:
        """Return a few lines of headline figures for the terminal (no identifier strings)."""
        from chartdraft.evaluation.deid_report import summary_lines  # noqa: PLC0415 (cycle)

        return summary_lines(self)

    def to_dict(self) -> dict[str, Any]:
        """Return every figure as JSON-ready data under the schema key."""
        targets = {name: met for name, met in self.target_checks()}
        return {"schema": SCHEMA, **asdict(self), "speedup": self.speedup(), "targets": targets}


def _at_least(row: RecallScore | None, target: float) -> bool | None:
    if row is None or row.recall is None:
        return None
    return row.recall >= target


def run_deid_eval(
    data_dir: Path,
    out_dir: Path,
    *,
    seed: int = 7,
    limit: int | None = None,
    progress: Progress | None = None,
) -> DeidEvalResult:
    """Build the gold sets, run every system on them, write the report; return the figures."""
    from chartdraft.evaluation.deid_report import write_report  # noqa: PLC0415 (cycle)

    gold_sets = [
        build_clinical_gold(data_dir, seed=seed, limit=limit),
        build_presidio_synth_gold(data_dir, limit=None if limit is None else limit * 5),
    ]
    for gold in gold_sets:
        if problems := check_spans(gold.notes):
            raise ValueError(
                f"gold set {gold.name}: {len(problems)} bad spans, first: {problems[0]}"
            )
    runs = tuple(evaluate_system(spec, gold_sets, progress) for spec in system_specs())
    result = DeidEvalResult(seed, limit, tuple(GoldSummary.of(g) for g in gold_sets), runs)
    write_report(result, out_dir)
    return result
