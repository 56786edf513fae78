"""Who is calling: a bearer API token (scoped), resolved to the practice member it acts for."""

from collections.abc import Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from chartdraft.domain.errors import AuthenticationError, NotAllowedError
from chartdraft.domain.practice import Actor
from chartdraft.services.accounts import Principal, authenticate_token
from chartdraft.services.clinic import Clinic

_bearer = HTTPBearer(auto_error=False, description="An API token from `chartdraft tokens create`.")


def clinic_of(request: Request) -> Clinic:
    """Return the app's record services."""
    clinic: Clinic = request.app.state.clinic
    return clinic


def principal(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),  # noqa: B008
) -> Principal:
    """Return the caller, or answer 401."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise AuthenticationError("Send an API token: Authorization: Bearer <token>.")
    return authenticate_token(clinic_of(request), credentials.credentials)


def needs(scope: str) -> Callable[..., Actor]:
    """Return a dependency that admits a caller whose token carries ``scope``."""

    def actor(caller: Principal = Depends(principal)) -> Actor:  # noqa: B008
        if scope not in caller.scopes:
            raise NotAllowedError(f'The API token lacks the "{scope}" scope.')
        return caller.actor

    return actor
