"""Benchmark: the record store on SQLite and on PostgreSQL, side by side, with 10,000 encounters.

Each database is migrated with ``upgrade`` and seeded with one practice, 10 clinicians, an admin
and N encounters (patient, capture, template draft, audit events), the example visits in
``examples/visits`` round-robin. With every encounter present it measures, on each database:
  * review queue: ``review_queue`` of each clinician in turn, and the practice-wide queue
    (``everyone=True`` by the admin), repeated; p50 and p99 ms per call;
  * sign-off: ``sign_note`` with a fully confirmed checklist on distinct drafts that have no open
    major finding and no flagged section, one after another; each is one transaction (open for
    review, state change, encrypted note, audit events); signs per second, p50 and p99 ms;
  * ``verify_audit`` of the practice's hash chain after the signing: seconds and events/s.
The ratio column is PostgreSQL / SQLite (above 1: PostgreSQL takes longer, or does more per s).

Seeding: the first ``--probe`` encounters go through the services (``create_encounter`` then
``draft_encounter``, one transaction each); the rest are stored through the repositories in
batches of ``--batch`` per transaction, each example drafted once by the template engine and
written with the same rows and audit events the services write. The report gives both rates.

SQLite is a file in a temporary directory (WAL, synchronous=NORMAL, as ``open_database`` sets).
PostgreSQL is CHARTDRAFT_BENCH_POSTGRES_URL (default the ``test`` database on 127.0.0.1:5432),
in a schema created for the run and dropped at the end; the run fails if it is unreachable.
PostgreSQL gets an ANALYZE after the seeding (what autovacuum does in production); SQLite
does not, since chartdraft never runs one there.

Usage: python bench/bench_store.py [--encounters N] [--signs N] [--queue-calls N] [--probe N]
"""

import argparse
import hashlib
import os
import platform
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from chartdraft.bootstrap import build_drafting_service
from chartdraft.config import Settings
from chartdraft.domain.audit import AuditEntry, AuditKind
from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.findings import Severity
from chartdraft.domain.practice import Actor, PatientDetails
from chartdraft.domain.review import Checklist, Role
from chartdraft.domain.visit import Visit
from chartdraft.services.clinic import Clinic
from chartdraft.services.drafting import DraftingService
from chartdraft.services.encounters import NewEncounter, create_encounter, draft_encounter
from chartdraft.services.people import add_member
from chartdraft.services.review import get_draft, review_queue
from chartdraft.services.signing import sign_note
from chartdraft.services.upkeep import verify_audit
from chartdraft.store.crypto import FieldCipher, KeyRing
from chartdraft.store.database import Database, open_database
from chartdraft.store.encounters import EncounterInfo, NewCapture
from chartdraft.store.migrate import upgrade
from chartdraft.store.people import create_practice
from chartdraft.store.records import Records, RecordStore
from chartdraft.store.scope import new_id

REPO = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "CHARTDRAFT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
CLINICIANS = 10
CONFIRMED = Checklist(True, True, True, True)


class Clock:
    """A clock that moves one second per reading (events get distinct, ordered times)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@dataclass(frozen=True)
class Example:
    """One example visit, parsed and drafted once (for the batched seeding)."""

    name: str
    raw: bytes
    visit: Visit
    encounter_type: str
    draft: SoapDraft
    parse_ms: float
    draft_ms: float

    @property
    def signable(self) -> bool:
        """Return True when the draft has no major finding and no flagged section."""
        majors = any(f.severity is Severity.MAJOR for f in self.draft.findings)
        return not majors and not any(s.gaps for s in self.draft.sections)


@dataclass(frozen=True)
class Seeded:
    """A seeded practice: its people, its drafts and how long seeding took."""

    practice_id: str
    clinicians: list[Actor]
    admin: Actor
    drafts: list[tuple[str, Actor, Example]]
    probe_seconds: float
    batched_seconds: float
    total_seconds: float


@dataclass
class Results:
    """What one database measured."""

    name: str
    version: str
    seeded: Seeded
    own_queue: list[float] = field(default_factory=list)
    everyone_queue: list[float] = field(default_factory=list)
    signs: list[float] = field(default_factory=list)
    sign_seconds: float = 0.0
    verify_seconds: float = 0.0
    verify_events: int = 0


def main() -> int:
    """Run the benchmark on both databases and print a Markdown table."""
    args = _arguments()
    _require_postgres()
    service = build_drafting_service(Settings())
    examples = _examples(service, args.examples)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-store-") as folder:
        for name, opener in (("SQLite", _sqlite(Path(folder))), ("PostgreSQL", _postgres())):
            with opener as database:
                results.append(_run(name, database, service, examples, args))
    _report(results, examples, args)
    return 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encounters", type=int, default=10_000)
    parser.add_argument("--signs", type=int, default=1_000)
    parser.add_argument("--queue-calls", type=int, default=200, help="calls per queue kind")
    parser.add_argument("--probe", type=int, default=100, help="encounters seeded via services")
    parser.add_argument("--batch", type=int, default=250, help="encounters per seed transaction")
    parser.add_argument("--examples", type=Path, default=REPO / "examples" / "visits")
    return parser.parse_args()


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- Databases ------------------------------------------------------------------------------


def _require_postgres() -> None:
    url = make_url(POSTGRES_URL)
    try:
        with create_engine(url).connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "no connection"
        raise SystemExit(
            f"PostgreSQL at {url.host}:{url.port or 5432}/{url.database} is unreachable "
            f"({reason}). Start it, or set CHARTDRAFT_BENCH_POSTGRES_URL to a server you may "
            "create a schema in."
        ) from None


@contextmanager
def _sqlite(folder: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{folder / 'chartdraft.db'}")
    try:
        upgrade(database)
        yield database
    finally:
        database.dispose()


@contextmanager
def _postgres() -> Iterator[Database]:
    schema = f"bench_store_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    database = open_database(url.render_as_string(hide_password=False))
    try:
        upgrade(database)
        yield database
    finally:
        database.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _analyze(database: Database) -> None:
    """Give PostgreSQL's planner statistics, as autovacuum would a minute after the seeding.

    SQLite is left as chartdraft leaves it: nothing runs ANALYZE there.
    """
    if not database.is_sqlite:
        with database.engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def _version(database: Database) -> str:
    with database.engine.connect() as connection:
        if database.is_sqlite:
            return str(connection.execute(text("SELECT sqlite_version()")).scalar())
        version = connection.execute(text("SHOW server_version")).scalar()
        commit = connection.execute(text("SHOW synchronous_commit")).scalar()
        vacuum = connection.execute(text("SHOW autovacuum")).scalar()
        return f"{version} (synchronous_commit={commit}, autovacuum={vacuum})"


# --- Seeding --------------------------------------------------------------------------------


def _examples(service: DraftingService, folder: Path) -> list[Example]:
    raws = [(path.name, path.read_bytes()) for path in sorted(folder.iterdir())]
    for _name, raw in raws:  # warm lazy imports and caches before timing
        service.draft(service.capture(raw))
    examples = []
    for name, raw in raws:
        start = time.perf_counter()
        visit = service.capture(raw)
        parsed = time.perf_counter()
        draft = service.draft(visit)
        drafted = time.perf_counter()
        kind = service.template_for(visit).name
        parse_ms, draft_ms = (parsed - start) * 1000, (drafted - parsed) * 1000
        examples.append(Example(name, raw, visit, kind, draft, parse_ms, draft_ms))
    return examples


def _seed(clinic: Clinic, examples: list[Example], args: argparse.Namespace) -> Seeded:
    started = time.perf_counter()
    with clinic.records.unscoped() as session:
        practice_id = create_practice(session, "Bench practice", clinic.clock())
    clinicians = [
        _member(clinic, practice_id, f"clinician{n}", Role.CLINICIAN) for n in range(CLINICIANS)
    ]
    admin = _member(clinic, practice_id, "admin", Role.ADMIN)
    probe = min(args.probe, args.encounters)
    drafts: list[tuple[str, Actor, Example]] = []
    probe_start = time.perf_counter()
    for number in range(probe):
        drafts.append(_seed_via_services(clinic, number, clinicians, examples))
    probe_seconds = time.perf_counter() - probe_start
    batched_start = time.perf_counter()
    for first in range(probe, args.encounters, args.batch):
        numbers = range(first, min(first + args.batch, args.encounters))
        with clinic.records.practice(practice_id) as records:
            drafts.extend(_store(records, clinic.clock, n, clinicians, examples) for n in numbers)
        _log(f"  seeded {numbers.stop:,} / {args.encounters:,}")
    batched_seconds = time.perf_counter() - batched_start
    total = time.perf_counter() - started
    return Seeded(practice_id, clinicians, admin, drafts, probe_seconds, batched_seconds, total)


def _member(clinic: Clinic, practice_id: str, name: str, role: Role) -> Actor:
    user_id = add_member(clinic, practice_id, f"{name}@bench.example", name.title(), role)
    return Actor(user_id, practice_id, role)


def _patient(number: int) -> PatientDetails:
    return PatientDetails(f"Bench Patient {number:05d}", f"BENCH-{number:05d}", "1970-01-01")


def _seed_via_services(
    clinic: Clinic, number: int, clinicians: list[Actor], examples: list[Example]
) -> tuple[str, Actor, Example]:
    example, clinician = examples[number % len(examples)], clinicians[number % len(clinicians)]
    created = create_encounter(clinic, clinician, NewEncounter(example.raw, _patient(number)))
    return draft_encounter(clinic, clinician, created.encounter_id), clinician, example


def _store(
    records: Records,
    clock: Callable[[], datetime],
    number: int,
    clinicians: list[Actor],
    examples: list[Example],
) -> tuple[str, Actor, Example]:
    """Store one encounter, capture and draft as the services do, inside the caller's transaction."""
    example, clinician = examples[number % len(examples)], clinicians[number % len(clinicians)]
    now, actor_id = clock(), clinician.user_id
    patient_id = records.people.add_patient(_patient(number), now)
    info = EncounterInfo(new_id(), patient_id, actor_id, example.encounter_type, now)
    encounter_id = records.encounters.add_encounter(info, actor_id, now)
    sha256 = hashlib.sha256(example.raw).hexdigest()
    capture = NewCapture(example.visit.capture_format, example.raw.decode("utf-8-sig"), sha256,
                         example.visit)  # fmt: skip
    capture_id = records.encounters.add_capture(encounter_id, capture, actor_id, now)
    records.audit(AuditEntry(AuditKind.CAPTURE_CREATED, actor_id, encounter_id, details={
        "format": example.visit.capture_format, "bytes": len(example.raw),
        "fields": len(example.visit.fields), "encounter_type": example.encounter_type,
    }), now)  # fmt: skip
    now = clock()
    draft = example.draft
    draft_id = records.drafts.add_draft(encounter_id, capture_id, draft, sha256, now)
    records.audit(AuditEntry(AuditKind.DRAFT_CREATED, actor_id, encounter_id, draft_id, details={
        "engine": draft.engine.name, "model": draft.engine.model,
        "prompt_id": draft.engine.prompt_id, "prompt_version": draft.engine.prompt_version,
        "statements": sum(len(s.statements) for s in draft.sections),
        "findings": len(draft.findings), "flagged_sections": sum(1 for s in draft.sections if s.gaps),
    }), now)  # fmt: skip
    return draft_id, clinician, example


# --- Measurements ---------------------------------------------------------------------------


def _run(
    name: str,
    database: Database,
    service: DraftingService,
    examples: list[Example],
    args: argparse.Namespace,
) -> Results:
    cipher = FieldCipher(KeyRing(current="b1", keys={"b1": os.urandom(32)}))
    clinic = Clinic(records=RecordStore(database, cipher), drafting=service, clock=Clock())
    _log(f"{name}: seeding {args.encounters:,} encounters")
    results = Results(name, _version(database), _seed(clinic, examples, args))
    seeded = results.seeded
    _analyze(database)
    _log(f"{name}: review queue, {args.queue_calls} calls per kind")
    results.own_queue = _queue_latencies(clinic, seeded.clinicians, args.queue_calls, False)
    results.everyone_queue = _queue_latencies(clinic, [seeded.admin], args.queue_calls, True)
    picks = _signable(clinic, seeded.drafts, args.signs)
    _log(f"{name}: signing {len(picks):,} drafts")
    start = time.perf_counter()
    results.signs = [_timed(lambda a=actor, d=draft_id: sign_note(clinic, a, d, CONFIRMED))
                     for draft_id, actor in picks]  # fmt: skip
    results.sign_seconds = time.perf_counter() - start
    _log(f"{name}: verifying the audit chain")
    start = time.perf_counter()
    (report,) = verify_audit(clinic.records, seeded.practice_id)
    results.verify_seconds = time.perf_counter() - start
    if not report.intact:
        raise SystemExit(f"{name}: the audit chain does not verify: {report.broken}")
    results.verify_events = report.events
    return results


def _timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def _queue_latencies(
    clinic: Clinic, actors: list[Actor], calls: int, everyone: bool
) -> list[float]:
    for actor in actors:  # warm the pool and the statement caches
        review_queue(clinic, actor, everyone=everyone)
    samples = []
    for number in range(calls):
        actor = actors[number % len(actors)]
        samples.append(_timed(lambda a=actor: review_queue(clinic, a, everyone=everyone)))
    return samples


def _signable(
    clinic: Clinic, drafts: list[tuple[str, Actor, Example]], wanted: int
) -> list[tuple[str, Actor]]:
    """Return ``wanted`` drafts spread over the practice, each checked clean by ``get_draft``."""
    candidates = [(draft_id, actor) for draft_id, actor, example in drafts if example.signable]
    step = max(1.0, len(candidates) / wanted)
    picks = []
    for index in range(min(wanted, len(candidates))):
        draft_id, actor = candidates[int(index * step)]
        stored = get_draft(clinic, actor, draft_id)
        if stored.open_major_findings or stored.flagged_sections:
            raise SystemExit(f"Draft {draft_id} was expected to be ready to sign.")
        picks.append((draft_id, actor))
    if len(picks) < wanted:
        raise SystemExit(f"Only {len(picks)} drafts can be signed; seed more encounters.")
    return picks


# --- Report ---------------------------------------------------------------------------------


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _metrics(results: Results, args: argparse.Namespace) -> list[tuple[str, float, str]]:
    seeded = results.seeded
    batched = max(1, args.encounters - min(args.probe, args.encounters))
    probe = max(1, min(args.probe, args.encounters))
    return [
        ("seeding, total s", seeded.total_seconds, ".1f"),
        (f"seeding via services, ms per encounter ({probe})", seeded.probe_seconds * 1000 / probe,
         ".2f"),
        (f"seeding via repositories in batches of {args.batch}, ms per encounter",
         seeded.batched_seconds * 1000 / batched, ".2f"),
        ("review queue, own (clinician), p50 ms", _percentile(results.own_queue, 0.5), ".2f"),
        ("review queue, own (clinician), p99 ms", _percentile(results.own_queue, 0.99), ".2f"),
        ("review queue, practice-wide (admin), p50 ms",
         _percentile(results.everyone_queue, 0.5), ".2f"),
        ("review queue, practice-wide (admin), p99 ms",
         _percentile(results.everyone_queue, 0.99), ".2f"),
        ("sign-off, signs per s", len(results.signs) / results.sign_seconds, ".1f"),
        ("sign-off, p50 ms", _percentile(results.signs, 0.5), ".2f"),
        ("sign-off, p99 ms", _percentile(results.signs, 0.99), ".2f"),
        ("verify_audit, s", results.verify_seconds, ".2f"),
        ("verify_audit, events per s", results.verify_events / results.verify_seconds, ",.0f"),
    ]  # fmt: skip


def _report(results: list[Results], examples: list[Example], args: argparse.Namespace) -> None:
    sqlite, postgres = results
    signable = sum(1 for e in examples if e.signable)
    parse_ms = sum(e.parse_ms for e in examples) / len(examples)
    draft_ms = sum(e.draft_ms for e in examples) / len(examples)
    probe = min(args.probe, args.encounters)
    print(
        f"{os.cpu_count()} cores, Python {platform.python_version()} on {platform.machine()}, "
        f"SQLite {sqlite.version} (WAL), PostgreSQL {postgres.version} on "
        f"{make_url(POSTGRES_URL).host}"
    )
    print(
        f"{args.encounters:,} encounters ({len(examples)} examples round-robin, {signable} ready "
        f"to sign; per example: capture parse {parse_ms:.1f} ms, template draft {draft_ms:.1f} ms "
        f"mean), {CLINICIANS} clinicians, {args.queue_calls} queue calls per kind, "
        f"{len(sqlite.signs):,} signs, {sqlite.verify_events:,} / {postgres.verify_events:,} "
        "audit events verified"
    )
    print(
        f"Seeding: the first {probe:,} encounters through the services (one transaction each for "
        f"create and draft), the rest through the repositories, {args.batch} per transaction"
    )
    print()
    print("| metric | SQLite | PostgreSQL | PostgreSQL / SQLite |")
    print("|---|---:|---:|---:|")
    for (name, ours, fmt), (_, theirs, _) in zip(
        _metrics(sqlite, args), _metrics(postgres, args), strict=True
    ):
        print(f"| {name} | {ours:{fmt}} | {theirs:{fmt}} | {theirs / ours:.2f} |")


if __name__ == "__main__":
    sys.exit(main())
