"""The audit trail: a hash chain per practice that reports the first edited, deleted or moved event."""

import json

import pytest
from sqlalchemy import select, text

from chartdraft.domain.review import Checklist
from chartdraft.services.clinic import Clinic
from chartdraft.services.signing import sign_note
from chartdraft.services.upkeep import verify_audit
from chartdraft.store.database import Database
from chartdraft.store.tables import AuditEventRow, DraftRow, NoteRow
from tests.storage.conftest import Team, make_team
from tests.storage.visits import (
    HYPOTHYROID,
    PATIENT,
    InventingEngine,
    SendingEngine,
    recorded_draft,
)


def _signed(clinic: Clinic, team: Team) -> None:
    draft_id = recorded_draft(clinic, team.clinician)
    sign_note(clinic, team.clinician, draft_id, Checklist(True, True, True, True))


def _rows(database: Database, practice_id: str) -> list[AuditEventRow]:
    with database.sessions() as session:
        query = select(AuditEventRow).where(AuditEventRow.practice_id == practice_id)
        return list(session.scalars(query.order_by(AuditEventRow.id)))


def _tamper(database: Database, sql: str, **params: object) -> None:
    """Change the audit table behind the application's back (triggers off, as an intruder would)."""
    with database.engine.begin() as connection:
        if database.is_sqlite:
            for name in ("audit_events_no_update", "audit_events_no_delete"):
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
            connection.execute(text(sql), params)
        else:
            connection.exec_driver_sql(
                "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"
            )
            connection.execute(text(sql), params)
            connection.exec_driver_sql(
                "ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only"
            )


def _report(clinic: Clinic, team: Team):
    (report,) = verify_audit(clinic.records, team.practice_id)
    return report


def test_an_untouched_chain_verifies(clinic: Clinic, team: Team):
    kinds = [row.kind for row in _rows(clinic.records.database, team.practice_id)]
    assert kinds == ["auth.user_created"] * 6  # the team's six people
    _signed(clinic, team)
    report = _report(clinic, team)
    assert report.intact
    assert report.events == len(_rows(clinic.records.database, team.practice_id))
    assert report.events >= 4


def test_an_edited_event_is_reported_at_its_place(clinic: Clinic, team: Team):
    _signed(clinic, team)
    rows = _rows(clinic.records.database, team.practice_id)
    target = rows[2]
    _tamper(clinic.records.database, "UPDATE audit_events SET details = :d WHERE id = :id",
            d=json.dumps({"engine": "something-else"}), id=target.id)  # fmt: skip
    report = _report(clinic, team)
    assert not report.intact
    assert report.broken.seq == target.seq
    assert "changed" in report.broken.reason


def test_a_deleted_event_is_reported(clinic: Clinic, team: Team):
    _signed(clinic, team)
    rows = _rows(clinic.records.database, team.practice_id)
    _tamper(clinic.records.database, "DELETE FROM audit_events WHERE id = :id", id=rows[1].id)
    report = _report(clinic, team)
    assert report.broken is not None
    assert report.broken.seq == rows[1].seq


def test_deleting_the_newest_event_is_reported(clinic: Clinic, team: Team):
    _signed(clinic, team)
    rows = _rows(clinic.records.database, team.practice_id)
    _tamper(clinic.records.database, "DELETE FROM audit_events WHERE id = :id", id=rows[-1].id)
    report = _report(clinic, team)
    assert report.broken is not None
    assert "practice recorded" in report.broken.reason


def test_reordered_events_are_reported(clinic: Clinic, team: Team):
    _signed(clinic, team)
    a, b = _rows(clinic.records.database, team.practice_id)[1:3]
    # Swap the two events' places in the chain (their sequence numbers).
    _tamper(clinic.records.database, "UPDATE audit_events SET seq = -1 WHERE id = :id", id=a.id)
    _tamper(
        clinic.records.database, "UPDATE audit_events SET seq = :s WHERE id = :id", s=a.seq, id=b.id
    )
    _tamper(
        clinic.records.database, "UPDATE audit_events SET seq = :s WHERE id = :id", s=b.seq, id=a.id
    )
    report = _report(clinic, team)
    assert report.broken is not None
    assert report.broken.seq == a.seq


def test_the_database_refuses_to_change_or_delete_audit_events(clinic: Clinic, team: Team):
    _signed(clinic, team)
    row = _rows(clinic.records.database, team.practice_id)[0]
    for sql in (
        "UPDATE audit_events SET kind = 'x' WHERE id = :id",
        "DELETE FROM audit_events WHERE id = :id",
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            clinic.records.database.engine.begin() as c,
        ):
            c.execute(text(sql), {"id": row.id})
    assert _report(clinic, team).intact


def test_one_practices_tampering_does_not_break_anothers_chain(clinic: Clinic, team: Team):

    other = make_team(clinic)
    _signed(clinic, team)
    _signed(clinic, other)
    row = _rows(clinic.records.database, other.practice_id)[1]
    _tamper(
        clinic.records.database,
        "UPDATE audit_events SET kind = 'auth.login' WHERE id = :id",
        id=row.id,
    )
    assert _report(clinic, team).intact
    assert not verify_audit(clinic.records, other.practice_id)[0].intact


def test_events_name_the_engine_and_carry_no_phi(clinic: Clinic, team: Team):
    draft_id = recorded_draft(clinic, team.clinician, engine=InventingEngine())
    assert draft_id
    rows = _rows(clinic.records.database, team.practice_id)
    created = next(r for r in rows if r.kind == "draft.created")
    details = json.loads(created.details)
    assert details["engine"] == "inventing"
    assert "findings" in details
    dump = " ".join(f"{r.kind} {r.details}" for r in rows)
    phi = [
        PATIENT.display_name,
        PATIENT.mrn,
        PATIENT.birth_date,
        "levothyroxine",
        "cold intolerance",
    ]
    assert HYPOTHYROID
    assert not [value for value in phi if value and value.lower() in dump.lower()]


def test_every_change_leaves_its_event_in_the_same_transaction(clinic: Clinic, team: Team):

    _signed(clinic, team)
    rows = _rows(clinic.records.database, team.practice_id)
    with clinic.records.database.sessions() as session:
        notes = session.scalars(
            select(NoteRow).where(NoteRow.practice_id == team.practice_id)
        ).all()
        drafts = session.scalars(
            select(DraftRow).where(DraftRow.practice_id == team.practice_id)
        ).all()
    assert len([r for r in rows if r.kind == "note.signed"]) == len(notes) == 1
    assert len([r for r in rows if r.kind == "draft.created"]) == len(drafts) == 1
    assert {r.note_id for r in rows if r.kind == "note.signed"} == {notes[0].id}


def test_the_chain_cannot_be_emptied_or_wound_back(clinic: Clinic, team: Team):
    _signed(clinic, team)
    database = clinic.records.database
    attempts = ["UPDATE practices SET audit_seq = 0, audit_head = '' WHERE id = :id"]
    if not database.is_sqlite:
        attempts.append("TRUNCATE audit_events")
        attempts.append("TRUNCATE notes CASCADE")
    for sql in attempts:
        with pytest.raises(Exception, match="chartdraft"), database.engine.begin() as connection:
            connection.execute(text(sql), {"id": team.practice_id})
    assert _report(clinic, team).intact


def test_the_database_refuses_to_change_or_delete_a_signed_note(clinic: Clinic, team: Team):
    _signed(clinic, team)
    for sql in (
        "UPDATE notes SET text_sha256 = 'x' WHERE practice_id = :p",
        "UPDATE notes SET signer_id = signer_id, signed_at = signed_at, version = 2 WHERE practice_id = :p",
        "DELETE FROM notes WHERE practice_id = :p",
    ):
        with (
            pytest.raises(Exception, match=r"never changes|append-only"),
            clinic.records.database.engine.begin() as c,
        ):
            c.execute(text(sql), {"p": team.practice_id})


def test_a_visit_sent_out_leaves_an_egress_event_with_counts_only(clinic: Clinic, team: Team):
    draft_id = recorded_draft(clinic, team.clinician, engine=SendingEngine())
    rows = _rows(clinic.records.database, team.practice_id)
    (egress,) = [r for r in rows if r.kind == "egress"]
    details = json.loads(egress.details)
    assert egress.draft_id == draft_id
    assert details["host"] == "api.example.com"
    assert details["pseudonymized"] is True
    assert details["identifiers_found"] == 3
    assert details["engine"] == "sending"
    assert PATIENT.display_name not in egress.details
