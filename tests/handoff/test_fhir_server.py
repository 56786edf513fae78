"""A signed note, made through the real services, sent to a real FHIR server (Medplum)."""

import json
from typing import Any

import httpx

from chartdraft.services.clinic import Clinic
from chartdraft.services.export import ExportFormat, export_note
from chartdraft.services.signing import amend_note, get_note
from tests.handoff.conftest import SYNTHEA_MRN_SYSTEM, FhirServer, Team, signed_note

FHIR_JSON = {"Content-Type": "application/fhir+json"}


def post(server: FhirServer, bundle: str) -> dict[str, Any]:
    answer = httpx.post(f"{server.url}/", content=bundle, headers=FHIR_JSON, timeout=30)
    assert answer.status_code == 200, answer.text
    document: dict[str, Any] = answer.json()
    assert document["type"] == "transaction-response"
    return document


def statuses(response: dict[str, Any]) -> list[str]:
    return [entry["response"]["status"] for entry in response["entry"]]


def search(server: FhirServer, kind: str, **params: str) -> list[dict[str, Any]]:
    answer = httpx.get(f"{server.url}/{kind}", params=params, timeout=30)
    assert answer.status_code == 200, answer.text
    return [entry["resource"] for entry in answer.json().get("entry", [])]


def test_a_signed_note_arrives_as_a_transaction_and_is_found_by_patient(
    clinic: Clinic, team: Team, fhir_server: FhirServer
):
    patient = fhir_server.patients[1]
    note_id = signed_note(clinic, team.clinician, patient)
    bundle = export_note(clinic, team.clinician, note_id, ExportFormat.FHIR,
                         mrn_system=SYNTHEA_MRN_SYSTEM).content  # fmt: skip

    response = post(fhir_server, bundle)

    # The Patient is the Synthea patient, matched by MRN (200); the note's resources are new
    # (201); the engine's Device is shared by every note it drafted (201 the first time).
    kinds = [e["response"]["location"].split("/")[0] for e in response["entry"]]
    found = dict(zip(kinds, statuses(response), strict=True))
    assert found.pop("Patient") == "200"
    assert found.pop("Device") in {"200", "201"}
    assert set(found.values()) == {"201"}, found
    patient_ref = f"Patient/{fhir_server.patient_ids[patient.mrn]}"
    assert response["entry"][0]["response"]["location"] == patient_ref
    (document,) = search(fhir_server, "DocumentReference", patient=patient_ref,
                         identifier=f"urn:chartdraft:note|{note_id}")  # fmt: skip
    assert document["subject"]["reference"] == patient_ref
    assert document["docStatus"] == "final"
    (composition,) = search(fhir_server, "Composition", subject=patient_ref,
                            identifier=f"urn:chartdraft:note|{note_id}")  # fmt: skip
    assert document["context"]["related"][0]["reference"] == f"Composition/{composition['id']}"
    (provenance,) = search(fhir_server, "Provenance", target=f"DocumentReference/{document['id']}")
    assert {a["who"]["reference"].split("/")[0] for a in provenance["agent"]} == {
        "Practitioner", "Device"}  # fmt: skip


def test_posting_the_same_bundle_twice_creates_nothing_twice(
    clinic: Clinic, team: Team, fhir_server: FhirServer
):
    patient = fhir_server.patients[2]
    note_id = signed_note(clinic, team.clinician, patient)
    bundle = export_note(clinic, team.clinician, note_id, ExportFormat.FHIR,
                         mrn_system=SYNTHEA_MRN_SYSTEM).content  # fmt: skip

    first = post(fhir_server, bundle)
    second = post(fhir_server, bundle)

    assert statuses(second) == ["200"] * 8  # every entry found by its ifNoneExist
    assert [e["response"]["location"] for e in second["entry"]] == [
        e["response"]["location"] for e in first["entry"]
    ]
    note = f"urn:chartdraft:note|{note_id}"
    assert len(search(fhir_server, "DocumentReference", identifier=note)) == 1
    assert len(search(fhir_server, "Composition", identifier=note)) == 1
    document_id = first["entry"][5]["response"]["location"]
    assert len(search(fhir_server, "Provenance", target=document_id)) == 1
    assert len(search(fhir_server, "AuditEvent", entity=document_id)) == 1


def test_an_amendment_arrives_as_a_new_document_that_replaces_the_first(
    clinic: Clinic, team: Team, fhir_server: FhirServer
):
    patient = fhir_server.patients[3]
    first_id = signed_note(clinic, team.clinician, patient)
    text = get_note(clinic, team.clinician, first_id).text.replace("3 months", "4 months")
    amended_id = amend_note(clinic, team.clinician, first_id, text, "Follow-up interval corrected.")
    for note_id in (first_id, amended_id):
        post(fhir_server, export_note(clinic, team.clinician, note_id, ExportFormat.FHIR,
                                      mrn_system=SYNTHEA_MRN_SYSTEM).content)  # fmt: skip

    patient_ref = f"Patient/{fhir_server.patient_ids[patient.mrn]}"
    documents = search(fhir_server, "DocumentReference", subject=patient_ref)
    mine = {d["identifier"][0]["value"]: d for d in documents}
    assert set(mine) >= {first_id, amended_id}
    (relation,) = mine[amended_id]["relatesTo"]
    assert relation["code"] == "replaces"
    assert relation["target"]["identifier"]["value"] == first_id
    plan = json.dumps(mine[amended_id]["content"][0]["attachment"])
    assert plan  # the amended text travels as its own attachment


def test_a_malformed_resource_is_refused_with_an_operation_outcome(fhir_server: FhirServer):
    bad = {"resourceType": "Bundle", "type": "transaction", "entry": [{
        "fullUrl": "urn:uuid:9f4c0c52-5b8f-4c53-9d0e-3c3a6b2f3a10",
        "resource": {"resourceType": "Composition", "status": "final"},
        "request": {"method": "POST", "url": "Composition"},
    }]}  # fmt: skip
    answer = httpx.post(f"{fhir_server.url}/", json=bad, headers=FHIR_JSON, timeout=30)
    assert answer.status_code == 400
    assert answer.json()["resourceType"] == "OperationOutcome"
