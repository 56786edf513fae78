"""Sign, reject or amend a note: the clinician's decisions, each one atomic and on the record."""

from chartdraft.domain.audit import AuditEntry, AuditKind
from chartdraft.domain.errors import ConflictError, InputError, InvalidTransitionError
from chartdraft.domain.practice import Actor
from chartdraft.domain.records import SignedNote, StoredDraft
from chartdraft.domain.review import (
    Checklist,
    ReviewAction,
    ReviewState,
    Role,
    Signature,
    SignOffBlockedError,
    SignOffRequest,
    check_sign_off,
    next_state,
)
from chartdraft.services.clinic import Clinic
from chartdraft.services.delivery import queue_delivery
from chartdraft.services.review import (
    MAX_SECTION_CHARS,
    check_signing_authority,
    open_for_review,
    required_reason,
)
from chartdraft.store.people import Member
from chartdraft.store.records import Records

MAX_NOTE_CHARS = 10 * MAX_SECTION_CHARS


def sign_note(clinic: Clinic, actor: Actor, draft_id: str, checklist: Checklist) -> str:
    """Sign the draft as it stands; return the id of the signed note.

    The state change, the note and its audit event commit together or not at all, and the
    state change is conditional on the version read, so of two clinicians signing at once
    exactly one wins and the other is told the note was signed meanwhile.
    """
    with clinic.acting(actor, "sign a note", Role.CLINICIAN) as (records, member):
        stored = records.drafts.load(draft_id)
        if stored.draft is None:
            raise InvalidTransitionError("The draft was removed by the retention policy.")
        version = open_for_review(records, stored, member, clinic)
        state = next_state(ReviewState.IN_REVIEW if stored.state is ReviewState.DRAFTED
                           else stored.state, ReviewAction.SIGN, member.role)  # fmt: skip
        _check(_request(records, stored, member, checklist), stored)
        now = clinic.clock()
        text = stored.draft.text
        signature = Signature.of(text, member.id, now)
        records.drafts.change(draft_id, version, now, state=state)
        note_id = records.notes.add_note(
            draft_id, stored.encounter_id, 1, text, signature=signature, checklist=checklist
        )
        draft = stored.draft.engine
        records.audit(AuditEntry(
            AuditKind.NOTE_SIGNED, member.id, stored.encounter_id, draft_id, note_id,
            details={"text_sha256": signature.text_sha256, "engine": draft.name,
                     "model": draft.model, "prompt_version": draft.prompt_version,
                     "findings_attested": _attested(stored)},
        ), now)  # fmt: skip
        if clinic.ehr_outbox:
            queue_delivery(records, note_id, member.id, now)
        return note_id


def _check(request: SignOffRequest, stored: StoredDraft) -> None:
    try:
        check_sign_off(request)
    except InvalidTransitionError as exc:
        if not (request.open_major_findings or request.open_flagged_sections):
            raise
        # Name what blocks, so the review screen and the API can point at it.
        flagged = (
            ()
            if stored.draft is None
            else tuple(s.name.value for s in stored.draft.sections if s.gaps)
        )
        ids = tuple(f.id for f in stored.open_major_findings)
        raise SignOffBlockedError(str(exc), ids, flagged) from None


def _request(
    records: Records, stored: StoredDraft, member: Member, checklist: Checklist
) -> SignOffRequest:
    return SignOffRequest(
        signer_id=member.id,
        signer_role=member.role,
        encounter_clinician_id=stored.clinician_id,
        # The encounter's own clinician needs no co-signing right: spare the query.
        cosigner_ids=frozenset()
        if member.id == stored.clinician_id
        else records.people.cosigner_ids(),
        open_major_findings=len(stored.open_major_findings),
        open_flagged_sections=stored.flagged_sections,
        checklist=checklist,
    )


def _attested(stored: StoredDraft) -> int:
    return sum(
        1 for f in stored.findings if f.resolution is not None and f.resolution == "attested"
    )


def reject_note(clinic: Clinic, actor: Actor, draft_id: str, reason: str) -> None:
    """Reject a draft (it will not become a note), with the reason."""
    reason = required_reason(reason, "Rejecting a draft")
    with clinic.acting(actor, "reject a note", Role.CLINICIAN) as (records, member):
        stored = records.drafts.load(draft_id)
        check_signing_authority(member, stored, records.people.cosigner_ids())
        state = next_state(stored.state, ReviewAction.REJECT, member.role)
        now = clinic.clock()
        records.drafts.change(draft_id, stored.version, now, state=state, reason=reason)
        records.audit(
            AuditEntry(AuditKind.NOTE_REJECTED, member.id, stored.encounter_id, draft_id), now
        )


def amend_note(clinic: Clinic, actor: Actor, note_id: str, text: str, reason: str) -> str:
    """Supersede a signed note by a new signed version with a reason; return the new note's id."""
    reason = required_reason(reason, "An amendment")
    if not text.strip() or len(text) > MAX_NOTE_CHARS:
        raise InputError(f"An amended note needs text (at most {MAX_NOTE_CHARS:,} characters).")
    with clinic.acting(actor, "amend a note", Role.CLINICIAN) as (records, member):
        previous = records.notes.note(note_id)
        stored = records.drafts.load(previous.draft_id)
        check_signing_authority(member, stored, records.people.cosigner_ids())
        if records.notes.latest_for_draft(previous.draft_id).id != note_id:
            raise ConflictError("That version was already amended; amend the newest one.")
        if text == previous.text:
            raise InputError("The amended text is the same as the signed note.")
        state = next_state(stored.state, ReviewAction.AMEND, member.role)
        now = clinic.clock()
        signature = Signature.of(text, member.id, now)
        records.drafts.change(stored.id, stored.version, now, state=state)
        new_id = records.notes.add_note(
            stored.id, stored.encounter_id, previous.version + 1, text,
            signature=signature, checklist=None,  # an amendment confirms no checklist
            supersedes_id=note_id,
        )  # fmt: skip
        records.notes.add_amendment(note_id, new_id, reason, member.id, now)
        records.audit(AuditEntry(
            AuditKind.NOTE_AMENDED, member.id, stored.encounter_id, stored.id, new_id,
            details={"previous_note_id": note_id, "version": previous.version + 1,
                     "text_sha256": signature.text_sha256},
        ), now)  # fmt: skip
        if clinic.ehr_outbox:
            # The rollback path: the amendment replaces the note in the EHR too.
            queue_delivery(records, new_id, member.id, now)
        return new_id


def get_note(clinic: Clinic, actor: Actor, note_id: str) -> SignedNote:
    """Return a signed note; refuse one whose text no longer matches its signature."""
    with clinic.acting(actor, "read a note", Role.CLINICIAN, Role.SCRIBE, read_only=True) as (
        records,
        _member,
    ):
        note = records.notes.note(note_id)
    if not note.signature.matches(note.text):
        raise ConflictError("The note's text does not match its signature; report this.")
    return note
