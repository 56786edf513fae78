"""``chartdraft transcribe``: a dictation recording to text, on this machine."""

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from chartdraft.bootstrap import build_transcriber, load_settings
from chartdraft.cli.app import app, errors_console, read_capture
from chartdraft.config import Settings
from chartdraft.domain.transcript import Transcript
from chartdraft.services.dictation import Transcriber, transcript_document


class TranscriptFormat(StrEnum):
    """How ``transcribe`` prints the transcript."""

    TEXT = "text"
    JSON = "json"


@app.command()
def transcribe(
    path: Annotated[str, typer.Argument(metavar="AUDIO|-", help="Recording, or - for stdin.")],
    output: Annotated[
        TranscriptFormat, typer.Option("--format", help="text, or json with timed segments.")
    ] = TranscriptFormat.TEXT,
    vocabulary: Annotated[
        Path | None,
        typer.Option(
            "--vocabulary",
            help="The practice's own terms, one per line (hint and corrections).",
        ),
    ] = None,
) -> None:
    """Transcribe a dictation (WAV, MP3, M4A, Ogg, WebM) locally; no audio leaves this machine.

    Suggested corrections of misheard drug names and terms, and any stretch dropped as a likely
    invention of the recognizer, are listed on stderr (text) or in the JSON; the transcript
    itself is always what was heard.
    """
    settings = load_settings()
    if vocabulary is not None:
        settings = settings.model_copy(
            update={"speech": settings.speech.model_copy(update={"vocabulary_file": vocabulary})}
        )
    transcriber = build_transcriber(settings)
    raw, source, _name = read_capture(path, transcriber.limits.max_bytes)
    transcript = transcribe_with_progress(transcriber, raw, source)
    if output is TranscriptFormat.JSON:
        document = transcript_document(transcript)
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return
    sys.stdout.write(transcript.text + "\n")
    print_review_points(transcript)


def dictated_capture(path: str, settings: Settings) -> bytes:
    """Transcribe the recording at ``path`` for ``draft``; review points go to stderr."""
    transcriber = build_transcriber(settings)
    raw, source, _name = read_capture(path, transcriber.limits.max_bytes)
    transcript = transcribe_with_progress(transcriber, raw, source)
    print_review_points(transcript)
    return transcript.text.encode("utf-8")


def transcribe_with_progress(transcriber: Transcriber, raw: bytes, source: str) -> Transcript:
    """Transcribe with a progress bar on stderr (Whisper hears 30 seconds at a time)."""
    samples = transcriber.decode(raw, source=source)  # a bad file is refused before the bar
    with Progress(
        TextColumn("Transcribing"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(), console=errors_console, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("transcribe", total=1.0)
        return transcriber.hear(
            samples, on_progress=lambda done: progress.update(task, completed=done)
        )


def print_review_points(transcript: Transcript) -> None:
    """List suggestions and dropped stretches on stderr, so stdout holds only the transcript."""
    for suggestion in transcript.suggestions:
        others = f" (or {', '.join(suggestion.alternatives)})" if suggestion.alternatives else ""
        errors_console.print(
            f"[yellow]suggestion[/yellow] at {_clock(suggestion.start)}: heard "
            f'"{escape(suggestion.heard)}"; did you say {escape(suggestion.suggestion)}{escape(others)}?',
            soft_wrap=True,
        )
    for dropped in transcript.dropped:
        errors_console.print(
            f"[red]dropped[/red] {_clock(dropped.start)}-{_clock(dropped.end)}: "
            f'"{escape(dropped.text)}" ({escape(dropped.reason)})',
            soft_wrap=True,
        )
    if not transcript.suggestions and not transcript.dropped:
        errors_console.print("[green]No suggestions; nothing dropped.[/green]")


def _clock(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}:{rest:04.1f}"
