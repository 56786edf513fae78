"""Read a recording safely: size, format, truncation, length and silence, each in one sentence.

Decoding is faster-whisper's (PyAV, i.e. FFmpeg's decoders), so anything FFmpeg reads is
accepted: WAV, MP3, M4A, Ogg/Opus, WebM from a browser's recorder. Whatever cannot be used is
refused here, before a model is loaded, so silence never reaches the recognizer (where Whisper
is known to invent sentences).
"""

import io
import struct
from dataclasses import dataclass

import av
import numpy as np
from faster_whisper.audio import decode_audio

from chartdraft.capture.speech.options import SAMPLE_RATE, RecordingLimits
from chartdraft.domain.errors import InputError

MIN_SECONDS = 1.0
"""Shorter than a second holds no sentence worth drafting from."""

SILENCE_RMS = 0.003
"""About -50 dBFS: the loudest 50 ms of a recording quieter than this is taken as silence."""

_FRAME = SAMPLE_RATE // 20  # 50 ms


@dataclass(frozen=True)
class Recording:
    """A decoded recording: 16 kHz mono float samples in -1..1."""

    samples: np.ndarray
    """float32 samples at :data:`SAMPLE_RATE`."""

    @property
    def duration(self) -> float:
        """Length in seconds."""
        return len(self.samples) / SAMPLE_RATE


def load_recording(
    raw: bytes, *, source: str = "The recording", limits: RecordingLimits | None = None
) -> Recording:
    """Decode ``raw``, or raise InputError saying in one sentence why it cannot be used."""
    limits = limits or RecordingLimits()
    max_bytes, max_minutes = limits.max_bytes, limits.max_minutes
    if not raw:
        raise InputError(f"{source} is empty; there is nothing to transcribe.")
    if len(raw) > max_bytes:
        raise InputError(
            f"{source} is larger than {max_bytes // 1_000_000} MB; split the dictation into "
            "shorter recordings."
        )
    _refuse_truncated_riff(raw, source)
    declared = _declared_seconds(raw, source)
    if declared is not None and declared > max_minutes * 60:
        raise InputError(
            f"{source} lasts {declared / 60:.0f} minutes; the limit is {max_minutes:g} minutes."
        )
    try:
        samples = decode_audio(io.BytesIO(raw), sampling_rate=SAMPLE_RATE)
    except (av.FFmpegError, ValueError, OSError, EOFError, IndexError) as exc:
        raise InputError(f"{source} is damaged and could not be decoded to the end.") from exc
    recording = Recording(np.asarray(samples, dtype=np.float32))
    if declared is not None and recording.duration < declared - 0.5:
        raise InputError(
            f"{source} is truncated: it should last {declared:.1f} s but only "
            f"{recording.duration:.1f} s could be decoded."
        )
    if recording.duration > max_minutes * 60:
        raise InputError(
            f"{source} lasts {recording.duration / 60:.0f} minutes; "
            f"the limit is {max_minutes:g} minutes."
        )
    if recording.duration < MIN_SECONDS:
        raise InputError(
            f"{source} is too short ({recording.duration:.1f} s) to hold a dictation; "
            "record at least a sentence."
        )
    if loudest_rms(recording.samples) < SILENCE_RMS:
        raise InputError(f"{source} is silent; check the microphone and record again.")
    return recording


def loudest_rms(samples: np.ndarray) -> float:
    """Return the root-mean-square level of the loudest 50 ms frame."""
    usable = len(samples) - len(samples) % _FRAME
    if usable == 0:
        return float(np.sqrt(np.mean(np.square(samples)))) if len(samples) else 0.0
    frames = samples[:usable].reshape(-1, _FRAME).astype(np.float64)
    return float(np.sqrt(np.mean(np.square(frames), axis=1)).max())


def _declared_seconds(raw: bytes, source: str) -> float | None:
    """The length the container's header promises, when it states one; refuse non-audio."""
    try:
        with av.open(io.BytesIO(raw), mode="r") as container:
            if not container.streams.audio:
                raise InputError(f"{source} holds no audio track.")
            stream = container.streams.audio[0]
            if stream.duration is not None and stream.time_base is not None:
                return float(stream.duration * stream.time_base)
    except InputError:
        raise
    except (av.FFmpegError, ValueError, OSError, EOFError) as exc:
        raise InputError(
            f"{source} is not an audio file chartdraft can read (WAV, MP3, M4A, Ogg or WebM)."
        ) from exc
    return None


def _refuse_truncated_riff(raw: bytes, source: str) -> None:
    # FFmpeg reads a cut-off WAV without complaint and sizes it by the bytes that are there, so
    # the RIFF header's own length is the only witness that the end of the dictation is missing.
    if len(raw) < 12 or raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        return
    (declared,) = struct.unpack("<I", raw[4:8])
    if declared + 8 > len(raw) and declared != 0xFFFFFFFF:  # 0xFFFFFFFF: written while streaming
        raise InputError(
            f"{source} is truncated: its header promises {declared + 8} bytes but the file "
            f"has {len(raw)}; copy the whole recording and try again."
        )
