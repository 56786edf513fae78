"""Write the de-identification evaluation: Markdown tables, every figure as JSON, a recall chart."""

import json
from pathlib import Path
from typing import TYPE_CHECKING

from chartdraft.domain.phi import PhiType
from chartdraft.evaluation.deid_gold import CLINICAL, PRESIDIO_SYNTH
from chartdraft.evaluation.verify_report import number, pct

if TYPE_CHECKING:
    from chartdraft.evaluation.deid_eval import DeidEvalResult, SetScore, SystemRun

REPORT_MD = "deid-report.md"
REPORT_JSON = "deid-results.json"
RECALL_PNG = "deid-recall.png"

GOLD_RULES = """\
How the clinical gold is labelled:

- Names: each first or last name is its own span ("Dr. {LAST}": just the name). A name is
  *ambiguous* when it is on a PhysioNet "ambig" list (a common word too: "Will", "Rose", "Hall").
  ACI-Bench metadata names are labelled at every whole-word, case-insensitive occurrence, except
  that a metadata name that is a common English word is labelled only when capitalised.
- Dates: the date expression only ("the 14th of March": "14th of March"); a year alone is never
  gold. Ages: the number only, and only over 89.
- Addresses: street (with apartment), city and ZIP are separate LOCATION spans; the state is not
  an identifier under Safe Harbor, so it is neither gold nor a false positive. Facility names
  ("Kent Memorial Hospital") are one LOCATION span. A phone's extension is ignored likewise.
- Covered: the detections together span every letter and digit of the gold span, whatever type
  they carry ("protected"); one detection for a whole address covers all its parts. Type-exact
  recall also asks for the gold type. Partial: some characters hidden, some not; it counts as a
  miss. A detection is true when it overlaps a gold span; precision = true / all detections.

Limits: inserted carriers are templates, so their wording is more regular than real notes, and
surrogate values are drawn from lists a detector may also use (the PhysioNet lists). Identifiers
already in the source notes that are not in the ACI-Bench metadata (PriMock57 and MTS-Dialog
names, clinicians named in dialogue) are not gold: a detector that finds them is charged a false
positive. The false-positive list below lets a reader see how many of those are real identifiers.
"""


def write_report(result: "DeidEvalResult", out_dir: Path) -> list[Path]:
    """Write the Markdown report, the JSON figures and the recall chart; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    markdown, data, chart = out_dir / REPORT_MD, out_dir / REPORT_JSON, out_dir / RECALL_PNG
    markdown.write_text(report_markdown(result), encoding="utf-8")
    data.write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")
    draw_recall_chart(result, chart)
    return [markdown, data, chart]


def summary_lines(result: "DeidEvalResult") -> list[str]:
    """Return the headline figures, one line per system, then the targets."""
    clinical = next(g for g in result.gold if g.name == CLINICAL)
    lines = [
        f"Clinical gold: {sum(clinical.entities.values()):,} identifiers in {clinical.notes:,} notes"
        f" ({clinical.chars:,} characters)."
    ]
    for run in result.systems:
        score = run.on(CLINICAL)
        if score is None:
            lines.append(f"{run.name}: skipped ({run.skipped}).")
            continue
        overall, precision = score.recall_of("ALL"), score.precision_of("ALL")
        worst = min(
            (r for r in score.recall if r.key in PhiType.__members__ and r.recall is not None),
            key=lambda r: r.recall or 0.0,
        )
        lines.append(
            f"{run.name}: recall {pct(overall.recall if overall else None)}, lowest "
            f"{worst.key} {pct(worst.recall)}; precision "
            f"{pct(precision.precision if precision else None)}; "
            f"{number(score.throughput.notes_per_second, 1)} notes/s."
        )
    unmet = [name for name, met in result.target_checks() if met is False]
    lines.append("Targets: all met." if not unmet else f"Targets not met: {', '.join(unmet)}.")
    return lines


def report_markdown(result: "DeidEvalResult") -> str:
    """Return the whole report as Markdown."""
    ran = [r for r in result.systems if r.skipped is None]
    parts = [
        "# PHI de-identification evaluation\n",
        f"Seed {result.seed}; "
        + ("default sample sizes" if result.limit is None else f"at most {result.limit} notes per dataset")
        + ". Systems, in one run: "
        + "; ".join(f"**{r.name}**: {r.description}" + (f" — skipped: {r.skipped}" if r.skipped else "")
                    for r in result.systems)
        + ".\n",
        "## Gold sets\n",
        _gold_table(result),
        GOLD_RULES,
        "## Targets (chartdraft, clinical set)\n",
        _table(["target", "met"], [[n, "n/a" if m is None else "yes" if m else "NO"]
                                   for n, m in result.target_checks()]),
    ]  # fmt: skip
    for gold_set in (CLINICAL, PRESIDIO_SYNTH):
        parts += _set_sections(ran, gold_set)
    parts += ["## Throughput\n", _throughput_table(ran)]
    parts += _string_lists(ran)
    return "\n".join(parts)


def _gold_table(result: "DeidEvalResult") -> str:
    types = [t.value for t in PhiType]
    rows = [
        [g.name, f"{g.notes:,}", f"{g.chars:,}", f"{sum(g.entities.values()):,}",
         *(f"{g.entities[t]:,}" for t in types), f"{g.ambiguous_names:,}",
         ", ".join(f"{k} {v:,}" for k, v in g.by_origin.items())]
        for g in result.gold
    ]  # fmt: skip
    descriptions = "\n".join(f"- **{g.name}**: {g.description}" for g in result.gold)
    header = ["set", "notes", "characters", "identifiers", *types, "ambiguous names", "origin"]
    return _table(header, rows) + "\n" + descriptions + "\n"


def _set_sections(runs: list["SystemRun"], gold_set: str) -> list[str]:
    scored = [(r.name, s) for r in runs if (s := r.on(gold_set)) is not None]
    if not scored:
        return []
    keys = ["ALL", *(t.value for t in PhiType), "ambiguous-names"]
    keys += sorted({r.key for _, s in scored for r in s.recall if r.key.startswith("dataset:")})
    names = [name for name, _ in scored]

    def recall_row(key: str) -> list[str]:
        cells = [key]
        for _, score in scored:
            r = score.recall_of(key)
            cells.append("-" if r is None or not r.gold else
                         f"{pct(r.recall)} ({r.covered:,}/{r.gold:,}); exact {pct(r.exact_recall)}"
                         + (f"; partial {r.partial}" if r.partial else ""))  # fmt: skip
        return cells

    def precision_row(key: str) -> list[str]:
        cells = [key]
        for _, score in scored:
            p = score.precision_of(key)
            cells.append("-" if p is None or not p.detections else
                         f"{pct(p.precision)} ({p.true:,}/{p.detections:,})")  # fmt: skip
        return cells

    title = "clinical set" if gold_set == CLINICAL else "presidio-research synthetic set"
    note = (
        "" if gold_set == CLINICAL else
        "Not clinical; its DATE_TIME spans include times and bare years (not PHI under Safe"
        " Harbor) and its addresses are international, so read these figures as a cross-check.\n"
    )  # fmt: skip
    return [
        f"## Recall per type, {title}\n",
        note + "Protected (any type) recall, covered/gold; type-exact recall; partial overlaps"
        " (counted as misses).\n",
        _table(["type", *names], [recall_row(k) for k in keys]),
        f"## Precision per detected type, {title}\n",
        _table(["detected type", *names], [precision_row(k) for k in ["ALL", *(t.value for t in PhiType)]]),
    ]  # fmt: skip


def _throughput_table(runs: list["SystemRun"]) -> str:
    rows = []
    for run in runs:
        for score in run.sets:
            t = score.throughput
            rows.append([run.name, score.gold_set, number(run.load_seconds, 2), f"{t.notes:,}",
                         f"{t.chars:,}", number(t.seconds, 2), number(t.notes_per_second, 1),
                         number(t.chars_per_second, 0)])  # fmt: skip
    header = ["system", "set", "load s", "notes", "characters", "detect s", "notes/s", "chars/s"]
    return (
        "One process, one core, detect() calls only (after a warm-up of a few notes); load time"
        " listed apart.\n\n" + _table(header, rows)
    )


def _string_lists(runs: list["SystemRun"]) -> list[str]:
    parts = []
    for run in runs:
        score = run.on(CLINICAL)
        if score is None:
            continue
        parts += [
            f"## {run.name}: most frequent false positives (clinical set)\n",
            "Strings detected where the gold has nothing; real identifiers in the source notes"
            " (unlabelled) show up here too. Surrogates and public-dataset text only.\n",
            _table(["type", "text", "count"], _counted(score.top_false_positives)),
            f"## {run.name}: most frequent missed identifiers (clinical set)\n",
            _table(["gold type", "text", "count"], _counted(score.top_missed)),
        ]  # fmt: skip
    return parts


def draw_recall_chart(result: "DeidEvalResult", path: Path) -> None:
    """Draw protected recall per type on the clinical set, one bar per system."""
    # Imported here: matplotlib is the optional "eval" extra and slow to import.
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415
    from matplotlib.figure import Figure  # noqa: PLC0415

    from chartdraft.evaluation.deid_eval import TARGET_TYPE_RECALL  # noqa: PLC0415 (cycle)

    scored = [(r.name, s) for r in result.systems if (s := r.on(CLINICAL)) is not None]
    keys = ["ALL", *(t.value for t in PhiType)]
    figure = Figure(figsize=(12, 5.5), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    width = 0.8 / max(1, len(scored))
    for index, (name, score) in enumerate(scored):
        values = [_recall(score, k) for k in keys]
        offsets = [k + (index - (len(scored) - 1) / 2) * width for k in range(len(keys))]
        axes.bar(offsets, values, width, label=name)
    axes.axhline(TARGET_TYPE_RECALL, color="#555555", linestyle="--", linewidth=1)
    axes.set_xticks(range(len(keys)), keys, fontsize=8)
    axes.set_ylim(0, 1.05)
    axes.set_ylabel("recall (identifiers fully covered / gold)")
    axes.set_title(f"PHI recall per type, clinical gold set (seed {result.seed})")
    axes.legend(loc="lower left", fontsize=8)
    figure.savefig(path, dpi=120)


def _recall(score: "SetScore", key: str) -> float:
    row = score.recall_of(key)
    return row.recall or 0.0 if row is not None else 0.0


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = [_row(header), _row(["---"] * len(header))]
    lines += [_row(row) for row in rows] or [_row(["(none)", *([""] * (len(header) - 1))])]
    return "\n".join(lines) + "\n"


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(" ".join(c.split()).replace("|", "\\|") for c in cells) + " |"


def _counted(strings: tuple[tuple[str, str, int], ...]) -> list[list[str]]:
    return [[phi_type, _code(text), f"{n:,}"] for phi_type, text, n in strings]


def _code(text: str) -> str:
    return "`" + (text.replace("`", "'") or "(empty)") + "`"
