"""Drafting jobs on a thread pool in this process: the embedded default, no broker needed.

The job's state lives in the record (the draft is ``drafting`` until a run finishes it), so
this runner keeps nothing that matters: jobs lost with the process are picked up again by the
sweep that runs at start and every minute after.
"""

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from chartdraft.domain.review import ReviewState
from chartdraft.services.clinic import Clinic
from chartdraft.services.draft_job import DraftingJob, run_draft, waiting_jobs

log = logging.getLogger(__name__)

SWEEP_SECONDS = 60.0


class InProcessJobs:
    """Runs drafting jobs in the background of this process."""

    def __init__(self, clinic: Clinic, *, workers: int = 2) -> None:
        self._clinic = clinic
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="drafting")
        self._stopping = threading.Event()
        self._sweeper: threading.Thread | None = None

    def submit(self, job: DraftingJob) -> Future[ReviewState]:
        """Start writing a reserved draft; the future answers the state it ended in."""
        return self._pool.submit(self._run, job)

    def _run(self, job: DraftingJob) -> ReviewState:
        try:
            return run_draft(self._clinic, job)
        except Exception:  # run_draft stored the failure with its sentence for the clinician
            return ReviewState.DRAFTING_FAILED

    def resume(self) -> list[Future[ReviewState]]:
        """Submit every drafting job that nobody holds; return their futures."""
        running = [self.submit(job) for job in waiting_jobs(self._clinic)]
        if running:
            log.info("resumed %d drafting job(s)", len(running))
        return running

    def start(self, *, sweep_seconds: float = SWEEP_SECONDS) -> None:
        """Resume lost jobs now and keep looking for them until ``close``."""
        self._sweeper = threading.Thread(
            target=self._sweep, args=(sweep_seconds,), name="drafting-sweep", daemon=True
        )
        self._sweeper.start()

    def _sweep(self, every: float) -> None:
        while not self._stopping.is_set():
            try:
                self.resume()
            except Exception:  # a database hiccup must not end the sweep
                log.exception("drafting sweep failed")
            self._stopping.wait(every)

    def close(self) -> None:
        """Stop the sweep and let running jobs finish."""
        self._stopping.set()
        if self._sweeper is not None:
            self._sweeper.join()
        self._pool.shutdown(wait=True)
