"""The parts of a drafted note: statements that cite their sources, and flagged gaps."""

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, computed_field

from chartdraft.domain.findings import FindingKind
from chartdraft.domain.sections import SectionName
from chartdraft.domain.visit import SourceSpan

StatementForm = Literal["sentence", "line", "bullet"]
"""How a statement is laid out: running prose, a line of its own, or a list item."""

GapKind = Literal[
    FindingKind.MISSING_SECTION,
    FindingKind.INSUFFICIENT_INPUT,
    FindingKind.MISSING_REQUIRED_ELEMENT,
]


class SectionStatus(StrEnum):
    """How complete a section is, judged from the input alone."""

    COMPLETE = "complete"
    INSUFFICIENT = "insufficient"
    MISSING = "missing"


class Statement(BaseModel):
    """One sentence, line or bullet of the draft and the input spans it came from."""

    model_config = ConfigDict(frozen=True)

    id: str
    text: str
    sources: tuple[SourceSpan, ...]
    form: StatementForm = "sentence"
    group: str | None = None
    """The clinician's sub-heading this statement sits under (``ROS``, ``Meds``), if any."""


class Gap(BaseModel):
    """Something the section needs that the clinician did not give; shown, never filled."""

    model_config = ConfigDict(frozen=True)

    kind: GapKind
    need: str
    """What is missing, in a clinician's words ('medication adherence')."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def line(self) -> str:
        """The flag line exactly as it appears in the note."""
        return f"[Needs clinician input: {self.need}]"


class DraftSection(BaseModel):
    """One SOAP section of a draft."""

    model_config = ConfigDict(frozen=True)

    name: SectionName
    title: str
    status: SectionStatus
    statements: tuple[Statement, ...] = ()
    gaps: tuple[Gap, ...] = ()
