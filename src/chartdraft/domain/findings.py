"""Findings: what a clinician must look at before signing. They are data, never exceptions."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from chartdraft.domain.sections import SectionName
from chartdraft.domain.visit import SourceSpan


class FindingKind(StrEnum):
    """Kinds of finding used across the project (the JSON contract's names)."""

    MISSING_SECTION = "missing_section"
    INSUFFICIENT_INPUT = "insufficient_input"
    MISSING_REQUIRED_ELEMENT = "missing_required_element"
    UNSUPPORTED_STATEMENT = "unsupported_statement"
    CONTRADICTION = "contradiction"
    SCOPE_VIOLATION = "scope_violation"
    UNSAFE_CERTAINTY = "unsafe_certainty"
    OMISSION = "omission"
    PHI_INTRODUCED = "phi_introduced"


class Severity(StrEnum):
    """``major`` could change care; ``minor`` could not."""

    MAJOR = "major"
    MINOR = "minor"


class DraftSpan(BaseModel):
    """Characters ``start:end`` of one statement's text in the draft."""

    model_config = ConfigDict(frozen=True)

    statement_id: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)


class Finding(BaseModel):
    """One problem with a draft, tied to its section, statement and input spans where known."""

    model_config = ConfigDict(frozen=True)

    kind: FindingKind
    severity: Severity
    section: SectionName | None
    statement_id: str | None = None
    message: str
    spans: tuple[SourceSpan, ...] = ()
    """Input spans the finding is about (empty when the problem is an absence)."""
    raised_by: str = "drafter"
    """Which step raised it: ``drafter``, ``capture`` or the name of a check."""
    draft_span: DraftSpan | None = None
    """The words of the draft the finding is about, where it is about particular words."""
    draft_text: str | None = None
    """Those words of the draft, verbatim."""
    input_text: str | None = None
    """The closest input text, verbatim; for an omission, the input that was lost."""
