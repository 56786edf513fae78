"""The egress rule: pseudonymize before engines without PHI permission, refuse when detection
fails, record every egress with counts and never values."""

import json
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from chartdraft.bootstrap import name_lexicon, phi_detector
from chartdraft.capture.structured import parse_text
from chartdraft.config import Settings
from chartdraft.domain.draft import PracticeContext
from chartdraft.domain.egress import EgressRecord
from chartdraft.domain.errors import PrivacyError
from chartdraft.drafting.endpoint import BaaRecord
from chartdraft.drafting.engine import DraftingEngine
from chartdraft.drafting.registry import create_engine
from chartdraft.privacy.detector import PhiDetector
from chartdraft.services.drafting import draft_visit
from chartdraft.services.phi_guard import PhiGuard
from chartdraft.templates.catalog import load_catalog
from tests.fake_providers import FakeProvider

CAPTURE = (
    "CC: cough\n"
    "S: Xiomara Quintanilla reports a dry cough since 03/14/2024; her daughter Rosalind "
    "called from 555-201-4477 and wrote from xquintanilla@mailhost.net.\n"
    "O: T 98.6, lungs clear. MRN: 00482913.\n"
    "A: viral URI\n"
    "P: fluids and rest; follow up with Dr. Okonkwo on 03/28/2024."
)
VALUES = ["Xiomara", "Quintanilla", "Rosalind", "Okonkwo", "555-201-4477", "5552014477",
          "xquintanilla@mailhost.net", "03/14/2024", "03/28/2024", "00482913"]  # fmt: skip
BAA = {"recorded_by": "admin@clinic.example", "recorded_at": "2026-11-30", "reference": "BAA-7"}


@pytest.fixture
def openai() -> Iterator[FakeProvider]:
    provider = FakeProvider("openai").start()
    yield provider
    provider.stop()


def engine_for(provider: FakeProvider, **permission: object) -> DraftingEngine:
    configs = dict(Settings().engines)
    configs["openai"] = configs["openai"].model_copy(
        update={"base_url": provider.base_url, "api_key": SecretStr("test-key"), **permission}
    )
    return create_engine("openai", configs)


def guarded(records: list[EgressRecord], detector: object = None) -> PhiGuard:
    return PhiGuard(
        detector_factory=(lambda: detector) if detector else phi_detector,  # type: ignore[arg-type,return-value]
        lexicon_factory=name_lexicon,
        record=records.append,
    )


def draft(engine: DraftingEngine, guard: PhiGuard | None) -> object:
    visit = parse_text(CAPTURE)
    template = load_catalog().resolve("general")
    return draft_visit(visit, engine, template, PracticeContext(), guard)


def sent(provider: FakeProvider) -> str:
    return "\n".join(json.dumps(r.body) for r in provider.requests)


def test_an_engine_without_phi_permission_sees_only_stand_ins(openai: FakeProvider) -> None:
    records: list[EgressRecord] = []
    note = draft(engine_for(openai, phi_allowed=False), guarded(records))
    assert openai.chat_requests, "the engine was asked"
    for value in VALUES:
        assert value not in sent(openai)
    # The clinician reviews the real visit: the echoing model's statements, restored.
    assert "Xiomara Quintanilla" in note.text  # type: ignore[attr-defined]
    assert "03/28/2024" in note.text  # type: ignore[attr-defined]
    [record] = records
    assert record.pseudonymized is True
    assert record.phi_allowed is False
    assert record.host == "127.0.0.1"
    assert record.entity_counts is not None
    assert record.entity_counts["NAME"] >= 3
    assert record.entity_counts["DATE"] == 2
    assert note.engine.egress == record  # type: ignore[attr-defined]
    assert not any(value in record.model_dump_json() for value in VALUES)


class BrokenDetector(PhiDetector):
    def __init__(self) -> None:
        pass

    def detect(self, text: str) -> list[object]:  # type: ignore[override]
        raise RuntimeError(f"recognizer crashed on {text[:40]}")

    def detect_all(self, texts: list[str]) -> list[list[object]]:  # type: ignore[override]
        raise RuntimeError(f"recognizer crashed on {texts[0][:40]}")


def test_a_failed_detection_sends_nothing(openai: FakeProvider) -> None:
    records: list[EgressRecord] = []
    with pytest.raises(PrivacyError, match="nothing was sent") as raised:
        draft(engine_for(openai, phi_allowed=False), guarded(records, BrokenDetector()))
    assert openai.requests == []
    assert records == []
    assert raised.value.__cause__ is None  # the crash's message (which quotes PHI) is not kept
    assert not any(value in str(raised.value) for value in VALUES)


def test_a_remote_engine_under_a_baa_gets_the_visit_and_the_egress_names_it(
    openai: FakeProvider,
) -> None:
    records: list[EgressRecord] = []
    engine = engine_for(openai, phi_allowed=True, baa=BaaRecord.model_validate(BAA))
    draft(engine, guarded(records))
    assert "Quintanilla" in sent(openai)  # allowed: loopback here, or a BAA in practice
    [record] = records
    assert record.pseudonymized is False
    assert record.baa_reference == "BAA-7"
    assert record.entity_counts is not None
    assert record.entity_counts["NAME"] >= 3


def test_an_engine_that_sends_the_visit_out_is_never_called_without_the_guard(
    openai: FakeProvider,
) -> None:
    with pytest.raises(PrivacyError):
        draft(engine_for(openai, phi_allowed=False), None)
    assert openai.requests == []


def test_the_template_engine_drafts_in_process_and_records_no_egress() -> None:
    records: list[EgressRecord] = []
    note = draft(create_engine("template", {}), guarded(records))
    assert records == []
    assert note.engine.egress is None  # type: ignore[attr-defined]
