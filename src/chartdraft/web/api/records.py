"""Encounters, drafts and notes: capture, review, sign."""

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, status

from chartdraft.domain.practice import Actor, PatientDetails
from chartdraft.domain.records import Resolution
from chartdraft.domain.review import Checklist, ReviewState
from chartdraft.domain.sections import SectionName
from chartdraft.jobs.background import BackgroundJobs
from chartdraft.services.accounts import confirm_password
from chartdraft.services.clinic import Clinic
from chartdraft.services.draft_job import request_draft
from chartdraft.services.encounters import NewEncounter, create_encounter
from chartdraft.services.review import edit_section, get_draft, resolve_finding
from chartdraft.services.signing import amend_note, get_note, reject_note, sign_note
from chartdraft.web.api.models import (
    AmendIn,
    EncounterIn,
    RejectIn,
    ResolveIn,
    SectionIn,
    SignIn,
    draft_document,
    note_document,
)
from chartdraft.web.security import clinic_of, jobs_of, needs

router = APIRouter(prefix="/api/v1", tags=["records"])
Id = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")]
ClinicDep = Annotated[Clinic, Depends(clinic_of)]
JobsDep = Annotated[BackgroundJobs, Depends(jobs_of)]


@router.post("/encounters", status_code=status.HTTP_201_CREATED)
def create(
    body: EncounterIn,
    clinic: ClinicDep,
    jobs: JobsDep,
    actor: Annotated[Actor, Depends(needs("encounters:write"))],
) -> dict[str, Any]:
    """Record an encounter with its capture and start its draft; answer both ids."""
    new = NewEncounter(
        capture=_capture_bytes(body),
        patient=None
        if body.patient is None
        else PatientDetails(
            body.patient.name,
            body.patient.mrn,
            None if body.patient.birth_date is None else body.patient.birth_date.isoformat(),
        ),
        patient_id=body.patient_id,
        encounter_type=body.encounter_type,
        input_format="json" if body.capture.fields is not None else "auto",
        clinician_id=body.clinician_id,
    )
    created = create_encounter(clinic, actor, new)
    # The draft is written in the background; its review_state ("drafting", then "drafted" or
    # "drafting_failed") tells a client when it is done.
    job = request_draft(clinic, actor, created.encounter_id)
    jobs.submit(job)
    return {
        "encounter_id": created.encounter_id,
        "draft_id": job.draft_id,
        "review_state": ReviewState.DRAFTING.value,
    }


@router.post("/encounters/{encounter_id}/drafts", status_code=status.HTTP_201_CREATED)
def redraft(
    encounter_id: Id,
    clinic: ClinicDep,
    jobs: JobsDep,
    actor: Annotated[Actor, Depends(needs("encounters:write"))],
) -> dict[str, Any]:
    """Draft an encounter again after its draft failed or was rejected; answer the new draft id."""
    job = request_draft(clinic, actor, encounter_id)
    jobs.submit(job)
    return {"draft_id": job.draft_id, "review_state": ReviewState.DRAFTING.value}


def _capture_bytes(body: EncounterIn) -> bytes:
    if body.capture.fields is not None:
        document: dict[str, str] = dict(body.capture.fields)
        if body.encounter_type:
            document.setdefault("encounter_type", body.encounter_type)
        return json.dumps(document).encode("utf-8")
    return (body.capture.text or "").encode("utf-8")


@router.get("/drafts/{draft_id}")
def read_draft(
    draft_id: Id, clinic: ClinicDep, actor: Annotated[Actor, Depends(needs("drafts:read"))]
) -> dict[str, Any]:
    """The draft (JSON contract ``chartdraft.draft/1``) with its review state and finding ids."""
    return draft_document(get_draft(clinic, actor, draft_id))


@router.put("/drafts/{draft_id}/sections/{name}")
def put_section(
    draft_id: Id,
    name: SectionName,
    body: SectionIn,
    clinic: ClinicDep,
    actor: Annotated[Actor, Depends(needs("drafts:write"))],
) -> dict[str, Any]:
    """Replace one section's text; findings the edit removed are resolved."""
    result = edit_section(clinic, actor, draft_id, name, body.text)
    return {"version": result.version, "revision": result.revision, "cleared": list(result.cleared)}


@router.post("/drafts/{draft_id}/findings/{finding_id}/resolve")
def resolve(
    draft_id: Id,
    finding_id: Id,
    body: ResolveIn,
    clinic: ClinicDep,
    actor: Annotated[Actor, Depends(needs("drafts:write"))],
) -> dict[str, Any]:
    """Resolve a finding: ``edited`` (re-verified) or ``attested`` with a reason."""
    resolution = Resolution(body.resolution)
    resolve_finding(clinic, actor, draft_id, finding_id, resolution, reason=body.reason)
    return {"finding_id": finding_id, "resolution": resolution.value}


@router.post("/drafts/{draft_id}/sign", status_code=status.HTTP_201_CREATED)
def sign(
    draft_id: Id,
    body: SignIn,
    clinic: ClinicDep,
    jobs: JobsDep,
    actor: Annotated[Actor, Depends(needs("notes:sign"))],
) -> dict[str, Any]:
    """Sign the draft (password asked again, checklist confirmed); answer the note id."""
    confirm_password(clinic, actor, body.password)
    checklist = Checklist(**body.checklist.model_dump())
    note_id = sign_note(clinic, actor, draft_id, checklist)
    jobs.nudge()  # its delivery to the EHR, when write-back is on, starts now
    return {"note_id": note_id}


@router.post("/drafts/{draft_id}/reject")
def reject(
    draft_id: Id,
    body: RejectIn,
    clinic: ClinicDep,
    actor: Annotated[Actor, Depends(needs("drafts:write"))],
) -> dict[str, Any]:
    """Reject the draft with a reason."""
    reject_note(clinic, actor, draft_id, body.reason)
    return {"draft_id": draft_id, "review_state": "rejected"}


@router.get("/notes/{note_id}")
def read_note(
    note_id: Id, clinic: ClinicDep, actor: Annotated[Actor, Depends(needs("notes:read"))]
) -> dict[str, Any]:
    """A signed note (read-only)."""
    return note_document(get_note(clinic, actor, note_id))


@router.post("/notes/{note_id}/amend", status_code=status.HTTP_201_CREATED)
def amend(
    note_id: Id,
    body: AmendIn,
    clinic: ClinicDep,
    jobs: JobsDep,
    actor: Annotated[Actor, Depends(needs("notes:sign"))],
) -> dict[str, Any]:
    """Supersede a signed note with an amended version (reason and password required)."""
    confirm_password(clinic, actor, body.password)
    new_id = amend_note(clinic, actor, note_id, body.text, body.reason)
    jobs.nudge()
    return {"note_id": new_id}
