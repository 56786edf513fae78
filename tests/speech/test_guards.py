"""Segments the recognizer may have invented are dropped, each with the reason."""

from hypothesis import given
from hypothesis import strategies as st

from chartdraft.capture.speech.guards import repeated_phrase, screen
from chartdraft.domain.transcript import HeardSegment


def segment(text: str, **scores: float) -> HeardSegment:
    return HeardSegment(start=0.0, end=3.0, text=text, **scores)


def test_ordinary_dictation_is_kept() -> None:
    kept, dropped = screen([segment("Blood pressure is 140 over 90."), segment("Plan, ECG.")])

    assert [s.text for s in kept] == ["Blood pressure is 140 over 90.", "Plan, ECG."]
    assert dropped == []


def test_a_phrase_said_again_and_again_is_a_loop() -> None:
    looping = segment("Take one tablet daily. Take one tablet daily. Take one tablet daily.")

    kept, dropped = screen([looping])

    assert kept == []
    assert dropped[0].reason == 'a repetition loop ("take one tablet daily" again and again)'
    assert dropped[0].text == looping.text


def test_a_word_repeated_for_emphasis_is_not_a_loop() -> None:
    kept, _ = screen([segment("No, no, no chest pain at all.")])

    assert len(kept) == 1


def test_text_that_compresses_too_well_is_dropped() -> None:
    _, dropped = screen([segment("the the cough cough", compression_ratio=3.1)])

    assert dropped[0].reason == "repetitive text (compression ratio 3.1)"


def test_no_speech_with_low_confidence_is_dropped_but_either_alone_is_not() -> None:
    silent = segment("Thank you for the visit.", no_speech_probability=0.8,
                     average_log_probability=-1.4)  # fmt: skip
    unsure_speech = segment("Cough for two days.", no_speech_probability=0.8,
                            average_log_probability=-0.4)  # fmt: skip
    quiet_voice = segment("Fever since Monday.", no_speech_probability=0.2,
                          average_log_probability=-1.4)  # fmt: skip

    kept, dropped = screen([silent, unsure_speech, quiet_voice])

    assert [d.reason for d in dropped] == ["probably no speech (no-speech probability 0.80)"]
    assert len(kept) == 2


def test_a_sure_no_speech_is_dropped_whatever_was_written() -> None:
    _, dropped = screen([segment("Chest pain.", no_speech_probability=0.95)])

    assert dropped[0].reason.startswith("probably no speech")


def test_subtitle_phrases_whisper_invents_over_silence_are_dropped_only_alone() -> None:
    kept, dropped = screen([segment("Thanks for watching!"), segment("Thank you, doctor said.")])

    assert dropped[0].reason == "a phrase the recognizer is known to invent over silence"
    assert [s.text for s in kept] == ["Thank you, doctor said."]


def test_the_same_words_as_the_segment_before_are_a_loop() -> None:
    kept, dropped = screen([segment("Follow up in two weeks."), segment("Follow up in two weeks.")])

    assert len(kept) == 1
    assert dropped[0].reason == "a repetition loop (the same words as the segment before)"


def test_a_segment_without_words_is_dropped() -> None:
    _, dropped = screen([segment("...")])

    assert dropped[0].reason == "no words were recognized"


@given(st.lists(st.integers(0, 10_000), min_size=0, max_size=40, unique=True))
def test_words_that_never_repeat_are_never_a_loop(numbers: list[int]) -> None:
    assert repeated_phrase([f"w{n}" for n in numbers]) is None


@given(
    st.lists(st.sampled_from("abcdefgh"), min_size=1, max_size=6),
    st.integers(3, 6),
    st.lists(st.sampled_from("xyz"), max_size=5),
)
def test_any_phrase_repeated_three_times_and_six_words_long_is_found(
    phrase: list[str], times: int, before: list[str]
) -> None:
    if len(phrase) * times >= 6:
        assert repeated_phrase(before + phrase * times) is not None
