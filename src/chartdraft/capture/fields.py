"""Turn one stretch of captured text into passages, following the headers inside it."""

import re
from collections.abc import Callable
from dataclasses import dataclass

from chartdraft.capture.assessment_plan import split_assessment_plan
from chartdraft.capture.cues import default_cues
from chartdraft.capture.headers import HeaderLexicon, HeaderMatch, HeaderTarget, default_lexicon
from chartdraft.capture.sectionizer import sectionize
from chartdraft.capture.segment import Item, split_items
from chartdraft.domain.sections import SOAP_ORDER, SectionName
from chartdraft.domain.visit import Heading, Passage, Placement, SourceSpan

MEDICATION_LABEL = re.compile(
    r"^(?:meds|medications?|current (?:meds|medications)|home medications|dh|dhx|drug history|rx)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Segment:
    """``text[start:end]`` sits under ``header`` (None: before any header)."""

    header: HeaderMatch | None
    start: int
    end: int


def find_segments(
    text: str,
    lexicon: HeaderLexicon,
    accept: Callable[[HeaderMatch, HeaderMatch | None], bool] | None = None,
) -> list[Segment]:
    """Cut ``text`` at every header line that opens a section; each piece runs to the next."""
    opens = accept or _opens_section_after
    segments: list[Segment] = []
    header: HeaderMatch | None = None
    start = position = 0
    for line in text.split("\n"):
        found = lexicon.match(line)
        if found is not None and opens(found, header):
            segments.append(Segment(header, start, position))
            header, start = found, position + found.content_start
            if found.target == "encounter_type":
                # The type is one line; what follows belongs to no header.
                segments.append(Segment(header, start, position + len(line)))
                header, start = None, position + len(line)
        position += len(line) + 1
    segments.append(Segment(header, start, len(text)))
    return [s for s in segments if s.header is not None or text[s.start : s.end].strip()]


def _opens_section_after(found: HeaderMatch, current: HeaderMatch | None) -> bool:
    # Sections run in SOAP order: "Labs: CBC" typed under Plan is a plan item, not a new section,
    # and "CC: Dr. Jones" after the history is a copy list, not a chief complaint.
    if current is None:
        return True
    if found.target is SectionName.CHIEF_COMPLAINT:
        return _order(current.target) <= _order(found.target)
    if found.anywhere:
        return True
    return _order(found.target) >= _order(current.target)


def _order(target: HeaderTarget) -> int:
    if target == "encounter_type":
        return -1
    if target == "assessment_plan":
        return SOAP_ORDER.index(SectionName.ASSESSMENT)
    return SOAP_ORDER.index(target)


def segment_passages(
    field: str, text: str, segment: Segment, default: HeaderTarget | None
) -> list[Passage]:
    """Return the passages of one segment; text under no header goes to ``default``."""
    header = segment.header
    target = header.target if header else default
    if target is None:
        return sectionize(field, text, segment.start, segment.end)
    label = header.label if header else field
    if target == "encounter_type":
        return []
    if target == "assessment_plan":
        return split_assessment_plan(field, text, segment.start, segment.end, label=label)
    group = display_label(header.label) if header and not header.primary else None
    body = text[segment.start : segment.end]
    passages: list[Passage] = []
    for item in _items(body, target, group):
        span = SourceSpan(
            field=field, start=segment.start + item.start, end=segment.start + item.end
        )
        passages.extend(
            _item_passages(
                text, span, target, group, label, listed=item.bulleted, fragment=item.fragment
            )
        )
    return passages


def _items(body: str, section: SectionName, group: str | None) -> list[Item]:
    if group and MEDICATION_LABEL.match(group):
        return split_items(body, plan=True, starts_item=lambda _: True)  # one medicine each
    if section is SectionName.PLAN:
        return split_items(body, plan=True, starts_item=default_cues().opens_with_plan_verb)
    return split_items(body)


def _item_passages(
    text: str,
    span: SourceSpan,
    section: SectionName,
    group: str | None,
    label: str,
    *,
    listed: bool,
    fragment: bool,
) -> list[Passage]:
    # "Meds: atorvastatin. Allergies: NKDA." -- a sub-heading of this section inside an item
    # starts its own group there (and a medication list inside an item is split like one).
    spans = [span]
    inline = default_lexicon().match(text[span.start : span.end])
    start = span.start + (inline.content_start if inline else 0)
    # Only in running text: in a list item ("- Examination: normal pulses") or a line typed
    # among unpunctuated lines, the label is content.
    if (
        inline
        and not listed
        and not fragment
        and inline.target is section
        and not inline.primary
        and text[start : span.end].strip()
    ):
        group = display_label(inline.label)
        pieces = _items(text[start : span.end], section, group)
        spans = [
            SourceSpan(field=span.field, start=start + i.start, end=start + i.end) for i in pieces
        ]
    return [
        _header_passage(piece, section, group, label, listed=listed, fragment=fragment)
        for piece in spans
    ]


def _header_passage(
    span: SourceSpan,
    section: SectionName,
    group: str | None,
    label: str,
    *,
    listed: bool,
    fragment: bool = False,
) -> Passage:
    return Passage(
        section=section,
        span=span,
        placement=Placement.HEADER,
        reason=f'under the header "{label}"',
        group=group,
        listed=listed,
        fragment=fragment,
    )


def heading_of(header: HeaderMatch) -> Heading:
    """Return the record of a consumed header."""
    section = header.target if isinstance(header.target, SectionName) else None
    if header.target == "assessment_plan":
        section = SectionName.ASSESSMENT
    return Heading(label=header.label, section=section)


def display_label(label: str) -> str:
    """Return a clinician's sub-heading tidied: 'hpi' -> 'HPI', 'PHYSICAL EXAM' -> 'Physical exam'."""
    if len(label) <= 3:
        return label.upper()
    if label.isupper():
        return label.capitalize()
    return label[0].upper() + label[1:]
