"""Clinical facts of one piece of text: quantities, drugs, sides, frequencies, polarity.

Both sides are read the same way: every input passage and every draft statement becomes a
``TextFacts``, and the checks compare the two. Offsets are relative to the text analysed.
"""

from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise

from chartdraft.verify.context import apply_context
from chartdraft.verify.lexicon import Lexicon
from chartdraft.verify.words import Token, tokenize

# Units as typed -> (canonical unit, what it measures). Two quantities disagree only when they
# measure the same thing: "20 mg" vs "200 mg" does, "20 mg" vs "20 minutes" does not.
_UNITS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(("mg", "mgs", "milligram", "milligrams"), ("mg", "mass")),
    **dict.fromkeys(("mcg", "ug", "\u00b5g", "microgram", "micrograms"), ("mcg", "mass")),
    **dict.fromkeys(("g", "gm", "gram", "grams"), ("g", "mass")),
    **dict.fromkeys(("kg", "kgs", "kilogram", "kilograms"), ("kg", "weight")),
    **dict.fromkeys(("lb", "lbs", "pound", "pounds"), ("lb", "weight")),
    **dict.fromkeys(("ml", "mls", "milliliter", "milliliters", "cc"), ("ml", "volume")),
    **dict.fromkeys(("l", "liter", "liters", "litre", "litres"), ("l", "volume")),
    **dict.fromkeys(("unit", "units", "u", "iu"), ("unit", "dose")),
    **dict.fromkeys(("meq", "mmol"), ("meq", "dose")),
    **dict.fromkeys(("puff", "puffs", "tablet", "tablets", "tab", "tabs", "pill", "pills"),
                    ("tablet", "count")),
    **dict.fromkeys(("capsule", "capsules", "cap", "caps", "drop", "drops", "spray", "sprays"),
                    ("tablet", "count")),
    **dict.fromkeys(("%", "percent"), ("%", "percent")),
    **dict.fromkeys(("mmhg",), ("mmhg", "pressure")),
    **dict.fromkeys(("bpm",), ("bpm", "rate")),
    **dict.fromkeys(("cm", "centimeter", "centimeters"), ("cm", "length")),
    **dict.fromkeys(("mm", "millimeter", "millimeters"), ("mm", "length")),
    **dict.fromkeys(("inch", "inches", "ft", "feet", "foot"), ("in", "length")),
    **dict.fromkeys(("degree", "degrees", "\u00b0", "f", "c", "fahrenheit", "celsius"),
                    ("deg", "temperature")),
    **dict.fromkeys(("second", "seconds", "sec", "secs"), ("second", "time")),
    **dict.fromkeys(("minute", "minutes", "min", "mins"), ("minute", "time")),
    **dict.fromkeys(("hour", "hours", "hr", "hrs", "h"), ("hour", "time")),
    **dict.fromkeys(("day", "days", "d"), ("day", "time")),
    **dict.fromkeys(("week", "weeks", "wk", "wks"), ("week", "time")),
    **dict.fromkeys(("month", "months", "mo", "mos"), ("month", "time")),
    **dict.fromkeys(("year", "years", "yr", "yrs", "y"), ("year", "time")),
}  # fmt: skip
_PER = frozenset({"dl", "l", "kg", "day", "d", "hr", "h", "min", "m2", "ml"})
_LABEL_SKIP = frozenset({":", "=", "of", "is", "was", "at", "to", "from", "about", "around", "("})
_ROUTE_NOUNS = frozenset({"mouth", "injection", "inhalation", "nose", "vein"})
_DRUG_REACH = 40
"""Characters between a drug and the dose or schedule that belongs to it ("ibuprofen 400 mg")."""
_SIDE_FILLER = frozenset({"-", "sided", "side", "of", "the"})
_DOSE_CLASSES = frozenset({"mass", "volume", "dose", "count"})


@dataclass(frozen=True)
class Quantity:
    """A number with its unit, what it measures and the word it is a value of."""

    value: str
    unit: str | None
    measure: str | None
    anchor: str | None
    """The stem of the label before it ("pressur", "a1c"), or the drug it doses."""
    start: int
    end: int
    context: frozenset[str] = frozenset()
    """Stems of the words right around it: what the number is said about ("year", "old")."""


@dataclass(frozen=True)
class Mention:
    """A drug, a frequency or a side, normalised to a key, with its offsets."""

    key: str
    start: int
    end: int
    part: str | None = None
    """For a side, the stem of the body part it qualifies ("knee"); for a frequency, the drug
    it is the schedule of; None when there is none."""


@dataclass
class TextFacts:
    """Everything the checks compare about one passage or statement."""

    text: str
    tokens: list[Token]
    stems: set[str] = field(default_factory=set)
    quantities: list[Quantity] = field(default_factory=list)
    drugs: list[Mention] = field(default_factory=list)
    sides: list[Mention] = field(default_factory=list)
    frequencies: list[Mention] = field(default_factory=list)
    hedged: bool = False
    """True when the text holds an uncertainty trigger ("possible", "likely", "rule out")."""
    hedges: int = 0
    """How many uncertainty triggers it holds."""
    polarity: dict[str, set[bool]] = field(default_factory=dict)
    """Each content stem -> the polarities it is stated with (True = asserted)."""
    hedged_counts: Counter[str] = field(default_factory=Counter)
    """Each content stem -> how many hedges cover its mentions, in all."""


def read_facts(text: str, lexicon: Lexicon) -> TextFacts:
    """Return the facts stated in ``text``."""
    tokens = tokenize(text, lexicon)
    facts = TextFacts(text=text, tokens=tokens)
    facts.hedges = apply_context(tokens, lexicon)
    facts.hedged = facts.hedges > 0
    words = [t.text if t.kind == "word" else "" for t in tokens]
    facts.drugs = _drugs(tokens, words, lexicon)
    facts.frequencies = _frequencies(tokens, lexicon, facts.drugs)
    # "3 times a day" is a schedule, not the number 3: numbers inside one are compared as one.
    spans = [(f.start, f.end) for f in facts.frequencies]
    facts.quantities = [
        q for q in _quantities(tokens, facts.drugs) if not any(s <= q.start < e for s, e in spans)
    ]
    facts.sides = _sides(tokens, lexicon)
    _tag_routes(tokens)
    for token in tokens:
        # Trigger words ("denies", "no") carry polarity, not content: "denies fever" and
        # "no fever" state the same fact.
        if token.content and "trigger" not in token.tags:
            facts.stems.add(token.stem)
            if token.asked:
                continue  # a question, a family member, a hypothetical: no polarity to compare
            facts.polarity.setdefault(token.stem, set()).add(not token.negated)
            if token.hedged:
                facts.hedged_counts[token.stem] += token.hedge_depth
    return facts


def _drugs(tokens: list[Token], words: list[str], lexicon: Lexicon) -> list[Mention]:
    found: list[Mention] = []
    index = 0
    while index < len(tokens):
        hit = lexicon.drug_at(words, index) if words[index] else None
        if hit is None:
            index += 1
            continue
        generic, size = hit
        last = tokens[index + size - 1]
        found.append(Mention(generic, tokens[index].start, last.end))
        for token in tokens[index : index + size]:
            token.tag("drug")
        index += size
    return found


def _quantities(tokens: list[Token], drugs: list[Mention]) -> list[Quantity]:
    found: list[Quantity] = []
    for index, token in enumerate(tokens):
        if token.kind != "num":
            continue
        unit, measure, end, used = _unit_after(tokens, index)
        for token_used in tokens[index + 1 : index + 1 + used]:
            token_used.tag("unit")
        anchor = _anchor(tokens, index, drugs, measure)
        context = _context(tokens, index, used)
        found.append(Quantity(token.text, unit, measure, anchor, token.start, end, context))
    return found


def _context(tokens: list[Token], index: int, used: int) -> frozenset[str]:
    around = [*tokens[max(0, index - 2) : index], *tokens[index + 1 + used : index + 3 + used]]
    return frozenset(t.stem for t in around if t.kind == "word" and t.content)


def _unit_after(tokens: list[Token], index: int) -> tuple[str | None, str | None, int, int]:
    end = tokens[index].end
    if "/" in tokens[index].text:
        return None, "ratio", end, 0  # 142/90, 2/10: the whole ratio is the value
    following = tokens[index + 1] if index + 1 < len(tokens) else None
    if following is None or following.start - end > 1:
        return None, None, end, 0
    hyphened = following.text == "-" and index + 2 < len(tokens)
    if hyphened and tokens[index + 2].text in _UNITS and tokens[index + 2].start == following.end:
        # "34-year-old", "5-day course": the unit after a hyphen.
        unit, measure = _UNITS[tokens[index + 2].text]
        return unit, measure, tokens[index + 2].end, 2
    if following.text == "\u00b0" and index + 2 < len(tokens) and tokens[index + 2].text in "fc":
        return "deg", "temperature", tokens[index + 2].end, 2
    known = _UNITS.get(following.text)
    if known is None:
        return None, None, end, 0
    unit, measure = known
    used = 1
    if (
        index + 3 < len(tokens)
        and tokens[index + 2].text == "/"
        and tokens[index + 3].text in _PER
        and measure in _DOSE_CLASSES | {"weight"}
    ):
        unit, used = f"{unit}/{tokens[index + 3].text}", 3
    return unit, measure, tokens[index + used].end, used


def _anchor(
    tokens: list[Token], index: int, drugs: list[Mention], measure: str | None
) -> str | None:
    start = tokens[index].start
    if measure in _DOSE_CLASSES:
        # A dose belongs to the nearest drug named before it in the same stretch of text.
        drug = _drug_before(drugs, start)
        if drug is not None:
            return drug
    for back in range(index - 1, max(-1, index - 4), -1):
        token = tokens[back]
        if token.kind == "punct" and token.text not in _LABEL_SKIP:
            return None
        if token.kind == "word" and token.text not in _LABEL_SKIP and token.content:
            return token.stem
    return None


def _tag_routes(tokens: list[Token]) -> None:
    # "by mouth" is how a drug is taken, not the patient's mouth.
    for previous, token in pairwise(tokens):
        if previous.text == "by" and token.text in _ROUTE_NOUNS:
            token.tag("route")


def _drug_before(drugs: list[Mention], start: int) -> str | None:
    """Return the drug named last before ``start``, close enough to own what follows."""
    before = [d for d in drugs if d.end <= start and start - d.end <= _DRUG_REACH]
    return before[-1].key if before else None


def _sides(tokens: list[Token], lexicon: Lexicon) -> list[Mention]:
    found: list[Mention] = []
    for index, token in enumerate(tokens):
        side = lexicon.laterality.get(token.text) if token.kind == "word" else None
        if side is None:
            continue
        part = _part_after(tokens, index, lexicon)
        # A lone "l" or "r" is a side only right before a body part ("R knee", not "R 16"),
        # and never after a number ("2 L nasal cannula" is litres).
        after_number = index > 0 and tokens[index - 1].kind == "num"
        if len(token.text) == 1 and (part is None or after_number):
            continue
        end = part[1] if part else token.end
        found.append(Mention(side, token.start, end, part[0] if part else None))
    return found


def _part_after(tokens: list[Token], index: int, lexicon: Lexicon) -> tuple[str, int] | None:
    for ahead in tokens[index + 1 : index + 5]:
        if ahead.text in _SIDE_FILLER:
            continue  # "left-sided shoulder", "right side of the chest"
        if ahead.kind == "punct":
            return None
        if ahead.text in lexicon.body_parts or ahead.stem in lexicon.body_parts:
            return ahead.stem, ahead.end
    return None


def _frequencies(tokens: list[Token], lexicon: Lexicon, drugs: list[Mention]) -> list[Mention]:
    # "2 times a day" holds a number: frequencies match on every token's text, numbers included.
    texts = [t.text for t in tokens]
    starts = lexicon.frequency_first_words
    found: list[Mention] = []
    index = 0
    while index < len(tokens):
        if texts[index] not in starts:
            index += 1
            continue
        for size in (4, 3, 2, 1):
            key = lexicon.frequencies.get(tuple(texts[index : index + size]))
            if key is not None and index + size <= len(tokens):
                start = tokens[index].start
                drug = _drug_before(drugs, start)
                found.append(Mention(key, start, tokens[index + size - 1].end, drug))
                index += size
                break
        else:
            index += 1
    return found
