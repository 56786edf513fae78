"""Re-check a draft after the clinician edits a section: which findings did the edit remove?

The edited section is read back from the clinician's text. A gap finding is cleared when the
section no longer carries a ``[Needs clinician input: ...]`` flag; any other finding is
cleared when its words are gone from the section or the verifier, run again against the same
input, no longer raises it. Text the clinician adds is theirs: it raises no new finding (they
sign for it), so completing a flagged section never blocks sign-off.
"""

import re
from collections.abc import Iterable

from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.findings import Finding, FindingKind
from chartdraft.domain.note import DraftSection, Gap, SectionStatus, Statement
from chartdraft.domain.note_text import BULLET, render_section_body
from chartdraft.domain.records import StoredFinding
from chartdraft.domain.sections import SectionName
from chartdraft.domain.visit import Visit
from chartdraft.verify.verifier import verify

GAP_KINDS = frozenset(
    {
        FindingKind.MISSING_SECTION,
        FindingKind.INSUFFICIENT_INPUT,
        FindingKind.MISSING_REQUIRED_ELEMENT,
    }
)
_FLAG = re.compile(r"^\[Needs clinician input: (?P<need>.+)\]$")


def section_from_text(section: DraftSection, text: str) -> DraftSection:
    """Return ``section`` with its body replaced by the clinician's ``text`` (flags kept as gaps)."""
    statements: list[Statement] = []
    gaps: list[Gap] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if flag := _FLAG.match(line):
            gaps.append(Gap(kind=FindingKind.INSUFFICIENT_INPUT, need=flag["need"]))
        elif line.startswith(BULLET):
            statements.append(_statement(section, number, line[len(BULLET) :], "bullet"))
        else:
            statements.append(_statement(section, number, line, "line"))
    status = SectionStatus.COMPLETE
    if gaps:
        status = SectionStatus.INSUFFICIENT if statements else SectionStatus.MISSING
    return section.model_copy(
        update={"statements": tuple(statements), "gaps": tuple(gaps), "status": status}
    )


def _statement(section: DraftSection, number: int, text: str, form: str) -> Statement:
    # Edited statements cite nothing: the verifier finds their support itself.
    return Statement.model_validate(
        {"id": f"{section.name.value}-e{number}", "text": text, "sources": (), "form": form}
    )


def with_section(draft: SoapDraft, edited: DraftSection) -> SoapDraft:
    """Return ``draft`` with one section replaced."""
    sections = tuple(edited if s.name is edited.name else s for s in draft.sections)
    return draft.model_copy(update={"sections": sections})


def cleared_by_edit(
    visit: Visit | None,
    edited: SoapDraft,
    section: SectionName,
    findings: Iterable[StoredFinding],
) -> list[str]:
    """Return the ids of the open findings in ``section`` that the edit removed."""
    body = render_section_body(edited.section(section)).casefold()
    has_flags = bool(edited.section(section).gaps)
    again: list[Finding] | None = None
    cleared: list[str] = []
    for stored in findings:
        finding = stored.finding
        if not stored.is_open or finding.section is not section:
            continue
        if finding.kind in GAP_KINDS:
            if not has_flags:
                cleared.append(stored.id)
            continue
        if finding.draft_text and finding.draft_text.casefold() not in body:
            cleared.append(stored.id)
            continue
        if visit is None:  # the capture was purged: only an attestation resolves it now
            continue
        again = verify(visit, edited) if again is None else again
        if not any(_same(finding, other) for other in again):
            cleared.append(stored.id)
    return cleared


def _same(before: Finding, after: Finding) -> bool:
    if before.kind is not after.kind or before.section is not after.section:
        return False
    if before.draft_text:
        return (after.draft_text or "").casefold() == before.draft_text.casefold()
    return before.input_text == after.input_text
