"""Free dictation with no headers: each sentence placed by its cues, guesses marked."""

import pytest

from chartdraft.capture.structured import parse_text
from chartdraft.domain.visit import Placement

DICTATION = (
    "Patient is here for a cough for the past five days. She reports a dry cough, worse at night. "
    "She denies fever or shortness of breath. Temperature 99.1, heart rate 88, oxygen sat 97% on "
    "room air. Lungs are clear to auscultation bilaterally. No wheezes. This is most likely a "
    "post-viral cough. Start benzonatate 100 mg three times daily as needed. Follow up in two weeks "
    "if not improving."
)


@pytest.mark.parametrize(
    ("sentence_start", "section", "cue"),
    [
        ("Patient is here for", "chief_complaint", "here for"),
        ("She reports", "subjective", "reports"),
        ("She denies", "subjective", "denies"),
        ("Temperature 99.1", "objective", None),
        ("Lungs are clear", "objective", None),
        ("This is most likely", "assessment", "most likely"),
        ("Start benzonatate", "plan", "Start"),
        ("Follow up in two weeks", "plan", None),
    ],
)
def test_dictation_sentences_follow_their_cues(
    sentence_start: str, section: str, cue: str | None
) -> None:
    visit = parse_text(DICTATION)
    assert visit.capture_format == "dictation"
    matching = [p for p in visit.passages if visit.text_of(p.span).startswith(sentence_start)]
    assert len(matching) == 1
    passage = matching[0]
    assert passage.section.value == section
    assert passage.placement is Placement.CUE
    assert not passage.confirm
    if cue:
        assert cue in passage.reason


def test_sentence_without_cue_stays_with_previous_and_asks_to_confirm() -> None:
    visit = parse_text("Lungs are clear to auscultation. Good air movement throughout.")
    second = visit.passages[1]
    assert second.section.value == "objective"
    assert second.confirm
    assert second.placement is Placement.CONTEXT
    assert "no section cue" in second.reason


def test_first_sentence_without_cue_defaults_to_subjective_and_is_flagged() -> None:
    visit = parse_text("Pleasant gentleman in good spirits.")
    assert visit.passages[0].section.value == "subjective"
    assert visit.passages[0].confirm


def test_dictation_covers_every_word() -> None:
    visit = parse_text(DICTATION)
    covered = " ".join(visit.text_of(p.span) for p in visit.passages)
    assert covered.split() == DICTATION.split()


def test_one_weak_cue_places_but_asks_to_confirm() -> None:
    visit = parse_text("Rash on the forearm. Small erythematous patch.")
    second = visit.passages[1]
    assert second.section.value == "objective"
    assert second.confirm
    assert "weak cue" in second.reason


def test_medication_list_and_ros_phrases_are_history() -> None:
    visit = parse_text(
        "Current meds lisinopril 10 mg, metformin 500 mg. Positive for fever, negative for rash."
    )
    assert [p.section.value for p in visit.passages] == ["subjective", "subjective"]
    assert not any(p.confirm for p in visit.passages)
