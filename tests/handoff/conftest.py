"""A real FHIR server (Medplum's router in Node) with the Synthea patients, and signed notes.

``tests/fhir_server`` holds the server; ``make test`` installs it (``npm ci``). The fixture
only starts and stops it: under CI a missing Node or ``node_modules`` fails the tests.
"""

import json
import shutil
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
from tests.served import free_port
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


class FhirServerProcess:
    """The test FHIR server as a process the test controls: start, kill, restart on one port."""

    def __init__(self, log_dir: Path, *options: str, data: Path | None = None) -> None:
        node = shutil.which("node") or "/usr/bin/node"
        require(Path(node).exists(), "Node.js (for the test FHIR server)")
        require(
            (SERVER_DIR / "node_modules" / "@medplum" / "fhir-router").is_dir(),
            "the test FHIR server's packages (run `make fhir-server`)",
        )
        self.node = node
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.options = [*options, *(["--data", str(data)] if data is not None else [])]
        self.log_dir = log_dir
        self.starts = 0
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        """Start the server and wait for its "ready" (its journal, if any, replayed)."""
        self.starts += 1
        log = self.log_dir / f"fhir-server-{self.starts}.log"
        process = subprocess.Popen(
            [self.node, "server.js", str(self.port), *self.options], cwd=SERVER_DIR, text=True,
            stdout=subprocess.PIPE, stderr=log.open("w"),
        )  # fmt: skip
        assert process.stdout is not None
        first = process.stdout.readline()  # blocks until "ready", or "" if it died
        if first.strip() != "ready":
            process.kill()
            pytest.fail(
                f"the test FHIR server did not start: {log.read_text()[-500:]}", pytrace=False
            )
        self.process = process

    def stop(self, *, kill: bool = False) -> None:
        """Stop the server: SIGKILL (a crash, mid-request if one is under way) or SIGTERM."""
        if self.process is None:
            return
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        self.process.wait(timeout=20)
        self.process = None

    def restart(self, *, kill: bool = True) -> None:
        """Kill the server and start it again on the same port."""
        self.stop(kill=kill)
        self.start()

    def faults(self, **fault: object) -> None:
        """Make the next requests fail or stall (``--test-controls``)."""
        answer = httpx.post(f"{self.url}/_test/faults", json=fault, timeout=10)
        assert answer.status_code == 200, answer.text

    def stats(self) -> dict[str, int]:
        """Return the server's request counts (``--test-controls``)."""
        counts: dict[str, int] = httpx.get(f"{self.url}/_test/stats", timeout=10).json()
        return counts


def load_synthea(url: str, resources: list[dict[str, object]]) -> None:
    """PUT the Synthea patients into the server at ``url``, keeping their ids."""
    with httpx.Client(base_url=url, timeout=30) as client:
        for resource in resources:
            answer = client.put(f"/Patient/{resource['id']}", json=resource)
            assert answer.status_code in {200, 201}, answer.text


@pytest.fixture(scope="session")
def fhir_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FhirServer]:
    """Medplum's FHIR router on a free port, with the Synthea patients; stopped after the run."""
    resources = synthea_patients()
    server = FhirServerProcess(tmp_path_factory.mktemp("fhir"))
    server.start()
    try:
        load_synthea(server.url, resources)
        patients = tuple(patient_details(r) for r in resources)
        ids = {p.mrn: str(r["id"]) for p, r in zip(patients, resources, strict=True)}
        yield FhirServer(server.url, patients, ids)
    finally:
        server.stop()


@pytest.fixture
def own_fhir_server(tmp_path: Path) -> Iterator[FhirServerProcess]:
    """A server of this test's own, persistent (it survives kills) and with fault controls."""
    server = FhirServerProcess(tmp_path, "--test-controls", data=tmp_path / "fhir-data")
    server.start()
    try:
        load_synthea(server.url, synthea_patients())
        yield server
    finally:
        server.stop(kill=True)


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
