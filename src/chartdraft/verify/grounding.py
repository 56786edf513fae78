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
_SERIOUS = frozenset({"drug", "test", "body part", "diagnosis", "finding"})
_DECISIONS = frozenset({"drug", "test", "diagnosis"})
_NOT_ANATOMY = frozenset({"expanded", "route"})
_RESTATES = 0.6
"""Coverage by the clinician's assessment/plan above which a statement restates one of its items."""
_MINOR_SHARE = 0.4
_MIN_SUFFIX_WORD = 6


def category(token: Token, lexicon: Lexicon) -> str | None:
    """Return what clinical kind of word ``token`` is, if any."""
    if "drug" in token.tags:
        return "drug"
    text = token.text
    # "HR" is heart rate and "PO" by mouth: an expansion names no body part of the patient's.
    part = not token.tags & _NOT_ANATOMY and (
        text in lexicon.body_parts or text.removesuffix("s") in lexicon.body_parts
    )
    diagnosis = text in lexicon.diagnosis_words or (
        len(text) >= _MIN_SUFFIX_WORD
        and text.endswith(lexicon.diagnosis_suffixes)
        and text not in lexicon.suffix_exceptions
    )
    kinds = (
        ("test", text in lexicon.tests),
        ("body part", part),
        ("finding", text in lexicon.findings),
        ("diagnosis", diagnosis),
        ("plan", text in lexicon.plan_verbs),
    )
    return next((name for name, found in kinds if found), None)


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
    known = _known_drugs(facts, index)
    missing = [t for t in _words(facts.tokens) if t.stem in alignment.missing and t not in known]
    # A drug is compared by name, never by a near spelling (prednisone is not prednisolone).
    missing += [t for t in _new_drugs(facts, index) if t not in missing]
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


def _known_drugs(facts: TextFacts, index: InputIndex) -> list[Token]:
    # "Tylenol" for "acetaminophen": a brand of a drug the clinician gave is that drug.
    return _drug_tokens(facts, index.drugs)


def _new_drugs(facts: TextFacts, index: InputIndex) -> list[Token]:
    new = [d for d in facts.drugs if d.key not in index.drugs]
    return [t for t in facts.tokens if any(d.start <= t.start < d.end for d in new)]


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
    # A drug the clinician's own assessment or plan names, under any of its names ("Prilosec"
    # for "omeprazole"), is theirs.
    theirs = _drug_tokens(facts, index.judgement_drugs)
    words = [t for t in _words(facts.tokens) if t not in theirs]
    new = [t for t in words if alignment.resolved.get(t.stem) not in own]
    if not new:
        return None
    items = _new_items(facts, words, new, alignment, index)
    if not items or _changed_item(facts, words, items, alignment, index):
        return None
    return Problem(
        FindingKind.SCOPE_VIOLATION,
        Severity.MAJOR,
        f"The draft adds {_quoted(facts, items)} to the assessment or plan; the clinician's "
        "own assessment and plan do not contain it.",
        _span(items),
    )


def _new_items(
    facts: TextFacts, words: list[Token], new: list[Token], alignment: Alignment, index: InputIndex
) -> list[Token]:
    lexicon = index.lexicon
    # The clinician's judgement is diagnoses, drugs and tests; a symptom or a body part
    # restated in the assessment ("right knee pain") is not a new decision, but a symptom
    # given nowhere and named there is a diagnosis ("tension headache").
    items = [
        t
        for t in new
        if category(t, lexicon) in _DECISIONS
        or (category(t, lexicon) in _SERIOUS and t.stem in alignment.missing)
    ]
    ordering = any(category(t, lexicon) == "plan" for t in words)
    total = sum(index.weight(s) for s in facts.stems) or 1.0
    new_share = sum(index.weight(t.stem) for t in new) / total
    if not items and ordering and new_share >= 0.5:
        items = [t for t in new if category(t, lexicon) != "plan"]
    return items


def _changed_item(
    facts: TextFacts,
    words: list[Token],
    items: list[Token],
    alignment: Alignment,
    index: InputIndex,
) -> bool:
    """Return True when the statement is one of the clinician's items with a word changed."""
    if not all(t.stem in alignment.missing for t in items):
        return False  # words taken from elsewhere in the input: a new item, not a typo
    within = index.align(facts, within=JUDGEMENT)
    if within.coverage >= _RESTATES:
        return True
    # "Pantoprazole 20 mg daily" for "Omeprazole 20 mg daily": a drug swapped inside one of
    # the clinician's items, which holds all the rest of the statement.
    if not all("drug" in t.tags for t in items):
        return False
    rest = {alignment.resolved.get(t.stem) for t in words if t not in items}
    values = {q.value for q in facts.quantities}
    return bool(rest) and any(
        rest <= p.facts.stems and values <= {q.value for q in p.facts.quantities}
        for p in within.passages
    )


def _drug_tokens(facts: TextFacts, drugs: set[str]) -> list[Token]:
    named = [d for d in facts.drugs if d.key in drugs]
    return [t for t in facts.tokens if any(d.start <= t.start < d.end for d in named)]
