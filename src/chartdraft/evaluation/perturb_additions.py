"""Errors that add or remove whole statements: a diagnosis, a plan item, a name, a lost fact."""

import random
import re
from collections import Counter

from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.note import Statement
from chartdraft.domain.sections import SectionName
from chartdraft.domain.visit import Visit
from chartdraft.evaluation.perturbation import (
    EXPECTED_FINDING,
    Edit,
    Perturbation,
    PerturbationKind,
    PerturbationLabel,
    apply_edit,
    drug_in_note,
    insert_statement,
    next_statement_id,
    pick,
    remove_statement,
    spans_overlap,
    statements,
    term_in_note,
    visit_text,
)
from chartdraft.evaluation.vocab import (
    ADVICE,
    DIAGNOSIS_FRAMES,
    PLAN_FRAMES,
    SPECIALTIES,
    STARTER_DOSES,
    TESTS,
    Vocab,
)
from chartdraft.evaluation.wording import mentions, upper_first

_STOPWORDS = frozenset(
    """the and for with that this was were has have had are his her she him they them their
    from not but who which will would been into per also any all can does did there then than
    its our out she's he's patient""".split()
)
# A statement of nothing but these ("Past medical history #") is a heading, not a fact.
_HEADING_WORDS = frozenset(
    w[:5]
    for w in """past medical surgical family social history examination exam physical review systems
    medications allergies assessment plan results impression diagnosis note""".split()
)
_RELATIONS = (
    ("daughter", "female"), ("son", "male"), ("wife", "female"), ("husband", "male"),
    ("sister", "female"), ("brother", "male"), ("mother", "female"), ("partner", "unknown"),
)  # fmt: skip
_COMPANION_FRAMES = (
    "{Poss} {relation} {name} was present.",
    "Accompanied today by {poss} {relation}, {name}.",
    "History was obtained from {poss} {relation}, {name}.",
)
_COLLEAGUE_FRAMES = ("Discussed with Dr. {surname}.", "Case reviewed with Dr. {surname}.")
_SUBJECT = re.compile(r"^(?:The patient|Patient|He|She)\b")


def add_diagnosis(
    draft: SoapDraft, visit: Visit, rng: random.Random, vocab: Vocab
) -> Perturbation | None:
    """Add an assessment statement naming a diagnosis the note does not contain."""
    note = visit_text(visit)
    diagnosis = pick(rng, [d for d in vocab.diagnoses if not term_in_note(note, d)])
    if diagnosis is None:
        return None
    frame = rng.choice(DIAGNOSIS_FRAMES)
    text = frame.format(dx=diagnosis, Dx=upper_first(diagnosis))
    return _add(
        draft,
        PerturbationKind.ADDED_DIAGNOSIS,
        SectionName.ASSESSMENT,
        text=text,
        inserted=diagnosis,
        rng=rng,
    )


def add_plan_item(
    draft: SoapDraft, visit: Visit, rng: random.Random, vocab: Vocab
) -> Perturbation | None:
    """Add a plan statement the clinician never decided: a drug, test, referral or advice."""
    note = visit_text(visit)
    items = {
        "drug": [f"{d} {dose}" for d, dose in STARTER_DOSES.items() if not drug_in_note(note, d)],
        "test": [t for t in TESTS if not term_in_note(note, t)],
        "referral": [s for s in SPECIALTIES if not term_in_note(note, s)],
        "advice": [a for a in ADVICE if not term_in_note(note, a)],
    }
    kind = pick(rng, [k for k, found in items.items() if found])
    if kind is None:
        return None
    item = rng.choice(items[kind])
    text = upper_first(rng.choice(PLAN_FRAMES[kind]).format(item=item))
    return _add(
        draft, PerturbationKind.ADDED_PLAN_ITEM, SectionName.PLAN, text=text, inserted=item, rng=rng
    )


def delete_sentence(
    draft: SoapDraft, visit: Visit, rng: random.Random, vocab: Vocab
) -> Perturbation | None:
    """Remove one statement whose facts the rest of the draft does not repeat."""
    lost = _statements_with_a_fact_of_their_own(list(statements(draft)))
    longer = [(s, st) for s, st in lost if len(st.text.split()) >= 4]
    chosen = pick(rng, longer or lost)
    if chosen is None:
        return None
    section, statement = chosen
    kind = PerturbationKind.DELETED_SENTENCE
    label = PerturbationLabel(
        kind=kind,
        expected=EXPECTED_FINDING[kind],
        section=section,
        statement_id=statement.id,
        before=statement.text,
        after="",
        sources=statement.sources,
    )
    return Perturbation(draft=remove_statement(draft, statement.id), label=label)


def add_name(
    draft: SoapDraft, visit: Visit, rng: random.Random, vocab: Vocab
) -> Perturbation | None:
    """Put a person's name the clinician never wrote into the note."""
    note = visit_text(visit)
    surnames = [n for n in vocab.surnames if not mentions(note, n)]
    if not surnames or not (vocab.female_names or vocab.male_names):
        return None
    surname = rng.choice(surnames)
    she = len(re.findall(r"\b(?:she|her|hers)\b", note))
    he = len(re.findall(r"\b(?:he|him|his)\b", note))
    kind = PerturbationKind.ADDED_NAME
    subjects = [(sec, st) for sec, st in statements(draft) if _SUBJECT.match(st.text) is not None]
    ways = ("companion", "colleague", "subject") if subjects else ("companion", "colleague")
    way = rng.choice(ways)
    if way == "colleague":
        text = rng.choice(_COLLEAGUE_FRAMES).format(surname=surname)
        return _add(draft, kind, SectionName.PLAN, text=text, inserted=surname, rng=rng)
    relation, sex = rng.choice(_RELATIONS)
    first = _first_name(vocab, note, rng, sex if way == "companion" else _sex(she, he))
    if first is None:
        return None
    if way == "subject":
        section, statement = rng.choice(subjects)
        end = _SUBJECT.match(statement.text).end()  # type: ignore[union-attr]
        title = {"female": "Ms.", "male": "Mr."}.get(_sex(she, he), first)
        name = f"{title} {surname}"
        return apply_edit(draft, kind, Edit(section, statement, 0, end, name))
    poss = {"female": "her", "male": "his"}.get(_sex(she, he), "the patient's")
    text = rng.choice(_COMPANION_FRAMES).format(
        Poss=upper_first(poss), poss=poss, relation=relation, name=f"{first} {surname}"
    )
    return _add(
        draft, kind, SectionName.SUBJECTIVE, text=text, inserted=f"{first} {surname}", rng=rng
    )


def _sex(she: int, he: int) -> str:
    return "female" if she > he else "male" if he > she else "unknown"


def _first_name(vocab: Vocab, note: str, rng: random.Random, sex: str) -> str | None:
    pool = {
        "female": vocab.female_names,
        "male": vocab.male_names,
    }.get(sex, vocab.female_names + vocab.male_names)
    return pick(rng, [n for n in pool if not mentions(note, n)])


def _add(
    draft: SoapDraft,
    kind: PerturbationKind,
    section: SectionName,
    *,
    text: str,
    inserted: str,
    rng: random.Random,
) -> Perturbation:
    # A model that cites the wrong quote cites a neighbour's; one that cites nothing, nothing.
    existing = draft.section(section).statements
    index = rng.randint(0, len(existing))
    neighbours = existing[max(0, index - 1) : index + 1]
    sources = rng.choice(neighbours).sources if neighbours and rng.random() < 0.5 else ()
    form = "bullet" if section is SectionName.PLAN else "sentence"
    statement = Statement(id=next_statement_id(draft), text=text, sources=sources, form=form)
    label = PerturbationLabel(
        kind=kind,
        expected=EXPECTED_FINDING[kind],
        section=section,
        statement_id=statement.id,
        before="",
        after=text,
        sources=sources,
        inserted=inserted,
    )
    return Perturbation(draft=insert_statement(draft, section, index, statement), label=label)


def _statements_with_a_fact_of_their_own(
    found: list[tuple[SectionName, Statement]],
) -> list[tuple[SectionName, Statement]]:
    # A word said by only one statement is lost with it; a fact is lost when a number, or a
    # good share of the statement's words, is said nowhere else ("demonstrates decreased" is
    # no new fact beside "demonstrated a reduced ejection fraction of 45%").
    said = Counter(word for _, st in found for word in _content_words(st.text))
    lost = []
    for section, statement in found:
        words = _content_words(statement.text)
        unique = {w for w in words if said[w] == 1}
        fact_lost = any(w.isdigit() for w in unique) or len(unique) >= max(2, 0.4 * len(words))
        fact_lost = fact_lost and not words <= _HEADING_WORDS
        # Input another statement also cites is not lost with this one.
        shares_input = any(
            spans_overlap(statement.sources, st.sources) for _, st in found if st.id != statement.id
        )
        if statement.sources and fact_lost and not shares_input:
            lost.append((section, statement))
    return lost


def _content_words(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9]+(?:[.'/][a-z0-9]+)*", text.lower())
    # Five letters stand for the word: "demonstrates" and "demonstrated" are one word here.
    return {w[:5] for w in words if (len(w) > 2 or w.isdigit()) and w not in _STOPWORDS}
