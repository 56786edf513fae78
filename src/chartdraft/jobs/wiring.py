"""Choose where background work runs, from the settings."""

from chartdraft.bootstrap import build_courier
from chartdraft.config import Settings
from chartdraft.jobs.background import BackgroundJobs
from chartdraft.jobs.in_process import InProcessJobs
from chartdraft.services.clinic import Clinic


def build_jobs(settings: Settings, clinic: Clinic) -> BackgroundJobs:
    """Return the background jobs of the serving process: threads here, or Celery's workers."""
    if settings.jobs.backend == "celery":
        # Celery loads only where it is used: the embedded default never imports it.
        from chartdraft.jobs.celery_app import make_celery  # noqa: PLC0415
        from chartdraft.jobs.celery_jobs import CeleryJobs  # noqa: PLC0415

        return CeleryJobs(make_celery(settings))
    return InProcessJobs(
        clinic,
        workers=settings.jobs.workers,
        courier=build_courier(settings, clinic),
        sweep_seconds=settings.jobs.sweep_seconds,
    )
