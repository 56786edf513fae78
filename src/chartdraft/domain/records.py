"""What the record holds about a draft under review, a signed note and the review queue."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.findings import Finding, Severity
from chartdraft.domain.review import ReviewState, Signature


class Resolution(StrEnum):
    """How a finding was resolved: the text that caused it was edited away, or attested to."""

    EDITED = "edited"
    ATTESTED = "attested"


@dataclass(frozen=True)
class StoredFinding:
    """A finding on a stored draft, with its id and how (if at all) it was resolved."""

    id: str
    finding: Finding
    resolution: Resolution | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        """Return True while the finding still needs the clinician."""
        return self.resolution is None

    @property
    def blocks_sign_off(self) -> bool:
        """Return True for an open major finding."""
        return self.is_open and self.finding.severity is Severity.MAJOR


@dataclass(frozen=True)
class StoredDraft:
    """A draft as stored: its review state, current content and findings."""

    id: str
    encounter_id: str
    clinician_id: str
    encounter_type: str
    state: ReviewState
    version: int
    draft: SoapDraft | None
    """None while drafting, when drafting failed, and once the retention purge removed it."""
    findings: tuple[StoredFinding, ...]
    created_at: datetime
    updated_at: datetime
    failure: str | None = None
    """Why drafting failed (state ``drafting_failed``), in one sentence for the clinician."""

    @property
    def purged(self) -> bool:
        """Return True when the retention purge has removed the draft's text."""
        return self.draft is None and self.state not in (
            ReviewState.DRAFTING,
            ReviewState.DRAFTING_FAILED,
        )

    @property
    def open_major_findings(self) -> tuple[StoredFinding, ...]:
        """Return the findings that block sign-off."""
        return tuple(f for f in self.findings if f.blocks_sign_off)

    @property
    def flagged_sections(self) -> int:
        """Return how many sections still carry a ``[Needs clinician input]`` flag."""
        return 0 if self.draft is None else sum(1 for s in self.draft.sections if s.gaps)


@dataclass(frozen=True)
class NoteReference:
    """Which note, of which encounter and draft, and its version: everything but its text."""

    id: str
    draft_id: str
    encounter_id: str
    version: int
    text_sha256: str


@dataclass(frozen=True)
class SignedNote:
    """One signed version of a note: never changed, only superseded by an amendment."""

    id: str
    draft_id: str
    encounter_id: str
    version: int
    text: str
    signature: Signature
    supersedes_id: str | None = None
    amendment_reason: str | None = None


@dataclass(frozen=True)
class QueueItem:
    """One line of a clinician's review queue (no patient text: counts and ids)."""

    draft_id: str
    encounter_id: str
    encounter_type: str
    clinician_id: str
    state: ReviewState
    created_at: datetime
    open_major_findings: int
    flagged_sections: int
