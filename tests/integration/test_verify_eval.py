"""The verifier regression test: recall and false flags on a fixed sample of real notes.

Notes no one here wrote (ACI-Bench, PriMock57, MTS-Dialog) are drafted, honestly paraphrased
and copied with one known error each; the real verifier must catch at least 90% of every kind
and flag no more than 5% of the clean statements. The benchmark itself is checked on every
note: the paraphrase keeps each fact, and each perturbation changes what its label says.
"""

import re
from collections import Counter
from pathlib import Path

import pytest

from chartdraft.evaluation.benchmark import BenchmarkNote, benchmark_notes
from chartdraft.evaluation.perturbation import PerturbationKind, statements
from chartdraft.evaluation.verify_eval import run_verify_eval
from chartdraft.evaluation.verify_report import summary_lines
from chartdraft.evaluation.verify_results import VerifyEvalResult
from chartdraft.evaluation.vocab import HEDGE_CUES, NEGATION_CUES, SIDE_WORDS, all_drugs
from chartdraft.evaluation.wording import numbers_in

pytestmark = pytest.mark.corpus

MIN_RECALL = 0.90
MAX_FALSE_FLAG_RATE = 0.05
SAMPLE = 40  # notes of each dataset: well under a minute


@pytest.fixture(scope="module")
def result(shared_data: Path) -> VerifyEvalResult:
    """The real verifier on the fixed sample (seed 1, the first 40 notes of each dataset)."""
    return run_verify_eval(shared_data, seed=1, limit=SAMPLE, include_llm=False)


def _explain(result: VerifyEvalResult) -> str:
    missed = [
        f"  {e.kind} {e.note_id}: {e.before!r} -> {e.after!r}" for e in result.missed_examples
    ]
    false = [
        f"  {e.kind} {e.note_id}: {e.statement!r}: {e.message}" for e in result.false_flag_examples
    ]
    return "\n".join([*summary_lines(result), "missed:", *missed, "false flags:", *false])


def test_every_perturbation_kind_is_caught(result: VerifyEvalResult) -> None:
    assert all(k.injected > 0 for k in result.kinds), [(k.kind, k.injected) for k in result.kinds]
    low = {k.kind: k.recall for k in result.kinds if (k.recall or 0.0) < MIN_RECALL}
    assert low == {}, _explain(result)


def test_clean_drafts_are_rarely_flagged(result: VerifyEvalResult) -> None:
    assert result.clean_statements > 1000
    assert result.false_flag_rate is not None
    assert result.false_flag_rate <= MAX_FALSE_FLAG_RATE, _explain(result)


def _facts(text: str) -> tuple[object, ...]:
    words = re.findall(r"[a-z/]+", text.lower())
    drugs = set(all_drugs())
    return (
        Counter(numbers_in(text)),
        Counter(w for w in words if w in drugs),
        Counter(w for w in words if w in SIDE_WORDS),
        sum(1 for w in words if w in NEGATION_CUES),
        sum(1 for w in words if w in HEDGE_CUES),
    )


@pytest.fixture(scope="module")
def notes(shared_data: Path) -> list[BenchmarkNote]:
    """Every note of the three datasets, built (not verified) with seed 1."""
    return [n for n in benchmark_notes(shared_data, seed=1) if isinstance(n, BenchmarkNote)]


def test_the_paraphrase_keeps_every_fact_of_every_note(notes: list[BenchmarkNote]) -> None:
    assert len(notes) > 1300
    changed = []
    for note in notes:
        statements_text = " ".join(st.text for _, st in statements(note.clean))
        cited = " ".join(
            note.visit.text_of(s) for _, st in statements(note.clean) for s in st.sources
        )
        if _facts(statements_text) != _facts(cited):
            changed.append(note.note_id)
    assert changed == []


def test_every_perturbation_changes_what_its_label_says(notes: list[BenchmarkNote]) -> None:
    problems = []
    for note in notes:
        clean = {st.id: st.text for _, st in statements(note.clean)}
        for p in note.perturbations:
            now = {st.id: st.text for _, st in statements(p.draft)}
            label = p.label
            if label.kind is PerturbationKind.DELETED_SENTENCE:
                ok = set(clean) - set(now) == {label.statement_id} and label.before
            elif label.before == "":
                ok = set(now) - set(clean) == {label.statement_id}
            else:
                ok = clean[label.statement_id] != now[label.statement_id] and set(clean) == set(now)
            if not ok:
                problems.append((note.note_id, label.kind.value))
    assert problems == []
