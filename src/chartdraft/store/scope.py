"""One practice's slice of the database: every read and write below goes through it."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from chartdraft.domain.audit import AuditEntry
from chartdraft.domain.errors import NotFoundError
from chartdraft.store.audit_chain import append_event
from chartdraft.store.crypto import FieldCipher
from chartdraft.store.tables import Base, context_of

Row = TypeVar("Row", bound=Base)


def new_id() -> str:
    """Return a fresh random id (not guessable, so ids leak nothing across practices)."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Scope:
    """A session bound to one practice, with the cipher for its PHI columns."""

    session: Session
    practice_id: str
    cipher: FieldCipher
    pending_audit: list[tuple[AuditEntry, datetime]] = field(default_factory=list)
    """Events of this transaction, chained by ``write_audit`` just before it commits."""

    def seal(self, row_type: type[Base], column: str, row_id: str, text: str) -> str:
        """Encrypt ``text`` for ``row_type.column`` of row ``row_id`` of this practice."""
        return self.cipher.encrypt(
            text, context=context_of(row_type, column, self.practice_id, row_id)
        )

    def unseal(self, row_type: type[Base], column: str, row_id: str, token: str) -> str:
        """Decrypt a value of ``row_type.column`` of row ``row_id`` of this practice."""
        context = context_of(row_type, column, self.practice_id, row_id)
        return self.cipher.decrypt(token, context=context)

    def get(self, row_type: type[Row], row_id: str, what: str, *, lock: bool = False) -> Row:
        """Return this practice's row ``row_id``; another practice's id is simply not found."""
        query = select(row_type).where(
            row_type.id == row_id,  # type: ignore[attr-defined]
            row_type.practice_id == self.practice_id,  # type: ignore[attr-defined]
        )
        if lock:
            query = query.with_for_update()
        row = self.session.execute(query).scalar_one_or_none()
        if row is None:
            raise NotFoundError(f"No such {what}.")
        return row

    def audit(self, entry: AuditEntry, at: datetime) -> None:
        """Record ``entry`` in this practice's audit chain when this transaction commits."""
        self.pending_audit.append((entry, at))

    def write_audit(self) -> None:
        """Chain this transaction's events: the last step before the commit."""
        # Appending locks the practice's chain until the commit, so every writer of the
        # practice waits for it: taking the lock last keeps that wait short.
        for entry, at in self.pending_audit:
            append_event(self.session, self.practice_id, entry, at)
        self.pending_audit.clear()
