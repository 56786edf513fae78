"""The FastAPI application: ``create_app(settings)`` wires it; nothing happens at import."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from chartdraft import __version__
from chartdraft.bootstrap import build_clinic, build_transcriber
from chartdraft.config import Settings
from chartdraft.jobs.wiring import build_jobs
from chartdraft.services.clinic import Clinic
from chartdraft.services.sessions import LoginThrottle, SessionPolicy
from chartdraft.web.api import deliveries, export, practice, recordings, records
from chartdraft.web.problems import install_problem_handlers
from chartdraft.web.ui import (
    admin_engine_pages,
    admin_pages,
    auth_pages,
    capture_pages,
    delivery_pages,
    drafting_pages,
    practice_pages,
    recording_pages,
    review_pages,
    sso_pages,
)
from chartdraft.web.ui.pages import render_error

STATIC = Path(__file__).resolve().parent / "static"


def create_app(settings: Settings | None = None, *, clinic: Clinic | None = None) -> FastAPI:
    """Return the app over ``clinic`` (or the one ``settings`` configure)."""
    settings = settings or Settings()
    clinic = clinic if clinic is not None else build_clinic(settings)
    transcriber = build_transcriber(settings)  # the speech model loads on the first upload
    jobs = build_jobs(settings, clinic, transcriber)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        jobs.start()  # drafts left "drafting" by a stopped server are written now
        yield
        jobs.close()

    app = FastAPI(
        title="chartdraft",
        version=__version__,
        summary="Draft SOAP notes, review them and sign them: nothing is final until signed.",
        lifespan=lifespan,
    )
    app.state.clinic = clinic
    app.state.drafting_jobs = jobs
    app.state.transcriber = transcriber
    app.state.session_policy = SessionPolicy(settings.web.idle_minutes, settings.web.session_hours)
    app.state.login_throttle = LoginThrottle(max_failures=settings.web.login_attempts)
    app.state.secure_cookies = settings.web.secure_cookies
    app.state.oidc_settings = settings.web.oidc
    app.state.render_error = render_error
    install_problem_handlers(app)
    app.include_router(records.router)
    app.include_router(export.router)
    app.include_router(deliveries.router)
    app.include_router(recordings.router)
    app.include_router(practice.router)
    for pages in (auth_pages, review_pages, drafting_pages, capture_pages, practice_pages,
                  admin_pages, admin_engine_pages, sso_pages, delivery_pages,
                  recording_pages):  # fmt: skip
        app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
