"""``chartdraft deliveries`` as an operator runs it: list, run, retry, and their refusals."""

import json
from pathlib import Path

import pytest

from chartdraft.bootstrap import build_clinic
from chartdraft.config import Settings
from tests.handoff.conftest import (
    SYNTHEA_MRN_SYSTEM,
    FhirServerProcess,
    patient_details,
    signed_note,
    synthea_patients,
)
from tests.served import run_chartdraft
from tests.storage.conftest import make_team


def test_the_operator_lists_runs_and_retries_deliveries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, own_fhir_server: FhirServerProcess
):
    env = {
        "PATH": "/usr/bin:/bin",
        "CHARTDRAFT_DATA_DIR": str(tmp_path / "data"),
        "CHARTDRAFT_EHR__BASE_URL": own_fhir_server.url,
        "CHARTDRAFT_EHR__MRN_SYSTEM": SYNTHEA_MRN_SYSTEM,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    clinic = build_clinic(Settings())
    team = make_team(clinic)
    note_id = signed_note(clinic, team.clinician, patient_details(synthea_patients()[5]))
    clinic.records.database.dispose()

    table = run_chartdraft(env, "deliveries", "list", "--state", "pending")
    assert table.returncode == 0, table.stderr
    assert note_id in table.stdout
    listed = run_chartdraft(env, "deliveries", "list", "--format", "json")
    (delivery,) = json.loads(listed.stdout)
    assert (delivery["note_id"], delivery["state"]) == (note_id, "pending")
    delivery_id = delivery["id"]

    ran = run_chartdraft(env, "deliveries", "run")
    assert ran.returncode == 0, ran.stderr
    assert "Attempted 1 due delivery." in ran.stderr
    delivered = run_chartdraft(
        env, "deliveries", "list", "--state", "delivered", "--format", "json"
    )
    (done,) = json.loads(delivered.stdout)
    assert done["location"].startswith("DocumentReference/")

    again = run_chartdraft(env, "deliveries", "retry", delivery_id)
    assert again.returncode == 2
    assert "Only a failed delivery can be retried; this one is delivered." in again.stderr
    unknown = run_chartdraft(env, "deliveries", "retry", "f" * 32)
    assert unknown.returncode == 2
    assert "No such delivery." in unknown.stderr
    bad_state = run_chartdraft(env, "deliveries", "list", "--state", "lost")
    assert bad_state.returncode == 2
    assert "Traceback" not in bad_state.stderr


def test_running_deliveries_without_an_ehr_is_refused(tmp_path: Path):
    env = {"PATH": "/usr/bin:/bin", "CHARTDRAFT_DATA_DIR": str(tmp_path / "data")}
    refused = run_chartdraft(env, "deliveries", "run")
    assert refused.returncode == 2
    assert "No EHR is configured: set CHARTDRAFT_EHR__BASE_URL." in refused.stderr
