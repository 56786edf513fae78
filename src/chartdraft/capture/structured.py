"""Parse typed text, with or without section headers, into a Visit."""

from collections import Counter

from chartdraft.capture.fields import Segment, find_segments, heading_of, segment_passages
from chartdraft.capture.headers import HeaderLexicon, HeaderMatch, default_lexicon
from chartdraft.capture.sectionizer import sectionize
from chartdraft.capture.segment import trim_span
from chartdraft.domain.errors import InputError
from chartdraft.domain.visit import CapturedField, Heading, Passage, Visit

DICTATION_FIELD = "dictation"
PREAMBLE_FIELD = "preamble"


def parse_text(
    text: str, *, dictation: bool = False, lexicon: HeaderLexicon | None = None
) -> Visit:
    """Parse the practice's header template (``CC:``, ``S:``, ``A/P`` ...) or free dictation."""
    text = normalize_newlines(text)
    segments = [] if dictation else find_segments(text, lexicon or default_lexicon())
    if all(segment.header is None for segment in segments):
        return _dictation(text)
    names: Counter[str] = Counter()
    fields: list[CapturedField] = []
    passages: list[Passage] = []
    headings: list[Heading] = []
    encounter_type: str | None = None
    for segment in segments:
        header = segment.header
        if header is not None:
            headings.append(heading_of(header))
        start, end = trim_span(text, segment.start, segment.end)
        if header is not None and header.target == "encounter_type":
            encounter_type = text[start:end] or None
            continue
        name = _unique(names, _field_base(header))
        field_text = text[start:end]
        fields.append(
            CapturedField(name=name, text=field_text, label=header.label if header else None)
        )
        passages.extend(
            segment_passages(name, field_text, Segment(header, 0, len(field_text)), default=None)
        )
    if not passages:
        raise InputError("The input has section headers but nothing under them to draft from.")
    return Visit(
        encounter_type=encounter_type,
        capture_format="text",
        fields=tuple(fields),
        passages=tuple(passages),
        headings=tuple(headings),
    )


def normalize_newlines(text: str) -> str:
    """Return ``text`` with Windows and old Mac line endings as ``\\n``, without a byte-order mark."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _dictation(text: str) -> Visit:
    passages = sectionize(DICTATION_FIELD, text)
    if not passages:
        raise InputError("The input has no words to draft from.")
    return Visit(
        capture_format="dictation",
        fields=(CapturedField(name=DICTATION_FIELD, text=text),),
        passages=tuple(passages),
    )


def _field_base(header: HeaderMatch | None) -> str:
    if header is None:
        return PREAMBLE_FIELD
    return str(header.target)


def _unique(names: Counter[str], base: str) -> str:
    names[base] += 1
    return base if names[base] == 1 else f"{base}_{names[base]}"
