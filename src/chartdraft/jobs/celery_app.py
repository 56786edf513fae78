"""The Celery app: transcription, drafting and delivery jobs on workers, through Redis.

Tasks carry ids only (never PHI) and the state of every job lives in the database, so the
broker holds nothing that cannot be lost: tasks are acknowledged late and rejected when their
worker dies, and the periodic sweep finds any job whose message went missing. Running a task
twice is harmless: drafting and delivery each claim their job in the database first.
"""

import logging
import threading
from dataclasses import dataclass

from celery import Celery

from chartdraft.bootstrap import build_clinic, build_courier, build_transcriber, load_settings
from chartdraft.config import Settings
from chartdraft.domain.errors import ConfigError
from chartdraft.services.clinic import Clinic
from chartdraft.services.delivery import Courier, DeliveryJob
from chartdraft.services.dictation import Transcriber
from chartdraft.services.draft_job import DraftingJob, run_draft, waiting_jobs
from chartdraft.services.recordings import (
    TranscriptionJob,
    transcribe_recording,
    waiting_recordings,
)

log = logging.getLogger(__name__)

QUEUE = "chartdraft"
DRAFT = "chartdraft.draft"
DELIVER = "chartdraft.deliver"
TRANSCRIBE = "chartdraft.transcribe"
SWEEP = "chartdraft.sweep"
VISIBILITY_SECONDS = 3600
"""How long Redis keeps a taken, unacknowledged message from other workers: longer than any
task. A worker that dies sooner is covered by the sweep, which reads the jobs' own leases."""


@dataclass(frozen=True)
class Runtime:
    """What a worker process's tasks use: built once per process, after the fork."""

    clinic: Clinic
    courier: Courier | None
    transcriber: Transcriber
    keep_audio: bool


_runtime: Runtime | None = None
_runtime_lock = threading.Lock()


def runtime() -> Runtime:
    """Return this worker process's clinic and courier (from the environment's settings)."""
    global _runtime  # noqa: PLW0603 - one per process, built lazily after the pool forks
    with _runtime_lock:
        if _runtime is None:
            settings = load_settings()
            clinic = build_clinic(settings)
            _runtime = Runtime(
                clinic,
                build_courier(settings, clinic),
                build_transcriber(settings),
                settings.speech.keep_audio_days > 0,
            )
        return _runtime


def make_celery(settings: Settings) -> Celery:
    """Return the Celery app for ``settings.jobs`` (its broker), with chartdraft's tasks."""
    if settings.jobs.broker_url is None:
        raise ConfigError("Celery needs a broker: set CHARTDRAFT_JOBS__BROKER_URL.")
    app = Celery("chartdraft", broker=settings.jobs.broker_url.get_secret_value())
    app.conf.update(
        task_default_queue=QUEUE,
        task_acks_late=True,  # a task's message is removed only once the task has finished
        task_reject_on_worker_lost=True,  # ... and given back when its worker dies mid-task
        worker_prefetch_multiplier=1,  # a worker holds no more messages than it is running
        task_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,  # results live in the database, not in a result backend
        broker_transport_options={"visibility_timeout": VISIBILITY_SECONDS},
        broker_connection_retry_on_startup=True,
        broker_connection_timeout=3,
        worker_hijack_root_logger=False,
        beat_schedule={
            "sweep": {"task": SWEEP, "schedule": settings.jobs.sweep_seconds},
        },
    )
    register_tasks(app)
    return app


def register_tasks(app: Celery) -> None:
    """Add chartdraft's four tasks to ``app``."""
    # Celery reads each task's signature from a named function (a lambda is refused).

    def transcribe(practice_id: str, recording_id: str) -> str:
        return transcribe_task(app, practice_id, recording_id)

    def sweep() -> int:
        return sweep_task(app)

    app.task(name=DRAFT)(draft_task)
    app.task(name=TRANSCRIBE)(transcribe)
    app.task(name=DELIVER)(deliver_task)
    app.task(name=SWEEP)(sweep)


def draft_task(practice_id: str, draft_id: str) -> str:
    """Write a reserved draft."""
    try:
        return run_draft(runtime().clinic, DraftingJob(practice_id, draft_id)).value
    except Exception:
        # run_draft stored the failure (drafting_failed, with its sentence for the clinician)
        # and logged only its type: Celery would log the message, which could quote the
        # visit. Nothing to retry.
        return "drafting_failed"


def transcribe_task(app: Celery, practice_id: str, recording_id: str) -> str:
    """Transcribe an uploaded recording, then send its draft to be written."""
    found = runtime()
    job = TranscriptionJob(practice_id, recording_id)
    try:
        drafting = transcribe_recording(
            found.clinic, found.transcriber, job, keep_audio=found.keep_audio
        )
    except Exception as exc:  # a database hiccup: the recording waits for the sweep
        log.warning("transcription task failed (%s); left to the sweep", type(exc).__name__)
        return "received"
    if drafting is None:
        return "done"
    app.send_task(DRAFT, args=(drafting.practice_id, drafting.draft_id))
    return "transcribed"


def deliver_task(practice_id: str, delivery_id: str) -> str:
    """Attempt one delivery to the EHR."""
    courier = runtime().courier
    if courier is None:
        log.warning("a delivery task reached a worker with no EHR configured")
        return "pending"
    try:
        return courier.deliver(DeliveryJob(practice_id, delivery_id)).value
    except Exception as exc:  # a database hiccup: the sweep tries again
        # Only the type: a database error's message carries its SQL and parameters.
        log.warning("delivery task failed (%s); left to the sweep", type(exc).__name__)
        return "pending"


def sweep_task(app: Celery) -> int:
    """Send every lost or due job again; return how many were sent."""
    found = runtime()
    jobs = [(DRAFT, (job.practice_id, job.draft_id)) for job in waiting_jobs(found.clinic)]
    jobs += [(TRANSCRIBE, (job.practice_id, job.recording_id))
             for job in waiting_recordings(found.clinic)]  # fmt: skip
    if found.courier is not None:
        jobs += [(DELIVER, (due.practice_id, due.delivery_id)) for due in found.courier.due()]
    for task, ids in jobs:
        app.send_task(task, args=ids)
    return len(jobs)
