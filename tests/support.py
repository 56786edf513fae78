"""Helpers for tests that compare a draft's words with its input's."""

import re

from chartdraft.capture.segment import LIST_MARKER
from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.visit import Visit

_TOKEN = re.compile(r"[^\W_]+")


def tokens(text: str) -> set[str]:
    """Return the words and numbers of ``text``, case-folded."""
    return {t.casefold() for t in _TOKEN.findall(text)}


def presentation_lines(draft: SoapDraft) -> set[str]:
    """Return the lines the drafter may add: the note title, section titles and gap flags."""
    lines = {draft.title.upper()}
    for section in draft.sections:
        lines.add(section.title.upper())
        lines.update(gap.line for gap in section.gaps)
    return lines


def draft_body(draft: SoapDraft) -> str:
    """Return the rendered note without the lines the drafter is allowed to add."""
    allowed = presentation_lines(draft)
    return "\n".join(line for line in draft.text.splitlines() if line not in allowed)


def input_words(visit: Visit) -> set[str]:
    """Return every word of the captured fields and consumed headers."""
    words = set()
    for field in visit.fields:
        words |= tokens(field.text)
    for heading in visit.headings:
        words |= tokens(heading.label)
    if visit.encounter_type:
        words |= tokens(visit.encounter_type)
    return words


def header_words(visit: Visit) -> set[str]:
    """Return the words of headers that were consumed as structure."""
    words = set()
    for heading in visit.headings:
        words |= tokens(heading.label)
    if visit.encounter_type:
        words |= tokens(visit.encounter_type)
    return words


def added_words(visit: Visit, draft: SoapDraft) -> set[str]:
    """Return words of the note body that appear nowhere in the input."""
    return tokens(draft_body(draft)) - input_words(visit)


def lost_words(visit: Visit, draft: SoapDraft) -> set[str]:
    """Return words of the input that the note lost (consumed headers and list numbers excepted)."""
    field_words = set()
    for field in visit.fields:
        for line in field.text.split("\n"):
            marker = LIST_MARKER.match(line)
            field_words |= tokens(line[marker.end() :] if marker else line)
    return field_words - tokens(draft_body(draft)) - header_words(visit)
