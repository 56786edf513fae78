"""``chartdraft eval ...``: measure chartdraft on public clinical datasets."""

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import TaskID

from chartdraft.cli.app import app, progress_bar
from chartdraft.domain.errors import InputError
from chartdraft.evaluation.verify_results import LlmFlagExample

eval_app = typer.Typer(
    name="eval",
    help="Measure chartdraft on public clinical datasets (reports in --out).",
    no_args_is_help=True,
)
app.add_typer(eval_app)
DEFAULT_DATA = Path("..") / "shared" / "data"
Data = Annotated[Path, typer.Option("--data", help="The public datasets folder (ACI-Bench, ...).")]
Out = Annotated[Path, typer.Option("--out", help="Where to write the report, figures and chart.")]
Limit = Annotated[
    int | None, typer.Option("--limit", min=1, help="At most this many notes per dataset.")
]
Advance = Callable[[str, int, int], None]
T = TypeVar("T")


def _require(data: Path, *folders: str) -> None:
    for folder in folders:
        if not (data / folder).is_dir():
            raise InputError(f"{data} does not hold the public datasets (no {folder} folder).")


def _with_progress(run: Callable[[Advance], T]) -> T:
    """Run ``run`` with a callback that draws one progress bar per stage."""
    with progress_bar() as bar:
        tasks: dict[str, TaskID] = {}

        def advance(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        return run(advance)


@eval_app.command("verify")
def eval_verify(
    data: Data = DEFAULT_DATA,
    out: Out = Path("eval-out"),
    seed: Annotated[int, typer.Option("--seed", help="Seed for paraphrases and errors.")] = 7,
    limit: Limit = None,
) -> None:
    """Inject known errors into real clinical notes and measure what the verifier catches."""
    from chartdraft.evaluation.verify_eval import run_verify_eval  # noqa: PLC0415
    from chartdraft.evaluation.verify_report import summary_lines, write_report  # noqa: PLC0415

    _require(data, "aci-bench")
    result = _with_progress(
        lambda advance: run_verify_eval(data, seed=seed, limit=limit, progress=advance)
    )
    try:
        paths = write_report(result, out)
    except OSError as exc:
        raise InputError(f"The report cannot be written to {out} ({exc.strerror}).") from exc
    console = Console(highlight=False)
    for line in summary_lines(result):
        console.print(escape(line), soft_wrap=True)
    if result.llm is not None:
        _print_llm_examples(console, result.llm.examples)
    console.print(f"Report: {escape(', '.join(str(p) for p in paths))}")


def _print_llm_examples(console: Console, examples: tuple[LlmFlagExample, ...]) -> None:
    """Print the flagged statements of real model notes, for a person to read."""
    if not examples:
        return
    console.print("\n[bold]Flagged statements of real model notes, for reading:[/bold]")
    for example in examples:
        console.print(
            f"- {escape(example.model)} {escape(example.note_id)}: {escape(example.statement)}"
            f"\n  {escape(example.kind)}: {escape(example.message)}",
            soft_wrap=True,
        )


@eval_app.command("deid")
def eval_deid(
    data: Data = DEFAULT_DATA,
    out: Out = Path("eval-out"),
    seed: Annotated[int, typer.Option("--seed", help="Seed for the inserted identifiers.")] = 7,
    limit: Limit = None,
) -> None:
    """Insert known identifiers into real clinical notes; measure chartdraft and presidio on them."""
    from chartdraft.evaluation.deid_eval import run_deid_eval  # noqa: PLC0415

    _require(data, "aci-bench", "physionet-deid-lists", "presidio-research-synth")
    try:
        result = _with_progress(
            lambda advance: run_deid_eval(data, out, seed=seed, limit=limit, progress=advance)
        )
    except OSError as exc:
        raise InputError(f"The report cannot be written to {out} ({exc.strerror}).") from exc
    console = Console(highlight=False)
    for line in result.summary_lines():
        console.print(escape(line), soft_wrap=True)
    console.print(f"Report: {escape(str(out / 'deid-report.md'))}")
