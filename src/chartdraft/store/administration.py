"""A practice's administration: its own templates, BAA records, engine choices and retention."""

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from chartdraft.store.scope import Scope, new_id
from chartdraft.store.tables import (
    BaaRecordRow,
    PracticeEngineRow,
    PracticeRetentionRow,
    PracticeTemplateRow,
)


@dataclass(frozen=True)
class StoredTemplate:
    """A practice's own encounter template, as TOML source."""

    name: str
    source: str
    updated_by: str
    updated_at: datetime


@dataclass(frozen=True)
class Baa:
    """A business associate agreement of the practice."""

    id: str
    vendor: str
    reference: str
    signed_on: date
    expires_on: date | None
    ended_on: date | None
    engines: tuple[str, ...]
    note: str
    created_by: str = ""

    def active_on(self, day: date) -> bool:
        """Return True when the agreement is in force on ``day`` (signed, not expired or ended)."""
        return (
            self.signed_on <= day
            and (self.expires_on is None or day <= self.expires_on)
            and (self.ended_on is None or day < self.ended_on)
        )


@dataclass(frozen=True)
class EngineChoice:
    """The practice's choice for one engine."""

    engine: str
    enabled: bool
    phi_allowed: bool
    baa_id: str | None
    updated_at: datetime


@dataclass(frozen=True)
class RetentionDays:
    """The practice's retention (None: keep forever)."""

    capture_days: int | None
    unsigned_draft_days: int | None
    updated_at: datetime


class Administration:
    """One practice's administrative settings."""

    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    def templates(self) -> list[StoredTemplate]:
        """Return the practice's own templates by name."""
        rows = self._scope.session.scalars(
            select(PracticeTemplateRow)
            .where(PracticeTemplateRow.practice_id == self._scope.practice_id)
            .order_by(PracticeTemplateRow.name)
        )
        return [StoredTemplate(r.name, r.source, r.updated_by, r.updated_at) for r in rows]

    def save_template(self, name: str, source: str, *, by: str, at: datetime) -> bool:
        """Store the practice's template ``name`` (added or replaced); return True when new."""
        row = self._scope.session.scalar(
            select(PracticeTemplateRow).where(
                PracticeTemplateRow.practice_id == self._scope.practice_id,
                PracticeTemplateRow.name == name,
            )
        )
        created = row is None
        if row is None:
            row = PracticeTemplateRow(id=new_id(), practice_id=self._scope.practice_id, name=name)
            self._scope.session.add(row)
        row.source, row.updated_by, row.updated_at = source, by, at
        self._scope.session.flush()
        return created

    def baas(self) -> list[Baa]:
        """Return the practice's BAA records, newest first."""
        rows = self._scope.session.scalars(
            select(BaaRecordRow)
            .where(BaaRecordRow.practice_id == self._scope.practice_id)
            .order_by(BaaRecordRow.signed_on.desc(), BaaRecordRow.created_at.desc())
        )
        return [_baa(row) for row in rows]

    def baa(self, baa_id: str) -> Baa:
        """Return one of the practice's BAA records."""
        return _baa(self._scope.get(BaaRecordRow, baa_id, "BAA record"))

    def add_baa(self, baa: Baa, *, by: str, at: datetime) -> str:
        """Record a BAA (``baa.id`` is ignored); return its id."""
        row = BaaRecordRow(
            id=new_id(), practice_id=self._scope.practice_id, vendor=baa.vendor,
            reference=baa.reference, signed_on=baa.signed_on, expires_on=baa.expires_on,
            ended_on=baa.ended_on, engines=" ".join(baa.engines), note=baa.note,
            created_by=by, created_at=at,
        )  # fmt: skip
        self._scope.session.add(row)
        self._scope.session.flush()
        return row.id

    def end_baa(self, baa_id: str, on: date) -> None:
        """Record that a BAA ends on ``on``."""
        self._scope.get(BaaRecordRow, baa_id, "BAA record", lock=True).ended_on = on
        self._scope.session.flush()

    def engine_choices(self) -> dict[str, EngineChoice]:
        """Return the practice's choices by engine name."""
        rows = self._scope.session.scalars(
            select(PracticeEngineRow).where(
                PracticeEngineRow.practice_id == self._scope.practice_id
            )
        )
        return {
            r.engine: EngineChoice(r.engine, r.enabled, r.phi_allowed, r.baa_id, r.updated_at)
            for r in rows
        }

    def choose_engine(
        self, engine: str, *, enabled: bool, phi_allowed: bool, baa_id: str | None, by: str,
        at: datetime,
    ) -> None:  # fmt: skip
        """Store the practice's choice for ``engine`` (a BAA id must be the practice's)."""
        if baa_id is not None:
            self._scope.get(BaaRecordRow, baa_id, "BAA record")
        row = self._scope.session.scalar(
            select(PracticeEngineRow).where(
                PracticeEngineRow.practice_id == self._scope.practice_id,
                PracticeEngineRow.engine == engine,
            )
        )
        if row is None:
            row = PracticeEngineRow(id=new_id(), practice_id=self._scope.practice_id, engine=engine)
            self._scope.session.add(row)
        row.enabled, row.phi_allowed, row.baa_id = enabled, phi_allowed, baa_id
        row.updated_by, row.updated_at = by, at
        self._scope.session.flush()

    def retention(self) -> RetentionDays | None:
        """Return the practice's retention, or None when the server's settings apply."""
        row = self._retention_row()
        if row is None:
            return None
        return RetentionDays(row.capture_days, row.unsigned_draft_days, row.updated_at)

    def set_retention(
        self, capture_days: int | None, unsigned_draft_days: int | None, *, by: str, at: datetime
    ) -> None:
        """Store the practice's retention (None keeps forever)."""
        row = self._retention_row()
        if row is None:
            row = PracticeRetentionRow(id=new_id(), practice_id=self._scope.practice_id)
            self._scope.session.add(row)
        row.capture_days, row.unsigned_draft_days = capture_days, unsigned_draft_days
        row.updated_by, row.updated_at = by, at
        self._scope.session.flush()

    def _retention_row(self) -> PracticeRetentionRow | None:
        return self._scope.session.scalar(
            select(PracticeRetentionRow).where(
                PracticeRetentionRow.practice_id == self._scope.practice_id
            )
        )


def _baa(row: BaaRecordRow) -> Baa:
    return Baa(
        id=row.id, vendor=row.vendor, reference=row.reference, signed_on=row.signed_on,
        expires_on=row.expires_on, ended_on=row.ended_on, engines=tuple(row.engines.split()),
        note=row.note, created_by=row.created_by,
    )  # fmt: skip
