"""The audit trail: one hash chain per practice, appended in the transaction it records.

Each event's hash covers its content and the previous event's hash, and the practice row
keeps the chain's length and head, so an edited, deleted (even the last), inserted or
reordered event breaks a link that ``verify_chain`` reports.
"""

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chartdraft.domain.audit import AuditEntry, AuditEvent, AuditKind, ChainBreak, ChainReport
from chartdraft.domain.errors import NotFoundError
from chartdraft.store.tables import AuditEventRow, PracticeRow

GENESIS = "0" * 64
_MAX_DETAIL = 200


def append_event(session: Session, practice_id: str, entry: AuditEntry, at: datetime) -> str:
    """Append ``entry`` to the practice's chain (inside the caller's transaction); return its hash."""
    _check_details(entry)
    # The practice row is the chain's lock: appends of one practice queue behind each other.
    practice = session.execute(
        select(PracticeRow).where(PracticeRow.id == practice_id).with_for_update()
    ).scalar_one_or_none()
    if practice is None:
        raise NotFoundError("No such practice.")
    row = AuditEventRow(
        practice_id=practice_id,
        seq=practice.audit_seq + 1,
        at=at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        kind=entry.kind.value,
        actor_id=entry.actor_id,
        encounter_id=entry.encounter_id,
        draft_id=entry.draft_id,
        note_id=entry.note_id,
        details=json.dumps(entry.details, sort_keys=True, separators=(",", ":")),
        prev_hash=practice.audit_head or GENESIS,
    )
    row.hash = event_hash(row)
    session.add(row)
    practice.audit_seq, practice.audit_head = row.seq, row.hash
    return row.hash


def _check_details(entry: AuditEntry) -> None:
    # Details are ids, counts, kinds and engine names. A long string is a sign that someone
    # passed the clinician's words, which must never reach the trail.
    for key, value in entry.details.items():
        if isinstance(value, str) and len(value) > _MAX_DETAIL:
            raise ValueError(f"audit detail {key!r} is too long to be an identifier or a name")


def event_hash(row: AuditEventRow) -> str:
    """Return the SHA-256 that links ``row`` into its chain."""
    content = [
        row.practice_id, row.seq, row.at, row.kind, row.actor_id, row.encounter_id,
        row.draft_id, row.note_id, row.details, row.prev_hash,
    ]  # fmt: skip
    canonical = json.dumps(content, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def verify_chain(session: Session, practice_id: str) -> ChainReport:
    """Walk the practice's chain in the order it was written; report the first broken link."""
    practice = session.get(PracticeRow, practice_id)
    if practice is None:
        raise NotFoundError("No such practice.")
    expected_seq, prev, count = 1, GENESIS, 0
    for row in _rows(session, practice_id):
        reason = _link_problem(row, expected_seq, prev)
        if reason is not None:
            return ChainReport(practice_id, count, ChainBreak(practice_id, expected_seq, reason))
        expected_seq, prev, count = row.seq + 1, row.hash, count + 1
    if count != practice.audit_seq or prev != (practice.audit_head or GENESIS):
        reason = f"the chain ends at event {count} but the practice recorded {practice.audit_seq}"
        return ChainReport(practice_id, count, ChainBreak(practice_id, count + 1, reason))
    return ChainReport(practice_id, count)


def _link_problem(row: AuditEventRow, expected_seq: int, prev: str) -> str | None:
    if row.seq != expected_seq:
        return f"event {expected_seq} is missing or out of order (found {row.seq} in its place)"
    if row.prev_hash != prev:
        return f"event {row.seq} does not link to the event before it (deleted or reordered)"
    if event_hash(row) != row.hash:
        return f"event {row.seq} was changed after it was written"
    return None


def _rows(session: Session, practice_id: str) -> Iterator[AuditEventRow]:
    query = (
        select(AuditEventRow)
        .where(AuditEventRow.practice_id == practice_id)
        .order_by(AuditEventRow.id)
        .execution_options(yield_per=1000)
    )
    yield from session.scalars(query)


def list_events(
    session: Session, practice_id: str, *, kind: AuditKind | None = None, limit: int = 100
) -> list[AuditEvent]:
    """Return the practice's most recent events, newest first."""
    query = select(AuditEventRow).where(AuditEventRow.practice_id == practice_id)
    if kind is not None:
        query = query.where(AuditEventRow.kind == kind.value)
    rows = session.scalars(query.order_by(AuditEventRow.seq.desc()).limit(limit))
    return [_event(row) for row in rows]


def _event(row: AuditEventRow) -> AuditEvent:
    entry = AuditEntry(
        kind=AuditKind(row.kind),
        actor_id=row.actor_id,
        encounter_id=row.encounter_id,
        draft_id=row.draft_id,
        note_id=row.note_id,
        details=json.loads(row.details),
    )
    at = datetime.strptime(row.at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    return AuditEvent(seq=row.seq, at=at, entry=entry, prev_hash=row.prev_hash, hash=row.hash)
