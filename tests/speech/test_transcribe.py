"""Real speech through the real model: accuracy, suggestions, guards, timings, fields."""

from pathlib import Path

import jiwer
import numpy as np
import pytest

from chartdraft.domain.errors import InputError
from chartdraft.domain.transcript import Transcript
from chartdraft.services.dictation import Transcriber, dictated_fields, transcript_document
from tests.speech.conftest import wav_bytes

JFK = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)


def word_error_rate(reference: str, hypothesis: str) -> float:
    words = jiwer.Compose([jiwer.ToLowerCase(), jiwer.RemovePunctuation(),
                           jiwer.RemoveMultipleSpaces(), jiwer.Strip(),
                           jiwer.ReduceToListOfListOfWords()])  # fmt: skip
    return float(jiwer.wer(reference, hypothesis, reference_transform=words,
                           hypothesis_transform=words))  # fmt: skip


@pytest.fixture(scope="module")
def dictation(transcriber: Transcriber, audio: Path) -> Transcript:
    raw = (audio / "synthetic_dictation_en.wav").read_bytes()
    return transcriber.transcribe(raw)


def test_real_speech_is_transcribed_within_10_percent_word_error(
    transcriber: Transcriber, audio: Path
) -> None:
    transcript = transcriber.transcribe((audio / "jfk.wav").read_bytes())

    assert word_error_rate(JFK, transcript.text) <= 0.10
    assert transcript.model == "tiny.en"
    assert transcript.duration == pytest.approx(11.0, abs=0.01)
    assert transcript.dropped == ()


def test_misheard_drugs_in_the_dictation_come_back_as_suggestions(dictation: Transcript) -> None:
    suggested = {s.suggestion: s for s in dictation.suggestions}

    assert {"lisinopril", "metformin"} <= set(suggested)
    for suggestion in suggested.values():
        # The transcript keeps what was heard; the suggestion points at it.
        assert dictation.text[suggestion.offset :][: suggestion.length] == suggestion.heard
        assert suggestion.suggestion not in dictation.text.lower()
        assert 0 <= suggestion.start < suggestion.end <= dictation.duration


def test_segments_are_timed_in_order_and_their_text_is_where_they_say(
    dictation: Transcript,
) -> None:
    starts = [s.start for s in dictation.segments]
    assert starts == sorted(starts)
    for segment in dictation.segments:
        assert dictation.text[segment.offset : segment.offset + len(segment.text)] == segment.text
        assert segment.start < segment.end <= dictation.duration + 0.1
    # "Blood pressure" is said about 7 seconds into the recording.
    at = dictation.text.index("Blood pressure")
    moment = dictation.moment_of(at)
    assert moment is not None
    assert 5.0 < moment.start < 9.0


def test_the_dictation_is_sectionized_into_the_capture_fields(dictation: Transcript) -> None:
    fields = dictated_fields(dictation)

    assert "hypertension" in fields["assessment"]
    assert "ECG" in fields["plan"]
    assert "chest pain" in fields["chief_complaint"]
    assert "Blood pressure" in fields["objective"]
    assert "milligrams" in fields["subjective"]


def test_the_json_document_keeps_segment_timestamps(dictation: Transcript) -> None:
    document = transcript_document(dictation)

    assert document["schema"] == "chartdraft.transcript/1"
    assert document["segments"][0] == {
        "start": dictation.segments[0].start,
        "end": dictation.segments[0].end,
        "offset": 0,
        "text": dictation.segments[0].text,
    }
    assert {s["suggestion"] for s in document["suggestions"]} >= {"lisinopril", "metformin"}
    assert set(document["fields"]) <= {
        "chief_complaint", "subjective", "objective", "assessment", "plan"
    }  # fmt: skip


def test_generated_silence_is_refused_without_a_draft(transcriber: Transcriber) -> None:
    with pytest.raises(InputError, match="is silent"):
        transcriber.transcribe(wav_bytes(np.zeros(16_000 * 5, dtype=np.float32)))


def test_noise_with_no_speech_in_it_yields_no_transcript(transcriber: Transcriber) -> None:
    noise = np.random.default_rng(3).normal(0, 0.05, 16_000 * 6).astype(np.float32)

    with pytest.raises(InputError, match="Nothing could be transcribed"):
        transcriber.transcribe(wav_bytes(noise))


def test_a_truncated_recording_gets_the_clear_error(transcriber: Transcriber, audio: Path) -> None:
    raw = (audio / "jfk.wav").read_bytes()

    with pytest.raises(InputError, match="truncated"):
        transcriber.transcribe(raw[: len(raw) // 3], source="The upload")


def test_a_corrupt_recording_gets_the_clear_error(transcriber: Transcriber, audio: Path) -> None:
    raw = bytearray((audio / "jfk.wav").read_bytes())
    raw[:44] = bytes(44)  # the header wiped

    with pytest.raises(InputError, match="not an audio file chartdraft can read"):
        transcriber.transcribe(bytes(raw))


def test_a_long_recording_is_heard_window_by_window_with_progress(
    transcriber: Transcriber, audio: Path
) -> None:
    pause = np.zeros(8_000, dtype=np.float32)
    jfk = transcriber.decode((audio / "jfk.wav").read_bytes())
    dictation = transcriber.decode((audio / "synthetic_dictation_en.wav").read_bytes())
    long = np.concatenate([jfk, pause, dictation, pause, jfk])  # 49 s: two windows
    shares: list[float] = []

    transcript = transcriber.hear(long, on_progress=shares.append)

    assert len(shares) >= 3
    assert shares == sorted(shares)
    assert shares[-1] == 1.0
    assert 0 < shares[0] < 1.0
    assert transcript.text.count("fellow Americans") == 2
    assert "Blood pressure is 140 over 90" in transcript.text
    assert transcript.segments[-1].start > 38.0
    assert transcript.dropped == ()


def test_the_same_recording_gives_the_same_transcript(
    transcriber: Transcriber, audio: Path
) -> None:
    raw = (audio / "synthetic_dictation_en.wav").read_bytes()

    assert transcriber.transcribe(raw) == transcriber.transcribe(raw)
