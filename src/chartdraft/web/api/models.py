"""The API's request bodies and how stored records are shown (JSON contracts)."""

from datetime import date
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chartdraft.domain.audit import AuditEvent
from chartdraft.domain.records import QueueItem, SignedNote, StoredDraft

MAX_TEXT = 1_000_000


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PatientIn(_Body):
    """A new patient: display name, MRN and birth date."""

    name: str = Field(min_length=1, max_length=200)
    mrn: str = Field(min_length=1, max_length=64)
    birth_date: date | None = None


class CaptureIn(_Body):
    """The capture: free text (headed or dictation), or the SOAP fields."""

    text: str | None = Field(default=None, max_length=MAX_TEXT)
    fields: dict[str, str] | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Self:
        if (self.text is None) == (self.fields is None):
            raise ValueError("give exactly one of text or fields")
        return self


class EncounterIn(_Body):
    """``POST /api/v1/encounters``."""

    patient: PatientIn | None = None
    patient_id: str | None = Field(default=None, max_length=64)
    encounter_type: str | None = Field(default=None, max_length=80)
    capture: CaptureIn
    clinician_id: str | None = Field(default=None, max_length=64)


class SectionIn(_Body):
    """``PUT /api/v1/drafts/{id}/sections/{name}``."""

    text: str = Field(max_length=20_000)


class ResolveIn(_Body):
    """``POST /api/v1/drafts/{id}/findings/{finding_id}/resolve``."""

    resolution: Literal["edited", "attested"]
    reason: str | None = Field(default=None, max_length=2_000)


class ChecklistIn(_Body):
    """The review checklist; every item must be true to sign."""

    facts_verified: bool = False
    assessment_is_mine: bool = False
    flags_completed: bool = False
    defensible: bool = False


class SignIn(_Body):
    """``POST /api/v1/drafts/{id}/sign``."""

    checklist: ChecklistIn
    password: str = Field(max_length=1024)


class RejectIn(_Body):
    """``POST /api/v1/drafts/{id}/reject``."""

    reason: str = Field(max_length=2_000)


class AmendIn(_Body):
    """``POST /api/v1/notes/{id}/amend``."""

    text: str = Field(max_length=200_000)
    reason: str = Field(max_length=2_000)
    password: str = Field(max_length=1024)


def draft_document(stored: StoredDraft) -> dict[str, Any]:
    """Return the draft JSON contract (``chartdraft.draft/1``) plus review state and finding ids."""
    document: dict[str, Any] = (
        {} if stored.draft is None else stored.draft.model_dump(mode="json", by_alias=True)
    )
    document.update(
        draft_id=stored.id,
        encounter_id=stored.encounter_id,
        review_state=stored.state.value,
        version=stored.version,
        open_major_findings=len(stored.open_major_findings),
        flagged_sections=stored.flagged_sections,
        purged=stored.purged,
        drafting_error=stored.failure,
        findings=[
            {
                **f.finding.model_dump(mode="json"),
                "id": f.id,
                "resolution": None if f.resolution is None else f.resolution.value,
                "resolved_by": f.resolved_by,
                "resolved_at": None if f.resolved_at is None else f.resolved_at.isoformat(),
            }
            for f in stored.findings
        ],
    )
    return document


def note_document(note: SignedNote) -> dict[str, Any]:
    """Return a signed note as JSON."""
    return {
        "note_id": note.id,
        "draft_id": note.draft_id,
        "encounter_id": note.encounter_id,
        "version": note.version,
        "text": note.text,
        "text_sha256": note.signature.text_sha256,
        "signed_by": note.signature.signer_id,
        "signed_at": note.signature.signed_at.isoformat(),
        "supersedes": note.supersedes_id,
        "amendment_reason": note.amendment_reason,
    }


def queue_document(item: QueueItem) -> dict[str, Any]:
    """Return one review-queue line as JSON."""
    return {
        "draft_id": item.draft_id,
        "encounter_id": item.encounter_id,
        "encounter_type": item.encounter_type,
        "clinician_id": item.clinician_id,
        "review_state": item.state.value,
        "created_at": item.created_at.isoformat(),
        "open_major_findings": item.open_major_findings,
        "flagged_sections": item.flagged_sections,
    }


def event_document(event: AuditEvent) -> dict[str, Any]:
    """Return one audit event as JSON."""
    entry = event.entry
    return {
        "seq": event.seq,
        "at": event.at.isoformat(),
        "kind": entry.kind.value,
        "actor_id": entry.actor_id,
        "encounter_id": entry.encounter_id,
        "draft_id": entry.draft_id,
        "note_id": entry.note_id,
        "details": dict(entry.details),
        "hash": event.hash,
    }
