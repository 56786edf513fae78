"""Suggest the drug name or clinical term a misheard stretch of dictation most resembles.

Whisper's small models mishear drug names as everyday words ("this April" for lisinopril,
"met four in" for metformin). Each window of one to three heard words is compared with the
vocabulary by spelling and by sound (Metaphone), and a window is only considered where there is
reason to doubt it: the recognizer was unsure of a word in it, or it stands where a drug name
must (right before a dose such as "20 milligrams"). Suggestions are offered to the clinician
with the heard text; the transcript is never changed here.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from chartdraft.capture.speech.vocabulary import (
    Term,
    Vocabulary,
    is_english,
    sound_key,
    spelling_key,
)
from chartdraft.domain.transcript import HeardWord, Suggestion

UNSURE = 0.5
"""Below this word probability the recognizer doubted what it heard."""
SURE = 0.8
MAX_WINDOW = 3
BEFORE_DOSE_SCORE = 65.0
"""A drug name must stand before a dose, so a weaker resemblance is worth showing there."""
UNSURE_SCORE = 80.0
"""Elsewhere only a close resemblance of doubted words is shown."""
SURE_WORD_PENALTY = 5.0
LEFT_OUT_PENALTY = 8.0
"""A window that leaves out a doubted neighbour has probably cut the misheard stretch short."""
MIN_LETTERS = 4
MAX_ALTERNATIVES = 3

_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve fifteen twenty twenty-five "
    "thirty forty fifty sixty seventy eighty ninety hundred thousand half quarter".split()
)
_UNITS = frozenset(
    "mg milligram milligrams mcg microgram micrograms g gram grams ml milliliter milliliters "
    "millilitre millilitres unit units iu puff puffs tablet tablets capsule capsules drop drops "
    "meq percent".split()
)


@dataclass(frozen=True)
class _Match:
    first: int
    last: int
    term: Term
    score: float
    alternatives: tuple[str, ...]


def suggest(text: str, words: Sequence[HeardWord], vocabulary: Vocabulary) -> list[Suggestion]:
    """Return suggestions for ``words`` (with offsets into ``text``), best first per stretch."""
    tokens = [_token(w.text) for w in words]
    matches = [
        match
        for last in range(len(words))
        for first in range(max(0, last - MAX_WINDOW + 1), last + 1)
        if (match := _match(words, tokens, first, last, vocabulary)) is not None
    ]
    chosen: list[_Match] = []
    taken: set[int] = set()
    for match in sorted(matches, key=lambda m: -m.score):
        span = set(range(match.first, match.last + 1))
        if span.isdisjoint(taken):
            chosen.append(match)
            taken |= span
    return [_suggestion(text, words, m) for m in sorted(chosen, key=lambda m: m.first)]


def _match(
    words: Sequence[HeardWord], tokens: list[str], first: int, last: int, vocabulary: Vocabulary
) -> _Match | None:
    window = tokens[first : last + 1]
    # Digits are never part of a name; number words may be ("met four in" for metformin).
    if any(not t or t[:1].isdigit() for t in window):
        return None
    keys = [spelling_key(t) for t in window]
    heard = "".join(keys)
    # A window holding a term or drug name heard right is not a misheard one ("the metformin");
    # words that only join into one ("zep bound") are.
    if len(heard) < MIN_LETTERS or any(map(vocabulary.knows, keys)):
        return None
    before_dose = _before_dose(tokens, last)
    doubted = any(w.probability < UNSURE for w in words[first : last + 1])
    # Away from a dose, doubt alone is not enough when every word is plain English ("injure"):
    # a misheard term usually comes out as a word that is not one.
    if not (before_dose or (doubted and not all(map(is_english, keys)))):
        return None
    ranked = _ranked(heard, vocabulary)
    if not ranked:
        return None
    penalty = SURE_WORD_PENALTY * sum(w.probability >= SURE for w in words[first : last + 1])
    penalty += LEFT_OUT_PENALTY * _doubted_neighbours_left_out(words, tokens, first, last)
    best_term, best = ranked[0]
    threshold = BEFORE_DOSE_SCORE if before_dose and best_term.kind != "term" else UNSURE_SCORE
    score = best - penalty
    if score < threshold:
        return None
    alternatives = tuple(
        t.text for t, s in ranked[1 : MAX_ALTERNATIVES + 1] if s - penalty >= threshold
    )
    return _Match(first, last, best_term, round(score, 1), alternatives)


def _ranked(heard: str, vocabulary: Vocabulary) -> list[tuple[Term, float]]:
    """Vocabulary terms by resemblance to ``heard``: the mean of spelling and sound ratios."""
    terms = vocabulary.terms
    sound = sound_key(heard)
    candidates = {
        index
        for choices, query in ((vocabulary.spellings, heard), (vocabulary.sounds, sound))
        for _choice, _score, index in process.extract(
            query, choices, scorer=fuzz.ratio, limit=8, score_cutoff=50
        )
    }
    scored = [
        (
            terms[i],
            (fuzz.ratio(heard, terms[i].spelling) + fuzz.ratio(sound, terms[i].sound)) / 2,
        )
        for i in candidates
    ]
    return sorted(scored, key=lambda pair: (-pair[1], pair[0].text))


def _doubted_neighbours_left_out(
    words: Sequence[HeardWord], tokens: list[str], first: int, last: int
) -> int:
    left_out = 0
    for index in (first - 1, last + 1):
        if 0 <= index < len(words) and tokens[index] and not _is_number(tokens[index]):
            left_out += words[index].probability < UNSURE
    return left_out


def _before_dose(tokens: list[str], last: int) -> bool:
    following = tokens[last + 1 : last + 4]
    if not following or not _is_number(following[0]):
        return False
    rest = [t for t in following[1:] if not _is_number(t)]
    attached = following[0].lstrip("0123456789.,")
    return attached in _UNITS or (bool(rest) and rest[0] in _UNITS)


def _is_number(token: str) -> bool:
    return token[:1].isdigit() or token in _NUMBER_WORDS


def _token(word: str) -> str:
    return word.lower().strip(".,;:!?\"'()[]")


def _suggestion(text: str, words: Sequence[HeardWord], match: _Match) -> Suggestion:
    start = words[match.first].offset
    end = words[match.last].offset + len(words[match.last].text)
    heard = text[start:end].rstrip(".,;:!?")
    return Suggestion(
        heard=heard,
        suggestion=match.term.text,
        start=words[match.first].start,
        end=words[match.last].end,
        offset=start,
        length=len(heard),
        score=match.score,
        kind=match.term.kind,
        alternatives=match.alternatives,
    )
