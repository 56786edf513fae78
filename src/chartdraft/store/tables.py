"""The tables. Every row carries its practice; columns ending ``_enc`` hold AES-GCM ciphertext.

The migrations in ``store/migrations`` create exactly this schema; a test compares the two.
"""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID = String(32)
"""Random hex ids: not guessable, and the same in every database."""


class UtcDateTime(TypeDecorator[datetime]):
    """A time stored as UTC and always read back with its time zone (SQLite drops it)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive times; store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("stored times must carry a time zone")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Return an aware UTC time."""
        if value is None:
            return None
        # SQLite without a declared type gives text.
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with constraint names Alembic can find again."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_N_name)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def _practice() -> Mapped[str]:
    return mapped_column(ID, ForeignKey("practices.id"), index=True)


class PracticeRow(Base):
    """A practice: the tenant. Also holds the head of its audit chain."""

    __tablename__ = "practices"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    audit_seq: Mapped[int] = mapped_column(Integer, default=0)
    audit_head: Mapped[str] = mapped_column(String(64), default="")


class UserRow(Base):
    """A member of a practice, in one role."""

    __tablename__ = "users"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    practice_id: Mapped[str] = _practice()
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    may_cosign: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PatientRow(Base):
    """The minimal patient record; every identifier is encrypted."""

    __tablename__ = "patients"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    practice_id: Mapped[str] = _practice()
    display_name_enc: Mapped[str] = mapped_column(Text)
    mrn_enc: Mapped[str] = mapped_column(Text)
    birth_date_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class EncounterRow(Base):
    """One visit: patient, clinician, type and time."""

    __tablename__ = "encounters"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    practice_id: Mapped[str] = _practice()
    patient_id: Mapped[str] = mapped_column(ID, ForeignKey("patients.id"))
    clinician_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id"), index=True)
    encounter_type: Mapped[str] = mapped_column(String(80))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(ID, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CaptureRow(Base):
    """What the clinician captured, verbatim (encrypted); emptied by the retention purge."""

    __tablename__ = "captures"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    practice_id: Mapped[str] = _practice()
    encounter_id: Mapped[str] = mapped_column(ID, ForeignKey("encounters.id"), index=True)
    capture_format: Mapped[str] = mapped_column(String(20))
    text_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    visit_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The parsed Visit as JSON: edits are re-verified against exactly what was drafted from."""
    text_sha256: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(ID, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    purged_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    __table_args__ = (
        Index("ix_captures_practice_encounter", "practice_id", "encounter_id", "created_at"),
    )


class DraftRow(Base):
    """A draft and where its review stands. ``content_enc`` is the current (edited) draft JSON."""

    __tablename__ = "drafts"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    practice_id: Mapped[str] = _practice()
    encounter_id: Mapped[str] = mapped_column(ID, ForeignKey("encounters.id"), index=True)
    capture_id: Mapped[str] = mapped_column(ID, ForeignKey("captures.id"))
    state: Mapped[str] = mapped_column(String(20))
    engine: Mapped[str] = mapped_column(String(60))
    model: Mapped[str | None] = mapped_column(String(200), nullable=True)
    prompt_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    prompt_version: Mapped[str | None] = mapped_column(String(40), nullable=True)
    input_sha256: Mapped[str] = mapped_column(String(64))
    statements: Mapped[int] = mapped_column(Integer)
    sections: Mapped[int] = mapped_column(Integer)
    flagged_sections: Mapped[int] = mapped_column(Integer)
    """Sections flagged when drafted (the metric)."""
    open_flags: Mapped[int] = mapped_column(Integer)
    """Sections still flagged now (the review queue shows it; sign-off needs zero)."""
    content_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    drafted_text_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The note exactly as the engine drafted it, for the edit-distance metric."""
    decision_reason_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    """Why the clinician rejected or escalated the draft."""
    version: Mapped[int] = mapped_column(Integer, default=1)
    """Bumped by every change: a stale edit or a second signature finds it moved."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    purged_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    __table_args__ = (
        Index("ix_drafts_queue", "practice_id", "state", "created_at"),
        Index("ix_drafts_practice_encounter", "practice_id", "encounter_id"),
    )


class FindingRow(Base):
    """One finding on a draft and how it was resolved. The finding itself is encrypted JSON."""

    __tablename__ = "findings"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    practice_id: Mapped[str] = _practice()
    draft_id: Mapped[str] = mapped_column(ID, ForeignKey("drafts.id"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    severity: Mapped[str] = mapped_column(String(10))
    section: Mapped[str | None] = mapped_column(String(30), nullable=True)
    body_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolution: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reason_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    resolved_by: Mapped[str | None] = mapped_column(ID, ForeignKey("users.id"), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    # Every query names the practice and the draft: one index serves both (SQLite keeps no
    # statistics and would otherwise walk the whole practice's findings).
    __table_args__ = (Index("ix_findings_practice_draft", "practice_id", "draft_id", "ordinal"),)


class RevisionRow(Base):
    """One edit of one section: who, when, and the diff (encrypted)."""

    __tablename__ = "revisions"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    practice_id: Mapped[str] = _practice()
    draft_id: Mapped[str] = mapped_column(ID, ForeignKey("drafts.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    section: Mapped[str] = mapped_column(String(30))
    diff_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    author_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (UniqueConstraint("draft_id", "number"),)


class NoteRow(Base):
    """A signed version of a note. Never updated (a database trigger refuses it)."""

    __tablename__ = "notes"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    practice_id: Mapped[str] = _practice()
    draft_id: Mapped[str] = mapped_column(ID, ForeignKey("drafts.id"))
    encounter_id: Mapped[str] = mapped_column(ID, ForeignKey("encounters.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    supersedes_id: Mapped[str | None] = mapped_column(ID, ForeignKey("notes.id"), nullable=True)
    text_enc: Mapped[str] = mapped_column(Text)
    text_sha256: Mapped[str] = mapped_column(String(64))
    signer_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id"))
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    checklist: Mapped[str] = mapped_column(String(400))

    # One note per draft and version: of two clinicians signing at once, one insert fails.
    __table_args__ = (UniqueConstraint("draft_id", "version"),)


class AmendmentRow(Base):
    """Why a signed note was superseded by a new version."""

    __tablename__ = "amendments"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    practice_id: Mapped[str] = _practice()
    previous_note_id: Mapped[str] = mapped_column(ID, ForeignKey("notes.id"), unique=True)
    note_id: Mapped[str] = mapped_column(ID, ForeignKey("notes.id"), unique=True)
    reason_enc: Mapped[str] = mapped_column(Text)
    author_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ExportAttemptRow(Base):
    """One attempt to hand a signed note to an EHR (filled by the hand-off)."""

    __tablename__ = "export_attempts"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    practice_id: Mapped[str] = _practice()
    note_id: Mapped[str] = mapped_column(ID, ForeignKey("notes.id"), index=True)
    destination: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20))
    attempt: Mapped[int] = mapped_column(Integer)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AuditEventRow(Base):
    """One link of a practice's audit chain. Append-only (a database trigger refuses changes)."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    practice_id: Mapped[str] = _practice()
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[str] = mapped_column(String(32))
    """ISO 8601 UTC with microseconds, exactly as hashed."""
    kind: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    encounter_id: Mapped[str | None] = mapped_column(ID, nullable=True, index=True)
    draft_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    note_id: Mapped[str | None] = mapped_column(ID, nullable=True)
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("practice_id", "seq"),)


class ApiTokenRow(Base):
    """A scoped API token of one user. Only the SHA-256 of the secret is kept."""

    __tablename__ = "api_tokens"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    practice_id: Mapped[str] = _practice()
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id"), index=True)
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class WebSessionRow(Base):
    """A browser session. The cookie holds a secret; only its SHA-256 is kept."""

    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    practice_id: Mapped[str] = _practice()
    user_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id"), index=True)
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class PracticeTemplateRow(Base):
    """A practice's own encounter template (TOML source); one name overrides a bundled one."""

    __tablename__ = "practice_templates"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    practice_id: Mapped[str] = _practice()
    name: Mapped[str] = mapped_column(String(80))
    source: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(ID, ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (UniqueConstraint("practice_id", "name"),)


class BaaRecordRow(Base):
    """A business associate agreement the practice recorded (no PHI: vendor and contract)."""

    __tablename__ = "baa_records"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    practice_id: Mapped[str] = _practice()
    vendor: Mapped[str] = mapped_column(String(200))
    reference: Mapped[str] = mapped_column(String(200))
    signed_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    engines: Mapped[str] = mapped_column(String(1000))
    """The engine names it covers, separated by spaces."""
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(ID, ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PracticeEngineRow(Base):
    """A practice's choice for one configured engine: enabled, and whether it may receive PHI."""

    __tablename__ = "practice_engines"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    practice_id: Mapped[str] = _practice()
    engine: Mapped[str] = mapped_column(String(60))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    phi_allowed: Mapped[bool] = mapped_column(Boolean, default=False)
    baa_id: Mapped[str | None] = mapped_column(ID, ForeignKey("baa_records.id"), nullable=True)
    updated_by: Mapped[str] = mapped_column(ID, ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

    __table_args__ = (UniqueConstraint("practice_id", "engine"),)


class PracticeRetentionRow(Base):
    """A practice's retention, overriding the server's settings (None keeps forever)."""

    __tablename__ = "practice_retention"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    practice_id: Mapped[str] = mapped_column(ID, ForeignKey("practices.id"), unique=True)
    capture_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    unsigned_draft_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    updated_by: Mapped[str] = mapped_column(ID, ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DeliveryRow(Base):
    """A signed note's delivery to the EHR: the outbox, queued in the transaction that signs.

    ``claimed_until`` is the lease of the worker attempting it (``claim_token`` says which);
    a worker killed mid-attempt leaves a lease that runs out, and the delivery is tried again.
    """

    __tablename__ = "deliveries"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    practice_id: Mapped[str] = _practice()
    note_id: Mapped[str] = mapped_column(ID, ForeignKey("notes.id"), unique=True)
    state: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    claim_token: Mapped[str | None] = mapped_column(ID, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    last_reason: Mapped[str | None] = mapped_column(String(300), nullable=True)
    last_status: Mapped[int | None] = mapped_column(Integer, nullable=True)
    location: Mapped[str | None] = mapped_column(String(200), nullable=True)
    outcome_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The EHR's OperationOutcome when it refused the note: it may quote the note's values."""

    # The workers' question, across practices: which pending deliveries are due?
    __table_args__ = (Index("ix_deliveries_state_next_attempt_at", "state", "next_attempt_at"),)


class RecordingRow(Base):
    """A dictation uploaded for transcription: stored (encrypted) before anything is heard.

    The audio is kept only until its transcript is stored, unless the practice's speech
    retention keeps it longer; the patient and encounter details wait here, sealed, until the
    encounter is recorded from the transcript.
    """

    __tablename__ = "recordings"
    id: Mapped[str] = mapped_column(ID, primary_key=True)
    practice_id: Mapped[str] = _practice()
    uploaded_by: Mapped[str] = mapped_column(ID, ForeignKey("users.id"))
    clinician_id: Mapped[str] = mapped_column(ID, ForeignKey("users.id"))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(20))
    progress: Mapped[int] = mapped_column(Integer, default=0)
    """Per mille of the recording heard."""
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    audio_bytes: Mapped[int] = mapped_column(Integer)
    audio_sha256: Mapped[str] = mapped_column(String(64))
    audio_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    """The upload, base64 then sealed; None once deleted."""
    audio_deleted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    details_enc: Mapped[str] = mapped_column(Text)
    """The patient and encounter type the upload came with (JSON)."""
    transcript_enc: Mapped[str | None] = mapped_column(Text, nullable=True)
    error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    encounter_id: Mapped[str | None] = mapped_column(ID, ForeignKey("encounters.id"), nullable=True)
    draft_id: Mapped[str | None] = mapped_column(ID, ForeignKey("drafts.id"), nullable=True)
    transcribed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)

    # The sweep's question, across practices: which recordings wait for the recognizer?
    __table_args__ = (Index("ix_recordings_state", "state"),)


ENCRYPTED_COLUMNS: dict[type[Base], tuple[str, ...]] = {
    PatientRow: ("display_name_enc", "mrn_enc", "birth_date_enc"),
    CaptureRow: ("text_enc", "visit_enc"),
    DraftRow: ("content_enc", "drafted_text_enc", "decision_reason_enc"),
    FindingRow: ("body_enc", "reason_enc"),
    RevisionRow: ("diff_enc",),
    NoteRow: ("text_enc",),
    AmendmentRow: ("reason_enc",),
    DeliveryRow: ("outcome_enc",),
    RecordingRow: ("audio_enc", "details_enc", "transcript_enc"),
}
"""Every PHI column, for key rotation (see ``context_of`` for the associated data)."""


def context_of(row_type: type[Base], column: str, practice_id: str, row_id: str) -> str:
    """Return the encryption context (associated data) of one value: its column, practice and row.

    A ciphertext copied to another column, another row or another practice does not decrypt,
    so a swapped value can never show one patient's text in another's record.
    """
    return f"{row_type.__tablename__}.{column}|{practice_id}|{row_id}"
