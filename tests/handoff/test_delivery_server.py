"""The outbox against the real FHIR server: down and back, refused, amended."""

import dataclasses
import json
from datetime import timedelta

import httpx
import pytest

from chartdraft.config import EhrSettings
from chartdraft.domain.delivery import DeliveryAttempt, DeliveryState, RetryPolicy
from chartdraft.handoff.ehr_client import EhrClient
from chartdraft.services.clinic import Clinic
from chartdraft.services.delivery import Courier, DeliveryJob, list_deliveries
from chartdraft.services.signing import amend_note, get_note
from tests.handoff.conftest import (
    SYNTHEA_MRN_SYSTEM,
    FhirServerProcess,
    Team,
    patient_details,
    signed_note,
    synthea_patients,
)
from tests.storage.conftest import Clock

POLICY = RetryPolicy(timedelta(seconds=30), timedelta(minutes=10), max_attempts=10)


@pytest.fixture
def outbox(clinic: Clinic) -> Clinic:
    return dataclasses.replace(clinic, ehr_outbox=True)


def courier(clinic: Clinic, server: FhirServerProcess) -> Courier:
    sender = EhrClient.from_settings(EhrSettings(base_url=server.url, timeout=5))
    assert sender is not None
    return Courier(clinic, sender, POLICY, mrn_system=SYNTHEA_MRN_SYSTEM)


def jobs_of(clinic: Clinic, team: Team) -> list[DeliveryJob]:
    return [DeliveryJob(team.practice_id, d.id) for d in list_deliveries(clinic, team.admin)]


def documents(server: FhirServerProcess, note_id: str) -> list[dict[str, object]]:
    found = httpx.get(
        f"{server.url}/DocumentReference", params={"identifier": f"urn:chartdraft:note|{note_id}"}
    ).json()
    return [entry["resource"] for entry in found.get("entry", [])]


def later(clinic: Clinic, by: timedelta) -> None:
    assert isinstance(clinic.clock, Clock)
    clinic.clock.now += by


def test_with_the_server_down_the_note_waits_and_arrives_once_when_it_returns(
    own_fhir_server: FhirServerProcess, outbox: Clinic, team: Team
):
    note_id = signed_note(outbox, team.clinician, patient_details(synthea_patients()[1]))
    sender = courier(outbox, own_fhir_server)
    (job,) = jobs_of(outbox, team)
    own_fhir_server.stop(kill=True)
    for _ in range(3):
        assert sender.deliver(job) is DeliveryState.PENDING
        later(outbox, timedelta(minutes=11))
    (waiting,) = list_deliveries(outbox, team.admin)
    assert (waiting.attempts, waiting.last_reason) == (3, "The EHR could not be reached.")
    own_fhir_server.start()
    assert sender.deliver(job) is DeliveryState.DELIVERED
    (document,) = documents(own_fhir_server, note_id)
    synthea_id = synthea_patients()[1]["id"]
    assert document["subject"] == {"reference": f"Patient/{synthea_id}"}
    # Delivered is final: nothing more is sent, and the EHR holds the note once.
    assert sender.deliver(job) is DeliveryState.DELIVERED
    assert len(documents(own_fhir_server, note_id)) == 1


class Garbling:
    """Drops a required element from the Composition: a mapping bug the EHR's validation catches."""

    def __init__(self, sender: EhrClient) -> None:
        self.sender = sender

    def send(self, bundle_json: str) -> DeliveryAttempt:
        bundle = json.loads(bundle_json)
        for entry in bundle["entry"]:
            if entry["resource"]["resourceType"] == "Composition":
                del entry["resource"]["title"]
        return self.sender.send(json.dumps(bundle))


def test_a_validation_error_lands_in_the_exception_queue(
    own_fhir_server: FhirServerProcess, outbox: Clinic, team: Team
):
    note_id = signed_note(outbox, team.clinician, patient_details(synthea_patients()[2]))
    real = courier(outbox, own_fhir_server)
    garbling = dataclasses.replace(real, sender=Garbling(real.sender))  # type: ignore[arg-type]
    (job,) = jobs_of(outbox, team)
    assert garbling.deliver(job) is DeliveryState.FAILED
    (failed,) = list_deliveries(outbox, team.admin, DeliveryState.FAILED)
    assert failed.last_status == 400
    assert failed.operation_outcome is not None
    outcome = json.loads(failed.operation_outcome)
    assert outcome["resourceType"] == "OperationOutcome"
    assert "title" in json.dumps(outcome["issue"])
    assert documents(own_fhir_server, note_id) == []


def test_an_amendment_replaces_the_delivered_note_in_the_ehr(
    own_fhir_server: FhirServerProcess, outbox: Clinic, team: Team
):
    note_id = signed_note(outbox, team.clinician, patient_details(synthea_patients()[3]))
    sender = courier(outbox, own_fhir_server)
    (first,) = jobs_of(outbox, team)
    assert sender.deliver(first) is DeliveryState.DELIVERED
    text = get_note(outbox, team.clinician, note_id).text
    amended = amend_note(outbox, team.clinician, note_id, text + "\nAddendum: allergy list checked.",
                         "Sent before the allergy list was checked.")  # fmt: skip
    (second,) = [j for j in jobs_of(outbox, team) if j != first]
    assert sender.deliver(second) is DeliveryState.DELIVERED
    (replacement,) = documents(own_fhir_server, amended)
    (relation,) = replacement["relatesTo"]  # type: ignore[misc]
    assert relation["code"] == "replaces"
    assert relation["target"]["identifier"]["value"] == note_id
    assert len(documents(own_fhir_server, note_id)) == 1  # the original stays, superseded
