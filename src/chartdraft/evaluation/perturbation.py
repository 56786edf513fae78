"""A labelled error injected into a draft, and the edits perturbations are made of."""

import random
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.findings import FindingKind
from chartdraft.domain.note import DraftSection, Statement
from chartdraft.domain.sections import SectionName
from chartdraft.domain.visit import SourceSpan, Visit
from chartdraft.evaluation.vocab import ABBREVIATIONS, DRUG_ALIASES, Vocab
from chartdraft.evaluation.wording import mentions

T = TypeVar("T")

Rewrite = Callable[[re.Match[str], str], str | None]
"""Given a match in a statement's text (and the text), return its replacement, or None."""


class PerturbationKind(StrEnum):
    """The errors a model makes that the benchmark injects, one kind per copy."""

    NUMBER_CHANGE = "number_change"
    DOSE_UNIT_CHANGE = "dose_unit_change"
    DRUG_SWAP = "drug_swap"
    LATERALITY_FLIP = "laterality_flip"
    NEGATION_FLIP = "negation_flip"
    ADDED_DIAGNOSIS = "added_diagnosis"
    ADDED_PLAN_ITEM = "added_plan_item"
    CERTAINTY_UPGRADE = "certainty_upgrade"
    DELETED_SENTENCE = "deleted_sentence"
    ADDED_NAME = "added_name"


EXPECTED_FINDING: dict[PerturbationKind, FindingKind] = {
    PerturbationKind.NUMBER_CHANGE: FindingKind.CONTRADICTION,
    PerturbationKind.DOSE_UNIT_CHANGE: FindingKind.CONTRADICTION,
    PerturbationKind.DRUG_SWAP: FindingKind.UNSUPPORTED_STATEMENT,
    PerturbationKind.LATERALITY_FLIP: FindingKind.CONTRADICTION,
    PerturbationKind.NEGATION_FLIP: FindingKind.CONTRADICTION,
    PerturbationKind.ADDED_DIAGNOSIS: FindingKind.SCOPE_VIOLATION,
    PerturbationKind.ADDED_PLAN_ITEM: FindingKind.SCOPE_VIOLATION,
    PerturbationKind.CERTAINTY_UPGRADE: FindingKind.UNSAFE_CERTAINTY,
    PerturbationKind.DELETED_SENTENCE: FindingKind.OMISSION,
    PerturbationKind.ADDED_NAME: FindingKind.PHI_INTRODUCED,
}


@dataclass(frozen=True)
class PerturbationLabel:
    """What was changed, where, and which finding a verifier should raise for it."""

    kind: PerturbationKind
    expected: FindingKind
    section: SectionName
    statement_id: str
    """The changed or added statement; for a deletion, the removed one."""
    before: str
    """The statement's text before the change ('' for an added statement)."""
    after: str
    """Its text after the change ('' for a deleted statement)."""
    sources: tuple[SourceSpan, ...] = ()
    """The statement's sources: for a deletion, the input the draft lost."""
    inserted: str | None = None
    """The words put in (a name, drug, diagnosis), where the change inserts something."""

    def to_dict(self) -> dict[str, Any]:
        """Return the label as plain JSON-ready data."""
        return {
            "kind": self.kind.value,
            "expected": self.expected.value,
            "section": self.section.value,
            "statement_id": self.statement_id,
            "before": self.before,
            "after": self.after,
            "sources": [s.model_dump() for s in self.sources],
            "inserted": self.inserted,
        }


@dataclass(frozen=True)
class Perturbation:
    """A copy of a draft with one injected error, and its label."""

    draft: SoapDraft
    label: PerturbationLabel


class Perturber(Protocol):
    """Injects one kind of error, or returns None when the note offers nothing to change."""

    def __call__(
        self, draft: SoapDraft, visit: Visit, rng: random.Random, vocab: Vocab
    ) -> Perturbation | None:
        """Return the perturbed copy and its label."""
        ...


@dataclass(frozen=True)
class Edit:
    """Replace characters ``start:end`` of one statement's text with ``replacement``."""

    section: SectionName
    statement: Statement
    start: int
    end: int
    replacement: str

    @property
    def new_text(self) -> str:
        """The statement's text with the edit made."""
        text = self.statement.text
        return text[: self.start] + self.replacement + text[self.end :]


def statements(draft: SoapDraft) -> Iterator[tuple[SectionName, Statement]]:
    """Yield every statement of the draft with its section, in note order."""
    for section in draft.sections:
        for statement in section.statements:
            yield section.name, statement


def apply_edit(draft: SoapDraft, kind: PerturbationKind, edit: Edit) -> Perturbation:
    """Return the draft with ``edit`` made, labelled as ``kind``."""
    changed = edit.statement.model_copy(update={"text": edit.new_text})
    label = PerturbationLabel(
        kind=kind,
        expected=EXPECTED_FINDING[kind],
        section=edit.section,
        statement_id=edit.statement.id,
        before=edit.statement.text,
        after=changed.text,
        sources=edit.statement.sources,
        inserted=edit.replacement or None,
    )
    return Perturbation(draft=replace_statement(draft, changed), label=label)


def replace_statement(draft: SoapDraft, changed: Statement) -> SoapDraft:
    """Return the draft with the statement of the same id replaced by ``changed``."""
    return _map_sections(
        draft,
        lambda s: tuple(changed if st.id == changed.id else st for st in s.statements),
    )


def remove_statement(draft: SoapDraft, statement_id: str) -> SoapDraft:
    """Return the draft without the statement ``statement_id``."""
    return _map_sections(draft, lambda s: tuple(st for st in s.statements if st.id != statement_id))


def insert_statement(
    draft: SoapDraft, section: SectionName, index: int, statement: Statement
) -> SoapDraft:
    """Return the draft with ``statement`` inserted at ``index`` of ``section``."""

    def updated(s: DraftSection) -> tuple[Statement, ...]:
        if s.name is not section:
            return s.statements
        return (*s.statements[:index], statement, *s.statements[index:])

    return _map_sections(draft, updated)


def next_statement_id(draft: SoapDraft) -> str:
    """Return an id no statement of the draft has, in the engines' ``sN`` style."""
    numbers = [int(st.id[1:]) for _, st in statements(draft) if re.fullmatch(r"s\d+", st.id)]
    return f"s{max(numbers, default=0) + 1}"


def visit_text(visit: Visit) -> str:
    """Return every captured field's text, lower-cased, for 'is it in the note' checks."""
    return "\n".join(f.text for f in visit.fields).lower()


def source_text(visit: Visit, statement: Statement) -> str:
    """Return the input a statement cites, joined."""
    return " ".join(visit.text_of(s) for s in statement.sources if visit.has_span(s))


def drug_in_note(text_lower: str, drug: str) -> bool:
    """Return True when the note names ``drug`` by its generic or one of its other names."""
    return any(mentions(text_lower, name) for name in (drug, *_ALIASES_OF.get(drug, ())))


_ALIASES_OF: dict[str, list[str]] = {}
for _alias, _generic in DRUG_ALIASES.items():
    _ALIASES_OF.setdefault(_generic, []).append(_alias)
_GENERIC_WORDS = frozenset(
    """a an the of and to for with acute chronic disease syndrome disorder infection test tests
    level scan panel daily program diet vaccine new""".split()
)
_LONG_TO_SHORT = {long: short for short, long in ABBREVIATIONS}


def term_in_note(text_lower: str, term: str) -> bool:
    """Return True when any distinctive word of ``term`` (or its abbreviation) is in the note."""
    short = _LONG_TO_SHORT.get(term.lower())
    if short and mentions(text_lower, short):
        return True
    words = re.findall(r"[a-z]+", term.lower())
    return any(mentions(text_lower, w) for w in words if w not in _GENERIC_WORDS and len(w) > 2)


def spans_overlap(a: Sequence[SourceSpan], b: Sequence[SourceSpan]) -> bool:
    """Return True when any span of ``a`` shares a character of the same field with one of ``b``."""
    return any(x.overlaps(y) for x in a for y in b)


def seeded(*parts: object) -> random.Random:
    """Return a generator seeded by ``parts``: the same parts give the same draws on any run."""
    # String seeds are hashed with SHA-512, not hash(), so PYTHONHASHSEED does not matter.
    return random.Random(":".join(map(str, parts)))  # noqa: S311 (sampling, not security)


def pick(rng: random.Random, candidates: Sequence[T]) -> T | None:
    """Return one of ``candidates`` chosen by ``rng``, or None when there are none."""
    return rng.choice(candidates) if candidates else None


def regex_edits(
    draft: SoapDraft,
    pattern: re.Pattern[str],
    rewrite: Rewrite,
    sections: frozenset[SectionName] | None = None,
) -> list[Edit]:
    """Return an edit for every match of ``pattern`` that ``rewrite`` changes, in note order."""
    edits = []
    for section, statement in statements(draft):
        if sections is not None and section not in sections:
            continue
        for match in pattern.finditer(statement.text):
            new = rewrite(match, statement.text)
            if new is not None and new != match.group(0):
                edits.append(Edit(section, statement, match.start(), match.end(), new))
    return edits


def apply_one(
    draft: SoapDraft, kind: PerturbationKind, rng: random.Random, edits: Sequence[Edit]
) -> Perturbation | None:
    """Return the draft with one of ``edits`` made, or None when there is none."""
    chosen = pick(rng, edits)
    return None if chosen is None else apply_edit(draft, kind, chosen)


def _map_sections(
    draft: SoapDraft, update: Callable[[DraftSection], tuple[Statement, ...]]
) -> SoapDraft:
    sections = tuple(s.model_copy(update={"statements": update(s)}) for s in draft.sections)
    return draft.model_copy(update={"sections": sections})
