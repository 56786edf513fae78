"""Errors as RFC 9457 problem details (``application/problem+json``), one sentence each.

A message never carries a traceback, SQL or the clinician's words: services raise sentences
written for users, and everything unexpected becomes a plain 500.
"""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
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

PROBLEM = "application/problem+json"
_log = logging.getLogger(__name__)

# Most specific first: the first class an error is an instance of decides its status.
STATUS: tuple[tuple[type[ChartdraftError], int, str], ...] = (
    (AuthenticationError, 401, "Not authenticated"),
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
)


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    """Return a problem+json response."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _chartdraft_error(_request: Request, exc: Exception) -> JSONResponse:
    for kind, status, title in STATUS:
        if isinstance(exc, kind):
            extra: dict[str, Any] = {}
            if isinstance(exc, SignOffBlockedError):
                extra = {
                    "open_findings": list(exc.finding_ids),
                    "flagged_sections": list(exc.flagged_sections),
                }
            return problem(status, title, str(exc), **extra)
    return problem(400, "Refused", str(exc))


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
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


def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    _log.error("unexpected %s", type(exc).__name__)  # the type only: a message may quote PHI
    return problem(500, "Internal error", "Something went wrong on our side; nothing was saved.")


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error as problem+json."""
    app.add_exception_handler(ChartdraftError, _chartdraft_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
