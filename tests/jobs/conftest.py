"""A Celery worker (``chartdraft worker``) over this machine's Redis, sharing a PostgreSQL schema.

The test process and the worker read the same settings (the environment built here), so the
test records visits and signs notes through the services while the worker drafts and delivers.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis

from chartdraft.bootstrap import build_clinic
from chartdraft.config import Settings, settings_from_environment
from chartdraft.services.clinic import Clinic
from tests.conftest import require
from tests.fake_providers import FakeProvider, Recorded
from tests.handoff.conftest import (  # noqa: F401 - the FHIR server fixtures, shared
    SYNTHEA_MRN_SYSTEM,
    FhirServerProcess,
    own_fhir_server,
)
from tests.served import run_chartdraft
from tests.storage.conftest import postgres_schema_url  # noqa: F401 - shared fixture

REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 11
"""A database number of its own, flushed before each test: the tests never touch db 0."""


def redis_reachable() -> bool:
    try:
        return bool(redis.Redis(REDIS_HOST, REDIS_PORT, db=REDIS_DB, socket_timeout=2).ping())
    except redis.RedisError:
        return False


@dataclass
class WorkerSetup:
    """The environment a worker runs with, and the clinic the test uses over the same record."""

    env: dict[str, str]
    clinic: Clinic
    log_dir: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def start_worker(self, concurrency: int = 2) -> None:
        """Start ``chartdraft worker`` and wait until it is ready to take tasks."""
        self.starts += 1
        log = self.log_dir / f"worker-{self.starts}.log"
        with log.open("wb") as output:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "chartdraft", "worker", "--concurrency", str(concurrency)],
                env=self.env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while " ready." not in log.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the worker did not start: {log.read_text()[-800:]}", pytrace=False)
            time.sleep(0.2)

    def kill_worker(self) -> None:
        """SIGKILL the worker and its pool processes: a crash, mid-task if one is running."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=20)
            self.process = None

    def stop_worker(self) -> None:
        """Stop the worker as an operator does (warm shutdown)."""
        if self.process is not None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill_worker()
            self.process = None

    def settings(self, **changes: str) -> Settings:
        """Return the settings of this environment (what the worker reads), with ``changes``."""
        return settings_of(self.env, **changes)


def settings_of(env: dict[str, str], **changes: str) -> Settings:
    """Return the settings the environment ``env`` gives (read as the worker reads them)."""
    return settings_from_environment(env | changes)


def worker_env(tmp_path: Path, database_url: str, fhir_url: str, **extra: str) -> dict[str, str]:
    """Return the environment of a worker over ``database_url`` delivering to ``fhir_url``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARTDRAFT_")}
    return env | {
        "CHARTDRAFT_DATA_DIR": str(tmp_path / "data"),
        "CHARTDRAFT_DATABASE__URL": database_url,
        "CHARTDRAFT_STORAGE__KEY_FILE": str(tmp_path / "keys.json"),
        "CHARTDRAFT_JOBS__BACKEND": "celery",
        "CHARTDRAFT_JOBS__BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}",
        "CHARTDRAFT_JOBS__SWEEP_SECONDS": "1",
        "CHARTDRAFT_EHR__BASE_URL": fhir_url,
        "CHARTDRAFT_EHR__MRN_SYSTEM": SYNTHEA_MRN_SYSTEM,
        "CHARTDRAFT_EHR__TIMEOUT": "3",
        "CHARTDRAFT_EHR__FIRST_RETRY_SECONDS": "1",
        "CHARTDRAFT_EHR__LONGEST_RETRY_SECONDS": "2",
        "CHARTDRAFT_EHR__MAX_ATTEMPTS": "1000",
        **extra,
    }


def make_workers(
    tmp_path: Path, database_url: str, fhir_url: str, **extra: str
) -> Iterator[WorkerSetup]:
    """Yield a worker set-up over a freshly migrated record, killed and disposed of after."""
    require(redis_reachable(), f"Redis at {REDIS_HOST}:{REDIS_PORT}")
    redis.Redis(REDIS_HOST, REDIS_PORT, db=REDIS_DB).flushdb()
    env = worker_env(tmp_path, database_url, fhir_url, **extra)
    upgraded = run_chartdraft(env, "db", "upgrade", timeout=120)
    assert upgraded.returncode == 0, upgraded.stderr
    setup = WorkerSetup(env, build_clinic(settings_of(env)), tmp_path)
    try:
        yield setup
    finally:
        setup.kill_worker()
        setup.clinic.records.database.dispose()


@pytest.fixture
def workers(
    tmp_path: Path,
    postgres_schema_url: Callable[[], str],
    own_fhir_server: FhirServerProcess,
) -> Iterator[WorkerSetup]:
    """A record (PostgreSQL), a persistent FHIR server and the broker, ready for workers."""
    yield from make_workers(tmp_path, postgres_schema_url(), own_fhir_server.url)


class SlowModel(FakeProvider):
    """An OpenAI-compatible model that thinks for ``seconds`` over its first answer."""

    def __init__(self, seconds: float) -> None:
        super().__init__("openai")
        self.seconds = seconds
        self._first = threading.Event()

    def reply(self, request: Recorded) -> tuple[int, dict[str, str], Any]:
        """Answer as the echo model does; the first completion only after a long pause."""
        if request.method == "POST" and not self._first.is_set():
            self._first.set()
            time.sleep(self.seconds)
        return super().reply(request)


@pytest.fixture
def slow_model() -> Iterator[SlowModel]:
    """A model that takes a minute over its first answer: long enough to kill a worker in."""
    model = SlowModel(seconds=60).start()
    yield model
    model.stop()


@pytest.fixture
def slow_workers(
    tmp_path: Path,
    postgres_schema_url: Callable[[], str],
    own_fhir_server: FhirServerProcess,
    slow_model: SlowModel,
) -> Iterator[WorkerSetup]:
    """Workers whose ``openai`` engine is the slow model."""
    yield from make_workers(
        tmp_path, postgres_schema_url(), own_fhir_server.url,
        CHARTDRAFT_ENGINES__OPENAI__BASE_URL=slow_model.base_url,
        CHARTDRAFT_ENGINES__OPENAI__API_KEY="test-key",
        CHARTDRAFT_ENGINES__OPENAI__MAX_RETRIES="0",
        CHARTDRAFT_ENGINES__OPENAI__TIMEOUT="120",
    )  # fmt: skip
