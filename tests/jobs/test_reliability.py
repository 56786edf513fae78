"""The reliability target: 1,000 signed notes exported while the FHIR server is killed and
restarted at random and a worker is killed mid-task, all delivered exactly once.

Everything here is real: PostgreSQL, Redis, two Celery worker processes (``chartdraft worker``)
and Medplum's FHIR router keeping its data in a journal (so a killed server restarts with what
it had acknowledged). ``CHARTDRAFT_RELIABILITY_NOTES`` runs it with fewer notes while working on
it; the suite runs the full thousand.
"""

import os
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from chartdraft.domain.audit import AuditKind
from chartdraft.domain.delivery import DeliveryState
from chartdraft.domain.review import Checklist
from chartdraft.services.clinic import Clinic
from chartdraft.services.delivery import delivery_counts
from chartdraft.services.encounters import NewEncounter, create_encounter, draft_encounter
from chartdraft.services.signing import sign_note
from chartdraft.services.trail import audit_trail
from chartdraft.store.deliveries import held_deliveries
from tests.handoff.conftest import FhirServerProcess, patient_details, synthea_patients
from tests.jobs.conftest import WorkerSetup
from tests.storage.conftest import Team, make_team
from tests.storage.visits import HYPOTHYROID

NOTES = int(os.environ.get("CHARTDRAFT_RELIABILITY_NOTES", "1000"))
CONFIRMED = Checklist(True, True, True, True)


@dataclass
class Chaos:
    """Kills the FHIR server (and, once in a while, the worker) at random until stopped."""

    server: FhirServerProcess
    workers: WorkerSetup
    seed: int
    server_kills: int = 0
    worker_kills: int = 0
    kills_mid_task: int = 0
    stopping: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        chance = random.Random(self.seed)  # noqa: S311 - a test's dice, not a secret
        while not self.stopping.wait(chance.uniform(2.0, 6.0)):
            if chance.random() < 0.2:
                self.kill_worker()
            else:
                self.server.stop(kill=True)
                self.server_kills += 1
                self.stopping.wait(chance.uniform(0.2, 2.0))
                self.server.start()

    def kill_worker(self) -> None:
        # Stall the EHR's next transaction, wait until a worker is attempting a delivery (its
        # claim is held), and kill the worker then: mid-task, its answer never read.
        self.server.faults(delay_ms=2500, count=1)
        deadline = time.monotonic() + 5
        while not (under_way := self.held()) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.workers.kill_worker()
        self.worker_kills += 1
        self.kills_mid_task += int(under_way > 0)
        self.workers.start_worker()

    def held(self) -> int:
        with self.workers.clinic.records.unscoped(read_only=True) as session:
            return held_deliveries(session, datetime.now(UTC))


def sign_notes(clinic: Clinic, team: Team, count: int) -> list[str]:
    patients = [patient_details(r) for r in synthea_patients()]
    note_ids = []
    for n in range(count):
        new = NewEncounter(capture=HYPOTHYROID, patient=patients[n % len(patients)])
        created = create_encounter(clinic, team.clinician, new)
        draft_id = draft_encounter(clinic, team.clinician, created.encounter_id)
        note_ids.append(sign_note(clinic, team.clinician, draft_id, CONFIRMED))
    return note_ids


def test_a_thousand_notes_arrive_exactly_once_through_kills(
    workers: WorkerSetup, own_fhir_server: FhirServerProcess
):
    clinic = workers.clinic
    team = make_team(clinic)
    workers.start_worker()
    chaos = Chaos(own_fhir_server, workers, seed=NOTES)
    thread = threading.Thread(target=chaos.run, name="chaos", daemon=True)
    started = time.monotonic()
    thread.start()
    note_ids = sign_notes(clinic, team, NOTES)
    deadline = time.monotonic() + 900
    try:
        while _undelivered(clinic, team) and time.monotonic() < deadline:
            if (
                chaos.worker_kills
                and chaos.server_kills >= 3
                and _undelivered(clinic, team) < NOTES // 4
            ):
                break  # enough chaos: let the rest arrive in peace
            time.sleep(1)
    finally:
        chaos.stopping.set()
        thread.join(timeout=60)
    if workers.process is None:
        workers.start_worker()
    if own_fhir_server.process is None:
        own_fhir_server.start()
    while _undelivered(clinic, team):
        assert time.monotonic() < deadline, f"{_undelivered(clinic, team)} notes never arrived"
        time.sleep(1)
    elapsed = time.monotonic() - started

    assert chaos.server_kills >= 3
    assert chaos.worker_kills >= 1
    assert chaos.kills_mid_task >= 1
    # None lost, none duplicated: each note is in the EHR exactly once, and nothing else is.
    with httpx.Client(base_url=own_fhir_server.url, timeout=120) as ehr:
        for kind in ("DocumentReference", "Composition"):
            stored = Counter(note_identifiers(ehr, kind))
            assert stored == Counter(note_ids), kind
    events = audit_trail(clinic, team.auditor, kind=AuditKind.EXPORT_DELIVERED, limit=NOTES * 2)
    assert sorted(e.entry.note_id for e in events) == sorted(note_ids)
    print(
        f"\n{NOTES} notes delivered exactly once in {elapsed:.0f} s through "
        f"{chaos.server_kills} FHIR server kills and {chaos.worker_kills} worker kills "
        f"({chaos.kills_mid_task} mid-task)"
    )


def note_identifiers(ehr: httpx.Client, kind: str) -> list[str]:
    """Return the note identifier of every ``kind`` resource the EHR holds, page by page."""
    found: list[str] = []
    offset = 0
    while True:
        page = ehr.get(f"/{kind}", params={"_count": 500, "_offset": offset}).json()
        entries = page.get("entry", [])
        for entry in entries:
            identifiers = entry["resource"].get("identifier", [])  # Composition: just one
            for identifier in identifiers if isinstance(identifiers, list) else [identifiers]:
                if identifier.get("system") == "urn:chartdraft:note":
                    found.append(identifier["value"])
        offset += len(entries)
        if len(entries) < 500:
            return found


def _undelivered(clinic: Clinic, team: Team) -> int:
    counts = delivery_counts(clinic, team.admin)
    assert counts[DeliveryState.FAILED] == 0, "a delivery went to the exception queue"
    return counts[DeliveryState.PENDING] + (NOTES - sum(counts.values()))
