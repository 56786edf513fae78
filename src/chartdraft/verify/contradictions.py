"""Support that disagrees: a number, unit, side, frequency or polarity the input states otherwise.

Each check looks first at the passages that support the statement: the draft must say what
those say. A value found nowhere in the input is unsupported rather than contradicted.
"""

from collections.abc import Iterator

from chartdraft.domain.findings import FindingKind, Severity
from chartdraft.verify.align import Alignment, InputIndex, InputPassage
from chartdraft.verify.facts import Mention, Quantity, TextFacts
from chartdraft.verify.problems import Problem

_CONTRA = FindingKind.CONTRADICTION
_UNSUPPORTED = FindingKind.UNSUPPORTED_STATEMENT
_MAJOR = Severity.MAJOR


def contradictions(facts: TextFacts, alignment: Alignment, index: InputIndex) -> list[Problem]:
    """Return the statement's numbers, sides, frequencies and polarities the input disagrees with."""
    support = alignment.passages
    return [
        *_quantity_problems(facts, support, index),
        *_side_problems(facts, support, index),
        *_frequency_problems(facts, support, index),
        *_polarity_problems(facts, alignment),
    ]


def _written(q: Quantity) -> str:
    return f"{q.value} {q.unit}" if q.unit else q.value


def _same(a: Quantity, b: Quantity) -> bool:
    if a.value != b.value:
        return False
    if a.unit and b.unit:
        return a.unit == b.unit
    # "HR 98" is not "SpO2 98%": a bare number matches only a value of the same label.
    return a.anchor is None or b.anchor is None or a.anchor == b.anchor


def _counterpart(
    q: Quantity, found: list[tuple[InputPassage, Quantity]], drugs: set[str]
) -> tuple[InputPassage, Quantity] | None:
    for passage, other in found:
        same_measure = q.measure == other.measure or not q.unit or not other.unit
        if q.anchor and other.anchor == q.anchor and same_measure:
            return passage, other
    if q.anchor in drugs or (q.anchor and q.measure in {"mass", "volume", "dose"}):
        return None  # a dose is compared only with a dose of the same drug
    for passage, other in found:
        if q.measure and other.measure == q.measure:
            return passage, other
    return None


def _quantity_problems(
    facts: TextFacts, support: list[InputPassage], index: InputIndex
) -> Iterator[Problem]:
    near = [(p, q) for p in support for q in p.facts.quantities]
    everywhere = [(p, q) for p in index.passages for q in p.facts.quantities]
    for q in facts.quantities:
        if any(_same(q, other) for _, other in near) or any(_same(q, o) for _, o in everywhere):
            continue
        match = _counterpart(q, near, index.drugs)
        if match is None:
            yield Problem(
                _UNSUPPORTED,
                _MAJOR,
                f"The draft gives {_written(q)}, which is not in the input.",
                (q.start, q.end),
            )
            continue
        passage, other = match
        what = "unit" if other.value == q.value else "value"
        yield Problem(
            _CONTRA, _MAJOR,
            f"The draft gives {_written(q)} where the input gives {_written(other)} "
            f"(the {what} changed).",
            (q.start, q.end), (passage.span(other.start, other.end),),
        )  # fmt: skip


def _side_problems(
    facts: TextFacts, support: list[InputPassage], index: InputIndex
) -> Iterator[Problem]:
    near = [(p, m) for p in support for m in p.facts.sides]
    everywhere = {(m.key, m.part) for p in index.passages for m in p.facts.sides}
    for side in facts.sides:
        if (side.key, side.part) in everywhere or _bilateral_given(side, everywhere):
            continue
        other = next(((p, m) for p, m in near if m.part == side.part and m.key != side.key), None)
        if other is None and side.part is None:
            other = next(((p, m) for p, m in near if m.key != side.key), None)
        if other is not None:
            passage, given = other
            yield Problem(
                _CONTRA, _MAJOR,
                f'The draft says "{facts.text[side.start : side.end]}" where the input says '
                f'"{passage.facts.text[given.start : given.end]}".',
                (side.start, side.end), (passage.span(given.start, given.end),),
            )  # fmt: skip
        elif side.key not in {key for key, _ in everywhere}:
            yield Problem(
                _UNSUPPORTED, _MAJOR,
                f"The draft says {side.key}; the input does not give a side here.",
                (side.start, side.end),
            )  # fmt: skip


def _bilateral_given(side: Mention, given: set[tuple[str, str | None]]) -> bool:
    # "left and right knee" supports "bilateral knees"; "bilateral" supports neither side alone.
    return side.key == "bilateral" and {("left", side.part), ("right", side.part)} <= given


def _frequency_problems(
    facts: TextFacts, support: list[InputPassage], index: InputIndex
) -> Iterator[Problem]:
    near = [(p, m) for p in support for m in p.facts.frequencies]
    everywhere = {m.key for p in index.passages for m in p.facts.frequencies}
    for frequency in facts.frequencies:
        if frequency.key in everywhere:
            continue
        text = facts.text[frequency.start : frequency.end]
        if near:
            passage, given = near[0]
            yield Problem(
                _CONTRA, _MAJOR,
                f'The draft says "{text}" where the input says '
                f'"{passage.facts.text[given.start : given.end]}".',
                (frequency.start, frequency.end), (passage.span(given.start, given.end),),
            )  # fmt: skip
        else:
            yield Problem(
                _UNSUPPORTED, _MAJOR, f'The draft says "{text}"; the input gives no frequency.',
                (frequency.start, frequency.end),
            )  # fmt: skip


def _polarity_problems(facts: TextFacts, alignment: Alignment) -> Iterator[Problem]:
    flipped = []
    evidence: list[tuple[InputPassage, int, int]] = []
    for token in facts.tokens:
        if not token.content or "trigger" in token.tags or token.kind != "word":
            continue
        given = alignment.resolved.get(token.stem)
        stated = {
            polarity
            for passage in alignment.passages
            for polarity in passage.facts.polarity.get(given or "", ())
        }
        if stated and (not token.negated) not in stated:
            flipped.append(token)
            evidence.extend(_where(alignment.passages, given or ""))
    if not flipped:
        return
    start, end = flipped[0].start, flipped[-1].end
    negated = flipped[0].negated
    said = "negates" if negated else "asserts"
    other = "states it" if negated else "negates it"
    yield Problem(
        _CONTRA, _MAJOR,
        f'The draft {said} "{facts.text[start:end]}" where the input {other}.',
        (start, end), tuple(dict.fromkeys(p.span(s, e) for p, s, e in evidence[:1])),
    )  # fmt: skip


def _where(passages: list[InputPassage], stem: str) -> Iterator[tuple[InputPassage, int, int]]:
    for passage in passages:
        for token in passage.facts.tokens:
            if token.stem == stem:
                yield passage, 0, len(passage.facts.text)
                break
