"""faster-whisper (CTranslate2) behind one small class, so the rest never sees its types.

Whisper reads audio in 30-second windows; the segments come out of a generator as each window
is decoded, which is what :meth:`Recognizer.hear` reports as progress on a long recording.
"""

from collections.abc import Iterable
from functools import cache
from typing import Any

import numpy as np
from faster_whisper import WhisperModel

from chartdraft.capture.speech.model_files import checked_model_dir
from chartdraft.capture.speech.options import SAMPLE_RATE, Progress, RecognizerOptions
from chartdraft.domain.transcript import HeardSegment, HeardWord


class Recognizer:
    """A loaded speech model; load once per process, it takes a second or two."""

    def __init__(self, options: RecognizerOptions) -> None:
        self.options = options
        self.model_dir = checked_model_dir(options.model_dir)
        self._model = _load(str(self.model_dir), options.compute_type, options.threads)

    @property
    def name(self) -> str:
        """The model's name as reported in transcripts (``tiny.en`` for the default)."""
        return "tiny.en" if self.options.model_dir is None else self.model_dir.name

    def hear(
        self,
        samples: np.ndarray,
        *,
        hotwords: str | None = None,
        on_progress: Progress | None = None,
    ) -> list[HeardSegment]:
        """Return every segment the model heard, with word timings and its own confidences."""
        duration = len(samples) / SAMPLE_RATE
        segments, _info = self._model.transcribe(
            samples,
            language="en",
            beam_size=self.options.beam_size,
            hotwords=hotwords or None,
            word_timestamps=True,
            # Conditioning on the previous window's text is how Whisper's repetition loops spread.
            condition_on_previous_text=False,
            # Greedy decoding only: Whisper's fallback samples at higher temperatures when a
            # window looks wrong, which makes the transcript differ from run to run and can
            # invent text; a window that still looks wrong is dropped and reported instead.
            temperature=0.0,
            vad_filter=self.options.voice_activity_filter,
        )
        heard = []
        for segment in segments:
            heard.append(_heard(segment))
            if on_progress is not None and duration > 0:
                on_progress(min(1.0, segment.end / duration))
        if on_progress is not None:
            on_progress(1.0)
        return heard


@cache
def _load(model_dir: str, compute_type: str, threads: int) -> WhisperModel:
    return WhisperModel(model_dir, device="cpu", compute_type=compute_type, cpu_threads=threads)


def _heard(segment: Any) -> HeardSegment:
    words: Iterable[Any] = segment.words or ()
    return HeardSegment(
        start=float(segment.start),
        end=float(segment.end),
        text=str(segment.text).strip(),
        words=tuple(
            HeardWord(
                text=str(w.word).strip(),
                start=float(w.start),
                end=float(w.end),
                probability=float(w.probability),
            )
            for w in words
            if str(w.word).strip()
        ),
        no_speech_probability=float(segment.no_speech_prob),
        average_log_probability=float(segment.avg_logprob),
        compression_ratio=float(segment.compression_ratio),
    )
