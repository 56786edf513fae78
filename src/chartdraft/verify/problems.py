"""What a check found, before it becomes a Finding with verbatim draft and input text."""

from dataclasses import dataclass

from chartdraft.domain.findings import DraftSpan, Finding, FindingKind, Severity
from chartdraft.domain.sections import SectionName
from chartdraft.domain.visit import SourceSpan, Visit

CHECK_NAME = "verify"
_SHOWN = 60


@dataclass(frozen=True)
class Problem:
    """One problem with one statement: kind, severity, message and where it is in each text."""

    kind: FindingKind
    severity: Severity
    message: str
    draft: tuple[int, int] | None = None
    """Offsets into the statement text of the offending words."""
    evidence: tuple[SourceSpan, ...] = ()


def shown(text: str) -> str:
    """Return ``text`` on one line, cut to a length a message can quote."""
    text = " ".join(text.split())
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "\u2026"


def to_finding(
    problem: Problem, visit: Visit, section: SectionName, statement_id: str, statement_text: str
) -> Finding:
    """Return the Finding for ``problem`` on one statement, with the verbatim texts."""
    draft_span = draft_text = None
    if problem.draft is not None:
        start, end = problem.draft
        draft_span = DraftSpan(statement_id=statement_id, start=start, end=end)
        draft_text = statement_text[start:end]
    return Finding(
        kind=problem.kind,
        severity=problem.severity,
        section=section,
        statement_id=statement_id,
        message=problem.message,
        spans=problem.evidence,
        raised_by=CHECK_NAME,
        draft_span=draft_span,
        draft_text=draft_text,
        input_text=input_text(visit, problem.evidence),
    )


def input_text(visit: Visit, spans: tuple[SourceSpan, ...]) -> str | None:
    """Return the input text of ``spans``, verbatim, joined by " ... "."""
    texts = [visit.text_of(s) for s in spans if visit.has_span(s)]
    return " ... ".join(texts) if texts else None


def severity_of(major: bool) -> Severity:
    """Return ``major`` or ``minor``."""
    return Severity.MAJOR if major else Severity.MINOR
