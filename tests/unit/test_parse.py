"""Parsing the practice's header template, A/P input, JSON and dictation into a Visit."""

import json

import pytest

from chartdraft.capture.intake import parse_capture
from chartdraft.capture.json_input import parse_json
from chartdraft.capture.structured import parse_text
from chartdraft.domain.errors import InputError
from chartdraft.domain.sections import SectionName as S
from chartdraft.domain.visit import Visit


def by_section(visit: Visit) -> dict[str, list[str]]:
    placed: dict[str, list[str]] = {}
    for passage in visit.passages:
        placed.setdefault(passage.section.value, []).append(visit.text_of(passage.span))
    return placed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Chief complaint: cough\nSubjective: 3 days of cough\nObjective: lungs clear\n"
            "Assessment: viral URI\nPlan: fluids",
            {
                "chief_complaint": ["cough"],
                "subjective": ["3 days of cough"],
                "objective": ["lungs clear"],
                "assessment": ["viral URI"],
                "plan": ["fluids"],
            },
        ),
        (
            "CC: cough\nS: 3 days\nO: clear\nA: URI\nP: fluids",
            {
                "chief_complaint": ["cough"],
                "subjective": ["3 days"],
                "objective": ["clear"],
                "assessment": ["URI"],
                "plan": ["fluids"],
            },
        ),
        (
            "c/c:  sore throat\nhpi:\n  - started 2 days ago\n  - no fever\nEXAM:\n\n"
            "  tonsils enlarged\nimpression: pharyngitis\nP:\n1. salt water gargles\n2. return if worse",
            {
                "chief_complaint": ["sore throat"],
                "subjective": ["started 2 days ago", "no fever"],
                "objective": ["tonsils enlarged"],
                "assessment": ["pharyngitis"],
                "plan": ["salt water gargles", "return if worse"],
            },
        ),
        (
            "CC: knee pain\nHistory: twisted it\nPE: effusion\nVitals: BP 120/80\nLabs: none drawn\n"
            "Dx: sprain\nRecommendations: ice",
            {
                "chief_complaint": ["knee pain"],
                "subjective": ["twisted it"],
                "objective": ["effusion", "BP 120/80", "none drawn"],
                "assessment": ["sprain"],
                "plan": ["ice"],
            },
        ),
        (
            "CC: HTN\nA/P:\n1. HTN, not at goal - increase lisinopril to 20 mg daily\n"
            "2. HLD: continue atorvastatin 40 mg\n3. Obesity. Counseled on diet.\nRTC 3 months",
            {
                "chief_complaint": ["HTN"],
                "assessment": ["HTN, not at goal", "HLD", "Obesity."],
                "plan": [
                    "increase lisinopril to 20 mg daily",
                    "continue atorvastatin 40 mg",
                    "Counseled on diet.",
                    "RTC 3 months",
                ],
            },
        ),
        (
            "Assessment and Plan: Viral URI. Supportive care with fluids and rest.",
            {"assessment": ["Viral URI."], "plan": ["Supportive care with fluids and rest."]},
        ),
    ],
)
def test_headed_text(text: str, expected: dict[str, list[str]]) -> None:
    assert by_section(parse_text(text)) == expected


def test_encounter_type_line_and_original_text_kept() -> None:
    visit = parse_text("Encounter type: Follow up\r\nCC:  BP check  \r\nPlan: RTC")
    assert visit.encounter_type == "Follow up"
    assert visit.field("chief_complaint").text == "BP check"
    assert visit.field("chief_complaint").label == "CC"
    assert [h.label for h in visit.headings] == ["Encounter type", "CC", "Plan"]


def test_sub_headings_become_groups_and_primary_headers_do_not() -> None:
    visit = parse_text("S: feels well\nROS: denies fever\nMeds:\n- lisinopril 10 mg")
    assert [(visit.text_of(p.span), p.group) for p in visit.passages] == [
        ("feels well", None),
        ("denies fever", "ROS"),
        ("lisinopril 10 mg", "Meds"),
    ]


def test_repeated_headers_get_distinct_fields() -> None:
    visit = parse_text("O: BP 120/80\nExam: lungs clear")
    assert [f.name for f in visit.fields] == ["objective", "objective_2"]


def test_text_before_first_header_is_sectionized() -> None:
    visit = parse_text("Here for ankle pain.\nPlan: ice and rest")
    assert by_section(visit) == {
        "chief_complaint": ["Here for ankle pain."],
        "plan": ["ice and rest"],
    }


def test_headers_with_nothing_under_them_are_refused() -> None:
    with pytest.raises(InputError, match="nothing under them"):
        parse_text("Subjective:\nObjective:\nPlan:")


def test_json_five_fields_with_lists_and_sub_headings() -> None:
    visit = parse_json(
        json.dumps(
            {
                "encounter_type": "acute-visit",
                "chief_complaint": "ankle pain",
                "subjective": "Rolled ankle yesterday.\nROS: no numbness",
                "objective": ["Swelling lateral malleolus", "BP 118/76"],
                "assessment": None,
                "plan": "Ice; elevate",
            }
        )
    )
    assert visit.encounter_type == "acute-visit"
    assert visit.capture_format == "json"
    assert by_section(visit) == {
        "chief_complaint": ["ankle pain"],
        "subjective": ["Rolled ankle yesterday.", "no numbness"],
        "objective": ["Swelling lateral malleolus", "BP 118/76"],
        "plan": ["Ice", "elevate"],
    }
    assert [p.group for p in visit.passages_for(S.SUBJECTIVE)] == [None, "ROS"]


def test_json_assessment_plan_key_is_split() -> None:
    visit = parse_json('{"assessment_plan": "Gout flare - start colchicine 0.6 mg"}')
    assert by_section(visit) == {"assessment": ["Gout flare"], "plan": ["start colchicine 0.6 mg"]}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("{not json", "not valid JSON"),
        ('["a list"]', "must be an object"),
        ('{"subjective": 12}', 'field "subjective" must be text'),
        ('{"history": "x"}', "unknown field"),
        ('{"subjective": "  ", "plan": null}', "no visit content"),
        ('{"plan": "x", "encounter_type": ""}', "encounter_type"),
        ("[" * 100_000 + "]" * 100_000, "JSON"),
    ],
)
def test_bad_json_is_one_clear_sentence(document: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_json(document)


def test_auto_format_detection() -> None:
    assert parse_capture('{"plan": "fluids"}').capture_format == "json"
    assert parse_capture("Plan: fluids").capture_format == "text"
    assert parse_capture("Start fluids.").capture_format == "dictation"
    assert parse_capture("Plan: fluids", "dictation").capture_format == "dictation"
    with pytest.raises(InputError, match="not valid JSON"):
        parse_capture("Plan: fluids", name="visit.json")
