"""Content with no support, and the model practising medicine in the assessment and plan.

A word of the draft found nowhere in the input is unsupported; a drug, test, body part or
diagnosis is always serious, other words only when several of them make up the statement.
In the assessment and plan, a diagnosis, order or referral the clinician's own assessment/plan
input does not contain is a scope violation, even when the words appear elsewhere in the
input ("history of asthma" is not "Assessment: asthma exacerbation").
"""

from chartdraft.domain.findings import FindingKind, Severity
from chartdraft.domain.sections import SectionName
from chartdraft.verify.align import Alignment, InputIndex
from chartdraft.verify.facts import TextFacts
from chartdraft.verify.lexicon import Lexicon
from chartdraft.verify.problems import Problem
from chartdraft.verify.words import Token

JUDGEMENT = frozenset({SectionName.ASSESSMENT, SectionName.PLAN})
_SERIOUS = frozenset({"drug", "test", "body part", "diagnosis"})
_RESTATES = 0.6
"""Coverage by the clinician's assessment/plan above which a statement restates one of its items."""
_MINOR_SHARE = 0.4
_MIN_SUFFIX_WORD = 6


def category(token: Token, lexicon: Lexicon) -> str | None:
    """Return what clinical kind of word ``token`` is, if any."""
    if "drug" in token.tags:
        return "drug"
    text = token.text
    if text in lexicon.tests:
        return "test"
    if text in lexicon.body_parts or token.stem in lexicon.body_parts:
        return "body part"
    if text in lexicon.diagnosis_words or (
        len(text) >= _MIN_SUFFIX_WORD
        and text.endswith(lexicon.diagnosis_suffixes)
        and text not in lexicon.suffix_exceptions
    ):
        return "diagnosis"
    if text in lexicon.plan_verbs:
        return "plan"
    return None


def _words(tokens: list[Token]) -> list[Token]:
    return [
        t for t in tokens if t.kind == "word" and t.content and not t.tags & {"trigger", "unit"}
    ]


def _quoted(facts: TextFacts, tokens: list[Token]) -> str:
    names = dict.fromkeys(facts.text[t.start : t.end] for t in tokens)
    return ", ".join(f'"{n}"' for n in names)


def _span(tokens: list[Token]) -> tuple[int, int]:
    return min(t.start for t in tokens), max(t.end for t in tokens)


def unsupported_content(
    facts: TextFacts, alignment: Alignment, index: InputIndex, section: SectionName
) -> list[Problem]:
    """Return a problem for words of the statement the input never gave."""
    if section in JUDGEMENT:
        scope = _scope_problem(facts, alignment, index)
        if scope is not None:
            return [scope]
    missing = [t for t in _words(facts.tokens) if t.stem in alignment.missing]
    serious = [t for t in missing if category(t, index.lexicon) in _SERIOUS]
    if serious:
        kinds = sorted({str(category(t, index.lexicon)) for t in serious})
        return [
            Problem(
                FindingKind.UNSUPPORTED_STATEMENT,
                Severity.MAJOR,
                f"The input does not mention {_quoted(facts, serious)} ({', '.join(kinds)}).",
                _span(serious),
            )
        ]
    return _minor_words(facts, missing, index)


def _minor_words(facts: TextFacts, missing: list[Token], index: InputIndex) -> list[Problem]:
    stems = {t.stem for t in missing}
    total = sum(index.weight(s) for s in facts.stems) or 1.0
    share = sum(index.weight(s) for s in stems) / total
    if len(stems) < 2 or share < _MINOR_SHARE:
        return []
    return [
        Problem(
            FindingKind.UNSUPPORTED_STATEMENT,
            Severity.MINOR,
            f"These words are not in the input: {_quoted(facts, missing)}.",
            _span(missing),
        )
    ]


def _scope_problem(facts: TextFacts, alignment: Alignment, index: InputIndex) -> Problem | None:
    own = index.judgement_stems
    words = _words(facts.tokens)
    new = [t for t in words if alignment.resolved.get(t.stem) not in own]
    if not new:
        return None
    lexicon = index.lexicon
    items = [t for t in new if category(t, lexicon) in _SERIOUS]
    ordering = any(category(t, lexicon) == "plan" for t in words)
    total = sum(index.weight(s) for s in facts.stems) or 1.0
    new_share = sum(index.weight(t.stem) for t in new) / total
    if not items and ordering and new_share >= 0.5:
        items = [t for t in new if category(t, lexicon) != "plan"]
    if not items:
        return None
    within = index.align(facts, within=JUDGEMENT)
    if within.coverage >= _RESTATES and all(t.stem in alignment.missing for t in items):
        return None  # an existing item with a changed word: reported as unsupported below
    return Problem(
        FindingKind.SCOPE_VIOLATION,
        Severity.MAJOR,
        f"The draft adds {_quoted(facts, items)} to the assessment or plan; the clinician's "
        "own assessment and plan do not contain it.",
        _span(items),
    )
