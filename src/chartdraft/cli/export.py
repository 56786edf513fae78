"""``chartdraft export``: a signed note as FHIR or plain text, run by the host's operator."""

import contextlib
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from chartdraft.bootstrap import build_record_store, load_settings
from chartdraft.cli.app import app, errors_console
from chartdraft.domain.errors import InputError
from chartdraft.handoff.codes import DEFAULT_MRN_SYSTEM
from chartdraft.services.export import ExportFormat, export_note_as_operator
from chartdraft.services.upkeep import find_practice


@app.command()
def export(
    note_id: Annotated[str, typer.Argument(metavar="NOTE_ID", help="The signed note's id.")],
    export_format: Annotated[
        ExportFormat, typer.Option("--format", help="fhir (a transaction Bundle) or text.")
    ] = ExportFormat.FHIR,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write to this file instead of stdout.")
    ] = None,
    practice: Annotated[
        str | None, typer.Option("--practice", help="The practice's name (default: the only one).")
    ] = None,
    mrn_system: Annotated[
        str,
        typer.Option("--mrn-system", help="The EHR's identifier system for the practice's MRNs."),
    ] = DEFAULT_MRN_SYSTEM,
) -> None:
    """Export a signed note as a FHIR R4 transaction Bundle or as the text that was signed."""
    if out is not None:
        _check_writable(out)
    records = build_record_store(load_settings())
    done = export_note_as_operator(
        records, find_practice(records, practice), note_id.strip(), export_format,
        at=datetime.now(UTC), mrn_system=mrn_system,
    )  # fmt: skip
    if out is None:
        sys.stdout.write(done.content)
        return
    _write_atomically(out, done.content)
    errors_console.print(
        f"Wrote note {done.note_id} ({export_format.value}) to {out}.", soft_wrap=True
    )


def _check_writable(out: Path) -> None:
    # Refuse before anything is read or recorded: an export nobody receives is no export.
    if out.is_dir():
        raise InputError(f"{out} is a directory; name a file to write.")
    if not out.parent.is_dir() or not os.access(out.parent, os.W_OK):
        raise InputError(f"Cannot write {out}: its directory does not exist or is not writable.")


def _write_atomically(out: Path, content: str) -> None:
    """Write ``content`` to ``out`` whole or not at all (a temporary file, then a rename)."""
    try:
        handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"Cannot write {out} ({exc.strerror}).") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        Path(temporary).replace(out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            Path(temporary).unlink()
        raise InputError(f"Cannot write {out} ({exc.strerror}).") from None
