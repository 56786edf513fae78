"""The one contract every engine kind passes: the template engine, the OpenAI-compatible and
Anthropic engines (against local servers speaking their wire formats) and a real local model."""

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from chartdraft.bootstrap import name_lexicon, phi_detector
from chartdraft.capture.structured import parse_text
from chartdraft.config import Settings
from chartdraft.domain.draft import PracticeContext, SoapDraft
from chartdraft.domain.findings import FindingKind
from chartdraft.domain.note import SectionStatus
from chartdraft.domain.visit import Visit
from chartdraft.drafting.engine import DraftingEngine, destination_of
from chartdraft.drafting.registry import KINDS, create_engine
from chartdraft.services.drafting import draft_visit
from chartdraft.services.phi_guard import PhiGuard
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
    # Identifiers: an engine without PHI permission drafts this from stand-ins, restored after.
    "identified": "CC: cough\nS: Martha Collins reports a dry cough since 03/14/2024; her "
    "daughter Rose called from 555-201-4477\nO: T 98.6, lungs clear\nA: viral URI\n"
    "P: fluids and rest; follow up with Dr. Nguyen on 03/28/2024",
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


ENGINES = ["template", "openai", "anthropic", "openai:no-phi", "anthropic:no-phi", "llamacpp"]
"""``:no-phi``: the practice allows no PHI there, so the engine gets the pseudonymized visit."""


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, fakes: dict[str, FakeProvider]) -> DraftingEngine:
    name, _, permission = str(request.param).partition(":")
    configs = dict(Settings().engines)
    if name in fakes:
        configs[name] = configs[name].model_copy(
            update={
                "base_url": fakes[name].base_url,
                "api_key": SecretStr("test-key"),
                "phi_allowed": permission != "no-phi",
            }
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
    guard = PhiGuard(detector_factory=phi_detector, lexicon_factory=name_lexicon)
    note = draft_visit(visit, engine, template, practice, guard)
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
    _assert_egress_recorded(note, engine, visit)


def _assert_egress_recorded(note: SoapDraft, engine: DraftingEngine, visit: Visit) -> None:
    egress = note.engine.egress
    destination = destination_of(engine)
    if destination is None or not note.engine.model_called:
        assert egress is None  # the visit never left the process
        return
    assert egress is not None
    assert egress.pseudonymized is not destination.phi_allowed
    # Statements cite the real input: every span reads back the clinician's own words.
    for section in note.sections:
        for statement in section.statements:
            assert all(visit.has_span(span) for span in statement.sources)
