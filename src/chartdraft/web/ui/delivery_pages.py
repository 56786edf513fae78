"""The outbox to the EHR as a page: what is waiting, what the EHR refused and why, retry."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chartdraft.domain.delivery import DeliveryState
from chartdraft.services.delivery import list_deliveries, retry_delivery
from chartdraft.services.sessions import BrowserCaller
from chartdraft.web.security import clinic_of, jobs_of
from chartdraft.web.ui.pages import page_caller, render, require_csrf

router = APIRouter(include_in_schema=False)
Caller = Annotated[BrowserCaller, Depends(page_caller)]
Id = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")]


@router.get("/deliveries", response_class=HTMLResponse)
def deliveries_page(
    request: Request, caller: Caller, state: Annotated[DeliveryState | None, Query()] = None
) -> Response:
    """The exception queue first (refused by the EHR, with its reasons), then the rest."""
    listed = list_deliveries(clinic_of(request), caller.principal.actor, state)
    failed = [d for d in listed if d.state is DeliveryState.FAILED]
    others = [d for d in listed if d.state is not DeliveryState.FAILED]
    return render(request, "deliveries.html", caller, failed=failed, others=others, state=state)


@router.post("/deliveries/{delivery_id}/retry")
def retry_page(
    request: Request,
    delivery_id: Id,
    caller: Caller,
    csrf_token: Annotated[str | None, Form()] = None,
) -> Response:
    """Put a refused delivery back in line."""
    require_csrf(request, caller, csrf_token)
    retry_delivery(clinic_of(request), caller.principal.actor, delivery_id)
    jobs_of(request).nudge()
    return RedirectResponse("/deliveries", status_code=303)
