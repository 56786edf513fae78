"""The API suite runs in-process against SQLite and PostgreSQL, like the storage suite."""

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

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


def drafted(api: TestClient, headers: dict[str, str], draft_id: str) -> dict[str, Any]:
    """Wait for the background job to finish the draft; return the draft document."""
    deadline = time.monotonic() + 20
    while True:
        response = api.get(f"/api/v1/drafts/{draft_id}", headers=headers)
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        if document["review_state"] != "drafting":
            return document
        assert time.monotonic() < deadline, "the draft was still drafting after 20 s"
        time.sleep(0.02)


def sign_in(api: TestClient, clinic: Clinic, actor: Actor) -> str:
    """Sign ``actor`` in through the form; return the page's CSRF token."""
    caller(clinic, actor)  # gives the actor a password
    with clinic.records.practice(actor.practice_id) as records:
        email = records.people.member(actor.user_id).email
    form = api.get("/login")
    login_csrf = re.search(r'name="login_csrf" value="([^"]+)"', form.text).group(1)
    response = api.post("/login", data={"email": email, "password": PASSWORD, "login_csrf": login_csrf},
                        follow_redirects=False)  # fmt: skip
    assert response.status_code == 303, response.text
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
    page = api.get("/queue")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
