"""Write the verifier evaluation as a report: Markdown tables, every number as JSON, a chart."""

import json
from pathlib import Path

from chartdraft.evaluation.verify_results import (
    KindScore,
    LlmOutputResult,
    VerifyEvalResult,
    rate,
)

REPORT_MD = "verify-eval.md"
REPORT_JSON = "verify-eval.json"
RECALL_PNG = "verify-recall.png"


def write_report(result: VerifyEvalResult, out_dir: Path) -> list[Path]:
    """Write the Markdown report, the JSON figures and the recall chart; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    markdown, data, chart = out_dir / REPORT_MD, out_dir / REPORT_JSON, out_dir / RECALL_PNG
    markdown.write_text(report_markdown(result), encoding="utf-8")
    data.write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")
    draw_recall_chart(result, chart)
    return [markdown, data, chart]


def summary_lines(result: VerifyEvalResult) -> list[str]:
    """Return the headline figures, one sentence a line, for the terminal."""
    injected = sum(k.injected for k in result.kinds)
    caught = sum(k.caught for k in result.kinds)
    notes = ", ".join(f"{d.name} {d.notes:,}" for d in result.datasets)
    skipped = sum(d.skipped for d in result.datasets)
    scored = [k for k in result.kinds if k.recall is not None]
    below = [k for k in scored if k.recall is not None and k.recall < result.target_recall]
    speed = result.throughput
    lines = [
        f"Perturbations: {injected:,} injected in {sum(d.notes for d in result.datasets):,} "
        f"notes ({notes}); {skipped} notes skipped.",
        f"Recall: {len(scored) - len(below)} of {len(scored)} kinds at or above "
        f"{pct(result.target_recall)}"
        + (f"; below: {', '.join(f'{k.kind} {pct(k.recall)}' for k in below)}." if below else "."),
        f"Caught overall: {caught:,} of {injected:,} ({pct(rate(caught, injected))}).",
        f"False flags: {result.false_flags:,} on {result.clean_statements:,} clean statements "
        f"({pct(result.false_flag_rate)}).",
        f"Throughput: {number(speed.notes_per_second, 0)} notes/s on one core; "
        f"p50 {number(speed.p50_ms, 2)} ms, p99 {number(speed.p99_ms, 2)} ms per verify call.",
    ]
    if result.llm is not None:
        lines += _llm_summary(result.llm)
    return lines


def report_markdown(result: VerifyEvalResult) -> str:
    """Return the whole report as Markdown."""
    parts = [
        "# Verifier evaluation\n",
        f"Seed {result.seed}; {'every note' if result.limit is None else f'first {result.limit} notes'}"
        " of each dataset. Each note's sections are the visit; the draft is the template engine's,"
        " honestly paraphrased (the clean copy), then copied once per perturbation kind the note"
        " offers, with one known error.\n",
        "## Recall per perturbation kind\n",
        _kind_table(result.kinds, result.target_recall),
        "## Per dataset\n",
        _dataset_table(result),
        _dataset_recall_table(result),
        "## False flags on clean copies\n",
        f"{result.false_flags:,} verifier findings on {result.clean_statements:,} clean statements:"
        f" {pct(result.false_flag_rate)} per clean statement.\n",
        _table(
            ["finding kind", "false flags"],
            [[k, f"{n:,}"] for k, n in result.false_flags_by_kind.items()],
        ),
        "## Throughput\n",
        _throughput_table(result),
    ]
    if result.llm is not None:
        parts += _llm_sections(result.llm)
    parts += _examples(result)
    return "\n".join(parts)


def draw_recall_chart(result: VerifyEvalResult, path: Path) -> None:
    """Draw recall per kind as bars, with the target line and the false-flag rate."""
    # Imported here: matplotlib is the optional "eval" extra and slow to import.
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    figure = Figure(figsize=(10, 5.5), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    names = [k.kind.replace("_", "\n") for k in result.kinds]
    values = [k.recall or 0.0 for k in result.kinds]
    colours = ["#2e7d32" if v >= result.target_recall else "#c62828" for v in values]
    bars = axes.bar(names, values, color=colours)
    for bar, score in zip(bars, result.kinds, strict=True):
        axes.annotate(
            f"{score.caught}/{score.injected}",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center", va="bottom", fontsize=8, xytext=(0, 2), textcoords="offset points",
        )  # fmt: skip
    axes.axhline(result.target_recall, color="#555555", linestyle="--", linewidth=1)
    axes.text(len(names) - 0.5, result.target_recall, f"{pct(result.target_recall)} target",
              ha="right", va="bottom", fontsize=9)  # fmt: skip
    axes.set_ylim(0, 1.1)
    axes.set_ylabel("recall (caught / injected)")
    axes.tick_params(axis="x", labelsize=8)
    axes.set_title(
        f"Verifier recall per perturbation kind (seed {result.seed}); false flags: "
        f"{pct(result.false_flag_rate)} of {result.clean_statements:,} clean statements"
    )
    figure.savefig(path, dpi=120)


def pct(value: float | None) -> str:
    """Return a share as a percentage with one decimal, or "n/a"."""
    return "n/a" if value is None else f"{value * 100:.1f}%"


def number(value: float | None, digits: int) -> str:
    """Return a number with ``digits`` decimals and thousands separators, or "n/a"."""
    return "n/a" if value is None else f"{value:,.{digits}f}"


def _llm_summary(llm: LlmOutputResult) -> list[str]:
    lines = [
        f"{m.model} notes: {pct(m.flag_rate)} of {m.statements:,} statements flagged, "
        f"{number(m.omissions_per_note, 2)} omissions per note ({m.notes} notes, {m.skipped} skipped)."
        for m in llm.models
    ]
    c = llm.correlation
    lines.append(
        f"MTS-Dialog summaries: Spearman rho {number(c.rho, 3)} with the human hallucination "
        f"rate (p={number(c.p_value, 4)}, n={c.n})."
    )
    return lines


def _kind_table(kinds: tuple[KindScore, ...], target: float) -> str:
    rows = [
        [k.kind, k.expected, f"{k.injected:,}", f"{k.caught:,}", pct(k.recall),
         "yes" if k.recall is not None and k.recall >= target else "no", pct(k.flagged_rate)]
        for k in kinds
    ]  # fmt: skip
    header = ["kind", "expected finding", "injected", "caught", "recall", f"≥ {pct(target)}"]
    return _table([*header, "flagged (any finding)"], rows)


def _dataset_table(result: VerifyEvalResult) -> str:
    rows = [
        [d.name, f"{d.notes:,}", f"{d.skipped:,}", f"{d.copies:,}", f"{d.clean_statements:,}",
         f"{d.false_flags:,}", pct(d.false_flag_rate)]
        for d in result.datasets
    ]  # fmt: skip
    header = ["dataset", "notes", "skipped", "copies verified", "clean statements", "false flags"]
    return _table([*header, "false flags / clean statement"], rows)


def _dataset_recall_table(result: VerifyEvalResult) -> str:
    rows = []
    for index, overall in enumerate(result.kinds):
        cells = [overall.kind]
        for dataset in result.datasets:
            k = dataset.kinds[index]
            cells.append(f"{k.caught}/{k.injected} ({pct(k.recall)})" if k.injected else "-")
        rows.append(cells)
    return "Recall per dataset (caught / injected):\n\n" + _table(
        ["kind", *(d.name for d in result.datasets)], rows
    )


def _throughput_table(result: VerifyEvalResult) -> str:
    t = result.throughput
    return _table(
        ["verify calls", "seconds in verify", "notes / s (one core)", "p50 ms", "p99 ms"],
        [[f"{t.verify_calls:,}", number(t.seconds, 2), number(t.notes_per_second, 1),
          number(t.p50_ms, 3), number(t.p99_ms, 3)]],
    )  # fmt: skip


def _llm_sections(llm: LlmOutputResult) -> list[str]:
    kinds = sorted({k for m in llm.models for k in m.findings_per_statement})
    rows = [
        [m.model, f"{m.notes}", f"{m.skipped}", f"{m.statements:,}", pct(m.flag_rate),
         number(m.omissions_per_note, 2),
         *(number(m.findings_per_statement.get(k), 3) for k in kinds)]
        for m in llm.models
    ]  # fmt: skip
    header = ["model", "notes", "skipped", "statements", "flag rate", "omissions / note"]
    correlations = [
        [c.label, f"{c.n}", number(c.rho, 3), number(c.p_value, 4),
         pct(c.mean_unsupported_rate), pct(c.mean_hallucination_rate)]
        for c in (llm.correlation, *llm.per_system)
    ]  # fmt: skip
    return [
        "## Real model notes (ACI-Bench GPT-4 and ChatGPT)\n",
        "Input: the dialogue as dictation; draft: the model's note. Flag rate: share of"
        " statements with at least one statement-level finding; then findings per statement"
        " by kind.\n",
        _table([*header, *(f"{k} / statement" for k in kinds)], rows),
        "## MTS-Dialog automatic summaries against human hallucination rates\n",
        f"{llm.summaries} summaries scored, {llm.summaries_skipped} skipped. Per summary: statements"
        " with a statement-level finding (omissions left out) / statements, against the"
        " annotators' HallucinationRate (Spearman).\n",
        _table(
            ["summaries", "n", "Spearman rho", "p-value", "mean unsupported", "mean hallucination"],
            correlations,
        ),
    ]


def _examples(result: VerifyEvalResult) -> list[str]:
    parts = ["## Examples: false flags on clean copies\n"]
    parts += [
        f"- **{e.kind}** ({e.dataset} {e.note_id}, {e.section or 'note'}): "
        f"{_quote(e.statement)} — {_inline(e.message)}"
        for e in result.false_flag_examples
    ] or ["None."]
    parts += ["", "## Examples: perturbations the verifier missed\n"]
    parts += [
        f"- **{e.kind}** ({e.dataset} {e.note_id}, {e.statement_id}): {_quote(e.before)} → "
        f"{_quote(e.after)}; raised there: {', '.join(e.raised) or 'nothing'}"
        for e in result.missed_examples
    ] or ["None."]
    if result.llm is not None:
        parts += ["", "## Examples: flagged statements of real model notes\n"]
        parts += [
            f"- **{e.kind}** ({e.model} {e.note_id}, {e.section or 'note'}): {_quote(e.statement)}"
            f" — {_inline(e.message)}; input: {_quote(e.input_text or '')}"
            for e in result.llm.examples
        ] or ["None."]
    return [*parts, ""]


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = [_row(header), _row(["---"] * len(header))]
    lines += [_row(row) for row in rows]
    return "\n".join(lines) + "\n"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(_inline(c).replace("|", "\\|") for c in cells) + " |"


def _inline(text: str) -> str:
    return " ".join(text.split())


def _quote(text: str) -> str:
    # Clinical text can hold Markdown characters; a code span shows it as written.
    shown = _inline(text).replace("`", "'") or "(empty)"
    return f"`{shown}`"
