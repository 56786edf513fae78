"""Quality metrics and their export, checked to the exact value on hand-made encounter facts."""

import csv
import io
import json
from dataclasses import fields, replace
from datetime import UTC, datetime, timedelta

import pytest

from chartdraft.domain.metrics import EncounterFacts
from chartdraft.domain.review import ReviewState
from chartdraft.services.metrics_export import METRICS_SCHEMA, metrics_csv, metrics_json
from chartdraft.services.quality_metrics import (
    IDLE_CAP_SECONDS,
    GroupBy,
    QualityMetrics,
    accepted_without_edits,
    active_review_seconds,
    compute_metrics,
    documentation_seconds,
    edit_distances,
)

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # a Tuesday of ISO week 2026-W49
DRAFT = "Patient Quillfeather reports knee pain. Take aspirin daily."
CAP = 300.0  # written out: expected values must not follow a changed constant
SIGNED = "Patient Quillfeather reports knee pain. Take ibuprofen twice daily."


def facts(**changes: object) -> EncounterFacts:
    base = EncounterFacts(
        encounter_id="enc-1", clinician="a@clinic.example", template="follow-up",
        engine="template", model=None, captured_at=T0, drafted_at=T0 + timedelta(seconds=5),
        state=ReviewState.SIGNED, signed_at=T0 + timedelta(minutes=10),
        review_activity=(T0 + timedelta(minutes=2), T0 + timedelta(minutes=4)),
        draft_text=DRAFT, signed_text=DRAFT, edits=0, statements=8, unsupported_findings=0,
        sections=4, flagged_sections=0,
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def unsigned(state: ReviewState = ReviewState.IN_REVIEW, **changes: object) -> EncounterFacts:
    return facts(state=state, signed_at=None, signed_text=None, **changes)


@pytest.mark.parametrize(
    ("draft", "signed", "chars", "words"),
    [
        ("same text here", "same text here", 0.0, 0.0),
        ("kitten", "sitting", 3 / 7, 1.0),  # k->s, e->i, +g over 7 characters; the one word differs
        ("take aspirin daily", "take ibuprofen twice daily", 13 / 26, 2 / 4),
        ("a b c d", "a b c", 2 / 7, 1 / 4),  # a space and a letter gone; one word of four
        ("one  two\nthree", "one two three", 2 / 14, 0.0),  # whitespace only: no word changes
    ],
)
def test_edit_distance_exact_values(draft, signed, chars, words):
    distances = edit_distances(facts(draft_text=draft, signed_text=signed))
    assert distances is not None
    assert distances[0] == pytest.approx(chars)
    assert distances[1] == pytest.approx(words)


def test_edit_distance_is_none_without_a_signed_text():
    assert edit_distances(unsigned()) is None


@pytest.mark.parametrize(
    ("gaps", "expected"),
    [
        ([], None),  # one activity point: no interval to measure
        ([10], 10.0),
        ([10, 20, 30], 60.0),
        ([CAP], CAP),
        ([CAP + 1], CAP),
        ([30, 3600, 10], 30 + CAP + 10),
        ([7200, 7200], 2 * CAP),
    ],
)
def test_active_review_time_caps_each_idle_gap(gaps, expected):
    moments = [T0]
    for gap in gaps:
        moments.append(moments[-1] + timedelta(seconds=gap))
    assert active_review_seconds(facts(review_activity=tuple(moments))) == expected


def test_the_idle_cap_is_five_minutes():
    assert IDLE_CAP_SECONDS == 300


def test_active_review_time_is_none_without_activity():
    assert active_review_seconds(facts(review_activity=())) is None


def test_documentation_time_runs_from_capture_to_signature():
    assert documentation_seconds(facts(signed_at=T0 + timedelta(minutes=7, seconds=3))) == 423.0
    assert documentation_seconds(unsigned()) is None


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, True),
        ({"edits": 1}, False),  # edited then restored: the clinician still worked on it
        ({"signed_text": SIGNED}, False),
        ({"signed_text": None, "signed_at": None}, False),
    ],
)
def test_accepted_without_edits(changes, expected):
    assert accepted_without_edits(facts(**changes)) is expected


def test_a_group_of_mixed_states_to_the_exact_value():
    rows = [
        facts(signed_at=T0 + timedelta(seconds=100)),
        facts(encounter_id="enc-2", state=ReviewState.AMENDED, signed_text=SIGNED, edits=3,
              signed_at=T0 + timedelta(seconds=300), flagged_sections=1, unsupported_findings=2),
        unsigned(encounter_id="enc-3", state=ReviewState.REJECTED, flagged_sections=2,
                 unsupported_findings=1, statements=4),
        unsigned(encounter_id="enc-4", state=ReviewState.IN_REVIEW, sections=2),
        unsigned(encounter_id="enc-5", state=ReviewState.ESCALATED),
    ]  # fmt: skip
    (row,) = compute_metrics(rows, GroupBy.ALL)
    assert (row.group, row.encounters, row.signed, row.rejected) == ("all", 5, 2, 1)
    assert row.documentation_seconds_median == 200.0
    assert row.documentation_seconds_p90 == 300.0
    assert row.active_review_seconds_median == 120.0
    chars = 13 / len(SIGNED)  # "aspirin" -> "ibuprofen twice": 13 edits
    assert row.char_edit_distance_mean == pytest.approx(chars / 2)
    assert row.char_edit_distance_median == pytest.approx(chars / 2)
    assert row.word_edit_distance_mean == pytest.approx(2 / 9 / 2)
    assert row.word_edit_distance_median == pytest.approx(2 / 9 / 2)
    assert row.accepted_without_edits_rate == 0.5
    assert row.flagged_section_rate == pytest.approx(3 / 18)
    assert row.unsupported_claim_rate == pytest.approx(3 / 36)
    assert row.rejection_rate == pytest.approx(1 / 3)


def test_documentation_p90_is_a_time_some_encounter_took():
    rows = [
        facts(encounter_id=f"enc-{i}", signed_at=T0 + timedelta(seconds=60 * i))
        for i in range(1, 11)
    ]
    (row,) = compute_metrics(rows, GroupBy.ALL)
    assert row.documentation_seconds_median == 330.0
    assert row.documentation_seconds_p90 == 540.0


@pytest.mark.parametrize(
    "state", [ReviewState.DRAFTED, ReviewState.IN_REVIEW, ReviewState.ESCALATED]
)
def test_no_denominator_gives_none_never_zero(state):
    (row,) = compute_metrics([unsigned(state=state, sections=0, statements=0)], GroupBy.ALL)
    assert (row.encounters, row.signed, row.rejected) == (1, 0, 0)
    for name in (
        "documentation_seconds_median",
        "documentation_seconds_p90",
        "active_review_seconds_median",
        "char_edit_distance_mean",
        "char_edit_distance_median",
        "word_edit_distance_mean",
        "word_edit_distance_median",
        "accepted_without_edits_rate",
        "flagged_section_rate",
        "unsupported_claim_rate",
        "rejection_rate",
    ):
        assert getattr(row, name) is None, name


def test_all_rejected_is_a_rejection_rate_of_one():
    (row,) = compute_metrics([unsigned(state=ReviewState.REJECTED)], GroupBy.ALL)
    assert row.rejection_rate == 1.0
    assert row.accepted_without_edits_rate is None


def test_amended_counts_as_signed():
    (row,) = compute_metrics([facts(state=ReviewState.AMENDED)], GroupBy.ALL)
    assert (row.signed, row.rejected, row.accepted_without_edits_rate) == (1, 0, 1.0)
    assert row.rejection_rate == 0.0


def test_nothing_gives_no_groups():
    assert compute_metrics([], GroupBy.ALL) == []


@pytest.mark.parametrize(
    ("group_by", "expected"),
    [
        (GroupBy.ALL, {"all": 4}),
        (GroupBy.CLINICIAN, {"a@clinic.example": 2, "b@clinic.example": 1, "c@clinic.example": 1}),
        (GroupBy.TEMPLATE, {"acute-visit": 1, "follow-up": 3}),
        (GroupBy.ENGINE, {"anthropic": 1, "ollama": 2, "template": 1}),
        (GroupBy.WEEK, {"2026-W05": 1, "2026-W49": 1, "2026-W53": 2}),
    ],
)
def test_grouping_labels_sorted_with_their_counts(group_by, expected):
    rows = [
        facts(engine="ollama"),
        facts(encounter_id="enc-2", clinician="c@clinic.example", engine="ollama",
              captured_at=datetime(2026, 1, 30, 9, tzinfo=UTC)),
        facts(encounter_id="enc-3", clinician="b@clinic.example", template="acute-visit",
              captured_at=datetime(2026, 12, 31, 9, tzinfo=UTC)),
        facts(encounter_id="enc-4", engine="anthropic",
              captured_at=datetime(2027, 1, 3, 23, tzinfo=UTC)),  # ISO week 53 of 2026
    ]  # fmt: skip
    result = compute_metrics(rows, group_by)
    assert [r.group for r in result] == sorted(expected)
    assert {r.group: r.encounters for r in result} == expected


def test_each_group_is_computed_from_its_own_members():
    rows = [
        facts(clinician="a@clinic.example"),
        unsigned(encounter_id="enc-2", clinician="b@clinic.example", state=ReviewState.REJECTED),
    ]
    a, b = compute_metrics(rows, GroupBy.CLINICIAN)
    assert (a.group, a.signed, a.rejection_rate) == ("a@clinic.example", 1, 0.0)
    assert (b.group, b.signed, b.rejection_rate) == ("b@clinic.example", 0, 1.0)


def sample_rows() -> list[QualityMetrics]:
    return compute_metrics(
        [
            facts(signed_text=SIGNED, edits=2),
            unsigned(
                encounter_id="enc-2", state=ReviewState.REJECTED, clinician="b@clinic.example"
            ),
            facts(encounter_id="enc-3", clinician="b@clinic.example"),
            unsigned(
                encounter_id="enc-4", state=ReviewState.REJECTED, clinician="b@clinic.example"
            ),
        ],
        GroupBy.CLINICIAN,
    )


def test_json_round_trip_with_schema_rounding_and_null():
    rows = sample_rows()
    document = json.loads(metrics_json(rows, GroupBy.CLINICIAN))
    assert document["schema"] == METRICS_SCHEMA == "chartdraft.metrics/1"
    assert document["group_by"] == "clinician"
    names = [f.name for f in fields(QualityMetrics)]
    assert [list(group) for group in document["groups"]] == [names, names]
    a, b = document["groups"]
    assert (a["group"], a["encounters"], a["signed"], a["rejected"]) == (
        "a@clinic.example",
        1,
        1,
        0,
    )
    assert a["char_edit_distance_mean"] == round(13 / len(SIGNED), 4)
    assert a["word_edit_distance_median"] == 0.2222  # 2 of 9 words
    assert a["accepted_without_edits_rate"] == 0.0
    assert b["rejection_rate"] == 0.6667
    assert b["active_review_seconds_median"] == 120.0
    assert a["rejection_rate"] == 0.0
    rejected = compute_metrics([unsigned(ReviewState.REJECTED)], GroupBy.ALL)
    (only,) = json.loads(metrics_json(rejected, GroupBy.ALL))["groups"]
    assert only["documentation_seconds_median"] is None


def test_csv_header_and_rows():
    rows = sample_rows()
    text = metrics_csv(rows)
    lines = text.splitlines()
    assert lines[0] == ",".join(f.name for f in fields(QualityMetrics))
    assert len(lines) == 3
    table = list(csv.DictReader(io.StringIO(text)))
    assert table[1]["group"] == "b@clinic.example"
    assert table[1]["encounters"] == "3"
    assert table[1]["rejection_rate"] == "0.6667"
    assert table[1]["accepted_without_edits_rate"] == "1.0"
    no_data = metrics_csv(compute_metrics([unsigned()], GroupBy.ALL))
    (empty,) = list(csv.DictReader(io.StringIO(no_data)))
    assert empty["documentation_seconds_median"] == ""
    assert empty["rejection_rate"] == ""
    assert empty["signed"] == "0"


def test_no_note_text_ever_appears_in_an_export():
    rows = sample_rows()
    for output in (metrics_json(rows, GroupBy.CLINICIAN), metrics_csv(rows)):
        assert DRAFT not in output
        assert SIGNED not in output
        for word in {*DRAFT.split(), *SIGNED.split()}:
            assert word.strip(".") not in output, word
