"""How to run the speech model (kept apart so that naming it does not load faster-whisper)."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from chartdraft.domain.transcript import HeardSegment

SAMPLE_RATE = 16_000
"""Whisper listens at 16 kHz mono; every recording is resampled to it."""

Progress = Callable[[float], None]
"""Called with the share of the recording heard so far (0 to 1)."""


@dataclass(frozen=True)
class RecognizerOptions:
    """How to run the model; the defaults are what BENCHMARKS.md measured on 2 cores."""

    model_dir: Path | None = None
    """None: the pinned tiny.en installed by set-up."""
    compute_type: str = "int8"
    threads: int = 2
    beam_size: int = 1
    voice_activity_filter: bool = True
    """Skip stretches without speech (Silero VAD, bundled with faster-whisper) before decoding;
    Whisper invents sentences most readily over silence."""


@dataclass(frozen=True)
class RecordingLimits:
    """What a recording may be; larger ones are refused before anything is decoded."""

    max_bytes: int = 200_000_000
    """An hour of 16-bit 44.1 kHz stereo WAV is 635 MB; compressed dictation is far smaller."""
    max_minutes: float = 60.0


class Hearing(Protocol):
    """What transcription needs of a recognizer (the real one is ``recognizer.Recognizer``)."""

    @property
    def name(self) -> str:
        """The model's name, reported in transcripts."""
        ...

    def hear(
        self,
        samples: np.ndarray,
        *,
        hotwords: str | None = None,
        on_progress: Progress | None = None,
    ) -> list[HeardSegment]:
        """Return every segment heard in ``samples`` (16 kHz mono float32)."""
        ...
