"""Decide, from the input alone, which sections are missing or too thin to complete.

These rules apply whatever engine drafts the note: a gap is a property of what the clinician
gave, so every engine shows the same ``[Needs clinician input: ...]`` flags and findings.
"""

import re
from dataclasses import dataclass

from chartdraft.domain.encounter_template import (
    EncounterTemplate,
    RequiredElement,
    SectionRequirements,
)
from chartdraft.domain.findings import Finding, FindingKind, Severity
from chartdraft.domain.note import Gap, SectionStatus
from chartdraft.domain.sections import SectionName
from chartdraft.domain.visit import Visit

# Text that fills a field without saying anything a colleague could act on ("Plan: continue").
PLACEHOLDERS = frozenset(
    line.strip()
    for line in """
    see above | as above | per hpi | see hpi | see note | wnl | nl | normal | n/a | na | none | nil
    - | -- | ? | ?? | tbd | pending | same | deferred | ok | okay | fine | x | xx | ... | etc
    unchanged | no change | continue | cont | noted | reviewed | blank | nothing | stable | improved
    better | worse | good | well | unremarkable | neg | negative | positive | same as before
    """.replace("\n", "|").split("|")
    if line.strip()
)

_WORD = re.compile(r"[^\W_]+(?:[/.'-][^\W_]+)*")
_QUOTE_LIMIT = 40


@dataclass(frozen=True)
class SectionAssessment:
    """How complete one section's input is, with the flags and findings that follow."""

    status: SectionStatus
    gaps: tuple[Gap, ...]
    findings: tuple[Finding, ...]


def assess_sections(
    visit: Visit, template: EncounterTemplate
) -> dict[SectionName, SectionAssessment]:
    """Assess every section of ``visit`` against what ``template`` requires."""
    texts = {
        name: " \n".join(visit.text_of(p.span) for p in visit.passages_for(name)).strip()
        for name in template.section_order
    }
    return {
        name: _assess(name, texts, template.title_of(name), template.sections[name])
        for name in template.section_order
    }


def _assess(
    name: SectionName, texts: dict[SectionName, str], title: str, needs: SectionRequirements
) -> SectionAssessment:
    text = texts[name]
    if not text:
        message = f"No input was given for {title.lower()}; the note needs {needs.need}."
        return _flagged(
            SectionStatus.MISSING, name, FindingKind.MISSING_SECTION, needs.need, message
        )
    if _is_placeholder(text):
        quoted = _quote(text)
        need = f'{needs.need} ("{quoted}" alone does not say what was found or decided)'
        message = f'Only "{quoted}" was given for {title.lower()}; the note needs {needs.need}.'
        return _flagged(
            SectionStatus.INSUFFICIENT, name, FindingKind.INSUFFICIENT_INPUT, need, message
        )
    if len(_WORD.findall(text)) < needs.min_words:
        message = (
            f"The {title.lower()} input is too short to complete the section "
            f"(at least {needs.min_words} words expected); the note needs {needs.need}."
        )
        return _flagged(
            SectionStatus.INSUFFICIENT, name, FindingKind.INSUFFICIENT_INPUT, needs.need, message
        )
    missing = [e for e in needs.required if not _is_met(e, name, texts)]
    if not missing:
        return SectionAssessment(SectionStatus.COMPLETE, (), ())
    gaps = tuple(Gap(kind=FindingKind.MISSING_REQUIRED_ELEMENT, need=e.name) for e in missing)
    findings = tuple(
        Finding(
            kind=FindingKind.MISSING_REQUIRED_ELEMENT,
            severity=e.severity,
            section=name,
            message=f"The {title.lower()} does not mention {e.name}.",
            raised_by="gaps",
        )
        for e in missing
    )
    return SectionAssessment(SectionStatus.INSUFFICIENT, gaps, findings)


def _is_met(element: RequiredElement, section: SectionName, texts: dict[SectionName, str]) -> bool:
    return any(element.is_met_by(texts.get(s, "")) for s in (section, *element.also_in))


def _flagged(
    status: SectionStatus, name: SectionName, kind: FindingKind, need: str, message: str
) -> SectionAssessment:
    gap = Gap(kind=kind, need=need)
    finding = Finding(
        kind=kind, severity=Severity.MAJOR, section=name, message=message, raised_by="gaps"
    )
    return SectionAssessment(status, (gap,), (finding,))


def _is_placeholder(text: str) -> bool:
    normalized = " ".join(text.lower().split()).rstrip(".:;,")
    return normalized in PLACEHOLDERS or not _WORD.search(normalized)


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _QUOTE_LIMIT else text[: _QUOTE_LIMIT - 1] + "\u2026"
