"""Inputs a reviewer found drafted wrongly once; each must stay right."""

from chartdraft.capture.structured import parse_text
from chartdraft.domain.draft import PracticeContext, SoapDraft
from chartdraft.domain.sections import SectionName as S
from chartdraft.drafting.engine import DraftRequest
from chartdraft.drafting.engines.template import TemplateEngine
from chartdraft.templates.catalog import load_catalog


def draft(text: str, encounter_type: str = "general") -> SoapDraft:
    template = load_catalog().resolve(encounter_type)
    return TemplateEngine().draft(DraftRequest(parse_text(text), template, PracticeContext()))


def texts(note: SoapDraft, section: S) -> list[str]:
    return [s.text for s in note.section(section).statements]


def test_wrapped_denial_keeps_its_scope() -> None:
    note = draft(
        "ROS: Denies fever, weight loss, bowel or bladder changes,\nsaddle numbness, or leg weakness."
    )
    assert texts(note, S.SUBJECTIVE) == [
        "Denies fever, weight loss, bowel or bladder changes, saddle numbness, or leg weakness."
    ]


def test_problem_with_a_drug_action_splits_at_the_dash() -> None:
    note = draft(
        "A/P: Acute otitis media, left - amoxicillin 80 mg/kg/day divided twice daily x 10 days"
    )
    assert texts(note, S.ASSESSMENT) == ["Acute otitis media, left."]
    assert texts(note, S.PLAN) == ["Amoxicillin 80 mg/kg/day divided twice daily x 10 days."]


def test_problem_with_a_status_stays_in_the_assessment() -> None:
    note = draft("A/P: HTN - well controlled\nHLD: continue atorvastatin")
    assert texts(note, S.ASSESSMENT) == ["HTN - well controlled", "HLD"]  # typed as lines
    assert texts(note, S.PLAN) == ["Continue atorvastatin"]


def test_labels_of_earlier_sections_under_plan_stay_in_plan() -> None:
    note = draft(
        "Plan:\nIce: 20 minutes three times daily\nResults: MRI if not improved in 2 weeks\n"
        "Labs: CBC, BMP\nReturn if locking."
    )
    assert note.section(S.SUBJECTIVE).statements == ()
    assert note.section(S.OBJECTIVE).statements == ()
    assert texts(note, S.PLAN) == [
        "Ice: 20 minutes three times daily",
        "Results: MRI if not improved in 2 weeks",
        "Labs: CBC, BMP",
        "Return if locking.",
    ]


def test_unambiguous_history_label_after_exam_still_opens_subjective() -> None:
    note = draft("Exam: lungs clear\nPMH: asthma")
    assert [(s.group, s.text) for s in note.section(S.SUBJECTIVE).statements] == [
        ("PMH", "Asthma.")
    ]


def test_vitals_one_per_line_with_r_and_p() -> None:
    note = draft("O:\nT: 36.8\nP: 88\nR: 16\nBP: 124/80\nKnee: mild effusion")
    assert texts(note, S.OBJECTIVE) == [
        "T: 36.8, P: 88, R: 16, BP: 124/80.",
        "Knee: mild effusion",
    ]


def test_allergies_inside_a_medication_line_get_their_own_label() -> None:
    note = draft("S: feels well\nMeds: atorvastatin 20 mg nightly. Allergies: NKDA.")
    assert [(s.group, s.text) for s in note.section(S.SUBJECTIVE).statements] == [
        (None, "Feels well."),
        ("Meds", "Atorvastatin 20 mg nightly."),
        ("Allergies", "NKDA."),
    ]


def test_medication_list_splits_at_semicolons_but_plan_keeps_context() -> None:
    note = draft(
        "S: Meds: ibuprofen PRN; sertraline 50 mg daily\n"
        "P: Colonoscopy last done 6 years ago, normal; next due in 4 years."
    )
    assert [s.text for s in note.section(S.SUBJECTIVE).statements if s.group == "Meds"] == [
        "Ibuprofen PRN.",
        "Sertraline 50 mg daily.",
    ]
    assert texts(note, S.PLAN) == [
        "Colonoscopy last done 6 years ago, normal; next due in 4 years."
    ]


def test_uncued_sentence_after_chief_complaint_is_history_not_complaint() -> None:
    visit = parse_text("Here for right ear pain for three days. No fever.")
    second = visit.passages[1]
    assert second.section is S.SUBJECTIVE
    assert second.confirm


def test_duration_in_chief_complaint_satisfies_acute_onset() -> None:
    note = draft(
        "CC: knee pain after twisting injury yesterday\nS: pain with stairs, no locking\n"
        "O: T 36.8, effusion\nA: sprain\nP: ice, return if worse",
        "acute-visit",
    )
    assert note.section(S.SUBJECTIVE).gaps == ()


def test_markdown_separates_labelled_lines_into_paragraphs() -> None:
    markdown = draft("HPI: cough\nROS: denies fever\nMeds:\n- albuterol").markdown()
    assert "HPI: Cough.\n\nROS: Denies fever.\n\nMeds:\n- Albuterol." in markdown


def test_label_with_nothing_after_it_inside_an_item_is_kept() -> None:
    # PriMock57 day5_consultation04: "SH; Teacher" under "DH:" once lost the word "SH".
    note = draft("DH: Nil. Allergic to amoxicillin\nSH; Teacher, lives with parents.")
    assert "SH." in note.text
    assert "Teacher, lives with parents." in note.text


def test_unpunctuated_lines_stay_lines_so_a_denial_is_not_cut_into_sentences() -> None:
    note = draft("S:\nPatient denies\nFever\nChills")
    assert texts(note, S.SUBJECTIVE) == ["Patient denies", "Fever", "Chills"]
    assert "SUBJECTIVE\nPatient denies\nFever\nChills\n" in note.text
    assert "denies." not in note.text


def test_unfinished_line_joins_a_lowercase_continuation() -> None:
    note = draft("S: No fever, chills\nor sweats. Cough without\nfever.")
    assert texts(note, S.SUBJECTIVE) == ["No fever, chills or sweats.", "Cough without fever."]


def test_plus_and_minus_are_signs_in_a_signed_list() -> None:
    note = draft("ROS:\n+ fever\n- chills\n+ cough")
    assert "+ fever" in note.text
    assert "- chills" in note.text
    assert [s.text for s in note.section(S.SUBJECTIVE).statements] == [
        "+ fever",
        "- chills",
        "+ cough",
    ]


def test_greater_than_is_not_a_bullet() -> None:
    note = draft("O: > 2 cm erythema around wound")
    assert texts(note, S.OBJECTIVE) == ["> 2 cm erythema around wound."]


def test_plan_tail_sentence_stays_with_its_item() -> None:
    note = draft("P: Azithromycin 500 mg PO. Then 250 mg daily x 4 days. Return if worse.")
    assert texts(note, S.PLAN) == [
        "Azithromycin 500 mg PO. Then 250 mg daily x 4 days.",
        "Return if worse.",
    ]


def test_ambiguous_lowercase_abbreviations_are_not_capitalised() -> None:
    note = draft("S: pt reports back pain. im not sure of onset.")
    assert texts(note, S.SUBJECTIVE)[0].startswith("Pt reports")
    assert texts(note, S.SUBJECTIVE)[1].startswith("Im not sure")


def test_bare_abbreviation_line_is_a_diagnosis_not_a_header() -> None:
    note = draft("Assessment:\nDVT\nPE\nPlan: start apixaban 10 mg bid")
    assert texts(note, S.ASSESSMENT) == ["DVT", "PE"]
    assert note.section(S.OBJECTIVE).statements == ()


def test_cc_line_after_the_plan_is_not_a_chief_complaint() -> None:
    note = draft("CC: knee pain\nP: ice and rest\nCC: Dr. Jones (PCP)")
    assert texts(note, S.CHIEF_COMPLAINT) == ["Knee pain."]
    assert texts(note, S.PLAN)[-1] == "CC: Dr. Jones (PCP)"


def test_long_visit_type_line_is_content() -> None:
    visit = parse_text(
        "S: cough\nVisit type: patient seen with a Spanish interpreter, mother present"
    )
    assert visit.encounter_type is None
    assert any("interpreter" in visit.text_of(p.span) for p in visit.passages)


def test_ap_splits_at_the_separator_before_the_action_verb() -> None:
    visit = parse_text(
        "A/P:\nAsthma, mild intermittent, continue albuterol PRN\n"
        "Depression: PHQ-9 of 14, not suicidal, start sertraline 50 mg\n"
        "HTN - do not increase lisinopril given dizziness\n"
        "CBC, CMP, TSH, ferritin"
    )
    placed = [(p.section.value, visit.text_of(p.span)) for p in visit.passages]
    assert placed == [
        ("assessment", "Asthma, mild intermittent"),
        ("plan", "continue albuterol PRN"),
        ("assessment", "Depression: PHQ-9 of 14, not suicidal"),
        ("plan", "start sertraline 50 mg"),
        ("assessment", "HTN"),
        ("plan", "do not increase lisinopril given dizziness"),
        ("plan", "CBC, CMP, TSH, ferritin"),
    ]
    assert not any(p.confirm for p in visit.passages)


def test_ap_split_guessed_from_a_dose_asks_to_confirm() -> None:
    visit = parse_text("A/P: Acute otitis media, left - amoxicillin 80 mg/kg/day x 10 days")
    assert [p.section.value for p in visit.passages] == ["assessment", "plan"]
    assert all(p.confirm for p in visit.passages)


def test_markdown_escapes_the_clinicians_text() -> None:
    markdown = draft(
        "S: <script>alert(1)</script> *not bold*\n## ASSESSMENT\nP: [Needs clinician input: none]"
    ).markdown()
    assert "&lt;script&gt;" in markdown
    assert "<script>" not in markdown
    assert "\\*not bold\\*" in markdown
    assert "\\[Needs clinician input: none\\]" in markdown


def test_list_item_labels_stay_in_the_item_so_sub_headings_are_not_reprinted() -> None:
    note = draft(
        "PHYSICAL EXAM\nCardiovascular\n- Examination: Normal pedal pulses.\n"
        "- Auscultation of Heart: Regular rate and rhythm."
    )
    assert note.text.count("Physical exam:") == 1
    assert "- Examination: Normal pedal pulses." in note.text
