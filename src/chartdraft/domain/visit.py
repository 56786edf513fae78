"""What the clinician captured after a visit, kept verbatim, and where each piece belongs."""

from enum import StrEnum
from functools import cached_property
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chartdraft.domain.sections import SectionName

CaptureFormat = Literal["text", "json", "dictation"]


class SourceSpan(BaseModel):
    """Characters ``start:end`` of one captured field's original text."""

    model_config = ConfigDict(frozen=True)

    field: str
    start: int = Field(ge=0)
    end: int = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.end < self.start:
            raise ValueError("a span must not end before it starts")
        return self

    def overlaps(self, other: "SourceSpan") -> bool:
        """Return True when the two spans share a character of the same field."""
        return self.field == other.field and self.start < other.end and other.start < self.end

    def contains(self, other: "SourceSpan") -> bool:
        """Return True when ``other`` lies wholly inside this span."""
        return self.field == other.field and self.start <= other.start and other.end <= self.end


class CapturedField(BaseModel):
    """One field of the capture exactly as typed, with the header the clinician used for it."""

    model_config = ConfigDict(frozen=True)

    name: str
    text: str
    label: str | None = None
    """The header as typed (``HPI``, ``A/P``); None for JSON keys and dictation."""


class Placement(StrEnum):
    """Why a passage was put in its section."""

    HEADER = "header"
    CUE = "cue"
    CONTEXT = "context"


class Passage(BaseModel):
    """One item of input (a sentence, bullet or line) assigned to a section, with the reason."""

    model_config = ConfigDict(frozen=True)

    section: SectionName
    span: SourceSpan
    placement: Placement = Placement.HEADER
    reason: str = ""
    """Plain-language reason for the placement, e.g. 'under the header "HPI"', 'cue "denies"'."""
    group: str | None = None
    """The clinician's own sub-heading for this passage (``ROS``, ``Vitals``, ``Meds``), if any."""
    confirm: bool = False
    """True when the placement is a guess the clinician should confirm."""
    listed: bool = False
    """True when the clinician wrote it as a list item (bullet or number)."""
    fragment: bool = False
    """True for an unpunctuated line among others: it is drawn as typed, without a full stop."""


class Heading(BaseModel):
    """A header the parser recognised and consumed (it is structure, not content)."""

    model_config = ConfigDict(frozen=True)

    label: str
    section: SectionName | None
    """None for the ``Encounter type:`` line."""


class Visit(BaseModel):
    """Everything captured for one encounter: the original fields and the passages drawn from them."""

    model_config = ConfigDict(frozen=True)

    encounter_type: str | None = None
    """The type named in the capture itself (``Encounter type:`` line or JSON key), if any."""
    capture_format: CaptureFormat
    fields: tuple[CapturedField, ...]
    passages: tuple[Passage, ...]
    headings: tuple[Heading, ...] = ()

    @model_validator(mode="after")
    def _spans_inside_fields(self) -> Self:
        lengths = {f.name: len(f.text) for f in self.fields}
        if len(lengths) != len(self.fields):
            raise ValueError("field names must be unique")
        for passage in self.passages:
            span = passage.span
            if span.field not in lengths or span.end > lengths[span.field]:
                raise ValueError(f"passage span {span} is outside the captured fields")
        return self

    @cached_property
    def _fields_by_name(self) -> dict[str, CapturedField]:
        return {captured.name: captured for captured in self.fields}

    def field(self, name: str) -> CapturedField:
        """Return the captured field called ``name``."""
        return self._fields_by_name[name]

    def has_span(self, span: SourceSpan) -> bool:
        """Return True when ``span`` lies inside one of the captured fields."""
        captured = self._fields_by_name.get(span.field)
        return captured is not None and span.end <= len(captured.text)

    def text_of(self, span: SourceSpan) -> str:
        """Return the original text a span points at."""
        return self.field(span.field).text[span.start : span.end]

    def passages_for(self, section: SectionName) -> tuple[Passage, ...]:
        """Return the passages placed in ``section``, in capture order."""
        return tuple(p for p in self.passages if p.section is section)
