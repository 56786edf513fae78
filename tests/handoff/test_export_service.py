"""Exporting through the services: who may, what a draft gets, and what the trail records."""

import json

import pytest

from chartdraft.domain.audit import AuditKind
from chartdraft.domain.errors import InvalidTransitionError, NotAllowedError, NotFoundError
from chartdraft.services.clinic import Clinic
from chartdraft.services.export import ExportFormat, export_note
from chartdraft.services.signing import amend_note, get_note
from chartdraft.services.trail import audit_trail
from tests.handoff.conftest import Team, recorded_draft_of, signed_note
from tests.storage.conftest import make_team
from tests.storage.visits import PATIENT


def test_text_export_is_exactly_the_signed_text_and_is_on_the_record(clinic: Clinic, team: Team):
    note_id = signed_note(clinic, team.clinician, PATIENT)
    done = export_note(clinic, team.scribe, note_id, ExportFormat.TEXT)
    assert done.content == get_note(clinic, team.clinician, note_id).text
    assert done.media_type.startswith("text/plain")
    (event,) = audit_trail(clinic, team.auditor, kind=AuditKind.EXPORT_DELIVERED)
    assert event.entry.note_id == note_id
    assert event.entry.actor_id == team.scribe.user_id
    assert dict(event.entry.details) | {"text_sha256": ""} == {
        "format": "text", "destination": "api", "version": 1, "text_sha256": ""}  # fmt: skip
    assert PATIENT.mrn not in json.dumps(dict(event.entry.details))


def test_fhir_export_carries_the_record_and_the_signed_sections(clinic: Clinic, team: Team):
    note_id = signed_note(clinic, team.clinician, PATIENT)
    document = json.loads(export_note(clinic, team.clinician, note_id, ExportFormat.FHIR).content)
    found = {e["resource"]["resourceType"]: e["resource"] for e in document["entry"]}
    assert found["Patient"]["identifier"][0]["value"] == PATIENT.mrn
    assert found["Patient"]["birthDate"] == PATIENT.birth_date
    plan = found["Composition"]["section"][-1]
    assert plan["title"] == "Plan"
    assert "Recheck TSH in 6 weeks." in plan["text"]["div"]
    device = found["Device"]
    assert {n["type"] for n in device["deviceName"]} >= {"user-friendly-name"}
    assert "template" in device["deviceName"][0]["name"]


def test_an_amendment_exports_its_own_text_and_replaces_the_first(clinic: Clinic, team: Team):
    first = signed_note(clinic, team.clinician, PATIENT)
    text = get_note(clinic, team.clinician, first).text.replace("3 months", "4 months")
    amended = amend_note(clinic, team.clinician, first, text, "Interval corrected.")
    document = json.loads(export_note(clinic, team.clinician, amended, ExportFormat.FHIR).content)
    found = {e["resource"]["resourceType"]: e["resource"] for e in document["entry"]}
    assert found["DocumentReference"]["relatesTo"][0]["code"] == "replaces"
    assert found["DocumentReference"]["relatesTo"][0]["target"]["identifier"]["value"] == first
    assert "4 months" in found["Composition"]["section"][-1]["text"]["div"]


def test_a_draft_is_refused_with_a_sentence_naming_it(clinic: Clinic, team: Team):
    draft_id = recorded_draft_of(clinic, team.clinician, PATIENT)
    with pytest.raises(
        InvalidTransitionError,
        match=f"Only a signed note can be exported, and {draft_id} is a draft",
    ):
        export_note(clinic, team.clinician, draft_id, ExportFormat.TEXT)


def test_the_draft_of_a_signed_note_points_at_the_note(clinic: Clinic, team: Team):
    note_id = signed_note(clinic, team.clinician, PATIENT)
    draft_id = get_note(clinic, team.clinician, note_id).draft_id
    with pytest.raises(InvalidTransitionError, match=f"its signed note is {note_id}"):
        export_note(clinic, team.clinician, draft_id, ExportFormat.FHIR)


def test_an_auditor_may_not_export_note_text_and_the_refusal_is_recorded(
    clinic: Clinic, team: Team
):
    note_id = signed_note(clinic, team.clinician, PATIENT)
    for actor in (team.auditor, team.admin):
        with pytest.raises(NotAllowedError):
            export_note(clinic, actor, note_id, ExportFormat.TEXT)
    denied = audit_trail(clinic, team.auditor, kind=AuditKind.ACCESS_DENIED)
    assert {e.entry.details["action"] for e in denied} == {"export a note"}
    assert not audit_trail(clinic, team.auditor, kind=AuditKind.EXPORT_DELIVERED)


def test_another_practices_note_is_not_found(clinic: Clinic, team: Team):
    note_id = signed_note(clinic, team.clinician, PATIENT)
    other = make_team(clinic)
    with pytest.raises(NotFoundError):
        export_note(clinic, other.clinician, note_id, ExportFormat.TEXT)
