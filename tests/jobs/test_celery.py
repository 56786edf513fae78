"""Drafting and delivery on real Celery workers: late acknowledgement, kills, a broker that is down."""

import json
import time
from collections.abc import Callable
from datetime import timedelta

import httpx
import redis
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from chartdraft.bootstrap import build_transcriber
from chartdraft.domain.audit import AuditKind
from chartdraft.domain.delivery import DeliveryState
from chartdraft.domain.review import Checklist, ReviewState
from chartdraft.jobs.celery_app import DRAFT, QUEUE, make_celery
from chartdraft.jobs.celery_jobs import CeleryJobs
from chartdraft.services.clinic import Clinic
from chartdraft.services.delivery import list_deliveries
from chartdraft.services.draft_job import LEASE, DraftingJob, request_draft
from chartdraft.services.encounters import NewEncounter, create_encounter
from chartdraft.services.recordings import NewDictation, receive_recording, recording_of
from chartdraft.services.review import get_draft
from chartdraft.services.signing import sign_note
from chartdraft.services.trail import audit_trail
from chartdraft.store.tables import DraftRow
from chartdraft.web.app import create_app
from tests.conftest import SHARED_DATA, require
from tests.handoff.conftest import FhirServerProcess, patient_details, synthea_patients
from tests.jobs.conftest import REDIS_DB, REDIS_HOST, REDIS_PORT, SlowModel, WorkerSetup
from tests.served import free_port, run_chartdraft
from tests.storage.conftest import Team, make_team
from tests.storage.visits import HYPOTHYROID, PATIENT
from tests.web.conftest import caller

CONFIRMED = Checklist(True, True, True, True)


def wait_for(what: str, check: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def reserved_draft(clinic: Clinic, team: Team) -> tuple[str, str]:
    """Record a visit of a Synthea patient and reserve its draft; return (encounter, draft) ids."""
    patient = patient_details(synthea_patients()[0])
    created = create_encounter(
        clinic, team.clinician, NewEncounter(capture=HYPOTHYROID, patient=patient)
    )
    job = request_draft(clinic, team.clinician, created.encounter_id)
    return created.encounter_id, job.draft_id


def state_of(clinic: Clinic, team: Team, draft_id: str) -> ReviewState:
    return get_draft(clinic, team.clinician, draft_id).state


def delivered(clinic: Clinic, team: Team) -> bool:
    return all(d.state is DeliveryState.DELIVERED for d in list_deliveries(clinic, team.admin))


def documents(server: FhirServerProcess, note_id: str) -> int:
    found = httpx.get(
        f"{server.url}/DocumentReference", params={"identifier": f"urn:chartdraft:note|{note_id}"}
    ).json()
    return len(found.get("entry", []))


def test_a_job_sent_while_the_broker_was_down_is_drafted_and_delivered_by_a_worker(
    workers: WorkerSetup, own_fhir_server: FhirServerProcess
):
    clinic = workers.clinic
    team = make_team(clinic)
    _encounter_id, draft_id = reserved_draft(clinic, team)
    # The broker is down: the clinician's request must not fail; the job waits in the record.
    down = workers.settings(CHARTDRAFT_JOBS__BROKER_URL=f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    CeleryJobs(make_celery(down)).submit(DraftingJob(team.practice_id, draft_id))
    assert time.monotonic() - started < 15
    assert state_of(clinic, team, draft_id) is ReviewState.DRAFTING
    # A worker's sweep finds it.
    workers.start_worker()
    wait_for("the draft", lambda: state_of(clinic, team, draft_id) is ReviewState.DRAFTED)
    note_id = sign_note(clinic, team.clinician, draft_id, CONFIRMED)
    jobs = CeleryJobs(make_celery(workers.settings()))
    jobs.nudge()
    wait_for("the delivery", lambda: delivered(clinic, team))
    jobs.close()
    assert documents(own_fhir_server, note_id) == 1
    kinds = [e.entry.kind for e in audit_trail(clinic, team.auditor)]
    assert kinds.count(AuditKind.DRAFT_CREATED) == 1
    assert kinds.count(AuditKind.EXPORT_DELIVERED) == 1


def test_a_worker_killed_mid_delivery_loses_nothing_and_duplicates_nothing(
    workers: WorkerSetup, own_fhir_server: FhirServerProcess
):
    clinic = workers.clinic
    team = make_team(clinic)
    _encounter_id, draft_id = reserved_draft(clinic, team)
    jobs = CeleryJobs(make_celery(workers.settings()))
    workers.start_worker()
    jobs.submit(DraftingJob(team.practice_id, draft_id))
    wait_for("the draft", lambda: state_of(clinic, team, draft_id) is ReviewState.DRAFTED)
    # The EHR stalls on the transaction; the worker is killed while it waits. The server still
    # stores the note: its answer is what is lost.
    before = own_fhir_server.stats()["transactions"]
    own_fhir_server.faults(delay_ms=1500, count=1)
    note_id = sign_note(clinic, team.clinician, draft_id, CONFIRMED)
    jobs.nudge()
    wait_for("the transaction", lambda: own_fhir_server.stats()["transactions"] > before)
    workers.kill_worker()
    (delivery,) = list_deliveries(clinic, team.admin)
    assert delivery.state is DeliveryState.PENDING  # the attempt never finished
    workers.start_worker()
    wait_for("the delivery", lambda: delivered(clinic, team), seconds=90)
    jobs.close()
    assert documents(own_fhir_server, note_id) == 1
    (delivery,) = list_deliveries(clinic, team.admin)
    assert delivery.attempts == 2  # the killed attempt counted
    kinds = [e.entry.kind for e in audit_trail(clinic, team.auditor, limit=500)]
    assert kinds.count(AuditKind.EXPORT_DELIVERED) == 1


def test_the_worker_needs_the_celery_backend(workers: WorkerSetup):
    env = workers.env | {"CHARTDRAFT_JOBS__BACKEND": "in-process"}
    done = run_chartdraft(env, "worker", timeout=60)
    assert done.returncode == 2
    assert "The worker needs the celery backend" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_web_app_hands_drafting_to_the_workers(workers: WorkerSetup):
    clinic = workers.clinic
    team = make_team(clinic)
    workers.start_worker()
    patient = patient_details(synthea_patients()[4])
    body = {
        "patient": {
            "name": patient.display_name,
            "mrn": patient.mrn,
            "birth_date": patient.birth_date,
        },
        "encounter_type": "follow-up",
        "capture": {"text": HYPOTHYROID.decode()},
    }
    with TestClient(create_app(workers.settings(), clinic=clinic)) as api:
        assert isinstance(api.app.state.drafting_jobs, CeleryJobs)  # type: ignore[attr-defined]
        headers = caller(clinic, team.clinician).headers
        created = api.post("/api/v1/encounters", json=body, headers=headers)
        assert created.status_code == 201, created.text
        draft_id = created.json()["draft_id"]
        wait_for(
            "the worker's draft",
            lambda: (
                api.get(f"/api/v1/drafts/{draft_id}", headers=headers).json()["review_state"]
                == "drafted"
            ),
        )


def test_a_worker_killed_mid_draft_loses_nothing_and_writes_the_draft_once(
    slow_workers: WorkerSetup, slow_model: SlowModel
):
    clinic = slow_workers.clinic
    team = make_team(clinic)
    created = create_encounter(
        clinic, team.clinician, NewEncounter(capture=HYPOTHYROID, patient=PATIENT)
    )
    draft_id = request_draft(clinic, team.clinician, created.encounter_id, "openai").draft_id
    slow_workers.start_worker()
    jobs = CeleryJobs(make_celery(slow_workers.settings()))
    jobs.submit(DraftingJob(team.practice_id, draft_id))
    wait_for("the model's first request", lambda: len(slow_model.chat_requests) == 1)
    slow_workers.kill_worker()  # mid-task: the model is still thinking
    assert state_of(clinic, team, draft_id) is ReviewState.DRAFTING
    assert unacknowledged(DRAFT) == 1  # acknowledged late: the message was not lost with the worker
    # The dead worker's claim holds for the drafting lease (15 minutes): let them pass.
    age_claim(clinic, draft_id, LEASE + timedelta(minutes=1))
    slow_workers.start_worker()
    wait_for("the draft", lambda: state_of(clinic, team, draft_id) is ReviewState.DRAFTED)
    assert len(slow_model.chat_requests) == 2  # the killed attempt, and the one that wrote
    # Redis gives the killed message back after its visibility timeout; send it again now, as
    # that redelivery would: the draft is done, so nothing is drafted or written again.
    jobs.submit(DraftingJob(team.practice_id, draft_id))
    wait_for("the repeated task", lambda: queue_length() == 0, 10)
    time.sleep(1)
    jobs.close()
    assert len(slow_model.chat_requests) == 2
    kinds = [e.entry.kind for e in audit_trail(clinic, team.auditor)]
    assert kinds.count(AuditKind.DRAFT_CREATED) == 1


def unacknowledged(task: str) -> int:
    """Return how many ``task`` messages workers took from Redis and have not acknowledged."""
    held = redis.Redis(REDIS_HOST, REDIS_PORT, db=REDIS_DB).hvals("unacked")
    return sum(json.loads(message)[0]["headers"]["task"] == task for message in held)


def queue_length() -> int:
    return int(redis.Redis(REDIS_HOST, REDIS_PORT, db=REDIS_DB).llen(QUEUE))


def age_claim(clinic: Clinic, draft_id: str, by: timedelta) -> None:
    """Move a draft's claim back in time, as if ``by`` had passed since the worker took it."""
    with clinic.records.database.engine.begin() as connection:
        claimed = connection.scalar(select(DraftRow.updated_at).where(DraftRow.id == draft_id))
        assert claimed is not None
        connection.execute(
            update(DraftRow).where(DraftRow.id == draft_id).values(updated_at=claimed - by)
        )


def test_an_uploaded_dictation_is_transcribed_and_drafted_by_a_worker(workers: WorkerSetup):
    clinic = workers.clinic
    team = make_team(clinic)
    dictation = SHARED_DATA / "audio" / "synthetic_dictation_en.wav"
    require(dictation.is_file(), "the speech clips")
    settings = workers.settings()
    new = NewDictation(dictation.read_bytes(), patient=patient_details(synthea_patients()[2]))
    job = receive_recording(clinic, build_transcriber(settings), team.clinician, new)
    workers.start_worker()
    jobs = CeleryJobs(make_celery(settings))
    jobs.submit_transcription(job)

    def drafted() -> bool:
        stored = recording_of(clinic, team.clinician, job.recording_id)
        return stored.draft_id is not None and (
            state_of(clinic, team, stored.draft_id) is ReviewState.DRAFTED
        )

    wait_for("the transcript and its draft", drafted, seconds=120)
    jobs.close()
    stored = recording_of(clinic, team.clinician, job.recording_id)
    assert stored.transcript is not None
    assert "lisinopril" in {s.suggestion for s in stored.transcript.suggestions}
    assert not stored.audio_kept
