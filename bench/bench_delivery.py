"""Signed notes to the EHR: chartdraft's outbox side by side with posting each note directly.

Everything is real: PostgreSQL (a fresh schema), Redis, ``chartdraft worker`` processes, and
Medplum's FHIR router (``tests/fhir_server``, journaling to disk so it can be killed) loaded
with the Synthea patients. Three parts, each contender on a server of its own:

1. Throughput with a healthy EHR: a loop that exports and POSTs each note in turn (what an
   integrator scripts around ``chartdraft export``), the outbox on the in-process runner (two
   threads), and the outbox on Celery (two worker processes).
2. The reliability target: the same notes while the FHIR server is SIGKILLed and restarted at
   random (the same schedule for both contenders) and, for the outbox, its worker is SIGKILLed
   mid-task. The direct loop retries each POST three times, a second apart, as such scripts do;
   lost and duplicated notes are counted on the server.
3. Outages longer than a script's retries (8-12 s, as in an EHR's maintenance restart), no
   worker kills: what each contender does with the notes signed meanwhile.

    python bench/bench_delivery.py [--notes 1000] [--throughput-notes 300] [--outage-notes 300]
        [--seed 7] [--parts throughput,chaos,outages]
"""

import argparse
import json
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from chartdraft.bootstrap import build_clinic, build_courier
from chartdraft.config import settings_from_environment
from chartdraft.domain.delivery import DeliveryState
from chartdraft.domain.practice import Actor, PatientDetails
from chartdraft.domain.review import Checklist, Role
from chartdraft.jobs.in_process import InProcessJobs
from chartdraft.services.clinic import Clinic
from chartdraft.services.encounters import NewEncounter, create_encounter, draft_encounter
from chartdraft.services.export import ExportFormat, export_note_as_operator
from chartdraft.services.people import add_member
from chartdraft.services.signing import sign_note
from chartdraft.store.people import create_practice

REPO = Path(__file__).resolve().parents[1]
SERVER_DIR = REPO / "tests" / "fhir_server"
SYNTHEA = REPO.parent / "shared" / "data" / "synthea-fhir-10-patients" / "Patient.000.ndjson"
MRN_SYSTEM = "http://hospital.smarthealthit.org"
POSTGRES_URL = os.environ.get(
    "CHARTDRAFT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("CHARTDRAFT_BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
CAPTURE = (
    b"CC: fatigue, 3 months.\nS: More tired, weight up 3 kg, feels cold. No chest pain.\n"
    b"O: BP 128/78, HR 58. TSH 9.8 (high).\nA: Hypothyroidism, likely.\n"
    b"P: Start levothyroxine 50 mcg daily. Recheck TSH in 6 weeks.\n"
)
CONFIRMED = Checklist(True, True, True, True)
CURRENT: dict[str, str] = {}


class FhirServer:
    """The test FHIR server as a process: journaled, with fault controls; killable."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        node = shutil.which("node") or "/usr/bin/node"
        self.process = subprocess.Popen(  # noqa: S603 - our own server, no shell
            [node, "server.js", str(self.port), "--data", str(self.data), "--test-controls"],
            cwd=SERVER_DIR, text=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != "ready":
            raise SystemExit("the test FHIR server did not start (run `make fhir-server`)")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def documents(self) -> Counter[str]:
        """How many DocumentReferences the server holds for each note, read page by page.

        One search per note would be quadratic here: Medplum's in-memory search scans.
        """
        found: Counter[str] = Counter()
        offset = 0
        with httpx.Client(base_url=self.url, timeout=120) as client:
            while True:
                page = client.get("/DocumentReference", params={"_count": 500, "_offset": offset})
                entries = page.json().get("entry", [])
                for entry in entries:
                    for identifier in entry["resource"].get("identifier", []):
                        if identifier.get("system") == "urn:chartdraft:note":
                            found[identifier["value"]] += 1
                offset += len(entries)
                if len(entries) < 500:
                    return found


class Worker:
    """``chartdraft worker`` as a process group: started, SIGKILLed, started again."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs, self.starts = env, logs, 0
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.starts += 1
        log = self.logs / f"worker-{self.starts}.log"
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "chartdraft", "worker", "--concurrency", "2"],
                env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while " ready." not in log.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the worker did not start: {log.read_text()[-500:]}")
            time.sleep(0.2)

    def kill(self) -> None:
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            self.process = None


@dataclass(frozen=True)
class ChaosPlan:
    """How often the FHIR server is killed, how long it stays down, how often the worker dies."""

    every: tuple[float, float] = (1.0, 4.0)
    down: tuple[float, float] = (0.2, 2.0)
    worker_share: float = 0.25


SHORT_OUTAGES = ChaosPlan()
LONG_OUTAGES = ChaosPlan(every=(3.0, 6.0), down=(8.0, 12.0), worker_share=0.0)
"""Outages longer than a script's few retries: what an EHR's maintenance window looks like."""


class Chaos:
    """Kills the FHIR server, and the worker now and then, on a seeded schedule, until stopped."""

    def __init__(
        self, server: FhirServer, worker: Worker | None, seed: int | None,
        plan: ChaosPlan = SHORT_OUTAGES,
    ) -> None:  # fmt: skip
        self.server, self.worker, self.seed, self.plan = server, worker, seed, plan
        self.on = seed is not None
        self.server_kills = self.worker_kills = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        dice = random.Random(self.seed)  # noqa: S311 - a benchmark's dice
        plan = self.plan
        while not self.stopping.wait(dice.uniform(*plan.every)):
            if dice.random() < plan.worker_share:
                if self.worker is not None:
                    self.worker.kill()
                    self.worker_kills += 1
                    self.worker.start()
                continue
            self.server.kill()
            self.server_kills += 1
            self.stopping.wait(dice.uniform(*plan.down))
            self.server.start()

    def __enter__(self) -> "Chaos":
        if self.on:
            self.thread.start()
        return self

    def kills(self) -> dict[str, float]:
        return {"server_kills": self.server_kills, "worker_kills": self.worker_kills}

    def __exit__(self, *_exc: object) -> None:
        self.stopping.set()
        if self.on:
            self.thread.join()
        if self.server.process is None:
            self.server.start()


def main() -> int:
    options = _options()
    schema = f"chartdraft_deliver_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        with tempfile.TemporaryDirectory(prefix="chartdraft-bench-") as scratch:
            return _run(options, schema, Path(scratch))
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=1000, help="notes in the reliability run")
    parser.add_argument("--throughput-notes", type=int, default=300)
    parser.add_argument("--outage-notes", type=int, default=300,
                        help="notes in the run with long outages")  # fmt: skip
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--parts", default="throughput,chaos,outages",
                        help="which parts to run (comma-separated)")  # fmt: skip
    return parser.parse_args()


def _run(options: argparse.Namespace, schema: str, scratch: Path) -> int:
    database = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARTDRAFT_")} | {
        "CHARTDRAFT_DATA_DIR": str(scratch / "data"),
        "CHARTDRAFT_DATABASE__URL": database.render_as_string(hide_password=False),
        "CHARTDRAFT_STORAGE__KEY_FILE": str(scratch / "keys.json"),
        "CHARTDRAFT_JOBS__BACKEND": "celery",
        "CHARTDRAFT_JOBS__BROKER_URL": REDIS_URL,
        "CHARTDRAFT_JOBS__SWEEP_SECONDS": "1",
        "CHARTDRAFT_EHR__MRN_SYSTEM": MRN_SYSTEM,
        "CHARTDRAFT_EHR__TIMEOUT": "3",
        "CHARTDRAFT_EHR__FIRST_RETRY_SECONDS": "1",
        "CHARTDRAFT_EHR__LONGEST_RETRY_SECONDS": "2",
        "CHARTDRAFT_EHR__MAX_ATTEMPTS": "1000",
    }
    redis.Redis.from_url(REDIS_URL).flushdb()
    upgraded = subprocess.run(
        [sys.executable, "-m", "chartdraft", "db", "upgrade"], env=env, capture_output=True,
        check=False,
    )  # fmt: skip
    if upgraded.returncode:
        raise SystemExit(upgraded.stderr.decode())
    patients = _synthea()
    parts = set(options.parts.split(","))
    rows = []
    if "throughput" in parts:
        n = options.throughput_notes
        print(f"part 1: {n} notes per contender, healthy EHR", file=sys.stderr)
        rows = [
            _throughput_row(name, _round(env, scratch, patients, n, deliver, seed=None))
            for name, deliver in (
                ("export + POST each note in turn", _post_each),
                ("outbox, in-process (2 threads)", _in_process),
                ("outbox, Celery (2 worker processes)", _celery),
            )
        ]
    chaos_rows: dict[str, list[tuple[str, ...]]] = {}
    for part, n, plan, title in (
        ("chaos", options.notes, SHORT_OUTAGES, "servers killed at random"),
        ("outages", options.outage_notes, LONG_OUTAGES, "outages of 8-12 s"),
    ):
        if part not in parts:
            continue
        print(f"{part}: {n} notes per contender, {title}", file=sys.stderr)
        chaos_rows[title] = [
            _chaos_row(
                name, _round(env, scratch, patients, n, deliver, seed=options.seed, plan=plan)
            )
            for name, deliver in (
                ("export + POST each, 3 retries 1 s apart", _post_each),
                ("outbox, Celery (2 worker processes)", _celery),
            )
        ]
    _report(options, rows, chaos_rows)
    return 0


Outcome = dict[str, float]


@dataclass
class Round:
    """One contender's run: its notes, its own FHIR server, and the chaos (when seeded)."""

    clinic: Clinic
    server: FhirServer
    note_ids: list[str]
    env: dict[str, str]
    scratch: Path
    seed: int | None
    plan: ChaosPlan = SHORT_OUTAGES


def _round(
    env: dict[str, str], scratch: Path, patients: list[dict[str, object]], n: int,
    deliver: Callable[[Round], Outcome], *, seed: int | None, plan: ChaosPlan = SHORT_OUTAGES,
) -> Outcome:  # fmt: skip
    """Sign ``n`` fresh notes, have ``deliver`` send them to a server of their own; count them."""
    server = FhirServer(scratch / f"fhir-{uuid.uuid4().hex[:6]}")
    server.start()
    try:
        _load(server.url, patients)
        own = env | {"CHARTDRAFT_EHR__BASE_URL": server.url}
        clinic = build_clinic(settings_from_environment(own))
        note_ids = _sign(clinic, patients, n, outbox=deliver is not _post_each)
        outcome = deliver(Round(clinic, server, note_ids, own, scratch, seed, plan))
        if server.process is None:
            server.start()
        stored = server.documents()
        counts = [stored[note_id] for note_id in note_ids]
        clinic.records.database.dispose()
    finally:
        server.kill()
    return outcome | {
        "notes": n,
        "exactly_once": sum(c == 1 for c in counts),
        "lost": sum(c == 0 for c in counts),
        "duplicated": sum(c > 1 for c in counts),
    }


def _sign(clinic: Clinic, patients: list[dict[str, object]], n: int, *, outbox: bool) -> list[str]:
    clinic = Clinic(clinic.records, clinic.drafting, clinic.clock, ehr_outbox=outbox)
    now = datetime.now(UTC)
    tag = uuid.uuid4().hex[:8]
    with clinic.records.unscoped() as session:
        practice_id = create_practice(session, f"Bench {tag}", now)
    CURRENT["practice_id"] = practice_id  # each contender's notes are a practice of their own
    user_id = add_member(clinic, practice_id, f"clinician.{tag}@example.org", "Clinician",
                         Role.CLINICIAN)  # fmt: skip
    clinician = Actor(user_id, practice_id, Role.CLINICIAN)
    details = [_patient(p) for p in patients]
    note_ids = []
    for i in range(n):
        new = NewEncounter(capture=CAPTURE, patient=details[i % len(details)])
        created = create_encounter(clinic, clinician, new)
        draft_id = draft_encounter(clinic, clinician, created.encounter_id)
        note_ids.append(sign_note(clinic, clinician, draft_id, CONFIRMED))
    return note_ids


def _post_each(run: Round) -> Outcome:
    """Export each note and POST it, retrying three times a second apart (no outbox)."""
    started = time.perf_counter()
    with Chaos(run.server, None, run.seed, run.plan) as chaos, httpx.Client(timeout=3) as client:
        for note_id in run.note_ids:
            _post(client, run, note_id)
    return {"seconds": time.perf_counter() - started} | chaos.kills()


def _post(client: httpx.Client, run: Round, note_id: str) -> None:
    bundle = export_note_as_operator(
        run.clinic.records, CURRENT["practice_id"], note_id, ExportFormat.FHIR,
        at=datetime.now(UTC), mrn_system=MRN_SYSTEM,
    ).content  # fmt: skip
    # What a script posts: the bundle's resources as plain creates (no ifNoneExist).
    plain = json.loads(bundle)
    for entry in plain["entry"]:
        entry["request"].pop("ifNoneExist", None)
    body = json.dumps(plain)
    for _attempt in range(4):
        try:
            answer = client.post(
                run.server.url, content=body, headers={"Content-Type": "application/fhir+json"}
            )
            if answer.status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)


def _in_process(run: Round) -> Outcome:
    """The outbox on the embedded runner: two delivery threads in this process."""
    courier = build_courier(settings_from_environment(run.env), run.clinic)
    assert courier is not None
    jobs = InProcessJobs(run.clinic, workers=2, courier=courier, sweep_seconds=0.2)
    started = time.perf_counter()
    jobs.start()
    try:
        _wait_delivered(run.clinic, len(run.note_ids))
    finally:
        jobs.close()
    return {"seconds": time.perf_counter() - started}


def _celery(run: Round) -> Outcome:
    """The outbox on two Celery worker processes; with a seed, the worker is killed too."""
    worker = Worker(run.env, run.scratch)
    worker.start()  # its start-up (a few seconds) is not counted: a worker runs all day
    started = time.perf_counter()
    n = len(run.note_ids)
    try:
        with Chaos(run.server, worker, run.seed, run.plan) as chaos:
            # The chaos stops with a tenth of the notes left, so the run ends in peace.
            _wait_delivered(run.clinic, n, stop_early=lambda left: chaos.on and left < n // 10)
        _wait_delivered(run.clinic, n)
    finally:
        worker.kill()
    return {"seconds": time.perf_counter() - started} | chaos.kills()


def _wait_delivered(
    clinic: Clinic, n: int, stop_early: Callable[[int], bool] | None = None
) -> None:
    deadline = time.monotonic() + 3600
    while True:
        left = n - _delivered(clinic, CURRENT["practice_id"])
        if left <= 0 or (stop_early is not None and stop_early(left)):
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"{left} notes not delivered after an hour")
        time.sleep(0.2)


def _delivered(clinic: Clinic, practice_id: str) -> int:
    with clinic.records.practice(practice_id, read_only=True) as records:
        return records.deliveries.counts()[DeliveryState.DELIVERED]


def _throughput_row(name: str, o: Outcome) -> tuple[str, ...]:
    rate = o["notes"] / o["seconds"]
    return (name, f"{o['notes']:.0f}", f"{o['seconds']:.1f}", f"{rate:.1f}",
            f"{o['exactly_once']:.0f}")  # fmt: skip


def _chaos_row(name: str, o: Outcome) -> tuple[str, ...]:
    return (name, f"{o['notes']:.0f}", f"{o['seconds']:.0f}", f"{o['server_kills']:.0f}",
            f"{o['worker_kills']:.0f}", f"{o['exactly_once']:.0f}", f"{o['lost']:.0f}",
            f"{o['duplicated']:.0f}")  # fmt: skip


def _report(
    options: argparse.Namespace, rows: list[tuple[str, ...]],
    chaos: dict[str, list[tuple[str, ...]]],
) -> None:  # fmt: skip
    print(f"\n{platform.platform()}, {os.cpu_count()} cores, seed {options.seed}\n")
    if rows:
        base = float(rows[0][3])
        print("| healthy EHR | notes | seconds | notes/s | ratio | exactly once |")
        print("|---|---|---|---|---|---|")
        for name, notes, seconds, rate, once in rows:
            print(f"| {name} | {notes} | {seconds} | {rate} | {float(rate) / base:.2f}x | {once} |")
    for title, found in chaos.items():
        print(f"\n| {title} | notes | seconds | FHIR server kills | worker kills "
              "| exactly once | lost | duplicated |")  # fmt: skip
        print("|---|---|---|---|---|---|---|---|")
        for row in found:
            print("| " + " | ".join(row) + " |")


def _synthea() -> list[dict[str, object]]:
    lines = SYNTHEA.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _patient(resource: dict[str, object]) -> PatientDetails:
    mrn = next(str(i["value"]) for i in resource["identifier"]  # type: ignore[attr-defined]
               if i.get("system") == MRN_SYSTEM)  # fmt: skip
    name = resource["name"][0]  # type: ignore[index]
    return PatientDetails(
        f"{' '.join(name['given'])} {name['family']}", mrn, str(resource["birthDate"])
    )


def _load(url: str, patients: list[dict[str, object]]) -> None:
    with httpx.Client(base_url=url, timeout=30) as client:
        for resource in patients:
            client.put(f"/Patient/{resource['id']}", json=resource).raise_for_status()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


if __name__ == "__main__":
    sys.exit(main())
