"""The FastAPI application: ``create_app(settings)`` wires it; nothing happens at import."""

from fastapi import FastAPI

from chartdraft import __version__
from chartdraft.bootstrap import build_clinic
from chartdraft.config import Settings
from chartdraft.services.clinic import Clinic
from chartdraft.web.api import practice, records
from chartdraft.web.problems import install_problem_handlers


def create_app(settings: Settings | None = None, *, clinic: Clinic | None = None) -> FastAPI:
    """Return the app over ``clinic`` (or the one ``settings`` configure)."""
    app = FastAPI(
        title="chartdraft",
        version=__version__,
        summary="Draft SOAP notes, review them and sign them: nothing is final until signed.",
    )
    app.state.clinic = clinic if clinic is not None else build_clinic(settings or Settings())
    install_problem_handlers(app)
    app.include_router(records.router)
    app.include_router(practice.router)
    return app
