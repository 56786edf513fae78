"""Dictation uploads: stored (sealed) before anything is heard, transcribed as a job, then
recorded and drafted like a typed dictation.

A recording's state is its job's state (``received``, ``transcribing``, then ``transcribed``
or ``failed``), kept in the record with how much has been heard, so a run lost with its
process is found again by the sweep and a crash loses nothing. Storing the transcript, the
encounter, its capture and the reserved draft is one transaction: a second run of the same
job finds the recording finished and stops.
"""

import hashlib
import logging
from dataclasses import dataclass
from datetime import timedelta

from chartdraft.domain.audit import AuditEntry, AuditKind
from chartdraft.domain.errors import ConflictError, InputError
from chartdraft.domain.practice import Actor, PatientDetails
from chartdraft.domain.transcript import StoredRecording, Transcript
from chartdraft.services.clinic import Clinic
from chartdraft.services.dictation import Transcriber
from chartdraft.services.draft_job import CAPTURE_ROLES, DraftingJob, reserve_draft
from chartdraft.services.encounters import (
    CheckedCapture,
    NewEncounter,
    check_capture,
    encounter_clinician,
    record_encounter,
)
from chartdraft.services.practice_drafting import practice_drafting
from chartdraft.services.review import READ_ROLES
from chartdraft.store.recordings import NewRecording, RecordingDetails

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=30)
"""How long a transcription run holds its recording before the sweep presumes it lost: an
hour of dictation takes about two minutes at the measured real-time factor."""
PROGRESS_STEP = 0.05
UNEXPECTED = "Transcription failed unexpectedly; upload the recording again."


@dataclass(frozen=True)
class NewDictation:
    """An upload: the audio, the patient (new, or an existing id) and the encounter type."""

    audio: bytes
    patient: PatientDetails | None = None
    patient_id: str | None = None
    encounter_type: str | None = None
    clinician_id: str | None = None
    """Whose encounter it is; a clinician's own by default (a scribe must name one)."""


@dataclass(frozen=True)
class TranscriptionJob:
    """One recording to transcribe."""

    practice_id: str
    recording_id: str


def receive_recording(
    clinic: Clinic, transcriber: Transcriber, actor: Actor, new: NewDictation
) -> TranscriptionJob:
    """Check the audio and the details, store the upload sealed; return the job to run.

    Audio that cannot be used (empty, not audio, truncated, silent, too long) is refused here
    in one sentence and nothing is stored.
    """
    transcriber.decode(new.audio, source="The recording")
    if new.encounter_type is not None:
        practice_drafting(clinic, actor.practice_id).catalog.resolve(new.encounter_type)
    now = clinic.clock()
    with clinic.acting(actor, "upload a dictation", *CAPTURE_ROLES) as (records, member):
        clinician_id = encounter_clinician(records, member, new.clinician_id)
        if new.patient_id is not None:
            records.people.patient(new.patient_id)  # another practice's patient is not found
        elif new.patient is None:
            raise InputError("Give the patient (name and MRN) or the id of one already recorded.")
        details = RecordingDetails(new.patient, new.patient_id, new.encounter_type)
        sha256 = hashlib.sha256(new.audio).hexdigest()
        recording_id = records.recordings.add(
            NewRecording(new.audio, sha256, member.id, clinician_id, details), now
        )
        records.audit(
            AuditEntry(AuditKind.RECORDING_RECEIVED, member.id,
                       details={"recording_id": recording_id, "bytes": len(new.audio)}),
            now,
        )  # fmt: skip
    return TranscriptionJob(actor.practice_id, recording_id)


def transcribe_recording(
    clinic: Clinic, transcriber: Transcriber, job: TranscriptionJob, *, keep_audio: bool = False
) -> DraftingJob | None:
    """Transcribe a stored recording and record its encounter; return the draft to write.

    None when there is nothing to draft: another run holds or finished the recording, or
    nothing usable was heard (then the recording is ``failed`` with the reason).
    """
    now = clinic.clock()
    with clinic.records.practice(job.practice_id) as records:
        if not records.recordings.claim(job.recording_id, now, now + LEASE):
            return None
        audio = records.recordings.audio(job.recording_id)
        details = records.recordings.details(job.recording_id)
        stored = records.recordings.recording(job.recording_id)
    try:
        transcript = transcriber.transcribe(
            audio, source="The recording", on_progress=_Progress(clinic, job)
        )
        new = NewEncounter(
            capture=transcript.text.encode("utf-8"), patient=details.patient,
            patient_id=details.patient_id, encounter_type=details.encounter_type,
            input_format="dictation", clinician_id=stored.clinician_id,
        )  # fmt: skip
        checked = check_capture(clinic, job.practice_id, new)
        engine = practice_drafting(clinic, job.practice_id).engine().name
    except InputError as exc:
        _fail(clinic, job, stored.uploaded_by, str(exc), keep_audio=keep_audio)
        return None
    except Exception:
        # The message of an unexpected error could quote the dictation: only its type is logged.
        log.exception("transcription job failed")
        _fail(clinic, job, stored.uploaded_by, UNEXPECTED, keep_audio=keep_audio)
        return None
    return _record(clinic, job, stored, checked_capture=checked, transcript=transcript,
                   engine=engine, keep_audio=keep_audio)  # fmt: skip


def _record(
    clinic: Clinic, job: TranscriptionJob, stored: StoredRecording, *,
    checked_capture: CheckedCapture, transcript: Transcript, engine: str, keep_audio: bool,
) -> DraftingJob | None:  # fmt: skip
    now = clinic.clock()
    try:
        with clinic.records.practice(job.practice_id) as records:
            member = records.people.member(stored.uploaded_by)
            created = record_encounter(records, member, checked_capture, now)
            draft_id = reserve_draft(records, member.id, created.encounter_id, engine, now)
            records.recordings.transcribed(job.recording_id, transcript, created.encounter_id,
                                           draft_id, now, keep_audio=keep_audio)  # fmt: skip
            records.audit(AuditEntry(
                AuditKind.RECORDING_TRANSCRIBED, member.id, created.encounter_id, draft_id,
                details={"recording_id": job.recording_id, "model": transcript.model,
                         "seconds": transcript.duration, "segments": len(transcript.segments),
                         "dropped": len(transcript.dropped),
                         "suggestions": len(transcript.suggestions),
                         "audio_kept": keep_audio},
            ), now)  # fmt: skip
    except ConflictError:
        return None  # another run finished the recording first; its encounter stands
    return DraftingJob(job.practice_id, draft_id)


def _fail(
    clinic: Clinic, job: TranscriptionJob, actor_id: str, reason: str, *, keep_audio: bool
) -> None:
    now = clinic.clock()
    try:
        with clinic.records.practice(job.practice_id) as records:
            records.recordings.failed(job.recording_id, reason, now, keep_audio=keep_audio)
            records.audit(AuditEntry(
                AuditKind.RECORDING_FAILED, actor_id,
                details={"recording_id": job.recording_id, "audio_kept": keep_audio},
            ), now)  # fmt: skip
    except ConflictError:
        pass  # another run finished the recording; its outcome stands


class _Progress:
    """Stores how much has been heard, in steps, each in a short transaction of its own."""

    def __init__(self, clinic: Clinic, job: TranscriptionJob) -> None:
        self._clinic, self._job, self._stored = clinic, job, 0.0

    def __call__(self, share: float) -> None:
        if share < 1.0 and share - self._stored < PROGRESS_STEP:
            return
        self._stored = share
        with self._clinic.records.practice(self._job.practice_id) as records:
            records.recordings.heard(self._job.recording_id, share)


def recording_of(clinic: Clinic, actor: Actor, recording_id: str) -> StoredRecording:
    """Return a recording with its state, progress and (once heard) its transcript."""
    with clinic.acting(actor, "read a dictation", *READ_ROLES, read_only=True) as (records, _m):
        return records.recordings.recording(recording_id)


def recording_of_draft(clinic: Clinic, actor: Actor, draft_id: str) -> StoredRecording | None:
    """Return the recording a draft was made from (None for a typed capture)."""
    with clinic.acting(actor, "read a dictation", *READ_ROLES, read_only=True) as (records, _m):
        records.drafts.load(draft_id)  # another practice's draft is not found
        return records.recordings.of_draft(draft_id)


def waiting_recordings(clinic: Clinic) -> list[TranscriptionJob]:
    """Return every practice's recordings waiting for a run that nobody holds."""
    stale_before = clinic.clock() - LEASE
    waiting = clinic.in_each_practice(lambda records: records.recordings.waiting(stale_before))
    return [TranscriptionJob(practice_id, recording_id) for practice_id, recording_id in waiting]
