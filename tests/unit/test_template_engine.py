"""The template engine: the clinician's words, tidied, in template order, each with its source."""

from chartdraft.capture.structured import parse_text
from chartdraft.domain.draft import PracticeContext, SoapDraft
from chartdraft.domain.sections import SOAP_ORDER
from chartdraft.domain.sections import SectionName as S
from chartdraft.drafting.engine import DraftRequest
from chartdraft.drafting.engines.template import TemplateEngine
from chartdraft.templates.catalog import load_catalog

VISIT = """Encounter type: follow-up
CC: bp check
HPI: home readings 130s/80s since last visit.  taking lisinopril daily, no missed doses
ROS: denies headache
Meds:
- lisinopril 10 mg daily
- amlodipine 5 mg
O:
- bp 142/90
- hr 78
- wt 82 kg
lungs clear
A/P:
1. HTN, not at goal - increase lisinopril to 20 mg daily
2. HLD: continue atorvastatin 40 mg; recheck lipids in 6 months
"""


def draft(text: str = VISIT, encounter_type: str = "follow-up") -> SoapDraft:
    visit = parse_text(text)
    template = load_catalog().resolve(encounter_type)
    return TemplateEngine().draft(DraftRequest(visit, template, PracticeContext()))


def texts(note: SoapDraft, section: S) -> list[str]:
    return [s.text for s in note.section(section).statements]


def test_sections_in_template_order_with_titles() -> None:
    note = draft()
    assert [s.name for s in note.sections] == list(SOAP_ORDER)
    assert note.title == "Follow-up visit"
    assert note.encounter_type == "follow-up"
    assert note.engine.name == "template"


def test_sentences_are_capitalised_and_closed() -> None:
    note = draft()
    assert texts(note, S.CHIEF_COMPLAINT) == ["BP check."]
    assert texts(note, S.SUBJECTIVE)[:3] == [
        "Home readings 130s/80s since last visit.",
        "Taking lisinopril daily, no missed doses.",
        "Denies headache.",
    ]


def test_vitals_join_into_one_line_with_all_sources() -> None:
    note = draft()
    vitals, exam = note.section(S.OBJECTIVE).statements
    assert vitals.text == "BP 142/90, HR 78, Wt 82 kg."
    assert vitals.form == "bullet"  # typed as a list, so it stays a list item
    assert len(vitals.sources) == 3
    assert exam.text == "Lungs clear."


def test_vitals_typed_as_prose_become_a_line() -> None:
    note = draft("O:\nT: 36.8\nP: 88\nR: 16\nBP: 124/80 (seated, R arm)\nlungs clear", "general")
    vitals = note.section(S.OBJECTIVE).statements[0]
    assert vitals.text == "T: 36.8, P: 88, R: 16, BP: 124/80 (seated, R arm)."
    assert vitals.form == "line"


def test_one_bullet_per_plan_item() -> None:
    note = draft()
    plan = note.section(S.PLAN).statements
    assert [s.text for s in plan] == [
        "Increase lisinopril to 20 mg daily.",
        "Continue atorvastatin 40 mg.",
        "Recheck lipids in 6 months.",
    ]
    assert {s.form for s in plan} == {"bullet"}


def test_medication_list_renders_as_bullets_under_the_clinicians_label() -> None:
    note = draft()
    assert "Meds:\n- Lisinopril 10 mg daily.\n- Amlodipine 5 mg." in note.text


def test_every_statement_cites_input_that_says_the_same_words() -> None:
    visit = parse_text(VISIT)
    note = TemplateEngine().draft(
        DraftRequest(visit, load_catalog().resolve("follow-up"), PracticeContext())
    )
    for section in note.sections:
        for statement in section.statements:
            source = " ".join(visit.text_of(s) for s in statement.sources)
            assert statement.text.rstrip(".").casefold().replace(",", "").split() == (
                source.rstrip(".").casefold().replace(",", "").split()
            )


def test_statement_ids_are_unique_and_ordered() -> None:
    ids = [s.id for section in draft().sections for s in section.statements]
    assert ids == [f"s{n}" for n in range(1, len(ids) + 1)]


def test_missing_section_renders_flag_line_in_place() -> None:
    note = draft(
        "CC: cough\nS: three days of dry cough\nA: viral URI\nP: fluids and rest", "general"
    )
    assert (
        "OBJECTIVE\n[Needs clinician input: objective findings: vitals, examination, results]"
        in note.text
    )
    assert note.section(S.OBJECTIVE).status == "missing"


def test_rendered_text_layout() -> None:
    note = draft(
        "CC: cough\nS: dry cough. denies fever\nO: lungs clear\nA: URI\nP: fluids; rest", "general"
    )
    assert note.text == (
        "OFFICE VISIT\n\nCHIEF COMPLAINT\nCough.\n\nSUBJECTIVE\nDry cough. Denies fever.\n\n"
        "OBJECTIVE\nLungs clear.\n\nASSESSMENT\nURI.\n\nPLAN\n- Fluids.\n- Rest.\n"
    )
    assert note.markdown().startswith("# Office visit\n\n## Chief complaint\nCough.\n")
