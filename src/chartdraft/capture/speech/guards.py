"""Hallucination guards: segments the recognizer may have invented are dropped and reported.

Whisper invents text most often over silence and noise, and loops on a phrase once it has
started repeating (Koenecke et al., FAccT 2024, found invented sentences in about 1% of
transcriptions, 38% of them harmful). A dropped segment never reaches the draft; the clinician
sees what was dropped, where, and why, and can dictate that part again.
"""

import re
from collections.abc import Sequence

from chartdraft.domain.transcript import DroppedSegment, HeardSegment

NO_SPEECH = 0.6
"""Whisper's own threshold: above it, with a low average log-probability, nobody was speaking."""
LOW_LOG_PROBABILITY = -1.0
SURE_NO_SPEECH = 0.9
"""Above this the model is sure there was no speech, whatever it then wrote."""
MAX_COMPRESSION_RATIO = 2.4
"""Whisper's own threshold: text that gzips this well is repeating itself."""
LOOP_REPEATS = 3
LOOP_WORDS = 6
"""A phrase said three times running, six words or more in all, is a loop, not dictation."""

# Phrases Whisper is known to produce over silence or noise (they come from its training
# subtitles). Only a segment that is nothing but one of them is dropped.
_INVENTED_OVER_SILENCE = frozenset(
    {
        "thank you",
        "thank you for watching",
        "thanks for watching",
        "please subscribe",
        "subtitles by the amara org community",
        "you",
    }
)

_WORD = re.compile(r"[a-z0-9']+")


def screen(segments: Sequence[HeardSegment]) -> tuple[list[HeardSegment], list[DroppedSegment]]:
    """Split the recognizer's segments into those to keep and those dropped, with reasons."""
    kept: list[HeardSegment] = []
    dropped: list[DroppedSegment] = []
    for segment in segments:
        previous = kept[-1] if kept else None
        reason = _reason_to_drop(segment, previous)
        if reason is None:
            kept.append(segment)
        else:
            dropped.append(DroppedSegment(segment.start, segment.end, segment.text, reason))
    return kept, dropped


def _reason_to_drop(segment: HeardSegment, previous: HeardSegment | None) -> str | None:
    words = _WORD.findall(segment.text.lower())
    if not words:
        return "no words were recognized"
    for rule in (_no_speech, _compressed, _looping, _invented_over_silence):
        reason = rule(segment, words)
        if reason is not None:
            return reason
    if previous is not None and len(words) >= 3 and words == _WORD.findall(previous.text.lower()):
        return "a repetition loop (the same words as the segment before)"
    return None


def _no_speech(segment: HeardSegment, _words: list[str]) -> str | None:
    probability = segment.no_speech_probability
    if probability >= SURE_NO_SPEECH or (
        probability > NO_SPEECH and segment.average_log_probability < LOW_LOG_PROBABILITY
    ):
        return f"probably no speech (no-speech probability {probability:.2f})"
    return None


def _compressed(segment: HeardSegment, _words: list[str]) -> str | None:
    if segment.compression_ratio > MAX_COMPRESSION_RATIO:
        return f"repetitive text (compression ratio {segment.compression_ratio:.1f})"
    return None


def _looping(_segment: HeardSegment, words: list[str]) -> str | None:
    loop = repeated_phrase(words)
    return None if loop is None else f'a repetition loop ("{loop}" again and again)'


def _invented_over_silence(_segment: HeardSegment, words: list[str]) -> str | None:
    if " ".join(words) in _INVENTED_OVER_SILENCE:
        return "a phrase the recognizer is known to invent over silence"
    return None


def repeated_phrase(words: Sequence[str]) -> str | None:
    """Return a phrase said LOOP_REPEATS times running (LOOP_WORDS words or more), if any."""
    longest = len(words) // LOOP_REPEATS
    for size in range(1, longest + 1):
        for start in range(len(words) - size * LOOP_REPEATS + 1):
            phrase = words[start : start + size]
            repeats = 1
            while words[start + repeats * size : start + (repeats + 1) * size] == phrase:
                repeats += 1
            if repeats >= LOOP_REPEATS and repeats * size >= LOOP_WORDS:
                return " ".join(phrase)
    return None
