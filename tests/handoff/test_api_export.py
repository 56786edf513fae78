"""``GET /api/v1/notes/{id}/export``: who may, and what each answer is."""

from fastapi.testclient import TestClient

from chartdraft.services.accounts import SCOPES
from chartdraft.services.clinic import Clinic
from chartdraft.services.signing import get_note
from tests.handoff.conftest import Team, recorded_draft_of, signed_note
from tests.storage.conftest import make_team
from tests.storage.visits import PATIENT
from tests.web.conftest import caller


def test_a_signed_note_exports_as_fhir_and_as_text(api: TestClient, clinic: Clinic, team: Team):
    note_id = signed_note(clinic, team.clinician, PATIENT)
    headers = caller(clinic, team.clinician).headers
    fhir = api.get(f"/api/v1/notes/{note_id}/export", headers=headers)
    assert fhir.status_code == 200, fhir.text
    assert fhir.headers["content-type"].startswith("application/fhir+json")
    assert fhir.json()["type"] == "transaction"
    text = api.get(f"/api/v1/notes/{note_id}/export", params={"format": "text"}, headers=headers)
    assert text.status_code == 200
    assert text.headers["content-type"].startswith("text/plain")
    assert text.text == get_note(clinic, team.clinician, note_id).text
    unknown = api.get(f"/api/v1/notes/{note_id}/export", params={"format": "pdf"}, headers=headers)
    assert unknown.status_code == 422


def test_refusals_draft_other_practice_auditor_scope_and_no_token(
    api: TestClient,
    clinic: Clinic,
    team: Team,
):
    note_id = signed_note(clinic, team.clinician, PATIENT)
    draft_id = recorded_draft_of(clinic, team.clinician, PATIENT)
    headers = caller(clinic, team.clinician).headers

    draft = api.get(f"/api/v1/notes/{draft_id}/export", headers=headers)
    assert draft.status_code == 409
    assert draft.headers["content-type"].startswith("application/problem+json")
    assert "Only a signed note can be exported" in draft.json()["detail"]

    stranger = caller(clinic, make_team(clinic).clinician).headers
    assert api.get(f"/api/v1/notes/{note_id}/export", headers=stranger).status_code == 404

    auditor = caller(clinic, team.auditor).headers
    assert api.get(f"/api/v1/notes/{note_id}/export", headers=auditor).status_code == 403

    no_scope = caller(clinic, team.scribe, SCOPES - {"notes:read"}).headers
    assert api.get(f"/api/v1/notes/{note_id}/export", headers=no_scope).status_code == 403

    anonymous = api.get(f"/api/v1/notes/{note_id}/export")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
