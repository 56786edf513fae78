"""ConText: mark each token negated, hedged or about someone/some time else.

The algorithm of Harkema et al. (2009) as medSpaCy implements it: a trigger phrase ("denies",
"no", "possible", "rule out", "history of") opens a scope that runs forward or backward to
the end of the clause, or to a terminating word ("but", "reports"). Triggers come from
medSpaCy's published rules plus the practice-independent hedges of ``clinical_terms.toml``.
"""

from bisect import bisect_right
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
_OWN_HEDGES = ("concerns for", "concerns about", "concerned for")
# Negations written after the finding ("Nausea absent", "Murphy sign negative").
_OWN_AFTER_NEGATIONS = ("absent", "negative", "neg", "not present", "not seen", "none")
_ONE_WORD_REACH = frozenset({("non",)})
_ANSWERS = frozenset({"no", "none", "negative", "neg", "denies", "denied", "absent", "nil"})
# Alternatives hedge each other: "pneumonia vs bronchitis" doubts both.
_BOTH_WAYS = frozenset({("vs",), ("versus",), ("vs.",)})
_CONDITIONS = frozenset({"if", "unless", "when", "should"})
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


def apply_context(tokens: list[Token], lexicon: Lexicon) -> int:
    """Mark ``tokens`` in place; return how many hedge triggers the text holds."""
    book = _rule_book(lexicon)
    return sum(_apply_clause(clause, book) for clause in _clauses(tokens))


def _clauses(tokens: list[Token]) -> Iterator[list[Token]]:
    # Line breaks do not end a clause: a draft reflows the clinician's wrapped lines, and both
    # sides must read the same scopes.
    clause: list[Token] = []
    for number, token in enumerate(tokens):
        # "If not improved, follow up": the condition ends at its comma.
        conditional = token.text == "," and bool(clause) and clause[0].text in _CONDITIONS
        if conditional or (
            token.kind == "punct" and token.text in _BOUNDARY and not _answers(tokens, number)
        ):
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


def _answers(tokens: list[Token], number: int) -> bool:
    # "Chest pain: no", "Dyspnea: none": the colon joins a finding to its one-word answer
    # ("Cardiovascular: no chest pain" is a heading and a finding of its own).
    if tokens[number].text != ":" or number + 1 >= len(tokens):
        return False
    after = tokens[number + 2] if number + 2 < len(tokens) else None
    alone = after is None or after.kind == "punct"
    return tokens[number + 1].text in _ANSWERS and alone


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
            stop = _forward_stop(clause, end, rule, found=found, ahead=ahead, behind=behind)
            _mark(clause[end:stop], rule.category)
        if rule.direction in {"BACKWARD", "BIDIRECTIONAL"}:
            # Looking back, a trigger qualifies the phrase just before it ("nausea absent"),
            # not a whole run-on clause.
            begin = max((s + 1 for s in behind if s < start), default=0)
            begin = _reach_back(clause, start, begin)
            _mark(clause[begin:start], rule.category)
    return hedges


def _forward_stop(
    clause: list[Token],
    end: int,
    rule: _Rule,
    *,
    found: list[tuple[int, int, _Rule]],
    ahead: list[int],
    behind: list[int],
) -> int:
    # A hedge reaches the next few words, whatever they assert ("may have had X"); a stop
    # word right after a negation is its object ("not reporting X"); "non-tender" negates
    # one word.
    if rule.words in _ONE_WORD_REACH:
        return min(len(clause), end + 2)
    stops = ahead if rule.category == _NEGATED else behind
    stop = bisect_right_value(stops, end, len(clause))
    stop = min([stop, *(s for s, _, r in found if s >= end and _terminates(r, rule.category))])
    return _reach(clause, end, stop) if rule.category == _POSSIBLE else stop


def bisect_right_value(positions: list[int], after: int, default: int) -> int:
    """Return the first of the sorted ``positions`` greater than ``after``, else ``default``."""
    found = bisect_right(positions, after)
    return positions[found] if found < len(positions) else default


def _reach_back(clause: list[Token], start: int, begin: int) -> int:
    seen = 0
    for index in range(start - 1, begin - 1, -1):
        seen += clause[index].content
        if seen == _HEDGE_REACH:
            return index
    return begin


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
    starts, stems = book.by_first_word, book.by_stem
    texts = tuple(t.text for t in clause)
    while index < len(clause):
        token = clause[index]
        # Most words start no trigger: two look-ups decide it without a call.
        if token.text not in starts and token.stem not in stems:
            index += 1
            continue
        rule = _longest_at(texts, token.stem, index, book)
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


def _longest_at(
    texts: tuple[str, ...], stem_here: str, index: int, book: _RuleBook
) -> _Rule | None:
    for rule in book.by_first_word.get(texts[index], ()):
        if texts[index : index + len(rule.words)] == rule.words:
            return rule
    # A one-word trigger also matches its inflections: "deny" catches "denies" and "denied".
    return book.by_stem.get(stem_here)


def _mark(scope: list[Token], category: str) -> None:
    for token in scope:
        if "trigger" in token.tags:
            continue
        if category == _NEGATED:
            token.negated = True
        elif category == _POSSIBLE:
            token.hedged = True
            token.hedge_depth += 1


@cache
def _rule_book(lexicon: Lexicon) -> _RuleBook:
    rules = [_Rule(t.category, t.direction, t.words) for t in lexicon.triggers if t.words]
    rules += [_Rule(_POSSIBLE, "FORWARD", h) for h in lexicon.hedges if h]
    rules += [_Rule(_NEGATED, "FORWARD", (w,)) for w in _OWN_NEGATIONS]
    rules += [_Rule(_POSSIBLE, "FORWARD", tuple(h.split())) for h in _OWN_HEDGES]
    rules += [_Rule(_NEGATED, "BACKWARD", tuple(w.split())) for w in _OWN_AFTER_NEGATIONS]
    rules += [_Rule(_NEGATED, "FORWARD", words) for words in _ONE_WORD_REACH]
    # The practice's own alternatives come first, so they win over a one-way rule.
    rules = [_Rule(_POSSIBLE, "BIDIRECTIONAL", w) for w in _BOTH_WAYS] + rules
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
