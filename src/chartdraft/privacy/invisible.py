"""Characters that hide a word from a reader of code but not from a reader of text.

A zero-width space, a soft hyphen or a direction mark inside "S\u200bmith" splits the name for a
pattern while the engine, and anyone it shows the text to, still reads "Smith". They are taken
out before detection, and every span found is mapped back onto the text as written.
"""

import regex

_INVISIBLE = regex.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def visible(text: str) -> tuple[str, list[int]]:
    """Return ``text`` without invisible characters, and each kept character's original offset."""
    if not _INVISIBLE.search(text):
        return text, []
    kept = [i for i, ch in enumerate(text) if not _INVISIBLE.fullmatch(ch)]
    return "".join(text[i] for i in kept), kept


def original_span(start: int, end: int, kept: list[int]) -> tuple[int, int]:
    """Return the span of the text as written for ``start:end`` of its visible form."""
    if not kept:
        return start, end
    return kept[start], kept[end - 1] + 1
