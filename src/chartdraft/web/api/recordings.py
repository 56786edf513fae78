"""Dictation uploads: ``POST /api/v1/recordings`` (multipart) and ``GET /api/v1/recordings/{id}``.

The upload is checked (audio, not silent, not truncated) and stored sealed before the answer;
transcription and drafting run in the background. The recording's ``state`` and ``progress``
tell a client when the transcript is there, and its ``draft_id`` which draft to open.
"""

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Request, UploadFile, status

from chartdraft.domain.errors import InputError
from chartdraft.domain.practice import Actor, PatientDetails
from chartdraft.domain.transcript import StoredRecording
from chartdraft.jobs.background import BackgroundJobs
from chartdraft.services.clinic import Clinic
from chartdraft.services.dictation import Transcriber, transcript_document
from chartdraft.services.recordings import NewDictation, receive_recording, recording_of
from chartdraft.web.security import clinic_of, jobs_of, needs, transcriber_of

router = APIRouter(prefix="/api/v1", tags=["recordings"])
Id = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")]
ClinicDep = Annotated[Clinic, Depends(clinic_of)]
TranscriberDep = Annotated[Transcriber, Depends(transcriber_of)]
MULTIPART_OVERHEAD = 64_000
"""Room for the form's other fields and boundaries beside the audio."""


@router.post("/recordings", status_code=status.HTTP_202_ACCEPTED)
def upload(
    request: Request,
    clinic: ClinicDep,
    transcriber: TranscriberDep,
    jobs: Annotated[BackgroundJobs, Depends(jobs_of)],
    actor: Annotated[Actor, Depends(needs("encounters:write"))],
    audio: Annotated[UploadFile, File(description="The dictation (WAV, MP3, M4A, Ogg, WebM).")],
    patient_name: Annotated[str | None, Form(min_length=1, max_length=200)] = None,
    patient_mrn: Annotated[str | None, Form(min_length=1, max_length=64)] = None,
    patient_birth_date: Annotated[date | None, Form()] = None,
    patient_id: Annotated[str | None, Form(max_length=64)] = None,
    encounter_type: Annotated[str | None, Form(max_length=80)] = None,
    clinician_id: Annotated[str | None, Form(max_length=64)] = None,
) -> dict[str, Any]:
    """Store a dictation and start its transcription and draft; answer the recording's id."""
    limit = transcriber.limits.max_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + MULTIPART_OVERHEAD:
        raise InputError(f"The recording is larger than {limit // 1_000_000} MB.")
    patient = None
    if patient_name is not None or patient_mrn is not None:
        if patient_name is None or patient_mrn is None:
            raise InputError("A new patient needs both patient_name and patient_mrn.")
        birth = None if patient_birth_date is None else patient_birth_date.isoformat()
        patient = PatientDetails(patient_name, patient_mrn, birth)
    new = NewDictation(
        audio=audio.file.read(limit + 1), patient=patient, patient_id=patient_id,
        encounter_type=encounter_type, clinician_id=clinician_id,
    )  # fmt: skip
    job = receive_recording(clinic, transcriber, actor, new)
    jobs.submit_transcription(job)
    return {"recording_id": job.recording_id, "state": "received"}


@router.get("/recordings/{recording_id}")
def recording(
    recording_id: Id,
    clinic: ClinicDep,
    actor: Annotated[Actor, Depends(needs("drafts:read"))],
) -> dict[str, Any]:
    """A recording's state and progress; once heard, its transcript and its draft's id."""
    return recording_document(recording_of(clinic, actor, recording_id))


def recording_document(stored: StoredRecording) -> dict[str, Any]:
    """A recording as the API shows it."""
    return {
        "recording_id": stored.id,
        "state": stored.state.value,
        "progress": round(stored.progress, 3),
        "received_at": stored.received_at.isoformat(),
        "audio_bytes": stored.audio_bytes,
        "audio_kept": stored.audio_kept,
        "error": stored.error,
        "encounter_id": stored.encounter_id,
        "draft_id": stored.draft_id,
        "transcript": None if stored.transcript is None else transcript_document(stored.transcript),
    }
