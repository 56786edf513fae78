"""Score a sentence for each SOAP section from the cue phrases in ``cues.toml``."""

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from chartdraft.domain.sections import SOAP_ORDER, SectionName

_STRONG, _WEAK = 3, 1


@dataclass(frozen=True)
class CueScore:
    """How strongly a sentence points at one section, and the cue that counted most."""

    section: SectionName
    score: int
    cue: str | None


@dataclass(frozen=True)
class _SectionCues:
    leading: re.Pattern[str] | None
    strong: tuple[re.Pattern[str], ...]
    weak: tuple[re.Pattern[str], ...]


class CueBook:
    """The cue phrases of every section, compiled once."""

    def __init__(self, raw: dict[str, dict[str, list[str]]]) -> None:
        self._cues = {SectionName(name): _compile(table) for name, table in raw.items()}

    def scores(self, sentence: str) -> list[CueScore]:
        """Return each section's score for ``sentence``, highest first (SOAP order on ties)."""
        results = [self._score(section, sentence) for section in SOAP_ORDER]
        return sorted(results, key=lambda r: -r.score)

    def opens_with_plan_verb(self, text: str) -> bool:
        """Return True when ``text`` starts like a plan item ("Continue ...", "Refer to ...")."""
        leading = self._cues[SectionName.PLAN].leading
        return bool(leading and leading.match(text.lstrip(" -*\u2022")))

    def _score(self, section: SectionName, sentence: str) -> CueScore:
        cues = self._cues.get(section)
        if cues is None:
            return CueScore(section, 0, None)
        score, best, best_weight = 0, None, 0
        found = [(cues.leading, _STRONG)] if cues.leading else []
        found += [(p, _STRONG) for p in cues.strong] + [(p, _WEAK) for p in cues.weak]
        for pattern, weight in found:
            match = pattern.match(sentence) if pattern is cues.leading else pattern.search(sentence)
            if match:
                score += weight
                if weight > best_weight:
                    best, best_weight = match.group(0).strip(), weight
        return CueScore(section, score, best)


def _compile(table: dict[str, list[str]]) -> _SectionCues:
    def words(pattern: str) -> str:
        # Cues start at a word boundary and never end inside a word ("lung" is not "lunge").
        return rf"(?<![\w/])(?:{pattern})(?![A-Za-z/])"

    leading = table.get("leading")
    return _SectionCues(
        leading=re.compile(rf"\s*(?:{'|'.join(words(p) for p in leading)})", re.I)
        if leading
        else None,
        strong=tuple(re.compile(words(p), re.I) for p in table.get("strong", [])),
        weak=tuple(re.compile(words(p), re.I) for p in table.get("cues", [])),
    )


@cache
def default_cues() -> CueBook:
    """Return the cue book bundled with chartdraft."""
    text = resources.files(__package__).joinpath("cues.toml").read_text("utf-8")
    return CueBook(tomllib.loads(text))
