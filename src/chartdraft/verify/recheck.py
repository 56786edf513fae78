"""Re-check a draft after the clinician edits a section: which findings did the edit remove?

The edited section is read back from the clinician's text. A gap finding is cleared when the
section no longer carries a ``[Needs clinician input: ...]`` flag; any other finding is
cleared only when the verifier, run again against the same input, no longer raises it. What
the verifier raises anew is returned too: the service records it for a scribe's edit (the
clinician must see it), and not for the clinician's own words, which their signature covers.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.findings import Finding, FindingKind
from chartdraft.domain.note import DraftSection, Gap, SectionStatus, Statement
from chartdraft.domain.note_text import BULLET
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


@dataclass(frozen=True)
class Recheck:
    """What re-verifying an edited section found: findings it cleared, findings it raised."""

    cleared: tuple[str, ...]
    """Ids of open findings the edit removed."""
    raised: tuple[Finding, ...]
    """Findings in the section that no stored finding matches (text the edit brought in)."""


def recheck_section(
    visit: Visit | None,
    edited: SoapDraft,
    section: SectionName,
    findings: Iterable[StoredFinding],
) -> Recheck:
    """Re-verify ``edited`` against ``visit``: which findings in ``section`` are gone, which are new.

    A finding is cleared only when the verifier, run again, no longer raises it: a cosmetic
    change ("125mcg" for "125 mcg") is the same finding. Without the visit (purged) nothing
    but a gap can be cleared, and nothing is raised.
    """
    stored = list(findings)
    has_flags = bool(edited.section(section).gaps)
    again = [] if visit is None else [f for f in verify(visit, edited) if f.section is section]
    cleared = []
    for each in stored:
        finding = each.finding
        if not each.is_open or finding.section is not section:
            continue
        if finding.kind in GAP_KINDS:
            if not has_flags:
                cleared.append(each.id)
        elif visit is not None and not any(_same(finding, other) for other in again):
            cleared.append(each.id)
    known = [each.finding for each in stored]
    raised = tuple(
        f.model_copy(update={"raised_by": "recheck"})
        for f in again
        if not any(_same(old, f) for old in known)
    )
    return Recheck(tuple(cleared), raised)


def cleared_by_edit(
    visit: Visit | None,
    edited: SoapDraft,
    section: SectionName,
    findings: Iterable[StoredFinding],
) -> list[str]:
    """Return the ids of the open findings in ``section`` that the edit removed."""
    return list(recheck_section(visit, edited, section, findings).cleared)


def _same(before: Finding, after: Finding) -> bool:
    if before.kind is not after.kind or before.section is not after.section:
        return False
    if (
        before.draft_text
        and after.draft_text
        and _plain(before.draft_text) == _plain(after.draft_text)
    ):
        return True
    return before.input_text is not None and before.input_text == after.input_text


def _plain(text: str) -> str:
    # Spacing, case and punctuation do not make a different claim: "125mcg" is "125 mcg".
    return "".join(ch for ch in text.casefold() if ch.isalnum())
