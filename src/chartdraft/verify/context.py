"""ConText: mark each token negated, hedged or about someone/some time else.

The algorithm of Harkema et al. (2009) as medSpaCy implements it: a trigger phrase ("denies",
"no", "possible", "rule out", "history of") opens a scope that runs forward or backward to
the end of the clause, or to a terminating word ("but", "reports"). Triggers come from
medSpaCy's published rules plus the practice-independent hedges of ``clinical_terms.toml``.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from chartdraft.verify.lexicon import ContextTrigger, Lexicon
from chartdraft.verify.words import Token, stem

# Punctuation that closes a clause; commas do not ("denies fever, chills, or cough").
_BOUNDARY = frozenset(".;:!?")
# Words that start a new assertion in a clinician's list ("no fever, reports cough") and so
# end a negation's scope; medSpaCy's own terminators ("but", "however", ...) come with its rules.
_CONJUNCTIONS = ("but", "however", "although", "though", "except", "aside", "yet", "whereas")
# A forward scope also ends where the clinician starts asserting again; a backward scope does
# not ("pneumonia was ruled out" negates pneumonia across "was").
_ASSERTING = (
    "reports", "reported", "endorses", "endorsed", "complains", "presents", "notes", "admits",
    "positive", "has", "had", "is", "was", "which", "who", "still",
)  # fmt: skip
# A hedge qualifies the phrase right after it ("possible pneumonia"), not the whole clause
# ("possible pneumonia, start amoxicillin" does not hedge the amoxicillin).
_HEDGE_REACH = 4
_NEGATED = "NEGATED_EXISTENCE"
_POSSIBLE = "POSSIBLE_EXISTENCE"
_OTHER = frozenset({"HISTORICAL", "HYPOTHETICAL", "FAMILY"})


@dataclass(frozen=True)
class _Rule:
    category: str
    direction: str
    stems: tuple[str, ...]


@dataclass(frozen=True)
class _RuleBook:
    by_first_stem: dict[str, tuple[_Rule, ...]]
    forward_stops: frozenset[str]
    backward_stops: frozenset[str]


def apply_context(tokens: list[Token], text: str, lexicon: Lexicon) -> bool:
    """Mark ``tokens`` in place; return True when the text holds any hedge trigger."""
    book = _rule_book(lexicon)
    hedged_text = False
    for clause in _clauses(tokens, text):
        hedged_text |= _apply_clause(clause, book)
    return hedged_text


def _clauses(tokens: list[Token], text: str) -> Iterator[list[Token]]:
    clause: list[Token] = []
    previous_end: int | None = None
    for token in tokens:
        # A line break between items ends a clause as a full stop does.
        if previous_end is not None and "\n" in text[previous_end : token.start] and clause:
            yield clause
            clause = []
        previous_end = token.end
        if token.kind == "punct" and token.text in _BOUNDARY:
            if clause:
                yield clause
            clause = []
            continue
        clause.append(token)
    if clause:
        yield clause


def _apply_clause(clause: list[Token], book: _RuleBook) -> bool:
    found = list(_triggers_in(clause, book))
    ahead = [i for i, t in enumerate(clause) if t.stem in book.forward_stops]
    behind = [i for i, t in enumerate(clause) if t.stem in book.backward_stops]
    hedged = False
    for start, end, rule in found:
        if rule.direction in {"TERMINATE", "PSEUDO"}:
            continue
        hedged |= rule.category == _POSSIBLE
        if rule.direction in {"FORWARD", "BIDIRECTIONAL"}:
            stop = min((s for s in ahead if s >= end), default=len(clause))
            stop = min([stop, *(s for s, _, r in found if s >= end and r.direction == "TERMINATE")])
            if rule.category == _POSSIBLE:
                stop = min(stop, end + _HEDGE_REACH)
            _mark(clause[end:stop], rule.category)
        if rule.direction in {"BACKWARD", "BIDIRECTIONAL"}:
            begin = max((s + 1 for s in behind if s < start), default=0)
            _mark(clause[begin:start], rule.category)
    return hedged


def _triggers_in(clause: list[Token], book: _RuleBook) -> Iterator[tuple[int, int, _Rule]]:
    index = 0
    while index < len(clause):
        rule = _longest_at(clause, index, book)
        if rule is None:
            index += 1
            continue
        end = index + len(rule.stems)
        for token in clause[index:end]:
            token.tags.add("trigger")
        yield index, end, rule
        index = end


def _longest_at(clause: list[Token], index: int, book: _RuleBook) -> _Rule | None:
    for rule in book.by_first_stem.get(clause[index].stem, ()):
        end = index + len(rule.stems)
        if end <= len(clause) and all(
            clause[index + k].stem == part for k, part in enumerate(rule.stems)
        ):
            return rule
    return None


def _mark(scope: list[Token], category: str) -> None:
    for token in scope:
        if "trigger" in token.tags:
            continue
        if category == _NEGATED:
            token.negated = True
        elif category == _POSSIBLE:
            token.hedged = True
        elif category in _OTHER:
            token.other_subject = True


@cache
def _rule_book(lexicon: Lexicon) -> _RuleBook:
    rules = [_rule(t) for t in lexicon.triggers]
    rules += [_Rule(_POSSIBLE, "FORWARD", tuple(stem(w) for w in h)) for h in lexicon.hedges]
    terminators = {stem(w) for w in _CONJUNCTIONS}
    terminators |= {r.stems[0] for r in rules if r.direction == "TERMINATE" and len(r.stems) == 1}
    by_first: dict[str, list[_Rule]] = {}
    seen: set[tuple[str, ...]] = set()
    for rule in rules:
        if rule.stems and rule.stems not in seen:
            seen.add(rule.stems)
            by_first.setdefault(rule.stems[0], []).append(rule)
    return _RuleBook(
        by_first_stem={
            k: tuple(sorted(v, key=lambda r: -len(r.stems))) for k, v in by_first.items()
        },
        forward_stops=frozenset(terminators | {stem(w) for w in _ASSERTING}),
        backward_stops=frozenset(terminators),
    )


def _rule(trigger: ContextTrigger) -> _Rule:
    # Triggers match on stems, so the rule "deny" also catches "denies" and "denied".
    stems = tuple(stem(w) for w in trigger.words if w)
    return _Rule(trigger.category, trigger.direction, stems)
