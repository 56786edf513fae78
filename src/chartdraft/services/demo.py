"""A demo practice for ``make run``: example visits recorded, drafted, and the clean ones signed."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from chartdraft.domain.errors import ChartdraftError, NotFoundError
from chartdraft.domain.practice import Actor, PatientDetails
from chartdraft.domain.review import Checklist, Role
from chartdraft.services.accounts import hash_password
from chartdraft.services.clinic import Clinic
from chartdraft.services.encounters import NewEncounter, create_encounter, draft_encounter
from chartdraft.services.people import add_member
from chartdraft.services.review import get_draft
from chartdraft.services.signing import sign_note
from chartdraft.store.people import create_practice, practice_id_named

DEMO_PRACTICE = "Demo practice"
DEMO_PEOPLE = (
    ("clinician@demo.example", "Dr Demo Clinician", Role.CLINICIAN),
    ("scribe@demo.example", "Demo Scribe", Role.SCRIBE),
    ("admin@demo.example", "Demo Administrator", Role.ADMIN),
    ("auditor@demo.example", "Demo Auditor", Role.AUDITOR),
)


@dataclass(frozen=True)
class DemoOutcome:
    """What seeding did: the practice, and how many encounters were signed or left for review."""

    practice_id: str
    created: bool
    signed: int
    awaiting_review: int


def seed_demo(
    clinic: Clinic, visits: Iterable[tuple[str, bytes]], passwords: Mapping[str, str] | None = None
) -> DemoOutcome:
    """Create the demo practice once, with ``visits`` recorded and drafted by its clinician.

    ``passwords`` (by e-mail) lets the demo's people sign in; without it they cannot.
    """
    try:
        with clinic.records.unscoped() as session:
            return DemoOutcome(practice_id_named(session, DEMO_PRACTICE), False, 0, 0)
    except NotFoundError:
        pass
    now = clinic.clock()
    with clinic.records.unscoped() as session:
        practice_id = create_practice(session, DEMO_PRACTICE, now)
    hashes = {email: hash_password(pw) for email, pw in (passwords or {}).items()}
    ids = [
        add_member(clinic, practice_id, email, name, role, password_hash=hashes.get(email))
        for email, name, role in DEMO_PEOPLE
    ]
    clinician = Actor(ids[0], practice_id, Role.CLINICIAN)
    signed = waiting = 0
    for number, (_name, capture) in enumerate(visits, start=1):
        patient = PatientDetails(f"Demo Patient {number}", f"DEMO-{number:04d}", "1970-01-01")
        occurred = now - timedelta(hours=number)
        try:
            created = create_encounter(
                clinic, clinician, NewEncounter(capture, patient, occurred_at=occurred)
            )
        except ChartdraftError:
            continue  # an example that is meant to be refused (none today) is simply left out
        draft_id = draft_encounter(clinic, clinician, created.encounter_id)
        stored = get_draft(clinic, clinician, draft_id)
        if stored.open_major_findings or stored.flagged_sections:
            waiting += 1
            continue
        sign_note(clinic, clinician, draft_id, Checklist(True, True, True, True))
        signed += 1
    return DemoOutcome(practice_id, True, signed, waiting)
