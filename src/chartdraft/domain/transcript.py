"""A dictation as the recognizer heard it: kept and dropped segments, and suggested corrections.

Every time is in seconds from the start of the recording, and every ``offset`` is a character
position in :attr:`Transcript.text`, which is the text the sectionizer and the drafter see. So a
drafted statement's source span (characters of the dictation) leads back to its moment in the
recording through :meth:`Transcript.moment_of`.
"""

from dataclasses import dataclass, field


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
