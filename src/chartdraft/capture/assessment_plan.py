"""Split a combined "A/P" field between the assessment and the plan.

Problem-oriented A/P entries mix the clinician's judgment ("HTN, not at goal") with what they
decided to do ("increase lisinopril to 20 mg"). Judgments go to the assessment, actions to the
plan; "HTN - continue lisinopril" is split at the separator into one of each.
"""

import re

from chartdraft.capture.cues import CueBook, default_cues
from chartdraft.capture.segment import split_items
from chartdraft.domain.sections import SectionName
from chartdraft.domain.visit import Passage, Placement, SourceSpan

_ASSESSMENT_LABEL = re.compile(
    r"(?:medical reasoning|assessment|impression|dx|diagnosis|diagnoses)\s*:", re.I
)
_PLAN_LABEL = re.compile(
    r"(?:plan|medical treatment|additional testing|patient education(?: and counsel(?:l)?ing)?|"
    r"counsel(?:l)?ing|follow[- ]?up|f/u|rx|treatment|orders?|instructions|disposition|"
    r"patient agreements?|referrals?|labs?|imaging|return precautions)\s*:",
    re.I,
)
# Tried in this order: "HTN - continue ...", "HTN: continue ...", "HTN; continue ...", then commas.
_PROBLEM_ACTION_SEPARATORS = (
    re.compile(r"\s+[-\u2013\u2014]\s+"),
    re.compile(r"\s*[:;]\s+"),
    re.compile(r"\s*,\s+"),
)


def split_assessment_plan(
    field: str, text: str, start: int, end: int, *, label: str, cues: CueBook | None = None
) -> list[Passage]:
    """Return the items of ``text[start:end]`` placed in the assessment or the plan."""
    book = cues or default_cues()
    passages: list[Passage] = []
    for item in split_items(text[start:end], plan=True, starts_item=book.opens_with_plan_verb):
        item_start, item_end = start + item.start, start + item.end
        placed = _place_item(book, field, text, item_start, item_end, label=label)
        passages.extend(
            p.model_copy(update={"listed": item.bulleted, "fragment": item.fragment})
            for p in placed
        )
    return passages


def _place_item(
    book: CueBook, field: str, text: str, start: int, end: int, *, label: str
) -> list[Passage]:
    item = text[start:end]
    span = SourceSpan(field=field, start=start, end=end)
    if _ASSESSMENT_LABEL.match(item):
        return [_passage(SectionName.ASSESSMENT, span, label, "labelled as reasoning")]
    if _PLAN_LABEL.match(item):
        return [_passage(SectionName.PLAN, span, label, "labelled as a plan item")]
    if book.opens_with_plan_verb(item):
        return [_passage(SectionName.PLAN, span, label, "opens with an action")]
    separator = _action_separator(book, item)
    if separator is not None:
        problem = SourceSpan(field=field, start=start, end=start + separator.start())
        act = SourceSpan(field=field, start=start + separator.end(), end=end)
        return [
            _passage(
                SectionName.ASSESSMENT, problem, label, "the problem of a problem/action item"
            ),
            _passage(SectionName.PLAN, act, label, "the action of a problem/action item"),
        ]
    if _reads_as_action(book, item):
        return [_passage(SectionName.PLAN, span, label, "reads as an action")]
    return [_passage(SectionName.ASSESSMENT, span, label, "reads as a judgment")]


def _action_separator(book: CueBook, item: str) -> re.Match[str] | None:
    """Find where "problem - action" turns from the problem to what was decided about it."""
    for pattern in _PROBLEM_ACTION_SEPARATORS:
        for separator in pattern.finditer(item):
            action = item[separator.end() :]
            if separator.start() > 0 and (
                book.opens_with_plan_verb(action) or _reads_as_action(book, action)
            ):
                return separator
    return None


def _reads_as_action(book: CueBook, text: str) -> bool:
    scores = {s.section: s.score for s in book.scores(text)}
    return scores[SectionName.PLAN] > scores[SectionName.ASSESSMENT]


def _passage(section: SectionName, span: SourceSpan, label: str, why: str) -> Passage:
    return Passage(
        section=section,
        span=span,
        placement=Placement.HEADER,
        reason=f'under the header "{label}"; {why}',
    )
