"""Identifiers the draft introduced: a name, date or number the clinician never gave.

An invented name or date can attach a note to the wrong person or visit, so each is reported
even when the rest of the statement is supported. The recognizers are deliberately simple
(titles, capitalised words the input lacks, date shapes, long numbers, contact details); the
PHI detector of the privacy package does the thorough job on the input side.
"""

import re
from collections.abc import Iterator

from chartdraft.domain.findings import FindingKind, Severity
from chartdraft.verify.align import InputIndex
from chartdraft.verify.problems import Problem
from chartdraft.verify.words import STOPWORDS

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("an email address", re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")),
    ("a web address", re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)),
    ("a phone number", re.compile(r"(?<!\d)\(?\d{3}\)?[-. ]\d{3}[-. ]\d{4}(?!\d)")),
    ("an identifier", re.compile(r"\b\d{3}-\d{2}-\d{4}\b|(?<![\d.,/])\d{6,}(?![\d.,/])")),
    ("an identifier", re.compile(r"\b(?:MRN|DOB|SSN|acct|account)\b\W{0,3}\w+", re.IGNORECASE)),
    ("a date", re.compile(r"\b\d{1,2}[/-]\d{1,2}[/-](?:\d{4}|\d{2})\b|\b\d{4}-\d{2}-\d{2}\b")),
    (
        "a date",
        re.compile(
            rf"\b{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?\b"
            rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTHS}\b(?:,?\s+\d{{4}})?",
            re.IGNORECASE,
        ),
    ),
    (
        "a name",
        re.compile(
            r"\b(?:Dr|Mr|Mrs|Ms|Miss|Mx|Prof|Doctor|Nurse)\.?\s+[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?"
        ),
    ),
)
# Capitalised words, whole ("EpiPen", "SpO2", "IgA" are not "Epi", "Sp", "Ig"), in runs.
_NAME_WORD = r"[A-Z][a-z]+(?:['\u2019-][A-Za-z]+)*(?![\w'\u2019-])"
_MAY_IDENTIFY = re.compile(
    r"[\d@]|www\.|https?:|\b(?:dr|mr|mrs|ms|miss|mx|prof|doctor|nurse|mrn|dob|ssn|acct|account)\b",
    re.IGNORECASE,
)
_CAPITALISED = re.compile(rf"(?<![\w'\u2019-]){_NAME_WORD}(?:\s+{_NAME_WORD})*")
_LETTERS = re.compile(r"[^\W\d_]+")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\n\u2022*-]\s*|\(\s*)$")


def phi_problems(text: str, index: InputIndex) -> list[Problem]:
    """Return a problem for each identifier in ``text`` that the input does not contain."""
    problems: list[Problem] = []
    taken: list[tuple[int, int]] = []
    for what, start, end in _candidates(text, index):
        if any(start < e and s < end for s, e in taken):
            continue
        taken.append((start, end))
        problems.append(
            Problem(
                FindingKind.PHI_INTRODUCED,
                Severity.MAJOR,
                f'The draft names {what}, "{text[start:end]}", that is not in the input.',
                (start, end),
            )
        )
    return problems


def _candidates(text: str, index: InputIndex) -> Iterator[tuple[str, int, int]]:
    # Every pattern needs a digit, "@", a web prefix or a title: most statements have none.
    patterns = _PATTERNS if _MAY_IDENTIFY.search(text) else ()
    for what, pattern in patterns:
        for found in pattern.finditer(text):
            if not _given(found.group(), index):
                yield what, found.start(), found.end()
    for found in _CAPITALISED.finditer(text):
        names = [w for w in found.group().split() if _could_be_name(w, index)]
        if not names:
            continue
        if text[found.end() : found.end() + 1] == ":":
            continue  # a label ("Cardiovascular: ..."), not a person
        at_start = bool(_SENTENCE_START.search(text[: found.start()]))
        # A capitalised word opening a sentence is ordinary; two in a row are a name.
        if at_start and len(found.group().split()) < 2:
            continue
        if at_start and len(names) == 1 and found.group().split()[0] == names[0]:
            continue
        yield "a name", found.start(), found.end()


def _given(value: str, index: InputIndex) -> bool:
    folded = " ".join(value.lower().split())
    return any(folded in text for text in index.folded_fields)


def _could_be_name(word: str, index: InputIndex) -> bool:
    lower = word.lower()
    lexicon = index.lexicon
    # "Hoffman's", "Smith-Magenis": known when each part is in the input.
    if all(part in index.words for part in _LETTERS.findall(lower)):
        return False
    if lower in STOPWORDS or lower in lexicon.abbreviations:
        return False
    known = (
        lexicon.body_parts, lexicon.tests, lexicon.diagnosis_words, lexicon.plan_verbs,
        lexicon.laterality,
    )  # fmt: skip
    return not any(lower in words for words in known) and lexicon.drug_at([lower], 0) is None
