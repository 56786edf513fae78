"""Audit events: what happened to a record, by whom, with which engine, and never any PHI."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum


class AuditKind(StrEnum):
    """The kinds of event the trail records (names are the contract an auditor reads)."""

    CAPTURE_CREATED = "capture.created"
    RECORDING_RECEIVED = "recording.received"
    RECORDING_TRANSCRIBED = "recording.transcribed"
    RECORDING_FAILED = "recording.failed"
    EGRESS = "egress"
    DRAFT_REQUESTED = "draft.requested"
    DRAFT_CREATED = "draft.created"
    DRAFT_FAILED = "draft.failed"
    DRAFT_OPENED = "draft.opened"
    DRAFT_EDITED = "draft.edited"
    DRAFT_ESCALATED = "draft.escalated"
    DRAFT_RETURNED = "draft.returned"
    FINDING_RESOLVED = "finding.resolved"
    NOTE_SIGNED = "note.signed"
    NOTE_REJECTED = "note.rejected"
    NOTE_AMENDED = "note.amended"
    EXPORT_QUEUED = "export.queued"
    EXPORT_ATTEMPTED = "export.attempted"
    EXPORT_DELIVERED = "export.delivered"
    EXPORT_FAILED = "export.failed"
    AUTH_LOGIN = "auth.login"
    AUTH_LOGIN_FAILED = "auth.login_failed"
    AUTH_LOGOUT = "auth.logout"
    AUTH_USER_CREATED = "auth.user_created"
    AUTH_TOKEN_CREATED = "auth.token_created"  # noqa: S105 - an event name, not a secret
    ACCESS_DENIED = "access.denied"
    RETENTION_PURGED = "retention.purged"
    KEYS_ROTATED = "keys.rotated"
    USER_ROLE_CHANGED = "admin.role_changed"
    USER_DEACTIVATED = "admin.user_deactivated"
    USER_REACTIVATED = "admin.user_reactivated"
    TEMPLATE_SAVED = "admin.template_saved"
    ENGINE_CHANGED = "admin.engine_changed"
    BAA_RECORDED = "admin.baa_recorded"
    BAA_ENDED = "admin.baa_ended"
    RETENTION_CHANGED = "admin.retention_changed"


DetailValue = str | int | float | bool | None


@dataclass(frozen=True)
class AuditEntry:
    """One event as appended: ids and non-identifying details only (counts, kinds, engine)."""

    kind: AuditKind
    actor_id: str | None = None
    encounter_id: str | None = None
    draft_id: str | None = None
    note_id: str | None = None
    details: Mapping[str, DetailValue] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditEvent:
    """One event as stored: its place in the practice's chain and the hashes that link it."""

    seq: int
    at: datetime
    entry: AuditEntry
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainBreak:
    """The first link of a practice's chain that does not verify, and why."""

    practice_id: str
    seq: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    """The outcome of walking one practice's audit chain."""

    practice_id: str
    events: int
    broken: ChainBreak | None = None

    @property
    def intact(self) -> bool:
        """Return True when every link verified."""
        return self.broken is None
