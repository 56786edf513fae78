"""Read the dates the detector finds, and write them back shifted in the same format.

Every date of a visit moves by one offset, so intervals ("two weeks after surgery") survive
pseudonymization. A date we cannot read is replaced by a placeholder instead.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

_MONTHS = (
    "january february march april may june july august september october november december"
).split()
_NUMERIC = re.compile(r"(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{4}|\d{2}))?")
_ISO = re.compile(r"(\d{4})([-/.])(\d{2})\2(\d{2})")
_WORDY = re.compile(
    r"(?i)(?P<the>the\s+)?(?P<d1>\d{1,2})?(?P<o1>st|nd|rd|th)?(?P<of>\s+of)?[\s-]*"
    r"(?P<month>[a-z]+)(?P<dot>\.)?(?P<sep>[\s-]+)?(?P<d2>\d{1,2}(?!\d))?(?P<o2>st|nd|rd|th)?"
    r"(?P<comma>,)?(?P<ysep>[\s-]+)?(?P<year>\d{4}|\d{2})?"
)
NO_YEAR = 2000
"""The year assumed for a date written without one (a leap year, so 29 February reads)."""
_LEAP = NO_YEAR


@dataclass(frozen=True)
class ShiftedDate:
    """A date as read and its shifted spelling."""

    value: date
    text: str


def shift_date(text: str, days: int) -> ShiftedDate | None:
    """Return ``text`` read as a date and shifted by ``days`` in its own format, or None."""
    for reader in (_shift_iso, _shift_numeric, _shift_wordy):
        shifted = reader(text.strip(), days)
        if shifted is not None:
            return shifted
    return None


def read_date(text: str) -> date | None:
    """Return the date ``text`` names, or None."""
    shifted = shift_date(text, 0)
    return shifted.value if shifted else None


def _shift_iso(text: str, days: int) -> ShiftedDate | None:
    match = _ISO.fullmatch(text)
    if not match:
        return None
    year, sep, month, day = match.groups()
    value = _date(int(year), int(month), int(day))
    if value is None:
        return None
    new = value + timedelta(days=days)
    return ShiftedDate(new, f"{new.year:04d}{sep}{new.month:02d}{sep}{new.day:02d}")


def _shift_numeric(text: str, days: int) -> ShiftedDate | None:
    match = _NUMERIC.fullmatch(text)
    if not match:
        return None
    month, sep, day, year = match.groups()
    value = _date(_full_year(year), int(month), int(day))
    if value is None:
        return None
    new = value + timedelta(days=days)
    style = "0" if month.startswith("0") or day.startswith("0") else ""  # 03/04 or 3/4
    parts = [_like(style + month, new.month), _like(style + day, new.day)]
    spelled = sep.join(parts + ([_year_like(year, new.year)] if year else []))
    return ShiftedDate(new, spelled)


def _shift_wordy(text: str, days: int) -> ShiftedDate | None:
    match = _WORDY.fullmatch(text)
    if not match or not match["month"]:
        return None
    month = _month(match["month"])
    day = match["d1"] or match["d2"]
    if month is None or (not day and not match["year"] and not days):
        return None if month is None else ShiftedDate(date(_LEAP, month, 1), text)
    value = _date(_full_year(match["year"]), month, int(day or 1))
    if value is None:
        return None
    new = value + timedelta(days=days)
    if not day:  # "March 2024": only the month and year are written
        new = value.replace(month=new.month, year=new.year)
    parts = match.groupdict()
    name = _spell_month(match["month"], new.month)
    if match["d1"]:
        parts["d1"] = _like(match["d1"], new.day)
        parts["o1"] = _ordinal(new.day) if match["o1"] else None
    if match["d2"]:
        parts["d2"] = _like(match["d2"], new.day)
        parts["o2"] = _ordinal(new.day) if match["o2"] else None
    if match["year"]:
        parts["year"] = _year_like(match["year"], new.year)
    parts["month"] = name
    order = ("the", "d1", "o1", "of", "month", "dot", "sep", "d2", "o2", "comma", "ysep", "year")
    spelled = _rejoin(text, match, parts, order)
    return ShiftedDate(new, spelled)


def _rejoin(
    text: str, match: re.Match[str], parts: dict[str, str | None], order: tuple[str, ...]
) -> str:
    # Keep whatever lies between the groups (spaces, hyphens) exactly as written.
    out: list[str] = []
    cursor = 0
    for name in order:
        start, end = match.span(name)
        if start < 0:
            continue
        out.append(text[cursor:start])
        out.append(parts[name] or "")
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _full_year(year: str | None) -> int:
    if not year:
        return _LEAP
    value = int(year)
    return value + (2000 if value < 50 else 1900) if len(year) == 2 else value


def _year_like(written: str, year: int) -> str:
    return f"{year % 100:02d}" if len(written) == 2 else f"{year:04d}"


def _like(written: str, value: int) -> str:
    return f"{value:02d}" if written.startswith("0") else str(value)


def _month(word: str) -> int | None:
    key = word.lower().rstrip(".")
    for number, name in enumerate(_MONTHS, start=1):
        if len(key) >= 3 and name.startswith(key):
            return number
    return None


def _spell_month(written: str, month: int) -> str:
    name = _MONTHS[month - 1]
    short = len(written.rstrip(".")) <= 4 and written.lower() not in {"june", "july"}
    spelled = name[:3] if short and len(name) > 4 else name
    if short and name == "september" and written.lower().startswith("sept"):
        spelled = "sept"
    if written.isupper():
        return spelled.upper()
    return spelled.capitalize() if written[0].isupper() else spelled


def _ordinal(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
