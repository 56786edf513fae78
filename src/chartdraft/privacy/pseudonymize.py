"""Pseudonymize a text for an engine, and restore the engine's answer.

A ``PseudonymTable`` belongs to one visit and lives only in memory: the same identifier gets the
same stand-in every time it appears (names word by word, so "Mrs. Collins" and "Martha Collins"
stay one person), dates move by one per-visit offset, and restoring replaces every stand-in,
whole or in part, with the original.
"""

import random
import re
import secrets
from dataclasses import dataclass, field

from chartdraft.domain.phi import PhiType
from chartdraft.privacy.entities import PhiEntity
from chartdraft.privacy.name_lexicon import NameLexicon
from chartdraft.privacy.surrogates import SurrogateMaker

MAX_SHIFT_DAYS = 365


@dataclass(frozen=True)
class Replacement:
    """One identifier replaced: where it was, where its stand-in is, and both texts."""

    type: PhiType
    start: int
    end: int
    original: str
    new_start: int
    new_end: int
    surrogate: str


@dataclass(frozen=True)
class PseudonymizedText:
    """A text with every identifier replaced, and the replacements in text order."""

    text: str
    replacements: tuple[Replacement, ...]

    def to_original(self, position: int, *, end: bool = False) -> int:
        """Return the original offset of ``position`` (inside a stand-in: its edge)."""
        shift = 0
        for r in self.replacements:
            if position < r.new_start or (position == r.new_start and not end):
                break
            if position < r.new_end or (position == r.new_end and end):
                return r.end if end else r.start
            shift = r.end - r.new_end
        return position + shift

    def to_pseudonymized(self, position: int, *, end: bool = False) -> int:
        """Return where original offset ``position`` is in the pseudonymized text."""
        shift = 0
        for r in self.replacements:
            if position < r.start or (position == r.start and not end):
                break
            if position < r.end or (position == r.end and end):
                return r.new_end if end else r.new_start
            shift = r.new_end - r.end
        return position + shift


@dataclass
class PseudonymTable:
    """The stand-ins of one visit. Keep it in memory; it is the key back to the patient."""

    maker: SurrogateMaker
    _by_original: dict[tuple[PhiType, str], str] = field(default_factory=dict)
    _by_surrogate: dict[str, str] = field(default_factory=dict)
    _exact: dict[str, str] = field(default_factory=dict)
    """Each stand-in as written to the original as written at that place."""

    @classmethod
    def for_visit(cls, lexicon: NameLexicon, seed: int | None = None) -> "PseudonymTable":
        """Return an empty table with its own random stand-ins and date offset."""
        # Stand-ins need no cryptographic strength, only a seed nobody can guess or repeat.
        rng = random.Random(secrets.randbits(64) if seed is None else seed)  # noqa: S311
        shift = rng.choice([d for d in range(-MAX_SHIFT_DAYS, MAX_SHIFT_DAYS + 1) if abs(d) > 14])
        return cls(SurrogateMaker(lexicon, rng, shift))

    @property
    def date_shift_days(self) -> int:
        """How far every date of this visit moves."""
        return self.maker.date_shift_days

    def pseudonymize(self, text: str, entities: list[PhiEntity]) -> PseudonymizedText:
        """Return ``text`` with each of ``entities`` (in order, none overlapping) replaced."""
        self._reserve(text, entities)
        parts: list[str] = []
        replacements: list[Replacement] = []
        cursor = offset = 0
        for entity in entities:
            surrogate = self.surrogate_for(entity)
            parts.append(text[cursor : entity.start])
            new_start = entity.start + offset
            replacements.append(
                Replacement(entity.type, entity.start, entity.end, entity.text,
                            new_start, new_start + len(surrogate), surrogate)
            )  # fmt: skip
            parts.append(surrogate)
            offset += len(surrogate) - (entity.end - entity.start)
            cursor = entity.end
        parts.append(text[cursor:])
        return PseudonymizedText("".join(parts), tuple(replacements))

    def surrogate_for(self, entity: PhiEntity) -> str:
        """Return the stand-in for ``entity``, the same one every time it appears."""
        key = (entity.type, entity.text.lower())
        if key not in self._by_original:
            surrogate = self.maker.make(entity)
            self._by_original[key] = surrogate
            self._by_surrogate.setdefault(surrogate.casefold(), entity.text)
            self.maker.taken.add(surrogate.lower())
        stand_in = _same_case_as(entity, self._by_original[key])
        self._exact.setdefault(stand_in, entity.text)
        return stand_in

    def restore(self, text: str) -> str:
        """Return ``text`` with every stand-in, whole or a single name word, put back."""
        return apply_replacements(text, self.stand_ins_in(text))

    def stand_ins_in(self, text: str) -> list[tuple[int, int, str]]:
        """Return ``(start, end, original)`` for every stand-in in ``text``."""
        exact = {**self.maker.exact_words(), **self._exact}
        folded = self.surrogates()
        known = sorted({*folded, *exact}, key=len, reverse=True)
        if not known:
            return []
        alternatives = "|".join(re.escape(s) for s in known)
        # Longest first: a whole e-mail or web stand-in wins over a name word inside it.
        pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)
        return [
            (m.start(), m.end(), _original_of(m.group(), exact, folded))
            for m in pattern.finditer(text)
        ]

    def surrogates(self) -> dict[str, str]:
        """Return every stand-in (case-folded) with the original it replaced."""
        return {**self.maker.name_words(), **self._by_surrogate}

    def reserve_all(self, texts: list[tuple[str, list[PhiEntity]]]) -> None:
        """Keep every word outside the identifiers of ``texts`` from becoming a stand-in."""
        for text, entities in texts:
            self._reserve(text, entities)

    def _reserve(self, text: str, entities: list[PhiEntity]) -> None:
        # A stand-in must not already be in the text outside the identifiers, or restoring
        # would turn the clinician's own words into someone's name.
        kept = list(text.lower())
        for entity in entities:
            kept[entity.start : entity.end] = " " * (entity.end - entity.start)
        residual = "".join(kept)
        self.maker.taken.update(re.findall(r"[^\W_]+(?:[^\w\s][^\W_]+)*", residual))


def _original_of(found: str, exact: dict[str, str], folded: dict[str, str]) -> str:
    # The occurrence written exactly so ("mcdonald" for "keller", "McDonald" for "Keller"),
    # else the first occurrence, shouted back if the engine shouts the stand-in.
    if found in exact:
        return exact[found]
    original = folded.get(found.casefold())
    if original is None:  # a case variant no table knows; the leftover check flags it
        return found
    return original.upper() if found.isupper() and len(found) > 1 else original


def _same_case_as(entity: PhiEntity, surrogate: str) -> str:
    # "MARTHA", "martha" and "Martha" are one person, each stand-in written the way its
    # original was, so each occurrence restores to its own spelling.
    original = entity.text
    if original.isupper() and any(ch.isalpha() for ch in original):
        return surrogate.upper()
    if original.islower():
        return surrogate.lower()
    if entity.type is PhiType.NAME:
        return _NAME_START.sub(lambda m: m.group().upper(), surrogate.lower())
    return surrogate


_NAME_START = re.compile(r"(?:^|(?<=[\s\-'\u2019]))\w")


def apply_replacements(text: str, replacements: list[tuple[int, int, str]]) -> str:
    """Return ``text`` with each ``(start, end, new)`` applied (in text order, none overlapping)."""
    parts: list[str] = []
    cursor = 0
    for start, end, new in sorted(replacements):
        if start < cursor:
            continue
        parts.extend((text[cursor:start], new))
        cursor = end
    parts.append(text[cursor:])
    return "".join(parts)
