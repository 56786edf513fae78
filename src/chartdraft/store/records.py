"""The record store: one transaction at a time, always scoped to one practice."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from chartdraft.domain.audit import AuditEntry
from chartdraft.store.administration import Administration
from chartdraft.store.crypto import FieldCipher
from chartdraft.store.database import Database
from chartdraft.store.deliveries import Deliveries
from chartdraft.store.drafts import Drafts
from chartdraft.store.encounters import Encounters
from chartdraft.store.notes import Notes
from chartdraft.store.people import People
from chartdraft.store.recordings import Recordings
from chartdraft.store.scope import Scope


@dataclass(frozen=True)
class Records:
    """Everything of one practice that one transaction may read or write."""

    scope: Scope
    people: People = field(init=False)
    encounters: Encounters = field(init=False)
    drafts: Drafts = field(init=False)
    notes: Notes = field(init=False)
    administration: Administration = field(init=False)
    deliveries: Deliveries = field(init=False)
    recordings: Recordings = field(init=False)

    def __post_init__(self) -> None:
        for name, kind in (("people", People), ("encounters", Encounters),
                           ("drafts", Drafts), ("notes", Notes),
                           ("administration", Administration),
                           ("deliveries", Deliveries), ("recordings", Recordings)):  # fmt: skip
            object.__setattr__(self, name, kind(self.scope))

    def audit(self, entry: AuditEntry, at: datetime) -> None:
        """Add ``entry`` to the practice's audit chain as this transaction commits."""
        self.scope.audit(entry, at)


@dataclass(frozen=True)
class RecordStore:
    """The database and the cipher for its PHI columns."""

    database: Database
    cipher: FieldCipher

    @contextmanager
    def practice(self, practice_id: str, *, read_only: bool = False) -> Iterator[Records]:
        """Yield one practice's records in a transaction that commits whole or not at all."""
        with self.database.transaction(read_only=read_only) as session:
            scope = Scope(session, practice_id, self.cipher)
            yield Records(scope)
            scope.write_audit()

    @contextmanager
    def unscoped(self, *, read_only: bool = False) -> Iterator[Session]:
        """Yield a transaction across practices: only for creating practices and signing in."""
        with self.database.transaction(read_only=read_only) as session:
            yield session
