"""Load: concurrent reviewers against ``chartdraft serve`` on PostgreSQL, from a second process.

The server runs as its own process (uvicorn, one worker) over a fresh PostgreSQL schema; this
process sets up a practice (clinicians with passwords and API tokens, drafted encounters) and
then runs ``--users`` virtual reviewers at once over loopback. Each reviewer repeats: read
their queue, open the oldest draft, sign it (password and checklist). Reported: p50 and p99
per request kind, requests per second, and errors. The target is p99 under 200 ms on 2 cores.

Reviewers start ``--spawn-rate`` per second, as load tools ramp up (50 in 5 s by default);
``--spawn-rate 0`` starts them all at once, so the first round's sign-offs arrive together.

Usage: python bench/bench_web_load.py [--users 50] [--rounds 6] [--clinicians 10]
       [--spawn-rate 10]
"""

import argparse
import asyncio
import math
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

import httpx
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from chartdraft.bootstrap import build_clinic
from chartdraft.config import settings_from_environment
from chartdraft.domain.practice import Actor, PatientDetails
from chartdraft.domain.review import Role
from chartdraft.services.accounts import create_token, create_user
from chartdraft.services.encounters import NewEncounter, create_encounter, draft_encounter

REPO = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get(
    "CHARTDRAFT_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
PASSWORD = "a long signing passphrase"  # noqa: S105 - the benchmark's own throwaway users
CAPTURE = (REPO / "examples" / "visits" / "follow-up-hypertension.txt").read_bytes()
CHECKLIST = {"facts_verified": True, "assessment_is_mine": True, "flags_completed": True,
             "defensible": True}  # fmt: skip


def main() -> int:
    """Set up, run the load, print the table."""
    options = _options()
    schema = f"chartdraft_load_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        return _run(options, schema)
    finally:
        _drop(admin, schema)


def _drop(admin: Engine, schema: str) -> None:
    # A server worker still closing its connections can deadlock with the DROP: try again.
    for attempt in range(5):
        try:
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        except OperationalError:
            if attempt == 4:
                raise
            time.sleep(1)
        else:
            return


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=6, help="queue+review+sign per user")
    parser.add_argument("--clinicians", type=int, default=10)
    parser.add_argument("--workers", type=int, default=1, help="chartdraft serve --workers")
    parser.add_argument(
        "--spawn-rate", type=float, default=10.0,
        help="reviewers started per second, as load tools ramp up (0: all at once)",
    )  # fmt: skip
    parser.add_argument(
        "--think", type=float, default=2.0,
        help="mean seconds a reviewer reads between requests (0: back to back, saturation)",
    )  # fmt: skip
    return parser.parse_args()


def _run(options: argparse.Namespace, schema: str) -> int:
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, "CHARTDRAFT_DATA_DIR": data,
               "CHARTDRAFT_DATABASE__URL": url.render_as_string(hide_password=False),
               "CHARTDRAFT_STORAGE__KEY_FILE": f"{data}/keys.json"}  # fmt: skip
        subprocess.run([sys.executable, "-m", "chartdraft", "db", "upgrade"], env=env, check=True)
        tokens = _seed(env, options)
        port = _free_port()
        server = subprocess.Popen(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "chartdraft", "serve", "--port", str(port),
             "--workers", str(options.workers)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,  # its uvicorn workers are stopped with it, as a group
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            _wait(base)
            timings, errors, seconds = asyncio.run(_load(base, tokens, options))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
    _report(timings, errors, seconds, options)
    return 0 if not errors else 1


def _seed(env: dict[str, str], options: argparse.Namespace) -> list[str]:
    """Create clinicians with tokens and enough drafts for every sign; return the tokens."""
    clinic = build_clinic(settings_from_environment(env))
    per_clinician = options.users * options.rounds // options.clinicians + options.rounds
    tokens = []
    started = time.perf_counter()
    for number in range(options.clinicians):
        email = f"clinician{number}@load.example"
        user_id = create_user(clinic, "Load practice", email, Role.CLINICIAN, PASSWORD)
        scopes = frozenset({"queue:read", "drafts:read", "notes:sign"})
        tokens.append(create_token(clinic, email, scopes))
        with clinic.records.unscoped() as session:
            from chartdraft.store.people import practice_id_named  # noqa: PLC0415

            practice_id = practice_id_named(session, "Load practice")
        actor = Actor(user_id, practice_id, Role.CLINICIAN)
        for visit in range(per_clinician):
            patient = PatientDetails(f"Load Patient {number}-{visit}", f"L{number:02d}{visit:05d}")
            created = create_encounter(clinic, actor, NewEncounter(CAPTURE, patient))
            draft_encounter(clinic, actor, created.encounter_id)
    print(f"seeded {options.clinicians * per_clinician} encounters in "
          f"{time.perf_counter() - started:.1f} s", file=sys.stderr)  # fmt: skip
    clinic.records.database.dispose()
    return tokens


async def _load(
    base: str, tokens: list[str], options: argparse.Namespace
) -> tuple[dict[str, list[float]], list[str], float]:
    timings: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    limits = httpx.Limits(max_connections=options.users, max_keepalive_connections=options.users)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(
            _reviewer(client, tokens[user % len(tokens)], options, timings, errors,
                      start=user / options.spawn_rate if options.spawn_rate > 0 else 0.0)
            for user in range(options.users)
        ))  # fmt: skip
        return timings, errors, time.perf_counter() - started


async def _reviewer(
    client: httpx.AsyncClient, token: str, options: argparse.Namespace,
    timings: dict[str, list[float]], errors: list[str], *, start: float,
) -> None:  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"}
    await asyncio.sleep(start)
    pause = _Pause(options.think, seed=hash(token) % 1000)
    for _ in range(options.rounds):
        await pause()
        queue = await _timed(client, "GET", "/api/v1/queue", "queue", headers, timings, errors)
        items = [] if queue is None else queue.json()["items"]
        if not items:
            errors.append("empty queue")
            return
        # Reviewers of one clinician race for the same oldest draft: a 409 is a lost race.
        draft_id = items[len(items) // 2 if len(items) > 1 else 0]["draft_id"]
        await pause()
        await _timed(
            client, "GET", f"/api/v1/drafts/{draft_id}", "review", headers, timings, errors
        )
        await pause()
        body = {"checklist": CHECKLIST, "password": PASSWORD}
        await _timed(client, "POST", f"/api/v1/drafts/{draft_id}/sign", "sign", headers, timings,
                     errors, json=body, tolerated=409)  # fmt: skip


class _Pause:
    """A reviewer reading: uniformly 0.5x to 1.5x the mean, from a seeded generator."""

    def __init__(self, mean: float, seed: int = 0) -> None:
        self._mean = mean
        self._random = random.Random(seed)  # noqa: S311 - reading times, not secrets

    async def __call__(self) -> None:
        if self._mean > 0:
            await asyncio.sleep(self._mean * self._random.uniform(0.5, 1.5))


async def _timed(  # noqa: PLR0917 - one request's parts
    client: httpx.AsyncClient, method: str, path: str, kind: str, headers: dict[str, str],
    timings: dict[str, list[float]], errors: list[str], json: object = None,
    tolerated: int | None = None,
) -> httpx.Response | None:  # fmt: skip
    started = time.perf_counter()
    response = await client.request(method, path, headers=headers, json=json)
    timings[kind].append((time.perf_counter() - started) * 1000)
    if response.status_code >= 400 and response.status_code != tolerated:
        errors.append(f"{kind} {response.status_code}")
        return None
    return response


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _report(
    timings: dict[str, list[float]], errors: list[str], seconds: float, options: argparse.Namespace
) -> None:
    total = sum(len(v) for v in timings.values())
    print(f"{os.cpu_count()} cores, Python {platform.python_version()}, PostgreSQL on loopback, "
          f"uvicorn ({options.workers} worker(s)); {options.users} virtual reviewers x "
          f"{options.rounds} rounds, {options.clinicians} clinicians, "
          f"{options.think:g} s mean reading time, "
          f"{options.spawn_rate:g} reviewers started per second")  # fmt: skip
    print(f"{total} requests in {seconds:.1f} s ({total / seconds:.0f} requests/s), "
          f"{len(errors)} errors\n")  # fmt: skip
    print("| request | count | p50 ms | p99 ms | under 200 ms at p99 |")
    print("|---|---:|---:|---:|---|")
    for kind in ("queue", "review", "sign"):
        values = timings[kind]
        p99 = _percentile(values, 0.99)
        print(f"| {kind} | {len(values)} | {_percentile(values, 0.5):.1f} | {p99:.1f} | "
              f"{'yes' if p99 < 200 else 'no'} |")  # fmt: skip
    if errors:
        print(f"\nerrors: {sorted(set(errors))}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(base: str) -> None:
    for _ in range(300):
        try:
            httpx.get(f"{base}/openapi.json", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit("chartdraft serve did not start")


if __name__ == "__main__":
    sys.exit(main())
