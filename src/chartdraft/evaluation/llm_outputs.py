"""The verifier on real model output: ACI-Bench LLM notes and MTS-Dialog automatic summaries.

No one labelled which statements of these notes are wrong, so the figures are how often the
verifier flags (per model), and for MTS-Dialog how well its per-summary unsupported rate
follows the human hallucination rate (Spearman).
"""

import csv
import sys
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chartdraft.capture.intake import parse_capture
from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.errors import InputError
from chartdraft.domain.findings import Finding, FindingKind
from chartdraft.domain.visit import Visit
from chartdraft.evaluation.benchmark import Progress
from chartdraft.evaluation.perturbation import seeded, statements
from chartdraft.evaluation.verify_results import (
    Correlation,
    LlmFlagExample,
    LlmOutputResult,
    ModelFlags,
    rate,
)
from chartdraft.verify.verifier import VERIFIER_KINDS

VerifyFn = Callable[[Visit, SoapDraft], list[Finding]]
ReadFn = Callable[[str], SoapDraft]

ACI_LLM_MODELS = ("GPT-4", "ChatGPT")
ACI_LLM_SPLITS = ("test1", "test2", "test3")
MTS_SUMMARIES = "MTS-Dialog-Automatic-Summaries-ValidationSet.csv"
MTS_SCORES = "MTS-Dialog-Manual-Scores4CorrelationStudy.csv"
MTS_SYSTEM_ROWS = 100
"""The summaries file holds four systems' summaries of the same 100 dialogues, in blocks."""
EXAMPLES = 20


@dataclass(frozen=True)
class ModelNote:
    """One note a model wrote from one dialogue."""

    model: str
    note_id: str
    dialogue: str
    note: str


@dataclass
class _ModelTally:
    notes: int = 0
    skipped: int = 0
    statements: int = 0
    flagged: int = 0
    by_kind: Counter[str] = field(default_factory=Counter)
    omissions: int = 0


def aci_model_notes(data_dir: Path, model: str, limit: int | None = None) -> list[ModelNote]:
    """Return the ACI-Bench notes ``model`` wrote (the first ``limit`` when given)."""
    csv.field_size_limit(sys.maxsize)
    notes = []
    for split in ACI_LLM_SPLITS:
        path = data_dir / "aci-bench" / "llm_predictions" / f"{split}_{model}.csv"
        with path.open(encoding="utf-8") as f:
            notes += [
                ModelNote(model, f"{split}-{row['encounter_id']}", row["Dialogues"], row["note"])
                for row in csv.DictReader(f)
            ]
    return notes[:limit]


def measure_llm_outputs(
    data_dir: Path,
    *,
    seed: int,
    limit: int | None,
    verify_fn: VerifyFn,
    read_fn: ReadFn,
    progress: Progress | None = None,
) -> LlmOutputResult:
    """Verify the real model notes and summaries and return what the verifier found."""
    candidates: list[LlmFlagExample] = []
    models = tuple(
        _measure_model(
            m,
            aci_model_notes(data_dir, m, limit),
            verify_fn=verify_fn,
            read_fn=read_fn,
            candidates=candidates,
            progress=progress,
        )
        for m in ACI_LLM_MODELS
    )
    examples = seeded(seed, "llm-examples").sample(candidates, min(EXAMPLES, len(candidates)))
    rates, skipped = _measure_summaries(data_dir, limit, verify_fn, read_fn, progress)
    systems = sorted({system for system, _, _ in rates})
    return LlmOutputResult(
        models=models,
        examples=tuple(examples),
        summaries=len(rates),
        summaries_skipped=skipped,
        correlation=spearman("all systems", [(u, h) for _, u, h in rates]),
        per_system=tuple(
            spearman(f"system {s + 1}", [(u, h) for sys_, u, h in rates if sys_ == s])
            for s in systems
        ),
    )


def spearman(label: str, pairs: list[tuple[float, float]]) -> Correlation:
    """Return the Spearman correlation of the pairs, None where it is undefined."""
    # scipy is the optional "eval" extra and slow to import: loaded only when a report is made.
    from scipy.stats import spearmanr  # type: ignore[import-untyped]  # noqa: PLC0415

    xs, ys = [x for x, _ in pairs], [y for _, y in pairs]
    rho = p_value = None
    if len(pairs) >= 3 and len(set(xs)) > 1 and len(set(ys)) > 1:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            found = spearmanr(xs, ys)
        rho, p_value = float(found.statistic), float(found.pvalue)
    return Correlation(
        label=label,
        n=len(pairs),
        rho=rho,
        p_value=p_value,
        mean_unsupported_rate=rate(sum(xs), len(xs)),
        mean_hallucination_rate=rate(sum(ys), len(ys)),
    )


def _measure_model(
    model: str,
    notes: list[ModelNote],
    *,
    verify_fn: VerifyFn,
    read_fn: ReadFn,
    candidates: list[LlmFlagExample],
    progress: Progress | None,
) -> ModelFlags:
    tally = _ModelTally()
    for done, note in enumerate(notes, 1):
        checked = _check(note.dialogue, note.note, verify_fn, read_fn)
        if checked is None:
            tally.skipped += 1
        else:
            _count_note(tally, note, *checked, candidates)
        if progress is not None:
            progress(f"aci-bench {model} notes", done, len(notes))
    return ModelFlags(
        model=model,
        notes=tally.notes,
        skipped=tally.skipped,
        statements=tally.statements,
        flagged_statements=tally.flagged,
        flag_rate=rate(tally.flagged, tally.statements),
        findings_by_kind=dict(tally.by_kind),
        findings_per_statement={k: rate(n, tally.statements) for k, n in tally.by_kind.items()},
        omissions=tally.omissions,
        omissions_per_note=rate(tally.omissions, tally.notes),
    )


def _count_note(
    tally: _ModelTally,
    note: ModelNote,
    draft: SoapDraft,
    findings: list[Finding],
    candidates: list[LlmFlagExample],
) -> None:
    written = {st.id: (section, st) for section, st in statements(draft)}
    tally.notes += 1
    tally.statements += len(written)
    tally.flagged += len(_flagged_ids(findings) & set(written))
    for finding in findings:
        if finding.kind is FindingKind.OMISSION:
            tally.omissions += 1
            continue
        if finding.statement_id is None:
            continue
        tally.by_kind[finding.kind.value] += 1
        if finding.statement_id in written:
            section, statement = written[finding.statement_id]
            candidates.append(
                LlmFlagExample(
                    note.model, note.note_id, section.value, statement.text,
                    finding.kind.value, finding.message, finding.input_text,
                )
            )  # fmt: skip


def _measure_summaries(
    data_dir: Path,
    limit: int | None,
    verify_fn: VerifyFn,
    read_fn: ReadFn,
    progress: Progress | None,
) -> tuple[list[tuple[int, float, float]], int]:
    """Return (system, unsupported rate, human hallucination rate) per summary, and the skipped."""
    rows = _summary_rows(data_dir, limit)
    rates: list[tuple[int, float, float]] = []
    for done, (index, dialogue, summary, hallucination) in enumerate(rows, 1):
        checked = _check(dialogue, summary, verify_fn, read_fn)
        # A summary with no statements has no rate; it counts as skipped.
        if checked is not None and (count := len(list(statements(checked[0])))):
            unsupported = _flagged_ids(checked[1])
            rates.append((index // MTS_SYSTEM_ROWS, len(unsupported) / count, hallucination))
        if progress is not None:
            progress("mts-dialog summaries", done, len(rows))
    return rates, len(rows) - len(rates)


def _flagged_ids(findings: list[Finding]) -> set[str]:
    # Statement-level findings only: an omission is about the input, not a statement.
    return {
        f.statement_id
        for f in findings
        if f.statement_id is not None and f.kind is not FindingKind.OMISSION
    }


def _check(
    dialogue: str, written: str, verify_fn: VerifyFn, read_fn: ReadFn
) -> tuple[SoapDraft, list[Finding]] | None:
    # A dialogue or note chartdraft refuses is skipped and counted, never a crash.
    try:
        visit = parse_capture(dialogue, "dictation")
        draft = read_fn(written)
    except InputError:
        return None
    return draft, [f for f in verify_fn(visit, draft) if f.kind in VERIFIER_KINDS]


def _summary_rows(data_dir: Path, limit: int | None) -> list[tuple[int, str, str, float]]:
    folder = data_dir / "mts-dialog"
    with (folder / MTS_SUMMARIES).open(encoding="utf-8-sig") as f:
        summaries = list(csv.DictReader(f))
    with (folder / MTS_SCORES).open(encoding="utf-8-sig") as f:
        scores = list(csv.DictReader(f))
    # Same row order in both files: row i of the scores judges summary i.
    return [
        (i, row["Dialogue"], row["Automatic Summary"], float(score["HallucinationRate"]))
        for i, (row, score) in enumerate(zip(summaries, scores, strict=True))
        if limit is None or i % MTS_SYSTEM_ROWS < limit
    ]
