"""The first grounding check: every statement cites the input, and its numbers are in it.

This is deliberately narrow (the full verifier replaces it): a statement with no source, a
source outside the captured fields, or a number the sources do not contain is unsupported.
"""

import re

from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.findings import Finding, FindingKind, Severity
from chartdraft.domain.note import Statement
from chartdraft.domain.sections import SectionName
from chartdraft.domain.visit import Visit

CHECK_NAME = "first_check"

# 142/90, 98.6, 1,000, 20 -- compared as written, so 20 and 200 or 124/90 and 142/90 differ.
_NUMBER = re.compile(r"\d+(?:[.,/:]\d+)*")


def numbers_in(text: str) -> list[str]:
    """Return the numbers written in ``text``, normalised ("1,000" -> "1000")."""
    return [n.replace(",", "") for n in _NUMBER.findall(text)]


def check_sources(visit: Visit, draft: SoapDraft) -> list[Finding]:
    """Return a finding for each statement that is not backed by the input."""
    findings: list[Finding] = []
    for section in draft.sections:
        for statement in section.statements:
            findings.extend(_check_statement(visit, section.name, statement))
    return findings


def _check_statement(visit: Visit, section: SectionName, statement: Statement) -> list[Finding]:
    if not statement.sources:
        return [_unsupported(section, statement, "This statement does not cite any of the input.")]
    if not all(visit.has_span(s) for s in statement.sources):
        return [_unsupported(section, statement, "This statement cites input that does not exist.")]
    source_numbers = set(numbers_in(" ".join(visit.text_of(s) for s in statement.sources)))
    strays = [n for n in dict.fromkeys(numbers_in(statement.text)) if n not in source_numbers]
    if not strays:
        return []
    listed = ", ".join(strays)
    return [_unsupported(section, statement, f"The number(s) {listed} do not appear in the input.")]


def _unsupported(section: SectionName, statement: Statement, message: str) -> Finding:
    return Finding(
        kind=FindingKind.UNSUPPORTED_STATEMENT,
        severity=Severity.MAJOR,
        section=section,
        statement_id=statement.id,
        message=message,
        spans=statement.sources,
        raised_by=CHECK_NAME,
    )
