"""Generate src/chartdraft/verify/data/drugs.txt from the DrugBank Open Data vocabulary.

The grounding verifier has to recognise a drug name in a draft before it can check that the
clinician actually gave it. DrugBank's vocabulary (CC0) is the open list of generic names and
synonyms, but most of its ~50k names are nothing a clinician types (IUPAC names, foreign spellings,
allergenic extracts, foods, organisms) and a few are ordinary words ("water", "balance", "same")
that would turn everyday text into false drug mentions. This script keeps the names a clinician
would write and drops the rest, deterministically, so the generated file can be checked against it.

Usage: python scripts/build_drug_lexicon.py [--data DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from shared_data import DEFAULT_DATA, REPO, source_commit

DEFAULT_OUT = REPO / "src" / "chartdraft" / "verify" / "data" / "drugs.txt"
VOCABULARY = Path("drugbank-open-vocabulary") / "drugbank_vocabulary.csv"
SOURCE_NOTE = Path("drugbank-open-vocabulary") / "SOURCE.md"

# The shape of a name a clinician would type: plain letters, digits, spaces, hyphens.
NAME_CHARS = re.compile(r"[a-z0-9 -]+")
# At least one real word, so codes such as "ly-2" or "abt 888" do not become drug names.
REAL_WORD = re.compile(r"[a-z]{4,}")

# An entry (one DrugBank row) with any of these words in a name is an allergenic extract, an animal
# or an organism ("... whole" is DrugBank's form for whole organisms such as probiotics and
# pathogens). Every name of such an entry goes, because its short names ("cat", "peach",
# "pseudomonas aeruginosa") are exactly the ones that would match ordinary clinical text.
ALLERGEN_WORDS = frozenset(
    "allergen allergenic allergens pollen pollens dander epithelia epithelium epithelial flesh "
    "smut smuts mold molds mould venom hair feather feathers skin whole mite cockroach".split()
)

# Words naming the part of a plant a product is made from. An entry with such a name is a plant or
# food (kale, wheat, coffee bean, tobacco leaf) and goes whole, unless it is a botanical that
# primary-care notes record as a medicine (BOTANICAL_MEDICINES). Oils, resins and gums are not
# here: castor oil, mineral oil and cholestyramine resin are medicines.
PLANT_PART_WORDS = frozenset(
    "fruit fruits leaf leaves seed seeds root roots bark top flower flowers flowering bud buds "
    "rhizome nut nuts bean beans peel rind tuber husk herb herbs mycelium fruiting".split()
)

# Botanical entries kept despite PLANT_PART_WORDS (by DrugBank common name, lower-case): OTC
# laxatives and supplements that appear on medication lists.
BOTANICAL_MEDICINES = frozenset(
    {
        "st. john's wort",
        "ginkgo biloba",
        "ginseng",
        "plantago seed",
        "plantago ovata seed",
        "senna leaf",
        "frangula purshiana bark",
        "black cohosh",
        "saw palmetto",
        "milk thistle",
        "echinacea angustifolia root",
        "echinacea purpurea flowering top",
    }
)

# A single name containing one of these words is a plant preparation, food or animal product,
# whatever entry it belongs to ("senna leaf", "oyster shell powder", "insulin pork", "egg yolk").
# The entry's other names survive ("senna", "psyllium").
FOOD_OR_SOURCE_WORDS = PLANT_PART_WORDS | frozenset(
    "extract extracts powder shell stem wood juice bran kernel hull flour meal starch milk egg "
    "yolk beef pork bovine porcine ovine equine chicken fish crab shrimp oyster liver stomach "
    "placenta bile honey sugar salt tea coffee wine pepper mushroom flavor preparation "
    "absolute dust fiber olive grape cherry potato currant greens walnut chestnut carp pike "
    "halibut sole chillies malt barley vinegar pearl stool thyme".split()
)

# Names kept although they contain a FOOD_OR_SOURCE_WORDS word: medicines known by that name.
SOURCE_NAME_KEEP = frozenset(
    {
        "fish oil",
        "fish oils",
        "omega-3 fish oil",
        "cod liver oil",
        "milk of magnesia",
        "liquid glucose",
        "psyllium husk",
        "ispaghula husk",
        "senna glycosides",
    }
)

# Genera of organisms. DrugBank lists probiotics, vaccine strains and test organisms under their
# Latin names, which are also the pathogens a note reports from a culture ("escherichia coli",
# "candida albicans"); a name that starts with a genus is an organism, not a drug.
ORGANISM_GENERA = frozenset(
    "acinetobacter aspergillus bacillus bacteroides bifidobacteria bifidobacterium bordetella "
    "candida clostridium corynebacterium enterococcus escherichia haemophilus klebsiella "
    "lactobacillus lacticaseibacillus lactococcus listeria mycobacterium neisseria pediococcus "
    "penicillium propionibacterium pseudomonas saccharomyces salmonella shigella staphylococcus "
    "streptococcus trichophyton vibrio".split()
)

# Names DrugBank lists (as a drug, a synonym or a slang name) that are ordinary words in clinical
# text. Each would make a sentence look as if it named a drug, e.g. "water" (drinks water), "same",
# "date", "balance", "monitor", "oxygen" (oxygen saturation), "alcohol" (social history),
# "cholesterol" and "hemoglobin" (labs, never prescribed). Electrolytes and nutrients that notes
# use as lab names but that are also prescribed (potassium, calcium, magnesium, iron, glucose,
# zinc, vitamin d) deliberately stay; DrugBank has no bare "sodium" (only its salts and "sodium
# ion"), so none is added.
EVERYDAY_WORDS = frozenset(
    {
        # everyday words and slang names
        "air", "amber", "balance", "beam", "bore", "camp", "caps", "capture", "cascade",
        "cosmos", "date", "dimension", "dump", "ecstasy", "fang", "foxy", "inspire", "mate",
        "milestone", "monitor", "mops", "paps", "patrol", "pearl", "recap", "same", "sequel",
        "special k", "state of return", "tirade", "compound c", "heat spray", "liquid bandage",
        "blood stone", "black lead", "m cells", "h type i", "natural killer cell",
        "cord blood therapy", "protein c", "protein s", "substance p", "medical air",
        # water, gases and elements that are not prescribed in a visit note
        "water", "sterile water", "purified water", "water purified", "oxygen", "pure oxygen",
        "molecular oxygen", "nitrogen", "carbon", "carbon dioxide", "hydrogen",
        "molecular hydrogen", "helium", "atomic helium", "neon", "ozone", "chlorine", "argon",
        "xenon", "krypton", "gold", "silver", "platinum", "copper", "cobalt", "chromium",
        "graphite", "silicon", "aluminum", "aluminium", "chalk", "talc", "pumice",
        # social-history substances that notes mention as habits, not medicines
        "alcohol", "tobacco", "marijuana", "cannabis", "coffee", "tea", "green tea",
        # lab names that are never prescribed
        "cholesterol", "hemoglobin", "human hemoglobin", "creatinine", "bilirubin", "uric acid",
        "urate", "alkaline phosphatase", "aldosterone", "ammonia", "renin", "lactate",
        "prothrombin", "alanine", "aspartate", "creatine", "creatin", "nitrite", "nitrites",
        "fibrin", "fibrinogen", "plasminogen", "procalcitonin", "homocysteine", "heme", "lactose",
        "carbon monoxide",
        # bare counter-ions and chemical classes: fragments of a salt name, not a drug
        "sulfate", "sulphate", "phosphate", "nitrate", "nitrates", "chloride", "acetate",
        "citrate", "carbonate", "bicarbonate", "oxide", "hydroxide", "bromide", "iodide",
        "amino acids", "cellulose", "gelatin", "vinegar", "glycerin",
        # foods, spices and animals that have a drug-like entry of their own
        "almond", "apple", "apricot", "artichoke", "asparagus", "avocado", "banana", "barley",
        "basil", "bean", "beet", "blackberry", "broccoli", "cabbage", "cantaloupe", "carrot",
        "cashew", "cashews", "catfish", "cauliflower", "caviar", "celery", "cherry", "chicken",
        "cinnamon", "coconut", "corn", "cotton", "cranberry", "cucumber", "dill", "duck",
        "eggplant", "garlic", "ginger", "goose", "grape", "grapefruit", "haddock", "herring",
        "honey", "hops", "horseradish", "lamb", "leek", "lemon", "lentil", "lettuce", "lime",
        "mackerel", "mango", "milk", "mushroom", "nectarine", "nutmeg", "oatmeal", "okra",
        "olive", "onion", "orange", "papaya", "paprika", "parsley", "parsnip", "peanut", "pear",
        "perch", "pineapple", "pistachio", "plum", "pomegranate", "pork", "potato", "poultry",
        "pumpkin", "rabbit", "radish", "raspberry", "rice", "rosemary", "sage", "scallop",
        "smelt", "snail", "spinach", "squash", "strawberry", "swordfish", "tangerine", "thyme",
        "tomato", "trout", "turkey", "turnip", "vanilla", "veal", "venison", "watermelon",
        "wheat", "yeast", "yeasts", "egg", "dog", "cat", "wool", "silk", "rayon", "beeswax",
        "cornstarch", "spearmint", "licorice", "whey", "whey protein", "aspartame", "oats",
        "carob", "cumin", "whitefish", "talcum", "agua",
        # first names, surnames, places and brands of other things: they turn up in notes as such
        "alec", "cade", "hank", "merlin", "serina", "sulema", "laurine", "indio", "eisen",
        "hierro", "kupfer", "gana", "pala", "mayou", "diskin", "titan", "tetris", "osprey",
        "primus", "endura",
        # lab and dye words: "kappa/lambda light chains", "indigo carmine"
        "lambda", "indigo",
    }
)  # fmt: skip


def normalize(name: str) -> str:
    """Return ``name`` lower-cased with runs of whitespace collapsed to one space."""
    return " ".join(name.lower().split())


def is_typed_name(name: str) -> bool:
    """Return True when ``name`` (normalized) has the shape of a name typed in a note."""
    words = name.split(" ")
    return (
        3 <= len(name) <= 40
        and 1 <= len(words) <= 3
        and NAME_CHARS.fullmatch(name) is not None
        and any(REAL_WORD.fullmatch(word) for word in words)
    )


def words_of(name: str) -> set[str]:
    """Return the space-separated words of ``name``."""
    return set(name.split(" "))


def entry_names(row: dict[str, str]) -> tuple[str, list[str]]:
    """Return the normalized common name and every normalized name of one DrugBank row."""
    common = normalize(row["Common name"])
    synonyms = [normalize(s) for s in row["Synonyms"].split(" | ") if s.strip()]
    return common, [common, *synonyms]


def is_source_entry(common: str, names: list[str]) -> bool:
    """Return True for an allergenic extract, organism, plant or food entry."""
    # Long names are descriptions ("... retinal pigment epithelial cells ..."), not what it is.
    short = [name for name in names if name == common or is_typed_name(name)]
    if any(words_of(name) & ALLERGEN_WORDS for name in short):
        return True
    if common in BOTANICAL_MEDICINES:
        return False
    return any(words_of(name) & PLANT_PART_WORDS for name in short)


def keep_name(name: str) -> bool:
    """Return True when ``name`` belongs in the lexicon."""
    if not is_typed_name(name) or name in EVERYDAY_WORDS:
        return False
    words = name.split(" ")
    if words[0] in ORGANISM_GENERA:
        return False
    return name in SOURCE_NAME_KEEP or not (set(words) & FOOD_OR_SOURCE_WORDS)


# Names clinicians write for a whole family that DrugBank lists only by its members
# ("insulin glargine", "penicillin g"): an allergy to "penicillin" or "takes insulin" is a drug.
FAMILY_NAMES = ("insulin", "penicillin", "penicillins", "cephalosporin", "cephalosporins")
# Synonyms that are chart shorthand, not drug names ("penicillin hx" is an allergy history).
NOT_NAMES = frozenset({"penicillin hx"})


def drug_names(rows: Iterable[dict[str, str]]) -> list[str]:
    """Return the sorted, unique drug names kept from the DrugBank rows."""
    kept: set[str] = set(FAMILY_NAMES)
    for row in rows:
        common, names = entry_names(row)
        if is_source_entry(common, names):
            continue
        kept.update(name for name in names if keep_name(name) and name not in NOT_NAMES)
    return sorted(kept)


def header(commit: str) -> Iterator[str]:
    """Yield the attribution comment lines of the generated file."""
    yield "# Drug names (lower-case generic names and synonyms), one per line."
    yield "# Source: DrugBank Open Data vocabulary (drugbank_vocabulary.csv), CC0 1.0,"
    yield "#   https://go.drugbank.com/releases/latest#open-data"
    yield f"#   (copy at source commit {commit})."
    yield "# Filtered to names a clinician types; allergenic extracts, foods, organisms and"
    yield "# everyday words removed; a few family names added (insulin, penicillin)."
    yield "# Generated by scripts/build_drug_lexicon.py; do not edit."


def read_rows(path: Path) -> list[dict[str, str]]:
    """Return the rows of the DrugBank vocabulary CSV."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def main(argv: list[str] | None = None) -> int:
    """Build drugs.txt and report how many names were kept."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data directory")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="file to write")
    args = parser.parse_args(argv)
    csv_path = args.data / VOCABULARY
    if not csv_path.is_file():
        print(f"DrugBank vocabulary not found at {csv_path}", file=sys.stderr)
        return 2
    names = drug_names(read_rows(csv_path))
    lines = [*header(source_commit(args.data / SOURCE_NOTE)), *names]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"kept {len(names)} drug names -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
