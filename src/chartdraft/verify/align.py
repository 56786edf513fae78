"""Find, for each draft statement, the input passages that support it.

A statement's own citations are hints, never proof: support is found by the words the two
share, weighted by how rare each word is in this visit (a shared "lisinopril" says more than
a shared "pain"), allowing for typos and morphology with rapidfuzz.
"""

import heapq
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from chartdraft.domain.sections import SectionName
from chartdraft.domain.visit import Passage, SourceSpan, Visit
from chartdraft.verify.facts import TextFacts, read_facts
from chartdraft.verify.lexicon import Lexicon
from chartdraft.verify.words import stem as stem_of
from chartdraft.verify.words import tokenize

_COMMON = 200
"""A word in more items than this tells no item apart; it is not used to find candidates."""
_CANDIDATES = 40
"""Items considered as support for one statement, the best-sharing first."""
MAX_SUPPORT = 3
"""A statement may merge up to this many input items ("No fever. No cough." -> one sentence)."""
_EXTRA_SHARE = 0.15
_FUZZY_CUTOFF = 88.0
_FUZZY_MIN = 5
_WORD = re.compile(r"[^\W\d_]+")
_JUDGEMENT = frozenset({SectionName.ASSESSMENT, SectionName.PLAN})


@dataclass
class InputPassage:
    """One input item with its facts; offsets of the facts are relative to the passage text."""

    number: int
    passage: Passage
    facts: TextFacts

    def span(self, start: int, end: int) -> SourceSpan:
        """Return the input span of characters ``start:end`` of this passage's text."""
        base = self.passage.span.start
        return SourceSpan(field=self.passage.span.field, start=base + start, end=base + end)

    @property
    def judgement(self) -> bool:
        """True for the clinician's own assessment or plan."""
        return self.passage.section in _JUDGEMENT


@dataclass
class Alignment:
    """The passages that best support one statement, and how much of it they cover."""

    passages: list[InputPassage]
    coverage: float
    """Share of the statement's content (weighted by rarity) found in those passages."""
    resolved: dict[str, str]
    """Each content stem of the statement -> the input stem it matches (itself, or a typo's)."""
    missing: set[str] = field(default_factory=set)
    """Content stems found nowhere in the input."""


class InputIndex:
    """Every passage of one visit, read once, with an inverted index over their stems."""

    def __init__(self, visit: Visit, lexicon: Lexicon) -> None:
        self.visit = visit
        self.lexicon = lexicon
        self.passages = [
            InputPassage(number, passage, read_facts(visit.text_of(passage.span), lexicon))
            for number, passage in enumerate(visit.passages)
        ]
        self._by_field: dict[str, list[InputPassage]] = {}
        for item in self.passages:
            self._by_field.setdefault(item.passage.span.field, []).append(item)
        self.postings: dict[str, list[int]] = {}
        for item in self.passages:
            for stem in item.facts.stems:
                self.postings.setdefault(stem, []).append(item.number)
        # Header words ("Review of systems") are the clinician's too, though not a passage.
        extra = " ".join([*(h.label for h in visit.headings), visit.encounter_type or ""])
        self.stems = set(self.postings) | {t.stem for t in tokenize(extra, lexicon) if t.content}
        total = len(self.passages) + 1
        self.idf = {s: math.log(total / (len(p) + 0.5)) + 1.0 for s, p in self.postings.items()}
        self._rare = math.log(total / 0.5) + 1.0
        self._fuzzy_pool = sorted(s for s in self.stems if len(s) >= _FUZZY_MIN and s[0] != "#")
        self._fuzzy: dict[str, str | None] = {}
        self._side_stems = frozenset(stem_of(w) for w in lexicon.laterality)
        self.words = {
            w.lower()
            for text in (*(f.text for f in visit.fields), extra)
            for w in _WORD.findall(text)
        }
        self.drugs = {d.key for p in self.passages for d in p.facts.drugs}
        self.quantities = [(p, q) for p in self.passages for q in p.facts.quantities]
        self.side_pairs = {(m.key, m.part) for p in self.passages for m in p.facts.sides}
        self.schedules = {m.key for p in self.passages for m in p.facts.frequencies}
        self.judgement_stems = {s for p in self.passages if p.judgement for s in p.facts.stems}
        self.judgement_drugs = {d.key for p in self.passages if p.judgement for d in p.facts.drugs}
        self.folded_fields = tuple(" ".join(f.text.lower().split()) for f in visit.fields)
        """Each field lower-cased with its white space folded, for finding a value verbatim."""

    def weight(self, stem: str) -> float:
        """Return how telling a shared stem is in this visit (rarer is more telling)."""
        return self.idf.get(stem, self._rare)

    def resolve(self, stem: str) -> str | None:
        """Return the input stem that ``stem`` stands for (itself or a near spelling), if any."""
        if stem in self.stems:
            return stem
        if len(stem) < _FUZZY_MIN or stem.startswith("#"):
            return None
        if stem not in self._fuzzy:
            best = process.extractOne(
                stem, self._fuzzy_pool, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF
            )
            self._fuzzy[stem] = best[0] if best and best[0][0] == stem[0] else None
        return self._fuzzy[stem]

    def align(
        self,
        facts: TextFacts,
        cited: tuple[SourceSpan, ...] = (),
        *,
        within: frozenset[SectionName] | None = None,
    ) -> Alignment:
        """Return the passages (of the ``within`` sections, if given) that best support ``facts``."""
        resolved = {s: r for s in facts.stems if (r := self.resolve(s)) is not None}
        missing = facts.stems - resolved.keys()
        # Words decide where a statement comes from; a number is then checked against that
        # input (a changed "2" must not pull in another item that happens to say "2").
        wanted = {r: self.weight(r) for r in resolved.values() if not self._checked_apart(r)}
        missing = {s for s in missing if not self._checked_apart(s)}
        total = sum(wanted.values()) + self._rare * len(missing)
        if not wanted or total == 0:
            return Alignment([], 0.0, resolved, missing)
        cited_numbers = self.cited_numbers(cited)
        if within is not None:
            cited_numbers = {n for n in cited_numbers if self.passages[n].passage.section in within}
        candidates = self._candidates(wanted, cited_numbers, within)
        chosen, covered = self._choose(candidates, wanted, cited_numbers, total)
        coverage = sum(wanted[s] for s in covered) / total
        return Alignment(sorted(chosen, key=lambda p: p.number), coverage, resolved, missing)

    def _choose(
        self,
        candidates: list[InputPassage],
        wanted: dict[str, float],
        cited_numbers: set[int],
        total: float,
    ) -> tuple[list[InputPassage], set[str]]:
        """Pick greedily the items that add the most support, up to ``MAX_SUPPORT``."""
        shared = {c.number: c.facts.stems & wanted.keys() for c in candidates}
        # On a tie: the item the statement cites, then the item with the fewest other words
        # (its own item, not a longer one that also mentions it), then the earlier item.
        ties = {
            c.number: (
                c.number in cited_numbers,
                len(shared[c.number]) - len(c.facts.stems),
                -c.number,
            )
            for c in candidates
        }
        chosen: list[InputPassage] = []
        covered: set[str] = set()
        while candidates and len(chosen) < MAX_SUPPORT:
            gain, _, best = max(
                (sum(wanted[s] for s in shared[c.number] - covered), ties[c.number], c)
                for c in candidates
            )
            if gain <= 0 or (chosen and gain < _EXTRA_SHARE * total):
                break
            chosen.append(best)
            covered |= shared[best.number]
            candidates.remove(best)
        return chosen, covered

    def _checked_apart(self, stem: str) -> bool:
        # Numbers and sides are compared on their own; as alignment words a changed "left" or
        # "2" would pull in another item that happens to say it.
        return stem.startswith("#") or stem in self._side_stems

    def cited_numbers(self, cited: tuple[SourceSpan, ...]) -> set[int]:
        """Return the numbers of the passages that ``cited`` overlaps."""
        return {
            p.number
            for span in cited
            for p in self._by_field.get(span.field, ())
            if p.passage.span.overlaps(span)
        }

    def _candidates(
        self,
        wanted: dict[str, float],
        cited_numbers: set[int],
        within: frozenset[SectionName] | None,
    ) -> list[InputPassage]:
        # The best-sharing items only: a long capture where every item says "pain" must not
        # make each statement weigh every item (quadratic on a 1 MB capture).
        scores: dict[int, float] = {}
        for stem in telling(wanted, self.postings):
            weight = wanted[stem]
            for number in self.postings.get(stem, ())[:_COMMON]:
                scores[number] = scores.get(number, 0.0) + weight
        if within is not None:
            scores = {n: w for n, w in scores.items() if self.passages[n].passage.section in within}
        best = heapq.nlargest(_CANDIDATES, scores, key=lambda n: (scores[n], -n))
        return [self.passages[n] for n in sorted({*best, *cited_numbers})]


def telling(wanted: Iterable[str], postings: Mapping[str, Sequence[int]]) -> list[str]:
    """Return the words of ``wanted`` rare enough to find candidates by (else the rarest one)."""
    words = list(wanted)
    rare = [w for w in words if len(postings.get(w, ())) <= _COMMON]
    return rare or sorted(words, key=lambda w: len(postings.get(w, ())))[:1]
