"""The verifier's vocabularies, read once from the data files shipped in ``verify/data``.

Drug names are generated from the CC0 DrugBank vocabulary (``scripts/build_drug_lexicon.py``),
negation and uncertainty triggers from medSpaCy's ConText rules (MIT,
``scripts/build_context_rules.py``); the brand names, abbreviations and clinical word lists
were written for chartdraft.
"""

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

_DATA = "chartdraft.verify.data"


@dataclass(frozen=True)
class ContextTrigger:
    """A ConText trigger phrase: what it signals and which way its scope runs."""

    category: str
    """``NEGATED_EXISTENCE``, ``POSSIBLE_EXISTENCE``, ``HISTORICAL``, ``HYPOTHETICAL``,
    ``FAMILY``, ``TERMINATE`` or ``PSEUDO``."""
    direction: str
    """``FORWARD``, ``BACKWARD``, ``BIDIRECTIONAL``, ``TERMINATE`` or ``PSEUDO``."""
    words: tuple[str, ...]


@dataclass(frozen=True, eq=False)  # compared by identity: it is loaded once and cached
class Lexicon:
    """Every word list the verifier consults, keyed for fast look-up."""

    drugs: dict[tuple[str, ...], str]
    """Drug names (as word tuples, lower case) to the generic they stand for."""
    drug_first_words: frozenset[str]
    abbreviations: dict[str, tuple[str, ...]]
    """An abbreviation (lower case) to the words it stands for."""
    frequencies: dict[tuple[str, ...], str]
    """A frequency as typed ("twice daily", "bid") to its canonical key ("2/d")."""
    body_parts: frozenset[str]
    findings: frozenset[str]
    """Symptoms and examination findings ("fever", "wheezes", "edema")."""
    tests: frozenset[str]
    diagnosis_words: frozenset[str]
    diagnosis_suffixes: tuple[str, ...]
    suffix_exceptions: frozenset[str]
    """Words with a diagnosis suffix that name no disease ("diagnosis", "prognosis")."""
    plan_verbs: frozenset[str]
    hedges: tuple[tuple[str, ...], ...]
    laterality: dict[str, str]
    triggers: tuple[ContextTrigger, ...]

    @property
    def frequency_first_words(self) -> frozenset[str]:
        """Words a frequency phrase can start with ("twice", "bid", "every")."""
        return _frequency_starts(self)

    @property
    def compounds(self) -> frozenset[str]:
        """Hyphenated terms read as one word ("x-ray", "d-dimer")."""
        return _compounds(self)

    def drug_at(self, words: list[str], index: int) -> tuple[str, int] | None:
        """Return the generic name and word count of a drug starting at ``words[index]``."""
        if words[index] not in self.drug_first_words:
            return None
        for size in (3, 2, 1):
            if index + size <= len(words):
                generic = self.drugs.get(tuple(words[index : index + size]))
                if generic is not None:
                    return generic, size
        return None


def _text(name: str) -> str:
    return resources.files(_DATA).joinpath(name).read_text(encoding="utf-8")


def _toml(name: str) -> dict[str, object]:
    return tomllib.loads(_text(name))


def _words(value: str) -> tuple[str, ...]:
    return tuple(value.lower().split())


def _drugs() -> dict[tuple[str, ...], str]:
    names: dict[tuple[str, ...], str] = {}
    for raw in _text("drugs.txt").splitlines():
        name = raw.strip()
        if name and not name.startswith("#"):
            names[_words(name)] = name.lower()
    for brand, generics in _toml("brands.toml").items():
        if isinstance(generics, list) and generics:
            # A combination brand stands for its first ingredient; each ingredient also stands
            # for itself, so "Augmentin" and "amoxicillin" match.
            names[_words(brand)] = str(generics[0]).lower()
    return names


def _string_list(table: dict[str, object], key: str) -> list[str]:
    value = table.get(key, [])
    return [str(v).lower() for v in value] if isinstance(value, list) else []


def _triggers() -> tuple[ContextTrigger, ...]:
    found = []
    for line in _text("context_rules.tsv").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        category, direction, phrase = line.split("\t")
        found.append(ContextTrigger(category, direction, _words(phrase)))
    return tuple(found)


_DIGITS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6"}


def _with_digits(table: dict[tuple[str, ...], str]) -> dict[tuple[str, ...], str]:
    # Text is read with number words as digits, so "three times daily" must also match "3 ...".
    extra = {tuple(_DIGITS.get(w, w) for w in words): key for words, key in table.items()}
    return {**extra, **table}


@cache
def _frequency_starts(lexicon: Lexicon) -> frozenset[str]:
    return frozenset(words[0] for words in lexicon.frequencies)


@cache
def _compounds(lexicon: Lexicon) -> frozenset[str]:
    words = (*lexicon.tests, *lexicon.body_parts, *lexicon.diagnosis_words, *lexicon.abbreviations)
    return frozenset(w for w in words if "-" in w and " " not in w)


@cache
def default_lexicon() -> Lexicon:
    """Return the shipped lexicon (read once per process)."""
    drugs = _drugs()
    abbreviations_file = _toml("abbreviations.toml")
    abbreviations = abbreviations_file.get("abbreviations", {})
    frequencies = abbreviations_file.get("frequencies", {})
    terms = _toml("clinical_terms.toml")
    laterality = terms.get("laterality", {})
    return Lexicon(
        drugs=drugs,
        drug_first_words=frozenset(words[0] for words in drugs),
        abbreviations={
            str(k).lower(): _words(str(v))
            for k, v in (abbreviations.items() if isinstance(abbreviations, dict) else ())
        },
        frequencies=_with_digits(
            {
                _words(str(k)): str(v)
                for k, v in (frequencies.items() if isinstance(frequencies, dict) else ())
            }
        ),
        body_parts=frozenset(_string_list(terms, "body_parts")),
        findings=frozenset(_string_list(terms, "findings")),
        tests=frozenset(_string_list(terms, "tests")),
        diagnosis_words=frozenset(_string_list(terms, "diagnosis_words")),
        diagnosis_suffixes=tuple(_string_list(terms, "diagnosis_suffixes")),
        suffix_exceptions=frozenset(_string_list(terms, "suffix_exceptions")),
        plan_verbs=frozenset(_string_list(terms, "plan_verbs")),
        hedges=tuple(_words(h) for h in _string_list(terms, "hedges")),
        laterality={
            str(k).lower(): str(v).lower()
            for k, v in (laterality.items() if isinstance(laterality, dict) else ())
        },
        triggers=_triggers(),
    )
