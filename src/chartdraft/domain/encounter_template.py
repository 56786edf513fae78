"""Encounter-type templates: note title, section order and what each section must contain."""

import re
from functools import cached_property
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from chartdraft.domain.findings import Severity
from chartdraft.domain.sections import DEFAULT_TITLES, SOAP_ORDER, SectionName


class RequiredElement(BaseModel):
    """Something a section of this encounter type must mention (e.g. 'medication adherence')."""

    model_config = ConfigDict(frozen=True)

    name: str
    patterns: tuple[str, ...] = Field(min_length=1)
    """Case-insensitive regular expressions; any match in the section's input satisfies it."""
    severity: Severity = Severity.MINOR
    also_in: tuple[SectionName, ...] = ()
    """Other sections whose input also counts (a duration given in the chief complaint)."""
    counts_when_negated: bool = False
    """True when a negated mention still documents the element ("no missed doses" is adherence);
    otherwise "vitals not obtained" or "no follow-up needed" does not satisfy it."""

    @field_validator("patterns")
    @classmethod
    def _compilable(cls, patterns: tuple[str, ...]) -> tuple[str, ...]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(
                    f"pattern {pattern!r} is not a valid regular expression: {exc}"
                ) from exc
        return patterns

    @cached_property
    def _compiled(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p, re.IGNORECASE) for p in self.patterns)

    def is_met_by(self, text: str) -> bool:
        """Return True when ``text`` mentions this element (and, unless allowed, not negated)."""
        for pattern in self._compiled:
            for found in pattern.finditer(text):
                if self.counts_when_negated or not _negated(text, found.start(), found.end()):
                    return True
        return False


_NEGATED_BEFORE = re.compile(
    r"\b(?:no|not|without|unable to|declined?|refused?|deferred|defer)\b[^.;\n]{0,25}$",
    re.IGNORECASE,
)
_NEGATED_AFTER = re.compile(
    r"^[^.;\n]{0,15}?\b(?:not (?:obtained|done|taken|measured|checked|recorded|needed|indicated|"
    r"required|due)|declined|refused|deferred)\b",
    re.IGNORECASE,
)


def _negated(text: str, start: int, end: int) -> bool:
    return bool(
        _NEGATED_BEFORE.search(text[max(0, start - 40) : start])
        or _NEGATED_AFTER.search(text[end : end + 40])
    )


class SectionRequirements(BaseModel):
    """What one section of the note needs."""

    model_config = ConfigDict(frozen=True)

    title: str | None = None
    need: str
    """What to ask for when the section is empty ('objective findings: vitals, exam, results')."""
    min_words: int = Field(default=1, ge=1)
    """Fewer words than this (placeholders excluded) makes the section insufficient."""
    required: tuple[RequiredElement, ...] = ()


class EncounterTemplate(BaseModel):
    """One encounter type a practice documents ('follow-up', 'annual-physical', ...)."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    description: str = ""
    aliases: tuple[str, ...] = ()
    section_order: tuple[SectionName, ...] = SOAP_ORDER
    sections: dict[SectionName, SectionRequirements]

    @model_validator(mode="after")
    def _all_five_sections(self) -> Self:
        if sorted(self.section_order) != sorted(SOAP_ORDER):
            raise ValueError("section_order must name each of the five sections exactly once")
        missing = [s.value for s in SOAP_ORDER if s not in self.sections]
        if missing:
            raise ValueError(f"requirements are missing for: {', '.join(missing)}")
        return self

    def title_of(self, section: SectionName) -> str:
        """Return the heading this template gives ``section``."""
        return self.sections[section].title or DEFAULT_TITLES[section]

    def required_elements(self) -> list[tuple[SectionName, RequiredElement]]:
        """Return every required element with its section, in section order."""
        return [(s, e) for s in self.section_order for e in self.sections[s].required]
