"""A real FHIR server (Medplum's router in Node) with the Synthea patients, and signed notes.

``tests/fhir_server`` holds the server; ``make test`` installs it (``npm ci``). The fixture
only starts and stops it: under CI a missing Node or ``node_modules`` fails the tests.
"""

import json
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from chartdraft.domain.practice import Actor, PatientDetails
from chartdraft.domain.review import Checklist
from chartdraft.services.clinic import Clinic
from chartdraft.services.encounters import NewEncounter, create_encounter, draft_encounter
from chartdraft.services.signing import sign_note
from tests.conftest import REPO, SHARED_DATA, require
from tests.storage.conftest import (  # noqa: F401 - fixtures shared with the storage suite
    Team,
    cipher,
    clinic,
    database,
    postgres_database,
    postgres_schema_url,
    team,
)
from tests.storage.visits import HYPOTHYROID
from tests.web.conftest import api  # noqa: F401 - the in-process app, shared with the web suite

SERVER_DIR = REPO / "tests" / "fhir_server"
SYNTHEA = SHARED_DATA / "synthea-fhir-10-patients"
SYNTHEA_MRN_SYSTEM = "http://hospital.smarthealthit.org"
CONFIRMED = Checklist(True, True, True, True)


@dataclass(frozen=True)
class FhirServer:
    """A running FHIR server and the Synthea patients loaded into it."""

    url: str
    patients: tuple[PatientDetails, ...]
    patient_ids: dict[str, str]
    """Server id of each patient, by MRN."""


def synthea_patients() -> list[dict[str, object]]:
    """Return the Synthea sample's Patient resources."""
    require((SYNTHEA / "Patient.000.ndjson").is_file(), f"the Synthea FHIR sample at {SYNTHEA}")
    lines = (SYNTHEA / "Patient.000.ndjson").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def patient_details(resource: dict[str, object]) -> PatientDetails:
    """Return a Synthea patient as the practice records it (MRN, name, birth date)."""
    mrn = next(
        str(i["value"])
        for i in resource["identifier"]  # type: ignore[attr-defined]
        if i.get("system") == SYNTHEA_MRN_SYSTEM
    )
    name = resource["name"][0]  # type: ignore[index]
    return PatientDetails(f"{' '.join(name['given'])} {name['family']}", mrn, resource["birthDate"])  # type: ignore[arg-type]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(log: Path) -> tuple[subprocess.Popen[str], str]:
    node = shutil.which("node") or "/usr/bin/node"
    require(Path(node).exists(), "Node.js (for the test FHIR server)")
    require(
        (SERVER_DIR / "node_modules" / "@medplum" / "fhir-router").is_dir(),
        "the test FHIR server's packages (run `make fhir-server`)",
    )
    port = _free_port()
    process = subprocess.Popen(
        [node, "server.js", str(port)], cwd=SERVER_DIR, text=True,
        stdout=subprocess.PIPE, stderr=log.open("w"),
    )  # fmt: skip
    assert process.stdout is not None
    first = process.stdout.readline()  # blocks until "ready", or "" if it died
    if first.strip() != "ready":
        process.kill()
        pytest.fail(f"the test FHIR server did not start: {log.read_text()[-500:]}", pytrace=False)
    return process, f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def fhir_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FhirServer]:
    """Medplum's FHIR router on a free port, with the Synthea patients; stopped after the run."""
    resources = synthea_patients()
    process, url = _start(tmp_path_factory.mktemp("fhir") / "server.log")
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            for resource in resources:
                answer = client.put(f"/Patient/{resource['id']}", json=resource)
                assert answer.status_code in {200, 201}, answer.text
        patients = tuple(patient_details(r) for r in resources)
        ids = {p.mrn: str(r["id"]) for p, r in zip(patients, resources, strict=True)}
        yield FhirServer(url, patients, ids)
    finally:
        process.terminate()
        process.wait(timeout=20)


def signed_note(
    clinic: Clinic, actor: Actor, patient: PatientDetails, capture: bytes = HYPOTHYROID
) -> str:
    """Record, draft and sign a visit of ``patient`` through the services; return the note id."""
    created = create_encounter(clinic, actor, NewEncounter(capture=capture, patient=patient))
    draft_id = draft_encounter(clinic, actor, created.encounter_id)
    return sign_note(clinic, actor, draft_id, CONFIRMED)


def recorded_draft_of(clinic: Clinic, actor: Actor, patient: PatientDetails) -> str:
    """Record and draft a visit, unsigned; return the draft id."""
    created = create_encounter(clinic, actor, NewEncounter(capture=HYPOTHYROID, patient=patient))
    return draft_encounter(clinic, actor, created.encounter_id)
