"""Numbers: each value the statement gives must be the value its support gives for that thing.

A number is matched by value and unit, and by what it is said about: the label or drug before
it ("BP", "lisinopril") or the words around it ("34-year-old", "2 children"). A value found
nowhere is unsupported; one whose counterpart in the support differs is a contradiction.
"""

from collections.abc import Iterator
from dataclasses import replace

from chartdraft.domain.findings import FindingKind, Severity
from chartdraft.verify.align import Alignment, InputIndex, InputPassage
from chartdraft.verify.facts import Quantity, TextFacts
from chartdraft.verify.problems import Problem

_CONTRA = FindingKind.CONTRADICTION
_UNSUPPORTED = FindingKind.UNSUPPORTED_STATEMENT
_MAJOR = Severity.MAJOR
_RESTATES = 0.6
"""Support coverage above which the statement restates its support item by item."""


def _written(q: Quantity) -> str:
    return f"{q.value} {q.unit}" if q.unit else q.value


def _same(
    a: Quantity, b: Quantity, drugs: frozenset[str] = frozenset(), *, strict: bool = False
) -> bool:
    """Return True when ``a`` and ``b`` state the same value of the same thing."""
    if a.value != b.value:
        return False
    if a.unit and b.unit:
        # "metformin 20 mg" is not "lisinopril 20 mg"; "49 years" is "49 years" whatever
        # word comes before it.
        return a.unit == b.unit and not (
            a.anchor in drugs and b.anchor in drugs and a.anchor != b.anchor
        )
    if not strict and not a.unit and not b.unit:
        return True  # the same bare number in the item restated: "pulse 78" for "HR 78"
    # "HR 98" is not "SpO2 98%": a bare number matches only a value of the same label.
    if a.anchor and b.anchor and a.anchor != b.anchor:
        return False
    if not strict:
        return True
    # Elsewhere in the input, a bare number must be said about the same words ("2 children").
    same_label = a.anchor is not None and a.anchor == b.anchor
    bare = not (a.unit or a.anchor or a.context or b.unit or b.anchor or b.context)
    return a.unit == b.unit and (same_label or bare or bool(a.context & b.context))


def _counterpart(
    q: Quantity,
    found: list[tuple[InputPassage, Quantity]],
    drugs: set[str],
    taken: set[int],
    *,
    restates: bool,
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
    # Otherwise, when the statement restates its support, the first number there that the
    # statement does not repeat.
    plain = [(p, o) for p, o in free if not q.unit or not o.unit or o.unit == q.unit]
    if restates and plain and not q.measure and not plain[0][1].measure:
        return plain[0]
    return None


def quantity_problems(
    facts: TextFacts, alignment: Alignment, index: InputIndex
) -> Iterator[Problem]:
    """Yield a problem for each number of the statement that its support does not give."""
    near = [(p, q) for p in alignment.passages for q in p.facts.quantities]
    restates = alignment.coverage >= _RESTATES
    new_drugs = {d.key for d in facts.drugs} - index.drugs
    drugs = frozenset(index.drugs | {d.key for d in facts.drugs})
    taken = _repeated(facts, near, drugs)
    for q in facts.quantities:
        if q.anchor in new_drugs:
            # The dose of a drug the input never names: the drug is the finding, not its dose.
            q = replace(q, anchor=None)  # noqa: PLW2901
        if _given(q, near, index.quantities, taken, drugs):
            continue
        labelled = [(p, o) for p, o in index.quantities if q.anchor and o.anchor == q.anchor]
        match = _counterpart(q, near + labelled, index.drugs, taken, restates=restates)
        if match is None:
            yield Problem(
                _UNSUPPORTED, _MAJOR, f"The draft gives {_written(q)}, which is not in the input.",
                (q.start, q.end),
            )  # fmt: skip
            continue
        passage, other = match
        taken.add(id(other))
        what = "value" if other.value != q.value else "unit" if other.unit != q.unit else "label"
        yield Problem(
            _CONTRA, _MAJOR,
            f"The draft gives {_written(q)} where the input gives {_written(other)} "
            f"(the {what} changed).",
            (q.start, q.end), (passage.span(other.start, other.end),),
        )  # fmt: skip


def _repeated(
    facts: TextFacts, near: list[tuple[InputPassage, Quantity]], drugs: frozenset[str]
) -> set[int]:
    """Return the support's values the statement repeats: they are no counterpart of a change."""
    taken: set[int] = set()
    for q in facts.quantities:
        repeated = next((o for _, o in near if id(o) not in taken and _same(q, o, drugs)), None)
        if repeated is not None:
            taken.add(id(repeated))
    return taken


def _given(
    q: Quantity,
    near: list[tuple[InputPassage, Quantity]],
    everywhere: list[tuple[InputPassage, Quantity]],
    taken: set[int],
    drugs: frozenset[str],
) -> bool:
    if any(_same(q, o, drugs) for _, o in near):
        return True
    # The item the statement restates gives this label or drug another value: changed, even
    # if the old value appears elsewhere ("lisinopril 20 mg, increase to 40 mg").
    relabelled = any(q.anchor and o.anchor == q.anchor and id(o) not in taken for _, o in near)
    return not relabelled and any(_same(q, o, drugs, strict=True) for _, o in everywhere)
