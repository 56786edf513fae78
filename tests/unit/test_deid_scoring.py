"""Scoring rules of the de-identification evaluation, and the integrity of generated gold."""

from pathlib import Path

import pytest

from chartdraft.domain.phi import PhiType
from chartdraft.evaluation.deid_baselines import presidio_type
from chartdraft.evaluation.deid_eval import (
    Coverage,
    Tally,
    coverage,
    finish,
    run_system,
    score_note,
)
from chartdraft.evaluation.deid_gold import (
    GoldEntity,
    GoldNote,
    GoldSet,
    check_spans,
    insert_carriers,
)
from chartdraft.evaluation.deid_surrogates import Surrogates
from chartdraft.evaluation.perturbation import seeded
from chartdraft.privacy.entities import PhiEntity

TEXT = "Seen with Anna Lee on 03/14/2024 in Boston, MA."
ANNA = GoldEntity(PhiType.NAME, 10, 14, "Anna")
LEE = GoldEntity(PhiType.NAME, 15, 18, "Lee")
DATE = GoldEntity(PhiType.DATE, 22, 32, "03/14/2024")
BOSTON = GoldEntity(PhiType.LOCATION, 36, 42, "Boston")
STATE = (44, 46)  # "MA": not an identifier, and not a false positive either
NOTE = GoldNote("n1", "test", TEXT, (ANNA, LEE, DATE, BOSTON), (STATE,))


def found(phi_type: PhiType, start: int, end: int, text: str = TEXT) -> PhiEntity:
    return PhiEntity(phi_type, start, end, text[start:end])


def test_gold_fixture_spans_match_the_text() -> None:
    assert check_spans([NOTE]) == []


@pytest.mark.parametrize(
    ("entity", "detections", "expected"),
    [
        (ANNA, [found(PhiType.NAME, 10, 14)], Coverage.FULL),
        (ANNA, [found(PhiType.NAME, 10, 18)], Coverage.FULL),  # one span for the whole name
        (ANNA, [found(PhiType.NAME, 5, 14)], Coverage.FULL),  # wider than the gold is fine
        (ANNA, [found(PhiType.NAME, 10, 12)], Coverage.PARTIAL),  # half a name is a leak
        (ANNA, [found(PhiType.NAME, 10, 12), found(PhiType.NAME, 12, 14)], Coverage.FULL),
        (ANNA, [found(PhiType.NAME, 15, 18)], Coverage.NONE),
        (ANNA, [], Coverage.NONE),
        (DATE, [found(PhiType.DATE, 22, 27)], Coverage.PARTIAL),  # "03/14" leaves the year
        # The slashes are not letters or digits; leaving them visible hides nothing.
        (DATE, [found(PhiType.DATE, 22, 24), found(PhiType.DATE, 25, 27),
                found(PhiType.DATE, 28, 32)], Coverage.FULL),
        (BOSTON, [found(PhiType.NAME, 36, 42)], Coverage.FULL),  # wrong type still protects
    ],
)  # fmt: skip
def test_coverage(entity: GoldEntity, detections: list[PhiEntity], expected: Coverage) -> None:
    assert coverage(TEXT, entity, detections) is expected


def score(detections: list[PhiEntity]) -> Tally:
    tally = Tally()
    score_note(NOTE, detections, tally)
    return tally


def test_full_cover_counts_as_recall_and_exact() -> None:
    tally = score([found(PhiType.NAME, 10, 18), found(PhiType.DATE, 22, 32)])
    assert tally.gold["ALL"] == 4
    assert tally.covered["ALL"] == 3  # Anna, Lee, the date; Boston missed
    assert tally.covered["NAME"] == 2
    assert tally.exact["NAME"] == 2
    assert tally.missed == {("LOCATION", "Boston"): 1}


def test_partial_cover_is_a_miss_reported_as_partial() -> None:
    tally = score([found(PhiType.NAME, 10, 12)])
    assert tally.covered["NAME"] == 0
    assert tally.partial["NAME"] == 1
    assert ("NAME", "Anna") in tally.missed


def test_wrong_type_protects_but_is_not_type_exact() -> None:
    tally = score([found(PhiType.LOCATION, 10, 14)])
    assert tally.covered["NAME"] == 1
    assert tally.exact["NAME"] == 0


def test_precision_counts_overlap_and_skips_ignored_spans() -> None:
    tally = score(
        [
            found(PhiType.NAME, 12, 18),  # overlaps gold: true
            found(PhiType.DATE, 0, 4),  # "Seen": false positive
            found(PhiType.LOCATION, 44, 46),  # the state: ignored entirely
            found(PhiType.LOCATION, 36, 46),  # Boston, MA: overlaps gold, true
        ]
    )
    assert tally.detections["ALL"] == 3
    assert tally.true_detections["ALL"] == 2
    assert tally.false_positives == {("DATE", "Seen"): 1}
    result = finish("test", tally)
    overall = result.precision_of("ALL")
    assert overall is not None
    assert overall.precision == pytest.approx(2 / 3)
    date_row = result.precision_of("DATE")
    assert date_row is not None
    assert date_row.precision == 0.0


def test_ambiguous_names_and_datasets_get_their_own_rows() -> None:
    note = GoldNote("n2", "aci", "Will came.", (GoldEntity(PhiType.NAME, 0, 4, "Will", True),))
    tally = Tally()
    score_note(note, [], tally)
    result = finish("test", tally)
    for key in ("ALL", "NAME", "ambiguous-names", "dataset:aci"):
        row = result.recall_of(key)
        assert row is not None
        assert (row.gold, row.covered, row.recall) == (1, 0, 0.0)
    assert result.top_missed == (("NAME", "Will", 1),)


class StandIn:
    """A stand-in detector: it finds capitalised words only."""

    def detect(self, text: str) -> list[PhiEntity]:
        import re  # noqa: PLC0415

        return [
            PhiEntity(PhiType.NAME, m.start(), m.end(), m.group())
            for m in re.finditer(r"\b[A-Z][a-z]+\b", text)
        ]


def test_run_system_scores_and_times_a_stand_in_detector() -> None:
    result = run_system(StandIn(), GoldSet("test", "", (NOTE,)), "stand-in")
    overall = result.recall_of("ALL")
    assert overall is not None
    assert (overall.gold, overall.covered) == (4, 3)  # the date has no capital
    precision = result.precision_of("ALL")
    assert precision is not None
    assert (precision.detections, precision.true) == (4, 3)  # "Seen" is the false positive
    assert result.throughput.notes == 1
    assert result.throughput.chars == len(TEXT)


@pytest.mark.parametrize(
    ("presidio", "ours"),
    [
        ("PERSON", PhiType.NAME),
        ("DATE_TIME", PhiType.DATE),
        ("PHONE_NUMBER", PhiType.PHONE),
        ("EMAIL_ADDRESS", PhiType.EMAIL),
        ("US_SSN", PhiType.SSN),
        ("LOCATION", PhiType.LOCATION),
        ("URL", PhiType.URL),
        ("IP_ADDRESS", PhiType.IP),
        ("NRP", None),
        ("MEDICAL_LICENSE", PhiType.ID),
        ("US_DRIVER_LICENSE", PhiType.ID),
        ("US_PASSPORT", PhiType.ID),
        ("US_BANK_NUMBER", PhiType.ID),
        ("US_ITIN", PhiType.ID),
        ("CREDIT_CARD", PhiType.ID),
        ("SOMETHING_NEW", None),
    ],
)
def test_presidio_type_mapping(presidio: str, ours: PhiType | None) -> None:
    assert presidio_type(presidio) is ours


def small_surrogates() -> Surrogates:
    names = ["Anna", "Rose", "Lee", "Will", "Okafor", "Brown"]
    return Surrogates(
        {
            "first-popular": names[:2], "first-unambig": names[:2], "first-ambig": ["Rose"],
            "last-popular": names[2:], "last-unambig": names[4:], "last-ambig": ["Will"],
            "city": ["Springfield", "Abu Dhabi"], "state": ["MA", "Ohio"], "area": ["617", "212"],
        }
    )  # fmt: skip


@pytest.mark.parametrize("seed", range(20))
def test_generated_gold_spans_match_the_text(seed: int) -> None:
    base = "CHIEF COMPLAINT\n\nBack pain. He fell on ice. She denies fever.\nPLAN\nRest."
    rng = seeded("deid-test", seed)
    text, entities, ignored = insert_carriers(base, rng, small_surrogates())
    note = GoldNote("g", "test", text, tuple(entities), tuple(ignored))
    assert entities
    assert check_spans([note]) == []
    # The base text survives, in order, around the insertions.
    assert all(line in text for line in ("Back pain", "He fell on ice", "She denies fever"))
    assert all(e.text.strip() == e.text for e in entities)
    assert not any(
        a.start < b.end and b.start < a.end for a in entities for b in entities if a is not b
    )


def test_ambiguous_names_are_marked() -> None:
    rng = seeded("deid-test", 1)
    draws = [small_surrogates().fill("LAST", rng) for _ in range(200)]
    assert {name for name, _, ambiguous in draws if ambiguous} == {"Will"}
    assert all(phi_type is PhiType.NAME for _, phi_type, _ in draws)


def test_check_spans_reports_a_bad_span() -> None:
    bad = GoldNote("b", "test", "Anna", (GoldEntity(PhiType.NAME, 0, 3, "Anna"),))
    assert check_spans([bad]) == ["b: NAME span 0:3 does not match"]


def test_presidio_synth_gold_maps_types(tmp_path: Path) -> None:
    import json  # noqa: PLC0415

    from chartdraft.evaluation.deid_gold import build_presidio_synth_gold  # noqa: PLC0415

    text = "Ann Ray, 95, of Acme paid with 4111 1111 1111 1111 and is 42."
    spans = [
        ("PERSON", "Ann Ray"), ("AGE", "95"), ("ORGANIZATION", "Acme"),
        ("CREDIT_CARD", "4111 1111 1111 1111"), ("AGE", "42"),
    ]  # fmt: skip
    record = {
        "full_text": text,
        "spans": [
            {"entity_type": t, "entity_value": v, "start_position": text.index(v),
             "end_position": text.index(v) + len(v)}
            for t, v in spans
        ],
    }  # fmt: skip
    (tmp_path / "presidio-research-synth").mkdir()
    (tmp_path / "presidio-research-synth" / "synth_dataset_v2.json").write_text(
        json.dumps([record]), encoding="utf-8"
    )
    (note,) = build_presidio_synth_gold(tmp_path).notes
    assert [(e.type, e.text) for e in note.entities] == [
        (PhiType.NAME, "Ann Ray"),
        (PhiType.AGE, "95"),
    ]
    assert len(note.ignored) == 2  # the organisation and the card; age 42 is simply not gold
