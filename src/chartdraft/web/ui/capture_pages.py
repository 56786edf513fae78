"""The capture screen: a new encounter with the patient, its type and what was captured."""

import json
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chartdraft.domain.errors import InputError
from chartdraft.domain.practice import PatientDetails
from chartdraft.domain.sections import DEFAULT_TITLES, SOAP_ORDER
from chartdraft.services.draft_job import request_draft
from chartdraft.services.encounters import NewEncounter, create_encounter
from chartdraft.services.practice_templates import practice_catalog
from chartdraft.services.recordings import NewDictation, receive_recording
from chartdraft.services.sessions import BrowserCaller
from chartdraft.web.security import clinic_of, jobs_of, transcriber_of
from chartdraft.web.ui.pages import page_caller, render, require_csrf

router = APIRouter(include_in_schema=False)
Caller = Annotated[BrowserCaller, Depends(page_caller)]
Text = Annotated[str, Form(max_length=200_000)]


@router.get("/encounters/new", response_class=HTMLResponse)
def capture_page(request: Request, caller: Caller) -> Response:
    """The capture form, with each encounter type's prompts for each field."""
    catalog = practice_catalog(clinic_of(request), caller.principal.actor.practice_id)
    templates = [catalog.resolve(name) for name in catalog.names()]
    return render(request, "capture.html", caller, templates=templates,
                  fields=[(s.value, DEFAULT_TITLES[s]) for s in SOAP_ORDER])  # fmt: skip


@router.post("/encounters")
def capture(
    request: Request, caller: Caller,
    patient_name: Annotated[str, Form(max_length=200)], mrn: Annotated[str, Form(max_length=64)],
    encounter_type: Annotated[str, Form(max_length=80)],
    birth_date: Annotated[str, Form(max_length=10)] = "", dictation: Text = "",
    chief_complaint: Text = "", subjective: Text = "", objective: Text = "",
    assessment: Text = "", plan: Text = "", csrf_token: Annotated[str | None, Form()] = None,
    recording: Annotated[UploadFile | None, File()] = None,
) -> Response:  # fmt: skip
    """Record the encounter, start its draft, and open the review screen (it shows progress).

    A recording goes to the transcription page first; the draft follows when it is heard.
    """
    require_csrf(request, caller, csrf_token)
    fields = {"chief_complaint": chief_complaint, "subjective": subjective,
              "objective": objective, "assessment": assessment, "plan": plan}  # fmt: skip
    given = {name: text for name, text in fields.items() if text.strip()}
    uploaded = recording is not None and bool(recording.filename)
    if sum((bool(dictation.strip()), bool(given), uploaded)) > 1:
        raise InputError("Give one of the five fields, a dictation or a recording.")
    patient = PatientDetails(patient_name, mrn, _birth_date(birth_date))
    if recording is not None and uploaded:
        return _upload(request, caller, recording, patient, encounter_type)
    capture = dictation if dictation.strip() else json.dumps(given)
    new = NewEncounter(
        capture=capture.encode("utf-8"),
        patient=patient,
        encounter_type=encounter_type,
        input_format="auto" if dictation.strip() else "json",
    )
    clinic, actor = clinic_of(request), caller.principal.actor
    created = create_encounter(clinic, actor, new)
    job = request_draft(clinic, actor, created.encounter_id)
    jobs_of(request).submit(job)
    return RedirectResponse(f"/drafts/{job.draft_id}", status_code=303)


def _upload(
    request: Request, caller: BrowserCaller, recording: UploadFile, patient: PatientDetails,
    encounter_type: str,
) -> Response:  # fmt: skip
    transcriber = transcriber_of(request)
    audio = recording.file.read(transcriber.limits.max_bytes + 1)
    new = NewDictation(audio, patient=patient, encounter_type=encounter_type)
    job = receive_recording(clinic_of(request), transcriber, caller.principal.actor, new)
    jobs_of(request).submit_transcription(job)
    return RedirectResponse(f"/recordings/{job.recording_id}", status_code=303)


def _birth_date(text: str) -> str | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise InputError("The birth date must be a date (YYYY-MM-DD).") from None
