"""Quality metrics computed from hand-made encounter facts, to the exact value."""

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chartdraft.domain.metrics import EncounterFacts
from chartdraft.domain.review import ReviewState
from chartdraft.services.metrics_export import METRICS_SCHEMA, metrics_csv, metrics_json
from chartdraft.services.quality_metrics import (
    IDLE_CAP_SECONDS,
    GroupBy,
    active_review_seconds,
    compute_metrics,
    edit_distances,
)

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # Monday of ISO week 49
DRAFT = "PLAN\nContinue lisinopril 10 mg daily."


def facts(**changes: object) -> EncounterFacts:
    base = EncounterFacts(
        encounter_id="e1", clinician="a@clinic.example", template="follow-up", engine="template",
        model=None, captured_at=T0, drafted_at=T0 + timedelta(seconds=2),
        state=ReviewState.SIGNED, signed_at=T0 + timedelta(minutes=6),
        review_activity=(T0 + timedelta(minutes=1), T0 + timedelta(minutes=6)),
        draft_text=DRAFT, signed_text=DRAFT, edits=0, statements=10, unsupported_findings=0,
        sections=5, flagged_sections=0,
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def test_identical_texts_have_no_edit_distance_and_count_as_accepted():
    (row,) = compute_metrics([facts()], GroupBy.ALL)
    assert row.char_edit_distance_mean == 0.0
    assert row.word_edit_distance_mean == 0.0
    assert row.accepted_without_edits_rate == 1.0
    assert row.documentation_seconds_median == 360.0


@pytest.mark.parametrize(
    ("signed", "chars", "words"),
    [
        ("PLAN\nContinue lisinopril 20 mg daily.", 1 / 37, 1 / 6),  # one character, one word
        ("PLAN\nStop lisinopril.", None, 5 / 6),  # two words changed, three gone
    ],
)
def test_edit_distance_is_normalized_by_character_and_by_word(signed, chars, words):
    char_distance, word_distance = edit_distances(facts(signed_text=signed, edits=1))
    if chars is not None:
        assert char_distance == pytest.approx(chars)
    assert word_distance == pytest.approx(words)


def test_review_time_caps_each_idle_gap():
    moments = (
        T0,
        T0 + timedelta(seconds=30),
        T0 + timedelta(hours=2),
        T0 + timedelta(hours=2, seconds=10),
    )
    assert active_review_seconds(facts(review_activity=moments)) == 30 + IDLE_CAP_SECONDS + 10
    assert active_review_seconds(facts(review_activity=(T0,))) is None


def test_rates_with_no_denominator_are_none_not_zero():
    (row,) = compute_metrics(
        [
            facts(
                state=ReviewState.IN_REVIEW,
                signed_at=None,
                signed_text=None,
                sections=0,
                statements=0,
            )
        ],
        GroupBy.ALL,
    )
    assert row.signed == 0
    assert row.accepted_without_edits_rate is None
    assert row.rejection_rate is None
    assert row.flagged_section_rate is None
    assert row.unsupported_claim_rate is None
    assert row.documentation_seconds_median is None


def test_rates_over_a_mixed_group():
    rows = [
        facts(),
        facts(encounter_id="e2", state=ReviewState.AMENDED, signed_text=DRAFT + " Recheck.", edits=2),
        facts(encounter_id="e3", state=ReviewState.REJECTED, signed_at=None, signed_text=None,
              unsupported_findings=3, flagged_sections=2),
    ]  # fmt: skip
    (row,) = compute_metrics(rows, GroupBy.ALL)
    assert (row.encounters, row.signed, row.rejected) == (3, 2, 1)
    assert row.accepted_without_edits_rate == 0.5
    assert row.rejection_rate == pytest.approx(1 / 3)
    assert row.flagged_section_rate == pytest.approx(2 / 15)
    assert row.unsupported_claim_rate == pytest.approx(3 / 30)


@pytest.mark.parametrize(
    ("group_by", "labels"),
    [
        (GroupBy.CLINICIAN, ["a@clinic.example", "b@clinic.example"]),
        (GroupBy.ENGINE, ["ollama", "template"]),
        (GroupBy.TEMPLATE, ["acute-visit", "follow-up"]),
        (GroupBy.WEEK, ["2026-W49", "2026-W50"]),
    ],
)
def test_grouping(group_by, labels):
    rows = [
        facts(),
        facts(encounter_id="e2", clinician="b@clinic.example", engine="ollama", template="acute-visit",
              captured_at=T0 + timedelta(days=7)),
    ]  # fmt: skip
    assert [r.group for r in compute_metrics(rows, group_by)] == labels


def test_json_and_csv_carry_the_figures_and_never_the_text():
    rows = compute_metrics([facts(signed_text=DRAFT + " Recheck BP.", edits=1)], GroupBy.ALL)
    document = json.loads(metrics_json(rows, GroupBy.ALL))
    assert document["schema"] == METRICS_SCHEMA
    assert document["groups"][0]["signed"] == 1
    table = list(csv.DictReader(io.StringIO(metrics_csv(rows))))
    assert table[0]["accepted_without_edits_rate"] == "0.0"
    assert table[0]["rejection_rate"] == "0.0"
    for output in (metrics_json(rows, GroupBy.ALL), metrics_csv(rows)):
        assert "lisinopril" not in output
        assert "Recheck" not in output
