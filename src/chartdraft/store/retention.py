"""Remove captured text and unsigned drafts past their retention; signed notes and audit stay.

A purge empties the encrypted text columns and stamps ``purged_at``; the rows (ids, counts,
states) stay, so the audit trail's references and the practice's metrics remain whole.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from chartdraft.domain.review import ReviewState
from chartdraft.store.scope import Scope
from chartdraft.store.tables import CaptureRow, DraftRow, FindingRow, RecordingRow, RevisionRow

UNSIGNED = tuple(
    s.value
    for s in (
        ReviewState.DRAFTED,
        ReviewState.IN_REVIEW,
        ReviewState.REJECTED,
        ReviewState.ESCALATED,
    )
)


@dataclass(frozen=True)
class PurgeCounts:
    """How many captures and unsigned drafts a purge emptied."""

    captures: int
    drafts: int
    recordings: int = 0
    """Recordings whose audio or transcript was deleted."""


def purge(
    scope: Scope, *, captures_before: datetime | None, drafts_before: datetime | None,
    now: datetime, audio_before: datetime | None = None,
) -> PurgeCounts:  # fmt: skip
    """Empty captures created before ``captures_before`` and unsigned drafts before ``drafts_before``.

    A dictation's transcript is its capture's text and goes with it; a recording's audio goes
    when it is older than ``audio_before``.
    """
    captures = 0 if captures_before is None else _purge_captures(scope, captures_before, now)
    drafts = 0 if drafts_before is None else _purge_drafts(scope, drafts_before, now)
    recordings = _purge_recordings(scope, captures_before, audio_before, now)
    return PurgeCounts(captures, drafts, recordings)


def _purge_recordings(
    scope: Scope, transcripts_before: datetime | None, audio_before: datetime | None, now: datetime
) -> int:
    finished = RecordingRow.state.in_(("transcribed", "failed"))
    mine = (RecordingRow.practice_id == scope.practice_id, finished)
    changed = 0
    if transcripts_before is not None:
        result = scope.session.execute(
            update(RecordingRow)
            .where(
                *mine,
                RecordingRow.received_at < transcripts_before,
                RecordingRow.transcript_enc.is_not(None),
            )
            .values(transcript_enc=None, audio_enc=None, audio_deleted_at=now)
            .execution_options(synchronize_session=False)
        )
        changed += int(result.rowcount)  # type: ignore[attr-defined]
    if audio_before is not None:
        result = scope.session.execute(
            update(RecordingRow)
            .where(
                *mine, RecordingRow.received_at < audio_before, RecordingRow.audio_enc.is_not(None)
            )
            .values(audio_enc=None, audio_deleted_at=now)
            .execution_options(synchronize_session=False)
        )
        changed += int(result.rowcount)  # type: ignore[attr-defined]
    return changed


def _purge_captures(scope: Scope, before: datetime, now: datetime) -> int:
    result = scope.session.execute(
        update(CaptureRow)
        .where(
            CaptureRow.practice_id == scope.practice_id,
            CaptureRow.created_at < before,
            CaptureRow.purged_at.is_(None),
        )
        .values(text_enc=None, visit_enc=None, purged_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _purge_drafts(scope: Scope, before: datetime, now: datetime) -> int:
    ids = list(
        scope.session.scalars(
            select(DraftRow.id).where(
                DraftRow.practice_id == scope.practice_id,
                DraftRow.created_at < before,
                DraftRow.state.in_(UNSIGNED),
                DraftRow.purged_at.is_(None),
            )
        )
    )
    for start in range(0, len(ids), 500):  # bound the IN list
        batch = ids[start : start + 500]
        scope.session.execute(
            update(RevisionRow)
            .where(RevisionRow.draft_id.in_(batch))
            .values(diff_enc=None)
            .execution_options(synchronize_session=False)
        )
        scope.session.execute(
            update(FindingRow)
            .where(FindingRow.draft_id.in_(batch))
            .values(body_enc=None, reason_enc=None)
            .execution_options(synchronize_session=False)
        )
        scope.session.execute(
            update(DraftRow)
            .where(DraftRow.id.in_(batch))
            .values(
                content_enc=None, drafted_text_enc=None, decision_reason_enc=None, purged_at=now
            )
            .execution_options(synchronize_session=False)
        )
    return len(ids)
