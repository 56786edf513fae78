"""Races, failures half-way, tenants and encryption at rest, on both databases."""

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from chartdraft.domain.audit import AuditKind
from chartdraft.domain.errors import ChartdraftError, NotFoundError
from chartdraft.domain.practice import Actor
from chartdraft.domain.records import Resolution
from chartdraft.domain.review import Checklist, ReviewState
from chartdraft.domain.sections import SectionName
from chartdraft.services import signing
from chartdraft.services.clinic import Clinic
from chartdraft.services.drafting import DraftingService
from chartdraft.services.encounters import NewEncounter, create_encounter
from chartdraft.services.review import edit_section, get_draft, resolve_finding, review_queue
from chartdraft.services.signing import amend_note, get_note, sign_note
from chartdraft.services.upkeep import rotate_keys, verify_audit
from chartdraft.store.crypto import (
    DecryptionError,
    FieldCipher,
    load_key_file,
    load_or_create_key_file,
)
from chartdraft.store.database import Database
from chartdraft.store.migrate import upgrade
from chartdraft.store.records import Records, RecordStore
from chartdraft.store.tables import NoteRow
from tests.storage.conftest import Clock, Team, make_team
from tests.storage.visits import HYPOTHYROID, PATIENT, InventingEngine, recorded_draft

CONFIRMED = Checklist(True, True, True, True)


def _notes(clinic: Clinic, draft_id: str) -> list[NoteRow]:
    with clinic.records.database.sessions() as session:
        return list(session.scalars(select(NoteRow).where(NoteRow.draft_id == draft_id)))


def test_two_clinicians_signing_at_once_exactly_one_wins(
    clinic: Clinic, team: Team, monkeypatch: pytest.MonkeyPatch
):
    draft_id = recorded_draft(clinic, team.clinician)
    edit_section(
        clinic, team.clinician, draft_id, SectionName.PLAN, "- Continue levothyroxine 75 mcg daily."
    )
    # Both read the draft before either writes: the rules check pauses long enough for that.
    checked = signing.check_sign_off

    def slow_check(request: object) -> None:
        checked(request)  # type: ignore[arg-type]
        time.sleep(0.3)

    monkeypatch.setattr(signing, "check_sign_off", slow_check)
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def sign(who: Actor, name: str) -> None:
        barrier.wait()
        try:
            outcomes[name] = sign_note(clinic, who, draft_id, CONFIRMED)
        except ChartdraftError as exc:
            outcomes[name] = exc

    threads = [threading.Thread(target=sign, args=(a, n)) for a, n in
               ((team.clinician, "clinician"), (team.cosigner, "cosigner"))]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [v for v in outcomes.values() if isinstance(v, str)]
    losers = [v for v in outcomes.values() if isinstance(v, ChartdraftError)]
    assert len(winners) == 1, outcomes
    assert len(losers) == 1, outcomes
    assert "signed" in str(losers[0]) or "changed" in str(losers[0])
    assert [n.id for n in _notes(clinic, draft_id)] == winners
    assert verify_audit(clinic.records, team.practice_id)[0].intact


def test_a_failure_in_the_middle_of_signing_leaves_nothing_half_written(
    clinic: Clinic, team: Team, monkeypatch: pytest.MonkeyPatch
):
    draft_id = recorded_draft(clinic, team.clinician)
    edit_section(
        clinic, team.clinician, draft_id, SectionName.PLAN, "- Continue levothyroxine 75 mcg daily."
    )
    appended = Records.audit

    def failing_audit(self: Records, entry, at):  # type: ignore[no-untyped-def]
        if entry.kind is AuditKind.NOTE_SIGNED:  # after the state change and the note insert
            raise OSError("disk full")
        return appended(self, entry, at)

    monkeypatch.setattr(Records, "audit", failing_audit)
    with pytest.raises(OSError, match="disk full"):
        sign_note(clinic, team.clinician, draft_id, CONFIRMED)
    monkeypatch.undo()

    assert _notes(clinic, draft_id) == []
    assert get_draft(clinic, team.clinician, draft_id).state is ReviewState.IN_REVIEW
    report = verify_audit(clinic.records, team.practice_id)[0]
    assert report.intact
    note_id = sign_note(clinic, team.clinician, draft_id, CONFIRMED)
    assert [n.id for n in _notes(clinic, draft_id)] == [note_id]


def test_nothing_across_tenants_is_readable_or_writable(clinic: Clinic, team: Team):
    other = make_team(clinic)
    draft_id = recorded_draft(clinic, team.clinician, engine=InventingEngine())
    finding = get_draft(clinic, team.clinician, draft_id).open_major_findings[0]
    note_draft = recorded_draft(clinic, team.clinician)
    note_id = sign_note(clinic, team.clinician, note_draft, CONFIRMED)
    intruder = other.clinician
    attempts = [
        lambda: get_draft(clinic, intruder, draft_id),
        lambda: edit_section(clinic, intruder, draft_id, SectionName.PLAN, "- Stop everything."),
        lambda: resolve_finding(
            clinic, intruder, draft_id, finding.id, Resolution.ATTESTED, reason="x"
        ),
        lambda: sign_note(clinic, intruder, draft_id, CONFIRMED),
        lambda: get_note(clinic, intruder, note_id),
        lambda: amend_note(clinic, intruder, note_id, "Changed.", "Because."),
    ]
    for attempt in attempts:
        with pytest.raises(NotFoundError):
            attempt()
    assert review_queue(clinic, intruder, everyone=True) == []
    # An actor naming the other practice with this practice's user id is not found either.
    forged = Actor(team.clinician.user_id, other.practice_id, team.clinician.role)
    with pytest.raises(NotFoundError):
        get_draft(clinic, forged, draft_id)
    stored = get_draft(clinic, team.clinician, draft_id)
    patient_id = _patient_of(clinic, team, stored.encounter_id)
    with pytest.raises(NotFoundError):
        create_encounter(clinic, intruder, NewEncounter(capture=HYPOTHYROID, patient_id=patient_id))
    assert get_draft(clinic, team.clinician, draft_id).open_major_findings


def _patient_of(clinic: Clinic, team: Team, encounter_id: str) -> str:
    with clinic.records.practice(team.practice_id) as records:
        return records.encounters.encounter(encounter_id).patient_id


def test_phi_columns_hold_only_ciphertext(clinic: Clinic, team: Team):
    draft_id = recorded_draft(clinic, team.clinician)
    sign_note(clinic, team.clinician, draft_id, CONFIRMED)
    secrets = [
        PATIENT.display_name,
        PATIENT.mrn,
        PATIENT.birth_date,
        "levothyroxine",
        "cold intolerance",
    ]
    tables = ["patients", "captures", "drafts", "findings", "notes", "revisions", "audit_events"]
    with clinic.records.database.engine.connect() as connection:
        dump = " ".join(
            " ".join(str(value) for value in row)
            for table in tables
            for row in connection.execute(text(f"SELECT * FROM {table}"))  # noqa: S608
        )
    assert "v1:" in dump
    assert [s for s in secrets if s and s in dump] == []


def test_rotating_the_key_reencrypts_everything_and_keeps_it_readable(
    empty_database: Database, service: DraftingService, tmp_path: Path
):
    # Rotation re-encrypts the whole database, so this test has one of its own.
    upgrade(empty_database)
    key_path = tmp_path / "keys.json"
    store = RecordStore(empty_database, FieldCipher(load_or_create_key_file(key_path)))
    clock = Clock()
    before = Clinic(records=store, drafting=service, clock=clock)
    mine = make_team(before)
    draft_id = recorded_draft(before, mine.clinician)
    note_id = sign_note(before, mine.clinician, draft_id, CONFIRMED)
    text_before = get_note(before, mine.clinician, note_id).text

    count = rotate_keys(store, key_path, clock())

    keyring = load_key_file(key_path)
    assert count > 0
    assert list(keyring.keys) == [keyring.current] != ["k1"]
    after = Clinic(records=RecordStore(empty_database, FieldCipher(keyring)),
                   drafting=service, clock=clock)  # fmt: skip
    assert get_note(after, mine.clinician, note_id).text == text_before
    assert get_draft(after, mine.clinician, draft_id).draft is not None
    with empty_database.engine.connect() as connection:
        tokens = connection.execute(
            text("SELECT text_enc FROM notes WHERE id = :id"), {"id": note_id}
        )
        assert tokens.scalar_one().startswith(f"v1:{keyring.current}:")
    assert verify_audit(store, mine.practice_id)[0].intact


def test_a_ciphertext_moved_to_another_practices_row_does_not_decrypt(clinic: Clinic, team: Team):
    other = make_team(clinic)
    mine = recorded_draft(clinic, team.clinician)
    theirs = recorded_draft(clinic, other.clinician)
    with clinic.records.database.engine.begin() as connection:
        content = connection.execute(
            text("SELECT content_enc FROM drafts WHERE id = :id"), {"id": mine}
        ).scalar_one()
        connection.execute(
            text("UPDATE drafts SET content_enc = :c WHERE id = :id"), {"c": content, "id": theirs}
        )
    with pytest.raises(DecryptionError):
        get_draft(clinic, other.clinician, theirs)


def test_readers_do_not_wait_for_a_writer(clinic: Clinic, team: Team):
    recorded_draft(clinic, team.clinician)
    holding, release = threading.Event(), threading.Event()

    def long_write() -> None:
        with clinic.records.practice(team.practice_id) as records:
            records.people.member(team.clinician.user_id)
            holding.set()
            release.wait(timeout=10)

    writer = threading.Thread(target=long_write)
    writer.start()
    assert holding.wait(timeout=10)
    started = time.monotonic()
    queue = review_queue(clinic, team.clinician)
    waited = time.monotonic() - started
    release.set()
    writer.join(timeout=10)
    assert len(queue) == 1
    assert waited < 1.0, f"a read waited {waited:.2f} s for a writer"
