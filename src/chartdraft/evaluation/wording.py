"""Small word-level helpers shared by the paraphraser and the perturbations."""

import re
from functools import lru_cache

NUMBER_WORDS: dict[str, str] = {
    "one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12",
}  # fmt: skip

_WORD = re.compile(r"[\w-]+")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_NUMBER_WORD = re.compile(rf"\b(?:{'|'.join(NUMBER_WORDS)})\b", re.IGNORECASE)


def mentions(text_lower: str, term: str) -> bool:
    """Return True when ``term`` appears as whole words in already lower-cased text."""
    term = term.lower()
    if _WORD.fullmatch(term):
        return term in words_of(text_lower)
    return _phrase(term).search(text_lower) is not None


@lru_cache(maxsize=16)
def words_of(text: str) -> frozenset[str]:
    """Return the words of ``text`` as written (hyphenated words whole), remembered per text."""
    # A note is asked about hundreds of names and drugs; split it once, not once per term.
    return frozenset(_WORD.findall(text))


@lru_cache(maxsize=4096)
def _phrase(term: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(term)}(?![\w-])")


def numbers_in(text: str) -> list[str]:
    """Return the numbers of ``text``, digits or small number words ("two" -> "2")."""
    found = _NUMBER.findall(text)
    found += [NUMBER_WORDS[w.lower()] for w in _NUMBER_WORD.findall(text)]
    return found


def match_case(original: str, replacement: str) -> str:
    """Return ``replacement`` written in the case of ``original`` (Left -> Right, LEFT -> RIGHT)."""
    if original.isupper() and len(original) > 1:
        return replacement.upper()
    if original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def reads_lowercase(word: str, text: str) -> bool:
    """Return True when ``word`` is an ordinary word: ``text`` has it in lower case.

    A name or an acronym never appears in lower case, so it keeps its capitals when moved
    from the start of a sentence.
    """
    if word.isupper() and len(word) > 1:
        return False
    return word.lower() in words_of(text)


def lower_first(text: str, context: str) -> str:
    """Return ``text`` with its first word in lower case, unless it is a name or an acronym."""
    found = re.match(r"[A-Za-z][\w'-]*", text)
    if found is None or not reads_lowercase(found.group(0), context):
        return text
    return text[:1].lower() + text[1:]


def upper_first(text: str) -> str:
    """Return ``text`` with its first letter in capitals."""
    return text[:1].upper() + text[1:]
