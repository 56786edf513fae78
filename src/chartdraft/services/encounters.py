"""Start an encounter from what was captured, and draft it."""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from chartdraft.capture.intake import InputFormat
from chartdraft.domain.audit import AuditEntry, AuditKind, DetailValue
from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.errors import InputError, InvalidTransitionError
from chartdraft.domain.practice import Actor, PatientDetails
from chartdraft.domain.review import ReviewState, Role
from chartdraft.drafting.engine import DraftingEngine
from chartdraft.services.clinic import Clinic
from chartdraft.store.drafts import EncounterInfo, NewCapture
from chartdraft.store.people import People
from chartdraft.store.scope import new_id

CAPTURE_ROLES = (Role.CLINICIAN, Role.SCRIBE)


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
    visit = clinic.drafting.capture(new.capture, input_format=new.input_format)
    template = clinic.drafting.template_for(visit, new.encounter_type)
    text = new.capture.decode("utf-8-sig")  # capture() has checked that it decodes
    now = clinic.clock()
    with clinic.acting(actor, "record an encounter", *CAPTURE_ROLES) as (records, member):
        clinician_id = new.clinician_id or (member.id if member.role is Role.CLINICIAN else None)
        if clinician_id is None:
            raise InputError("Name the clinician whose encounter this is.")
        if records.people.member(clinician_id).role is not Role.CLINICIAN:
            raise InputError("An encounter belongs to a clinician of the practice.")
        patient_id = _patient_id(records.people, new, now)
        info = EncounterInfo(
            new_id(), patient_id, clinician_id, template.name, new.occurred_at or now
        )
        encounter_id = records.encounters.add_encounter(info, member.id, now)
        capture = NewCapture(
            visit.capture_format, text, hashlib.sha256(new.capture).hexdigest(), visit
        )
        capture_id = records.encounters.add_capture(encounter_id, capture, member.id, now)
        details: dict[str, DetailValue] = {
            "format": visit.capture_format,
            "bytes": len(new.capture),
            "fields": len(visit.fields),
            "encounter_type": template.name,
        }
        records.audit(
            AuditEntry(AuditKind.CAPTURE_CREATED, member.id, encounter_id, details=details), now
        )
    return EncounterCreated(encounter_id, capture_id, patient_id)


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
    """Draft the encounter's latest capture and store the draft with its findings; return its id."""
    with clinic.acting(actor, "draft an encounter", *CAPTURE_ROLES) as (records, _member):
        info = records.encounters.encounter(encounter_id)
        _check_may_redraft(records.drafts.states_of_encounter(encounter_id))
        capture_id = records.encounters.latest_capture_id(encounter_id)
        visit = records.encounters.visit(capture_id)
        input_sha256 = records.encounters.capture_sha256(capture_id)
    if visit is None:
        raise InputError(
            "The capture was removed by the retention policy; capture the visit again."
        )
    # Drafting may take a model's minute: it runs outside any transaction.
    draft = clinic.drafting.draft(visit, encounter_type=info.encounter_type, engine=engine)
    now = clinic.clock()
    with clinic.acting(actor, "draft an encounter", *CAPTURE_ROLES) as (records, member):
        _check_may_redraft(records.drafts.states_of_encounter(encounter_id))  # again: a race
        draft_id = records.drafts.add_draft(encounter_id, capture_id, draft, input_sha256, now)
        for entry in _draft_events(draft, member.id, encounter_id, draft_id):
            records.audit(entry, now)
    return draft_id


def _check_may_redraft(states: list[ReviewState]) -> None:
    # One encounter, one note: a signed note changes only by amendment, and a second draft
    # beside one under review would split the review. Only rejected drafts may be redone.
    if any(s in (ReviewState.SIGNED, ReviewState.AMENDED) for s in states):
        raise InvalidTransitionError("The encounter already has a signed note; amend it instead.")
    if any(s is not ReviewState.REJECTED for s in states):
        raise InvalidTransitionError("The encounter already has a draft under review.")


def _draft_events(
    draft: SoapDraft, actor_id: str, encounter_id: str, draft_id: str
) -> list[AuditEntry]:
    engine = draft.engine
    ids = {"actor_id": actor_id, "encounter_id": encounter_id, "draft_id": draft_id}
    named: dict[str, DetailValue] = {
        "engine": engine.name,
        "model": engine.model,
        "prompt_id": engine.prompt_id,
        "prompt_version": engine.prompt_version,
    }
    events = []
    if engine.egress is not None:
        egress = engine.egress
        phi_found = sum((egress.entity_counts or {}).values())
        events.append(AuditEntry(AuditKind.EGRESS, **ids, details={
            **named, "host": egress.host, "pseudonymized": egress.pseudonymized,
            "phi_allowed": egress.phi_allowed, "baa_reference": egress.baa_reference,
            "identifiers_found": phi_found,
        }))  # fmt: skip
    events.append(AuditEntry(AuditKind.DRAFT_CREATED, **ids, details={
        **named, "statements": sum(len(s.statements) for s in draft.sections),
        "findings": len(draft.findings), "flagged_sections": sum(1 for s in draft.sections if s.gaps),
    }))  # fmt: skip
    return events
