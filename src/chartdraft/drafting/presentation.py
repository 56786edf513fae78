"""Tidy the clinician's own words for the note without adding clinical content.

Allowed: white space, capitalisation of the first word, closing punctuation, capitals for
common abbreviations the clinician typed in lower case, and joining vitals into one line.
Never: new words, expanded abbreviations, units the clinician did not give.
"""

import re

# Typed in lower case at the start of an item, these read better in capitals ("htn" -> "HTN").
# Only abbreviations with one clinical reading: not "pt" (patient or physical therapy), "im"
# (intramuscular or "I'm"), "pe", "ed", "er", "ha", "cp", "ct".
ABBREVIATIONS = frozenset(
    """
    a1c adhd bmp bp bph cad cbc chf ckd cmp copd cxr ecg ekg gerd hiv hld hpi htn ldl hdl mri
    nkda osa ptsd ros rrr sob tsh uri uti rtc f/u
    """.split()
)

_VITAL_LABELS = {
    "bp": "BP", "b/p": "B/P", "hr": "HR", "rr": "RR", "r": "R", "spo2": "SpO2", "sp02": "SpO2",
    "bmi": "BMI", "wt": "Wt", "ht": "Ht", "t": "T", "p": "P", "temp": "Temp", "o2 sat": "O2 sat",
    "sat": "Sat",
}  # fmt: skip
_VITAL = re.compile(
    r"\b(?P<label>bp|b/p|blood pressure|hr|heart rate|pulse|p|rr|r|resp(?:iratory)? rate|"
    r"resp(?:irations?)?|t|"
    r"temp|temperature|spo2|sp02|o2 sat(?:uration)?|oxygen sat(?:uration)?|sats?|pulse ox|wt|weight|"
    r"ht|height|bmi|pain)"
    r"\s*(?:(?:is|of|was|=|:)\s*)?"  # one optional joiner: adjacent \s* would backtrack
    r"(?:\d{2,3}\s*(?:/|over)\s*\d{2,3}|\d+(?:\.\d+)?)"
    r"(?:\s*(?:%|mm\s?hg|bpm|kg|kgs|lbs?|cm|in|m|°\s?[fc]|°|f|c|/10|kg/m2))?"
    r"(?:\s*(?:on room air|on ra|ra))?",
    re.IGNORECASE,
)
_VITALS_LABEL = re.compile(r"^\s*(?:vitals?|vital signs|vs)(?:\s*[:\-])?\s*", re.IGNORECASE)
_REMARK = re.compile(r"\([^()]{0,40}\)")  # "(seated, R arm)" qualifies a vital; it is not content
_FILLER = re.compile(r"[\s,;.]|\band\b", re.IGNORECASE)
_FIRST_WORD = re.compile(r"([A-Za-z][A-Za-z0-9/]*)")
_CLOSING = ".!?"


def tidy(text: str, *, close: bool = True) -> str:
    """Return an item with its white space folded, first word capitalised and a closing stop."""
    text = " ".join(text.split()).rstrip(",;")
    text = _capitalise_first_word(text)
    if close and text and text[-1] not in _CLOSING:
        text += "."
    return text


def is_vitals(text: str) -> bool:
    """Return True when an item is nothing but vital-sign measurements."""
    body = _VITALS_LABEL.sub("", text, count=1)
    if not _VITAL.search(body):
        return False
    return not _FILLER.sub("", _REMARK.sub("", _VITAL.sub("", body)))


def vitals_line(items: list[str]) -> str:
    """Join vitals items into one line, in the order given, with standard label capitals."""
    parts = [
        _VITAL.sub(_label_in_capitals, " ".join(item.split()).rstrip(",;. ")) for item in items
    ]
    return tidy(", ".join(parts))


def _label_in_capitals(match: re.Match[str]) -> str:
    label = match.group("label")
    fixed = _VITAL_LABELS.get(label.lower())
    if fixed is None:
        return match.group(0)
    return fixed + match.group(0)[len(label) :]


def _capitalise_first_word(text: str) -> str:
    found = _FIRST_WORD.match(text)
    if found is None:
        return text
    word = found.group(1)
    if word.lower() in ABBREVIATIONS and word.islower():
        return word.upper() + text[len(word) :]
    # Only plain lower-case ASCII words: "pH", "eGFR" and non-Latin text keep their case.
    if word.isascii() and word.isalpha() and word.islower():
        return word[0].upper() + text[1:]
    return text
