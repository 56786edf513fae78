"""Errors as RFC 9457 problem details (``application/problem+json``), one sentence each.

A message never carries a traceback, SQL or the clinician's words: services raise sentences
written for users, and everything unexpected becomes a plain 500.
"""

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from chartdraft.domain.errors import (
    AuthenticationError,
    ChartdraftError,
    ConfigError,
    ConflictError,
    EngineError,
    InputError,
    InvalidTransitionError,
    NotAllowedError,
    NotFoundError,
    PrivacyError,
    RetryableEngineError,
    StorageError,
)
from chartdraft.domain.review import SignOffBlockedError
from chartdraft.services.sessions import TooManyAttemptsError
from chartdraft.store.crypto import DecryptionError

PROBLEM = "application/problem+json"
_log = logging.getLogger(__name__)

# Most specific first: the first class an error is an instance of decides its status.
STATUS: tuple[tuple[type[ChartdraftError], int, str], ...] = (
    (AuthenticationError, 401, "Not authenticated"),
    (TooManyAttemptsError, 429, "Too many attempts"),
    (NotAllowedError, 403, "Not allowed"),
    (NotFoundError, 404, "Not found"),
    (SignOffBlockedError, 409, "Sign-off blocked"),
    (InvalidTransitionError, 409, "Not allowed in this review state"),
    (ConflictError, 409, "Changed meanwhile"),
    (InputError, 422, "Unusable input"),
    (RetryableEngineError, 503, "Drafting engine unavailable"),
    (EngineError, 502, "Drafting engine failed"),
    (PrivacyError, 502, "Identifiers could not be protected"),
    (StorageError, 503, "Database unavailable"),
    (ConfigError, 500, "Misconfigured"),
    (DecryptionError, 500, "Stored record unreadable"),
)


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    """Return a problem+json response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def status_of(exc: Exception) -> tuple[int, str]:
    """Return the HTTP status and title for one of our errors."""
    for kind, status, title in STATUS:
        if isinstance(exc, kind):
            return status, title
    return 400, "Refused"


def _chartdraft_error(request: Request, exc: Exception) -> Response:
    if _is_page(request):
        return _page_error(request, exc)
    status, title = status_of(exc)
    extra: dict[str, Any] = {}
    if isinstance(exc, SignOffBlockedError):
        extra = {
            "open_findings": list(exc.finding_ids),
            "flagged_sections": list(exc.flagged_sections),
        }
    return problem(status, title, str(exc), **extra)


def _page_error(request: Request, exc: Exception) -> Response:
    # A page answers with a page: sign-in for a missing or ended session, else the sentence.
    if isinstance(exc, AuthenticationError):
        return RedirectResponse("/login", status_code=303)
    status, title = status_of(exc)
    return _page(request, status, title, str(exc))


def _validation_error(request: Request, exc: Exception) -> Response:
    # Where and what kind of error, never the value: it may be the patient's words.
    found = exc.errors() if isinstance(exc, RequestValidationError) else []
    errors = [
        {"location": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
        for e in found
    ]
    return problem(
        422, "Invalid request", "The request body or parameters are invalid.", errors=errors
    )


def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    code = exc.status_code if isinstance(exc, StarletteHTTPException) else 400
    detail = str(getattr(exc, "detail", "Bad request"))
    return problem(code, detail, detail)


def _unexpected(request: Request, exc: Exception) -> Response:
    _log.error("unexpected %s", type(exc).__name__)  # the type only: a message may quote PHI
    detail = "Something went wrong on our side; nothing was saved."
    if _is_page(request):
        return _page(request, 500, "Internal error", detail)
    return problem(500, "Internal error", detail)


def _is_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/")


def _page(request: Request, status: int, title: str, detail: str) -> Response:
    # The page renderer lives with the pages (web.ui); the app hands it over at start.
    render: Callable[..., Response] = request.app.state.render_error
    return render(request, status, title, detail)


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error as problem+json."""
    app.add_exception_handler(ChartdraftError, _chartdraft_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
