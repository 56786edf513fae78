"""Support that disagrees: a number, unit, side, frequency or polarity the input states otherwise.

Each check looks first at the passages that support the statement: the draft must say what
those say. A value found nowhere in the input is unsupported rather than contradicted.
"""

from collections import Counter
from collections.abc import Iterator

from chartdraft.domain.findings import FindingKind, Severity
from chartdraft.verify.actions import action_problems
from chartdraft.verify.align import Alignment, InputIndex, InputPassage
from chartdraft.verify.facts import Mention, TextFacts
from chartdraft.verify.polarity import polarity_problems
from chartdraft.verify.problems import Problem
from chartdraft.verify.quantity_check import quantity_problems

_CONTRA = FindingKind.CONTRADICTION
_UNSUPPORTED = FindingKind.UNSUPPORTED_STATEMENT
_MAJOR = Severity.MAJOR
_PRN = "prn"


def contradictions(facts: TextFacts, alignment: Alignment, index: InputIndex) -> list[Problem]:
    """Return the statement's numbers, sides, frequencies and polarities the input disagrees with."""
    support = alignment.passages
    return [
        *quantity_problems(facts, alignment, index),
        *_side_problems(facts, support, index),
        *_frequency_problems(facts, support, index),
        *action_problems(facts, support),
        *polarity_problems(facts, alignment, index.lexicon),
    ]


def _side_problems(
    facts: TextFacts, support: list[InputPassage], index: InputIndex
) -> Iterator[Problem]:
    near = [(p, m) for p in support for m in p.facts.sides]
    near_pairs = {(m.key, m.part) for _, m in near}
    everywhere = index.side_pairs
    # Each side the input gives supports one mention: "left hand ... right hand" flipped to
    # "right hand ... right hand" still leaves one "right hand" too many.
    left_over = Counter((m.key, m.part) for _, m in near)
    for side in facts.sides:
        pair = (side.key, side.part)
        if left_over[pair] > 0:
            left_over[pair] -= 1
            continue
        if (pair in near_pairs and not _surplus(pair, left_over)) or _bilateral_given(
            side, near_pairs
        ):
            continue
        # The item the statement restates names the other side of the same part: flipped.
        other = next(((p, m) for p, m in near if m.part == side.part and m.key != side.key), None)
        if other is not None:
            passage, given = other
            yield Problem(
                _CONTRA, _MAJOR,
                f'The draft says "{facts.text[side.start : side.end]}" where the input says '
                f'"{passage.facts.text[given.start : given.end]}".',
                (side.start, side.end), (passage.span(given.start, given.end),),
            )  # fmt: skip
            continue
        if (side.key, side.part) in everywhere or _bilateral_given(side, everywhere):
            continue  # said of this part elsewhere in the input: a merged item
        if side.part is None and side.key in {key for key, _ in everywhere}:
            continue
        yield Problem(
            _UNSUPPORTED, _MAJOR,
            f'The draft says "{facts.text[side.start : side.end]}"; the input does not give '
            "that side.",
            (side.start, side.end),
        )  # fmt: skip


def _surplus(pair: tuple[str, str | None], left_over: Counter[tuple[str, str | None]]) -> bool:
    # A repeated side is a flip only when the other side of that part went unmentioned.
    return any(n > 0 and part == pair[1] and key != pair[0] for (key, part), n in left_over.items())


def _bilateral_given(side: Mention, given: set[tuple[str, str | None]]) -> bool:
    # "left and right knee" supports "bilateral knees"; "bilateral" supports neither side alone.
    return side.key == "bilateral" and {("left", side.part), ("right", side.part)} <= given


def _frequency_problems(
    facts: TextFacts, support: list[InputPassage], index: InputIndex
) -> Iterator[Problem]:
    near = [(p, m) for p in support for m in p.facts.frequencies]
    everywhere = index.schedules
    for frequency in facts.frequencies:
        problem = _schedule_problem(facts, frequency, near, everywhere)
        if problem is not None:
            yield problem
    yield from _dropped_as_needed(facts, near)


def _schedule_problem(
    facts: TextFacts,
    frequency: Mention,
    near: list[tuple[InputPassage, Mention]],
    everywhere: set[str],
) -> Problem | None:
    # The item the statement restates decides, drug by drug: "lisinopril BID" is contradicted
    # by "lisinopril daily" even if another drug is taken twice a day. "As needed" qualifies a
    # schedule ("daily as needed") and is compared only with itself.
    same_drug = [(p, m) for p, m in near if m.part == frequency.part]
    if any(m.key == frequency.key for _, m in same_drug):
        return None
    text = facts.text[frequency.start : frequency.end]
    schedules = [(p, m) for p, m in same_drug if m.key != _PRN]
    if schedules and frequency.key != _PRN:
        passage, given = schedules[0]
        return Problem(
            _CONTRA, _MAJOR,
            f'The draft says "{text}" where the input says '
            f'"{passage.facts.text[given.start : given.end]}".',
            (frequency.start, frequency.end), (passage.span(given.start, given.end),),
        )  # fmt: skip
    if frequency.part is None and frequency.key in everywhere:
        return None
    return Problem(
        _UNSUPPORTED, _MAJOR, f'The draft says "{text}"; the input does not give that schedule.',
        (frequency.start, frequency.end),
    )  # fmt: skip


def _dropped_as_needed(
    facts: TextFacts, near: list[tuple[InputPassage, Mention]]
) -> Iterator[Problem]:
    # "Albuterol 2 puffs q6h PRN" restated as "Albuterol 2 puffs q6h" makes it scheduled.
    stated = {m.part for m in facts.frequencies if m.key == _PRN}
    for drug in facts.drugs:
        given = next(((p, m) for p, m in near if m.key == _PRN and m.part == drug.key), None)
        if given is not None and drug.key not in stated:
            passage, mention = given
            yield Problem(
                _CONTRA, _MAJOR,
                f'The draft drops "{passage.facts.text[mention.start : mention.end]}" from '
                f"{facts.text[drug.start : drug.end]}.",
                (drug.start, drug.end), (passage.span(mention.start, mention.end),),
            )  # fmt: skip
