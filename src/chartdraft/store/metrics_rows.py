"""Read the facts quality metrics are computed from, in a few bulk queries per practice."""

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime

from sqlalchemy import func, select

from chartdraft.domain.audit import AuditKind
from chartdraft.domain.findings import FindingKind
from chartdraft.domain.metrics import EncounterFacts
from chartdraft.domain.review import ReviewState
from chartdraft.store.scope import Scope
from chartdraft.store.tables import (
    AuditEventRow,
    CaptureRow,
    DraftRow,
    EncounterRow,
    FindingRow,
    NoteRow,
    RevisionRow,
    UserRow,
)

UNSUPPORTED_KINDS = tuple(
    k.value
    for k in (
        FindingKind.UNSUPPORTED_STATEMENT,
        FindingKind.CONTRADICTION,
        FindingKind.SCOPE_VIOLATION,
        FindingKind.UNSAFE_CERTAINTY,
        FindingKind.PHI_INTRODUCED,
    )
)
REVIEW_KINDS = tuple(
    k.value
    for k in (
        AuditKind.DRAFT_OPENED,
        AuditKind.DRAFT_EDITED,
        AuditKind.FINDING_RESOLVED,
        AuditKind.NOTE_SIGNED,
    )
)


def encounter_facts(scope: Scope, since: datetime | None = None) -> Iterator[EncounterFacts]:
    """Yield the facts of every draft of the practice (captured on or after ``since``)."""
    edits = _edits(scope)
    unsupported = _unsupported(scope)
    activity = _activity(scope)
    first_notes = _first_notes(scope)
    query = (
        select(DraftRow, EncounterRow.encounter_type, UserRow.email, CaptureRow.created_at)
        .join(EncounterRow, EncounterRow.id == DraftRow.encounter_id)
        .join(UserRow, UserRow.id == EncounterRow.clinician_id)
        .join(CaptureRow, CaptureRow.id == DraftRow.capture_id)
        .where(
            DraftRow.practice_id == scope.practice_id,
            # A draft still being written, or never written, has nothing to measure yet.
            DraftRow.state.not_in([ReviewState.DRAFTING.value, ReviewState.DRAFTING_FAILED.value]),
        )
        .order_by(DraftRow.created_at)
    )
    if since is not None:
        query = query.where(CaptureRow.created_at >= since)
    for draft, template, clinician, captured_at in scope.session.execute(query):
        note = first_notes.get(draft.id)
        yield EncounterFacts(
            encounter_id=draft.encounter_id, clinician=clinician, template=template,
            engine=draft.engine, model=draft.model, captured_at=captured_at,
            drafted_at=draft.created_at, state=ReviewState(draft.state),
            signed_at=None if note is None else note.signed_at,
            review_activity=tuple(activity.get(draft.id, ())),
            draft_text=_text(scope, DraftRow, "drafted_text_enc", draft.id, draft.drafted_text_enc),
            signed_text=None if note is None else _text(scope, NoteRow, "text_enc", note.id,
                                                        note.text_enc),
            edits=edits.get(draft.id, 0), statements=draft.statements,
            unsupported_findings=unsupported.get(draft.id, 0), sections=draft.sections,
            flagged_sections=draft.flagged_sections,
        )  # fmt: skip


def _text(
    scope: Scope, row_type: type[DraftRow] | type[NoteRow], column: str, row_id: str,
    token: str | None,
) -> str:  # fmt: skip
    return "" if token is None else scope.unseal(row_type, column, row_id, token)


def _edits(scope: Scope) -> dict[str, int]:
    query = (
        select(RevisionRow.draft_id, func.count())
        .where(RevisionRow.practice_id == scope.practice_id)
        .group_by(RevisionRow.draft_id)
    )
    return {draft_id: count for draft_id, count in scope.session.execute(query)}


def _unsupported(scope: Scope) -> dict[str, int]:
    query = (
        select(FindingRow.draft_id, func.count())
        .where(FindingRow.practice_id == scope.practice_id, FindingRow.kind.in_(UNSUPPORTED_KINDS))
        .group_by(FindingRow.draft_id)
    )
    return {draft_id: count for draft_id, count in scope.session.execute(query)}


def _activity(scope: Scope) -> dict[str, list[datetime]]:
    # The encounter's clinician's own actions: a scribe's edits are not the clinician's review.
    query = (
        select(AuditEventRow.draft_id, AuditEventRow.at)
        .join(EncounterRow, EncounterRow.id == AuditEventRow.encounter_id)
        .where(
            AuditEventRow.practice_id == scope.practice_id,
            AuditEventRow.kind.in_(REVIEW_KINDS),
            AuditEventRow.actor_id == EncounterRow.clinician_id,
        )
        .order_by(AuditEventRow.seq)
    )
    found: dict[str, list[datetime]] = defaultdict(list)
    for draft_id, at in scope.session.execute(query):
        if draft_id is not None:
            found[draft_id].append(
                datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
            )
    return found


def _first_notes(scope: Scope) -> dict[str, NoteRow]:
    query = select(NoteRow).where(NoteRow.practice_id == scope.practice_id, NoteRow.version == 1)
    return {note.draft_id: note for note in scope.session.scalars(query)}
