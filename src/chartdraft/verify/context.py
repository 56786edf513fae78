"""ConText: mark each token negated, hedged or about someone/some time else.

The algorithm of Harkema et al. (2009) as medSpaCy implements it: a trigger phrase ("denies",
"no", "possible", "rule out", "history of") opens a scope that runs forward or backward to
the end of the clause, or to a terminating word ("but", "reports"). Triggers come from
medSpaCy's published rules plus the practice-independent hedges of ``clinical_terms.toml``.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from chartdraft.verify.lexicon import Lexicon
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
# British and shorthand negations medSpaCy's rules lack ("Nil regular medication").
_OWN_NEGATIONS = ("nil",)
_POSSIBLE = "POSSIBLE_EXISTENCE"
# Only negation and uncertainty change what a statement asserts; "history of", "family history
# of" and "if" qualify a finding without flipping it, and both sides keep them alike.
_MODIFIERS = frozenset({_NEGATED, _POSSIBLE})


@dataclass(frozen=True)
class _Rule:
    category: str
    direction: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class _RuleBook:
    by_first_word: dict[str, tuple[_Rule, ...]]
    by_stem: dict[str, _Rule]
    forward_stops: frozenset[str]
    backward_stops: frozenset[str]


def apply_context(tokens: list[Token], text: str, lexicon: Lexicon) -> int:
    """Mark ``tokens`` in place; return how many hedge triggers the text holds."""
    book = _rule_book(lexicon)
    return sum(_apply_clause(clause, book) for clause in _clauses(tokens, text))


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
            if token.text == "?":
                # A question asserts nothing ("any chest pain?"): its words are nobody's finding.
                for asked in clause:
                    asked.asked = True
            if clause:
                yield clause
            clause = []
            continue
        clause.append(token)
    if clause:
        yield clause


def _apply_clause(clause: list[Token], book: _RuleBook) -> int:
    found = list(_triggers_in(clause, book))
    ahead = [i for i, t in enumerate(clause) if t.stem in book.forward_stops]
    behind = [i for i, t in enumerate(clause) if t.stem in book.backward_stops]
    hedges = 0
    for start, end, rule in found:
        if rule.direction in {"TERMINATE", "PSEUDO"} or rule.category not in _MODIFIERS:
            continue
        hedges += rule.category == _POSSIBLE
        if rule.direction in {"FORWARD", "BIDIRECTIONAL"}:
            # A hedge reaches the next few words, whatever they assert ("may have had X");
            # a stop word right after a negation is its object ("not reporting X").
            stops = ahead if rule.category == _NEGATED else behind
            stop = min((s for s in stops if s > end), default=len(clause))
            ends = (s for s, _, r in found if s >= end and _terminates(r, rule.category))
            stop = min([stop, *ends])
            if rule.category == _POSSIBLE:
                stop = _reach(clause, end, stop)
            _mark(clause[end:stop], rule.category)
        if rule.direction in {"BACKWARD", "BIDIRECTIONAL"}:
            begin = max((s + 1 for s in behind if s < start), default=0)
            _mark(clause[begin:start], rule.category)
    return hedges


def _terminates(rule: _Rule, category: str) -> bool:
    # medSpaCy's terminating phrases end scopes of their own category only.
    return rule.direction == "TERMINATE" and rule.category == category


def _reach(clause: list[Token], start: int, stop: int) -> int:
    """Return where a hedge's scope ends: after ``_HEDGE_REACH`` content words at most."""
    seen = 0
    for index in range(start, stop):
        seen += clause[index].content
        if seen == _HEDGE_REACH:
            return index + 1
    return stop


def _triggers_in(clause: list[Token], book: _RuleBook) -> Iterator[tuple[int, int, _Rule]]:
    index = 0
    while index < len(clause):
        rule = _longest_at(clause, index, book)
        if rule is None:
            index += 1
            continue
        end = index + len(rule.words)
        if rule.category in _MODIFIERS and rule.direction not in {"TERMINATE", "PSEUDO"}:
            # Negation and hedge words carry polarity, not content ("denies" = "no").
            for token in clause[index:end]:
                token.tag("trigger")
        yield index, end, rule
        index = end


def _longest_at(clause: list[Token], index: int, book: _RuleBook) -> _Rule | None:
    token = clause[index]
    for rule in book.by_first_word.get(token.text, ()):
        end = index + len(rule.words)
        if end <= len(clause) and all(
            clause[index + k].text == part for k, part in enumerate(rule.words)
        ):
            return rule
    # A one-word trigger also matches its inflections: "deny" catches "denies" and "denied".
    return book.by_stem.get(token.stem)


def _mark(scope: list[Token], category: str) -> None:
    for token in scope:
        if "trigger" in token.tags:
            continue
        if category == _NEGATED:
            token.negated = True
        elif category == _POSSIBLE:
            token.hedged = True


@cache
def _rule_book(lexicon: Lexicon) -> _RuleBook:
    rules = [_Rule(t.category, t.direction, t.words) for t in lexicon.triggers if t.words]
    rules += [_Rule(_POSSIBLE, "FORWARD", h) for h in lexicon.hedges if h]
    rules += [_Rule(_NEGATED, "FORWARD", (w,)) for w in _OWN_NEGATIONS]
    # medSpaCy's own terminating phrases act per category (``_terminates``); these end any scope.
    terminators = {stem(w) for w in _CONJUNCTIONS}
    by_first: dict[str, list[_Rule]] = {}
    by_stem: dict[str, _Rule] = {}
    seen: set[tuple[str, ...]] = set()
    for rule in rules:
        if rule.words in seen:
            continue
        seen.add(rule.words)
        by_first.setdefault(rule.words[0], []).append(rule)
        if len(rule.words) == 1:
            by_stem.setdefault(stem(rule.words[0]), rule)
    return _RuleBook(
        by_first_word={
            k: tuple(sorted(v, key=lambda r: -len(r.words))) for k, v in by_first.items()
        },
        by_stem=by_stem,
        forward_stops=frozenset(terminators | {stem(w) for w in _ASSERTING}),
        backward_stops=frozenset(terminators),
    )
