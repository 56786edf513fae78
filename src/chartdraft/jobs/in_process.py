"""Background work on threads of this process: the embedded default, no broker needed.

Three kinds of job run here, as on Celery's workers: transcription of uploaded dictations
(``transcribe_recording``), drafting (``run_draft``) and delivery of signed notes to the EHR
(``Courier.deliver``). Their state lives in the record (a draft is
``drafting`` until a run finishes it, a delivery ``pending`` until an attempt settles it), so
this runner keeps nothing that matters: jobs lost with the process are picked up again by the
sweep that runs at start and every ``sweep_seconds`` after, or at once when nudged.
"""

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from chartdraft.domain.delivery import DeliveryState
from chartdraft.domain.review import ReviewState
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

SWEEP_SECONDS = 60.0


class InProcessJobs:
    """Runs drafting and delivery jobs in the background of this process."""

    def __init__(
        self,
        clinic: Clinic,
        *,
        workers: int = 2,
        courier: Courier | None = None,
        transcriber: Transcriber | None = None,
        keep_audio: bool = False,
        sweep_seconds: float = SWEEP_SECONDS,
    ) -> None:
        self._clinic = clinic
        self._courier = courier
        self._transcriber = transcriber
        self._keep_audio = keep_audio
        self._sweep_seconds = sweep_seconds
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="drafting")
        # Deliveries wait on the EHR, drafts on a model: separate pools, so neither starves.
        self._delivery_pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="delivery")
        # The recognizer keeps both cores busy: one recording at a time.
        self._speech_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="transcription")
        self._in_flight: set[str] = set()
        self._in_flight_lock = threading.Lock()
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._sweeper: threading.Thread | None = None

    def submit(self, job: DraftingJob) -> Future[ReviewState]:
        """Start writing a reserved draft; the future answers the state it ended in."""
        return self._pool.submit(self._run, job)

    def _run(self, job: DraftingJob) -> ReviewState:
        try:
            return run_draft(self._clinic, job)
        except Exception:  # run_draft stored the failure with its sentence for the clinician
            return ReviewState.DRAFTING_FAILED

    def submit_transcription(self, job: TranscriptionJob) -> Future[ReviewState | None] | None:
        """Transcribe a recording, then draft it; the future answers the draft's end state.

        None when this process has no recognizer. The draft is written on the drafting pool,
        so the speech thread moves on to the next recording while a model drafts this one.
        """
        if self._transcriber is None:
            return None
        drafted: Future[ReviewState | None] = Future()
        heard = self._speech_pool.submit(self._transcribe, self._transcriber, job)
        heard.add_done_callback(lambda done: self._then_draft(done.result(), drafted))
        return drafted

    def _transcribe(self, transcriber: Transcriber, job: TranscriptionJob) -> DraftingJob | None:
        try:
            return transcribe_recording(self._clinic, transcriber, job, keep_audio=self._keep_audio)
        except Exception:  # a database hiccup: the recording stays waiting, the sweep retries
            log.exception("transcription job failed")
            return None

    def _then_draft(
        self, drafting: DraftingJob | None, drafted: Future[ReviewState | None]
    ) -> None:
        if drafting is None:
            drafted.set_result(None)
            return
        writing = self.submit(drafting)
        writing.add_done_callback(lambda done: drafted.set_result(done.result()))

    def resume_transcriptions(self) -> list[Future[ReviewState | None]]:
        """Submit every recording that waits for a run nobody holds; return their futures."""
        if self._transcriber is None:
            return []
        submitted = (self.submit_transcription(job) for job in waiting_recordings(self._clinic))
        return [future for future in submitted if future is not None]

    def submit_delivery(self, job: DeliveryJob) -> Future[DeliveryState] | None:
        """Attempt a delivery in the background; None when write-back is off or it is under way."""
        if self._courier is None:
            return None
        with self._in_flight_lock:
            if job.delivery_id in self._in_flight:
                return None
            self._in_flight.add(job.delivery_id)
        return self._delivery_pool.submit(self._deliver, self._courier, job)

    def _deliver(self, courier: Courier, job: DeliveryJob) -> DeliveryState:
        try:
            return courier.deliver(job)
        except Exception:  # a database hiccup: the delivery stays pending, the sweep retries
            log.exception("delivery job failed")
            return DeliveryState.PENDING
        finally:
            with self._in_flight_lock:
                self._in_flight.discard(job.delivery_id)

    def nudge(self) -> None:
        """Look for work now (a note was just signed) instead of at the next sweep."""
        self._wake.set()

    def resume(self) -> list[Future[ReviewState]]:
        """Submit every drafting job that nobody holds; return their futures."""
        running = [self.submit(job) for job in waiting_jobs(self._clinic)]
        if running:
            log.info("resumed %d drafting job(s)", len(running))
        return running

    def deliver_due(self) -> list[Future[DeliveryState]]:
        """Submit every delivery that is due; return their futures."""
        if self._courier is None:
            return []
        submitted = (self.submit_delivery(job) for job in self._courier.due())
        return [future for future in submitted if future is not None]

    def start(self, *, sweep_seconds: float | None = None) -> None:
        """Resume lost jobs now and keep looking for them until ``close``."""
        every = self._sweep_seconds if sweep_seconds is None else sweep_seconds
        self._sweeper = threading.Thread(
            target=self._sweep, args=(every,), name="jobs-sweep", daemon=True
        )
        self._sweeper.start()

    def _sweep(self, every: float) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            for look in (self.resume, self.resume_transcriptions, self.deliver_due):
                try:
                    look()
                except Exception:  # a database hiccup must not end the sweep
                    log.exception("job sweep failed")
            self._wake.wait(every)

    def close(self) -> None:
        """Stop the sweep and let running jobs finish."""
        self._stopping.set()
        self._wake.set()
        if self._sweeper is not None:
            self._sweeper.join()
        # Speech first: a recording heard while closing still hands its draft to the pool.
        self._speech_pool.shutdown(wait=True)
        self._pool.shutdown(wait=True)
        self._delivery_pool.shutdown(wait=True)
