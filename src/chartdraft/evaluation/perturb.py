"""Errors a model makes inside a statement: a number, dose, drug, side, negation or hedge.

Each perturbation is ``(draft, visit, rng, vocab) -> Perturbation | None``: one change to one
statement of the draft, labelled with the finding a verifier should raise for it, or None
when the note has nothing of that kind. ``PERTURBERS`` lists all ten kinds in report order.
"""

import random
import re
from collections.abc import Iterator
from functools import lru_cache

from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.visit import Visit
from chartdraft.evaluation.perturb_additions import (
    add_diagnosis,
    add_name,
    add_plan_item,
    delete_sentence,
)
from chartdraft.evaluation.perturb_assertion import flip_negation, upgrade_certainty
from chartdraft.evaluation.perturbation import (
    Edit,
    Perturbation,
    PerturbationKind,
    Perturber,
    apply_edit,
    apply_one,
    drug_in_note,
    pick,
    regex_edits,
    seeded,
    source_text,
    statements,
    visit_text,
)
from chartdraft.evaluation.vocab import DRUG_ALIASES, Vocab
from chartdraft.evaluation.wording import match_case, mentions, numbers_in

# 124/90, 37.9, 88, 50 (of 50-year-old); not 08/27/03, 1,000, COVID-19, L4 or 12:30.
_NUMBER = re.compile(r"(?<![\w.,/:-])(\d+(?:\.\d+)?)(?:/(\d+(?:\.\d+)?))?(?![\w/:]|[.,]\d)")
_DOSE_UNIT_AFTER = re.compile(
    r"[\s-]?(?:mg|mcg|µg|g|gm|grams?|ml|cc|l|units?|iu|meq|tabs?|tablets?|capsules?|puffs?)\b(?!/)",
    re.IGNORECASE,
)
_ENUMERATOR_AFTER = re.compile(r"[.)]\s+[A-Z]")
_DOSE = re.compile(
    r"(?<![\w.,/:-])(?P<value>\d+(?:\.\d+)?)(?P<gap>[\s-]?)(?P<unit>mg|mcg|g|ml|l|units?)\b(?!/)",
    re.IGNORECASE,
)
_UNIT_SWAPS = {"mg": ("mcg", "g"), "mcg": ("mg",), "g": ("mg",), "ml": ("L",), "l": ("mL",)}


def change_number(
    draft: SoapDraft, visit: Visit, rng: random.Random, vocab: Vocab
) -> Perturbation | None:
    """Change one measured number (a vital, lab value, age or duration), never a dose."""
    options: list[tuple[Edit, list[str]]] = []
    for section, statement in statements(draft):
        given = set(numbers_in(source_text(visit, statement)))
        for match in _NUMBER.finditer(statement.text):
            if _is_dose_or_label(statement.text, match):
                continue
            for group in _mutable_parts(match):
                variants = [v for v in _number_variants(match.group(group)) if v not in given]
                if variants:
                    edit = Edit(section, statement, match.start(group), match.end(group), "")
                    options.append((edit, variants))
    return _replace_one(draft, PerturbationKind.NUMBER_CHANGE, options, rng)


def change_dose(
    draft: SoapDraft, visit: Visit, rng: random.Random, vocab: Vocab
) -> Perturbation | None:
    """Change one dose: ten times or half the amount, or the wrong unit."""
    options: list[tuple[Edit, list[str]]] = []
    for section, statement in statements(draft):
        given = source_text(visit, statement).lower()
        for match in _DOSE.finditer(statement.text):
            variants = [v for v in _dose_variants(match) if not _dose_given(v, given)]
            if variants:
                options.append((Edit(section, statement, match.start(), match.end(), ""), variants))
    return _replace_one(draft, PerturbationKind.DOSE_UNIT_CHANGE, options, rng)


def _replace_one(
    draft: SoapDraft,
    kind: PerturbationKind,
    options: list[tuple[Edit, list[str]]],
    rng: random.Random,
) -> Perturbation | None:
    # One place, then one of its replacements, both drawn by ``rng``.
    chosen = pick(rng, options)
    if chosen is None:
        return None
    edit, variants = chosen
    replaced = Edit(edit.section, edit.statement, edit.start, edit.end, rng.choice(variants))
    return apply_edit(draft, kind, replaced)


def swap_drug(
    draft: SoapDraft, visit: Visit, rng: random.Random, vocab: Vocab
) -> Perturbation | None:
    """Replace a drug with another of its class (or any common drug) the note never names."""
    note = visit_text(visit)
    classes = vocab.drug_classes
    unnamed = [d for drugs in classes.values() for d in drugs if not drug_in_note(note, d)]
    drug_class = {d: name for name, drugs in classes.items() for d in drugs}
    names = (*drug_class, *(a for a, d in DRUG_ALIASES.items() if d in drug_class))

    def other_drug(match: re.Match[str], _text: str) -> str | None:
        found = match.group(0).lower()
        drug = DRUG_ALIASES.get(found, found)
        same = [d for d in classes[drug_class[drug]] if d != drug and d in unnamed]
        choices = same or [d for d in unnamed if d != drug]
        return match_case(match.group(0), rng.choice(choices)) if choices else None

    edits = regex_edits(draft, _names_pattern(names), other_drug)
    return apply_one(draft, PerturbationKind.DRUG_SWAP, rng, edits)


@lru_cache(maxsize=4)
def _names_pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    # Longest first, so that "methylprednisolone" is not found as "prednisolone".
    alternatives = "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
    return re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE)


_BODY = (
    "side|sided|upper|lower|arm|arms|leg|legs|knee|knees|hip|shoulder|ankle|foot|feet|hand|"
    "wrist|elbow|eye|ear|breast|lung|kidney|flank|chest|thigh|calf|heel|toe|toes|finger|thumb|"
    "buttock|groin|testicle|testis|ovary|ovarian|adnexa|adnexal|lobe|hemithorax|extremity|"
    "extremities|quadrant|temporal|frontal|parietal|occipital|carotid|femoral|inguinal|axilla|"
    "axillary|tympanic|tm|maxillary|ventricle|ventricular|atrium|atrial|great|big|little|index|"
    "middle|ring|pinky|patella|tibia|fibula|radius|ulna|clavicle|rib|ribs|forearm|shin|neck|"
    "face|facial|cheek|jaw|nostril|naris|tonsil|hilum|hilar|pleural|base|basilar|mid|lumbar|"
    "cervical|posterior|anterior|medial|lateral|glute|gluteal|hamstring|elbows|wrists|shoulders"
)
_SIDE = re.compile(
    rf"\b(?:left|right)(?=(?:\s+|-)(?:{_BODY})\b)|(?<=\b(?:on|to|at|in) the )(?:left|right)\b"
    r"|\bbilateral(?:ly)?\b",
    re.IGNORECASE,
)


def flip_laterality(
    draft: SoapDraft, visit: Visit, rng: random.Random, vocab: Vocab
) -> Perturbation | None:
    """Write the other side: left for right, right for left, one side for both."""

    def other_side(match: re.Match[str], _text: str) -> str | None:
        word = match.group(0).lower()
        side = {"left": "right", "right": "left"}.get(word) or rng.choice(("left", "right"))
        new = f"on the {side}" if word == "bilaterally" else side
        return match_case(match.group(0), new)

    edits = list(regex_edits(draft, _SIDE, other_side))
    # A side the sources also name elsewhere would make the flip look supported.
    unseen = [
        e for e in edits if not mentions(source_text(visit, e.statement).lower(), e.replacement)
    ]
    return apply_one(draft, PerturbationKind.LATERALITY_FLIP, rng, unseen or edits)


def _is_dose_or_label(text: str, match: re.Match[str]) -> bool:
    after = text[match.end() :]
    if _DOSE_UNIT_AFTER.match(after):
        return True
    whole = match.group(1)
    if match.group(2) is None and re.fullmatch(r"(?:19|20)\d\d", whole):
        return True  # a year: a date, not a measurement
    before = text[: match.start()].rstrip()
    is_enumerator = before == "" or before.endswith((".", ":", ";"))
    return is_enumerator and match.group(2) is None and bool(_ENUMERATOR_AFTER.match(after))


def _mutable_parts(match: re.Match[str]) -> list[int]:
    # A blood pressure's two numbers can both be wrong; a score's or a count's denominator
    # (7/10, 2/52) is the scale, not a measurement.
    second = match.group(2)
    if second is None:
        return [1]
    both = float(match.group(1)) >= 30 and float(second) >= 30
    return [1, 2] if both else [1]


def _number_variants(number: str) -> list[str]:
    whole, dot, fraction = number.partition(".")
    digits = list(whole)
    found: set[str] = set()
    for i in range(len(digits) - 1):  # transposed digits: 124 -> 142
        swapped = digits.copy()
        swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
        found.add("".join(swapped))
    for i, digit in enumerate(digits):  # one digit off: 88 -> 98, 37.9 -> 38.9
        for step in (1, -1):
            value = int(digit) + step
            if 0 <= value <= 9:
                changed = digits.copy()
                changed[i] = str(value)
                found.add("".join(changed))
    usable = {w for w in found if not (w.startswith("0") and (len(w) > 1 or whole != "0"))}
    return sorted(f"{w}{dot}{fraction}" for w in usable if w != whole)


def _dose_variants(match: re.Match[str]) -> list[str]:
    value, gap, unit = match.group("value"), match.group("gap"), match.group("unit")
    amount = float(value)
    variants = [f"{_amount(amount * 10)}{gap}{unit}"]
    if amount >= 1:
        variants.append(f"{_amount(amount / 2)}{gap}{unit}")
    key = unit.lower().rstrip("s") if unit.lower().startswith("unit") else unit.lower()
    swaps = ("mL",) if key == "unit" else _UNIT_SWAPS.get(key, ())
    variants += [f"{value}{gap}{swap}" for swap in swaps]
    return [v for v in variants if v != match.group(0)]


def _dose_given(dose: str, given_lower: str) -> bool:
    value, unit = re.match(r"([\d.]+)\s?(\S+)", dose).groups()  # type: ignore[union-attr]
    if value not in numbers_in(given_lower) or unit.lower() not in given_lower:
        return False
    return (
        re.search(rf"\b{re.escape(value)}\s?{re.escape(unit.lower())}\b", given_lower) is not None
    )


def _amount(value: float) -> str:
    return f"{value:g}"


PERTURBERS: dict[PerturbationKind, Perturber] = {
    PerturbationKind.NUMBER_CHANGE: change_number,
    PerturbationKind.DOSE_UNIT_CHANGE: change_dose,
    PerturbationKind.DRUG_SWAP: swap_drug,
    PerturbationKind.LATERALITY_FLIP: flip_laterality,
    PerturbationKind.NEGATION_FLIP: flip_negation,
    PerturbationKind.ADDED_DIAGNOSIS: add_diagnosis,
    PerturbationKind.ADDED_PLAN_ITEM: add_plan_item,
    PerturbationKind.CERTAINTY_UPGRADE: upgrade_certainty,
    PerturbationKind.DELETED_SENTENCE: delete_sentence,
    PerturbationKind.ADDED_NAME: add_name,
}


def perturb(draft: SoapDraft, visit: Visit, seed: str, vocab: Vocab) -> Iterator[Perturbation]:
    """Yield one perturbed copy of ``draft`` for every kind the note offers, in report order.

    Each kind draws from its own generator seeded by ``seed`` and the kind, so adding a kind
    or skipping one never changes what the others do.
    """
    for kind, perturber in PERTURBERS.items():
        perturbation = perturber(draft, visit, seeded(seed, kind.value), vocab)
        if perturbation is not None:
            yield perturbation
