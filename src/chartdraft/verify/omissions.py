"""Omissions: input the draft lost. Every input item must land somewhere in the draft.

An item is lost when no one or two statements carry most of its content (weighted by rarity),
or when a number or drug it gives appears nowhere in the draft.
"""

import heapq
from dataclasses import dataclass

from chartdraft.domain.findings import Finding, FindingKind
from chartdraft.domain.visit import SourceSpan
from chartdraft.verify.align import InputIndex, InputPassage, telling
from chartdraft.verify.facts import TextFacts
from chartdraft.verify.grounding import JUDGEMENT
from chartdraft.verify.problems import CHECK_NAME, severity_of, shown

_CARRIED = 0.5
"""Share of an item's content that the draft must carry for the item to count as kept."""
_BEST_OF = 2
_COMMON = 200


@dataclass
class DraftContent:
    """What the whole draft says, in the input's stems, for looking up each input item."""

    postings: dict[str, list[int]]
    stems: list[set[str]]
    """Each statement's content, in the input's stems."""
    values: set[str]
    drugs: set[str]


def draft_content(statements: list[TextFacts], index: InputIndex) -> DraftContent:
    """Return the draft's content, each stem resolved to the input stem it matches."""
    postings: dict[str, list[int]] = {}
    stems: list[set[str]] = []
    for number, facts in enumerate(statements):
        resolved = {index.resolve(stem) or stem for stem in facts.stems}
        stems.append(resolved)
        for stem in resolved:
            postings.setdefault(stem, []).append(number)
    return DraftContent(
        postings=postings,
        stems=stems,
        values={q.value for facts in statements for q in facts.quantities},
        drugs={d.key for facts in statements for d in facts.drugs},
    )


def omissions(
    index: InputIndex, draft: DraftContent, contradicted: tuple[SourceSpan, ...] = ()
) -> list[Finding]:
    """Return one finding for each input item the draft does not carry.

    A value the draft changed is already a contradiction (``contradicted`` holds the input it
    contradicts); it is not reported a second time as lost.
    """
    found = []
    for passage in index.passages:
        finding = _lost(passage, index, draft, contradicted)
        if finding is not None:
            found.append(finding)
    return found


def _lost(
    passage: InputPassage,
    index: InputIndex,
    draft: DraftContent,
    contradicted: tuple[SourceSpan, ...],
) -> Finding | None:
    facts = passage.facts
    if not facts.stems:
        return None
    values = [
        q
        for q in facts.quantities
        if q.value not in draft.values
        and not any(span.contains(passage.span(q.start, q.end)) for span in contradicted)
    ]
    drugs = [d for d in facts.drugs if d.key not in draft.drugs]
    carried = _carried(facts, index, draft)
    if not values and not drugs and carried >= _CARRIED:
        return None
    text = index.visit.text_of(passage.passage.span)
    details = [facts.text[q.start : q.end] for q in values] + [
        facts.text[d.start : d.end] for d in drugs
    ]
    if details:
        lost = ", ".join(f'"{d}"' for d in dict.fromkeys(details))
        message = f'The draft lost {lost} from the input "{shown(text)}".'
    else:
        message = f'Nothing in the draft carries the input "{shown(text)}".'
    negative = any(t.negated for t in facts.tokens if t.content)
    major = bool(details) or negative or passage.passage.section in JUDGEMENT
    return Finding(
        kind=FindingKind.OMISSION,
        severity=severity_of(major),
        section=passage.passage.section,
        message=message,
        spans=(passage.passage.span,),
        raised_by=CHECK_NAME,
        input_text=text,
    )


def _carried(facts: TextFacts, index: InputIndex, draft: DraftContent) -> float:
    weights = {s: index.weight(s) for s in facts.stems}
    total = sum(weights.values())
    scores: dict[int, float] = {}
    for stem in telling(weights, draft.postings):
        for number in draft.postings.get(stem, ())[:_COMMON]:
            scores[number] = scores.get(number, 0.0) + weights[stem]
    best = heapq.nlargest(_BEST_OF, scores, key=lambda n: (scores[n], -n))
    said = set().union(*(draft.stems[n] for n in best)) if best else set()
    return sum(w for s, w in weights.items() if s in said) / total if total else 1.0
