"""Encounters and their captures, for one practice."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from chartdraft.domain.errors import NotFoundError
from chartdraft.domain.visit import Visit
from chartdraft.store.scope import Scope, new_id
from chartdraft.store.tables import CaptureRow, EncounterRow, PatientRow, UserRow


@dataclass(frozen=True)
class EncounterInfo:
    """An encounter's who, what and when (no PHI)."""

    id: str
    patient_id: str
    clinician_id: str
    encounter_type: str
    occurred_at: datetime


@dataclass(frozen=True)
class NewCapture:
    """A capture to store: the raw text and the Visit parsed from it."""

    capture_format: str
    text: str
    text_sha256: str
    visit: Visit


class Encounters:
    """Encounters and their captures."""

    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    def add_encounter(self, info: EncounterInfo, created_by: str, at: datetime) -> str:
        """Store an encounter (patient and clinician must belong to the practice)."""
        self._scope.get(PatientRow, info.patient_id, "patient")
        self._scope.get(UserRow, info.clinician_id, "clinician")
        row = EncounterRow(
            id=info.id,
            practice_id=self._scope.practice_id,
            patient_id=info.patient_id,
            clinician_id=info.clinician_id,
            encounter_type=info.encounter_type,
            occurred_at=info.occurred_at,
            created_by=created_by,
            created_at=at,
        )
        self._scope.session.add(row)
        self._scope.session.flush()
        return row.id

    def encounter(self, encounter_id: str) -> EncounterInfo:
        """Return one of the practice's encounters."""
        row = self._scope.get(EncounterRow, encounter_id, "encounter")
        return EncounterInfo(
            row.id, row.patient_id, row.clinician_id, row.encounter_type, row.occurred_at
        )

    def add_capture(
        self, encounter_id: str, capture: NewCapture, created_by: str, at: datetime
    ) -> str:
        """Store what was captured for an encounter (text and parsed visit encrypted)."""
        seal, row_id = self._scope.seal, new_id()
        row = CaptureRow(
            id=row_id,
            practice_id=self._scope.practice_id,
            encounter_id=encounter_id,
            capture_format=capture.capture_format,
            text_enc=seal(CaptureRow, "text_enc", row_id, capture.text),
            visit_enc=seal(CaptureRow, "visit_enc", row_id, capture.visit.model_dump_json()),
            text_sha256=capture.text_sha256,
            created_by=created_by,
            created_at=at,
        )
        self._scope.session.add(row)
        self._scope.session.flush()
        return row.id

    def latest_capture_id(self, encounter_id: str) -> str:
        """Return the id of the encounter's most recent capture."""
        found = self._scope.session.scalar(
            select(CaptureRow.id)
            .where(
                CaptureRow.practice_id == self._scope.practice_id,
                CaptureRow.encounter_id == encounter_id,
            )
            .order_by(CaptureRow.created_at.desc())
            .limit(1)
        )
        if found is None:
            raise NotFoundError("The encounter has no capture.")
        return found

    def capture_sha256(self, capture_id: str) -> str:
        """Return the SHA-256 of a capture's bytes (kept after a purge: the draft's input hash)."""
        return self._scope.get(CaptureRow, capture_id, "capture").text_sha256

    def visit(self, capture_id: str) -> Visit | None:
        """Return the parsed visit of a capture; None once the retention purge removed it."""
        row = self._scope.get(CaptureRow, capture_id, "capture")
        if row.visit_enc is None:
            return None
        return Visit.model_validate_json(
            self._scope.unseal(CaptureRow, "visit_enc", row.id, row.visit_enc)
        )

    def capture_text(self, capture_id: str) -> str | None:
        """Return a capture's text as typed; None once purged."""
        row = self._scope.get(CaptureRow, capture_id, "capture")
        return (
            None
            if row.text_enc is None
            else self._scope.unseal(CaptureRow, "text_enc", row.id, row.text_enc)
        )
