"""Who is calling: a bearer API token (scoped), or a browser session cookie (with CSRF)."""

import hmac
from collections.abc import Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from chartdraft.domain.errors import AuthenticationError, NotAllowedError
from chartdraft.domain.practice import Actor
from chartdraft.jobs.background import BackgroundJobs
from chartdraft.services.accounts import Principal, authenticate_token
from chartdraft.services.clinic import Clinic
from chartdraft.services.dictation import Transcriber
from chartdraft.services.sessions import BrowserCaller, SessionPolicy, session_caller

SESSION_COOKIE = "chartdraft_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_bearer = HTTPBearer(auto_error=False, description="An API token from `chartdraft tokens create`.")


def clinic_of(request: Request) -> Clinic:
    """Return the app's record services."""
    clinic: Clinic = request.app.state.clinic
    return clinic


def jobs_of(request: Request) -> BackgroundJobs:
    """Return the app's background jobs (drafting, delivery to the EHR)."""
    jobs: BackgroundJobs = request.app.state.drafting_jobs
    return jobs


def transcriber_of(request: Request) -> Transcriber:
    """Return the app's dictation transcriber (its model loads on first use)."""
    transcriber: Transcriber = request.app.state.transcriber
    return transcriber


def browser_caller(request: Request) -> BrowserCaller:
    """Return the caller behind the session cookie, or raise AuthenticationError."""
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        raise AuthenticationError("Sign in to continue.")
    policy: SessionPolicy = request.app.state.session_policy
    return session_caller(clinic_of(request), secret, policy)


def check_csrf(caller: BrowserCaller, presented: str | None) -> None:
    """Refuse a state-changing browser request without the session's CSRF token."""
    if not presented or not hmac.compare_digest(presented, caller.csrf_token):
        raise NotAllowedError("The request lacks this session's CSRF token; reload the page.")


def principal(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),  # noqa: B008
) -> Principal:
    """Return the caller (token, else session cookie), or answer 401."""
    if credentials is not None:
        if credentials.scheme.lower() != "bearer":
            raise AuthenticationError("Send an API token: Authorization: Bearer <token>.")
        return authenticate_token(clinic_of(request), credentials.credentials)
    if request.cookies.get(SESSION_COOKIE) is None:
        raise AuthenticationError("Send an API token: Authorization: Bearer <token>.")
    caller = browser_caller(request)
    if request.method not in SAFE_METHODS:
        # A cookie is sent by the browser on its own; a token in a header is not.
        check_csrf(caller, request.headers.get(CSRF_HEADER))
    return caller.principal


def needs(scope: str) -> Callable[..., Actor]:
    """Return a dependency that admits a caller whose credentials carry ``scope``."""

    def actor(caller: Principal = Depends(principal)) -> Actor:  # noqa: B008
        if scope not in caller.scopes:
            raise NotAllowedError(f'The API token lacks the "{scope}" scope.')
        return caller.actor

    return actor
