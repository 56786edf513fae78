"""Turn a model's answer into a SoapDraft: cited statements, the same gaps as every engine.

A statement whose quote is not in the input keeps its text (the clinician must see what the
model wrote) but has no sources and carries a major ``unsupported_statement`` finding.
"""

from itertools import count

from chartdraft.domain.draft import EngineInfo, SoapDraft
from chartdraft.domain.findings import Finding, FindingKind, Severity
from chartdraft.domain.gaps import SectionAssessment, assess_sections
from chartdraft.domain.note import DraftSection, Gap, SectionStatus, Statement, StatementForm
from chartdraft.domain.sections import SectionName
from chartdraft.domain.visit import Passage, SourceSpan, Visit
from chartdraft.drafting.citations import QuoteLocator
from chartdraft.drafting.engine import DraftRequest
from chartdraft.drafting.model_answer import ModelSection, ModelStatement

CITATION_CHECK = "citation"
_QUOTE_SHOWN = 60


def assemble_draft(
    request: DraftRequest, answers: dict[SectionName, ModelSection], engine: EngineInfo
) -> SoapDraft:
    """Return the draft made of ``answers``, in template order, with gaps and citation findings."""
    visit, template = request.visit, request.template
    assessed = assess_sections(visit, template)
    locator = QuoteLocator(visit)
    ids = (f"s{n}" for n in count(1))
    sections: list[DraftSection] = []
    findings: list[Finding] = []
    for name in template.section_order:
        answer = answers.get(name, ModelSection(statements=[], needs_input=""))
        statements: list[Statement] = []
        for written in answer.statements:
            statement, finding = _cite(visit, locator, name, written, next(ids))
            statements.append(statement)
            findings.extend(finding)
        assessment = _with_model_flag(assessed[name], name, answer.needs_input, engine.name)
        findings.extend(assessment.findings)
        sections.append(
            DraftSection(
                name=name,
                title=template.title_of(name),
                status=assessment.status,
                statements=tuple(statements),
                gaps=assessment.gaps,
            )
        )
    return SoapDraft(
        encounter_type=template.name,
        title=template.title,
        engine=engine,
        practice=request.practice,
        sections=tuple(sections),
        findings=tuple(findings),
    )


def _cite(
    visit: Visit,
    locator: QuoteLocator,
    section: SectionName,
    written: ModelStatement,
    statement_id: str,
) -> tuple[Statement, list[Finding]]:
    span = locator.locate(written.field, written.quote)
    passage = _passage_at(visit, span) if span else None
    statement = Statement(
        id=statement_id,
        text=" ".join(written.text.split()),
        sources=(span,) if span else (),
        form=_form(section, passage),
        group=passage.group if passage else None,
    )
    if span is not None:
        return statement, []
    quote = " ".join(written.quote.split())
    shown = quote if len(quote) <= _QUOTE_SHOWN else quote[: _QUOTE_SHOWN - 1] + "\u2026"
    message = (
        f'This statement cites "{shown}", which is not in the input.'
        if shown
        else "This statement does not quote any of the input."
    )
    finding = Finding(
        kind=FindingKind.UNSUPPORTED_STATEMENT,
        severity=Severity.MAJOR,
        section=section,
        statement_id=statement_id,
        message=message,
        raised_by=CITATION_CHECK,
    )
    return statement, [finding]


def _passage_at(visit: Visit, span: SourceSpan) -> Passage | None:
    for passage in visit.passages:
        if passage.span.field == span.field and passage.span.start <= span.start < passage.span.end:
            return passage
    return None


def _form(section: SectionName, passage: Passage | None) -> StatementForm:
    if section is SectionName.PLAN or (passage is not None and passage.listed):
        return "bullet"
    return "sentence"


def _with_model_flag(
    assessed: SectionAssessment, section: SectionName, needs_input: str, engine: str
) -> SectionAssessment:
    # The rules flag what the input lacks for every engine alike; a model may notice more.
    need = " ".join(needs_input.split())[:200]
    if not need or assessed.status is not SectionStatus.COMPLETE:
        return assessed
    finding = Finding(
        kind=FindingKind.INSUFFICIENT_INPUT,
        severity=Severity.MINOR,
        section=section,
        message=f"The model asks for more input here: {need}",
        raised_by=engine,
    )
    gap = Gap(kind=FindingKind.INSUFFICIENT_INPUT, need=need)
    return SectionAssessment(SectionStatus.INSUFFICIENT, (gap,), (finding,))
