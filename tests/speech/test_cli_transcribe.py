"""`chartdraft transcribe` and `chartdraft draft RECORDING` as a user runs them."""

import json
from pathlib import Path

import numpy as np
import pytest

from tests.cli.test_cli import chartdraft, decoded
from tests.speech.conftest import wav_bytes


@pytest.fixture(autouse=True)
def _model(transcriber: object) -> None:
    """Every test here needs the real model (fails under CI when it is missing)."""


def test_transcribe_prints_the_transcript_and_lists_suggestions_on_stderr(audio: Path) -> None:
    result = chartdraft("transcribe", str(audio / "synthetic_dictation_en.wav"))
    out, err = decoded(result)

    assert result.returncode == 0, err
    assert "Blood pressure is 140 over 90." in out
    assert "this April" in out  # what was heard, not corrected
    assert 'heard "this April"; did you say lisinopril' in err
    assert 'heard "met four in"; did you say metformin' in err


def test_transcribe_json_keeps_segment_timestamps_and_the_fields(audio: Path) -> None:
    result = chartdraft("transcribe", str(audio / "jfk.wav"), "--format", "json")
    out, err = decoded(result)

    assert result.returncode == 0, err
    document = json.loads(out)
    assert document["schema"] == "chartdraft.transcript/1"
    assert document["model"] == "tiny.en"
    assert document["segments"][0]["start"] == 0.0
    assert all(s["end"] <= 11.0 for s in document["segments"])
    assert "ask not what your country can do for you" in document["text"]


def test_the_practice_vocabulary_file_is_used(tmp_path: Path, audio: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("Lisinopril\nMetformin\n", encoding="utf-8")

    result = chartdraft("transcribe", str(audio / "jfk.wav"), "--vocabulary", str(words))

    assert result.returncode == 0, decoded(result)[1]


def test_draft_from_a_recording_goes_through_the_sectionizer(audio: Path) -> None:
    result = chartdraft("draft", str(audio / "synthetic_dictation_en.wav"), "--format", "json")
    out, err = decoded(result)

    assert result.returncode == 0, err
    draft = json.loads(out)
    assert [f["name"] for f in draft["fields"]] == ["dictation"]
    sections = {s["name"]: s for s in draft["sections"]}
    assert "ECG" in json.dumps(sections["plan"])
    assert "did you say lisinopril" in err


@pytest.mark.parametrize(
    ("content", "sentence"),
    [
        (b"", "is empty; there is nothing to transcribe."),
        (b"not audio at all", "is not an audio file chartdraft can read"),
        (wav_bytes(np.zeros(16_000 * 3, dtype=np.float32)), "is silent"),
    ],
)
def test_a_bad_recording_gets_one_sentence_and_exit_2(
    tmp_path: Path, content: bytes, sentence: str
) -> None:
    path = tmp_path / "visit.wav"
    path.write_bytes(content)

    result = chartdraft("transcribe", str(path))
    out, err = decoded(result)

    assert result.returncode == 2
    assert sentence in err
    assert "Traceback" not in err
    assert out == ""


def test_a_cut_off_recording_is_named_truncated(tmp_path: Path, audio: Path) -> None:
    path = tmp_path / "cut.wav"
    path.write_bytes((audio / "jfk.wav").read_bytes()[:100_000])

    result = chartdraft("transcribe", str(path))

    assert result.returncode == 2
    assert "is truncated" in decoded(result)[1]


def test_a_missing_vocabulary_file_is_a_clear_configuration_error(audio: Path) -> None:
    result = chartdraft("transcribe", str(audio / "jfk.wav"), "--vocabulary", "/nowhere.txt")

    assert result.returncode == 2
    assert "cannot be read as UTF-8 text" in decoded(result)[1]
