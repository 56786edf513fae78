"""Retention: captures and unsigned drafts are emptied after N days; signed notes and audit stay."""

from datetime import timedelta

from chartdraft.domain.audit import AuditKind
from chartdraft.domain.review import Checklist
from chartdraft.services.clinic import Clinic
from chartdraft.services.review import get_draft
from chartdraft.services.signing import get_note, sign_note
from chartdraft.services.upkeep import RetentionPolicy, purge_expired, verify_audit
from chartdraft.store.audit_chain import list_events
from tests.storage.conftest import Team
from tests.storage.visits import recorded_draft


def test_a_purge_empties_old_text_and_keeps_signed_notes_and_the_trail(clinic: Clinic, team: Team):
    signed_draft = recorded_draft(clinic, team.clinician)
    note_id = sign_note(clinic, team.clinician, signed_draft, Checklist(True, True, True, True))
    open_draft = recorded_draft(clinic, team.clinician)
    now = clinic.clock() + timedelta(days=31)

    counts = purge_expired(clinic.records, RetentionPolicy(30, 30), now)[team.practice_id]

    assert (counts.captures, counts.drafts) == (2, 1)
    assert get_draft(clinic, team.clinician, open_draft).draft is None
    assert get_draft(clinic, team.clinician, signed_draft).draft is not None
    assert get_note(clinic, team.clinician, note_id).signature.matches(
        get_note(clinic, team.clinician, note_id).text
    )
    with clinic.records.practice(team.practice_id) as records:
        assert records.encounters.capture_text(records.drafts.capture_id(open_draft)) is None
    with clinic.records.unscoped() as session:
        (event,) = list_events(session, team.practice_id, kind=AuditKind.RETENTION_PURGED)
    assert event.entry.details == {
        "captures": 2,
        "drafts": 1,
        "recordings": 0,
        "capture_days": 30,
        "unsigned_draft_days": 30,
    }
    assert verify_audit(clinic.records, team.practice_id)[0].intact


def test_nothing_younger_than_the_limit_is_purged(clinic: Clinic, team: Team):
    draft_id = recorded_draft(clinic, team.clinician)
    counts = purge_expired(clinic.records, RetentionPolicy(30, None), clinic.clock())[
        team.practice_id
    ]
    assert (counts.captures, counts.drafts) == (0, 0)
    assert get_draft(clinic, team.clinician, draft_id).draft is not None
