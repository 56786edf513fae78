"""The bundled example visits draft cleanly and show what they are there to show."""

from pathlib import Path

import pytest

from chartdraft.domain.findings import FindingKind
from chartdraft.domain.note import SectionStatus
from chartdraft.domain.sections import SectionName as S
from chartdraft.services.drafting import DraftingService
from tests.conftest import EXAMPLES
from tests.support import added_words, lost_words

ALL = sorted(EXAMPLES.iterdir())


def test_there_are_enough_examples() -> None:
    assert len(ALL) >= 8


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_example_drafts_without_adding_or_losing(service: DraftingService, path: Path) -> None:
    visit = service.capture(path.read_bytes(), name=path.name)
    draft = service.draft(visit)
    assert added_words(visit, draft) == set()
    assert lost_words(visit, draft) == set()
    assert not [f for f in draft.findings if f.kind is FindingKind.UNSUPPORTED_STATEMENT]


def draft_of(service: DraftingService, name: str):  # type: ignore[no-untyped-def]
    path = EXAMPLES / name
    return service.draft(service.capture(path.read_bytes(), name=path.name))


def test_complete_follow_up_has_no_findings(service: DraftingService) -> None:
    draft = draft_of(service, "follow-up-hypertension.txt")
    assert draft.encounter_type == "follow-up"
    assert draft.findings == ()


def test_missing_sections_are_flagged(service: DraftingService) -> None:
    draft = draft_of(service, "follow-up-missing-sections.txt")
    assert draft.section(S.OBJECTIVE).status is SectionStatus.MISSING
    assert draft.section(S.ASSESSMENT).status is SectionStatus.MISSING


def test_dictation_is_sectionized(service: DraftingService) -> None:
    draft = draft_of(service, "dictation-cough.txt")
    assert all(draft.section(s).statements for s in S)


def test_combined_ap_fills_both(service: DraftingService) -> None:
    draft = draft_of(service, "diabetes-ap-combined.txt")
    assert draft.section(S.ASSESSMENT).statements
    assert len(draft.section(S.PLAN).statements) >= 3
