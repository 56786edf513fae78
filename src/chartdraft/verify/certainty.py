"""Unsafe certainty: the draft states flatly what the clinician only suspected."""

from chartdraft.domain.findings import FindingKind
from chartdraft.verify.align import Alignment
from chartdraft.verify.facts import TextFacts
from chartdraft.verify.grounding import category
from chartdraft.verify.lexicon import Lexicon
from chartdraft.verify.problems import Problem, severity_of


def certainty_problems(facts: TextFacts, alignment: Alignment, lexicon: Lexicon) -> list[Problem]:
    """Return a problem when the input hedges what the statement asserts without any hedge."""
    # As many hedges as its input means the model kept the doubt, wherever it put it.
    if not alignment.passages or facts.hedges >= sum(p.facts.hedges for p in alignment.passages):
        return []
    firmer = []
    for token in facts.tokens:
        if not token.content or "trigger" in token.tags:
            continue
        given = alignment.resolved.get(token.stem, "")
        # Fewer hedges over its mentions than the input has: one of them was dropped.
        hedged = sum(p.facts.hedged_counts[given] for p in alignment.passages)
        if hedged > facts.hedged_counts[token.stem] and token.hedge_depth < hedged:
            firmer.append(token)
    if not firmer:
        return []
    start, end = firmer[0].start, firmer[-1].end
    hedged_input = next((p for p in alignment.passages if p.facts.hedged), alignment.passages[0])
    # Certainty about a diagnosis, or in the clinician's assessment or plan, can change care.
    diagnosis = hedged_input.judgement or any(category(t, lexicon) == "diagnosis" for t in firmer)
    return [
        Problem(
            FindingKind.UNSAFE_CERTAINTY,
            severity_of(diagnosis),
            f'The draft states "{facts.text[start:end]}" as certain; the input hedges it '
            f'("{" ".join(hedged_input.facts.text.split())[:60]}").',
            (start, end),
            (hedged_input.passage.span,),
        )
    ]
