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
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from chartdraft import __version__
from chartdraft.bootstrap import build_drafting_service, load_settings, phi_detector
from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.errors import ChartdraftError, InputError, RetryableEngineError
from chartdraft.domain.findings import Finding
from chartdraft.privacy.log_filter import install_log_redaction
from chartdraft.services.engines import list_engines

app = typer.Typer(
    name="chartdraft",
    help="Draft SOAP notes from what the clinician captured; nothing is final until signed.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
errors_console = Console(stderr=True, highlight=False)

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


class DraftInputFormat(StrEnum):
    """How ``draft`` reads its input: a capture format, or ``audio`` to transcribe it first."""

    AUTO = "auto"
    TEXT = "text"
    JSON = "json"
    DICTATION = "dictation"
    AUDIO = "audio"


AUDIO_SUFFIXES = frozenset({".wav", ".mp3", ".m4a", ".ogg", ".oga", ".opus", ".webm", ".flac"})
"""A capture file with one of these is a recording: ``auto`` transcribes it first."""


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
        DraftInputFormat,
        typer.Option("--input-format", help="How to read the capture (audio: a recording)."),
    ] = DraftInputFormat.AUTO,
) -> None:
    """Draft a SOAP note from a capture (headed text, JSON, dictation or a recording)."""
    for option, value in (("--type", encounter_type), ("--engine", engine), ("--model", model)):
        if value is not None and not value.strip():
            raise InputError(f"{option} needs a name; leave it out to use the default.")
    settings = load_settings()
    service = build_drafting_service(settings)
    if input_format is DraftInputFormat.AUDIO or (
        input_format is DraftInputFormat.AUTO and Path(path).suffix.lower() in AUDIO_SUFFIXES
    ):
        # Imported here: the speech model's libraries load only for a recording.
        from chartdraft.cli.dictation import dictated_capture  # noqa: PLC0415

        raw, source, name = dictated_capture(path, settings), "The dictation", ""
        capture_format = CaptureFormat.DICTATION
    else:
        raw, source, name = read_capture(path, settings.max_capture_bytes)
        capture_format = CaptureFormat(input_format.value)
    visit = service.capture(raw, source=source, name=name, input_format=capture_format.value)
    chosen = service.engine(engine, model=model, base_url=base_url)
    with errors_console.status(f"Drafting with {escape(chosen.name)}...", spinner="dots"):
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
    raw, source, name = read_capture(input_path, settings.max_capture_bytes)
    visit = service.capture(raw, source=source, name=name, input_format=input_format.value)
    raw_draft, draft_source, _ = read_capture(draft_path, settings.max_capture_bytes)
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
    with errors_console.status("Checking engines...", spinner="dots"):
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
            _yes_no(entry.phi_allowed)
            + (f" (BAA {escape(entry.baa_reference)})" if entry.baa_reference else ""),
            escape(entry.detail),
        )
    console = Console(highlight=False)
    console.width = max(console.width, 150)  # a pipe or log gets the whole table, unwrapped
    console.print(table)


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors_console,
    )


def _yes_no(value: bool) -> str:
    return "[green]yes[/green]" if value else "[red]no[/red]"


def read_capture(path: str, limit: int) -> tuple[bytes, str, str]:
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
        errors_console.print("[green]No findings.[/green]")
        return
    major = sum(1 for f in note.findings if f.severity == "major")
    errors_console.print(f"[bold]{len(note.findings)} finding(s), {major} major:[/bold]")
    for finding in note.findings:
        errors_console.print(f"  {_finding_line(finding)}", soft_wrap=True)


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
    errors_console.print(f"chartdraft: {escape(message)}", soft_wrap=True)
    raise SystemExit(code)


def main() -> None:
    """Run the CLI; a user sees one sentence and exit code 2 for bad input, never a traceback."""
    for stream in (sys.stdout, sys.stderr):
        # A terminal that cannot show a character gets an escape, never a crash mid-note.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    install_log_redaction(phi_detector)
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
