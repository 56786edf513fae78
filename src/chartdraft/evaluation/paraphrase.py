"""Honest rewording a model does without changing a fact, applied at random to a draft.

A verifier must let these through: "No fever" -> "Denies fever", HTN <-> hypertension,
"She ..." -> "The patient ...", "two weeks" <-> "2 weeks", a full stop dropped or added, two
short statements joined. Every number, drug, side, negation and hedge stays as it was.
"""

import random
import re
from collections.abc import Callable

from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.note import DraftSection, Statement
from chartdraft.domain.sections import SectionName
from chartdraft.domain.visit import Visit
from chartdraft.evaluation.vocab import ABBREVIATIONS
from chartdraft.evaluation.wording import (
    NUMBER_WORDS,
    lower_first,
    match_case,
    reads_lowercase,
    upper_first,
)

_SHORT = {short: re.compile(rf"(?<![\w/-]){short}(?![\w/-])") for short, _ in ABBREVIATIONS}
_LONG = {
    long: re.compile(rf"(?<![\w/-]){re.escape(long)}(?![\w/-])", re.IGNORECASE)
    for _, long in ABBREVIATIONS
}
_UNITS = r"(?:days?|weeks?|months?|years?|hours?|times|nights|episodes|pounds)"
_DIGITS = {digit: word for word, digit in NUMBER_WORDS.items()}
_NUMBER_WORD = re.compile(rf"\b(?P<n>{'|'.join(NUMBER_WORDS)})(?=\s+{_UNITS}\b)", re.IGNORECASE)
_DIGIT = re.compile(rf"(?<![\w./,:-])(?P<n>[1-9]|1[0-2])(?=\s+{_UNITS}\b)")
# A statement that is only a negated finding: "No fever", "No chest pain or dyspnea".
_NO_FINDING = re.compile(
    r"^No (?!(?:longer|more|one|evidence|further|need|change|changes|acute|significant)\b)"
    r"(?P<rest>[a-z][a-z ,/-]*?)(?P<stop>\.?)$"
)
_DENIES = re.compile(
    r"^(?P<label>[A-Z][\w /&-]{0,30}: )?(?:Denies|Negative for)(?: any)? (?=[a-z])"
)
_VERB = re.compile(r"\b(?:is|are|was|were|has|have|had|will|to|but|and reports)\b")
_PRONOUN_START = re.compile(r"^(?:He|She) (?=[a-z])")
_SUBJECT_START = re.compile(r"^(?:He|She|They|His|Her|Their|The (?!patient\b))\b")
# "She reports ..." already says who said it: "Patient reports she reports" is no rewording.
_REPORTED = re.compile(
    r"^(?:\S+\s+){0,3}(?:reports?|reported|states?|stated|says|said|notes?|noted|endorses|denies|"
    r"complain(?:s|ed)?|admits|describes|described)\b",
    re.IGNORECASE,
)
# First words after which "Patient reports" would not read: verbs, adverbs, the patient
# already, a question word, the first or second person.
_NOT_REPORTABLE = frozenset(
    """feels felt has had have is was are were reports denies endorses complains states says
    notes presents started starts also still currently now recently otherwise then since not
    no nil never patient pt the you your i we my our what when where why how if as which who
    it this that there here a an basically non""".split()
)
_MERGE_MAX_WORDS = 8


def paraphrase(draft: SoapDraft, visit: Visit, rng: random.Random) -> SoapDraft:
    """Return the draft reworded as an honest model would write it, ids and sources kept."""
    context = "\n".join(f.text for f in visit.fields)
    sections = tuple(_section(section, rng, context) for section in draft.sections)
    return draft.model_copy(update={"sections": sections})


def _section(section: DraftSection, rng: random.Random, context: str) -> DraftSection:
    reworded = [
        st.model_copy(update={"text": reword(st.text, section.name, rng, context)})
        for st in section.statements
    ]
    return section.model_copy(update={"statements": tuple(_merge_some(reworded, rng, context))})


def reword(text: str, section: SectionName, rng: random.Random, context: str = "") -> str:
    """Return one statement's text with some honest rewordings made at random.

    ``context`` is the visit's text: a first word it has in lower case is an ordinary word,
    which a prefix such as "Patient reports" may put in lower case.
    """
    text = _negation_style(text, section, rng)
    text = _abbreviations(text, rng)
    text = _subject(text, section, rng, context)
    text = _number_words(text, rng)
    return _full_stop(text, rng)


def _negation_style(text: str, section: SectionName, rng: random.Random) -> str:
    if rng.random() >= 0.5:
        return text
    found = _NO_FINDING.match(text)
    if found and len(found["rest"].split()) <= 6 and not _VERB.search(found["rest"]):
        if section in {SectionName.SUBJECTIVE, SectionName.CHIEF_COMPLAINT}:
            # "Denies" is the patient's word: only history may use it.
            return f"{rng.choice(('Denies', 'Negative for'))} {found['rest']}{found['stop']}"
        if section is SectionName.OBJECTIVE:
            return f"Negative for {found['rest']}{found['stop']}"
        return text
    denies = _DENIES.match(text)
    if denies and section is not SectionName.PLAN:
        return f"{denies['label'] or ''}No {text[denies.end() :]}"
    return text


def _abbreviations(text: str, rng: random.Random) -> str:
    for short, long in ABBREVIATIONS:
        if rng.random() < 0.5:
            text = _SHORT[short].sub(_expansion(long), text)
        elif rng.random() < 0.5:
            text = _LONG[long].sub(short, text)
    return text


def _expansion(long: str) -> Callable[[re.Match[str]], str]:
    # An expansion that opens the statement opens it with a capital.
    return lambda match: upper_first(long) if match.start() == 0 else long


def _subject(text: str, section: SectionName, rng: random.Random, context: str) -> str:
    roll = rng.random()
    if section is SectionName.SUBJECTIVE and roll < 0.25 and _prefixable(text, context):
        prefix = rng.choice(("Patient reports ", "The patient states that "))
        if _SUBJECT_START.match(text):  # a pronoun or article: never a name
            return prefix + text[:1].lower() + text[1:]
        # A finding with no verb ("Headache on the left") is reported, not stated that.
        return "Patient reports " + lower_first(text, context)
    if roll > 0.5:
        return _PRONOUN_START.sub("The patient ", text, count=1)
    return text


def _prefixable(text: str, context: str) -> bool:
    # "She has pain", "Headache on the left": yes. "She reports ..." (said already), "Feels
    # sick" (a verb), "Cardiovascular: ..." (a label): no.
    if _REPORTED.match(text) or ":" in text:
        return False
    if _SUBJECT_START.match(text):
        return True
    first = re.match(r"[A-Za-z]+\b", text)
    if first is None:
        return False
    word = first.group(0)
    unfit = word.lower() in _NOT_REPORTABLE or word.lower().endswith(("ed", "ing"))
    return not unfit and reads_lowercase(word, context)


def _number_words(text: str, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return _NUMBER_WORD.sub(lambda m: NUMBER_WORDS[m["n"].lower()], text)
    if rng.random() < 0.5:
        return _DIGIT.sub(lambda m: match_case(m.group(0), _DIGITS[m["n"]]), text)
    return text


def _full_stop(text: str, rng: random.Random) -> str:
    if rng.random() >= 0.2:
        return text
    last_word = text.rsplit(" ", 1)[-1]
    if text.endswith(".") and text[-2:-1].isalnum() and last_word.count(".") == 1:
        return text[:-1]
    if text[-1:].isalnum():
        return text + "."
    return text


def _merge_some(statements: list[Statement], rng: random.Random, context: str) -> list[Statement]:
    merged: list[Statement] = []
    for statement in statements:
        previous = merged[-1] if merged else None
        if previous is not None and _mergeable(previous, statement) and rng.random() < 0.15:
            text = f"{previous.text.rstrip('.')}; {lower_first(statement.text, context)}"
            merged[-1] = previous.model_copy(
                update={"text": text, "sources": previous.sources + statement.sources}
            )
        else:
            merged.append(statement)
    return merged


def _mergeable(first: Statement, second: Statement) -> bool:
    short = all(len(s.text.split()) <= _MERGE_MAX_WORDS for s in (first, second))
    prose = first.form != "bullet" and second.form != "bullet"
    # Joined once only: a merged statement ends in the second's text, and ";" marks it.
    return short and prose and first.group == second.group and ";" not in first.text
