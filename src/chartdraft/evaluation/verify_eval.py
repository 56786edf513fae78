"""Measure the grounding verifier on the labelled benchmark: recall, false flags, speed.

``run_verify_eval`` builds the benchmark (benchmark.py), calls the verifier on every clean
and perturbed copy, timing only those calls, and scores each perturbation: caught (a finding
of the expected kind at the changed statement) and flagged (any finding there). Findings on
clean copies are false flags. Real model output is measured too (llm_outputs.py).
"""

import math
import random
import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.findings import Finding, FindingKind
from chartdraft.domain.visit import Visit
from chartdraft.evaluation.benchmark import DATASETS, BenchmarkNote, Progress, benchmark_notes
from chartdraft.evaluation.llm_outputs import ReadFn, VerifyFn, measure_llm_outputs
from chartdraft.evaluation.perturbation import (
    EXPECTED_FINDING,
    PerturbationKind,
    PerturbationLabel,
    seeded,
    spans_overlap,
    statements,
)
from chartdraft.evaluation.verify_results import (
    DatasetSummary,
    FalseFlagExample,
    KindScore,
    LlmOutputResult,
    MissedExample,
    Throughput,
    VerifyEvalResult,
    rate,
)
from chartdraft.verify.draft_reader import read_draft
from chartdraft.verify.verifier import VERIFIER_KINDS, verify

T = TypeVar("T")
_TITLES = frozenset({"Dr.", "Mr.", "Ms.", "Mrs.", "Mx."})
# Report order: the order the finding kinds are declared in.
_VERIFIER_KINDS_ORDER = tuple(k for k in FindingKind if k in VERIFIER_KINDS)


def verifier_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Return the findings the verifier raises, leaving out gaps the drafter flagged."""
    return [f for f in findings if f.kind in VERIFIER_KINDS]


def is_caught(label: PerturbationLabel, findings: Iterable[Finding]) -> bool:
    """Return True when a finding of the expected kind points at the injected error."""
    found = list(findings)
    if label.kind is PerturbationKind.DELETED_SENTENCE:
        return any(
            f.kind is FindingKind.OMISSION and spans_overlap(f.spans, label.sources) for f in found
        )
    if label.kind is PerturbationKind.ADDED_NAME:
        names = [w for w in (label.inserted or "").split() if w not in _TITLES]
        return any(
            f.kind is FindingKind.PHI_INTRODUCED
            and (f.statement_id == label.statement_id or _names_in(names, f.draft_text or ""))
            for f in found
        )
    return any(f.kind is label.expected and f.statement_id == label.statement_id for f in found)


def _names_in(names: list[str], text: str) -> bool:
    # Whole words: the name "Ann" is not in "Annual".
    return any(re.search(rf"\b{re.escape(name)}\b", text) for name in names)


def is_flagged(label: PerturbationLabel, findings: Iterable[Finding]) -> bool:
    """Return True when any finding points at the injected error, whatever its kind."""
    found = list(findings)
    if label.kind is PerturbationKind.DELETED_SENTENCE:
        return any(spans_overlap(f.spans, label.sources) for f in found)
    return is_caught(label, found) or any(f.statement_id == label.statement_id for f in found)


def run_verify_eval(
    data_dir: Path,
    *,
    seed: int = 7,
    limit: int | None = None,
    verify_fn: VerifyFn = verify,
    progress: Progress | None = None,
    include_llm: bool = True,
    read_fn: ReadFn = read_draft,
) -> VerifyEvalResult:
    """Build the benchmark from ``data_dir``, verify every copy and return the figures."""
    tally = _Tally(seed)
    for built in benchmark_notes(data_dir, seed=seed, limit=limit, progress=progress):
        if isinstance(built, BenchmarkNote):
            tally.score(built, verify_fn)
        else:
            tally.skipped[built[0]] += 1
    llm = None
    if include_llm:
        llm = measure_llm_outputs(
            data_dir,
            seed=seed,
            limit=limit,
            verify_fn=verify_fn,
            read_fn=read_fn,
            progress=progress,
        )
    return tally.result(limit, llm)


class _Sample(Generic[T]):
    """A uniform sample of at most ``size`` items from a stream (reservoir sampling)."""

    def __init__(self, size: int, rng: random.Random) -> None:
        self.size, self.rng, self.items, self.seen = size, rng, list[T](), 0

    def offer(self, item: T) -> None:
        self.seen += 1
        if len(self.items) < self.size:
            self.items.append(item)
        elif (slot := self.rng.randrange(self.seen)) < self.size:
            self.items[slot] = item


@dataclass
class _Counts:
    injected: int = 0
    caught: int = 0
    flagged: int = 0


class _Tally:
    """Running counts while the benchmark is verified."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.kinds: dict[str, dict[PerturbationKind, _Counts]] = {
            d: {k: _Counts() for k in PerturbationKind} for d in DATASETS
        }
        self.notes: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self.copies: Counter[str] = Counter()
        self.clean_statements: Counter[str] = Counter()
        self.false_flags: Counter[str] = Counter()
        self.false_by_kind: Counter[str] = Counter()
        self.durations: list[float] = []
        self.false_examples = _Sample[FalseFlagExample](30, seeded(seed, "false-flags"))
        self.missed = {
            k: _Sample[MissedExample](5, seeded(seed, "missed", k)) for k in EXPECTED_FINDING
        }

    def verify(
        self, verify_fn: VerifyFn, dataset: str, visit: Visit, draft: SoapDraft
    ) -> list[Finding]:
        self.copies[dataset] += 1
        started = time.perf_counter()
        findings = verify_fn(visit, draft)
        self.durations.append(time.perf_counter() - started)
        return verifier_findings(findings)

    def score(self, note: BenchmarkNote, verify_fn: VerifyFn) -> None:
        self.notes[note.dataset] += 1
        self._score_clean(note, verify_fn)
        for perturbation in note.perturbations:
            label = perturbation.label
            findings = self.verify(verify_fn, note.dataset, note.visit, perturbation.draft)
            counts = self.kinds[note.dataset][label.kind]
            caught = is_caught(label, findings)
            counts.injected += 1
            counts.caught += caught
            counts.flagged += is_flagged(label, findings)
            if not caught:
                raised = tuple(
                    f.kind.value for f in findings if f.statement_id == label.statement_id
                )
                self.missed[label.kind].offer(
                    MissedExample(
                        note.dataset,
                        note.note_id,
                        label.kind.value,
                        label.statement_id,
                        label.before,
                        label.after,
                        raised,
                    )
                )

    def _score_clean(self, note: BenchmarkNote, verify_fn: VerifyFn) -> None:
        # Nothing is wrong with a clean copy: every verifier finding on it is a false flag.
        texts = {st.id: st.text for _, st in statements(note.clean)}
        self.clean_statements[note.dataset] += len(texts)
        for finding in self.verify(verify_fn, note.dataset, note.visit, note.clean):
            self.false_flags[note.dataset] += 1
            self.false_by_kind[finding.kind.value] += 1
            statement = texts.get(finding.statement_id or "", finding.input_text or "")
            section = finding.section.value if finding.section else None
            self.false_examples.offer(
                FalseFlagExample(
                    note.dataset,
                    note.note_id,
                    section,
                    statement,
                    finding.kind.value,
                    finding.message,
                )
            )

    def result(self, limit: int | None, llm: LlmOutputResult | None) -> VerifyEvalResult:
        datasets = tuple(self._dataset(name) for name in DATASETS)
        clean, false = sum(self.clean_statements.values()), sum(self.false_flags.values())
        overall = {k: _Counts() for k in PerturbationKind}
        for by_kind in self.kinds.values():
            for kind, counts in by_kind.items():
                overall[kind].injected += counts.injected
                overall[kind].caught += counts.caught
                overall[kind].flagged += counts.flagged
        return VerifyEvalResult(
            seed=self.seed,
            limit=limit,
            kinds=_scores(overall),
            datasets=datasets,
            clean_statements=clean,
            false_flags=false,
            false_flag_rate=rate(false, clean),
            false_flags_by_kind={
                k.value: self.false_by_kind[k.value] for k in _VERIFIER_KINDS_ORDER
            },
            false_flag_examples=tuple(self.false_examples.items),
            missed_examples=tuple(e for k in PerturbationKind for e in self.missed[k].items),
            throughput=_throughput(self.durations),
            llm=llm,
        )

    def _dataset(self, name: str) -> DatasetSummary:
        return DatasetSummary(
            name=name,
            notes=self.notes[name],
            skipped=self.skipped[name],
            copies=self.copies[name],
            clean_statements=self.clean_statements[name],
            false_flags=self.false_flags[name],
            false_flag_rate=rate(self.false_flags[name], self.clean_statements[name]),
            kinds=_scores(self.kinds[name]),
        )


def _scores(by_kind: dict[PerturbationKind, _Counts]) -> tuple[KindScore, ...]:
    return tuple(
        KindScore(
            kind=kind.value,
            expected=EXPECTED_FINDING[kind].value,
            injected=c.injected,
            caught=c.caught,
            flagged=c.flagged,
            recall=rate(c.caught, c.injected),
            flagged_rate=rate(c.flagged, c.injected),
        )
        for kind, c in by_kind.items()
    )


def _throughput(durations: list[float]) -> Throughput:
    seconds = sum(durations)
    ordered = sorted(durations)

    def percentile_ms(share: float) -> float | None:
        if not ordered:
            return None
        # Nearest rank: the smallest duration at or above ``share`` of the calls.
        index = min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))
        return ordered[index] * 1000

    return Throughput(
        verify_calls=len(durations),
        seconds=seconds,
        notes_per_second=rate(len(durations), seconds),
        p50_ms=percentile_ms(0.50),
        p99_ms=percentile_ms(0.99),
    )
