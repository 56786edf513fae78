"""Review a draft: open it, edit sections, resolve findings, move it to or from the exception queue."""

import difflib
from dataclasses import dataclass

from chartdraft.domain.audit import AuditEntry, AuditKind
from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.errors import (
    InputError,
    InvalidTransitionError,
    NotAllowedError,
    NotFoundError,
)
from chartdraft.domain.note_text import render_section_body
from chartdraft.domain.practice import Actor
from chartdraft.domain.records import QueueItem, Resolution, StoredDraft, StoredFinding
from chartdraft.domain.review import ReviewAction, ReviewState, Role, next_state
from chartdraft.domain.sections import SectionName
from chartdraft.domain.visit import Visit
from chartdraft.services.clinic import Clinic
from chartdraft.store.people import Member
from chartdraft.store.records import Records
from chartdraft.verify.recheck import (
    cleared_by_edit,
    recheck_section,
    section_from_text,
    with_section,
)

READ_ROLES = (Role.CLINICIAN, Role.SCRIBE)
EDIT_ROLES = (Role.CLINICIAN, Role.SCRIBE)
MAX_SECTION_CHARS = 20_000
MAX_REASON_CHARS = 2_000


@dataclass(frozen=True)
class EditResult:
    """What one section edit did: the draft's new version and the findings it cleared."""

    version: int
    revision: int
    cleared: tuple[str, ...]


def get_draft(clinic: Clinic, actor: Actor, draft_id: str) -> StoredDraft:
    """Return a draft with its findings and review state."""
    with clinic.acting(actor, "read a draft", *READ_ROLES, read_only=True) as (records, _member):
        return records.drafts.load(draft_id)


@dataclass(frozen=True)
class ReviewView:
    """What the review screen shows: the draft and the visit it was drafted from."""

    draft: StoredDraft
    visit: Visit | None
    """None once the retention purge removed the capture."""


def review_view(clinic: Clinic, actor: Actor, draft_id: str) -> ReviewView:
    """Return a draft with the captured visit beside it."""
    with clinic.acting(actor, "read a draft", *READ_ROLES, read_only=True) as (records, _member):
        stored = records.drafts.load(draft_id)
        return ReviewView(stored, records.encounters.visit(records.drafts.capture_id(draft_id)))


def review_queue(clinic: Clinic, actor: Actor, *, everyone: bool = False) -> list[QueueItem]:
    """Return drafts awaiting review, oldest first: a clinician's own; the practice's for others.

    ``everyone`` lets a clinician who co-signs see the practice's queue too.
    """
    with clinic.acting(actor, "see the review queue", *READ_ROLES, Role.ADMIN, read_only=True) as (
        records,
        member,
    ):
        mine = member.role is Role.CLINICIAN and not (everyone and member.may_cosign)
        return records.drafts.queue(member.id if mine else None)


def check_signing_authority(member: Member, stored: StoredDraft, cosigners: frozenset[str]) -> None:
    """Refuse anyone but the encounter's clinician or a co-signer (who may sign, reject, attest)."""
    if member.role is not Role.CLINICIAN or (
        member.id != stored.clinician_id and member.id not in cosigners
    ):
        raise NotAllowedError(
            "Only the encounter's clinician, or one the practice allows to co-sign, may do that."
        )


def open_for_review(records: Records, draft: StoredDraft, member: Member, clinic: Clinic) -> int:
    """Move a ``drafted`` draft to ``in_review`` (the first touch opens it); return its version."""
    if draft.state is not ReviewState.DRAFTED:
        return draft.version
    state = next_state(draft.state, ReviewAction.OPEN, member.role)
    now = clinic.clock()
    version = records.drafts.change(draft.id, draft.version, now, state=state)
    records.audit(_entry(AuditKind.DRAFT_OPENED, member, draft), now)
    return version


def edit_section(
    clinic: Clinic, actor: Actor, draft_id: str, section: SectionName, text: str
) -> EditResult:
    """Replace one section's text, record the revision, and clear the findings the edit removed."""
    text = _section_text(text)
    with clinic.acting(actor, "edit a draft", *EDIT_ROLES) as (records, member):
        stored = records.drafts.load(draft_id)
        content = _editable(stored)
        before = render_section_body(content.section(section))
        edited = with_section(content, section_from_text(content.section(section), text))
        after = render_section_body(edited.section(section))
        if after == before:
            return EditResult(stored.version, 0, ())
        version = open_for_review(records, stored, member, clinic)
        visit = records.encounters.visit(records.drafts.capture_id(draft_id))
        found = recheck_section(visit, edited, section, stored.findings)
        cleared = list(found.cleared)
        # A scribe's words are checked like the engine's: the clinician signs them, and must
        # see what the verifier finds in them. The clinician's own words are theirs.
        raised = (
            0
            if member.role is Role.CLINICIAN
            else records.drafts.add_findings(draft_id, found.raised)
        )
        now = clinic.clock()
        version = records.drafts.change(draft_id, version, now, content=edited)
        diff = "\n".join(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm=""))
        number = records.drafts.add_revision(draft_id, section.value, diff, member.id, now)
        records.audit(_entry(AuditKind.DRAFT_EDITED, member, stored, section=section.value,
                             revision=number, findings_cleared=len(cleared),
                             findings_raised=raised), now)  # fmt: skip
        by_id = {f.id: f for f in stored.findings}
        for finding_id in cleared:
            records.drafts.resolve(finding_id, Resolution.EDITED, member.id, now)
            records.audit(_resolved(member, stored, by_id[finding_id], Resolution.EDITED), now)
        return EditResult(version, number, tuple(cleared))


def _section_text(text: str) -> str:
    if len(text) > MAX_SECTION_CHARS:
        raise InputError(f"A section may hold at most {MAX_SECTION_CHARS:,} characters.")
    if not text.strip():
        raise InputError("A section cannot be left empty; write its content or keep its flag.")
    if any(ord(ch) < 32 and ch not in "\n\t\r" for ch in text):
        raise InputError("The section contains a control character; remove it and try again.")
    return text


def _editable(stored: StoredDraft) -> SoapDraft:
    if stored.state not in (ReviewState.DRAFTED, ReviewState.IN_REVIEW):
        raise InvalidTransitionError(
            f"A {stored.state.value.replace('_', ' ')} note cannot be edited"
            + ("; amend it instead." if stored.state is ReviewState.SIGNED else ".")
        )
    if stored.draft is None:
        raise InvalidTransitionError("The draft was removed by the retention policy.")
    return stored.draft


def resolve_finding(
    clinic: Clinic,
    actor: Actor,
    draft_id: str,
    finding_id: str,
    resolution: Resolution,
    *,
    reason: str | None = None,
) -> None:
    """Resolve a finding: confirm an edit removed it (re-verified), or attest to it with a reason."""
    if resolution is Resolution.ATTESTED:
        reason = required_reason(reason, "An attestation")
    with clinic.acting(actor, "resolve a finding", Role.CLINICIAN) as (records, member):
        stored = records.drafts.load(draft_id)
        content = _editable(stored)
        # Resolving a blocking finding is part of signing: the same clinicians may do it.
        check_signing_authority(member, stored, records.people.cosigner_ids())
        finding = _open_finding(stored, finding_id)
        if resolution is Resolution.EDITED:
            visit = records.encounters.visit(records.drafts.capture_id(draft_id))
            section = finding.finding.section
            if section is None or finding_id not in cleared_by_edit(
                visit, content, section, [finding]
            ):
                raise InvalidTransitionError(
                    "The finding is still in the text; edit it away or attest to it with a reason."
                )
        version = open_for_review(records, stored, member, clinic)
        now = clinic.clock()
        records.drafts.change(draft_id, version, now)
        records.drafts.resolve(finding_id, resolution, member.id, now, reason)
        records.audit(_resolved(member, stored, finding, resolution), now)


def _open_finding(stored: StoredDraft, finding_id: str) -> StoredFinding:
    for finding in stored.findings:
        if finding.id == finding_id:
            if not finding.is_open:
                raise InvalidTransitionError("The finding is already resolved.")
            return finding
    raise NotFoundError("No such finding on this draft.")


def required_reason(reason: str | None, what: str) -> str:
    """Return the reason stripped, or raise InputError saying what needs one."""
    cleaned = (reason or "").strip()
    if not cleaned:
        raise InputError(f"{what} needs a reason.")
    if len(cleaned) > MAX_REASON_CHARS:
        raise InputError(f"A reason may hold at most {MAX_REASON_CHARS:,} characters.")
    return cleaned


def escalate(clinic: Clinic, actor: Actor, draft_id: str, reason: str) -> None:
    """Send a draft nobody can finish to the exception queue, with the reason."""
    reason = required_reason(reason, "Escalating")
    _move(clinic, actor, draft_id, ReviewAction.ESCALATE, AuditKind.DRAFT_ESCALATED, reason=reason)


def return_to_review(clinic: Clinic, actor: Actor, draft_id: str) -> None:
    """Bring an escalated draft back to review."""
    _move(clinic, actor, draft_id, ReviewAction.RETURN, AuditKind.DRAFT_RETURNED, reason=None)


def _move(
    clinic: Clinic,
    actor: Actor,
    draft_id: str,
    action: ReviewAction,
    kind: AuditKind,
    *,
    reason: str | None,
) -> None:
    with clinic.acting(actor, f"{action.value} a draft") as (records, member):
        stored = records.drafts.load(draft_id)
        state = next_state(stored.state, action, member.role)
        now = clinic.clock()
        records.drafts.change(draft_id, stored.version, now, state=state, reason=reason)
        records.audit(_entry(kind, member, stored), now)


def _entry(kind: AuditKind, member: Member, draft: StoredDraft, **details: str | int) -> AuditEntry:
    return AuditEntry(kind, member.id, draft.encounter_id, draft.id, details=dict(details))


def _resolved(
    member: Member, draft: StoredDraft, finding: StoredFinding, resolution: Resolution
) -> AuditEntry:
    # The kind and severity, never the words: those are the patient's.
    return _entry(
        AuditKind.FINDING_RESOLVED, member, draft, finding_id=finding.id,
        finding_kind=finding.finding.kind.value, severity=finding.finding.severity.value,
        resolution=resolution.value,
    )  # fmt: skip
