"""A recording to a transcript: decode, hear, guard, assemble, suggest corrections."""

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from chartdraft.capture.speech.corrections import suggest
from chartdraft.capture.speech.guards import screen
from chartdraft.capture.speech.options import SAMPLE_RATE, Hearing, Progress
from chartdraft.capture.speech.vocabulary import Vocabulary
from chartdraft.domain.errors import InputError
from chartdraft.domain.transcript import HeardSegment, HeardWord, Transcript, TranscriptSegment


def transcribe(
    samples: np.ndarray,
    recognizer: Hearing,
    vocabulary: Vocabulary,
    *,
    on_progress: Progress | None = None,
) -> Transcript:
    """Return what was dictated in ``samples`` (16 kHz mono), or raise InputError when nothing
    usable was heard."""
    heard = recognizer.hear(samples, hotwords=vocabulary.hotwords(), on_progress=on_progress)
    kept, dropped = screen(heard)
    if not kept:
        reason = "no speech was recognized" if not dropped else "every segment was dropped"
        raise InputError(
            f"Nothing could be transcribed from the recording ({reason}); "
            "check the microphone and dictate again."
        )
    text, segments = assemble(kept)
    words = [word for segment in segments for word in segment.words]
    notes = tuple(
        f"Dropped {d.start:.1f}-{d.end:.1f} s: {d.reason}; dictate that part again if it mattered."
        for d in dropped
    )
    return Transcript(
        text=text,
        duration=round(len(samples) / SAMPLE_RATE, 3),
        segments=tuple(segments),
        dropped=tuple(dropped),
        suggestions=tuple(suggest(text, words, vocabulary)),
        model=recognizer.name,
        notes=notes,
    )


def assemble(kept: Sequence[HeardSegment]) -> tuple[str, list[TranscriptSegment]]:
    """Join the kept segments into one text, recording where each segment and word lies."""
    parts: list[str] = []
    segments: list[TranscriptSegment] = []
    offset = 0
    for segment in kept:
        if parts:
            offset += 1  # the space joining this segment to the one before
        segments.append(
            TranscriptSegment(
                start=round(segment.start, 2),
                end=round(segment.end, 2),
                text=segment.text,
                offset=offset,
                words=_placed(segment.text, segment.words, offset),
            )
        )
        parts.append(segment.text)
        offset += len(segment.text)
    return " ".join(parts), segments


def _placed(text: str, words: Sequence[HeardWord], base: int) -> tuple[HeardWord, ...]:
    placed = []
    cursor = 0
    for word in words:
        found = text.find(word.text, cursor)
        at = found if found >= 0 else cursor
        placed.append(replace(word, offset=base + at))
        cursor = at + len(word.text) if found >= 0 else cursor
    return tuple(placed)
