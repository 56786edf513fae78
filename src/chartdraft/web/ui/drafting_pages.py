"""While a draft is written in the background: its progress, and drafting again after a failure."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chartdraft.domain.records import StoredDraft
from chartdraft.domain.review import ReviewState
from chartdraft.services.draft_job import request_draft
from chartdraft.services.review import get_draft
from chartdraft.services.sessions import BrowserCaller
from chartdraft.web.security import clinic_of, jobs_of
from chartdraft.web.ui.pages import page_caller, render, require_csrf

router = APIRouter(include_in_schema=False)
Id = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")]
Caller = Annotated[BrowserCaller, Depends(page_caller)]

DRAFTING_STATES = (ReviewState.DRAFTING, ReviewState.DRAFTING_FAILED)


def drafting_page(request: Request, caller: BrowserCaller, stored: StoredDraft) -> Response:
    """The page shown instead of the review while the draft is written (or failed)."""
    return render(request, "drafting.html", caller, **_status(request, stored))


@router.get("/drafts/{draft_id}/progress", response_class=HTMLResponse)
def progress(request: Request, draft_id: Id, caller: Caller) -> Response:
    """The drafting status, polled by the page; once drafted, htmx is sent to the review."""
    stored = get_draft(clinic_of(request), caller.principal.actor, draft_id)
    review = f"/drafts/{draft_id}"
    if not request.headers.get("HX-Request"):
        return RedirectResponse(review, status_code=303)
    if stored.state not in DRAFTING_STATES:
        return HTMLResponse("", headers={"HX-Redirect": review})
    return render(request, "drafting_status.html", caller, **_status(request, stored))


@router.post("/encounters/{encounter_id}/drafts")
def redraft(
    request: Request, encounter_id: Id, caller: Caller,
    csrf_token: Annotated[str | None, Form(max_length=100)] = None,
) -> Response:  # fmt: skip
    """Draft the encounter again (after a failed or rejected draft) and follow its progress."""
    require_csrf(request, caller, csrf_token)
    job = request_draft(clinic_of(request), caller.principal.actor, encounter_id)
    jobs_of(request).submit(job)
    return RedirectResponse(f"/drafts/{job.draft_id}", status_code=303)


def _status(request: Request, stored: StoredDraft) -> dict[str, Any]:
    elapsed = clinic_of(request).clock() - stored.created_at
    return {
        "stored": stored,
        "failed": stored.state is ReviewState.DRAFTING_FAILED,
        "elapsed": max(0, int(elapsed.total_seconds())),
    }
