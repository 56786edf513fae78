"""While an uploaded dictation is heard: its progress, then on to its draft (or why it failed)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chartdraft.domain.transcript import RecordingState, StoredRecording
from chartdraft.services.recordings import recording_of
from chartdraft.services.sessions import BrowserCaller
from chartdraft.web.security import clinic_of
from chartdraft.web.ui.pages import page_caller, render

router = APIRouter(include_in_schema=False)
Id = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")]
Caller = Annotated[BrowserCaller, Depends(page_caller)]

WAITING = (RecordingState.RECEIVED, RecordingState.TRANSCRIBING)


@router.get("/recordings/{recording_id}", response_class=HTMLResponse)
def recording_page(request: Request, recording_id: Id, caller: Caller) -> Response:
    """The transcription's progress; once heard, the draft's page (which shows its progress)."""
    stored = recording_of(clinic_of(request), caller.principal.actor, recording_id)
    if stored.draft_id is not None:
        return RedirectResponse(f"/drafts/{stored.draft_id}", status_code=303)
    return render(request, "recording.html", caller, **_status(stored))


@router.get("/recordings/{recording_id}/progress", response_class=HTMLResponse)
def progress(request: Request, recording_id: Id, caller: Caller) -> Response:
    """The status fragment the page polls; once transcribed, htmx is sent to the draft."""
    stored = recording_of(clinic_of(request), caller.principal.actor, recording_id)
    page = f"/recordings/{recording_id}"
    if not request.headers.get("HX-Request"):
        return RedirectResponse(page, status_code=303)
    if stored.draft_id is not None:
        return HTMLResponse("", headers={"HX-Redirect": f"/drafts/{stored.draft_id}"})
    return render(request, "recording_status.html", caller, **_status(stored))


def _status(stored: StoredRecording) -> dict[str, Any]:
    return {
        "recording": stored,
        "waiting": stored.state in WAITING,
        "percent": round(stored.progress * 100),
    }
