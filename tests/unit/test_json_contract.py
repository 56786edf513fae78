"""The ``chartdraft.draft/1`` JSON contract that other issues and users rely on."""

import json

from chartdraft.bootstrap import build_drafting_service
from chartdraft.config import Settings

SECTION_NAMES = ["chief_complaint", "subjective", "objective", "assessment", "plan"]
FINDING_KINDS = {
    "missing_section",
    "insufficient_input",
    "missing_required_element",
    "unsupported_statement",
    "contradiction",
    "scope_violation",
    "unsafe_certainty",
    "omission",
    "phi_introduced",
}


def test_json_contract_names() -> None:
    service = build_drafting_service(Settings())
    visit = service.capture(
        b"Encounter type: follow-up\nCC: BP check\nS: taking meds\nP: RTC 3 months"
    )
    document = json.loads(service.draft(visit).model_dump_json())
    assert document["schema"] == "chartdraft.draft/1"
    assert document["encounter_type"] == "follow-up"
    assert document["engine"] == {
        "name": "template",
        "model": None,
        "prompt_id": None,
        "prompt_version": None,
        "prompt_sha256": None,
        "egress": None,
        "model_called": False,
        "usage": None,
    }
    assert [s["name"] for s in document["sections"]] == SECTION_NAMES
    for section in document["sections"]:
        assert {"name", "title", "status", "statements"} <= set(section)
        assert section["status"] in {"complete", "insufficient", "missing"}
        for statement in section["statements"]:
            assert {"id", "text", "sources"} <= set(statement)
            for source in statement["sources"]:
                assert set(source) == {"field", "start", "end"}
    cc = document["sections"][0]["statements"][0]
    assert cc["sources"] == [{"field": "chief_complaint", "start": 0, "end": 8}]
    assert document["findings"]
    for finding in document["findings"]:
        assert {"kind", "severity", "section", "statement_id", "message"} <= set(finding)
        assert finding["kind"] in FINDING_KINDS
        assert finding["severity"] in {"major", "minor"}
    objective = next(f for f in document["findings"] if f["section"] == "objective")
    assert objective["kind"] == "missing_section"
    assert objective["severity"] == "major"
    assert objective["statement_id"] is None
    assert isinstance(document["text"], str)
    assert "[Needs clinician input:" in document["text"]
