"""The record commands as an operator runs them, on a SQLite file and on PostgreSQL."""

import csv
import io
import json
import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import EXAMPLES
from tests.served import run_chartdraft


@pytest.fixture(params=["sqlite", "postgresql"])
def environment(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """Settings for a fresh data directory, and for PostgreSQL a fresh schema."""
    env = {"PATH": "/usr/bin:/bin", "CHARTDRAFT_DATA_DIR": str(tmp_path / "data")}
    if request.param == "postgresql":
        fresh: Callable[[], str] = request.getfixturevalue("postgres_schema_url")
        env["CHARTDRAFT_DATABASE__URL"] = fresh()
        env["CHARTDRAFT_STORAGE__KEY_FILE"] = str(tmp_path / "data" / "keys.json")
    return env


def _url(env: dict[str, str]) -> str:
    return (
        env.get("CHARTDRAFT_DATABASE__URL")
        or f"sqlite:///{env['CHARTDRAFT_DATA_DIR']}/chartdraft.db"
    )


def _seeded(env: dict[str, str]) -> None:
    if "CHARTDRAFT_DATABASE__URL" in env:
        refused = run_chartdraft(env, "demo", "--examples", str(EXAMPLES))
        assert refused.returncode == 2
        assert "chartdraft db upgrade" in refused.stderr
        assert "Traceback" not in refused.stderr
        upgraded = run_chartdraft(env, "db", "upgrade")
        assert upgraded.returncode == 0, upgraded.stderr
    seeded = run_chartdraft(env, "demo", "--examples", str(EXAMPLES))
    assert seeded.returncode == 0, seeded.stderr
    assert "note(s) signed" in seeded.stderr
    for role in ("clinician", "scribe", "admin", "auditor"):
        assert f"{role}@demo.example" in seeded.stderr  # with its password, shown this once


def _tamper_second_event(env: dict[str, str]) -> None:
    engine = create_engine(_url(env))
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER audit_events_no_update")
        else:
            connection.exec_driver_sql("ALTER TABLE audit_events DISABLE TRIGGER USER")
        connection.execute(text("UPDATE audit_events SET details = '{}' WHERE seq = 2"))
    engine.dispose()


def test_audit_verify_passes_then_names_the_first_broken_link(environment: dict[str, str]):
    _seeded(environment)
    intact = run_chartdraft(environment, "audit", "verify")
    assert intact.returncode == 0, intact.stderr
    assert "intact" in intact.stdout
    _tamper_second_event(environment)
    broken = run_chartdraft(environment, "audit", "verify", "--format", "json")
    assert broken.returncode == 1
    (report,) = json.loads(broken.stdout)
    assert report["intact"] is False
    assert report["broken_at"] == 2
    assert "changed" in report["reason"]


def test_metrics_in_every_format(environment: dict[str, str]):
    _seeded(environment)
    as_json = run_chartdraft(environment, "metrics", "--format", "json", "--by", "template")
    assert as_json.returncode == 0, as_json.stderr
    document = json.loads(as_json.stdout)
    assert document["schema"] == "chartdraft.metrics/1"
    groups = {g["group"]: g for g in document["groups"]}
    assert {"follow-up", "annual-physical"} <= set(groups)
    assert sum(g["encounters"] for g in groups.values()) == len(list(EXAMPLES.iterdir()))
    as_csv = run_chartdraft(environment, "metrics", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(rows) == 1
    assert rows[0]["group"] == "all"
    as_text = run_chartdraft(environment, "metrics")
    assert "Quality metrics" in as_text.stdout
    bad = run_chartdraft(environment, "metrics", "--since", "yesterday")
    assert bad.returncode == 2
    assert "YYYY-MM-DD" in bad.stderr


def test_keys_rotate_reencrypts_and_everything_still_reads(environment: dict[str, str]):
    _seeded(environment)
    key_file = Path(environment["CHARTDRAFT_DATA_DIR"]) / "keys.json"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    before = json.loads(key_file.read_text())["current"]
    rotated = run_chartdraft(environment, "keys", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    after = json.loads(key_file.read_text())
    assert after["current"] != before
    assert list(after["keys"]) == [after["current"]]
    assert run_chartdraft(environment, "metrics", "--format", "json").returncode == 0
    assert run_chartdraft(environment, "audit", "verify").returncode == 0


def test_retention_purge_needs_a_limit_and_is_audited(environment: dict[str, str]):
    _seeded(environment)
    refused = run_chartdraft(environment, "retention", "purge")
    assert refused.returncode == 2
    assert "No retention limit" in refused.stderr
    purged = run_chartdraft(environment, "retention", "purge", "--capture-days", "1")
    assert purged.returncode == 0, purged.stderr
    assert "Purged 0 capture(s)" in purged.stderr  # everything is younger than a day
    assert run_chartdraft(environment, "audit", "verify").returncode == 0


def test_a_database_server_needs_a_key_named_on_purpose(tmp_path: Path):
    env = {"PATH": "/usr/bin:/bin", "CHARTDRAFT_DATA_DIR": str(tmp_path),
           "CHARTDRAFT_DATABASE__URL": "postgresql+psycopg://postgres@127.0.0.1:5432/test"}  # fmt: skip
    result = run_chartdraft(env, "metrics")
    assert result.returncode == 2
    assert "CHARTDRAFT_STORAGE__KEY_FILE" in result.stderr
    assert not (tmp_path / "keys.json").exists()


def test_a_bad_database_url_is_one_sentence(tmp_path: Path):
    env = {"PATH": "/usr/bin:/bin", "CHARTDRAFT_DATA_DIR": str(tmp_path),
           "CHARTDRAFT_DATABASE__URL": "mysql://root@localhost/x"}  # fmt: skip
    result = run_chartdraft(env, "audit", "verify")
    assert result.returncode == 2
    assert "SQLite or PostgreSQL" in result.stderr
    assert "Traceback" not in result.stderr
