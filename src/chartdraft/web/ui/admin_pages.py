"""The practice administrator's pages: members and roles, encounter templates, retention.

Every page is for admins only (the services check the role on the record); every form post
carries the session's CSRF token; a refused form comes back with its sentence and status 400.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chartdraft.domain.errors import ConflictError, InputError
from chartdraft.domain.review import Role
from chartdraft.services.administration import (
    add_practice_member,
    parse_days,
    practice_members,
    retention_of,
    set_retention,
)
from chartdraft.services.people import change_role, set_member_active
from chartdraft.services.practice_templates import (
    TemplateRejectedError,
    save_template,
    template_listing,
    template_source,
    template_toml,
)
from chartdraft.services.sessions import BrowserCaller
from chartdraft.web.security import clinic_of
from chartdraft.web.ui.pages import page_caller, render, require_csrf

router = APIRouter(include_in_schema=False)
Caller = Annotated[BrowserCaller, Depends(page_caller)]
Csrf = Annotated[str | None, Form()]
Short = Annotated[str, Form(max_length=254)]

NOTICES = {
    "added": "The member was added.",
    "role": "The role was changed.",
    "deactivated": "The member was deactivated; their sessions and API tokens stopped working.",
    "reactivated": "The member was reactivated.",
    "template": "The template was saved; new drafts of this practice use it.",
    "retention": "The retention was saved.",
    "engine": "The engine's settings were saved.",
    "baa": "The BAA was recorded.",
    "ended": "The BAA was ended.",
}
"""Fixed sentences shown after a change (the query names one; nothing of it is echoed)."""


def admin_page(
    request: Request, template: str, caller: BrowserCaller, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render an administration page with its section navigation and notice."""
    notice = NOTICES.get(request.query_params.get("done", ""))
    return render(request, template, caller, status_code, notice=notice, **context)


def done(path: str, what: str) -> Response:
    """Go back to ``path`` after a change, saying what was done."""
    return RedirectResponse(f"{path}?done={what}", status_code=303)


def refusal_status(exc: InputError | ConflictError) -> int:
    """Return the status of a refused form: 409 when it clashes with the record, else 400."""
    return 409 if isinstance(exc, ConflictError) else 400


@router.get("/admin")
def admin_home(caller: Caller) -> Response:
    """The administration pages start with the members."""
    return RedirectResponse("/admin/users", status_code=303)


@router.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, caller: Caller) -> Response:
    """The practice's members, with forms to add one and change roles."""
    return _users(request, caller)


def _users(request: Request, caller: BrowserCaller, status: int = 200, **form: Any) -> Response:
    members = practice_members(clinic_of(request), caller.principal.actor)
    error = form.pop("error", None)
    return admin_page(request, "admin_users.html", caller, status, members=members,
                      roles=[r.value for r in Role], me=caller.principal.actor.user_id,
                      form=form, error=error)  # fmt: skip


@router.post("/admin/users")
def add_user(
    request: Request, caller: Caller, email: Short, display_name: Short,
    role: Annotated[Role, Form()], password: Annotated[str, Form(max_length=1024)],
    may_cosign: Annotated[bool, Form()] = False, csrf_token: Csrf = None,
) -> Response:  # fmt: skip
    """Add a member with an initial password."""
    require_csrf(request, caller, csrf_token)
    try:
        add_practice_member(clinic_of(request), caller.principal.actor, email=email,
                            display_name=display_name, role=role, password=password,
                            may_cosign=may_cosign)  # fmt: skip
    except (InputError, ConflictError) as exc:
        return _users(request, caller, refusal_status(exc), error=str(exc), email=email,
                      display_name=display_name, role=role.value, may_cosign=may_cosign)  # fmt: skip
    return done("/admin/users", "added")


@router.post("/admin/users/{user_id}/role")
def user_role(
    request: Request, caller: Caller, user_id: str, role: Annotated[Role, Form()],
    may_cosign: Annotated[bool, Form()] = False, csrf_token: Csrf = None,
) -> Response:  # fmt: skip
    """Change a member's role (and whether they may co-sign)."""
    require_csrf(request, caller, csrf_token)
    try:
        change_role(clinic_of(request), caller.principal.actor, user_id, role,
                    may_cosign=may_cosign)  # fmt: skip
    except InputError as exc:
        return _users(request, caller, 400, error=str(exc))
    return done("/admin/users", "role")


@router.post("/admin/users/{user_id}/active")
def user_active(
    request: Request, caller: Caller, user_id: str, active: Annotated[bool, Form()],
    csrf_token: Csrf = None,
) -> Response:  # fmt: skip
    """Deactivate or reactivate a member."""
    require_csrf(request, caller, csrf_token)
    try:
        set_member_active(clinic_of(request), caller.principal.actor, user_id, active=active)
    except InputError as exc:
        return _users(request, caller, 400, error=str(exc))
    return done("/admin/users", "reactivated" if active else "deactivated")


@router.get("/admin/templates", response_class=HTMLResponse)
def templates_page(request: Request, caller: Caller) -> Response:
    """The encounter templates in effect for the practice."""
    listing = template_listing(clinic_of(request), caller.principal.actor)
    return admin_page(request, "admin_templates.html", caller, templates=listing)


@router.get("/admin/new-template", response_class=HTMLResponse)
def new_template_page(request: Request, caller: Caller) -> Response:
    """A form for a new template, started from the general one."""
    clinic, actor = clinic_of(request), caller.principal.actor
    template_listing(clinic, actor)  # admins only, before anything is shown
    start = clinic.drafting.catalog.resolve("general").model_copy(
        update={"name": "new-visit-type", "title": "New visit type", "aliases": ()}
    )
    return _editor(request, caller, template_toml(start), name=None)


@router.get("/admin/templates/{name}", response_class=HTMLResponse)
def template_page(request: Request, caller: Caller, name: str, edit: bool = False) -> Response:
    """One template as TOML, or (``edit``) in a form to save as the practice's own."""
    source, own = template_source(clinic_of(request), caller.principal.actor, name)
    if edit:
        return _editor(request, caller, source, name=name)
    return admin_page(request, "admin_template.html", caller, name=name, source=source, own=own)


def _editor(
    request: Request, caller: BrowserCaller, source: str, *, name: str | None, status: int = 200,
    reasons: tuple[str, ...] = (),
) -> Response:  # fmt: skip
    return admin_page(request, "admin_template_edit.html", caller, status, source=source,
                      name=name, reasons=reasons)  # fmt: skip


@router.post("/admin/templates")
def save_template_form(
    request: Request, caller: Caller, source: Annotated[str, Form(max_length=200_000)],
    name: Annotated[str, Form(max_length=80)] = "", csrf_token: Csrf = None,
) -> Response:  # fmt: skip
    """Save a template from TOML; an invalid one comes back with its reasons (400)."""
    require_csrf(request, caller, csrf_token)
    try:
        saved = save_template(clinic_of(request), caller.principal.actor, source)
    except TemplateRejectedError as exc:
        return _editor(request, caller, source, name=name or None, status=400,
                       reasons=exc.reasons)  # fmt: skip
    return done(f"/admin/templates/{saved}", "template")


@router.get("/admin/retention", response_class=HTMLResponse)
def retention_page(request: Request, caller: Caller) -> Response:
    """The practice's retention and its last purge."""
    return _retention(request, caller)


def _retention(request: Request, caller: BrowserCaller, status: int = 200, **form: Any) -> Response:
    retention = retention_of(clinic_of(request), caller.principal.actor)
    own, error = retention.own, form.pop("error", None)
    values = form or {
        "capture_days": "" if own is None or own.capture_days is None else own.capture_days,
        "unsigned_draft_days": ""
        if own is None or own.unsigned_draft_days is None
        else own.unsigned_draft_days,
    }
    return admin_page(request, "admin_retention.html", caller, status, retention=retention,
                      values=values, error=error)  # fmt: skip


@router.post("/admin/retention")
def save_retention(
    request: Request, caller: Caller, capture_days: Annotated[str, Form(max_length=10)] = "",
    unsigned_draft_days: Annotated[str, Form(max_length=10)] = "", csrf_token: Csrf = None,
) -> Response:  # fmt: skip
    """Set how long the practice keeps captures and unsigned drafts (blank: keep)."""
    require_csrf(request, caller, csrf_token)
    try:
        set_retention(clinic_of(request), caller.principal.actor,
                      capture_days=parse_days(capture_days, "Capture days"),
                      unsigned_draft_days=parse_days(unsigned_draft_days, "Draft days"))  # fmt: skip
    except InputError as exc:
        return _retention(request, caller, 400, error=str(exc), capture_days=capture_days,
                          unsigned_draft_days=unsigned_draft_days)  # fmt: skip
    return done("/admin/retention", "retention")
