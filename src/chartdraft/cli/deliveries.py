"""``chartdraft deliveries``: the outbox to the EHR for the host's operator."""

import json
import sys
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from chartdraft.bootstrap import build_clinic, build_courier, load_settings
from chartdraft.cli.app import ListingFormat, app, errors_console
from chartdraft.domain.delivery import DeliveryState
from chartdraft.domain.errors import ConfigError
from chartdraft.services.delivery import (
    deliveries_as_operator,
    delivery_document,
    retry_as_operator,
)
from chartdraft.services.upkeep import find_practice

deliveries_app = typer.Typer(
    help="Signed notes on their way to the EHR: list the outbox, retry a refused delivery, "
    "deliver what is due.",
    no_args_is_help=True,
)
app.add_typer(deliveries_app, name="deliveries")

Practice = Annotated[
    str | None, typer.Option("--practice", help="The practice's name (default: the only one).")
]


@deliveries_app.command("list")
def list_command(
    practice: Practice = None,
    state: Annotated[
        DeliveryState | None, typer.Option("--state", help="Only deliveries in this state.")
    ] = None,
    output: Annotated[
        ListingFormat, typer.Option("--format", help="text (a table) or json (for scripts).")
    ] = ListingFormat.TEXT,
) -> None:
    """List the practice's deliveries, newest first (``--state failed``: the exception queue)."""
    clinic = build_clinic(load_settings())
    listed = deliveries_as_operator(clinic.records, find_practice(clinic.records, practice), state)
    if output is ListingFormat.JSON:
        sys.stdout.write(json.dumps([delivery_document(d) for d in listed], indent=2) + "\n")
        return
    table = Table("delivery", "note", "state", "attempts", "last answer")
    for d in listed:
        table.add_row(d.id, d.note_id, d.state.value, str(d.attempts), d.last_reason or "")
    Console(highlight=False, width=200).print(table)


@deliveries_app.command("retry")
def retry_command(
    delivery_id: Annotated[str, typer.Argument(metavar="DELIVERY_ID")],
    practice: Practice = None,
) -> None:
    """Put a refused delivery back in line, once what the EHR refused has been fixed."""
    clinic = build_clinic(load_settings())
    done = retry_as_operator(
        clinic.records, find_practice(clinic.records, practice), delivery_id.strip(),
        datetime.now(UTC),
    )  # fmt: skip
    errors_console.print(f"Delivery {done.id} is queued again.")


@deliveries_app.command("run")
def run_command(
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 1000,
) -> None:
    """Attempt every due delivery once, now, in this process (for cron or a one-off)."""
    settings = load_settings()
    clinic = build_clinic(settings)
    courier = build_courier(settings, clinic)
    if courier is None:
        raise ConfigError("No EHR is configured: set CHARTDRAFT_EHR__BASE_URL.")
    attempted = courier.deliver_due(limit)
    errors_console.print(f"Attempted {attempted} due deliver{'y' if attempted == 1 else 'ies'}.")
