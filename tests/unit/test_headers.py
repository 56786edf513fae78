"""Header variants clinicians really type, and lines that only look like headers."""

import pytest

from chartdraft.capture.headers import default_lexicon
from chartdraft.domain.sections import SectionName as S

CC, SUBJ, OBJ, ASSESS, PLAN = S.CHIEF_COMPLAINT, S.SUBJECTIVE, S.OBJECTIVE, S.ASSESSMENT, S.PLAN


@pytest.mark.parametrize(
    ("line", "target", "primary", "content"),
    [
        ("Chief complaint: cough", CC, True, "cough"),
        ("CC: cough", CC, True, "cough"),
        ("C/C: cough", CC, True, "cough"),
        ("Chief complaint - cough", CC, True, "cough"),
        ("Presenting complaint: cough", CC, False, "cough"),
        ("Subjective: doing well", SUBJ, True, "doing well"),
        ("S: doing well", SUBJ, True, "doing well"),
        ("HPI: 3 days of cough", SUBJ, False, "3 days of cough"),
        ("History: 3 days of cough", SUBJ, False, "3 days of cough"),
        ("ROS: denies fever", SUBJ, False, "denies fever"),
        ("Meds: lisinopril", SUBJ, False, "lisinopril"),
        ("Objective: lungs clear", OBJ, True, "lungs clear"),
        ("O: lungs clear", OBJ, True, "lungs clear"),
        ("Exam: lungs clear", OBJ, False, "lungs clear"),
        ("PE: lungs clear", OBJ, False, "lungs clear"),
        ("Physical Exam: lungs clear", OBJ, False, "lungs clear"),
        ("O/E: chest clear", OBJ, False, "chest clear"),
        ("Vitals: BP 120/80", OBJ, False, "BP 120/80"),
        ("Labs: A1c 7.1", OBJ, False, "A1c 7.1"),
        ("Assessment: viral URI", ASSESS, True, "viral URI"),
        ("A: viral URI", ASSESS, True, "viral URI"),
        ("Impression: viral URI", ASSESS, False, "viral URI"),
        ("Imp: viral URI", ASSESS, False, "viral URI"),
        ("Dx: viral URI", ASSESS, False, "viral URI"),
        ("Plan: fluids", PLAN, True, "fluids"),
        ("P: fluids", PLAN, True, "fluids"),
        ("Recommendations: fluids", PLAN, False, "fluids"),
        ("A/P: HTN - continue", "assessment_plan", True, "HTN - continue"),
        ("Assessment and Plan: HTN", "assessment_plan", True, "HTN"),
        ("Assessment & Plan: HTN", "assessment_plan", True, "HTN"),
        ("assessment/plan: HTN", "assessment_plan", True, "HTN"),
        ("ASSESSMENT AND PLAN", "assessment_plan", True, ""),
        ("PLAN", PLAN, True, ""),
        ("## Plan", PLAN, True, ""),
        ("**Plan:** fluids", PLAN, True, "fluids"),
        ("  subjective:   doing well", SUBJ, True, "doing well"),
        ("Encounter type: follow-up", "encounter_type", True, "follow-up"),
    ],
)
def test_header_variants(line: str, target: object, primary: bool, content: str) -> None:
    found = default_lexicon().match(line)
    assert found is not None
    assert (found.target, found.primary, line[found.content_start :]) == (target, primary, content)


@pytest.mark.parametrize(
    "line",
    [
        "follow up",  # a plan item on its own line, not a header
        "Plan",  # bare, not in capitals: content
        "Labs",
        "P: 80",  # a pulse in a vitals list
        "A - fib",  # single letters need a colon
        "Pain: 5/10",  # "p" must not match the start of "pain"
        "Assessing gait today",
        "History of hypertension.",
        "Continue lisinopril",
        "HTN - continue lisinopril",
        "PE",  # a pulmonary embolism on its own line, not "physical exam"
        "SH",
        "PE - low suspicion, Wells score 0",
        "cc - cough",  # short labels need a colon
        "Visit type: patient seen with a Spanish interpreter, mother present",
    ],
)
def test_content_lines_are_not_headers(line: str) -> None:
    assert default_lexicon().match(line) is None
