"""What the name recognizer knows about words: people's names, English words, clinical words.

People's names are the US Census 1990 first- and last-name lists (public domain, shipped in the
``names`` package). English words are Webster's Second (public domain, in ``english-words``):
a word it lists in lower case ("brown", "rose", "will") is ambiguous and needs a cue to be a
name; one it lists only capitalised ("Martha") is a proper noun. Clinical words (drugs,
abbreviations, findings) come from the caller, so this package depends on no other.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

from english_words import get_english_words_set

_DATA = "chartdraft.privacy.data"


@dataclass(frozen=True, eq=False)  # compared by identity: built once, shared, cached against
class NameLexicon:
    """Word lists keyed in lower case for the name recognizer."""

    first_names: frozenset[str]
    last_names: frozenset[str]
    english_words: frozenset[str]
    """Words English writes in lower case: a name that is one ("Rose") needs a cue."""
    proper_nouns: frozenset[str]
    """Words English writes capitalised (names, places, nations), lower-cased."""
    not_names: frozenset[str]
    """Eponyms, calendar words and the caller's clinical vocabulary."""

    def is_name(self, word: str) -> bool:
        """Return True when ``word`` is on a first- or last-name list."""
        return word in self.first_names or word in self.last_names

    def is_ambiguous(self, word: str) -> bool:
        """Return True when ``word`` is also an English, clinical or place word ("American")."""
        place = word in self.proper_nouns and word not in self.first_names
        return place or word in self.not_names or self.is_english(word)

    def is_english(self, word: str) -> bool:
        """Return True when ``word`` or its singular is a common English word ("resources")."""
        if word in self.english_words:
            return True
        for ending, base in (("ies", "y"), ("es", ""), ("s", ""), ("ing", ""), ("ed", "")):
            if word.endswith(ending) and word[: -len(ending)] + base in self.english_words:
                return True
        return False


@cache
def _census(file: str) -> frozenset[str]:
    text = resources.files("names").joinpath(file).read_text(encoding="ascii")
    return frozenset(line.split(maxsplit=1)[0].lower() for line in text.splitlines() if line)


@cache
def _webster() -> tuple[frozenset[str], frozenset[str]]:
    words = get_english_words_set(["web2"], alpha=True)
    lower = frozenset(w for w in words if w.islower())
    proper = frozenset(w.lower() for w in words if not w.islower())
    return lower, proper


def _not_names() -> frozenset[str]:
    text = resources.files(_DATA).joinpath("not_names.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def load_name_lexicon(clinical_words: Iterable[str] = ()) -> NameLexicon:
    """Return the name lexicon, with ``clinical_words`` (lower case) counted as not names."""
    lower, proper = _webster()
    return NameLexicon(
        first_names=_census("dist.female.first") | _census("dist.male.first"),
        last_names=_census("dist.all.last"),
        english_words=lower,
        proper_nouns=proper,
        not_names=_not_names() | frozenset(w.lower() for w in clinical_words),
    )
