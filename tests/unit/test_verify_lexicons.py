"""The verifier's lexicons parse, are clean, hold what the verifier relies on, and match sources."""

import re
import subprocess
import sys
import tomllib
from collections import Counter
from importlib.resources import files
from pathlib import Path

import pytest

DATA = Path(str(files("chartdraft.verify") / "data"))
SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"

CONTEXT_CATEGORIES = {
    "NEGATED_EXISTENCE",
    "POSSIBLE_EXISTENCE",
    "HISTORICAL",
    "HYPOTHETICAL",
    "FAMILY",
}
CONTEXT_DIRECTIONS = {"FORWARD", "BACKWARD", "BIDIRECTIONAL", "TERMINATE", "PSEUDO"}
FREQUENCY_KEYS = {
    "1/d", "2/d", "3/d", "4/d", "q4h", "q4-6h", "q6h", "q8h", "qhs", "qam", "qpm",
    "1/wk", "2/wk", "3/wk", "1/2wk", "1/mo", "1/3mo", "1/yr", "1/2d", "prn",
}  # fmt: skip

COMMON_DRUGS = [
    *(
        "lisinopril metformin amlodipine atorvastatin ibuprofen acetaminophen amoxicillin "
        "prednisone albuterol hydrochlorothiazide levothyroxine gabapentin sertraline omeprazole "
        "warfarin apixaban furosemide losartan metoprolol potassium calcium glucose magnesium iron"
    ).split(),
    "insulin glargine",
    "potassium chloride",
    "vitamin d",
]

# Words of ordinary clinical text that must never be read as a drug name.
NOT_DRUGS = (
    "pain fever cough water blood chest left right daily normal exam plan history patient "
    "control test air oxygen nitrogen tea milk egg dog cat cotton corn wheat peanut balance "
    "support release capsule tablet gel cream lotion ointment solution sugar salt alcohol coffee "
    "honey same date monitor tobacco cholesterol hemoglobin creatinine"
).split()

# Brand ingredients DrugBank's open vocabulary does not name.
GENERICS_NOT_IN_DRUGBANK = {
    "divalproex sodium",  # Depakote; DrugBank lists valproic acid, not this salt form
}

# Abbreviations where our reading differs from the Stetson inventory on purpose.
STETSON_DIFFERENCES = {
    "nad": "no acute distress is the usual US reading; Stetson has 'no apparent distress'",
    "mmm": "the inventory misspells the sense ('membanes')",
    "qpm": "qpm is every evening; Stetson's notes record 'every afternoon'",
}


def data_lines(name: str) -> list[str]:
    """Return the non-comment lines of a generated data file."""
    text = (DATA / name).read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def load_toml(name: str) -> dict:
    """Return a TOML data file, parsed (tomllib rejects duplicate keys)."""
    return tomllib.loads((DATA / name).read_text(encoding="utf-8"))


def duplicates(items: list[str]) -> list[str]:
    """Return the items that occur more than once."""
    return [item for item, count in Counter(items).items() if count > 1]


def drug_names() -> set[str]:
    """Return the names in drugs.txt."""
    return set(data_lines("drugs.txt"))


def test_drug_names_are_clean_sorted_and_unique() -> None:
    names = data_lines("drugs.txt")
    assert 15_000 < len(names) < 40_000
    assert names == sorted(set(names))
    assert all(re.fullmatch(r"[a-z0-9 -]{3,40}", name) for name in names)
    assert all(1 <= len(name.split(" ")) <= 3 for name in names)


def test_generated_files_say_where_they_came_from() -> None:
    for name, source, licence in [
        ("drugs.txt", "DrugBank Open Data", "CC0 1.0"),
        ("context_rules.tsv", "medspaCy", "MIT License"),
    ]:
        text = (DATA / name).read_text(encoding="utf-8")
        header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
        assert source in header, name
        assert licence in header, name
        assert re.search(r"commit [0-9a-f]{40}", header), name
        assert "do not edit" in header, name


@pytest.mark.parametrize("drug", COMMON_DRUGS)
def test_common_drug_is_known(drug: str) -> None:
    assert drug in drug_names()


@pytest.mark.parametrize("word", NOT_DRUGS)
def test_everyday_word_is_not_a_drug(word: str) -> None:
    assert word not in drug_names()


def test_allergen_food_and_organism_entries_are_gone() -> None:
    names = drug_names()
    assert not [n for n in names if re.search(r"\b(pollen|allergenic|dander|extract)\b", n)]
    assert "escherichia coli" not in names
    assert "candida albicans" not in names
    assert "peach" not in names


def test_brands_map_to_known_generics() -> None:
    brands = load_toml("brands.toml")
    assert len(brands) >= 150
    known = drug_names() | GENERICS_NOT_IN_DRUGBANK
    for brand, generics in brands.items():
        assert re.fullmatch(r"[a-z][a-z0-9-]*", brand), brand
        assert generics, brand
        assert generics == [g.lower() for g in generics], brand
        assert not duplicates(generics), brand
        assert set(generics) <= known, (brand, set(generics) - known)


def test_brand_examples() -> None:
    brands = load_toml("brands.toml")
    assert brands["tylenol"] == ["acetaminophen"]
    assert brands["augmentin"] == ["amoxicillin", "clavulanic acid"]
    assert brands["z-pak"] == ["azithromycin"]


def test_abbreviations_are_lower_case_with_one_expansion() -> None:
    table = load_toml("abbreviations.toml")["abbreviations"]
    assert len(table) >= 250
    for abbreviation, expansion in table.items():
        assert abbreviation == abbreviation.lower(), abbreviation
        assert isinstance(expansion, str), abbreviation
        assert expansion, abbreviation
        assert expansion == expansion.lower(), abbreviation
    assert table["htn"] == "hypertension"
    assert table["bid"] == "twice daily"
    assert table["n/v"] == "nausea and vomiting"


@pytest.mark.parametrize("ambiguous", ["pt", "pe", "ms", "ra", "ed", "cc", "d/c", "cva"])
def test_ambiguous_abbreviation_is_left_out(ambiguous: str) -> None:
    assert ambiguous not in load_toml("abbreviations.toml")["abbreviations"]


def test_frequencies_share_canonical_keys() -> None:
    frequencies = load_toml("abbreviations.toml")["frequencies"]
    assert set(frequencies.values()) <= FREQUENCY_KEYS
    assert all(phrase == phrase.lower() for phrase in frequencies)
    same = {"bid", "b.i.d.", "twice daily", "twice a day", "2 times a day", "q12h"}
    assert {frequencies[phrase] for phrase in same} == {"2/d"}
    assert frequencies["daily"] != frequencies["twice daily"]
    assert frequencies["nightly"] == frequencies["at bedtime"] == "qhs"


def test_clinical_term_lists_are_clean() -> None:
    terms = load_toml("clinical_terms.toml")
    sizes = {"body_parts": 150, "tests": 100, "diagnosis_words": 200, "plan_verbs": 50}
    for name, minimum in {**sizes, "hedges": 30, "diagnosis_suffixes": 5}.items():
        words = terms[name]
        assert len(words) >= minimum, name
        assert not duplicates(words), (name, duplicates(words))
        assert all(w == w.lower() and w == " ".join(w.split()) for w in words), name
    # A hedge changes how certain a statement is; it must not double as another kind of word.
    others = set().union(*(terms[name] for name in sizes))
    assert not set(terms["hedges"]) & others
    assert not set(terms["suffix_exceptions"]) & set(terms["diagnosis_words"])


def test_laterality_maps_to_three_sides() -> None:
    laterality = load_toml("clinical_terms.toml")["laterality"]
    assert set(laterality.values()) == {"left", "right", "bilateral"}
    assert laterality["lt"] == "left"
    assert laterality["b/l"] == "bilateral"


def test_context_rules_have_three_known_columns() -> None:
    rows = [line.split("\t") for line in data_lines("context_rules.tsv")]
    assert all(len(row) == 3 for row in rows)
    assert {row[0] for row in rows} <= CONTEXT_CATEGORIES
    assert {row[1] for row in rows} <= CONTEXT_DIRECTIONS
    for _, _, phrase in rows:
        assert phrase == phrase.lower(), phrase
        assert phrase == " ".join(phrase.split()), phrase
        assert "n't" not in phrase, phrase
    assert not duplicates(["\t".join(row) for row in rows])
    assert rows == sorted(rows)
    triggers = {(row[0], row[2]) for row in rows}
    assert ("NEGATED_EXISTENCE", "denies") in triggers
    assert ("NEGATED_EXISTENCE", "no evidence of") in triggers
    assert ("HISTORICAL", "history") in triggers
    assert ("FAMILY", "mother") in triggers
    assert ("POSSIBLE_EXISTENCE", "rule out") in triggers


@pytest.mark.corpus
@pytest.mark.parametrize(
    ("script", "generated"),
    [("build_drug_lexicon.py", "drugs.txt"), ("build_context_rules.py", "context_rules.tsv")],
)
def test_generated_file_matches_its_script(
    shared_data: Path, tmp_path: Path, script: str, generated: str
) -> None:
    out = tmp_path / generated
    subprocess.run(
        [sys.executable, SCRIPTS / script, "--data", shared_data, "--out", out],
        check=True,
        capture_output=True,
        timeout=60,
    )
    assert out.read_text(encoding="utf-8") == (DATA / generated).read_text(encoding="utf-8")


_STOPWORDS = {"a", "an", "the", "of", "and", "or", "to"}


def _stems(text: str) -> frozenset[str]:
    """Return crude word stems so "years old" ~ "year old", "abdomen" ~ "abdominal"."""
    text = text.replace("-", "").replace(" a day", " daily")
    words = [w for w in re.findall(r"[a-z0-9]+", text) if w not in _STOPWORDS]
    return frozenset(w.rstrip("s")[:5] if len(w) > 3 else w for w in words)


def _agrees(ours: str, senses: list[str]) -> bool:
    """Return True when our expansion is, up to wording, one of the inventory's senses."""
    for sense in senses:
        if ours in sense or sense in ours or _stems(ours) == _stems(sense):
            return True
        # "upper respiratory infection" ~ "upper respiratory tract infection"
        if len(_stems(ours)) >= 2 and _stems(ours) <= _stems(sense):
            return True
    return False


@pytest.mark.corpus
def test_abbreviations_agree_with_stetson_inventory(shared_data: Path) -> None:
    # The inventory gives each sense's share, not how often an abbreviation occurs, so the
    # "most frequent" ones cannot be picked out; every abbreviation both lists is checked.
    inventory: dict[str, list[str]] = {}
    path = shared_data / "clinical-abbreviations" / "stetson_sense_distribution_448.tsv"
    for line in path.read_text(encoding="utf-8").splitlines():
        abbreviation, sense, _share = line.split("\t")
        inventory.setdefault(abbreviation.lower(), []).append(sense.lower())
    ours = load_toml("abbreviations.toml")["abbreviations"]
    shared = [a for a in inventory if a in ours and a not in STETSON_DIFFERENCES]
    assert len(shared) >= 40
    disagreements = {
        a: (ours[a], inventory[a]) for a in shared if not _agrees(ours[a], inventory[a])
    }
    assert not disagreements
