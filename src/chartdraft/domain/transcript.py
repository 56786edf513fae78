"""A dictation as the recognizer heard it: kept and dropped segments, and suggested corrections.

Every time is in seconds from the start of the recording, and every ``offset`` is a character
position in :attr:`Transcript.text`, which is the text the sectionizer and the drafter see. So a
drafted statement's source span (characters of the dictation) leads back to its moment in the
recording through :meth:`Transcript.moment_of`.
"""

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True)
class HeardWord:
    """One word as recognized, with the recognizer's confidence in it (0 to 1)."""

    text: str
    start: float
    end: float
    probability: float
    offset: int = 0
    """Where the word starts in the transcript text (set once the text is assembled)."""


@dataclass(frozen=True)
class HeardSegment:
    """One stretch of speech as the recognizer returned it, before any guard looked at it."""

    start: float
    end: float
    text: str
    words: tuple[HeardWord, ...] = ()
    no_speech_probability: float = 0.0
    average_log_probability: float = 0.0
    compression_ratio: float = 1.0


@dataclass(frozen=True)
class TranscriptSegment:
    """A kept segment and where its text lies in the transcript."""

    start: float
    end: float
    text: str
    offset: int
    words: tuple[HeardWord, ...] = ()


@dataclass(frozen=True)
class DroppedSegment:
    """A segment a guard refused to pass on, and why (shown to the clinician, never drafted)."""

    start: float
    end: float
    text: str
    reason: str


@dataclass(frozen=True)
class Suggestion:
    """A near-miss the clinician may accept: the heard words and the vocabulary term they resemble.

    Suggestions are never applied by chartdraft; the transcript keeps what was heard.
    """

    heard: str
    suggestion: str
    start: float
    end: float
    offset: int
    length: int
    score: float
    """Similarity of the heard words to the term, 0 to 100 (spelling and sound together)."""
    kind: str = "drug"
    """``drug``, ``term`` or ``practice``: which vocabulary the suggestion comes from."""
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class Transcript:
    """What a recording said, as far as chartdraft is willing to pass it on."""

    text: str
    duration: float
    segments: tuple[TranscriptSegment, ...]
    dropped: tuple[DroppedSegment, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    language: str = "en"
    model: str = ""
    notes: tuple[str, ...] = field(default=())
    """Plain sentences for the clinician, e.g. that a stretch was dropped as a repetition loop."""

    def moment_of(self, offset: int) -> TranscriptSegment | None:
        """Return the segment whose text holds character ``offset`` of the transcript."""
        for segment in self.segments:
            if segment.offset <= offset < segment.offset + len(segment.text):
                return segment
        return None


class RecordingState(StrEnum):
    """Where an uploaded recording is on its way to a draft."""

    RECEIVED = "received"
    """Stored (encrypted); waiting for the recognizer."""
    TRANSCRIBING = "transcribing"
    TRANSCRIBED = "transcribed"
    """The transcript is stored and the encounter recorded; its draft is being written."""
    FAILED = "failed"
    """Nothing usable was heard; ``error`` says why in one sentence."""


@dataclass(frozen=True)
class StoredRecording:
    """An uploaded recording as the record keeps it (the audio itself is read separately)."""

    id: str
    state: RecordingState
    progress: float
    received_at: datetime
    uploaded_by: str
    clinician_id: str
    audio_bytes: int
    audio_kept: bool
    """False once the audio was deleted (after transcription, by the retention setting)."""
    error: str | None = None
    encounter_id: str | None = None
    draft_id: str | None = None
    transcript: Transcript | None = None


def transcript_to_json(transcript: Transcript) -> str:
    """The transcript as JSON, for the record (``transcript_from_json`` reads it back)."""
    return json.dumps(asdict(transcript), ensure_ascii=False, separators=(",", ":"))


def transcript_from_json(text: str) -> Transcript:
    """Read a transcript written by ``transcript_to_json``."""
    data = json.loads(text)
    return Transcript(
        text=data["text"],
        duration=data["duration"],
        segments=tuple(
            TranscriptSegment(**{**s, "words": tuple(HeardWord(**w) for w in s["words"])})
            for s in data["segments"]
        ),
        dropped=tuple(DroppedSegment(**d) for d in data["dropped"]),
        suggestions=tuple(
            Suggestion(**{**s, "alternatives": tuple(s["alternatives"])})
            for s in data["suggestions"]
        ),
        language=data["language"],
        model=data["model"],
        notes=tuple(data["notes"]),
    )
