"""Uploaded dictation recordings: the sealed audio, its details, and then its transcript."""

import base64
import json
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import or_, select, update

from chartdraft.domain.errors import ConflictError, NotFoundError
from chartdraft.domain.practice import PatientDetails
from chartdraft.domain.transcript import (
    RecordingState,
    StoredRecording,
    Transcript,
    transcript_from_json,
    transcript_to_json,
)
from chartdraft.store.scope import Scope, new_id
from chartdraft.store.tables import RecordingRow

_WAITING = (RecordingState.RECEIVED.value, RecordingState.TRANSCRIBING.value)


@dataclass(frozen=True)
class RecordingDetails:
    """What the upload said about the visit: the patient and the encounter type."""

    patient: PatientDetails | None
    patient_id: str | None
    encounter_type: str | None


@dataclass(frozen=True)
class NewRecording:
    """An upload to store: the audio and what it came with."""

    audio: bytes
    audio_sha256: str
    uploaded_by: str
    clinician_id: str
    details: RecordingDetails


class Recordings:
    """One practice's uploaded recordings."""

    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    def add(self, new: NewRecording, at: datetime) -> str:
        """Store the upload, sealed; return the recording's id."""
        recording_id = new_id()
        audio = base64.b64encode(new.audio).decode("ascii")
        details = json.dumps({
            "patient": None if new.details.patient is None else asdict(new.details.patient),
            "patient_id": new.details.patient_id,
            "encounter_type": new.details.encounter_type,
        })  # fmt: skip
        self._scope.session.add(
            RecordingRow(
                id=recording_id,
                practice_id=self._scope.practice_id,
                uploaded_by=new.uploaded_by,
                clinician_id=new.clinician_id,
                received_at=at,
                state=RecordingState.RECEIVED.value,
                progress=0,
                audio_bytes=len(new.audio),
                audio_sha256=new.audio_sha256,
                audio_enc=self._scope.seal(RecordingRow, "audio_enc", recording_id, audio),
                details_enc=self._scope.seal(RecordingRow, "details_enc", recording_id, details),
            )
        )
        return recording_id

    def recording(self, recording_id: str) -> StoredRecording:
        """Return one recording of this practice (not found for another practice's id)."""
        return self._stored(self._scope.get(RecordingRow, recording_id, "recording"))

    def of_draft(self, draft_id: str) -> StoredRecording | None:
        """Return the recording a draft was made from, if it was."""
        row = self._scope.session.scalar(
            select(RecordingRow).where(
                RecordingRow.practice_id == self._scope.practice_id,
                RecordingRow.draft_id == draft_id,
            )
        )
        return None if row is None else self._stored(row)

    def audio(self, recording_id: str) -> bytes:
        """Return the recording's audio; NotFoundError once it was deleted."""
        row = self._scope.get(RecordingRow, recording_id, "recording")
        if row.audio_enc is None:
            raise NotFoundError("The recording's audio was deleted after transcription.")
        sealed = self._scope.unseal(RecordingRow, "audio_enc", row.id, row.audio_enc)
        return base64.b64decode(sealed)

    def details(self, recording_id: str) -> RecordingDetails:
        """Return what the upload said about the visit."""
        row = self._scope.get(RecordingRow, recording_id, "recording")
        data = json.loads(self._scope.unseal(RecordingRow, "details_enc", row.id, row.details_enc))
        patient = data["patient"]
        return RecordingDetails(
            None if patient is None else PatientDetails(**patient),
            data["patient_id"],
            data["encounter_type"],
        )

    def claim(self, recording_id: str, at: datetime, until: datetime) -> bool:
        """Take a waiting recording for one transcription run; False if another holds it."""
        result = self._scope.session.execute(
            update(RecordingRow)
            .where(
                RecordingRow.id == recording_id,
                RecordingRow.practice_id == self._scope.practice_id,
                RecordingRow.state.in_(_WAITING),
                or_(RecordingRow.claimed_until.is_(None), RecordingRow.claimed_until < at),
            )
            .values(state=RecordingState.TRANSCRIBING.value, claimed_until=until, progress=0)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def heard(self, recording_id: str, share: float) -> None:
        """Record how much of the recording has been heard (0 to 1)."""
        self._scope.session.execute(
            update(RecordingRow)
            .where(
                RecordingRow.id == recording_id,
                RecordingRow.practice_id == self._scope.practice_id,
                RecordingRow.state == RecordingState.TRANSCRIBING.value,
            )
            .values(progress=round(max(0.0, min(1.0, share)) * 1000))
            .execution_options(synchronize_session=False)
        )

    def transcribed(
        self, recording_id: str, transcript: Transcript, encounter_id: str, draft_id: str,
        at: datetime, *, keep_audio: bool,
    ) -> None:  # fmt: skip
        """Store the transcript and the encounter it became; delete the audio unless kept."""
        row = self._transcribing(recording_id)
        row.state = RecordingState.TRANSCRIBED.value
        row.progress = 1000
        row.claimed_until = None
        row.transcribed_at = at
        row.encounter_id = encounter_id
        row.draft_id = draft_id
        row.transcript_enc = self._scope.seal(
            RecordingRow, "transcript_enc", row.id, transcript_to_json(transcript)
        )
        if not keep_audio:
            _delete_audio(row, at)

    def failed(self, recording_id: str, reason: str, at: datetime, *, keep_audio: bool) -> None:
        """Record that nothing usable was heard, with one sentence for the clinician."""
        row = self._transcribing(recording_id)
        row.state = RecordingState.FAILED.value
        row.claimed_until = None
        row.error = reason[:300]
        if not keep_audio:
            _delete_audio(row, at)

    def waiting(self, stale_before: datetime) -> list[str]:
        """Return the ids of recordings waiting for a run that nobody holds."""
        return list(
            self._scope.session.scalars(
                select(RecordingRow.id).where(
                    RecordingRow.practice_id == self._scope.practice_id,
                    RecordingRow.state.in_(_WAITING),
                    or_(
                        RecordingRow.claimed_until.is_(None),
                        RecordingRow.claimed_until < stale_before,
                    ),
                )
            )
        )

    def _transcribing(self, recording_id: str) -> RecordingRow:
        row = self._scope.get(RecordingRow, recording_id, "recording", lock=True)
        if row.state != RecordingState.TRANSCRIBING.value:
            raise ConflictError("The recording was already transcribed by another run.")
        return row

    def _stored(self, row: RecordingRow) -> StoredRecording:
        transcript = (
            None
            if row.transcript_enc is None
            else transcript_from_json(
                self._scope.unseal(RecordingRow, "transcript_enc", row.id, row.transcript_enc)
            )
        )
        return StoredRecording(
            id=row.id,
            state=RecordingState(row.state),
            progress=row.progress / 1000,
            received_at=row.received_at,
            uploaded_by=row.uploaded_by,
            clinician_id=row.clinician_id,
            audio_bytes=row.audio_bytes,
            audio_kept=row.audio_enc is not None,
            error=row.error,
            encounter_id=row.encounter_id,
            draft_id=row.draft_id,
            transcript=transcript,
        )


def _delete_audio(row: RecordingRow, at: datetime) -> None:
    row.audio_enc = None
    row.audio_deleted_at = at
