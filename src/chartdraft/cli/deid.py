"""``chartdraft deid``: show what the PHI detector finds in a text, and the text pseudonymized."""

import json
import sys
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from chartdraft.bootstrap import load_settings, name_lexicon, phi_detector
from chartdraft.capture.intake import decode_capture
from chartdraft.cli.app import ListingFormat, app, read_capture
from chartdraft.privacy.pseudonymize import PseudonymTable, Replacement

DEID_SCHEMA = "chartdraft.deid/1"


@app.command()
def deid(
    path: Annotated[str, typer.Argument(metavar="PATH|-", help="A text file, or - for stdin.")],
    output: Annotated[
        ListingFormat, typer.Option("--format", help="text or json.")
    ] = ListingFormat.TEXT,
) -> None:
    """Find the identifiers (PHI) in a text and print it pseudonymized, as an engine would see it."""
    settings = load_settings()
    raw, source, _ = read_capture(path, settings.max_capture_bytes)
    text = decode_capture(raw, source=source, limit=settings.max_capture_bytes)
    entities = phi_detector(settings.privacy.ner_model).detect(text)
    table = PseudonymTable.for_visit(name_lexicon())
    pseudonymized = table.pseudonymize(text, entities)
    if output is ListingFormat.JSON:
        document = {
            "schema": DEID_SCHEMA,
            "entities": [
                {
                    "type": r.type.value,
                    "start": r.start,
                    "end": r.end,
                    "text": r.original,
                    "surrogate": r.surrogate,
                }
                for r in pseudonymized.replacements
            ],
            "text": pseudonymized.text,
        }
        sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        return
    sys.stdout.write(pseudonymized.text.rstrip("\n") + "\n")
    _print_entities(pseudonymized.replacements)


def _print_entities(replacements: tuple[Replacement, ...]) -> None:
    console = Console(stderr=True, highlight=False)
    if not replacements:
        console.print("No identifiers found.")
        return
    listing = Table(title=f"{len(replacements)} identifier(s) replaced")
    for column in ("type", "at", "found", "stand-in"):
        listing.add_column(column)
    for r in replacements:
        listing.add_row(r.type.value, f"{r.start}-{r.end}", escape(r.original), escape(r.surrogate))
    console.print(listing)
