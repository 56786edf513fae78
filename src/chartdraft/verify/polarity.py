"""Negation flipped: the draft asserts what the input negates, or the other way round.

Each content word of the statement is compared with the same word in its support, but only
in input items that say it of the same thing: an item sharing a neighbouring word ("chest" of
"chest pain"), or one the statement wholly restates ("No fever." inside "Fever and cough").
Places and ways of looking ("knee", "exam") carry no polarity of their own and are compared
only when the statement has nothing else to compare.
"""

from collections.abc import Iterator

from chartdraft.domain.findings import FindingKind, Severity
from chartdraft.verify.align import Alignment, InputPassage
from chartdraft.verify.facts import TextFacts
from chartdraft.verify.lexicon import Lexicon
from chartdraft.verify.problems import Problem
from chartdraft.verify.words import Token

_NO_POLARITY = frozenset(
    """
    exam exams examination examined show shows showed shown reveal reveals revealed
    demonstrate demonstrates demonstrated evidence sign signs symptom symptoms finding findings
    history complaint complaints problem problems issue issues medication medications results
    result test tests side sided
    """.split()
)
_RUN_GAP = 2


def polarity_problems(
    facts: TextFacts, alignment: Alignment, lexicon: Lexicon
) -> Iterator[Problem]:
    """Yield one problem for the first run of words whose polarity the support contradicts."""
    words = [
        (n, t)
        for n, t in enumerate(facts.tokens)
        if t.kind == "word" and t.content and not t.asked and "trigger" not in t.tags
    ]
    findings = [(n, t) for n, t in words if not _without_polarity(t, lexicon)]
    flipped = _flipped(facts, findings or words, alignment)
    if not flipped:
        return
    # Report the first run of flipped words ("chest pain"), not the span of the whole clause.
    run = [flipped[0]]
    for number in flipped[1:]:
        if number - run[-1] > _RUN_GAP:
            break
        run.append(number)
    first, last = facts.tokens[run[0]], facts.tokens[run[-1]]
    said, other = ("negates", "states it") if first.negated else ("asserts", "negates it")
    stem = alignment.resolved.get(first.stem, "")
    evidence = next((p for p in alignment.passages if stem in p.facts.stems), None)
    yield Problem(
        FindingKind.CONTRADICTION,
        Severity.MAJOR,
        f'The draft {said} "{facts.text[first.start : last.end]}" where the input {other}.',
        (first.start, last.end),
        (evidence.passage.span,) if evidence else (),
    )


def _flipped(facts: TextFacts, words: list[tuple[int, Token]], alignment: Alignment) -> list[int]:
    restated = set(alignment.resolved.values())
    flipped = []
    for number, token in words:
        given = alignment.resolved.get(token.stem, "")
        near = _neighbours(facts, number, alignment)
        stated = {
            polarity
            for passage in alignment.passages
            if _same_thing(passage, near, restated)
            for polarity in passage.facts.polarity.get(given, ())
        }
        if stated and (not token.negated) not in stated:
            flipped.append(number)
    return flipped


def _same_thing(passage: InputPassage, near: set[str], restated: set[str]) -> bool:
    # "Denies chest pain" says nothing about the "pain" of "right knee pain"; "No fever." is
    # wholly about the fever of "Fever and cough".
    return not near or bool(near & passage.facts.stems) or passage.facts.stems <= restated


def _without_polarity(token: Token, lexicon: Lexicon) -> bool:
    return token.text in _NO_POLARITY or token.text in lexicon.body_parts


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
