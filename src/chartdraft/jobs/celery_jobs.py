"""What the web app hands to Celery's workers: ids of jobs already stored in the database."""

import logging

from celery import Celery
from kombu.exceptions import OperationalError

from chartdraft.jobs.celery_app import DELIVER, DRAFT, SWEEP, TRANSCRIBE
from chartdraft.services.delivery import DeliveryJob
from chartdraft.services.draft_job import DraftingJob
from chartdraft.services.recordings import TranscriptionJob

log = logging.getLogger(__name__)


class CeleryJobs:
    """Sends drafting and delivery jobs to the broker (a ``BackgroundJobs``)."""

    def __init__(self, app: Celery) -> None:
        self._app = app

    def submit(self, job: DraftingJob) -> None:
        """Have a worker write the reserved draft (with the engine named when it was reserved)."""
        self._send(DRAFT, job.practice_id, job.draft_id)

    def submit_transcription(self, job: TranscriptionJob) -> None:
        """Have a worker transcribe the recording (and then write its draft)."""
        self._send(TRANSCRIBE, job.practice_id, job.recording_id)

    def submit_delivery(self, job: DeliveryJob) -> None:
        """Have a worker attempt the delivery."""
        self._send(DELIVER, job.practice_id, job.delivery_id)

    def nudge(self) -> None:
        """Have a worker look for due work now (a note was just signed)."""
        self._send(SWEEP)

    def start(self) -> None:
        """Nothing to start here: the workers sweep for lost jobs themselves."""

    def close(self) -> None:
        """Release the connection to the broker."""
        self._app.close()

    def _send(self, task: str, *ids: str) -> None:
        try:
            self._app.send_task(task, args=ids, retry=False)
        except (OperationalError, OSError) as exc:
            # The job is in the database: the clinician's request must not fail for the broker,
            # and the workers' sweep finds the job when the broker is back.
            log.warning("broker unavailable, %s left to the sweep (%s)", task, type(exc).__name__)
