"""Ask the clinician to confirm where a guessed sentence of dictation was placed."""

from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.findings import Finding, FindingKind, Severity
from chartdraft.domain.visit import Passage, SourceSpan, Visit


def placement_findings(visit: Visit, draft: SoapDraft) -> list[Finding]:
    """Return one finding for each passage whose section was a guess, at its statement."""
    findings = []
    citing = _statements_by_span(draft)
    for passage in visit.passages:
        if not passage.confirm:
            continue
        statement_id = citing.get(passage.span) or _statement_citing(draft, passage.span)
        title = _title(draft, passage)
        findings.append(
            Finding(
                kind=FindingKind.INSUFFICIENT_INPUT,
                severity=Severity.MINOR,
                section=passage.section,
                statement_id=statement_id,
                message=f"Confirm this sentence belongs in {title}: {passage.reason}.",
                spans=(passage.span,),
                raised_by="capture",
            )
        )
    return findings


def _statements_by_span(draft: SoapDraft) -> dict[SourceSpan, str]:
    # Engines usually cite a passage's exact span: look that up before scanning for overlaps.
    return {
        source: statement.id
        for section in draft.sections
        for statement in section.statements
        for source in statement.sources
    }


def _statement_citing(draft: SoapDraft, span: SourceSpan) -> str | None:
    for section in draft.sections:
        for statement in section.statements:
            if any(span.overlaps(source) for source in statement.sources):
                return statement.id
    return None


def _title(draft: SoapDraft, passage: Passage) -> str:
    try:
        return draft.section(passage.section).title
    except KeyError:
        return passage.section.value
