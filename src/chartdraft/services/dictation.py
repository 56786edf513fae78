"""Dictation audio to a transcript and on to the five capture fields.

The speech model is loaded on the first recording that passes the checks, so a bad file is
refused at once and a process that never transcribes never pays for the model.
"""

import threading
from dataclasses import asdict
from typing import Any

import numpy as np

from chartdraft.capture.intake import parse_capture
from chartdraft.capture.speech.dictation import transcribe
from chartdraft.capture.speech.options import (
    Hearing,
    Progress,
    RecognizerOptions,
    RecordingLimits,
)
from chartdraft.capture.speech.vocabulary import Vocabulary
from chartdraft.domain.sections import SectionName
from chartdraft.domain.transcript import Transcript

TRANSCRIPT_SCHEMA = "chartdraft.transcript/1"


class Transcriber:
    """Turns recordings into transcripts with one loaded model, shared by every caller."""

    def __init__(
        self,
        options: RecognizerOptions,
        vocabulary: Vocabulary,
        limits: RecordingLimits | None = None,
    ) -> None:
        self.options = options
        self.vocabulary = vocabulary
        self.limits = limits or RecordingLimits()
        self._recognizer: Hearing | None = None
        self._loading = threading.Lock()

    def transcribe(
        self, raw: bytes, *, source: str = "The recording", on_progress: Progress | None = None
    ) -> Transcript:
        """Check, decode and transcribe ``raw``; InputError says in one sentence what is wrong."""
        return self.hear(self.decode(raw, source=source), on_progress=on_progress)

    def decode(self, raw: bytes, *, source: str = "The recording") -> np.ndarray:
        """Check and decode ``raw`` to 16 kHz mono samples, or raise InputError."""
        # Imported here: PyAV and CTranslate2 load only when there is audio to hear.
        from chartdraft.capture.speech.recording import load_recording  # noqa: PLC0415

        return load_recording(raw, source=source, limits=self.limits).samples

    def hear(self, samples: np.ndarray, *, on_progress: Progress | None = None) -> Transcript:
        """Transcribe decoded samples (see :meth:`decode`)."""
        return transcribe(samples, self.recognizer(), self.vocabulary, on_progress=on_progress)

    def recognizer(self) -> Hearing:
        """The loaded model (loaded once, on first use)."""
        with self._loading:
            if self._recognizer is None:
                from chartdraft.capture.speech.recognizer import Recognizer  # noqa: PLC0415

                self._recognizer = Recognizer(self.options)
            return self._recognizer


def dictated_fields(transcript: Transcript) -> dict[str, str]:
    """The transcript put into the five capture fields by the sectionizer (empty ones left out)."""
    visit = parse_capture(transcript.text, "dictation")
    fields = {}
    for section in SectionName:
        passages = visit.passages_for(section)
        if passages:
            fields[section.value] = " ".join(visit.text_of(p.span) for p in passages)
    return fields


def transcript_document(transcript: Transcript) -> dict[str, Any]:
    """The transcript as JSON: text, timed segments, dropped segments, suggestions, fields."""
    return {
        "schema": TRANSCRIPT_SCHEMA,
        "model": transcript.model,
        "language": transcript.language,
        "duration_seconds": transcript.duration,
        "text": transcript.text,
        "segments": [
            {"start": s.start, "end": s.end, "offset": s.offset, "text": s.text}
            for s in transcript.segments
        ],
        "dropped": [asdict(d) for d in transcript.dropped],
        "suggestions": [asdict(s) for s in transcript.suggestions],
        "fields": dictated_fields(transcript),
        "notes": list(transcript.notes),
    }
