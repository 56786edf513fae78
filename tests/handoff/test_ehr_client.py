"""The EHR client against the real FHIR server: delivered, retried, refused, authenticated."""

import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest
from joserfc.jwk import RSAKey
from pydantic import SecretStr

from chartdraft.config import EhrSettings
from chartdraft.domain.delivery import AttemptOutcome
from chartdraft.domain.errors import ConfigError
from chartdraft.handoff.ehr_client import EhrClient, classify, credentials_from, retry_after
from chartdraft.handoff.smart_auth import SmartBackendAuth, load_private_key
from chartdraft.services.clinic import Clinic
from chartdraft.services.export import ExportFormat, export_note_as_operator
from tests.handoff.conftest import (
    SYNTHEA_MRN_SYSTEM,
    FhirServerProcess,
    Team,
    patient_details,
    signed_note,
    synthea_patients,
)

CLIENT_ID = "chartdraft-test"


def bundle_of(clinic: Clinic, team: Team, patient_index: int = 0) -> tuple[str, str]:
    """Sign a visit of a Synthea patient; return the note id and its transaction Bundle."""
    patient = patient_details(synthea_patients()[patient_index])
    note_id = signed_note(clinic, team.clinician, patient)
    done = export_note_as_operator(
        clinic.records, team.practice_id, note_id, ExportFormat.FHIR,
        at=clinic.clock(), mrn_system=SYNTHEA_MRN_SYSTEM,
    )  # fmt: skip
    return note_id, done.content


def client(url: str, **settings: object) -> EhrClient:
    ehr = EhrSettings.model_validate({"base_url": url, "timeout": 5, **settings})
    sender = EhrClient.from_settings(ehr)
    assert sender is not None
    return sender


def documents_of(url: str, note_id: str) -> list[dict[str, object]]:
    answer = httpx.get(
        f"{url}/DocumentReference", params={"identifier": f"urn:chartdraft:note|{note_id}"}
    )
    return [e["resource"] for e in answer.json().get("entry", [])]


def test_a_signed_note_is_delivered_once_however_often_it_is_sent(
    own_fhir_server: FhirServerProcess, clinic: Clinic, team: Team
):
    note_id, bundle = bundle_of(clinic, team)
    with client(own_fhir_server.url) as sender:
        first = sender.send(bundle)
        again = sender.send(bundle)  # a retry after a lost answer
    assert first.outcome is AttemptOutcome.DELIVERED, first
    assert first.location is not None
    assert first.location.startswith("DocumentReference/")
    assert "_history" not in first.location
    assert again.outcome is AttemptOutcome.DELIVERED
    assert again.location == first.location  # matched, not written again
    (document,) = documents_of(own_fhir_server.url, note_id)
    # Searchable by the EHR's own patient: the Synthea patient was matched by MRN.
    synthea_id = synthea_patients()[0]["id"]
    by_patient = httpx.get(
        f"{own_fhir_server.url}/DocumentReference", params={"subject": f"Patient/{synthea_id}"}
    ).json()
    assert document["id"] in [e["resource"]["id"] for e in by_patient["entry"]]
    compositions = httpx.get(
        f"{own_fhir_server.url}/Composition",
        params={"identifier": f"urn:chartdraft:note|{note_id}"},
    ).json()
    assert len(compositions["entry"]) == 1


def test_no_answer_busy_and_slow_servers_are_retried(
    own_fhir_server: FhirServerProcess, clinic: Clinic, team: Team
):
    _note_id, bundle = bundle_of(clinic, team)
    with client(own_fhir_server.url, timeout=1) as sender:
        own_fhir_server.faults(status=503, count=1, retry_after=7)
        busy = sender.send(bundle)
        assert (busy.outcome, busy.status, busy.retry_after) == (AttemptOutcome.RETRY, 503, 7)
        own_fhir_server.faults(status=429, count=1)
        assert sender.send(bundle).status == 429
        own_fhir_server.faults(delay_ms=2500, count=1)
        slow = sender.send(bundle)
        assert (slow.outcome, slow.status) == (AttemptOutcome.RETRY, None)
        assert slow.reason == "The EHR did not answer in time."
        time.sleep(2)  # the stalled request finishes (and is stored) before the server stops
        own_fhir_server.stop(kill=True)
        down = sender.send(bundle)
        assert (down.outcome, down.status) == (AttemptOutcome.RETRY, None)
        assert down.reason == "The EHR could not be reached."
        own_fhir_server.start()
        assert sender.send(bundle).outcome is AttemptOutcome.DELIVERED


def test_a_resource_the_server_finds_invalid_is_refused_with_its_outcome(
    own_fhir_server: FhirServerProcess, clinic: Clinic, team: Team
):
    note_id, bundle = bundle_of(clinic, team)
    document = json.loads(bundle)
    for entry in document["entry"]:
        if entry["resource"]["resourceType"] == "Composition":
            del entry["resource"]["title"]  # required (1..1)
    with client(own_fhir_server.url) as sender:
        refused = sender.send(json.dumps(document))
    assert refused.outcome is AttemptOutcome.REJECTED
    assert refused.status == 400
    assert refused.operation_outcome is not None
    assert json.loads(refused.operation_outcome)["resourceType"] == "OperationOutcome"
    assert refused.reason == "The EHR refused the note (400)."
    # The failed transaction left nothing behind, not even its earlier entries.
    assert documents_of(own_fhir_server.url, note_id) == []
    devices = httpx.get(f"{own_fhir_server.url}/Device").json()
    assert devices.get("entry", []) == []


def test_a_killed_server_keeps_what_it_stored(
    own_fhir_server: FhirServerProcess, clinic: Clinic, team: Team
):
    note_id, bundle = bundle_of(clinic, team)
    with client(own_fhir_server.url) as sender:
        assert sender.send(bundle).outcome is AttemptOutcome.DELIVERED
        own_fhir_server.restart(kill=True)
        (document,) = documents_of(own_fhir_server.url, note_id)
        assert sender.send(bundle).location == f"DocumentReference/{document['id']}"
    assert len(documents_of(own_fhir_server.url, note_id)) == 1


@pytest.fixture
def smart_server(tmp_path: Path) -> tuple[FhirServerProcess, Path, RSAKey]:
    """A server that admits only SMART Backend Services tokens for our client's key."""
    key = RSAKey.generate_key(2048)
    key_file = tmp_path / "chartdraft-ehr.pem"
    key_file.write_bytes(key.as_pem(private=True))
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{**key.as_dict(private=False), "kid": "k1"}]}))
    server = FhirServerProcess(
        tmp_path, "--smart-jwks", str(jwks), "--smart-client-id", CLIENT_ID, "--test-controls"
    )
    server.start()
    return server, key_file, key


def test_smart_backend_services_token_is_obtained_and_kept(
    smart_server: tuple[FhirServerProcess, Path, RSAKey], clinic: Clinic, team: Team
):
    server, key_file, _key = smart_server
    try:
        with httpx.Client() as anonymous:
            assert anonymous.get(f"{server.url}/Patient").status_code == 401
        load_synthea_with_token(server, key_file)
        _note_id, bundle = bundle_of(clinic, team)
        with client(
            server.url, client_id=CLIENT_ID, private_key_file=key_file, key_id="k1"
        ) as sender:
            for _ in range(3):
                assert sender.send(bundle).outcome is AttemptOutcome.DELIVERED
        assert (
            server.stats()["token_requests"] == 2
        )  # one to load the patients, one for the 3 sends
        # A server restart forgets its tokens: the client gets a new one and goes on.
        with client(
            server.url, client_id=CLIENT_ID, private_key_file=key_file, key_id="k1"
        ) as sender:
            assert sender.send(bundle).outcome is AttemptOutcome.DELIVERED
            server.restart()
            assert sender.send(bundle).outcome is AttemptOutcome.DELIVERED
    finally:
        server.stop(kill=True)


def load_synthea_with_token(server: FhirServerProcess, key_file: Path) -> None:
    auth = SmartBackendAuth(
        base_url=server.url, client_id=CLIENT_ID, private_key=load_private_key(key_file),
        key_id="k1", scope="system/*.cruds",
    )  # fmt: skip
    with httpx.Client() as http:
        token = auth.authorization(http)
    assert token is not None
    with httpx.Client(base_url=server.url, headers={"Authorization": token}, timeout=30) as c:
        for resource in synthea_patients():
            assert c.put(f"/Patient/{resource['id']}", json=resource).status_code in {200, 201}


def test_smart_refusals_and_an_unreachable_token_endpoint(
    smart_server: tuple[FhirServerProcess, Path, RSAKey], tmp_path: Path
):
    server, _key_file, _key = smart_server
    stranger = tmp_path / "stranger.pem"
    stranger.write_bytes(RSAKey.generate_key(2048).as_pem(private=True))
    bundle = json.dumps({"resourceType": "Bundle", "type": "transaction", "entry": []})
    try:
        with client(server.url, client_id=CLIENT_ID, private_key_file=stranger, key_id="k1") as s:
            wrong_key = s.send(bundle)
        assert wrong_key.outcome is AttemptOutcome.REJECTED
        assert wrong_key.reason == (
            "The EHR's token endpoint refused chartdraft's credentials (401 invalid_client)."
        )
        with client(
            server.url, client_id="someone-else", private_key_file=_key_file, key_id="k1"
        ) as s:
            assert s.send(bundle).outcome is AttemptOutcome.REJECTED
    finally:
        server.stop(kill=True)
    with client(server.url, client_id=CLIENT_ID, private_key_file=_key_file, key_id="k1") as s:
        down = s.send(bundle)
    assert down.outcome is AttemptOutcome.RETRY
    assert down.reason == "The EHR's SMART configuration could not be read."


def test_a_static_bearer_token(tmp_path: Path, clinic: Clinic, team: Team):
    server = FhirServerProcess(tmp_path, "--bearer", "s3cret-token")
    server.start()
    try:
        headers = {"Authorization": "Bearer s3cret-token"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=30) as c:
            for resource in synthea_patients():
                assert c.put(f"/Patient/{resource['id']}", json=resource).status_code in {200, 201}
        _note_id, bundle = bundle_of(clinic, team)
        with client(server.url, bearer_token=SecretStr("s3cret-token")) as sender:
            assert sender.send(bundle).outcome is AttemptOutcome.DELIVERED
        with client(server.url, bearer_token=SecretStr("wrong")) as sender:
            refused = sender.send(bundle)
        assert (refused.outcome, refused.status) == (AttemptOutcome.REJECTED, 401)
        assert refused.reason == "The EHR refused chartdraft's credentials (401)."
    finally:
        server.stop(kill=True)


@pytest.mark.filterwarnings("ignore:Key size should be >= 2048 bits")  # joserfc's own, expected
def test_settings_that_cannot_work_are_refused_in_one_sentence(tmp_path: Path):
    with pytest.raises(ConfigError, match="needs both"):
        credentials_from(EhrSettings(base_url="http://127.0.0.1:1", client_id="x"))
    missing = tmp_path / "none.pem"
    with pytest.raises(ConfigError, match=f"{missing} cannot be read"):
        load_private_key(missing)
    not_a_key = tmp_path / "text.pem"
    not_a_key.write_text("-----BEGIN PRIVATE KEY-----\nsecret-looking\n-----END PRIVATE KEY-----\n")
    with pytest.raises(ConfigError, match="does not hold an RSA key") as refused:
        load_private_key(not_a_key)
    assert "secret-looking" not in str(refused.value)
    public = tmp_path / "public.pem"
    public.write_bytes(RSAKey.generate_key(2048).as_pem(private=False))
    with pytest.raises(ConfigError, match="public key"):
        load_private_key(public)
    short = tmp_path / "short.pem"
    short.write_bytes(RSAKey.generate_key(1024).as_pem(private=True))
    with pytest.raises(ConfigError, match="shorter than 2048 bits"):
        load_private_key(short)
    with pytest.raises(ValueError, match="https"):
        EhrSettings(base_url="http://ehr.example.org/fhir")
    assert EhrClient.from_settings(EhrSettings()) is None


def test_answers_are_classified_without_echoing_bodies():
    def answer(status: int, body: object = None, **headers: str) -> httpx.Response:
        return httpx.Response(status, json=body, headers=headers)

    assert retry_after("120") == 120
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    assert 80 <= (retry_after(later) or 0) <= 90
    assert retry_after("soon") is None
    assert classify(answer(200, {"resourceType": "Bundle"})).outcome is AttemptOutcome.RETRY
    partial = {"resourceType": "Bundle", "entry": [{"response": {"status": "400 Bad Request"}}]}
    assert classify(answer(200, partial)).outcome is AttemptOutcome.REJECTED
    huge = {"resourceType": "OperationOutcome", "issue": [{"diagnostics": "x" * 100_000}]}
    refused = classify(answer(422, huge))
    assert refused.operation_outcome is not None
    assert len(refused.operation_outcome) == 64_000
    assert "x" not in refused.reason
    not_fhir = classify(httpx.Response(404, text="<html>Patient Jane Doe not found</html>"))
    assert not_fhir.operation_outcome is None
    assert "Jane" not in not_fhir.reason
    assert classify(answer(502)).outcome is AttemptOutcome.RETRY
