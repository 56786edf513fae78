"""Recognise the section headers clinicians type, from the lexicon in ``headers.toml``."""

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

from chartdraft.domain.sections import SectionName

HeaderTarget = SectionName | Literal["assessment_plan", "encounter_type"]

_SEPARATOR = r"[ \t]*(?P<sep>:|[-\u2013\u2014](?=[ \t])|$)"
_SHORTEST_BARE_HEADER = 4
_LONGEST_TYPE_LINE = 40  # "Encounter type: annual physical", not a sentence


@dataclass(frozen=True)
class HeaderMatch:
    """A header found at the start of a line."""

    label: str
    """The header exactly as typed (``HPI``, ``A/P``)."""
    target: HeaderTarget
    primary: bool
    """True when the label names the SOAP section itself (it is replaced by the section title)."""
    anywhere: bool
    """True when the label may open its section at any point (primary, unambiguous or emphatic)."""
    content_start: int
    """Offset in the line where the text after the header begins."""


@dataclass(frozen=True)
class _Entry:
    target: HeaderTarget
    primary: bool
    anywhere: bool


class HeaderLexicon:
    """Matches a line against every known header label, longest label first."""

    def __init__(self, entries: dict[str, _Entry]) -> None:
        self._entries = entries
        alternatives = sorted(entries, key=len, reverse=True)
        labels = "|".join(_label_pattern(label) for label in alternatives)
        self._pattern = re.compile(
            rf"^[ \t]*(?P<md>\#{{1,6}}[ \t]*|\*\*|__)?(?P<label>{labels})(?:\*\*|__)?{_SEPARATOR}",
            re.IGNORECASE,
        )

    def match(self, line: str) -> HeaderMatch | None:
        """Return the header that starts ``line``, or None when the line is content."""
        found = self._pattern.match(line)
        if found is None:
            return None
        label, separator = found.group("label"), found.group("sep")
        content_start = found.end()
        if line.startswith(("**", "__"), content_start):  # "**Plan:** ..."
            content_start += 2
        while content_start < len(line) and line[content_start] in " \t":
            content_start += 1
        if separator == "" and not _stands_alone_as_header(label, found.group("md")):
            return None
        if len(label) == 1 and not _single_letter_header(label, separator, line[content_start:]):
            return None
        if separator not in {":", ""} and len(label) < _SHORTEST_BARE_HEADER:
            return None  # "PE - low suspicion" is a diagnosis; "Exam - normal" is a header
        entry = self._entries[_normalize(label)]
        if entry.target == "encounter_type" and len(line) - content_start > _LONGEST_TYPE_LINE:
            return None  # "Visit type: patient seen with an interpreter, mother ..." is content
        emphatic = separator == ""  # a bare capitals line or a Markdown heading
        return HeaderMatch(
            label,
            entry.target,
            entry.primary,
            entry.primary or entry.anywhere or emphatic,
            content_start,
        )


def _stands_alone_as_header(label: str, markdown: str | None) -> bool:
    # A bare line is a header only as a Markdown heading or in capitals and long enough not to
    # be a clinical abbreviation: "PLAN" and "RESULTS" are headers, "PE" and "SH" on a line of
    # their own may be a pulmonary embolism or a problem, and "follow up" is a plan item.
    return bool(markdown) or (label.isupper() and len(label) >= _SHORTEST_BARE_HEADER)


def _single_letter_header(label: str, separator: str, content: str) -> bool:
    # "S:", "O:", "A:", "P:" need a colon, and "P: 80" in a vitals list is a pulse, not a plan.
    return separator == ":" and not (label in "Pp" and content[:1].isdigit())


def _normalize(label: str) -> str:
    text = re.sub(r"\s*(?:&|\+|\band\b)\s*", " and ", label.lower())
    text = re.sub(r"\s*/\s*", "/", text)
    return " ".join(text.split())


def _label_pattern(label: str) -> str:
    parts = re.split(r"( and |/| )", label)
    pieces = []
    for part in parts:
        if part == " and ":
            pieces.append(r"[ \t]*(?:&|\+|and)[ \t]*")
        elif part == "/":
            pieces.append(r"[ \t]*/[ \t]*")
        elif part == " ":
            pieces.append(r"[ \t]+")
        else:
            pieces.append(re.escape(part))
    # A label must end at a word boundary: "p" must not match the start of "pain".
    return "".join(pieces) + (r"\b" if label[-1].isalnum() else "")


@cache
def default_lexicon() -> HeaderLexicon:
    """Return the lexicon bundled with chartdraft."""
    raw = tomllib.loads(resources.files(__package__).joinpath("headers.toml").read_text("utf-8"))
    entries: dict[str, _Entry] = {}
    for label in raw.pop("encounter_type"):
        entries[_normalize(label)] = _Entry("encounter_type", primary=True, anywhere=True)
    for key, table in raw.items():
        target: HeaderTarget = "assessment_plan" if key == "assessment_plan" else SectionName(key)
        anywhere = {_normalize(label) for label in table.get("anywhere", [])}
        for label in table.get("primary", []):
            entries[_normalize(label)] = _Entry(target, primary=True, anywhere=True)
        for label in map(_normalize, table.get("labels", [])):
            entries[label] = _Entry(target, primary=False, anywhere=label in anywhere)
    return HeaderLexicon(entries)
