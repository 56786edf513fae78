"""What every page shares: the templates, the signed-in caller, CSRF checks, rendering."""

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from chartdraft.domain.errors import ChartdraftError
from chartdraft.domain.review import Role
from chartdraft.services.sessions import BrowserCaller
from chartdraft.web.security import CSRF_HEADER, browser_caller, check_csrf

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")
"""Autoescaping is on for .html: the clinician's words are always text, never markup."""


def page_caller(request: Request) -> BrowserCaller:
    """Return the signed-in caller (an unauthenticated page request goes to the sign-in page)."""
    return browser_caller(request)


def require_csrf(request: Request, caller: BrowserCaller, form_token: str | None) -> None:
    """Check the CSRF token of a form post (field) or an htmx request (header)."""
    check_csrf(caller, form_token or request.headers.get(CSRF_HEADER))


def render(
    request: Request, template: str, caller: BrowserCaller | None, status_code: int = 200,
    **context: Any,
) -> HTMLResponse:  # fmt: skip
    """Render a page with the caller's role and CSRF token."""
    role = None if caller is None else caller.principal.actor.role
    context.update(
        role=None if role is None else role.value,
        csrf=None if caller is None else caller.csrf_token,
        reads_metrics=role in (Role.ADMIN, Role.AUDITOR),
        reviews=role in (Role.CLINICIAN, Role.SCRIBE),
        # The outbox's page is in the menu only where notes are written back to an EHR.
        sees_deliveries=role in (Role.ADMIN, Role.CLINICIAN)
        and request.app.state.clinic.ehr_outbox,
    )
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)


def render_error(request: Request, status: int, title: str, detail: str) -> Response:
    """Render an error page (the sentence only; never a traceback)."""
    try:
        caller: BrowserCaller | None = browser_caller(request)
    except ChartdraftError:
        caller = None
    return render(request, "error.html", caller, status, title=title, detail=detail)
