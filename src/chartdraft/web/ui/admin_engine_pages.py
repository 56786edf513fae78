"""The practice administrator's pages for engines (and their PHI permission) and BAA records."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from chartdraft.domain.errors import InputError
from chartdraft.services.administration import (
    choose_engine,
    end_baa,
    engine_listing,
    parse_date,
    practice_baas,
    record_baa,
)
from chartdraft.services.sessions import BrowserCaller
from chartdraft.store.administration import Baa
from chartdraft.web.security import clinic_of
from chartdraft.web.ui.admin_pages import admin_page, done
from chartdraft.web.ui.pages import page_caller, require_csrf

router = APIRouter(include_in_schema=False)
Caller = Annotated[BrowserCaller, Depends(page_caller)]
Csrf = Annotated[str | None, Form()]
Day = Annotated[str, Form(max_length=10)]


@router.get("/admin/engines", response_class=HTMLResponse)
def engines_page(request: Request, caller: Caller) -> Response:
    """The configured engines, whether the practice uses them, and their PHI permission."""
    return _engines(request, caller)


def _engines(request: Request, caller: BrowserCaller, status: int = 200, **form: Any) -> Response:
    clinic, actor = clinic_of(request), caller.principal.actor
    engines = engine_listing(clinic, actor)
    today = clinic.clock().date()
    baas = [b for b in practice_baas(clinic, actor) if b.active_on(today)]
    return admin_page(request, "admin_engines.html", caller, status, engines=engines, baas=baas,
                      **form)  # fmt: skip


@router.post("/admin/engines/{name}")
def save_engine(
    request: Request, caller: Caller, name: str, enabled: Annotated[bool, Form()] = False,
    phi_allowed: Annotated[bool, Form()] = False,
    baa_id: Annotated[str, Form(max_length=40)] = "", csrf_token: Csrf = None,
) -> Response:  # fmt: skip
    """Enable or disable an engine and grant or withdraw its PHI permission."""
    require_csrf(request, caller, csrf_token)
    try:
        choose_engine(clinic_of(request), caller.principal.actor, name, enabled=enabled,
                      phi_allowed=phi_allowed, baa_id=baa_id or None)  # fmt: skip
    except InputError as exc:
        return _engines(request, caller, 400, error=str(exc), failed=name)
    return done("/admin/engines", "engine")


@router.get("/admin/baas", response_class=HTMLResponse)
def baas_page(request: Request, caller: Caller) -> Response:
    """The practice's BAA records, with a form to add one."""
    return _baas(request, caller)


def _baas(request: Request, caller: BrowserCaller, status: int = 200, **form: Any) -> Response:
    clinic, actor = clinic_of(request), caller.principal.actor
    baas = practice_baas(clinic, actor)
    today, error = clinic.clock().date(), form.pop("error", None)
    return admin_page(request, "admin_baas.html", caller, status, baas=baas, today=today,
                      engine_names=sorted(clinic.drafting.engines), form=form,
                      error=error)  # fmt: skip


@router.post("/admin/baas")
def add_baa(
    request: Request, caller: Caller, vendor: Annotated[str, Form(max_length=200)],
    reference: Annotated[str, Form(max_length=200)], signed_on: Day, expires_on: Day = "",
    engines: Annotated[list[str] | None, Form()] = None,
    note: Annotated[str, Form(max_length=4000)] = "", csrf_token: Csrf = None,
) -> Response:  # fmt: skip
    """Record a BAA."""
    require_csrf(request, caller, csrf_token)
    try:
        signed = parse_date(signed_on, "The signing date")
        if signed is None:
            raise InputError("Give the date the agreement was signed.")
        baa = Baa("", vendor, reference, signed, parse_date(expires_on, "The expiry date"), None,
                  tuple(engines or ()), note)  # fmt: skip
        record_baa(clinic_of(request), caller.principal.actor, baa)
    except InputError as exc:
        return _baas(request, caller, 400, error=str(exc), vendor=vendor, reference=reference,
                     signed_on=signed_on, expires_on=expires_on, engines=engines or [],
                     note=note)  # fmt: skip
    return done("/admin/baas", "baa")


@router.post("/admin/baas/{baa_id}/end")
def end_baa_form(
    request: Request, caller: Caller, baa_id: str, ended_on: Day = "", csrf_token: Csrf = None
) -> Response:
    """End a BAA (today, or on the given date)."""
    require_csrf(request, caller, csrf_token)
    clinic = clinic_of(request)
    try:
        day = parse_date(ended_on, "The end date") or clinic.clock().date()
        end_baa(clinic, caller.principal.actor, baa_id, day)
    except InputError as exc:
        return _baas(request, caller, 400, error=str(exc))
    return done("/admin/baas", "ended")
