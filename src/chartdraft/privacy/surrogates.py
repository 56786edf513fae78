"""Stand-ins for identifiers: realistic, consistent within a visit, never real-looking PHI.

Names come from the census name lists (a first name for a first name); digits are redrawn in the
same layout; dates move by the visit's offset; e-mail, web and IP addresses use the ranges set
aside for examples (example.org, 192.0.2.0/24, 2001:db8::/32). Every stand-in is drawn with the
visit's own random generator, so nothing links two visits.
"""

import random
import re
import string
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from chartdraft.domain.phi import PhiType
from chartdraft.privacy.dates import shift_date
from chartdraft.privacy.entities import PhiEntity
from chartdraft.privacy.invisible import visible
from chartdraft.privacy.name_lexicon import NameLexicon

_WORDS = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?")


@dataclass
class SurrogateMaker:
    """Draws the stand-ins for one visit; ``taken`` holds every text already in use."""

    lexicon: NameLexicon
    rng: random.Random
    date_shift_days: int
    taken: set[str] = field(default_factory=set)
    _words: dict[str, str] = field(default_factory=dict)
    _originals: dict[str, str] = field(default_factory=dict)
    _exact: dict[str, str] = field(default_factory=dict)
    """Each name stand-in word (lower case) to the word it replaced, as first written."""
    _first: list[str] = field(default_factory=list)
    _last: list[str] = field(default_factory=list)
    _serial: int = 0

    def __post_init__(self) -> None:
        self._first, self._last = _stand_in_pools(self.lexicon)

    def make(self, entity: PhiEntity) -> str:
        """Return a stand-in for ``entity`` that is in use nowhere else in the visit."""
        for _ in range(20):
            made = self._draw(entity)
            if made.lower() not in self.taken and made != entity.text:
                return made
        return self._placeholder(entity.type)  # a dense visit: a plain placeholder

    def _draw(self, entity: PhiEntity) -> str:
        draw = {
            PhiType.NAME: self._name,
            PhiType.DATE: self._date,
            PhiType.AGE: self._age,
            PhiType.EMAIL: self._email,
            PhiType.URL: self._url,
            PhiType.IP: self._ip,
            PhiType.LOCATION: self._location,
            PhiType.SSN: self._ssn,
        }.get(entity.type, self._redraw)
        return draw(entity.text)

    def _date(self, text: str) -> str:
        shifted = shift_date(text, self.date_shift_days)
        return shifted.text if shifted else self._placeholder(PhiType.DATE)

    def _age(self, text: str) -> str:
        return _replace_digits(text, lambda _: str(self.rng.randint(90, 99)), whole=True)

    def _email(self, _text: str) -> str:
        return f"{self._pick(self._first)}.{self._pick(self._last)}@example.org".lower()

    def _url(self, _text: str) -> str:
        return f"https://{self._pick(self._last).lower()}.example.org/"

    def _ssn(self, text: str) -> str:
        # Numbers starting with 9 are never issued as SSNs: a stand-in is nobody's number.
        redrawn = self._redraw(text)
        first = next(i for i, ch in enumerate(redrawn) if ch.isdigit())
        return redrawn[:first] + "9" + redrawn[first + 1 :]

    def _ip(self, text: str) -> str:
        # Documentation ranges (RFC 5737, RFC 3849): never anyone's real address.
        if ":" in text:
            return f"2001:db8::{self.rng.randint(1, 65535):x}"
        return f"192.0.2.{self.rng.randint(1, 254)}"

    def _name(self, text: str) -> str:
        # "S\u200bmith" and "Smi\u0301th" are Smith: the stand-in is drawn for the name as read.
        readable = unicodedata.normalize("NFC", visible(text)[0])
        return _map_words(readable, self._name_word)

    def _name_word(self, word: str) -> str:
        possessive = _POSSESSIVE.fullmatch(word)
        if possessive:  # "Mary's", "James'": the name changes, the possessive stays
            return self._name_word(possessive[1]) + possessive[2]
        key = word.casefold()
        if len(key) == 1:
            return word  # an initial carries nothing on its own
        # "O'Connor", "D'Angelo", "Da Silva": the whole word is replaced, never a part of it.
        if key not in self._words:
            pool = self._first if key in self.lexicon.first_names else self._last
            self._words[key] = self._fresh(pool)
            self._originals[self._words[key].casefold()] = word
        stand_in = _same_case(word, self._words[key])
        self._exact.setdefault(stand_in, word)
        return stand_in

    def exact_words(self) -> dict[str, str]:
        """Return each name stand-in word as written with the word it replaced as written."""
        return dict(self._exact)

    def name_words(self) -> dict[str, str]:
        """Return each name stand-in word (lower case) with the word it replaced."""
        return dict(self._originals)

    def _location(self, text: str) -> str:
        # Proper words become surnames ("St. Mary's Hospital" -> "St. Keller's Hospital"); the
        # kind of place and the state stay, since neither identifies anyone.
        redrawn = _replace_digits(text, lambda d: str(self.rng.randint(0, 9)))
        return _map_words(redrawn, self._place_word)

    def _place_word(self, word: str) -> str:
        if word in _KEEP_IN_PLACES or (word.isupper() and len(word) == 2):
            return word
        return self._name_word(word)

    def _redraw(self, text: str) -> str:
        # Same layout, new characters: "AB-12345" stays two letters, a dash and five digits.
        return "".join(self._redraw_char(c) for c in text)

    def _redraw_char(self, char: str) -> str:
        if char.isdigit():
            return str(self.rng.randint(0, 9))
        if char.isalpha():
            letters = string.ascii_uppercase if char.isupper() else string.ascii_lowercase
            return self.rng.choice(letters)
        return char

    def _fresh(self, pool: list[str]) -> str:
        for _ in range(50):
            name = self._pick(pool)
            if name.lower() not in self.taken and name.lower() not in self._originals:
                return name
        return self._pick(pool)

    def _pick(self, pool: list[str]) -> str:
        return self.rng.choice(pool).capitalize()

    def _placeholder(self, kind: PhiType) -> str:
        self._serial += 1
        return f"[{kind.value}-{self._serial}]"


@cache
def _stand_in_pools(lexicon: NameLexicon) -> tuple[list[str], list[str]]:
    # Only unambiguous names: a stand-in that is also an English word ("Rose") could not be
    # told apart from the word when the engine's answer is restored.
    def pool(names: frozenset[str]) -> list[str]:
        return sorted(n for n in names if not lexicon.is_ambiguous(n) and len(n) > 3)

    return pool(lexicon.first_names), pool(lexicon.last_names)


_POSSESSIVE = re.compile(r"(.+?)(['\u2019]s?)")

_KEEP_IN_PLACES = frozenset(
    """St Saint Mount Mt Street Avenue Ave Road Rd Boulevard Blvd Lane Ln Drive Dr Court Ct
    Place Pl Way Terrace Circle Parkway Highway Hospital Medical Center Centre Health Clinic
    Care Urgent Family Practice Memorial Apt Apartment Suite Unit Box PO North South East West
    of the and Regional Community General University Children's Nursing Home Rehabilitation
    Group Associates Pharmacy Hospice Healthcare System Infirmary Medicine""".split()
)


def _map_words(text: str, change: Callable[[str], str]) -> str:
    return _WORDS.sub(lambda m: change(m.group()), text)


def _replace_digits(text: str, draw: Callable[[str], str], *, whole: bool = False) -> str:
    if whole:
        return re.sub(r"\d+", lambda m: draw(m.group()), text, count=1)
    return re.sub(r"\d", lambda m: draw(m.group()), text)


def _same_case(original: str, new: str) -> str:
    if original.isupper() and len(original) > 1:
        return new.upper()
    if original.islower():
        return new.lower()
    return new[:1].upper() + new[1:].lower()
