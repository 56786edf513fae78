"""The facts about one encounter that quality metrics are computed from (read from the record)."""

from dataclasses import dataclass
from datetime import datetime

from chartdraft.domain.review import ReviewState


@dataclass(frozen=True)
class EncounterFacts:
    """One drafted encounter, as the metrics see it. Texts are only for edit distance."""

    encounter_id: str
    clinician: str
    """The encounter clinician's e-mail (a practice member, not a patient identifier)."""
    template: str
    engine: str
    model: str | None
    captured_at: datetime
    drafted_at: datetime
    state: ReviewState
    signed_at: datetime | None
    review_activity: tuple[datetime, ...]
    """When the clinician opened, edited, resolved and signed, in order (active review time)."""
    draft_text: str
    """The note as the engine drafted it."""
    signed_text: str | None
    """The first signed version; None when not signed."""
    edits: int
    statements: int
    unsupported_findings: int
    """Findings of the verifier's kinds (unsupported, contradiction, scope, certainty, PHI)."""
    sections: int
    flagged_sections: int
