"""Gaps are shown, not filled: missing, thin and incomplete sections are flagged and counted."""

import pytest

from chartdraft.capture.structured import parse_text
from chartdraft.domain.findings import FindingKind, Severity
from chartdraft.domain.gaps import assess_sections
from chartdraft.domain.note import SectionStatus
from chartdraft.domain.sections import SectionName as S
from chartdraft.templates.catalog import load_catalog

COMPLETE_FOLLOW_UP = (
    "CC: hypertension follow-up\n"
    "S: Since last visit home readings 120s/70s. Taking lisinopril daily without missed doses; "
    "readings improved.\n"
    "O: BP 128/78, HR 70\n"
    "A: Hypertension, controlled\n"
    "P: Continue lisinopril 20 mg daily"
)


def test_complete_follow_up_has_no_gaps() -> None:
    result = assess_sections(parse_text(COMPLETE_FOLLOW_UP), load_catalog().resolve("follow-up"))
    assert {name: a.status for name, a in result.items()} == dict.fromkeys(
        S, SectionStatus.COMPLETE
    )


def test_missing_section_is_flagged_major() -> None:
    result = assess_sections(
        parse_text("CC: cough\nS: three days of cough\nA: URI\nP: fluids and rest"),
        load_catalog().resolve("general"),
    )
    objective = result[S.OBJECTIVE]
    assert objective.status is SectionStatus.MISSING
    assert [g.kind for g in objective.gaps] == [FindingKind.MISSING_SECTION]
    assert objective.gaps[0].line.startswith("[Needs clinician input: objective findings")
    assert [(f.kind, f.severity, f.section) for f in objective.findings] == [
        (FindingKind.MISSING_SECTION, Severity.MAJOR, S.OBJECTIVE)
    ]


@pytest.mark.parametrize("placeholder", ["WNL", "see above", "n/a", "-- ", "Deferred.", "?"])
def test_placeholder_is_insufficient(placeholder: str) -> None:
    text = f"CC: cough\nS: three days of cough\nO: {placeholder}\nA: URI\nP: fluids and rest"
    result = assess_sections(parse_text(text), load_catalog().resolve("general"))
    objective = result[S.OBJECTIVE]
    # A punctuation-only field carries no words at all, so it counts as missing.
    assert objective.status in {SectionStatus.INSUFFICIENT, SectionStatus.MISSING}
    assert objective.findings[0].severity is Severity.MAJOR


def test_too_few_words_is_insufficient() -> None:
    result = assess_sections(
        parse_text("CC: cough\nS: cough\nO: clear lungs\nA: URI\nP: rest"),
        load_catalog().resolve("general"),
    )
    assert result[S.PLAN].status is SectionStatus.INSUFFICIENT
    assert result[S.PLAN].gaps[0].kind is FindingKind.INSUFFICIENT_INPUT
    assert result[S.ASSESSMENT].status is SectionStatus.COMPLETE  # a one-word assessment is fine


def test_follow_up_required_elements_are_named() -> None:
    text = "CC: diabetes\nS: here for diabetes\nO: A1c 7.2\nA: T2DM\nP: continue metformin"
    result = assess_sections(parse_text(text), load_catalog().resolve("follow-up"))
    subjective = result[S.SUBJECTIVE]
    assert subjective.status is SectionStatus.INSUFFICIENT
    assert [g.need for g in subjective.gaps] == [
        "interval history since the last visit",
        "medication adherence",
        "response to treatment",
    ]
    assert [g.need for g in result[S.OBJECTIVE].gaps] == ["vitals"]
    assert all(f.kind is FindingKind.MISSING_REQUIRED_ELEMENT for f in subjective.findings)


def test_annual_physical_wants_weight_and_screening() -> None:
    text = (
        "CC: annual physical\nS: no concerns today, exercising\nO: BP 118/72, HR 64, lungs clear\n"
        "A: healthy adult\nP: continue current routine"
    )
    result = assess_sections(parse_text(text), load_catalog().resolve("annual-physical"))
    assert [g.need for g in result[S.OBJECTIVE].gaps] == ["weight or BMI"]
    assert [g.need for g in result[S.PLAN].gaps] == ["preventive screening or immunizations"]


def test_negated_mention_does_not_satisfy_a_required_element() -> None:
    text = (
        "CC: sore throat x2 days\nS: sore throat for two days, no cough\n"
        "O: vitals not obtained, unable to bear weight noted\nA: pharyngitis\n"
        "P: salt water gargles, no follow-up needed"
    )
    result = assess_sections(parse_text(text), load_catalog().resolve("acute-visit"))
    assert [g.need for g in result[S.OBJECTIVE].gaps] == ["vitals"]
    assert [g.need for g in result[S.PLAN].gaps] == ["return precautions or follow-up"]


def test_negated_adherence_still_documents_adherence() -> None:
    text = (
        "CC: diabetes\nS: since last visit no missed doses of metformin, no improvement in sugars\n"
        "O: BP 130/80\nA: T2DM\nP: continue metformin"
    )
    result = assess_sections(parse_text(text), load_catalog().resolve("follow-up"))
    assert result[S.SUBJECTIVE].gaps == ()
