"""Choose where background work runs, from the settings."""

from chartdraft.bootstrap import build_courier, build_transcriber
from chartdraft.config import Settings
from chartdraft.jobs.background import BackgroundJobs
from chartdraft.jobs.in_process import InProcessJobs
from chartdraft.services.clinic import Clinic
from chartdraft.services.dictation import Transcriber


def build_jobs(
    settings: Settings, clinic: Clinic, transcriber: Transcriber | None = None
) -> BackgroundJobs:
    """Return the background jobs of the serving process: threads here, or Celery's workers.

    ``transcriber`` is shared with the caller (one speech model per process); by default one
    is built from the settings.
    """
    if settings.jobs.backend == "celery":
        # Celery loads only where it is used: the embedded default never imports it.
        from chartdraft.jobs.celery_app import make_celery  # noqa: PLC0415
        from chartdraft.jobs.celery_jobs import CeleryJobs  # noqa: PLC0415

        return CeleryJobs(make_celery(settings))
    return InProcessJobs(
        clinic,
        workers=settings.jobs.workers,
        courier=build_courier(settings, clinic),
        transcriber=transcriber or build_transcriber(settings),
        keep_audio=settings.speech.keep_audio_days > 0,
        sweep_seconds=settings.jobs.sweep_seconds,
    )
