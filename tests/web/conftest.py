"""The API suite runs in-process against SQLite and PostgreSQL, like the storage suite."""

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from chartdraft.domain.practice import Actor
from chartdraft.services.accounts import SCOPES, create_token, hash_password
from chartdraft.services.clinic import Clinic
from chartdraft.store.tokens import set_password_hash
from chartdraft.web.app import create_app
from tests.storage.conftest import (  # noqa: F401 - fixtures shared with the storage suite
    Team,
    cipher,
    clinic,
    database,
    postgres_database,
    postgres_schema_url,
    team,
)

PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Caller:
    """A team member with an API token carrying every scope."""

    actor: Actor
    headers: dict[str, str]


@pytest.fixture
def api(clinic: Clinic) -> Iterator[TestClient]:
    """The app over the test database, called in-process."""
    with TestClient(create_app(clinic=clinic), raise_server_exceptions=False) as client:
        yield client


def caller(clinic: Clinic, actor: Actor, scopes: frozenset[str] = SCOPES) -> Caller:
    """Give ``actor`` a password and a token; return the headers that authenticate them."""
    with clinic.records.practice(actor.practice_id) as records:
        set_password_hash(records.scope, actor.user_id, hash_password(PASSWORD))
        email = records.people.member(actor.user_id).email
    token = create_token(clinic, email, scopes)
    return Caller(actor, {"Authorization": f"Bearer {token}"})
