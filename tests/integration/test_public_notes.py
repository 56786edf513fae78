"""Real text no one here wrote: clinicians' notes from ACI-Bench and PriMock57, drafted back.

Each note is split into the five fields and drafted; nothing may be lost and nothing added,
every statement must pass the grounding check, and the parser must cover every word.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from chartdraft.domain.findings import FindingKind
from chartdraft.domain.sections import SectionName
from chartdraft.evaluation.datasets import CorpusCapture, aci_bench_captures, primock57_captures
from chartdraft.services.drafting import DraftingService
from tests.support import added_words, lost_words

pytestmark = pytest.mark.corpus


def _draft_all(service: DraftingService, captures: Iterator[CorpusCapture]) -> list[str]:
    problems = []
    for capture in captures:
        visit = service.capture(capture.text.encode(), input_format=capture.input_format)  # type: ignore[arg-type]
        draft = service.draft(visit)
        added, lost = added_words(visit, draft), lost_words(visit, draft)
        unsupported = [f for f in draft.findings if f.kind is FindingKind.UNSUPPORTED_STATEMENT]
        if added or lost or unsupported:
            problems.append(
                f"{capture.id}: added={sorted(added)} lost={sorted(lost)} "
                f"unsupported={[f.message for f in unsupported]}"
            )
    return problems


def test_aci_bench_notes_lose_and_add_nothing(service: DraftingService, shared_data: Path) -> None:
    captures = list(aci_bench_captures(shared_data))
    assert len(captures) == 207
    assert _draft_all(service, iter(captures)) == []


def test_primock57_notes_lose_and_add_nothing(service: DraftingService, shared_data: Path) -> None:
    captures = list(primock57_captures(shared_data))
    assert len(captures) == 57
    assert _draft_all(service, iter(captures)) == []


def test_aci_bench_sections_land_where_the_note_had_them(
    service: DraftingService, shared_data: Path
) -> None:
    # An assessment wherever the note had an ASSESSMENT or ASSESSMENT AND PLAN header, a plan
    # wherever it had a PLAN or ASSESSMENT AND PLAN header, and an exam or results in nearly all.
    captures = list(aci_bench_captures(shared_data))
    drafts = [
        service.draft(service.capture(c.text.encode(), input_format="json")) for c in captures
    ]
    fields = [json.loads(c.text) for c in captures]
    had = {
        "assessment": sum(1 for f in fields if {"assessment", "assessment_plan"} & set(f)),
        "plan": sum(1 for f in fields if {"plan", "assessment_plan"} & set(f)),
    }
    drafted = {
        name: sum(1 for d in drafts if d.section(SectionName(name)).statements)
        for name in ("objective", "assessment", "plan")
    }
    assert drafted["objective"] >= 200
    assert drafted["assessment"] == had["assessment"] >= 200
    assert drafted["plan"] == had["plan"] >= 200
