"""A SOAP draft: what an engine made of a Visit, before any clinician has signed it."""

from pydantic import BaseModel, ConfigDict, Field, computed_field

from chartdraft.domain.egress import EgressRecord
from chartdraft.domain.findings import Finding
from chartdraft.domain.note import DraftSection
from chartdraft.domain.note_text import render_markdown, render_text
from chartdraft.domain.sections import SectionName

DRAFT_SCHEMA = "chartdraft.draft/1"


class EngineUsage(BaseModel):
    """What drafting cost at the model: requests, tokens and seconds spent waiting for it."""

    model_config = ConfigDict(frozen=True)

    requests: int = 0
    prompt_tokens: int = 0
    output_tokens: int = 0
    model_seconds: float = 0.0


class EngineInfo(BaseModel):
    """Which engine, model and prompt produced a draft (recorded with every draft)."""

    model_config = ConfigDict(frozen=True)

    name: str
    model: str | None = None
    prompt_id: str | None = None
    prompt_version: str | None = None
    prompt_sha256: str | None = None
    """SHA-256 of the rendered system prompt: the exact rules and practice context the model had."""
    model_called: bool = False
    """False when no model was asked (the template engine, or input too thin to send)."""
    usage: EngineUsage | None = None
    egress: EgressRecord | None = None
    """Where the visit's text went and whether it was pseudonymized; None when it never left."""


class PracticeContext(BaseModel):
    """What the practice told us about itself; given to engines and recorded with each draft."""

    model_config = ConfigDict(frozen=True)

    practice_type: str = "primary care"
    common_presentations: tuple[str, ...] = ()


class SoapDraft(BaseModel):
    """A drafted note in template order, with its findings. Serialises to ``chartdraft.draft/1``."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, serialize_by_alias=True)

    schema_id: str = Field(default=DRAFT_SCHEMA, alias="schema")
    encounter_type: str
    title: str
    engine: EngineInfo
    practice: PracticeContext = PracticeContext()
    sections: tuple[DraftSection, ...]
    findings: tuple[Finding, ...] = ()

    @computed_field  # type: ignore[prop-decorator]
    @property
    def text(self) -> str:
        """The whole rendered note as plain text."""
        return render_text(self.title, self.sections)

    def markdown(self) -> str:
        """Return the whole note as Markdown."""
        return render_markdown(self.title, self.sections)

    def section(self, name: SectionName) -> DraftSection:
        """Return the section called ``name``."""
        for section in self.sections:
            if section.name is name:
                return section
        raise KeyError(name)

    def with_findings(self, findings: tuple[Finding, ...]) -> "SoapDraft":
        """Return a copy carrying ``findings`` instead of the current ones."""
        return self.model_copy(update={"findings": findings})
