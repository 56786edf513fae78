"""Split a field's text into items (bullets, lines, sentences), keeping exact character offsets."""

import re
from collections.abc import Callable
from dataclasses import dataclass

# "-", "*", "•" and friends, "1.", "1)", "(a)", "a)" followed by white space.
LIST_MARKER = re.compile(
    r"[ \t]*(?:[-*\u2022\u00b7\u2013\u2014\u2023\u25e6\u25aa+>]|\(?\d{1,2}[.)]|\(?[a-z][)])[ \t]+"
)
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
_WORD_BEFORE = re.compile(r"(\S+)$")
_HAS_WORD = re.compile(r"[^\W_]")

# Abbreviations after which a period does not end a sentence.
_NEVER_ENDS = frozenset(
    {
        "dr",
        "mr",
        "mrs",
        "ms",
        "st",
        "vs",
        "approx",
        "appt",
        "no",
        "fig",
        "pt",
        "pts",
        "hx",
        "sx",
        "dx",
        "tx",
        "rx",
        "yrs",
        "mos",
        "wks",
        "inc",
        "jr",
        "sr",
        "prof",
    }
)
# Abbreviations that end a sentence only when a capital letter or digit follows.
_ENDS_BEFORE_CAPITAL = frozenset({"etc", "cont", "approx"})

# A wrapped line this long, with no closing punctuation, continues on the next lowercase line.
_WRAPPED_LINE = 60
# A line ending like this is unfinished: "denies fever, weight loss," / "pain in the left".
_UNFINISHED = re.compile(
    r"(?:[,(/&+]|\b(?:and|or|nor|but|of|with|without|to|for|from|the|a|an|in|on|at|than|"
    r"including|especially|per|by|as|if|when|while|because|after|before|into|over|under))$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Item:
    """One item of a field: ``text[start:end]`` with surrounding space and bullet marker removed."""

    start: int
    end: int
    bulleted: bool


def split_items(
    text: str, *, plan: bool = False, starts_item: Callable[[str], bool] | None = None
) -> list[Item]:
    """Split ``text`` into bullets, lines and sentences; drop pieces with no word in them.

    A bullet stays one item unless this is a plan, where each sentence of a bullet is its own
    plan item. A ";" also ends an item when ``starts_item`` accepts what follows it
    ("continue lisinopril; recheck BMP"), so that "normal; next due in 4 years" stays whole.
    """
    items: list[Item] = []
    for start, end, bulleted in _blocks(text):
        sentences = _sentences(text, start, end) if plan or not bulleted else [(start, end)]
        for s, e in sentences:
            pieces = _split_on(text, s, e, starts_item) if starts_item else [(s, e)]
            items.extend(_trimmed(text, ps, pe, bulleted) for ps, pe in pieces)
    return [item for item in items if _HAS_WORD.search(text, item.start, item.end)]


def _blocks(text: str) -> list[tuple[int, int, bool]]:
    """Group lines into blocks: a bullet with its indented continuation, or one line of prose."""
    blocks: list[list[int | bool]] = []  # [start, end, bulleted]
    position = 0
    previous = ""
    for line in text.split("\n"):
        line_start, line_end = position, position + len(line)
        position = line_end + 1
        marker = LIST_MARKER.match(line)
        if not line.strip():
            blocks.append([line_end, line_end, False])  # an empty block ends the previous one
        elif marker:
            blocks.append([line_start + marker.end(), line_end, True])
        elif (
            blocks
            and _continues(previous, line, bool(blocks[-1][2]))
            and blocks[-1][1] != blocks[-1][0]
        ):
            blocks[-1][1] = line_end
        else:
            blocks.append([line_start, line_end, False])
        previous = line
    return [(int(s), int(e), bool(b)) for s, e, b in blocks if e > s]


def _continues(previous: str, line: str, in_bullet: bool) -> bool:
    if not previous.strip():
        return False
    if in_bullet and line[:1] in " \t":
        return True
    stripped = line.lstrip()
    if _UNFINISHED.search(previous.rstrip()) and not stripped[:1].isupper():
        return True
    wrapped = len(previous.rstrip()) >= _WRAPPED_LINE and previous.rstrip()[-1:] not in ".!?:;"
    return wrapped and stripped[:1].islower()


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans = []
    cursor = start
    for match in _SENTENCE_END.finditer(text, start, end):
        if _ends_sentence(text, cursor, match.start(), match.end(), end):
            spans.append((cursor, match.end()))
            cursor = match.end()
    if cursor < end:
        spans.append((cursor, end))
    return spans


def _ends_sentence(text: str, cursor: int, dot: int, after: int, end: int) -> bool:
    word_match = _WORD_BEFORE.search(text, cursor, dot)
    word = word_match.group(1).lower().lstrip("([\"'") if word_match else ""
    following = text[after:end].lstrip()[:1]
    if text[dot] != ".":
        return True
    if word in _NEVER_ENDS:
        return False
    if word in _ENDS_BEFORE_CAPITAL or "." in word:  # "etc.", "b.i.d.", "e.g."
        return following.isupper() or following.isdigit()
    # A single capital is an initial ("J. Smith"), not the end of a sentence.
    return not (len(word) == 1 and word_match is not None and word_match.group(1).isupper())


def _split_on(
    text: str, start: int, end: int, starts_item: Callable[[str], bool]
) -> list[tuple[int, int]]:
    spans = []
    cursor = start
    index = text.find(";", start, end)
    while index != -1:
        if starts_item(text[index + 1 : end]):
            spans.append((cursor, index))
            cursor = index + 1
        index = text.find(";", index + 1, end)
    spans.append((cursor, end))
    return spans


def _trimmed(text: str, start: int, end: int, bulleted: bool) -> Item:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Item(start, end, bulleted)
