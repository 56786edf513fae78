"""Start an encounter from what was captured, and draft it."""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from chartdraft.capture.intake import InputFormat
from chartdraft.domain.audit import AuditEntry, AuditKind, DetailValue
from chartdraft.domain.errors import InputError
from chartdraft.domain.practice import Actor, PatientDetails
from chartdraft.domain.review import Role
from chartdraft.domain.visit import Visit
from chartdraft.drafting.engine import DraftingEngine
from chartdraft.services.clinic import Clinic
from chartdraft.services.draft_job import CAPTURE_ROLES, request_draft, run_draft
from chartdraft.services.practice_drafting import practice_drafting
from chartdraft.store.encounters import EncounterInfo, NewCapture
from chartdraft.store.people import Member, People
from chartdraft.store.records import Records
from chartdraft.store.scope import new_id


@dataclass(frozen=True)
class NewEncounter:
    """A visit to record: the patient (new, or an existing id), its type and the capture."""

    capture: bytes
    patient: PatientDetails | None = None
    patient_id: str | None = None
    encounter_type: str | None = None
    input_format: InputFormat = "auto"
    clinician_id: str | None = None
    """Whose encounter it is; a clinician's own by default (a scribe must name one)."""
    occurred_at: datetime | None = None


@dataclass(frozen=True)
class EncounterCreated:
    """The ids of a new encounter and its capture."""

    encounter_id: str
    capture_id: str
    patient_id: str


def create_encounter(clinic: Clinic, actor: Actor, new: NewEncounter) -> EncounterCreated:
    """Check and store an encounter with its capture; nothing is stored if any part is bad."""
    # Parse before the transaction: bad input is refused without touching the database.
    checked = check_capture(clinic, actor.practice_id, new)
    with clinic.acting(actor, "record an encounter", *CAPTURE_ROLES) as (records, member):
        return record_encounter(records, member, checked, clinic.clock())


@dataclass(frozen=True)
class CheckedCapture:
    """A capture parsed and matched to its template, ready to store."""

    new: NewEncounter
    visit: Visit
    template_name: str


def check_capture(clinic: Clinic, practice_id: str, new: NewEncounter) -> CheckedCapture:
    """Parse the capture and find its template; InputError when either is wrong."""
    drafting = practice_drafting(clinic, practice_id)
    visit = drafting.capture(new.capture, input_format=new.input_format)
    return CheckedCapture(new, visit, drafting.template_for(visit, new.encounter_type).name)


def record_encounter(
    records: Records, member: Member, checked: CheckedCapture, now: datetime
) -> EncounterCreated:
    """Store the encounter, its patient (when new) and its capture in the caller's transaction."""
    new, visit = checked.new, checked.visit
    text = new.capture.decode("utf-8-sig")  # capture() has checked that it decodes
    clinician_id = encounter_clinician(records, member, new.clinician_id)
    patient_id = _patient_id(records.people, new, now)
    info = EncounterInfo(
        new_id(), patient_id, clinician_id, checked.template_name, new.occurred_at or now
    )
    encounter_id = records.encounters.add_encounter(info, member.id, now)
    capture = NewCapture(visit.capture_format, text, hashlib.sha256(new.capture).hexdigest(), visit)
    capture_id = records.encounters.add_capture(encounter_id, capture, member.id, now)
    details: dict[str, DetailValue] = {
        "format": visit.capture_format,
        "bytes": len(new.capture),
        "fields": len(visit.fields),
        "encounter_type": checked.template_name,
    }
    records.audit(
        AuditEntry(AuditKind.CAPTURE_CREATED, member.id, encounter_id, details=details), now
    )
    return EncounterCreated(encounter_id, capture_id, patient_id)


def encounter_clinician(records: Records, member: Member, named: str | None) -> str:
    """Whose encounter it is: the one named, else the member when a clinician records it."""
    clinician_id = named or (member.id if member.role is Role.CLINICIAN else None)
    if clinician_id is None:
        raise InputError("Name the clinician whose encounter this is.")
    if records.people.member(clinician_id).role is not Role.CLINICIAN:
        raise InputError("An encounter belongs to a clinician of the practice.")
    return clinician_id


def _patient_id(people: People, new: NewEncounter, now: datetime) -> str:
    if new.patient_id is not None:
        people.patient(new.patient_id)  # another practice's patient is not found
        return new.patient_id
    if new.patient is None:
        raise InputError("Give the patient (name and MRN) or the id of one already recorded.")
    return people.add_patient(new.patient, now)


def draft_encounter(
    clinic: Clinic, actor: Actor, encounter_id: str, engine: str | DraftingEngine | None = None
) -> str:
    """Draft the encounter's latest capture now, in this thread; return the draft's id.

    For scripts and tests; the web app requests the draft and lets a job write it.
    """
    job = request_draft(clinic, actor, encounter_id, engine)
    run_draft(clinic, job)
    return job.draft_id
