"""First set-up as an integrator does it: users and a token from the CLI, then the real server."""

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.served import run_chartdraft, serving
from tests.storage.visits import HYPOTHYROID
from tests.web.test_api import CHECKLIST, PATIENT

PASSWORD = "a long signing passphrase"


@pytest.fixture(params=["sqlite", "postgresql"])
def environment(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", "CHARTDRAFT_DATA_DIR": str(tmp_path / "data")}
    if request.param == "postgresql":
        env["CHARTDRAFT_DATABASE__URL"] = request.getfixturevalue("postgres_schema_url")()
        env["CHARTDRAFT_STORAGE__KEY_FILE"] = str(tmp_path / "data" / "keys.json")
        assert run_chartdraft(env, "db", "upgrade").returncode == 0
    return env


@pytest.fixture
def server(environment: dict[str, str]) -> Iterator[str]:
    with serving(environment) as url:
        yield url


def test_users_tokens_and_the_served_api(environment: dict[str, str], server: str):
    created = run_chartdraft(environment, "users", "create", "--practice", "Riverside Family Practice",
                   "--email", "dr.lee@riverside.example", "--role", "clinician", "--password-stdin",
                   stdin=PASSWORD + "\n")  # fmt: skip
    assert created.returncode == 0, created.stderr
    short = run_chartdraft(environment, "users", "create", "--practice", "Riverside Family Practice",
                 "--email", "x@riverside.example", "--role", "scribe", "--password-stdin",
                 stdin="short\n")  # fmt: skip
    assert short.returncode == 2
    assert "12 to 1024 characters" in short.stderr
    token = run_chartdraft(environment, "tokens", "create", "--user", "dr.lee@riverside.example",
                 "--scope", "encounters:write", "--scope", "drafts:read",
                 "--scope", "notes:sign")  # fmt: skip
    assert token.returncode == 0, token.stderr
    headers = {"Authorization": f"Bearer {token.stdout.strip()}"}
    bad_scope = run_chartdraft(
        environment, "tokens", "create", "--user", "dr.lee@riverside.example", "--scope", "root"
    )
    assert bad_scope.returncode == 2

    body = {
        "patient": PATIENT,
        "encounter_type": "follow-up",
        "capture": {"text": HYPOTHYROID.decode()},
    }
    encounter = httpx.post(f"{server}/api/v1/encounters", json=body, headers=headers, timeout=30)
    assert encounter.status_code == 201, encounter.text
    draft_id = encounter.json()["draft_id"]
    _wait_until_drafted(server, headers, draft_id)
    signed = httpx.post(f"{server}/api/v1/drafts/{draft_id}/sign", headers=headers, timeout=30,
                        json={"checklist": CHECKLIST, "password": PASSWORD})  # fmt: skip
    assert signed.status_code == 201, signed.text
    assert set(signed.json()) == {"note_id"}
    # The token has no notes:read scope: reading the note is refused.
    note = httpx.get(
        f"{server}/api/v1/notes/{signed.json()['note_id']}", headers=headers, timeout=30
    )
    assert note.status_code == 403
    assert run_chartdraft(environment, "audit", "verify").returncode == 0


def _wait_until_drafted(server: str, headers: dict[str, str], draft_id: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        draft = httpx.get(f"{server}/api/v1/drafts/{draft_id}", headers=headers, timeout=30)
        assert draft.status_code == 200, draft.text
        if draft.json()["review_state"] != "drafting":
            assert draft.json()["review_state"] == "drafted", draft.text
            return
        assert time.monotonic() < deadline, "still drafting after 30 s"
        time.sleep(0.05)
