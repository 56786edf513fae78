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
    split = _action_separator(book, item)
    if split is not None:
        separator, sure = split
        problem = SourceSpan(field=field, start=start, end=start + separator.start())
        act = SourceSpan(field=field, start=start + separator.end(), end=end)
        return [
            _passage(
                SectionName.ASSESSMENT,
                problem,
                label,
                "the problem of a problem/action item",
                confirm=not sure,
            ),
            _passage(
                SectionName.PLAN,
                act,
                label,
                "the action of a problem/action item",
                confirm=not sure,
            ),
        ]
    plan, assessment = _scores(book, item)
    if plan > assessment:
        return [_passage(SectionName.PLAN, span, label, "reads as an action", confirm=plan < 3)]
    # A problem named without an action ("Hypertension.") is the assessment by convention.
    return [_passage(SectionName.ASSESSMENT, span, label, "reads as a judgment")]


def _action_separator(book: CueBook, item: str) -> tuple[re.Match[str], bool] | None:
    """Find where "problem - action" turns to what was decided; say whether a verb made it sure.

    The first separator followed by an action verb wins ("Asthma, mild intermittent, continue
    albuterol"); failing that, a dash, colon or semicolon followed by something that reads as
    an order ("otitis media - amoxicillin 80 mg/kg/day") splits, as a guess to confirm.
    """
    candidates = sorted(
        (m for pattern in _PROBLEM_ACTION_SEPARATORS for m in pattern.finditer(item)),
        key=lambda m: m.start(),
    )
    for separator in candidates:
        if separator.start() > 0 and book.opens_with_plan_verb(item[separator.end() :]):
            return separator, True
    for pattern in _PROBLEM_ACTION_SEPARATORS[:2]:
        for separator in pattern.finditer(item):
            plan, assessment = _scores(book, item[separator.end() :])
            if separator.start() > 0 and plan > assessment:
                return separator, False
    return None


def _scores(book: CueBook, text: str) -> tuple[int, int]:
    scores = {s.section: s.score for s in book.scores(text)}
    return scores[SectionName.PLAN], scores[SectionName.ASSESSMENT]


def _passage(
    section: SectionName, span: SourceSpan, label: str, why: str, *, confirm: bool = False
) -> Passage:
    return Passage(
        section=section,
        span=span,
        placement=Placement.HEADER,
        reason=f'under the header "{label}"; {why}',
        confirm=confirm,
    )
