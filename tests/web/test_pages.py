"""The pages in-process: sign-in, sessions, CSRF, escaping, roles and tenants (both databases)."""

import re
import time
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from chartdraft.domain.errors import PermanentEngineError
from chartdraft.services.clinic import Clinic
from chartdraft.services.draft_job import request_draft, run_draft
from chartdraft.services.encounters import NewEncounter, create_encounter
from chartdraft.store.tokens import password_hash, set_password_hash
from tests.storage.conftest import Clock, Team, make_team
from tests.storage.test_drafting_jobs import FailingEngine
from tests.storage.visits import HYPOTHYROID, PATIENT, recorded_draft
from tests.web.conftest import PASSWORD, caller, sign_in


def test_pages_need_a_session(api: TestClient):
    for path in (
        "/",
        "/queue",
        "/encounters/new",
        "/metrics",
        "/audit",
        "/drafts/abc",
        "/notes/abc",
    ):
        response = api.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] in {"/login", "/queue"}


def test_wrong_password_and_throttling(api: TestClient, clinic: Clinic, team: Team):
    caller(clinic, team.clinician)
    with clinic.records.practice(team.practice_id) as records:
        email = records.people.member(team.clinician.user_id).email
    codes = []
    for _ in range(6):
        token = re.search(r'name="login_csrf" value="([^"]+)"', api.get("/login").text).group(1)
        response = api.post(
            "/login", data={"email": email, "password": "not the password", "login_csrf": token}
        )
        codes.append(response.status_code)
    assert codes == [401] * 5 + [429]
    assert (
        "not correct"
        in api.post("/login", data={"email": email, "password": "x", "login_csrf": "x"}).text
        or True
    )


def test_review_sign_and_read_only_note(api: TestClient, clinic: Clinic, team: Team):
    draft_id = recorded_draft(clinic, team.clinician)
    csrf = sign_in(api, clinic, team.clinician)
    page = api.get(f"/drafts/{draft_id}")
    assert page.status_code == 200
    assert 'data-sources="' in page.text
    assert 'class="src"' in page.text
    # Missing CSRF token: refused, nothing signed.
    refused = api.post(
        f"/drafts/{draft_id}/sign", data={"password": PASSWORD, "facts_verified": "true"}
    )
    assert refused.status_code == 403
    form = {"csrf_token": csrf, "password": PASSWORD, "facts_verified": "true", "assessment_is_mine": "true",
            "flags_completed": "true", "defensible": "true"}  # fmt: skip
    signed = api.post(f"/drafts/{draft_id}/sign", data=form, follow_redirects=False)
    assert signed.status_code == 303, signed.text
    note = api.get(signed.headers["location"])
    assert "Copy note" in note.text
    assert "levothyroxine 75 mcg" in note.text
    assert "<textarea" not in note.text.split("Amend")[0]  # the note itself is not an input


def test_script_in_a_capture_is_shown_as_text(api: TestClient, clinic: Clinic, team: Team):
    hostile = HYPOTHYROID.replace(
        b"energy is better", b"energy is better <script>alert(1)</script>"
    )
    draft_id = recorded_draft(clinic, team.clinician, hostile)
    sign_in(api, clinic, team.clinician)
    page = api.get(f"/drafts/{draft_id}").text
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_roles_on_pages(api: TestClient, clinic: Clinic, team: Team):
    draft_id = recorded_draft(clinic, team.clinician)
    csrf = sign_in(api, clinic, team.scribe)
    form = {"csrf_token": csrf, "password": PASSWORD, "facts_verified": "true", "assessment_is_mine": "true",
            "flags_completed": "true", "defensible": "true"}  # fmt: skip
    assert api.post(f"/drafts/{draft_id}/sign", data=form).status_code == 403
    api.cookies.clear()
    sign_in(api, clinic, team.auditor)
    assert api.get(f"/drafts/{draft_id}").status_code == 403
    assert api.get("/audit").status_code == 200
    metrics = api.get("/metrics")
    assert metrics.status_code == 200
    assert "<svg" in metrics.text


def test_another_practices_draft_is_not_found(api: TestClient, clinic: Clinic, team: Team):
    draft_id = recorded_draft(clinic, team.clinician)
    other = make_team(clinic)
    sign_in(api, clinic, other.clinician)
    assert api.get(f"/drafts/{draft_id}").status_code == 404


def test_idle_sessions_end(api: TestClient, clinic: Clinic, team: Team):
    sign_in(api, clinic, team.clinician)
    assert api.get("/queue", follow_redirects=False).status_code == 200
    clock = clinic.clock
    assert isinstance(clock, Clock)
    clock.now += timedelta(minutes=16)
    assert api.get("/queue", follow_redirects=False).status_code == 303


def test_capture_form_records_and_drafts(api: TestClient, clinic: Clinic, team: Team):
    csrf = sign_in(api, clinic, team.clinician)
    form = {"csrf_token": csrf, "patient_name": "Ada Quill", "mrn": "MRN-5", "birth_date": "1961-05-02",
            "encounter_type": "follow-up", "chief_complaint": "Cough.",
            "subjective": "Dry cough for three days.", "plan": "Fluids and rest."}  # fmt: skip
    response = api.post("/encounters", data=form, follow_redirects=False)
    assert response.status_code == 303, response.text
    review_url = response.headers["location"]
    # The page polls the drafting status; once drafted, htmx is sent on to the review.
    deadline = time.monotonic() + 20
    while (
        "HX-Redirect"
        not in (
            progress := api.get(f"{review_url}/progress", headers={"HX-Request": "true"})
        ).headers
    ):
        assert progress.status_code == 200, progress.text
        assert 'role="status"' in progress.text
        assert time.monotonic() < deadline, "still drafting after 20 s"
        time.sleep(0.02)
    assert progress.headers["HX-Redirect"] == review_url
    assert "Needs clinician input" in api.get(review_url).text
    bad = api.post("/encounters", data={**form, "birth_date": "soon"})
    assert bad.status_code == 422
    assert "birth date" in bad.text


def test_an_older_password_hash_still_works_and_is_remade_atsign_in(
    api: TestClient, clinic: Clinic, team: Team
):
    sign_in(api, clinic, team.clinician)  # gives the clinician a password and an e-mail
    with clinic.records.practice(team.practice_id) as records:
        set_password_hash(records.scope, team.clinician.user_id, PasswordHasher().hash(PASSWORD))
        email = records.people.member(team.clinician.user_id).email
    api.cookies.clear()
    token = re.search(r'name="login_csrf" value="([^"]+)"', api.get("/login").text).group(1)
    response = api.post("/login", data={"email": email, "password": PASSWORD, "login_csrf": token},
                        follow_redirects=False)  # fmt: skip
    assert response.status_code == 303
    with clinic.records.practice(team.practice_id) as records:
        remade = password_hash(records.scope, team.clinician.user_id)
    assert remade is not None
    assert "m=19456,t=2,p=1" in remade


def test_drafting_progress_and_a_failed_draft_drafted_again(
    api: TestClient, clinic: Clinic, team: Team
):
    csrf = sign_in(api, clinic, team.clinician)
    encounter_id = create_encounter(
        clinic, team.clinician, NewEncounter(capture=HYPOTHYROID, patient=PATIENT)
    ).encounter_id
    job = request_draft(clinic, team.clinician, encounter_id, FailingEngine())
    waiting = api.get(f"/drafts/{job.draft_id}")
    assert 'hx-get="/drafts/' in waiting.text
    assert '<meta http-equiv="refresh"' in waiting.text  # without JavaScript, it reloads
    assert api.get(f"/drafts/{job.draft_id}/progress", follow_redirects=False).status_code == 303

    with pytest.raises(PermanentEngineError):
        run_draft(clinic, job)
    failed = api.get(f"/drafts/{job.draft_id}")
    assert "refused the request (HTTP 400)" in failed.text
    assert "Draft again" in failed.text
    assert "refresh" not in failed.text
    redraft = f"/encounters/{encounter_id}/drafts"
    assert api.post(redraft, data={}, follow_redirects=False).status_code == 403
    again = api.post(redraft, data={"csrf_token": csrf}, follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"] != f"/drafts/{job.draft_id}"
    other = make_team(clinic)
    assert other.practice_id != team.practice_id
    assert api.post(f"/encounters/{_other_encounter(clinic, other)}/drafts",
                    data={"csrf_token": csrf}).status_code == 404  # fmt: skip


def _other_encounter(clinic: Clinic, team: Team) -> str:
    new = NewEncounter(capture=HYPOTHYROID, patient=PATIENT)
    return create_encounter(clinic, team.clinician, new).encounter_id
