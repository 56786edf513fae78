"""Split clinical text into normalised tokens that survive honest rephrasing.

"SOB" and "shortness of breath", "two weeks" and "2 weeks", "b.i.d." and "BID", "denies" and
"denied" all end up as the same stems, while every token keeps the offsets of the words it
came from, so a finding can quote the draft and the input verbatim.
"""

import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

import snowballstemmer

from chartdraft.verify.lexicon import Lexicon

TokenKind = Literal["word", "num", "punct"]

_TOKEN = re.compile(
    r"(?P<dotted>(?<![^\W\d_])(?:[a-zA-Z]\.){2,}(?![^\W\d_]))"  # b.i.d., q.d., p.r.n.
    r"|(?P<num>\d+(?:[.,/:]\d+)*)"  # 20, 98.6, 1,000, 142/90, 10:30
    r"|(?P<word>[^\W\d_]+(?:\d+[^\W\d_]*)*(?:['\u2019][^\W\d_]+)?)"  # "patient's", "A1c", "SpO2"
    r"|(?P<punct>[^\s\w])"
)

# Function words and the verbs of reporting that carry no clinical fact: an LLM adds and drops
# them freely ("Patient reports that she has...") and none of them should need support.
STOPWORDS = frozenset(
    """
    a an the and or nor but of in on at to for from by with without as is are was were be been
    being am has have had having do does did done this that these those it its it's he she his
    her hers him they them their theirs we our us you your i me my mine who whom whose which
    what when where why how than then there here also too very so such just only still yet
    any some all each every both either neither other another same more most less least much
    many few several about above below over under into onto out up down off again further
    once while during before after since until through per via if whether because though
    although however therefore thus can could will would shall should may might must
    patient patients pt pt's patient's mr mrs ms miss reports reported reporting report states
    stated stating state notes noted noting note says said describes described describing
    endorses endorsed endorsing presents presented presenting today currently
    current now recently recent time times well also additionally furthermore overall
    today's visit visits clinic office seen see sees found finds given gives includes
    including include included approximately approx around roughly
    discussed discuss discussing explained explain informed reassured agreed agrees
    understands understood verbalized verbalizes questions concerns regarding regularly
    vitals vital
    """.split()
)

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_TENS = frozenset({20, 30, 40, 50, 60, 70, 80, 90})
_SPELLED = frozenset({"spelled"})
_ARTICLES = frozenset({"a", "an"})
_UNIT_LIKE = frozenset({"hr", "hrs", "h", "d", "wk", "wks", "mo", "mos", "yr", "yrs", "min", "u"})
_BEFORE_A_SPAN = frozenset({"in", "for", "within", "about", "over", "after", "past", "last", "x"})
_TIME_UNITS = frozenset({"day", "week", "month", "year", "hour", "minute", "fortnight"})

_THOUSANDS = re.compile(r",(?=\d{3}(?!\d))")
_STEMMER = snowballstemmer.stemmer("english")
_STEMS: dict[str, str] = {}


def stem(word: str) -> str:
    """Return the Snowball stem of a lower-case word (memoised: notes repeat their words)."""
    found = _STEMS.get(word)
    if found is None:
        found = _STEMS[word] = _STEMMER.stemWord(word) if len(word) > 3 else word
    return found


@dataclass(slots=True)
class Token:
    """One normalised token with the offsets of the text it came from."""

    kind: TokenKind
    text: str
    """Lower case; a number's value without thousands separators; an expansion's word."""
    start: int
    end: int
    stem: str = ""
    content: bool = False
    """True for words and numbers that carry clinical information (not stop words)."""
    negated: bool = False
    hedged: bool = False
    hedge_depth: int = 0
    """How many hedges cover it: "may have been a possible X" hedges X twice."""
    asked: bool = False
    """True inside a question ("any chest pain?"): it asserts nothing either way."""
    tags: frozenset[str] = frozenset()
    """What else the token is: ``trigger``, ``drug``, ``unit``, ``spelled``, ``expanded``."""

    def tag(self, name: str) -> None:
        """Add ``name`` to the token's tags."""
        self.tags = self.tags | {name}


def tokenize(text: str, lexicon: Lexicon) -> list[Token]:
    """Return the normalised tokens of ``text``: abbreviations expanded, number words as digits."""
    raw = _raw_tokens(text)
    if "n't" in text or "n\u2019t" in text:
        raw = [part for token in raw for part in _uncontracted(token)]
    merged = _merge_slashed(raw, lexicon) if "/" in text or "-" in text else raw
    if "?" in text:
        merged = _query_marks(merged)
    numbered = _number_words(merged)
    expanded = _expand(numbered, lexicon)
    stems = _STEMS
    for token in expanded:
        if token.kind == "word":
            word = token.text
            token.stem = stems.get(word) or stem(word)
            token.content = word not in STOPWORDS and len(word) > 1
        elif token.kind == "num":
            token.stem = "#" + token.text
            token.content = True
        else:
            token.stem = token.text
    return expanded


def _raw_tokens(text: str) -> list[Token]:
    # The hot loop of the verifier: plain words (most tokens) are built inline.
    tokens: list[Token] = []
    append = tokens.append
    for match in _TOKEN.finditer(text):
        if match.lastgroup == "word":
            append(Token("word", match.group().lower(), match.start(), match.end()))
        else:
            append(_raw_token(match))
    if "\u2019" in text:
        for token in tokens:
            token.text = token.text.replace("\u2019", "'")
    return tokens


def _raw_token(match: re.Match[str]) -> Token:
    group = match.lastgroup
    value = match.group()
    if group == "dotted":
        return Token("word", value.replace(".", "").lower(), match.start(), match.end())
    if group == "num":
        # "1,000" is a thousand; "1,2" is a list. Only a comma before three digits is dropped.
        if "," in value:
            value = _THOUSANDS.sub("", value)
        value = value.rstrip(".,:/")
        return Token("num", value, match.start(), match.start() + len(match.group().rstrip(".,:/")))
    if group == "word":
        return Token("word", value.lower().replace("\u2019", "'"), match.start(), match.end())
    return Token("punct", value, match.start(), match.end())


def _uncontracted(token: Token) -> list[Token]:
    # "doesn't" is "does not": negation triggers are written out in full.
    if token.kind != "word" or not token.text.endswith("n't") or len(token.text) < 4:
        return [token]
    base = token.text[:-3] if token.text != "can't" else "can"
    return [
        Token("word", base, token.start, token.end),
        Token("word", "not", token.start, token.end),
    ]


def _query_marks(tokens: list[Token]) -> list[Token]:
    # "?unstable angina" is the clinician's doubt, not the end of a question.
    for token, following in pairwise(tokens):
        if token.text == "?" and following.kind == "word" and following.start == token.end:
            token.kind, token.text = "word", "questionable"
            token.tag("expanded")
    return tokens


def _merge_slashed(tokens: list[Token], lexicon: Lexicon) -> list[Token]:
    # "s/p", "r/o", "b/l" are one abbreviation and "x-ray", "d-dimer" one test, not two words.
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        joined = _joined(tokens, index)
        if joined is not None and (joined in lexicon.abbreviations or joined in lexicon.compounds):
            out.append(Token("word", joined, token.start, tokens[index + 2].end))
            index += 3
            continue
        out.append(token)
        index += 1
    return out


def _joined(tokens: list[Token], index: int) -> str | None:
    if index + 2 >= len(tokens) or tokens[index].kind == "punct":
        return None
    first, mark, second = tokens[index : index + 3]
    if mark.text not in "/-" or second.kind == "punct":
        return None
    if mark.start != first.end or second.start != mark.end:
        return None
    return f"{first.text}{mark.text}{second.text}"


def _number_words(tokens: list[Token]) -> list[Token]:
    # "twenty five" -> 25 and "two" -> 2, so "two weeks" and "2 weeks" are the same quantity.
    out: list[Token] = []
    for index, token in enumerate(tokens):
        value = NUMBER_WORDS.get(token.text) if token.kind == "word" else None
        if value is None and token.text in _ARTICLES and _one_of_a_unit(tokens, index):
            value = 1  # "in a week" is "in 1 week"
        if value is None:
            out.append(token)
            continue
        if out and out[-1].text == "-" and len(out) > 1 and _joins(out[-2], out[-1], value):
            out.pop()  # "thirty-two"
        previous = out[-1] if out else None
        if previous is not None and _joins(previous, token, value):
            previous.text = str(int(previous.text) + value)
            previous.end = token.end
            continue
        number = Token("num", str(value), token.start, token.end)
        number.tag("spelled")
        out.append(number)
    return _ratios(out)


def _joins(previous: Token, following: Token, value: int) -> bool:
    return (
        previous.kind == "num"
        and previous.tags == _SPELLED
        and int(previous.text) in _TENS
        and value < 10
        and following.start - previous.end <= 1
    )


def _one_of_a_unit(tokens: list[Token], index: int) -> bool:
    before = tokens[index - 1].text if index > 0 else ""
    after = tokens[index + 1].text if index + 1 < len(tokens) else ""
    return before in _BEFORE_A_SPAN and after in _TIME_UNITS


def _ratios(tokens: list[Token]) -> list[Token]:
    # "120 over 80", "two over six": a ratio, written as "120/80".
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if (
            token.kind == "num"
            and index + 2 < len(tokens)
            and tokens[index + 1].text == "over"
            and tokens[index + 2].kind == "num"
        ):
            last = tokens[index + 2]
            out.append(Token("num", f"{token.text}/{last.text}", token.start, last.end))
            index += 3
            continue
        out.append(token)
        index += 1
    return out


def _expand(tokens: list[Token], lexicon: Lexicon) -> list[Token]:
    out: list[Token] = []
    for index, token in enumerate(tokens):
        expansion = lexicon.abbreviations.get(token.text) if token.kind == "word" else None
        # "2 hr" is two hours, but "78 BP 124/90" still names a blood pressure.
        after_number = index > 0 and tokens[index - 1].kind == "num" and token.text in _UNIT_LIKE
        if expansion is None or after_number or token.text in STOPWORDS:
            out.append(token)
            continue
        # Each word of the expansion keeps the abbreviation's offsets: a quote stays verbatim.
        for kind, text in _expansion_tokens(expansion):
            expanded = Token(kind, text, token.start, token.end)
            expanded.tag("expanded")
            out.append(expanded)
    return out


_EXPANSIONS: dict[tuple[str, ...], list[tuple[TokenKind, str]]] = {}


def _expansion_tokens(expansion: tuple[str, ...]) -> list[tuple[TokenKind, str]]:
    # "st-elevation myocardial infarction" is tokenized as typed text would be.
    found = _EXPANSIONS.get(expansion)
    if found is None:
        raw = (_raw_token(m) for m in _TOKEN.finditer(" ".join(expansion)))
        found = _EXPANSIONS[expansion] = [(t.kind, t.text) for t in raw]
    return found
