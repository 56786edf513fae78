"""The one contract every registered engine passes (the template engine today, LLMs later)."""

import pytest

from chartdraft.capture.structured import parse_text
from chartdraft.domain.draft import PracticeContext, SoapDraft
from chartdraft.domain.findings import FindingKind
from chartdraft.domain.note import SectionStatus
from chartdraft.drafting.engine import DraftingEngine, DraftRequest
from chartdraft.drafting.registry import create_engine, engine_names
from chartdraft.templates.catalog import load_catalog
from chartdraft.verify.first_check import check_sources

VISITS = {
    "complete": "CC: cough\nS: three days of dry cough, denies fever\nO: T 98.6, lungs clear\n"
    "A: viral URI\nP: fluids and rest; return if worse",
    "sparse": "CC: rash\nP: hydrocortisone cream twice daily",
    "dictation": "Here for knee pain. Reports pain after running. Knee is swollen. Likely sprain. "
    "Ice and rest.",
}


@pytest.fixture(params=engine_names())
def engine(request: pytest.FixtureRequest) -> DraftingEngine:
    return create_engine(request.param)


@pytest.mark.parametrize("visit_name", sorted(VISITS))
@pytest.mark.parametrize(
    "encounter_type", ["general", "follow-up", "annual-physical", "acute-visit"]
)
def test_engine_contract(engine: DraftingEngine, visit_name: str, encounter_type: str) -> None:
    visit = parse_text(VISITS[visit_name])
    template = load_catalog().resolve(encounter_type)
    note = engine.draft(DraftRequest(visit, template, PracticeContext(practice_type="urgent care")))
    assert isinstance(note, SoapDraft)
    assert engine.is_available()
    assert note.engine.name == engine.name
    assert note.encounter_type == template.name
    assert note.practice.practice_type == "urgent care"
    assert tuple(s.name for s in note.sections) == template.section_order
    assert check_sources(visit, note) == []  # every statement cites real input with its numbers
    for section in note.sections:
        if section.status is SectionStatus.MISSING:
            assert not section.statements
            assert [g.kind for g in section.gaps] == [FindingKind.MISSING_SECTION]
        if section.status is not SectionStatus.COMPLETE:
            assert section.gaps, f"{section.name} is {section.status} but shows no flag"
            assert all(g.line in note.text for g in section.gaps)
    flagged = {f.section for f in note.findings}
    assert flagged == {s.name for s in note.sections if s.status is not SectionStatus.COMPLETE}
    roundtrip = SoapDraft.model_validate_json(note.model_dump_json())
    assert roundtrip == note
