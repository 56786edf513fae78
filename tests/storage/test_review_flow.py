"""The review workflow end to end on a real database: capture, draft, edit, resolve, sign, amend."""

import pytest

from chartdraft.domain.audit import AuditKind
from chartdraft.domain.errors import (
    ConflictError,
    InputError,
    InvalidTransitionError,
    NotAllowedError,
)
from chartdraft.domain.findings import FindingKind, Severity
from chartdraft.domain.note_text import render_section_body
from chartdraft.domain.records import Resolution
from chartdraft.domain.review import Checklist, ReviewState
from chartdraft.domain.sections import SectionName
from chartdraft.services.clinic import Clinic
from chartdraft.services.encounters import NewEncounter, create_encounter, draft_encounter
from chartdraft.services.review import (
    edit_section,
    escalate,
    get_draft,
    resolve_finding,
    return_to_review,
    review_queue,
)
from chartdraft.services.signing import amend_note, get_note, reject_note, sign_note
from chartdraft.store.audit_chain import list_events
from tests.storage.conftest import Team
from tests.storage.visits import (
    HYPOTHYROID,
    MISSING_SECTIONS,
    PATIENT,
    InventingEngine,
    recorded_draft,
)

CONFIRMED = Checklist(True, True, True, True)


def _kinds(clinic: Clinic, team: Team) -> list[str]:
    with clinic.records.unscoped() as session:
        events = list_events(session, team.practice_id, limit=1000)
    return [e.entry.kind.value for e in reversed(events)]


def test_a_faithful_draft_is_signed_and_the_signature_covers_its_text(clinic: Clinic, team: Team):
    draft_id = recorded_draft(clinic, team.clinician)
    stored = get_draft(clinic, team.clinician, draft_id)
    assert stored.state is ReviewState.DRAFTED
    assert not stored.open_major_findings

    note_id = sign_note(clinic, team.clinician, draft_id, CONFIRMED)

    note = get_note(clinic, team.clinician, note_id)
    assert note.text == stored.draft.text
    assert note.signature.matches(note.text)
    assert note.signature.signer_id == team.clinician.user_id
    assert get_draft(clinic, team.clinician, draft_id).state is ReviewState.SIGNED
    assert _kinds(clinic, team)[-3:] == ["draft.created", "draft.opened", "note.signed"]


def test_an_invented_dose_blocks_sign_off_until_edited_away(clinic: Clinic, team: Team):
    draft_id = recorded_draft(clinic, team.clinician, engine=InventingEngine())
    stored = get_draft(clinic, team.clinician, draft_id)
    blocking = stored.open_major_findings
    assert blocking, "the invented 125 mcg must be a major finding"
    assert all(f.finding.section is SectionName.PLAN for f in blocking)

    with pytest.raises(InvalidTransitionError, match="major finding"):
        sign_note(clinic, team.clinician, draft_id, CONFIRMED)

    plan = render_section_body(stored.draft.section(SectionName.PLAN))
    result = edit_section(
        clinic, team.clinician, draft_id, SectionName.PLAN, plan.replace("125 mcg", "75 mcg")
    )
    assert set(result.cleared) >= {f.id for f in blocking}
    after = get_draft(clinic, team.clinician, draft_id)
    assert not after.open_major_findings
    assert after.state is ReviewState.IN_REVIEW
    assert all(f.resolution is Resolution.EDITED for f in after.findings if f.id in result.cleared)
    note_id = sign_note(clinic, team.clinician, draft_id, CONFIRMED)
    assert "75 mcg" in get_note(clinic, team.clinician, note_id).text
    assert "finding.resolved" in _kinds(clinic, team)


def test_an_edit_that_keeps_the_invented_words_clears_nothing(clinic: Clinic, team: Team):
    draft_id = recorded_draft(clinic, team.clinician, engine=InventingEngine())
    stored = get_draft(clinic, team.clinician, draft_id)
    plan = render_section_body(stored.draft.section(SectionName.PLAN))
    result = edit_section(
        clinic, team.clinician, draft_id, SectionName.PLAN, plan + "\nCall if worse."
    )
    assert result.cleared == ()
    assert get_draft(clinic, team.clinician, draft_id).open_major_findings
    finding = stored.open_major_findings[0]
    with pytest.raises(InvalidTransitionError, match="still in the text"):
        resolve_finding(clinic, team.clinician, draft_id, finding.id, Resolution.EDITED)


def test_attesting_needs_a_reason_and_then_unblocks(clinic: Clinic, team: Team):
    draft_id = recorded_draft(clinic, team.clinician, engine=InventingEngine())
    blocking = get_draft(clinic, team.clinician, draft_id).open_major_findings
    with pytest.raises(InputError, match="needs a reason"):
        resolve_finding(
            clinic, team.clinician, draft_id, blocking[0].id, Resolution.ATTESTED, reason=" "
        )
    for finding in blocking:
        resolve_finding(
            clinic, team.clinician, draft_id, finding.id, Resolution.ATTESTED,
            reason="Dose was increased at the visit; capture was out of date.",
        )  # fmt: skip
    with pytest.raises(InvalidTransitionError, match="already resolved"):
        resolve_finding(
            clinic, team.clinician, draft_id, blocking[0].id, Resolution.ATTESTED, reason="x"
        )
    sign_note(clinic, team.clinician, draft_id, CONFIRMED)


def test_flagged_sections_block_until_completed(clinic: Clinic, team: Team):
    draft_id = recorded_draft(clinic, team.clinician, MISSING_SECTIONS)
    stored = get_draft(clinic, team.clinician, draft_id)
    assert stored.flagged_sections == 3  # adherence, objective, assessment
    edit_section(
        clinic, team.clinician, draft_id, SectionName.OBJECTIVE, "BP 122/78. Thyroid normal size."
    )
    edit_section(
        clinic, team.clinician, draft_id, SectionName.ASSESSMENT, "Hypothyroidism, stable."
    )
    with pytest.raises(InvalidTransitionError, match="1 flagged section"):
        sign_note(clinic, team.clinician, draft_id, CONFIRMED)
    subjective = render_section_body(stored.draft.section(SectionName.SUBJECTIVE))
    completed = subjective.replace(
        "[Needs clinician input: medication adherence]", "No missed doses."
    )
    edit_section(clinic, team.clinician, draft_id, SectionName.SUBJECTIVE, completed)
    done = get_draft(clinic, team.clinician, draft_id)
    assert done.flagged_sections == 0
    assert not done.open_major_findings
    assert not [
        f for f in done.findings if f.is_open and f.finding.section is SectionName.OBJECTIVE
    ]
    note_id = sign_note(clinic, team.clinician, draft_id, CONFIRMED)
    assert "No missed doses." in get_note(clinic, team.clinician, note_id).text


def test_the_checklist_must_be_confirmed_item_by_item(clinic: Clinic, team: Team):
    draft_id = recorded_draft(clinic, team.clinician)
    with pytest.raises(InvalidTransitionError, match="defensible"):
        sign_note(clinic, team.clinician, draft_id, Checklist(True, True, True, False))
    assert get_draft(clinic, team.clinician, draft_id).state is not ReviewState.SIGNED


@pytest.mark.parametrize("who", ["scribe", "admin", "auditor", "colleague"])
def test_only_the_encounters_clinician_or_a_cosigner_signs(clinic: Clinic, team: Team, who: str):
    draft_id = recorded_draft(clinic, team.clinician)
    with pytest.raises(NotAllowedError):
        sign_note(clinic, getattr(team, who), draft_id, CONFIRMED)
    assert _kinds(clinic, team)[-1] == "access.denied"
    assert sign_note(clinic, team.cosigner, draft_id, CONFIRMED)


def test_a_scribe_captures_and_edits_but_never_signs(clinic: Clinic, team: Team):

    new = NewEncounter(capture=HYPOTHYROID, patient=PATIENT, clinician_id=team.clinician.user_id)
    created = create_encounter(clinic, team.scribe, new)
    draft_id = draft_encounter(clinic, team.scribe, created.encounter_id)
    edit_section(
        clinic, team.scribe, draft_id, SectionName.PLAN, "- Continue levothyroxine 75 mcg daily."
    )
    with pytest.raises(NotAllowedError):
        sign_note(clinic, team.scribe, draft_id, CONFIRMED)
    with pytest.raises(InputError, match="Name the clinician"):
        create_encounter(clinic, team.scribe, NewEncounter(capture=HYPOTHYROID, patient=PATIENT))


def test_a_signed_note_never_changes_and_is_amended_with_a_reason(clinic: Clinic, team: Team):
    draft_id = recorded_draft(clinic, team.clinician)
    note_id = sign_note(clinic, team.clinician, draft_id, CONFIRMED)
    original = get_note(clinic, team.clinician, note_id)
    with pytest.raises(InvalidTransitionError, match="amend it instead"):
        edit_section(clinic, team.clinician, draft_id, SectionName.PLAN, "- Stop levothyroxine.")
    with pytest.raises(InputError, match="needs a reason"):
        amend_note(clinic, team.clinician, note_id, original.text + "\nAddendum.", "")

    amended_id = amend_note(
        clinic,
        team.clinician,
        note_id,
        original.text + "\nAddendum: TSH ordered today.",
        "Late entry.",
    )
    amended = get_note(clinic, team.clinician, amended_id)
    assert (amended.version, amended.supersedes_id, amended.amendment_reason) == (
        2,
        note_id,
        "Late entry.",
    )
    assert get_note(clinic, team.clinician, note_id).text == original.text
    assert get_draft(clinic, team.clinician, draft_id).state is ReviewState.AMENDED
    with pytest.raises(ConflictError, match="already amended"):
        amend_note(clinic, team.clinician, note_id, "Other text.", "Again.")
    assert _kinds(clinic, team)[-1] == "note.amended"


def test_reject_needs_a_reason_and_ends_the_review(clinic: Clinic, team: Team):
    draft_id = recorded_draft(clinic, team.clinician)
    with pytest.raises(InputError):
        reject_note(clinic, team.clinician, draft_id, "  ")
    reject_note(clinic, team.clinician, draft_id, "Wrong patient's dictation.")
    assert get_draft(clinic, team.clinician, draft_id).state is ReviewState.REJECTED
    with pytest.raises(InvalidTransitionError):
        sign_note(clinic, team.clinician, draft_id, CONFIRMED)


def test_escalated_drafts_leave_the_queue_and_come_back(clinic: Clinic, team: Team):
    first = recorded_draft(clinic, team.clinician, engine=InventingEngine())
    second = recorded_draft(clinic, team.clinician, MISSING_SECTIONS)
    queue = review_queue(clinic, team.clinician)
    assert [item.draft_id for item in queue] == [first, second]  # oldest first
    assert queue[0].open_major_findings >= 1
    assert queue[0].flagged_sections == 0
    assert queue[1].flagged_sections == 3
    assert review_queue(clinic, team.colleague) == []

    escalate(clinic, team.scribe, first, "Dictation cut off mid-sentence.")
    assert [item.draft_id for item in review_queue(clinic, team.clinician)] == [second]
    return_to_review(clinic, team.clinician, first)
    assert {item.draft_id for item in review_queue(clinic, team.clinician)} == {first, second}
    assert review_queue(clinic, team.admin, everyone=True)


def test_bad_input_is_refused_before_anything_is_stored(clinic: Clinic, team: Team):

    before = _kinds(clinic, team)
    for capture in (b"", b"\x00\x01binary", b"\xff\xfe\x00h", b"caf\xe9"):
        with pytest.raises(InputError):
            create_encounter(clinic, team.clinician, NewEncounter(capture=capture, patient=PATIENT))
    assert _kinds(clinic, team) == before
    draft_id = recorded_draft(clinic, team.clinician)
    with pytest.raises(InputError, match="empty"):
        edit_section(clinic, team.clinician, draft_id, SectionName.PLAN, "   ")
    with pytest.raises(InputError, match="control character"):
        edit_section(clinic, team.clinician, draft_id, SectionName.PLAN, "ok\x1b[31m")


def test_findings_keep_their_kind_and_severity_in_storage(clinic: Clinic, team: Team):
    draft_id = recorded_draft(clinic, team.clinician, MISSING_SECTIONS)
    kinds = {
        (f.finding.kind, f.finding.severity)
        for f in get_draft(clinic, team.clinician, draft_id).findings
    }
    assert (FindingKind.MISSING_SECTION, Severity.MAJOR) in kinds
    assert AuditKind.DRAFT_CREATED.value in _kinds(clinic, team)


def test_a_cosmetic_edit_does_not_clear_an_invented_dose(clinic: Clinic, team: Team):
    draft_id = recorded_draft(clinic, team.clinician, engine=InventingEngine())
    stored = get_draft(clinic, team.clinician, draft_id)
    plan = render_section_body(stored.draft.section(SectionName.PLAN))
    result = edit_section(
        clinic, team.scribe, draft_id, SectionName.PLAN, plan.replace("125 mcg", "125mcg")
    )
    assert result.cleared == ()
    assert get_draft(clinic, team.clinician, draft_id).open_major_findings


def test_what_a_scribe_adds_is_checked_and_must_be_seen_by_the_clinician(
    clinic: Clinic, team: Team
):
    draft_id = recorded_draft(clinic, team.clinician)
    stored = get_draft(clinic, team.clinician, draft_id)
    assert not stored.open_major_findings
    plan = render_section_body(stored.draft.section(SectionName.PLAN))
    edit_section(
        clinic, team.scribe, draft_id, SectionName.PLAN, plan + "\n- Start warfarin 10 mg daily."
    )
    raised = get_draft(clinic, team.clinician, draft_id).open_major_findings
    assert raised, "the scribe's warfarin must be a finding"
    assert all(f.finding.raised_by == "recheck" for f in raised)
    with pytest.raises(InvalidTransitionError, match="major finding"):
        sign_note(clinic, team.clinician, draft_id, CONFIRMED)


def test_the_clinicians_own_words_raise_no_new_finding(clinic: Clinic, team: Team):
    draft_id = recorded_draft(clinic, team.clinician)
    plan = render_section_body(
        get_draft(clinic, team.clinician, draft_id).draft.section(SectionName.PLAN)
    )
    edit_section(
        clinic,
        team.clinician,
        draft_id,
        SectionName.PLAN,
        plan + "\n- Start vitamin D 1000 IU daily.",
    )
    assert not get_draft(clinic, team.clinician, draft_id).open_major_findings


def test_a_colleague_who_may_not_sign_may_not_attest_either(clinic: Clinic, team: Team):
    draft_id = recorded_draft(clinic, team.clinician, engine=InventingEngine())
    finding = get_draft(clinic, team.clinician, draft_id).open_major_findings[0]
    with pytest.raises(NotAllowedError):
        resolve_finding(
            clinic, team.colleague, draft_id, finding.id, Resolution.ATTESTED, reason="Looks fine."
        )
    resolve_finding(
        clinic, team.cosigner, draft_id, finding.id, Resolution.ATTESTED, reason="Dose confirmed."
    )


def test_an_encounter_is_drafted_once_unless_rejected(clinic: Clinic, team: Team):
    created = create_encounter(
        clinic, team.clinician, NewEncounter(capture=HYPOTHYROID, patient=PATIENT)
    )
    first = draft_encounter(clinic, team.clinician, created.encounter_id)
    with pytest.raises(InvalidTransitionError, match="under review"):
        draft_encounter(clinic, team.scribe, created.encounter_id)
    reject_note(clinic, team.clinician, first, "Redo with the right template.")
    second = draft_encounter(clinic, team.clinician, created.encounter_id)
    sign_note(clinic, team.clinician, second, CONFIRMED)
    with pytest.raises(InvalidTransitionError, match="amend it instead"):
        draft_encounter(clinic, team.clinician, created.encounter_id)
