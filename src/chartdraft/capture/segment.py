"""Split a field's text into items (bullets, lines, sentences), keeping exact character offsets.

Every rule here errs towards keeping the clinician's own layout: a line that might continue
the one before is joined, a run of unpunctuated lines stays a run of lines ("fragments", drawn
as typed, never given full stops), and "+"/"-" markers in a list that uses both are signs.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

# "-", "*", "•" and friends, "1.", "1)", "(a)", "a)" followed by white space. Not "+" or ">":
# "+ fever" is a positive finding and "> 2 cm" a threshold.
LIST_MARKER = re.compile(
    r"[ \t]*(?:[-*\u2022\u00b7\u2013\u2014\u2023\u25e6\u25aa]|\(?\d{1,2}[.)]|\(?[a-z][)])[ \t]+"
)
_SIGN = re.compile(r"[ \t]*[+-][ \t]+")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
_NON_SPACE = re.compile(r"\S")
_HAS_WORD = re.compile(r"[^\W_]")
_CLOSED = ".!?:;"
_LONGEST_ABBREVIATION = 12  # how far back a period looks for the word it ends

# Abbreviations after which a period does not end a sentence.
_NEVER_ENDS = frozenset(
    "dr mr mrs ms st vs approx appt no fig pt pts hx sx dx tx rx yrs mos wks inc jr sr prof".split()
)
# Abbreviations that end a sentence only when a capital letter or digit follows.
_ENDS_BEFORE_CAPITAL = frozenset({"etc", "cont"})

# A wrapped line this long, with no closing punctuation, continues on the next lowercase line.
_WRAPPED_LINE = 60
# A line ending like this is unfinished: "denies fever, weight loss," / "patient denies".
_UNFINISHED = re.compile(
    r"(?:[,(/&+]|\b(?:and|or|nor|but|of|with|without|to|for|from|the|a|an|in|on|at|than|"
    r"including|especially|per|by|as|if|when|while|because|after|before|into|over|under|"
    r"denies|denied|reports|reported|endorses|endorsed|no|not|negative for|positive for|"
    r"complains of|c/o|notes|states|shows|showed|reveals|revealed))$",
    re.IGNORECASE,
)
# A lower-case line opening like this carries on the line before ("No fever, chills\nor sweats").
_CONTINUATION_START = re.compile(r"(?:or|and|nor|but|with|without|plus|than)\b")
# A plan sentence opening like this belongs to the item before it ("Then 250 mg daily").
_CONTINUES_ITEM = re.compile(
    r"(?:then|and|but|if|unless|until|when|while|after|before|not to exceed|max(?:imum)?|"
    r"may repeat|as needed)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Item:
    """One item of a field: ``text[start:end]`` with surrounding space and bullet marker removed."""

    start: int
    end: int
    bulleted: bool
    fragment: bool = False
    """An unpunctuated line among other such lines: shown as its own line, as typed."""


@dataclass
class _Block:
    start: int
    end: int
    bulleted: bool
    lines: int = 1


def split_items(
    text: str, *, plan: bool = False, starts_item: Callable[[str], bool] | None = None
) -> list[Item]:
    """Split ``text`` into bullets, lines and sentences; drop pieces with no word in them.

    A bullet stays one item unless this is a plan, where each sentence of a bullet is its own
    plan item (unless it reads as the tail of the one before). A ";" also ends an item when
    ``starts_item`` accepts what follows it ("continue lisinopril; recheck BMP"), so that
    "normal; next due in 4 years" stays whole.
    """
    blocks = _blocks(text)
    fragments = _fragment_blocks(text, blocks)
    items: list[Item] = []
    for index, block in enumerate(blocks):
        sentences = _sentences(text, block.start, block.end) if plan or not block.bulleted else []
        if plan:
            sentences = _rejoin_tails(text, sentences)
        for s, e in sentences or [(block.start, block.end)]:
            pieces = _split_on(text, s, e, starts_item) if starts_item else [(s, e)]
            items.extend(
                _trimmed(text, ps, pe, block.bulleted, fragment=index in fragments)
                for ps, pe in pieces
            )
    return [item for item in items if _HAS_WORD.search(text, item.start, item.end)]


def _blocks(text: str) -> list[_Block]:
    """Group lines into blocks: a bullet with its continuation lines, or a line of prose."""
    lines = text.split("\n")
    signed = sum(1 for line in lines if _SIGN.match(line)) >= 2 and any(
        line.lstrip().startswith("+") for line in lines
    )
    blocks: list[_Block] = []
    position = 0
    previous = ""
    for line in lines:
        line_start, line_end = position, position + len(line)
        position = line_end + 1
        marker = None if signed and _SIGN.match(line) else LIST_MARKER.match(line)
        if not line.strip():
            blocks.append(_Block(line_end, line_end, False))  # an empty block ends the one before
        elif marker:
            blocks.append(_Block(line_start + marker.end(), line_end, True))
        elif (
            blocks
            and blocks[-1].end != blocks[-1].start
            and _continues(previous, line, blocks[-1].bulleted)
        ):
            blocks[-1].end = line_end
            blocks[-1].lines += 1
        else:
            blocks.append(_Block(line_start, line_end, False))
        previous = line
    return [b for b in blocks if b.end > b.start]


def _fragment_blocks(text: str, blocks: list[_Block]) -> set[int]:
    """Return the indexes of one-line prose blocks without closing punctuation that touch another."""
    loose = [
        not b.bulleted and b.lines == 1 and text[b.start : b.end].rstrip()[-1:] not in _CLOSED
        for b in blocks
    ]
    adjacent = [
        i + 1 < len(blocks) and text.count("\n", blocks[i].end, blocks[i + 1].start) == 1
        for i in range(len(blocks))
    ]
    touches_next = [adjacent[i] and loose[i] and loose[i + 1] for i in range(len(blocks) - 1)]
    touches_next.append(False)
    return {
        i
        for i in range(len(blocks))
        if loose[i] and (touches_next[i] or (i > 0 and touches_next[i - 1]))
    }


def _continues(previous: str, line: str, in_bullet: bool) -> bool:
    if not previous.strip():
        return False
    if in_bullet and line[:1] in " \t":
        return True
    stripped = line.lstrip()
    ended = previous.rstrip()
    if stripped[:1].islower() and (
        _UNFINISHED.search(ended[-30:]) or _CONTINUATION_START.match(stripped)
    ):
        return True
    wrapped = len(ended) >= _WRAPPED_LINE and ended[-1:] not in _CLOSED
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
    if text[dot] != ".":
        return True
    # Look back a bounded distance: abbreviations are short, and a long capture must stay linear.
    window = text[max(cursor, dot - _LONGEST_ABBREVIATION) : dot].split()
    raw_word = window[-1] if window else ""
    word = raw_word.lower().lstrip("([\"'")
    following_match = _NON_SPACE.search(text, after, end)
    following = following_match.group(0) if following_match else ""
    if word in _NEVER_ENDS:
        return False
    if word in _ENDS_BEFORE_CAPITAL or "." in word:  # "etc.", "b.i.d.", "e.g."
        return following.isupper() or following.isdigit()
    # A single capital is an initial ("J. Smith"), not the end of a sentence.
    return not (len(raw_word) == 1 and raw_word.isupper())


def _rejoin_tails(text: str, sentences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join a plan sentence that only qualifies the one before ("Then 250 mg daily x 4 days")."""
    joined: list[tuple[int, int]] = []
    for start, end in sentences:
        opening = _NON_SPACE.search(text, start, end)
        if joined and opening and _CONTINUES_ITEM.match(text, opening.start(), end):
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def _split_on(
    text: str, start: int, end: int, starts_item: Callable[[str], bool]
) -> list[tuple[int, int]]:
    spans = []
    cursor = start
    index = text.find(";", start, end)
    while index != -1:
        if starts_item(text[index + 1 : min(end, index + 80)]):
            spans.append((cursor, index))
            cursor = index + 1
        index = text.find(";", index + 1, end)
    spans.append((cursor, end))
    return spans


def _trimmed(text: str, start: int, end: int, bulleted: bool, *, fragment: bool) -> Item:
    return Item(*trim_span(text, start, end), bulleted, fragment)


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Return ``start, end`` moved inwards past white space."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
