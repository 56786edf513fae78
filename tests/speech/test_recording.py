"""A recording is refused in one sentence when it cannot be used, before any model loads."""

import io
import struct

import av
import numpy as np
import pytest

from chartdraft.capture.speech.options import RecordingLimits
from chartdraft.capture.speech.recording import load_recording, loudest_rms
from chartdraft.domain.errors import InputError
from tests.speech.conftest import RATE, tone, wav_bytes


def test_a_tone_decodes_to_16_khz_mono_of_the_same_length() -> None:
    recording = load_recording(wav_bytes(tone(2.0)))

    assert recording.samples.dtype == np.float32
    assert recording.duration == pytest.approx(2.0, abs=0.01)


def test_stereo_44_1_khz_is_resampled_to_16_khz_mono() -> None:
    left = tone(1.5, rate=44_100)
    stereo = np.stack([left, left], axis=1).reshape(-1)

    recording = load_recording(wav_bytes(stereo, rate=44_100, channels=2))

    assert recording.duration == pytest.approx(1.5, abs=0.01)


def test_a_browser_recording_in_webm_opus_decodes() -> None:
    # What MediaRecorder uploads from Chrome; encoded here with PyAV's own FFmpeg.
    out = io.BytesIO()
    with av.open(out, mode="w", format="webm") as container:
        stream = container.add_stream("libopus", rate=48_000)
        samples = tone(2.0, rate=48_000)
        for start in range(0, len(samples), 960):
            frame = av.AudioFrame.from_ndarray(
                samples[None, start : start + 960], format="flt", layout="mono"
            )
            frame.rate = 48_000
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))

    recording = load_recording(out.getvalue())

    assert recording.duration == pytest.approx(2.0, abs=0.1)


@pytest.mark.parametrize(
    ("raw", "sentence"),
    [
        (b"", "is empty"),
        (b"Subjective: cough for three days.\n", "not an audio file"),
        (bytes(range(256)) * 40, "not an audio file"),
        (b"RIFF" + struct.pack("<I", 36) + b"WAVEfmt ", "truncated"),
    ],
)
def test_what_is_not_a_recording_is_refused_in_one_sentence(raw: bytes, sentence: str) -> None:
    with pytest.raises(InputError, match=sentence) as refused:
        load_recording(raw)

    assert str(refused.value).count(". ") == 0  # one sentence
    assert str(refused.value).endswith(".")


def test_a_wav_cut_off_in_the_middle_is_truncated() -> None:
    whole = wav_bytes(tone(4.0))

    with pytest.raises(InputError, match=r"truncated: its header promises \d+ bytes"):
        load_recording(whole[: len(whole) // 2])


def test_silence_is_refused() -> None:
    with pytest.raises(InputError, match="is silent"):
        load_recording(wav_bytes(np.zeros(RATE * 5, dtype=np.float32)))


def test_room_hiss_below_50_dbfs_is_silence_too() -> None:
    hiss = np.random.default_rng(7).normal(0, 0.001, RATE * 5).astype(np.float32)

    with pytest.raises(InputError, match="is silent"):
        load_recording(wav_bytes(hiss))


def test_too_short_a_recording_is_refused() -> None:
    with pytest.raises(InputError, match=r"too short \(0\.5 s\)"):
        load_recording(wav_bytes(tone(0.5)))


def test_a_recording_over_the_size_limit_is_refused_before_decoding() -> None:
    with pytest.raises(InputError, match="larger than 1 MB"):
        load_recording(wav_bytes(tone(40.0)), limits=RecordingLimits(max_bytes=1_000_000))


def test_a_recording_over_the_length_limit_is_refused() -> None:
    with pytest.raises(InputError, match=r"the limit is 0\.5 minutes"):
        load_recording(wav_bytes(tone(40.0)), limits=RecordingLimits(max_minutes=0.5))


def test_the_loudest_frame_decides_not_the_average() -> None:
    # A short sentence in a long quiet recording is still speech.
    quiet = np.zeros(RATE * 20, dtype=np.float32)
    quiet[RATE : RATE + RATE // 10] = tone(0.1)

    assert loudest_rms(quiet) > 0.1
    assert loudest_rms(np.zeros(RATE, dtype=np.float32)) == 0.0
