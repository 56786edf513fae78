"""The FHIR mapping of a signed note: valid R4, the right codes and statuses, escaped text."""

import base64
import hashlib
import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from chartdraft.domain.draft import EngineInfo
from chartdraft.domain.errors import ExportError
from chartdraft.domain.practice import PatientDetails
from chartdraft.domain.sections import DEFAULT_TITLES, SectionName
from chartdraft.handoff import bundle as bundle_module
from chartdraft.handoff.bundle import bundle_json, bundle_json_document, note_bundle
from chartdraft.handoff.checks import bundle_problems
from chartdraft.handoff.narrative import narrative_problem, paragraphs_of, xhtml_div
from chartdraft.handoff.note_export import (
    EncounterForExport,
    ExportContext,
    NoteForExport,
    SectionText,
    Signer,
    split_sections,
)

SIGNED_AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
SECTION_LOINC = {
    "Chief complaint": "10154-3", "Subjective": "61150-9", "Objective": "61149-1",
    "Assessment": "51848-0", "Plan": "18776-5",
}  # fmt: skip
NOTE_TEXT = "FOLLOW-UP VISIT\n\nPLAN\n- Continue levothyroxine 75 mcg daily.\n"


def make_note(**changes: Any) -> NoteForExport:
    """Return a signed note ready for export (a follow-up drafted by a model engine)."""
    sections = tuple(
        SectionText(name, DEFAULT_TITLES[name], f"{DEFAULT_TITLES[name]} of the visit.")
        for name in SectionName
    )
    note = NoteForExport(
        note_id="a1" * 16, version=1, title="Follow-up visit", text=NOTE_TEXT,
        text_sha256=hashlib.sha256(NOTE_TEXT.encode()).hexdigest(), sections=sections,
        signer=Signer("c1" * 16, "Dr Ada Okafor"), signed_at=SIGNED_AT,
        patient=PatientDetails("Marguerite Okonkwo", "MRN-7734215", "1958-03-14"),
        encounter=EncounterForExport("e1" * 16, "follow-up", datetime(2026, 12, 1, 9, tzinfo=UTC)),
        engine=EngineInfo(name="llamacpp", model="smollm2-135m", prompt_id="soap-draft",
                          prompt_version="4"),
        capture_id="f1" * 16, software_version="0.9.0",
    )  # fmt: skip
    return replace(note, **changes)


CONTEXT = ExportContext(exported_at=datetime(2026, 12, 2, 8, tzinfo=UTC), exported_by="b1" * 16)


def resources(note: NoteForExport) -> dict[str, dict[str, Any]]:
    """Return the note's bundle as JSON, one resource by type."""
    document = bundle_json_document(note_bundle(note, CONTEXT))
    return {e["resource"]["resourceType"]: e["resource"] for e in document["entry"]}


def codes(concept: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["system"], c["code"]) for c in concept["coding"]]


def test_the_bundle_is_a_valid_r4_transaction_with_a_conditional_post_per_entry():
    text = bundle_json(note_bundle(make_note(), CONTEXT))
    parsed = Bundle.model_validate_json(text)  # fhir.resources reads back what we wrote
    document = json.loads(text)
    assert parsed.type == "transaction"
    kinds = [e["resource"]["resourceType"] for e in document["entry"]]
    assert kinds == ["Patient", "Practitioner", "Device", "Encounter", "Composition",
                     "DocumentReference", "Provenance", "AuditEvent"]  # fmt: skip
    for entry in document["entry"]:
        assert entry["fullUrl"].startswith("urn:uuid:")
        assert entry["request"]["method"] == "POST"
        assert entry["request"]["url"] == entry["resource"]["resourceType"]
        assert entry["request"]["ifNoneExist"]
    assert bundle_problems(document) == []
    # The same note makes the same bundle: a retried export is the export that may have arrived.
    assert bundle_json(note_bundle(make_note(), CONTEXT)) == text


def test_composition_is_final_with_loinc_sections_author_and_legal_attester():
    found = resources(make_note())
    composition = found["Composition"]
    assert composition["status"] == "final"
    assert codes(composition["type"]) == [("http://loinc.org", "11506-3")]
    assert composition["identifier"] == {"system": "urn:chartdraft:note", "value": "a1" * 16}
    assert {s["title"]: codes(s["code"])[0][1] for s in composition["section"]} == SECTION_LOINC
    for section in composition["section"]:
        assert section["text"]["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
    (attester,) = composition["attester"]
    assert attester["mode"] == "legal"
    assert attester["time"] == "2026-12-01T09:30:00Z"
    practitioner = next(
        e for e in bundle_entries() if e["resource"]["resourceType"] == "Practitioner"
    )
    assert attester["party"]["reference"] == practitioner["fullUrl"]
    assert composition["author"][0]["reference"] == practitioner["fullUrl"]
    assert practitioner["resource"]["identifier"] == [
        {"system": "urn:chartdraft:user", "value": "c1" * 16}
    ]
    assert composition["meta"]["security"][0]["code"] == "AIAST"


def bundle_entries() -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = bundle_json_document(note_bundle(make_note(), CONTEXT))["entry"]
    return entries


def test_patient_is_matched_by_the_configured_mrn_system():
    context = replace(CONTEXT, mrn_system="http://hospital.example.org/mrn")
    document = bundle_json_document(note_bundle(make_note(), context))
    (entry,) = [e for e in document["entry"] if e["resource"]["resourceType"] == "Patient"]
    assert (
        entry["request"]["ifNoneExist"] == "identifier=http://hospital.example.org/mrn|MRN-7734215"
    )
    assert entry["resource"]["identifier"][0]["value"] == "MRN-7734215"
    composition = next(
        e for e in document["entry"] if e["resource"]["resourceType"] == "Composition"
    )
    assert composition["resource"]["subject"]["reference"] == entry["fullUrl"]


def test_document_reference_carries_the_signed_text_with_its_sha1_and_links_the_composition():
    entries = {e["resource"]["resourceType"]: e for e in bundle_entries()}
    document = entries["DocumentReference"]["resource"]
    assert (document["status"], document["docStatus"]) == ("current", "final")
    attachment = document["content"][0]["attachment"]
    assert attachment["contentType"].startswith("text/plain")
    data = base64.b64decode(attachment["data"])
    assert data.decode() == NOTE_TEXT
    assert attachment["hash"] == base64.b64encode(hashlib.sha1(data).digest()).decode()  # noqa: S324
    assert attachment["size"] == len(data)
    assert document["context"]["related"] == [{"reference": entries["Composition"]["fullUrl"]}]
    assert "relatesTo" not in document


def test_an_amendment_replaces_the_earlier_document_reference():
    found = resources(make_note(note_id="a2" * 16, version=2, supersedes_id="a1" * 16))
    (relation,) = found["DocumentReference"]["relatesTo"]
    assert relation["code"] == "replaces"
    assert relation["target"]["identifier"] == {"system": "urn:chartdraft:note", "value": "a1" * 16}
    assert found["Composition"]["relatesTo"][0]["code"] == "replaces"
    assert {e["role"] for e in found["Provenance"]["entity"]} == {"source", "revision"}


def test_provenance_names_the_clinician_as_author_and_the_engine_device_as_assembler():
    entries = {e["resource"]["resourceType"]: e for e in bundle_entries()}
    provenance = entries["Provenance"]["resource"]
    agents = {codes(a["type"])[0][1]: a["who"]["reference"] for a in provenance["agent"]}
    assert agents == {"author": entries["Practitioner"]["fullUrl"],
                      "assembler": entries["Device"]["fullUrl"]}  # fmt: skip
    targets = {t["reference"] for t in provenance["target"]}
    assert targets == {entries["DocumentReference"]["fullUrl"], entries["Composition"]["fullUrl"]}
    (source,) = provenance["entity"]
    capture = {"system": "urn:chartdraft:capture", "value": "f1" * 16}
    assert source == {"role": "source", "what": {"identifier": capture}}
    device = entries["Device"]["resource"]
    names = {n["type"]: n["name"] for n in device["deviceName"]}
    assert "llamacpp" in names["user-friendly-name"]
    assert names["model-name"] == "smollm2-135m"
    versions = {v["type"]["text"]: v["value"] for v in device["version"]}
    assert versions["prompt"] == "soap-draft 4"
    assert versions["software"] == "chartdraft 0.9.0"


def test_the_export_audit_event_names_the_exporter_and_the_note_never_its_text():
    event = resources(make_note())["AuditEvent"]
    assert codes({"coding": [event["type"]]}) == [
        ("http://dicom.nema.org/resources/ontology/DCM", "110106")
    ]
    assert event["recorded"] == "2026-12-02T08:00:00Z"
    assert event["agent"][0]["who"]["identifier"]["value"] == "b1" * 16
    assert "levothyroxine" not in json.dumps(event)


@pytest.mark.parametrize(
    "hostile",
    ["<script>alert('x')</script>", "</p></div><div onload=steal()>", "a & b < c > d",
     "<![CDATA[x]]>", "&lt;already escaped&gt;", "ctrl \x01 char"],
)  # fmt: skip
def test_html_in_a_note_is_escaped_text_in_the_narrative(hostile: str):
    sections = tuple(SectionText(n, DEFAULT_TITLES[n], f"Plan: {hostile}") for n in SectionName)
    composition = resources(make_note(sections=sections))["Composition"]
    for section in composition["section"]:
        div = section["text"]["div"]
        assert narrative_problem(div) is None
        assert "<script" not in div
        (paragraph,) = paragraphs_of(div)
        assert paragraph == f"Plan: {hostile}".replace("\x01", "\ufffd")


def test_an_empty_section_carries_an_empty_reason_instead_of_text():
    sections = tuple(SectionText(n, DEFAULT_TITLES[n], "" if n is SectionName.OBJECTIVE else "x")
                     for n in SectionName)  # fmt: skip
    objective = resources(make_note(sections=sections))["Composition"]["section"][2]
    assert "text" not in objective
    assert objective["emptyReason"]["coding"][0]["code"] == "unavailable"


def test_our_checks_catch_what_fhir_resources_lets_through(monkeypatch: pytest.MonkeyPatch):
    document = bundle_json_document(note_bundle(make_note(), CONTEXT))
    for entry in document["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "Composition":
            resource["status"] = "preliminary"
            resource["section"][0]["text"]["div"] = "<div><script>x</script></div>"
        if resource["resourceType"] == "DocumentReference":
            resource["docStatus"] = "amended"
            resource["content"][0]["attachment"]["hash"] = "AAAA"
    document["entry"][-1]["request"].pop("ifNoneExist")
    document["entry"][0]["resource"]["managingOrganization"] = {
        "reference": "urn:uuid:00000000-0000-0000-0000-000000000000"
    }
    Bundle.model_validate(document)  # the library accepts all of it
    problems = bundle_problems(document)
    assert "the Composition is not final" in problems
    assert "a narrative is not an XHTML div" in problems
    assert "the DocumentReference is not current and final" in problems
    assert "the note's attachment hash or size does not match its data" in problems
    assert any("ifNoneExist" in p for p in problems)
    assert "a reference points at no entry of the bundle" in problems

    monkeypatch.setattr(
        bundle_module, "bundle_problems", lambda _doc: ["the Composition is not final"]
    )
    with pytest.raises(ExportError, match="not valid: the Composition is not final"):
        note_bundle(make_note(), CONTEXT)


def test_narrative_checks_refuse_markup_and_accept_our_divs():
    assert narrative_problem(xhtml_div("a <b>bold</b> claim")) is None
    assert narrative_problem('<div xmlns="http://www.w3.org/1999/xhtml"><b>x</b></div>')
    assert narrative_problem('<div xmlns="http://www.w3.org/1999/xhtml"><p onclick="x">y</p></div>')
    assert narrative_problem("<div xmlns='http://www.w3.org/1999/xhtml'>unclosed")


def test_sections_are_split_from_the_signed_text_by_their_headings():
    headings = tuple((n, DEFAULT_TITLES[n]) for n in SectionName)
    text = "FOLLOW-UP VISIT\n\nCHIEF COMPLAINT\nCough.\n\nSUBJECTIVE\nTwo weeks.\nNo fever.\n\n" \
           "OBJECTIVE\nClear.\n\nASSESSMENT\nViral.\n\nPLAN\n- Fluids.\n"  # fmt: skip
    found = split_sections(text, headings)
    assert found is not None
    assert [s.text for s in found] == [
        "Cough.",
        "Two weeks.\nNo fever.",
        "Clear.",
        "Viral.",
        "- Fluids.",
    ]
    assert split_sections(text.replace("OBJECTIVE", "EXAM"), headings) is None
