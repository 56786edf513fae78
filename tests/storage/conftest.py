"""The storage suite runs every test against SQLite and against PostgreSQL.

PostgreSQL is this machine's server (CHARTDRAFT_TEST_POSTGRES_URL, default the ``test``
database on 127.0.0.1:5432); each test run works in a schema of its own and drops it after.
Tests share the database but never a practice: each makes its own, as tenants would.
"""

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from chartdraft.domain.practice import Actor
from chartdraft.domain.review import Role
from chartdraft.services.clinic import Clinic
from chartdraft.services.drafting import DraftingService
from chartdraft.services.people import add_member
from chartdraft.store.crypto import FieldCipher, KeyRing
from chartdraft.store.database import Database, open_database
from chartdraft.store.migrate import upgrade
from chartdraft.store.people import create_practice
from chartdraft.store.records import RecordStore
from tests.conftest import require

POSTGRES_URL = os.environ.get(
    "CHARTDRAFT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _postgres_reachable() -> bool:
    try:
        with create_engine(POSTGRES_URL).connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except OperationalError:
        return False


@pytest.fixture(scope="session")
def postgres_schema_url() -> Iterator[Callable[[], str]]:
    """Return a factory of URLs, each to a fresh schema of the test database (dropped after)."""
    made: list[str] = []

    def fresh() -> str:
        require(_postgres_reachable(), f"PostgreSQL at {make_url(POSTGRES_URL).host}")
        schema = f"chartdraft_{uuid.uuid4().hex[:12]}"
        with create_engine(POSTGRES_URL).begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        made.append(schema)
        url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    yield fresh
    if made:
        with create_engine(POSTGRES_URL).begin() as connection:
            for schema in made:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture(scope="session")
def postgres_database(postgres_schema_url: Callable[[], str]) -> Iterator[Database]:
    """One migrated PostgreSQL schema for the whole run."""
    database = open_database(postgres_schema_url())
    upgrade(database)
    yield database
    database.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    """A migrated database of each kind."""
    if request.param == "postgresql":
        yield request.getfixturevalue("postgres_database")
        return
    database = open_database(f"sqlite:///{tmp_path_factory.mktemp('db') / 'chartdraft.db'}")
    upgrade(database)
    yield database
    database.dispose()


class Clock:
    """A clock that moves one second per reading (events get distinct, ordered times)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def cipher() -> FieldCipher:
    """A cipher with a fresh random key."""
    return FieldCipher(KeyRing(current="t1", keys={"t1": os.urandom(32)}))


@pytest.fixture
def clinic(database: Database, cipher: FieldCipher, service: DraftingService) -> Clinic:
    """Record services over the database, with the template engine and a stepping clock."""
    return Clinic(records=RecordStore(database, cipher), drafting=service, clock=Clock())


@dataclass(frozen=True)
class Team:
    """One practice and its people."""

    practice_id: str
    clinician: Actor
    colleague: Actor
    cosigner: Actor
    scribe: Actor
    admin: Actor
    auditor: Actor


def make_team(clinic: Clinic) -> Team:
    """Create a practice with a clinician, a colleague, a co-signer, a scribe, an admin, an auditor."""
    now = clinic.clock()
    tag = uuid.uuid4().hex[:8]
    with clinic.records.unscoped() as session:
        practice_id = create_practice(session, f"Practice {tag}", now)
    people: dict[str, Actor] = {}
    for name, role, cosign in [
        ("clinician", Role.CLINICIAN, False), ("colleague", Role.CLINICIAN, False),
        ("cosigner", Role.CLINICIAN, True), ("scribe", Role.SCRIBE, False),
        ("admin", Role.ADMIN, False), ("auditor", Role.AUDITOR, False),
    ]:  # fmt: skip
        user_id = add_member(
            clinic, practice_id, f"{name}.{tag}@example.org", name.title(), role, may_cosign=cosign
        )
        people[name] = Actor(user_id, practice_id, role)
    return Team(practice_id, **people)


@pytest.fixture
def team(clinic: Clinic) -> Team:
    """A fresh practice in the test database."""
    return make_team(clinic)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Database]:
    """A database of each kind with nothing in it, not even the schema: this test's alone."""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_schema_url")()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'empty.db'}"
    database = open_database(url)
    yield database
    database.dispose()
