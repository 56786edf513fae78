"""``chartdraft worker``: a Celery worker for drafting and delivery jobs."""

from typing import Annotated

import typer

from chartdraft.bootstrap import load_settings
from chartdraft.cli.app import app
from chartdraft.domain.errors import ConfigError


@app.command()
def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(min=1, max=64, help="Worker processes (default CHARTDRAFT_JOBS__WORKERS)."),
    ] = None,
    loglevel: Annotated[str, typer.Option(help="debug, info, warning or error.")] = "info",
) -> None:
    """Run drafting and delivery jobs from the broker, and sweep for lost ones."""
    settings = load_settings()
    if settings.jobs.backend != "celery":
        raise ConfigError(
            "The worker needs the celery backend: set CHARTDRAFT_JOBS__BACKEND=celery and "
            "CHARTDRAFT_JOBS__BROKER_URL."
        )
    if loglevel.lower() not in ("debug", "info", "warning", "error"):
        raise ConfigError("The log level must be debug, info, warning or error.")
    from chartdraft.jobs.celery_app import make_celery  # noqa: PLC0415 - Celery loads only here

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    celery = make_celery(settings)
    # The sweep runs in the worker (embedded beat): no extra process to deploy, and several
    # workers sweeping only repeat a cheap query, since every job is claimed before it runs.
    celery.worker_main([
        "worker", f"--concurrency={concurrency or settings.jobs.workers}",
        f"--loglevel={loglevel.upper()}", "--beat",
        f"--schedule={settings.data_dir / 'celerybeat-schedule'}",
        "--without-gossip", "--without-mingle", "--pool=prefork",
    ])  # fmt: skip
