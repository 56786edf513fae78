"""Turn a model's answer into a SoapDraft: cited statements, the same gaps as every engine.

A statement whose quote is not in the input keeps its text (the clinician must see what the
model wrote) but has no sources and carries a major ``unsupported_statement`` finding.
"""

import re
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
_WORDS = re.compile(r"[^\W_]+")
MODEL_FLAG_NEED = "more detail (the drafting model found this section incomplete)"
_JUDGEMENT = frozenset({SectionName.ASSESSMENT, SectionName.PLAN})


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
    problem = _citation_problem(visit, section, written, span, passage)
    if problem is None:
        return statement, []
    message, severity = problem
    finding = Finding(
        kind=FindingKind.UNSUPPORTED_STATEMENT,
        severity=severity,
        section=section,
        statement_id=statement_id,
        message=message,
        spans=statement.sources,
        raised_by=CITATION_CHECK,
    )
    return statement, [finding]


def _citation_problem(
    visit: Visit,
    section: SectionName,
    written: ModelStatement,
    span: SourceSpan | None,
    passage: Passage | None,
) -> tuple[str, Severity] | None:
    quote = " ".join(written.quote.split())
    if span is None:
        if not quote:
            return "This statement does not quote any of the input.", Severity.MAJOR
        return f'This statement cites "{_shown(quote)}", which is not in the input.', Severity.MAJOR
    if _too_short(visit.text_of(span), visit.text_of(passage.span) if passage else None):
        return (
            f'This statement cites only "{_shown(quote)}", too little of the input to support it.',
            Severity.MAJOR,
        )
    if passage is not None and passage.section is not section:
        # Assessment and plan are the clinician's judgement: one built from other sections'
        # words may be the model diagnosing or recommending.
        severity = Severity.MAJOR if section in _JUDGEMENT else Severity.MINOR
        where = passage.section.value.replace("_", " ")
        return (
            f"This statement cites input given under the {where}; confirm it belongs here.",
            severity,
        )
    return None


def _too_short(quoted: str, passage_text: str | None) -> bool:
    # One word supports a statement only when it is the clinician's whole item ("Cough").
    if len(_WORDS.findall(quoted)) >= 2:
        return False
    whole = " ".join(_WORDS.findall(passage_text or "")).lower()
    return whole != " ".join(_WORDS.findall(quoted)).lower()


def _shown(quote: str) -> str:
    return quote if len(quote) <= _QUOTE_SHOWN else quote[: _QUOTE_SHOWN - 1] + "\u2026"


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
    # The model's own words stay in the finding for the reviewer; the note gets a fixed flag,
    # so nothing unchecked is written into the note itself.
    gap = Gap(kind=FindingKind.INSUFFICIENT_INPUT, need=MODEL_FLAG_NEED)
    return SectionAssessment(SectionStatus.INSUFFICIENT, (gap,), (finding,))
