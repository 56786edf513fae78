"""People's names in clinical text, without a statistical model.

A word is a name when a cue says so ("Mr.", "Dr.", "her daughter", "I spoke with"), when it is
on the census name lists and English does not use it as a common word ("Martha", "Nguyen"),
when a name-list word stands capitalised alone mid-sentence ("therapy with Clark twice") or
beside another name ("Jimmy Parker", "Gellespie, Barry"), or when a person's verb follows it
("Kelly reports"). A capitalised word mid-sentence that no word list knows ("Xiomara") is taken
as a name too: a missed name goes to the cloud, a masked word costs little. Eponyms stay
clinical ("Bell's palsy", "Foley catheter") unless a cue makes them a person ("Mr. Graves").
"""

import re
from collections.abc import Iterator

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from chartdraft.domain.phi import PhiType
from chartdraft.privacy.name_cues import (
    FUNCTION_WORDS,
    MEDICATION_CONTEXT,
    NOT_AFTER_CUE,
    RELATIONS,
    TITLES,
    Token,
    cue_before,
    eponym_use,
    joined,
    tokens,
    verb_after,
)
from chartdraft.privacy.name_lexicon import NameLexicon
from chartdraft.privacy.nlp import LANGUAGE

CUED = 0.95
KNOWN = 0.85
GUESSED = 0.6


class NameRecognizer(EntityRecognizer):
    """Presidio recognizer of patients', relatives' and clinicians' names."""

    def __init__(self, lexicon: NameLexicon) -> None:
        self.lexicon = lexicon
        super().__init__(
            supported_entities=[PhiType.NAME.value],
            name="ClinicalNameRecognizer",
            supported_language=LANGUAGE,
        )

    def load(self) -> None:
        """Nothing to load: the lexicon is given."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Return a result for each run of name words."""
        return [
            RecognizerResult(PhiType.NAME.value, start, end, score)
            for start, end, score in self.find(text)
        ]

    def find(self, text: str) -> Iterator[tuple[int, int, float]]:
        """Yield ``(start, end, score)`` for each name, neighbouring name words joined."""
        words = tokens(text)
        scores = [self._score(text, words, i) for i in range(len(words))]
        self._extend_to_neighbours(text, words, scores)
        run: list[int] = []
        for i, score in enumerate(scores):
            if score and run and joined(text, words[run[-1]], words[i]):
                run.append(i)
                continue
            if run:
                yield _span(words, run, scores)
            run = [i] if score else []
        if run:
            yield _span(words, run, scores)

    def _score(self, text: str, words: list[Token], i: int) -> float:
        token, lex = words[i], self.lexicon
        after_title = i > 0 and words[i - 1].key in TITLES  # "Dr. Pastor"
        if token.key in FUNCTION_WORDS or (_never_a_name(token) and not after_title):
            return 0.0
        if cue_before(text, words, i):
            return self._cued_score(token, after_title)
        if not token.capital or _acronym(token.word) or len(token.key) < 2:
            # "SMITH, JOHN" in a header: capitals, but a first name all the same.
            return KNOWN if _shouted_first_name(token, lex) else 0.0
        if token.key in lex.not_names or eponym_use(text, token):
            return 0.0
        if lex.is_name(token.key):
            return KNOWN if self._listed_name(text, words, i) else 0.0
        return self._unknown_word_score(text, words, i)

    def _cued_score(self, token: Token, after_title: bool) -> float:
        lex = self.lexicon
        if token.capital:
            return CUED if lex.is_name(token.key) or not lex.is_english(token.key) else 0.0
        if token.key in NOT_AFTER_CUE:
            return 0.0
        # "hi martha", "mrs smith", "dr. brown": dictation is often in lower case; after a
        # title even a name that is also a word ("brown") is the name.
        listed = lex.is_name(token.key) and (after_title or not lex.is_ambiguous(token.key))
        return CUED if listed else 0.0

    def _listed_name(self, text: str, words: list[Token], i: int) -> bool:
        token = words[i]
        if not self.lexicon.is_ambiguous(token.key):
            return True
        if token.sentence_start:
            return verb_after(text, words, i)
        return _alone(text, words, i)

    def _unknown_word_score(self, text: str, words: list[Token], i: int) -> float:
        token, lex = words[i], self.lexicon
        if lex.is_english(token.key) or token.key in lex.proper_nouns or len(token.key) < 3:
            return 0.0
        if i and words[i - 1].key in MEDICATION_CONTEXT:
            return 0.0  # "receiving Lupron", "switched to Wixela": a brand, not a person
        if token.sentence_start:
            return GUESSED if verb_after(text, words, i) else 0.0  # "Kargas was counseled"
        # A word no list knows, capitalised mid-sentence, is most likely someone's name.
        return GUESSED

    def _extend_to_neighbours(self, text: str, words: list[Token], scores: list[float]) -> None:
        # "Rose Nguyen", "Jimmy Parker", "Gellespie, Barry": name-list words beside a name.
        lex = self.lexicon
        for _ in range(2):
            for i, token in enumerate(words):
                if (
                    scores[i]
                    or not token.capital
                    or _never_a_name(token)
                    or eponym_use(text, token)
                ):
                    continue
                if len(token.word) == 1:  # a middle initial between two name words
                    inside = 0 < i < len(words) - 1 and scores[i - 1] and scores[i + 1]
                    scores[i] = KNOWN if inside else 0.0
                elif _name_like(token, text, lex) and _beside_a_name(text, words, scores, i, lex):
                    scores[i] = KNOWN


def _name_like(token: Token, text: str, lex: NameLexicon) -> bool:
    # On a name list, or a word no list knows ("Ngozi" beside "Okonkwo"); never a heading
    # ("Name: John Smith Age: 92") and never a clinical word.
    if text[token.end : token.end + 1] == ":":
        return False
    if _acronym(token.word) and not (token.word.isupper() and lex.is_name(token.key)):
        return False
    unknown = not lex.is_english(token.key) and token.key not in lex.proper_nouns
    return lex.is_name(token.key) or (unknown and token.key not in lex.not_names)


def _beside_a_name(
    text: str, words: list[Token], scores: list[float], i: int, lex: NameLexicon
) -> bool:
    # A clinical word ("Graves") joins only a name already found, not any first name.
    loose = words[i].key not in lex.not_names
    if i > 0 and (scores[i - 1] or (loose and _first_name(words[i - 1], lex))):
        gap = text[words[i - 1].end : words[i].start]
        if gap in {" ", "-", ", "} and (scores[i - 1] or words[i - 1].capital):
            return True
    if i + 1 >= len(words) or not scores[i + 1]:
        return False
    after = words[i + 1]
    # "Smith, John": a surname written first, before a comma and a first name.
    surname_first = text[words[i].end : after.start] == ", " and after.key in lex.first_names
    return surname_first or joined(text, words[i], after)


def _first_name(token: Token, lex: NameLexicon) -> bool:
    # "Jimmy Parker": a capitalised first name before a capitalised surname is a full name.
    return token.capital and token.key in lex.first_names and token.key not in lex.not_names


def _alone(text: str, words: list[Token], i: int) -> bool:
    # Capitalised on its own mid-sentence ("therapy with Clark twice"), not in a Title Case
    # heading ("Physical Therapy Clinic") where every word is capitalised.
    before = words[i - 1] if i else None
    after = words[i + 1] if i + 1 < len(words) else None
    titled_before = (
        before is not None and before.capital and text[before.end : words[i].start] == " "
    )
    titled_after = after is not None and after.capital and text[words[i].end : after.start] == " "
    return not titled_before and not titled_after


def _never_a_name(token: Token) -> bool:
    return token.key in FUNCTION_WORDS or token.key in TITLES or token.key in RELATIONS


_NAME_CAPITALS = re.compile(r"^(?:Mc|Mac|O'|D'|De|Di|Da|La|Le|Van|Von|St)[A-Z]")


def _shouted_first_name(token: Token, lex: NameLexicon) -> bool:
    return (
        token.word.isupper()
        and len(token.key) >= 3
        and token.key in lex.first_names
        and not lex.is_ambiguous(token.key)
    )


def _acronym(word: str) -> bool:
    # "COPD", "PVCs", "IgA" are abbreviations; "McDonald", "DeShawn", "O'Brien", "Mary-Ann"
    # are names: each hyphenated part is judged on its own.
    return any(_acronym_part(part) for part in word.split("-") if part)


def _acronym_part(word: str) -> bool:
    capitals = sum(1 for ch in word if ch.isupper())
    return capitals >= 2 and not _NAME_CAPITALS.match(word)


def _span(words: list[Token], run: list[int], scores: list[float]) -> tuple[int, int, float]:
    return words[run[0]].start, words[run[-1]].end, max(scores[i] for i in run)
