"""The words dictation is checked against: common drugs, clinical terms, the practice's own.

The lists come from the caller (the verifier's lexicon, through ``chartdraft.bootstrap``), so
this package depends on no other part of chartdraft.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, cached_property

import jellyfish
from english_words import get_english_words_set

MAX_HOTWORDS = 40
"""Whisper's prompt holds about 220 tokens; a short list biases, a long one invents names."""


def spelling_key(text: str) -> str:
    """Letters only, lower case: "Met four-in" -> "metfourin"."""
    return re.sub(r"[^a-z]", "", text.lower())


def sound_key(text: str) -> str:
    """The Metaphone code of the letters, so that "four in" and "formin" sound alike."""
    key = spelling_key(text)
    return jellyfish.metaphone(key) if key else ""


@dataclass(frozen=True)
class Term:
    """A vocabulary entry as the clinician spells it, with its matching keys."""

    text: str
    kind: str
    """``drug``, ``term`` or ``practice`` (the practice's own list)."""
    spelling: str
    sound: str


@dataclass(frozen=True, eq=False)  # compared by identity: built once per vocabulary
class Vocabulary:
    """Terms by kind; the practice's own come first in hotwords."""

    terms: tuple[Term, ...]
    drug_words: frozenset[str] = frozenset()
    """Every one-word drug name DrugBank lists, in or out of the vocabulary."""

    def knows(self, spelling: str) -> bool:
        """Return True when ``spelling`` (a spelling key) is a term or drug name already.

        Plurals count ("headaches", "migraines"): a plural of a term was heard right.
        """
        known = self._known
        return any(form in known or form in self.drug_words for form in _singulars(spelling))

    @cached_property
    def _known(self) -> frozenset[str]:
        return frozenset(self.spellings)

    @cached_property
    def spellings(self) -> tuple[str, ...]:
        """Each term's spelling key, in the order of ``terms`` (what fuzzy matching scans)."""
        return tuple(t.spelling for t in self.terms)

    @cached_property
    def sounds(self) -> tuple[str, ...]:
        """Each term's sound key, in the order of ``terms``."""
        return tuple(t.sound for t in self.terms)

    def hotwords(self) -> str:
        """The practice's own terms as a hint for the recognizer (empty when it has none)."""
        own = [t.text for t in self.terms if t.kind == "practice"]
        return ", ".join(own[:MAX_HOTWORDS])

    def with_practice_terms(self, words: Iterable[str]) -> "Vocabulary":
        """Return this vocabulary with the practice's own terms added (blank lines ignored)."""
        seen = {t.spelling for t in self.terms}
        extra = []
        for word in words:
            text = word.strip()
            key = spelling_key(text)
            if len(key) >= 3 and key not in seen:
                seen.add(key)
                extra.append(Term(text, "practice", key, sound_key(text)))
        return Vocabulary((*extra, *self.terms), self.drug_words)

    @classmethod
    def of(
        cls, drugs: Iterable[str], terms: Iterable[str], drug_words: Iterable[str]
    ) -> "Vocabulary":
        """Build the vocabulary: common drugs, clinical terms, and every known drug name."""
        drug_names = set(drugs)
        entries = [(text, "drug") for text in sorted(drug_names)]
        entries += [(text, "term") for text in sorted(set(terms) - drug_names)]
        return cls(
            tuple(Term(text, kind, spelling_key(text), sound_key(text)) for text, kind in entries),
            frozenset(drug_words),
        )


def is_english(word: str) -> bool:
    """Return True when ``word`` (lower case) or its singular is in Webster's word list."""
    words = _webster()
    return any(form in words for form in _singulars(word))


def _singulars(word: str) -> tuple[str, ...]:
    forms = [word]
    for ending, base in (("ies", "y"), ("es", ""), ("s", "")):
        if word.endswith(ending) and len(word) > len(ending) + 2:
            forms.append(word[: -len(ending)] + base)
    return tuple(forms)


@cache
def _webster() -> frozenset[str]:
    return frozenset(get_english_words_set(["web2"], lower=True, alpha=True))
