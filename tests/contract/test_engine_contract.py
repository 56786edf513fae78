"""The one contract every engine kind passes: the template engine, the OpenAI-compatible and
Anthropic engines (against local servers speaking their wire formats) and a real local model."""

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from chartdraft.capture.structured import parse_text
from chartdraft.config import Settings
from chartdraft.domain.draft import PracticeContext, SoapDraft
from chartdraft.domain.findings import FindingKind
from chartdraft.domain.note import SectionStatus
from chartdraft.drafting.engine import DraftingEngine
from chartdraft.drafting.registry import KINDS, create_engine
from chartdraft.services.drafting import draft_visit
from chartdraft.templates.catalog import load_catalog
from chartdraft.verify.verifier import VERIFIER_KINDS
from tests.conftest import LLM_CONTEXT
from tests.fake_providers import FakeProvider

VISITS = {
    "complete": "CC: cough\nS: three days of dry cough, denies fever\nO: T 98.6, lungs clear\n"
    "A: viral URI\nP: fluids and rest; return if worse",
    "sparse": "CC: rash\nP: hydrocortisone cream twice daily",
    "dictation": "Here for knee pain. Reports pain after running. Knee is swollen. Likely sprain. "
    "Ice and rest.",
}
GAP_KINDS = {
    FindingKind.MISSING_SECTION,
    FindingKind.INSUFFICIENT_INPUT,
    FindingKind.MISSING_REQUIRED_ELEMENT,
}
# The engines whose output must be faithful; the real small model only has to be caught.
FAITHFUL = {"template", "openai", "anthropic"}


@pytest.fixture(scope="module")
def fakes() -> Iterator[dict[str, FakeProvider]]:
    providers = {wire: FakeProvider(wire).start() for wire in ("openai", "anthropic")}
    yield providers  # type: ignore[misc]
    for provider in providers.values():
        provider.stop()


@pytest.fixture(params=["template", "openai", "anthropic", "llamacpp"])
def engine(request: pytest.FixtureRequest, fakes: dict[str, FakeProvider]) -> DraftingEngine:
    name: str = request.param
    configs = dict(Settings().engines)
    if name in fakes:
        configs[name] = configs[name].model_copy(
            update={"base_url": fakes[name].base_url, "api_key": SecretStr("test-key")}
        )
    if name == "llamacpp":
        url = request.getfixturevalue("llm_server")
        configs[name] = configs[name].model_copy(
            update={"base_url": url, "context_tokens": LLM_CONTEXT, "timeout": 300.0}
        )
    return create_engine(name, configs)


def test_every_engine_kind_is_in_the_contract() -> None:
    assert set(KINDS) == {"template", "openai", "anthropic"}


@pytest.mark.parametrize("visit_name", sorted(VISITS))
@pytest.mark.parametrize("encounter_type", ["general", "follow-up", "acute-visit"])
def test_engine_contract(engine: DraftingEngine, visit_name: str, encounter_type: str) -> None:
    visit = parse_text(VISITS[visit_name])
    template = load_catalog().resolve(encounter_type)
    practice = PracticeContext(practice_type="urgent care")
    note = draft_visit(visit, engine, template, practice)
    assert isinstance(note, SoapDraft)
    assert engine.is_available()
    assert note.engine.name == engine.name
    assert note.encounter_type == template.name
    assert note.practice.practice_type == "urgent care"
    assert tuple(s.name for s in note.sections) == template.section_order
    ids = [st.id for s in note.sections for st in s.statements]
    assert len(ids) == len(set(ids))
    flagged = {f.statement_id for f in note.findings if f.kind in VERIFIER_KINDS}
    for section in note.sections:
        for statement in section.statements:
            # Whatever an engine writes either cites the input or is flagged, never silent.
            assert statement.sources or statement.id in flagged, statement
    if engine.name in FAITHFUL:
        assert not [f for f in note.findings if f.kind in VERIFIER_KINDS]
    for section in note.sections:
        if section.status is SectionStatus.MISSING:
            assert [g.kind for g in section.gaps] == [FindingKind.MISSING_SECTION]
        if section.status is not SectionStatus.COMPLETE:
            assert section.gaps, f"{section.name} is {section.status} but shows no flag"
            assert all(g.line in note.text for g in section.gaps)
    # Section flags (not the capture's "confirm this placement" notes) match the section status.
    flagged = {f.section for f in note.findings if f.kind in GAP_KINDS and f.raised_by != "capture"}
    assert flagged == {s.name for s in note.sections if s.status is not SectionStatus.COMPLETE}
    roundtrip = SoapDraft.model_validate_json(note.model_dump_json())
    assert roundtrip == note
