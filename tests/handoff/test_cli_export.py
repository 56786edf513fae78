"""``chartdraft export`` as an operator runs it, on a fresh data directory."""

import json
from pathlib import Path

import pytest

from chartdraft.bootstrap import build_clinic
from chartdraft.config import Settings
from tests.handoff.conftest import recorded_draft_of, signed_note
from tests.served import run_chartdraft
from tests.storage.conftest import make_team
from tests.storage.visits import PATIENT


@pytest.fixture
def recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, str], str, str]:
    """A data directory with one practice, a signed note and an unsigned draft."""
    env = {"PATH": "/usr/bin:/bin", "CHARTDRAFT_DATA_DIR": str(tmp_path / "data")}
    monkeypatch.setenv("CHARTDRAFT_DATA_DIR", env["CHARTDRAFT_DATA_DIR"])
    clinic = build_clinic(Settings())
    team = make_team(clinic)
    note_id = signed_note(clinic, team.clinician, PATIENT)
    draft_id = recorded_draft_of(clinic, team.clinician, PATIENT)
    clinic.records.database.dispose()
    return env, note_id, draft_id


def test_export_prints_the_text_and_the_fhir_bundle(recorded: tuple[dict[str, str], str, str]):
    env, note_id, _ = recorded
    text = run_chartdraft(env, "export", note_id, "--format", "text")
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith("FOLLOW-UP VISIT")
    assert "Recheck TSH in 6 weeks." in text.stdout

    fhir = run_chartdraft(env, "export", note_id, "--mrn-system", "http://hospital.example.org")
    assert fhir.returncode == 0, fhir.stderr
    bundle = json.loads(fhir.stdout)
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "transaction"
    patient = bundle["entry"][0]["resource"]
    assert patient["identifier"][0]["system"] == "http://hospital.example.org"


def test_a_draft_and_an_unknown_id_get_one_sentence_and_exit_2(
    recorded: tuple[dict[str, str], str, str],
):
    env, _, draft_id = recorded
    refused = run_chartdraft(env, "export", draft_id)
    assert refused.returncode == 2
    assert "Only a signed note can be exported" in refused.stderr
    assert refused.stdout == ""
    unknown = run_chartdraft(env, "export", "0" * 32, "--format", "text")
    assert unknown.returncode == 2
    for result in (refused, unknown):
        assert "Traceback" not in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


def test_out_writes_the_whole_file_or_nothing(
    recorded: tuple[dict[str, str], str, str], tmp_path: Path
):
    env, note_id, draft_id = recorded
    out = tmp_path / "note.json"
    written = run_chartdraft(env, "export", note_id, "--out", str(out))
    assert written.returncode == 0, written.stderr
    assert json.loads(out.read_text())["type"] == "transaction"
    assert written.stdout == ""
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []

    kept = out.read_text()
    refused = run_chartdraft(env, "export", draft_id, "--out", str(out))
    assert refused.returncode == 2
    assert out.read_text() == kept  # a refused export leaves the earlier file alone

    for bad in (tmp_path / "missing" / "note.txt", tmp_path):
        result = run_chartdraft(env, "export", note_id, "--format", "text", "--out", str(bad))
        assert result.returncode == 2
        assert "Traceback" not in result.stderr
        assert "Cannot write" in result.stderr or "is a directory" in result.stderr
