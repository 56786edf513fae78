"""Commands over the record: ``db upgrade``, ``audit verify``, ``metrics``, ``keys rotate``,
``retention purge`` and ``demo``. They act as the host's operator, who holds the key file."""

import json
import secrets
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from chartdraft.bootstrap import (
    build_clinic,
    build_record_store,
    database_label,
    key_file,
    load_settings,
    open_store_database,
)
from chartdraft.cli.app import FINDINGS_EXIT, ListingFormat, app, errors_console
from chartdraft.domain.audit import ChainReport
from chartdraft.domain.errors import ConfigError, InputError, NotFoundError
from chartdraft.services.demo import DEMO_PEOPLE, seed_demo
from chartdraft.services.metrics import practice_metrics
from chartdraft.services.metrics_export import metrics_csv, metrics_json
from chartdraft.services.quality_metrics import GroupBy, QualityMetrics
from chartdraft.services.upkeep import (
    RetentionPolicy,
    find_practice,
    purge_expired,
    rotate_keys,
    verify_audit,
)
from chartdraft.store.migrate import current_revision

db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)
keys_app = typer.Typer(help="The key that encrypts PHI at rest.", no_args_is_help=True)
retention_app = typer.Typer(help="Removing old captures and unsigned drafts.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(keys_app, name="keys")
app.add_typer(retention_app, name="retention")

Practice = Annotated[
    str | None, typer.Option("--practice", help="The practice's name (default: the only one).")
]


class MetricsFormat(StrEnum):
    """How ``metrics`` prints."""

    TEXT = "text"
    JSON = "json"
    CSV = "csv"


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the database schema to this version's."""
    settings = load_settings()
    database = open_store_database(settings, migrate=True)
    errors_console.print(f"Database schema at revision {current_revision(database)}.")
    database.dispose()


@audit_app.command("verify")
def audit_verify(
    practice: Practice = None,
    output: Annotated[ListingFormat, typer.Option("--format", help="text or json.")] = (
        ListingFormat.TEXT
    ),
) -> None:
    """Walk each practice's audit chain; exit 1 at the first edited, deleted or moved event."""
    records = build_record_store(load_settings())
    practice_id = None if practice is None else find_practice(records, practice)
    reports = verify_audit(records, practice_id)
    if output is ListingFormat.JSON:
        sys.stdout.write(json.dumps([_report_json(r) for r in reports], indent=2) + "\n")
    else:
        for report in reports:
            _print_report(report)
    if not all(report.intact for report in reports):
        raise typer.Exit(FINDINGS_EXIT)


def _report_json(report: ChainReport) -> dict[str, object]:
    broken = report.broken
    return {
        "practice_id": report.practice_id,
        "events": report.events,
        "intact": report.intact,
        "broken_at": None if broken is None else broken.seq,
        "reason": None if broken is None else broken.reason,
    }


def _print_report(report: ChainReport) -> None:
    out = Console(highlight=False)
    if report.broken is None:
        out.print(f"[green]intact[/green] practice {report.practice_id}: {report.events} events")
        return
    out.print(
        f"[red]BROKEN[/red] practice {report.practice_id} at event {report.broken.seq}: "
        f"{escape(report.broken.reason)}",
        soft_wrap=True,
    )


@app.command()
def metrics(
    practice: Practice = None,
    group_by: Annotated[GroupBy, typer.Option("--by", help="How to group.")] = GroupBy.ALL,
    output: Annotated[MetricsFormat, typer.Option("--format", help="text, json or csv.")] = (
        MetricsFormat.TEXT
    ),
    since: Annotated[
        str | None, typer.Option("--since", metavar="YYYY-MM-DD", help="Encounters from this day.")
    ] = None,
) -> None:
    """Quality metrics: documentation time, edit distance, acceptance, flags, unsupported claims."""
    records = build_record_store(load_settings())
    rows = practice_metrics(records, find_practice(records, practice), group_by, _day(since))
    if output is MetricsFormat.JSON:
        sys.stdout.write(metrics_json(rows, group_by) + "\n")
    elif output is MetricsFormat.CSV:
        sys.stdout.write(metrics_csv(rows))
    else:
        _print_metrics(rows, group_by)


def _day(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise InputError("--since takes a date as YYYY-MM-DD.") from None


def _print_metrics(rows: list[QualityMetrics], group_by: GroupBy) -> None:
    table = Table(title=f"Quality metrics by {group_by.value}")
    columns: dict[str, Callable[[QualityMetrics], str]] = {
        "group": lambda r: r.group,
        "encounters": lambda r: str(r.encounters),
        "signed": lambda r: str(r.signed),
        "doc time p50": lambda r: _minutes(r.documentation_seconds_median),
        "review p50": lambda r: _minutes(r.active_review_seconds_median),
        "edit dist (chars)": lambda r: _share(r.char_edit_distance_mean),
        "edit dist (words)": lambda r: _share(r.word_edit_distance_mean),
        "accepted as drafted": lambda r: _share(r.accepted_without_edits_rate),
        "flagged sections": lambda r: _share(r.flagged_section_rate),
        "unsupported / stmt": lambda r: _share(r.unsupported_claim_rate),
        "rejected": lambda r: _share(r.rejection_rate),
    }
    table.add_column("group", no_wrap=True)
    for name in list(columns)[1:]:
        table.add_column(name, justify="right")
    for row in rows:
        table.add_row(*(escape(cell(row)) for cell in columns.values()))
    console = Console(highlight=False)
    console.width = max(console.width, 150)
    console.print(table)


def _minutes(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds / 60:.1f} min"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Add a new key, re-encrypt every PHI value under it, then retire the old key."""
    settings = load_settings()
    if settings.storage.encryption_key is not None:
        raise ConfigError(
            "The key comes from CHARTDRAFT_STORAGE__ENCRYPTION_KEY; rotate it in your secret store."
        )
    records = build_record_store(settings)
    count = rotate_keys(records, key_file(settings), datetime.now(UTC))
    errors_console.print(
        f"Re-encrypted {count} value(s) under the new key; the old key is retired."
    )


@retention_app.command("purge")
def retention_purge(
    capture_days: Annotated[
        int | None, typer.Option(min=1, help="Override CHARTDRAFT_RETENTION__CAPTURE_DAYS.")
    ] = None,
    draft_days: Annotated[
        int | None, typer.Option(min=1, help="Override CHARTDRAFT_RETENTION__UNSIGNED_DRAFT_DAYS.")
    ] = None,
    audio_days: Annotated[
        int | None, typer.Option(min=0, help="Override CHARTDRAFT_SPEECH__KEEP_AUDIO_DAYS.")
    ] = None,
) -> None:
    """Empty captures, unsigned drafts and dictation audio older than the limits (audited)."""
    settings = load_settings()
    keep_audio = settings.speech.keep_audio_days
    policy = RetentionPolicy(
        capture_days or settings.retention.capture_days,
        draft_days or settings.retention.unsigned_draft_days,
        # Kept audio (keep_audio_days > 0) is what a purge has to delete; 0 deleted it already.
        audio_days if audio_days is not None else (keep_audio or None),
    )
    if (
        policy.capture_days is None
        and policy.unsigned_draft_days is None
        and (policy.audio_days is None)
    ):
        raise InputError("No retention limit is set; nothing to purge.")
    done = purge_expired(build_record_store(settings), policy, datetime.now(UTC))
    captures = sum(c.captures for c in done.values())
    drafts = sum(c.drafts for c in done.values())
    recordings = sum(c.recordings for c in done.values())
    errors_console.print(
        f"Purged {captures} capture(s), {drafts} unsigned draft(s) and {recordings} recording(s).",
        soft_wrap=True,
    )


@app.command()
def demo(
    examples: Annotated[Path, typer.Option(help="A directory of example captures.")] = Path(
        "examples/visits"
    ),
) -> None:
    """Seed the demo practice with the example visits (once), drafted and partly signed."""
    if not examples.is_dir():
        raise NotFoundError(f"{examples} is not a directory of example captures.")
    settings = load_settings()
    visits = [
        (path.name, path.read_bytes()) for path in sorted(examples.iterdir()) if path.is_file()
    ]
    # Printed once, never stored: the demo's people sign in with these.
    passwords = {email: secrets.token_urlsafe(12) for email, _, _ in DEMO_PEOPLE}
    outcome = seed_demo(build_clinic(settings), visits, passwords)
    where = escape(database_label(settings))
    if not outcome.created:
        errors_console.print(f"The demo practice already exists in {where}.", soft_wrap=True)
        return
    errors_console.print(
        f"Demo practice created in {where}: {outcome.signed} note(s) signed, "
        f"{outcome.awaiting_review} awaiting review. Sign in with (shown only now):",
        soft_wrap=True,
    )
    for email, _, role in DEMO_PEOPLE:
        errors_console.print(f"  {role.value:<10} {email:<24} {passwords[email]}", soft_wrap=True)
