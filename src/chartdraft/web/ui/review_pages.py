"""The review queue, the review screen, and the clinician's decisions on it."""

from collections import defaultdict
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chartdraft.domain.note_text import render_section_body
from chartdraft.domain.records import Resolution, StoredFinding
from chartdraft.domain.review import Checklist, ReviewState
from chartdraft.domain.sections import SectionName
from chartdraft.services.accounts import confirm_password
from chartdraft.services.delivery import note_delivery
from chartdraft.services.recordings import recording_of_draft
from chartdraft.services.review import edit_section, resolve_finding, review_queue, review_view
from chartdraft.services.sessions import BrowserCaller
from chartdraft.services.signing import amend_note, get_note, reject_note, sign_note
from chartdraft.web.security import clinic_of, jobs_of
from chartdraft.web.ui.drafting_pages import DRAFTING_STATES, drafting_page
from chartdraft.web.ui.pages import page_caller, render, require_csrf
from chartdraft.web.ui.source_map import field_views, span_key

router = APIRouter(include_in_schema=False)
Id = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")]
Caller = Annotated[BrowserCaller, Depends(page_caller)]
Csrf = Annotated[str | None, Form(max_length=100)]


@router.get("/", include_in_schema=False)
def home() -> Response:
    """Start at the queue."""
    return RedirectResponse("/queue", status_code=303)


@router.get("/queue", response_class=HTMLResponse)
def queue_page(request: Request, caller: Caller) -> Response:
    """The signed-in clinician's drafts, oldest first, with what still needs them."""
    items = review_queue(clinic_of(request), caller.principal.actor)
    return render(request, "queue.html", caller, items=items)


@router.get("/drafts/{draft_id}", response_class=HTMLResponse)
def review_page(
    request: Request, draft_id: Id, caller: Caller, error: str | None = None
) -> Response:
    """The draft beside the clinician's input, with findings at their statements."""
    view = review_view(clinic_of(request), caller.principal.actor, draft_id)
    stored = view.draft
    if stored.state in DRAFTING_STATES:
        return drafting_page(request, caller, stored)
    by_statement: dict[str | None, list[StoredFinding]] = defaultdict(list)
    by_section: dict[str, list[StoredFinding]] = defaultdict(list)
    for finding in stored.findings:
        if finding.finding.statement_id:
            by_statement[finding.finding.statement_id].append(finding)
        else:
            by_section[finding.finding.section.value if finding.finding.section else ""].append(
                finding
            )
    sections = [] if stored.draft is None else [
        {"section": s, "body": render_section_body(s),
         "sources": {st.id: " ".join(span_key(src) for src in st.sources) for st in s.statements}}
        for s in stored.draft.sections
    ]  # fmt: skip
    return render(
        request, "review.html", caller, stored=stored, sections=sections,
        fields=[] if view.visit is None else field_views(view.visit, stored.draft),
        by_statement=by_statement, by_section=by_section, error=error,
        editable=stored.state in (ReviewState.DRAFTED, ReviewState.IN_REVIEW),
        recording=recording_of_draft(clinic_of(request), caller.principal.actor, draft_id),
    )  # fmt: skip


@router.post("/drafts/{draft_id}/sections/{name}")
def save_section(
    request: Request, draft_id: Id, name: SectionName, caller: Caller,
    text: Annotated[str, Form(max_length=20_000)], csrf_token: Csrf = None,
) -> Response:  # fmt: skip
    """Save one section (autosave sends this too); findings the edit removed are resolved."""
    require_csrf(request, caller, csrf_token)
    result = edit_section(clinic_of(request), caller.principal.actor, draft_id, name, text)
    if request.headers.get("HX-Request"):
        return HTMLResponse(
            f"Saved (revision {result.revision}); {len(result.cleared)} finding(s) cleared."
        )
    return RedirectResponse(f"/drafts/{draft_id}#section-{name.value}", status_code=303)


@router.post("/drafts/{draft_id}/findings/{finding_id}/resolve")
def resolve_page(
    request: Request, draft_id: Id, finding_id: Id, caller: Caller,
    resolution: Annotated[Resolution, Form()], reason: Annotated[str, Form(max_length=2_000)] = "",
    csrf_token: Csrf = None,
) -> Response:  # fmt: skip
    """Resolve a finding by attesting with a reason (or confirming an edit removed it)."""
    require_csrf(request, caller, csrf_token)
    resolve_finding(clinic_of(request), caller.principal.actor, draft_id, finding_id, resolution,
                    reason=reason or None)  # fmt: skip
    return RedirectResponse(f"/drafts/{draft_id}", status_code=303)


@router.post("/drafts/{draft_id}/sign")
def sign_page(
    request: Request, draft_id: Id, caller: Caller, password: Annotated[str, Form(max_length=1024)],
    facts_verified: Annotated[bool, Form()] = False,
    assessment_is_mine: Annotated[bool, Form()] = False,
    flags_completed: Annotated[bool, Form()] = False, defensible: Annotated[bool, Form()] = False,
    csrf_token: Csrf = None,
) -> Response:  # fmt: skip
    """Sign with the checklist confirmed and the password asked again."""
    require_csrf(request, caller, csrf_token)
    clinic, actor = clinic_of(request), caller.principal.actor
    confirm_password(clinic, actor, password)
    checklist = Checklist(facts_verified, assessment_is_mine, flags_completed, defensible)
    note_id = sign_note(clinic, actor, draft_id, checklist)
    jobs_of(request).nudge()  # its delivery to the EHR, when write-back is on, starts now
    return RedirectResponse(f"/notes/{note_id}", status_code=303)


@router.post("/drafts/{draft_id}/reject")
def reject_page(
    request: Request, draft_id: Id, caller: Caller, reason: Annotated[str, Form(max_length=2_000)],
    csrf_token: Csrf = None,
) -> Response:  # fmt: skip
    """Reject the draft with a reason."""
    require_csrf(request, caller, csrf_token)
    reject_note(clinic_of(request), caller.principal.actor, draft_id, reason)
    return RedirectResponse("/queue", status_code=303)


@router.get("/notes/{note_id}", response_class=HTMLResponse)
def note_page(request: Request, note_id: Id, caller: Caller) -> Response:
    """A signed note, read-only, with copy and amend."""
    clinic, actor = clinic_of(request), caller.principal.actor
    note = get_note(clinic, actor, note_id)
    delivery = note_delivery(clinic, actor, note_id)
    return render(request, "note.html", caller, note=note, delivery=delivery)


@router.post("/notes/{note_id}/amend")
def amend_page(
    request: Request, note_id: Id, caller: Caller, text: Annotated[str, Form(max_length=200_000)],
    reason: Annotated[str, Form(max_length=2_000)], password: Annotated[str, Form(max_length=1024)],
    csrf_token: Csrf = None,
) -> Response:  # fmt: skip
    """Supersede the note with an amended version."""
    require_csrf(request, caller, csrf_token)
    clinic, actor = clinic_of(request), caller.principal.actor
    confirm_password(clinic, actor, password)
    new_id = amend_note(clinic, actor, note_id, text, reason)
    jobs_of(request).nudge()
    return RedirectResponse(f"/notes/{new_id}", status_code=303)
