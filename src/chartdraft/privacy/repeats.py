"""Once a word is known to be a name, every other place it is written is that name too.

"Spoke with daughter Rose. Rose will bring the list": the cue finds the first Rose only; the
second would reach the engine unmasked. Every whole-word occurrence of a found name word, in any
field of the visit, is masked too; a name word that is also an English word ("Rose", "Brown")
only where it is capitalised, since "rose" and "brown" in lower case are likely the words.
"""

import regex

from chartdraft.domain.phi import PhiType
from chartdraft.privacy.entities import PhiEntity, resolve_overlaps
from chartdraft.privacy.name_cues import FUNCTION_WORDS, TITLES
from chartdraft.privacy.name_lexicon import NameLexicon

_NAME_WORD = regex.compile(r"\p{L}+(?:['\u2019]\p{L}+)*")
REPEAT_SCORE = 0.8


def mask_repeats(
    texts: list[str], found: list[list[PhiEntity]], lexicon: NameLexicon
) -> list[list[PhiEntity]]:
    """Return ``found`` with every other occurrence of a found name word added, text by text."""
    words = {
        word.casefold()
        for entities in found
        for entity in entities
        if entity.type is PhiType.NAME
        for word in _NAME_WORD.findall(entity.text)
        if len(word) > 1 and word.casefold() not in FUNCTION_WORDS | TITLES
    }
    if not words:
        return found
    pattern = regex.compile(
        r"(?<!\p{L})(?:"
        + "|".join(regex.escape(w) for w in sorted(words, key=len, reverse=True))
        + r")(?!\p{L})",
        regex.IGNORECASE,
    )
    return [
        resolve_overlaps([*entities, *_repeats(text, pattern, lexicon, entities)], text)
        for text, entities in zip(texts, found, strict=True)
    ]


def _repeats(
    text: str, pattern: regex.Pattern[str], lexicon: NameLexicon, found: list[PhiEntity]
) -> list[PhiEntity]:
    repeats: list[PhiEntity] = []
    for match in pattern.finditer(text):
        word = match.group()
        if any(e.start < match.end() and match.start() < e.end for e in found):
            continue  # already found where it stands
        if lexicon.is_english(word.casefold()) and not word[0].isupper():
            continue  # "rose" in lower case is the flower or the verb, not the daughter
        repeats.append(PhiEntity(PhiType.NAME, match.start(), match.end(), word, REPEAT_SCORE))
    return repeats
