"""Pseudonymize a whole visit for an engine, and restore the engine's draft to the real visit.

The engine sees a visit whose fields carry stand-ins and whose passages point at the same words
in the new text. Its draft comes back citing spans of that text; restoring puts every stand-in
back and moves every span to the original text, so the clinician reviews a draft of the real
visit, citing the real input.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.findings import Finding, FindingKind, Severity
from chartdraft.domain.note import DraftSection, Gap, Statement
from chartdraft.domain.phi import PhiType
from chartdraft.domain.visit import CapturedField, SourceSpan, Visit
from chartdraft.privacy.dates import NO_YEAR, read_date
from chartdraft.privacy.entities import PhiEntity, PhiFinder, count_by_type
from chartdraft.privacy.pseudonymize import (
    PseudonymizedText,
    PseudonymTable,
    Replacement,
    apply_replacements,
)

RAISED_BY = "privacy"


@dataclass(frozen=True)
class PrivateVisit:
    """A visit as an engine may see it, with what is needed to bring its draft back."""

    visit: Visit
    original: Visit
    table: PseudonymTable
    fields: dict[str, PseudonymizedText]
    entities: tuple[PhiEntity, ...]

    def entity_counts(self) -> dict[str, int]:
        """Return how many identifiers of each type were replaced (never the values)."""
        return count_by_type(self.entities)


def pseudonymize_visit(visit: Visit, detector: PhiFinder, table: PseudonymTable) -> PrivateVisit:
    """Return ``visit`` with every identifier detected in its fields replaced by a stand-in."""
    found = dict(
        zip(
            (f.name for f in visit.fields),
            detector.detect_all([f.text for f in visit.fields]),
            strict=True,
        )
    )
    table.reserve_all([(f.text, found[f.name]) for f in visit.fields])
    texts = {f.name: table.pseudonymize(f.text, found[f.name]) for f in visit.fields}
    fields = tuple(
        CapturedField(name=f.name, text=texts[f.name].text, label=f.label) for f in visit.fields
    )
    passages = tuple(
        p.model_copy(update={"span": _span(p.span, texts, forward=True)}) for p in visit.passages
    )
    private = visit.model_copy(update={"fields": fields, "passages": passages})
    entities = tuple(e for name in found for e in found[name])
    return PrivateVisit(Visit.model_validate(private.model_dump()), visit, table, texts, entities)


def restore_draft(draft: SoapDraft, private: PrivateVisit, detector: PhiFinder) -> SoapDraft:
    """Return ``draft`` of the real visit: stand-ins replaced, spans moved, leftovers flagged."""
    restore = _restorer(private, detector)
    sections = tuple(_restore_section(s, private, restore) for s in draft.sections)
    findings = tuple(_restore_finding(f, private, restore) for f in draft.findings)
    restored = draft.model_copy(
        update={"title": restore(draft.title), "sections": sections, "findings": findings}
    )
    return restored.with_findings((*findings, *leftover_findings(restored, private)))


def leftover_findings(draft: SoapDraft, private: PrivateVisit) -> list[Finding]:
    """Return a finding for each stand-in still in the draft after restoring it."""
    stand_ins = _leftover_pattern(private)
    if stand_ins is None:
        return []
    findings: list[Finding] = []
    for section in draft.sections:
        for statement in section.statements:
            for match in stand_ins.finditer(statement.text):
                findings.append(_leftover(section, statement, match))
    return findings


def _leftover(section: DraftSection, statement: Statement, match: re.Match[str]) -> Finding:
    return Finding(
        kind=FindingKind.PHI_INTRODUCED,
        severity=Severity.MAJOR,
        section=section.name,
        statement_id=statement.id,
        message=(
            "The draft still holds a stand-in used to hide an identifier from the engine; "
            "replace it with the real detail from the input."
        ),
        raised_by=RAISED_BY,
        draft_text=match.group(),
    )


def _leftover_pattern(private: PrivateVisit) -> re.Pattern[str] | None:
    # Stand-ins, and their digits alone: "(597) 919-0748" written back as "597.919.0748".
    wanted: set[str] = set()
    for surrogate in private.table.surrogates():
        wanted.add(re.escape(surrogate))
        digits = re.sub(r"\D", "", surrogate)
        if len(digits) >= 5:
            wanted.add(r"\D{0,3}".join(digits))
    if not wanted:
        return None
    alternatives = "|".join(sorted(wanted, key=len, reverse=True))
    return re.compile(rf"(?<![\w])(?:{alternatives})(?!\w)", re.IGNORECASE)


def _restorer(private: PrivateVisit, detector: PhiFinder) -> Callable[[str], str]:
    # One pass over the engine's text, which holds stand-ins only: every stand-in as written,
    # and every date or age the engine rewrote ("November 13" for "11/13/2023", "96-year-old"
    # for "96 yo"), found by its value. One pass, so a restored value is never restored again.
    replacements = [r for text in private.fields.values() for r in text.replacements]
    dates = _by_value(r for r in replacements if r.type is PhiType.DATE)
    ages = {_number(r.surrogate): r.original for r in replacements if r.type is PhiType.AGE}

    def restore(text: str) -> str:
        found = private.table.stand_ins_in(text)
        if (dates or ages) and any(c.isdigit() for c in text):
            taken = [(start, end) for start, end, _ in found]
            for entity in detector.detect(text):
                if any(entity.start < e and s < entity.end for s, e in taken):
                    continue
                original = _rewritten(entity, dates, ages)
                if original is not None:
                    found.append((entity.start, entity.end, original))
        return apply_replacements(text, found)

    return restore


def _by_value(replacements: Iterable[Replacement]) -> dict[tuple[int, int, int | None], str]:
    # Keyed by (month, day, year) and by (month, day, None): "May 11" names "5/11/2024" too.
    values: dict[tuple[int, int, int | None], str] = {}
    for r in replacements:
        value = read_date(r.surrogate)
        if value is not None:
            values.setdefault((value.month, value.day, value.year), r.original)
            values.setdefault((value.month, value.day, None), r.original)
    return values


def _rewritten(
    entity: PhiEntity, dates: dict[tuple[int, int, int | None], str], ages: dict[str, str]
) -> str | None:
    if entity.type is PhiType.AGE:
        original = ages.get(_number(entity.text))
        return (
            None
            if original is None
            else entity.text.replace(_number(entity.text), _number(original), 1)
        )
    if entity.type is not PhiType.DATE:
        return None
    value = read_date(entity.text)
    if value is None:
        return None
    year = None if value.year == NO_YEAR else value.year
    return dates.get((value.month, value.day, year))


def _number(text: str) -> str:
    match = re.search(r"\d+", text)
    return match.group() if match else ""


def _restore_section(
    section: DraftSection, private: PrivateVisit, restore: Callable[[str], str]
) -> DraftSection:
    statements = tuple(
        s.model_copy(
            update={
                "text": restore(s.text),
                "sources": tuple(_span(span, private.fields) for span in s.sources),
            }
        )
        for s in section.statements
    )
    gaps = tuple(Gap(kind=g.kind, need=restore(g.need)) for g in section.gaps)
    return section.model_copy(update={"statements": statements, "gaps": gaps})


def _restore_finding(
    finding: Finding, private: PrivateVisit, restore: Callable[[str], str]
) -> Finding:
    return finding.model_copy(
        update={
            "message": restore(finding.message),
            "spans": tuple(_span(span, private.fields) for span in finding.spans),
            "draft_text": restore(finding.draft_text) if finding.draft_text else None,
            "input_text": restore(finding.input_text) if finding.input_text else None,
            "draft_span": None,  # offsets in the stand-in text mean nothing in the real one
        }
    )


def _span(
    span: SourceSpan, texts: dict[str, PseudonymizedText], *, forward: bool = False
) -> SourceSpan:
    text = texts.get(span.field)
    if text is None:
        return span
    move = text.to_pseudonymized if forward else text.to_original
    start, end = move(span.start), move(span.end, end=True)
    return span.model_copy(update={"start": start, "end": max(start, end)})
