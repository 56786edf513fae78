"""Sign in and out. The sign-in form is protected by a double-submit CSRF cookie."""

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chartdraft.domain.errors import AuthenticationError
from chartdraft.services.sessions import TooManyAttemptsError, sign_in, sign_out
from chartdraft.web.security import SESSION_COOKIE, clinic_of
from chartdraft.web.ui.pages import page_caller, render, require_csrf

router = APIRouter(include_in_schema=False)
LOGIN_CSRF_COOKIE = "chartdraft_login"


def _secure(request: Request) -> bool:
    setting: bool | None = request.app.state.secure_cookies
    return setting if setting is not None else request.url.scheme == "https"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, error: str | None = None) -> Response:
    """The sign-in form."""
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", None, login_csrf=token, error=error)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict",
                        secure=_secure(request), max_age=1800)  # fmt: skip
    return response


@router.post("/login")
def login(
    request: Request,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=1024)],
    login_csrf: Annotated[str, Form(max_length=100)],
) -> Response:
    """Check the password, open a session, go to the queue."""
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, login_csrf):
        return render(request, "login.html", None, 403, login_csrf=cookie,
                      error="The sign-in form expired; please try again.")  # fmt: skip
    client = request.client.host if request.client else "unknown"
    try:
        signed = sign_in(
            clinic_of(request), email, password, policy=request.app.state.session_policy,
            throttle=request.app.state.login_throttle, client=client,
        )  # fmt: skip
    except AuthenticationError as exc:
        return render(request, "login.html", None, 401, login_csrf=cookie, error=str(exc))
    except TooManyAttemptsError as exc:
        return render(request, "login.html", None, 429, login_csrf=cookie, error=str(exc))
    response = RedirectResponse("/queue", status_code=303)
    response.set_cookie(SESSION_COOKIE, signed.secret, httponly=True, samesite="strict",
                        secure=_secure(request), path="/")  # fmt: skip
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, csrf_token: Annotated[str, Form(max_length=100)]) -> Response:
    """End the session."""
    caller = page_caller(request)
    require_csrf(request, caller, csrf_token)
    sign_out(clinic_of(request), request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
