"""Serve the app with uvicorn (``chartdraft serve``)."""

import uvicorn
from fastapi import FastAPI

from chartdraft.bootstrap import load_settings
from chartdraft.config import Settings
from chartdraft.web.app import create_app


def app_from_environment() -> FastAPI:
    """Build the app from the environment's settings (each worker process calls this)."""
    return create_app(load_settings())


def serve(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    """Run the app until interrupted; access logs carry paths and status, never bodies."""
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
        return
    # Several processes: each builds its own app from the same environment.
    uvicorn.run(
        "chartdraft.web.server:app_from_environment",
        factory=True, workers=workers, host=host, port=port, log_level="info",
    )  # fmt: skip
