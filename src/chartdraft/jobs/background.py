"""What the web app asks of background work, wherever it runs (threads here, or Celery)."""

from typing import Protocol

from chartdraft.services.delivery import DeliveryJob
from chartdraft.services.draft_job import DraftingJob
from chartdraft.services.recordings import TranscriptionJob


class BackgroundJobs(Protocol):
    """Hands transcription, drafting and delivery jobs to whatever runs them."""

    def submit(self, job: DraftingJob) -> object:
        """Start writing a reserved draft."""
        ...

    def submit_transcription(self, job: TranscriptionJob) -> object:
        """Transcribe an uploaded recording, then write its draft."""
        ...

    def submit_delivery(self, job: DeliveryJob) -> object:
        """Attempt a queued delivery to the EHR."""
        ...

    def nudge(self) -> None:
        """Look for due work now (a note was just signed) rather than at the next sweep."""
        ...

    def start(self) -> None:
        """Begin (resume lost jobs, start sweeping)."""
        ...

    def close(self) -> None:
        """Stop, letting running jobs finish."""
        ...
