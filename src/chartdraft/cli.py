"""The ``chartdraft`` command line."""

import json
import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from chartdraft import __version__
from chartdraft.bootstrap import build_drafting_service, load_settings
from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.errors import ChartdraftError, InputError, RetryableEngineError
from chartdraft.domain.findings import Finding
from chartdraft.evaluation.verify_results import LlmFlagExample
from chartdraft.services.engines import list_engines

app = typer.Typer(
    name="chartdraft",
    help="Draft SOAP notes from what the clinician captured; nothing is final until signed.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_errors = Console(stderr=True, highlight=False)

USAGE_EXIT = 2  # bad input or configuration: one sentence, never a traceback
INTERNAL_EXIT = 70  # a bug in chartdraft (EX_SOFTWARE)
FINDINGS_EXIT = 1  # `verify` found a major problem: the draft must not be signed as it is
TRY_AGAIN_EXIT = 75  # a model server that may answer later: timeout, 429, 5xx (EX_TEMPFAIL)


FINDINGS_SCHEMA = "chartdraft.findings/1"


class OutputFormat(StrEnum):
    """How ``draft`` prints the note."""

    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"


class ListingFormat(StrEnum):
    """How ``templates`` prints the list."""

    TEXT = "text"
    JSON = "json"


class CaptureFormat(StrEnum):
    """How to read the capture; ``auto`` picks JSON for ``{...}`` or ``.json``, else text."""

    AUTO = "auto"
    TEXT = "text"
    JSON = "json"
    DICTATION = "dictation"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"chartdraft {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Draft SOAP notes from what the clinician captured; nothing is final until signed."""


@app.command()
def draft(
    path: Annotated[str, typer.Argument(metavar="PATH|-", help="Capture file, or - for stdin.")],
    encounter_type: Annotated[
        str | None, typer.Option("--type", help="Encounter type (see `chartdraft templates`).")
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option("--engine", help="Drafting engine (see `chartdraft engines`)."),
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", help="Model to use for this run (model engines).")
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Server URL for this run, e.g. http://gpu-box:8000/v1."),
    ] = None,
    output: Annotated[
        OutputFormat, typer.Option("--format", help="Output format.")
    ] = OutputFormat.TEXT,
    input_format: Annotated[
        CaptureFormat, typer.Option("--input-format", help="How to read the capture.")
    ] = CaptureFormat.AUTO,
) -> None:
    """Draft a SOAP note from a capture (headed text, JSON or dictation)."""
    for option, value in (("--type", encounter_type), ("--engine", engine), ("--model", model)):
        if value is not None and not value.strip():
            raise InputError(f"{option} needs a name; leave it out to use the default.")
    settings = load_settings()
    service = build_drafting_service(settings)
    raw, source, name = _read_capture(path, settings.max_capture_bytes)
    visit = service.capture(raw, source=source, name=name, input_format=input_format.value)
    chosen = service.engine(engine, model=model, base_url=base_url)
    with _errors.status(f"Drafting with {escape(chosen.name)}...", spinner="dots"):
        note = service.draft(visit, encounter_type=encounter_type, engine=chosen)
    if output is OutputFormat.JSON:
        document = note.model_dump(mode="json")
        # The captured fields, so that every source span can be resolved by whoever reads this.
        document["fields"] = [f.model_dump(mode="json") for f in visit.fields]
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return
    sys.stdout.write(note.text if output is OutputFormat.TEXT else note.markdown())
    _print_findings(note)


@app.command()
def verify(
    input_path: Annotated[
        str, typer.Option("--input", metavar="VISIT", help="The capture the draft was made from.")
    ],
    draft_path: Annotated[
        str,
        typer.Option("--draft", metavar="DRAFT", help="A plain-text SOAP note or a draft JSON."),
    ],
    output: Annotated[
        ListingFormat, typer.Option("--format", help="text or json.")
    ] = ListingFormat.TEXT,
    input_format: Annotated[
        CaptureFormat, typer.Option("--input-format", help="How to read the capture.")
    ] = CaptureFormat.AUTO,
) -> None:
    """Check every statement of a draft against the capture; exit 1 when a finding is major."""
    if input_path == "-" and draft_path == "-":
        raise InputError("Only one of --input and --draft can be read from standard input.")
    settings = load_settings()
    service = build_drafting_service(settings)
    raw, source, name = _read_capture(input_path, settings.max_capture_bytes)
    visit = service.capture(raw, source=source, name=name, input_format=input_format.value)
    raw_draft, draft_source, _ = _read_capture(draft_path, settings.max_capture_bytes)
    checked, findings = service.check_draft(visit, raw_draft, source=draft_source)
    if output is ListingFormat.JSON:
        document = {
            "schema": FINDINGS_SCHEMA,
            "statements": sum(len(s.statements) for s in checked.sections),
            "findings": [f.model_dump(mode="json") for f in findings],
        }
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    else:
        _print_verification(findings)
    if any(f.severity == "major" for f in findings):
        raise typer.Exit(FINDINGS_EXIT)


eval_app = typer.Typer(
    name="eval",
    help="Measure chartdraft on public clinical datasets (reports in --out).",
    no_args_is_help=True,
)
app.add_typer(eval_app)
DEFAULT_DATA = Path("..") / "shared" / "data"


@eval_app.command("verify")
def eval_verify(
    data: Annotated[
        Path, typer.Option("--data", help="The public datasets folder (ACI-Bench, ...).")
    ] = DEFAULT_DATA,
    out: Annotated[
        Path, typer.Option("--out", help="Where to write the report, figures and chart.")
    ] = Path("eval-out"),
    seed: Annotated[int, typer.Option("--seed", help="Seed for paraphrases and errors.")] = 7,
    limit: Annotated[
        int | None, typer.Option("--limit", min=1, help="At most this many notes per dataset.")
    ] = None,
) -> None:
    """Inject known errors into real clinical notes and measure what the verifier catches."""
    from chartdraft.evaluation.verify_eval import run_verify_eval  # noqa: PLC0415
    from chartdraft.evaluation.verify_report import summary_lines, write_report  # noqa: PLC0415

    if not (data / "aci-bench").is_dir():
        raise InputError(f"{data} does not hold the public datasets (no aci-bench folder).")
    with _progress() as bar:
        tasks: dict[str, TaskID] = {}

        def advance(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        result = run_verify_eval(data, seed=seed, limit=limit, progress=advance)
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


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=_errors,
    )


@app.command()
def templates(
    output: Annotated[
        ListingFormat, typer.Option("--format", help="text or json.")
    ] = ListingFormat.TEXT,
) -> None:
    """List the encounter types and the elements each one requires."""
    catalog = build_drafting_service(load_settings()).catalog
    if output is ListingFormat.JSON:
        listing = [t.model_dump(mode="json") for t in catalog]
        sys.stdout.write(json.dumps(listing, indent=2) + "\n")
        return
    table = Table(title="Encounter types", show_lines=True)
    for column in ("type", "title", "also called", "required elements"):
        table.add_column(column)
    for template in catalog:
        required = "\n".join(
            f"{section.value}: {element.name}" for section, element in template.required_elements()
        )
        table.add_row(template.name, template.title, ", ".join(template.aliases), required or "-")
    Console(highlight=False).print(table)


@app.command()
def engines(
    output: Annotated[
        ListingFormat, typer.Option("--format", help="text or json.")
    ] = ListingFormat.TEXT,
) -> None:
    """List the drafting engines, whether each can be reached, and whether PHI may go to it."""
    service = build_drafting_service(load_settings())
    with _errors.status("Checking engines...", spinner="dots"):
        listing = list_engines(service)
    if output is ListingFormat.JSON:
        sys.stdout.write(json.dumps([e.as_json() for e in listing], indent=2) + "\n")
        return
    table = Table(title="Drafting engines")
    for column in ("engine", "model", "server", "reachable", "PHI allowed"):
        table.add_column(column, no_wrap=True)
    table.add_column("status")
    for entry in listing:
        table.add_row(
            entry.name,
            escape(entry.model or "-"),
            escape(entry.base_url or "(built in)"),
            _yes_no(entry.reachable),
            _yes_no(entry.phi_allowed),
            escape(entry.detail),
        )
    console = Console(highlight=False)
    console.width = max(console.width, 150)  # a pipe or log gets the whole table, unwrapped
    console.print(table)


def _yes_no(value: bool) -> str:
    return "[green]yes[/green]" if value else "[red]no[/red]"


def _read_capture(path: str, limit: int) -> tuple[bytes, str, str]:
    """Return up to ``limit + 1`` bytes of the capture (enough to tell that it is too large)."""
    if path == "-":
        return sys.stdin.buffer.read(limit + 1), "Standard input", ""
    file = Path(path)
    source = f"The file {file.name}"
    try:
        with file.open("rb") as handle:
            return handle.read(limit + 1), source, file.name
    except FileNotFoundError as exc:
        raise InputError(f"{source} does not exist.") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{path} is a directory, not a capture file.") from exc
    except PermissionError as exc:
        raise InputError(f"{source} cannot be read (permission denied).") from exc
    except OSError as exc:
        raise InputError(f"{source} cannot be read ({exc.strerror}).") from exc


def _print_findings(note: SoapDraft) -> None:
    """Summarise the findings on stderr, so stdout holds only the note."""
    if not note.findings:
        _errors.print("[green]No findings.[/green]")
        return
    major = sum(1 for f in note.findings if f.severity == "major")
    _errors.print(f"[bold]{len(note.findings)} finding(s), {major} major:[/bold]")
    for finding in note.findings:
        _errors.print(f"  {_finding_line(finding)}", soft_wrap=True)


def _finding_line(finding: Finding) -> str:
    """Return one finding as a coloured line: severity, kind, where, and the message."""
    colour = "red" if finding.severity == "major" else "yellow"
    where = finding.section.value if finding.section else "note"
    if finding.statement_id:
        where += f" {finding.statement_id}"
    return (
        f"[{colour}]{finding.severity}[/{colour}] {finding.kind} ({where}): "
        f"{escape(finding.message)}"
    )


def _print_verification(findings: list[Finding]) -> None:
    """Print each finding with the draft's words and the closest input, for reading."""
    out = Console(highlight=False)
    if not findings:
        out.print("[green]No findings: every statement is supported and nothing was lost.[/green]")
        return
    major = sum(1 for f in findings if f.severity == "major")
    out.print(f"[bold]{len(findings)} finding(s), {major} major:[/bold]")
    for finding in findings:
        out.print(f"\n{_finding_line(finding)}", soft_wrap=True)
        if finding.draft_text:
            out.print(f"  draft: {escape(finding.draft_text)}", soft_wrap=True)
        if finding.input_text:
            out.print(f"  input: {escape(' '.join(finding.input_text.split()))}", soft_wrap=True)


def _fail(message: str, code: int) -> NoReturn:
    _errors.print(f"chartdraft: {escape(message)}", soft_wrap=True)
    raise SystemExit(code)


def main() -> None:
    """Run the CLI; a user sees one sentence and exit code 2 for bad input, never a traceback."""
    for stream in (sys.stdout, sys.stderr):
        # A terminal that cannot show a character gets an escape, never a crash mid-note.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    try:
        app(standalone_mode=True)
    except RetryableEngineError as exc:
        _fail(str(exc), TRY_AGAIN_EXIT)
    except ChartdraftError as exc:
        _fail(str(exc), USAGE_EXIT)
    except KeyboardInterrupt:
        _fail("interrupted.", 130)
    except Exception as exc:
        if os.environ.get("CHARTDRAFT_DEBUG") == "1":
            raise
        # The message of an unexpected error may quote the capture (PHI): name only its type.
        _fail(
            f"internal error ({type(exc).__name__}); set CHARTDRAFT_DEBUG=1 to see details.",
            INTERNAL_EXIT,
        )
