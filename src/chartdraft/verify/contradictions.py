"""Support that disagrees: a number, unit, side, frequency or polarity the input states otherwise.

Each check looks first at the passages that support the statement: the draft must say what
those say. A value found nowhere in the input is unsupported rather than contradicted.
"""

from collections import Counter
from collections.abc import Iterator

from chartdraft.domain.findings import FindingKind, Severity
from chartdraft.verify.align import Alignment, InputIndex, InputPassage
from chartdraft.verify.facts import Mention, Quantity, TextFacts
from chartdraft.verify.problems import Problem

_CONTRA = FindingKind.CONTRADICTION
_UNSUPPORTED = FindingKind.UNSUPPORTED_STATEMENT
_MAJOR = Severity.MAJOR
_PRN = "prn"


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


def _same(a: Quantity, b: Quantity, *, strict: bool = False) -> bool:
    """Return True when ``a`` and ``b`` state the same value of the same thing."""
    if a.value != b.value:
        return False
    if a.unit and b.unit:
        return a.unit == b.unit
    # "HR 98" is not "SpO2 98%": a bare number matches only a value of the same label.
    if a.anchor and b.anchor and a.anchor != b.anchor:
        return False
    if not strict:
        return True
    # Elsewhere in the input, a bare number must be said about the same words ("2 children").
    same_label = a.anchor is not None and a.anchor == b.anchor
    return a.unit == b.unit and (same_label or bool(a.context & b.context))


def _counterpart(
    q: Quantity, found: list[tuple[InputPassage, Quantity]], drugs: set[str], taken: set[int]
) -> tuple[InputPassage, Quantity] | None:
    free = [(p, o) for p, o in found if id(o) not in taken]
    for passage, other in free:
        same_measure = q.measure == other.measure or not q.unit or not other.unit
        if q.anchor and other.anchor == q.anchor and same_measure:
            return passage, other
    if q.anchor in drugs or (q.anchor and q.measure in {"mass", "volume", "dose"}):
        return None  # a dose is compared only with a dose of the same drug
    for passage, other in free:
        if q.measure and other.measure == q.measure:
            return passage, other
    for passage, other in free:
        # "35-year-old" against "34-year-old": the same words around a different number.
        if q.context & other.context and (q.unit == other.unit or not q.unit or not other.unit):
            return passage, other
    # Otherwise the first number of the best support that the statement does not repeat.
    plain = [(p, o) for p, o in free if not q.unit or not o.unit or o.unit == q.unit]
    return plain[0] if plain and not q.measure and not plain[0][1].measure else None


def _quantity_problems(
    facts: TextFacts, support: list[InputPassage], index: InputIndex
) -> Iterator[Problem]:
    near = [(p, q) for p in support for q in p.facts.quantities]
    everywhere = [(p, q) for p in index.passages for q in p.facts.quantities]
    # The values the statement does repeat are not counterparts of the ones it changed.
    taken: set[int] = set()
    for q in facts.quantities:
        repeated = next((o for _, o in near if id(o) not in taken and _same(q, o)), None)
        if repeated is not None:
            taken.add(id(repeated))
    for q in facts.quantities:
        if any(_same(q, o) for _, o in near) or any(
            _same(q, o, strict=True) for _, o in everywhere
        ):
            continue
        labelled = [(p, o) for p, o in everywhere if q.anchor and o.anchor == q.anchor]
        match = _counterpart(q, near + labelled, index.drugs, taken)
        if match is None:
            yield Problem(
                _UNSUPPORTED,
                _MAJOR,
                f"The draft gives {_written(q)}, which is not in the input.",
                (q.start, q.end),
            )
            continue
        passage, other = match
        taken.add(id(other))
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
    near_pairs = {(m.key, m.part) for _, m in near}
    everywhere = {(m.key, m.part) for p in index.passages for m in p.facts.sides}
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
    # "As needed" qualifies a schedule rather than replacing one ("daily as needed"): it is
    # compared only with itself.
    near = [(p, m) for p in support for m in p.facts.frequencies if m.key != _PRN]
    everywhere = {m.key for p in index.passages for m in p.facts.frequencies}
    for frequency in facts.frequencies:
        if frequency.key in everywhere:
            continue
        text = facts.text[frequency.start : frequency.end]
        if near and frequency.key != _PRN:
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
    flipped: list[int] = []
    stem = ""
    for number, token in enumerate(facts.tokens):
        if token.kind != "word" or not token.content or token.asked:
            continue
        if "trigger" in token.tags:
            continue
        given = alignment.resolved.get(token.stem, "")
        # Only items that say it of the same thing count: "Denies chest pain" says nothing
        # about the "pain" of "right knee pain".
        near = _neighbours(facts, number, alignment)
        stated = {
            polarity
            for passage in alignment.passages
            if not near or near & passage.facts.stems
            for polarity in passage.facts.polarity.get(given, ())
        }
        if stated and (not token.negated) not in stated:
            flipped.append(number)
            stem = stem or given
    if not flipped:
        return
    # Report the first run of flipped words ("chest pain"), not the span of the whole clause.
    run = [flipped[0]]
    for number in flipped[1:]:
        if number - run[-1] > 2:
            break
        run.append(number)
    first, last = facts.tokens[run[0]], facts.tokens[run[-1]]
    said, other = ("negates", "states it") if first.negated else ("asserts", "negates it")
    evidence = next(_where(alignment.passages, stem), None)
    yield Problem(
        _CONTRA, _MAJOR,
        f'The draft {said} "{facts.text[first.start : last.end]}" where the input {other}.',
        (first.start, last.end),
        (evidence[0].span(evidence[1], evidence[2]),) if evidence else (),
    )  # fmt: skip


def _neighbours(facts: TextFacts, number: int, alignment: Alignment) -> set[str]:
    """Return the input stems of the content words right before and after token ``number``."""
    found: set[str] = set()
    for step in (-1, 1):
        index = number + step
        while 0 <= index < len(facts.tokens):
            token = facts.tokens[index]
            if token.kind == "punct" and token.text in ".;:":
                break
            if token.kind == "word" and token.content and "trigger" not in token.tags:
                if token.stem in alignment.resolved:
                    found.add(alignment.resolved[token.stem])
                break
            index += step
    return found


def _where(passages: list[InputPassage], stem: str) -> Iterator[tuple[InputPassage, int, int]]:
    for passage in passages:
        for token in passage.facts.tokens:
            if token.stem == stem:
                yield passage, 0, len(passage.facts.text)
                break
