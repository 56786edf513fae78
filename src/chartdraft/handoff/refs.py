"""The bundle's intra-bundle references (``urn:uuid:``) and the identifiers resources carry."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chartdraft.handoff.codes import (
    CAPTURE_SYSTEM,
    ENCOUNTER_SYSTEM,
    ENGINE_SYSTEM,
    NOTE_SYSTEM,
    USER_SYSTEM,
)
from chartdraft.handoff.note_export import NoteForExport

JSON = dict[str, Any]
# Derived, not random: the same note always makes the same bundle, so a retried export is
# byte for byte the one that may already have arrived.
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:chartdraft:fhir-bundle")


def identifier(system: str, value: str) -> JSON:
    """Return a FHIR Identifier."""
    return {"system": system, "value": value}


def engine_key(note: NoteForExport) -> str:
    """Return the Device identifier value: engine, model and prompt version together."""
    engine = note.engine
    return "/".join((engine.name, engine.model or "-", engine.prompt_version or "-"))


@dataclass(frozen=True)
class BundleRefs:
    """The ``urn:uuid:`` of each entry of one note's bundle, and the identifiers that find them."""

    patient: str
    practitioner: str
    device: str
    encounter: str
    composition: str
    document: str
    provenance: str
    audit_event: str
    mrn: JSON
    signer: JSON
    note: JSON
    capture: JSON
    encounter_id: JSON
    engine: JSON

    @classmethod
    def of(cls, note: NoteForExport, mrn_system: str) -> "BundleRefs":
        """Return the references of ``note``'s bundle."""

        def urn(kind: str, key: str) -> str:
            return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{kind}/{key}')}"

        return cls(
            patient=urn("Patient", f"{mrn_system}|{note.patient.mrn}"),
            practitioner=urn("Practitioner", note.signer.id),
            device=urn("Device", engine_key(note)),
            encounter=urn("Encounter", note.encounter.id),
            composition=urn("Composition", note.note_id),
            document=urn("DocumentReference", note.note_id),
            provenance=urn("Provenance", note.note_id),
            audit_event=urn("AuditEvent", note.note_id),
            mrn=identifier(mrn_system, note.patient.mrn),
            signer=identifier(USER_SYSTEM, note.signer.id),
            note=identifier(NOTE_SYSTEM, note.note_id),
            capture=identifier(CAPTURE_SYSTEM, note.capture_id),
            encounter_id=identifier(ENCOUNTER_SYSTEM, note.encounter.id),
            engine=identifier(ENGINE_SYSTEM, engine_key(note)),
        )


def ref(url: str, display: str | None = None) -> JSON:
    """Return a Reference to the entry with fullUrl ``url``."""
    return {"reference": url} if display is None else {"reference": url, "display": display}


def coding(system: str, code: str, display: str | None = None) -> JSON:
    """Return a Coding."""
    found: JSON = {"system": system, "code": code}
    if display is not None:
        found["display"] = display
    return found


def concept(system: str, code: str, display: str | None = None) -> JSON:
    """Return a CodeableConcept with one coding."""
    return {"coding": [coding(system, code, display)]}


def instant(moment: datetime) -> str:
    """Return a datetime as a FHIR instant (seconds, with its offset)."""
    return moment.isoformat(timespec="seconds")
