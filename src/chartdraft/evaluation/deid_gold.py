"""Build the gold sets the PHI detector is measured on: clinical notes with known identifiers.

The clinical set starts from real clinician-written notes (ACI-Bench, PriMock57, MTS-Dialog), labels
the fictional names ACI-Bench's metadata gives (and ages over 89), then inserts short carrier
sentences holding surrogate identifiers at sentence boundaries, recording each span. The carriers
and surrogates themselves are drawn in ``deid_surrogates``.
The second set is presidio-research's synthetic (non-clinical) sentences with types mapped to ours.
"""

import csv
import json
import random
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from chartdraft.domain.phi import PhiType
from chartdraft.evaluation.datasets import (
    ACI_SPLITS,
    CorpusCapture,
    aci_bench_captures,
    mts_dialog_captures,
    primock57_captures,
)
from chartdraft.evaluation.deid_surrogates import (
    INLINE_CARRIERS,
    Carrier,
    Surrogates,
    pick_carrier,
    read_list,
)
from chartdraft.evaluation.perturbation import seeded

CLINICAL = "clinical"
PRESIDIO_SYNTH = "presidio-synth"
DEFAULT_LIMITS = {"aci-bench": None, "primock57": None, "mts-dialog": 400}
"""Notes per dataset: every ACI-Bench and PriMock57 note, 400 MTS-Dialog section texts."""


@dataclass(frozen=True)
class GoldEntity:
    """Characters ``start:end`` of a gold note are an identifier of ``type``."""

    type: PhiType
    start: int
    end: int
    text: str
    ambiguous: bool = False
    """A name also found on the PhysioNet "ambig" lists (it is a common word too)."""
    origin: str = "inserted"
    """``inserted`` (a surrogate), ``metadata`` (already in the note) or ``presidio``."""


@dataclass(frozen=True)
class GoldNote:
    """One text of a gold set with every identifier it holds."""

    id: str
    dataset: str
    text: str
    entities: tuple[GoldEntity, ...]
    ignored: tuple[tuple[int, int], ...] = ()
    """Spans neither gold nor false positive (a state name, a credit card in the synthetic set)."""


@dataclass(frozen=True)
class GoldSet:
    """A named collection of gold notes and a sentence on where its labels come from."""

    name: str
    description: str
    notes: tuple[GoldNote, ...]

    def entity_count(self) -> int:
        """Return how many gold entities the set holds."""
        return sum(len(note.entities) for note in self.notes)


@dataclass
class _Insertion:
    position: int
    text: str
    entities: list[GoldEntity] = field(default_factory=list)
    ignored: list[tuple[int, int]] = field(default_factory=list)


def check_spans(notes: Iterable[GoldNote]) -> list[str]:
    """Return one problem per gold span whose text is not the note's text at its offsets."""
    problems = []
    for note in notes:
        for e in note.entities:
            if not 0 <= e.start < e.end <= len(note.text) or note.text[e.start : e.end] != e.text:
                problems.append(f"{note.id}: {e.type} span {e.start}:{e.end} does not match")
    return problems


def build_clinical_gold(data_dir: Path, *, seed: int = 7, limit: int | None = None) -> GoldSet:
    """Build the clinical gold set: real notes, their known names, inserted surrogates."""
    surrogates = Surrogates.from_lists(data_dir / "physionet-deid-lists")
    common = frozenset(
        read_list(data_dir / "physionet-deid-lists" / "dict" / "commonest_words.txt")
    )
    known = _aci_known_names(data_dir)
    notes = []
    for dataset, captures in _sampled_captures(data_dir, seed, limit):
        for capture in captures:
            rng = seeded("deid-note", seed, capture.id)
            notes.append(
                _gold_note(
                    capture,
                    dataset,
                    rng=rng,
                    surrogates=surrogates,
                    known_names=known.get(capture.id, ()),
                    common=common,
                )
            )
    description = (
        "Real clinician-written notes (ACI-Bench, PriMock57, MTS-Dialog). Gold: the ACI-Bench"
        " metadata names wherever they occur, ages over 89 written as ages, and surrogate"
        " identifiers inserted in carrier sentences at known offsets. Identifiers already in the"
        " text that the metadata does not list are NOT gold (see the false-positive list)."
    )
    return GoldSet(CLINICAL, description, tuple(notes))


def _sampled_captures(
    data_dir: Path, seed: int, limit: int | None
) -> Iterator[tuple[str, list[CorpusCapture]]]:
    readers = {
        "aci-bench": aci_bench_captures,
        "primock57": primock57_captures,
        "mts-dialog": mts_dialog_captures,
    }
    for dataset, read in readers.items():
        captures = list(read(data_dir))
        wanted = limit if limit is not None else DEFAULT_LIMITS[dataset]
        if wanted is not None and wanted < len(captures):
            captures = sorted(seeded("deid-sample", seed, dataset).sample(captures, wanted),
                              key=lambda c: c.id)  # fmt: skip
        yield dataset, captures


def plain_text(capture: CorpusCapture) -> str:
    """Return a capture as the text a clinician sees: JSON fields joined by blank lines."""
    if capture.input_format != "json":
        return capture.text
    fields: dict[str, str] = json.loads(capture.text)
    return "\n\n".join(value.strip() for value in fields.values() if value.strip())


def _gold_note(
    capture: CorpusCapture,
    dataset: str,
    *,
    rng: random.Random,
    surrogates: Surrogates,
    known_names: Sequence[str],
    common: frozenset[str],
) -> GoldNote:
    text, entities, ignored = insert_carriers(plain_text(capture), rng, surrogates)
    entities += _known_spans(text, known_names, common, entities)
    entities.sort(key=lambda e: (e.start, e.end))
    return GoldNote(capture.id, dataset, text, tuple(entities), tuple(ignored))


def insert_carriers(
    base: str, rng: random.Random, surrogates: Surrogates
) -> tuple[str, list[GoldEntity], list[tuple[int, int]]]:
    """Return ``base`` with carrier sentences inserted, their gold entities and ignored spans."""
    return _apply(base, _insertions(base, rng, surrogates))


# A sentence ends at . ! or ? followed by spaces and a capital; a line start follows a newline.
_SENTENCE_GAP = re.compile(r"(?<=[.!?])[ \t]+(?=[A-Z])")
_LINE_START = re.compile(r"(?<=\n)(?=\S)")
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)])\.(?=\s|$)")


def _insertions(base: str, rng: random.Random, surrogates: Surrogates) -> list[_Insertion]:
    # About one carrier per 100 characters, at least four: short MTS-Dialog sections get a few.
    count = min(32, max(4, len(base) // 100))
    gaps = [m.end() for m in _SENTENCE_GAP.finditer(base)]
    lines = [m.start() for m in _LINE_START.finditer(base)]
    ends = [m.start() for m in _SENTENCE_END.finditer(base)]
    slots = [(p, " ") for p in gaps] + [(p, "\n") for p in [0, *lines]] + [(len(base), "end")]
    insertions = []
    for _ in range(count):
        if ends and rng.random() < 0.15:
            # Inline: a phrase just before a sentence's full stop, with no cue of its own line.
            carrier = rng.choice(INLINE_CARRIERS)
            space = "" if carrier.template.startswith(",") else " "
            insertions.append(
                _render(carrier, rng.choice(ends), space, "", rng=rng, surrogates=surrogates)
            )
            continue
        position, kind = rng.choice(slots)
        carrier = pick_carrier(rng)
        before, after = ("\n", "") if kind == "end" else ("", kind)
        if kind == " " and carrier.template[-1] not in ".!?":
            after = ". "  # a fragment such as "DOB: ..." mid-paragraph ends as a sentence
        insertions.append(_render(carrier, position, before, after, rng=rng, surrogates=surrogates))
    return insertions


_PLACEHOLDER = re.compile(r"\{([A-Z]+)\}")


def _render(
    carrier: Carrier,
    position: int,
    before: str,
    after: str,
    *,
    rng: random.Random,
    surrogates: Surrogates,
) -> _Insertion:
    insertion = _Insertion(position, before)
    cursor = 0
    for match in _PLACEHOLDER.finditer(carrier.template):
        insertion.text += carrier.template[cursor : match.start()]
        value, phi_type, ambiguous = surrogates.fill(match.group(1), rng)
        start = len(insertion.text)
        insertion.text += value
        if phi_type is None:
            insertion.ignored.append((start, start + len(value)))
        elif value:
            entity = GoldEntity(phi_type, start, start + len(value), value, ambiguous)
            insertion.entities.append(entity)
        cursor = match.end()
    insertion.text += carrier.template[cursor:] + after
    return insertion


def _apply(
    base: str, insertions: list[_Insertion]
) -> tuple[str, list[GoldEntity], list[tuple[int, int]]]:
    pieces: list[str] = []
    entities: list[GoldEntity] = []
    ignored: list[tuple[int, int]] = []
    cursor, length = 0, 0
    # Stable sort: two insertions at one position keep the order they were drawn in.
    for ins in sorted(insertions, key=lambda i: i.position):
        chunk = base[cursor : ins.position]
        pieces.append(chunk)
        length += len(chunk)
        entities += [
            GoldEntity(e.type, e.start + length, e.end + length, e.text, e.ambiguous)
            for e in ins.entities
        ]
        ignored += [(s + length, e + length) for s, e in ins.ignored]
        pieces.append(ins.text)
        length += len(ins.text)
        cursor = ins.position
    pieces.append(base[cursor:])
    return "".join(pieces), entities, ignored


_OLD_AGE = re.compile(
    r"\b(?:(?:age[d]?|turned)\s+(?P<a>9\d|1[01]\d)\b"
    r"|(?P<b>9\d|1[01]\d)(?=[- ]?(?:years?[- ]old|-year|yo\b|y/o)))",
    re.IGNORECASE,
)


def _known_spans(
    text: str, names: Sequence[str], common: frozenset[str], taken: Sequence[GoldEntity]
) -> list[GoldEntity]:
    found: list[GoldEntity] = []

    def add(phi_type: PhiType, start: int, end: int) -> None:
        if not any(start < e.end and e.start < end for e in [*taken, *found]):
            found.append(GoldEntity(phi_type, start, end, text[start:end], origin="metadata"))

    for name in names:
        for m in re.finditer(rf"\b{re.escape(name)}\b", text, re.IGNORECASE):
            # "good" in lower case is the word, not Dr. Good; a rarer name is a name in any case.
            if m.group()[0].isupper() or name.lower() not in common:
                add(PhiType.NAME, m.start(), m.end())
    for m in _OLD_AGE.finditer(text):
        group = "a" if m.group("a") else "b"
        add(PhiType.AGE, m.start(group), m.end(group))
    return found


_TITLES = frozenset({"dr", "dr.", "mr", "mr.", "mrs", "mrs.", "ms", "ms."})


def _aci_known_names(data_dir: Path) -> dict[str, tuple[str, ...]]:
    """Return the metadata names of each ACI-Bench encounter by capture id."""
    names: dict[str, tuple[str, ...]] = {}
    for split in ACI_SPLITS:
        path = data_dir / "aci-bench" / "challenge_data" / f"{split}_metadata.csv"
        with path.open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                words = " ".join(
                    row[k] for k in ("doctor_name", "patient_firstname", "patient_familyname")
                ).split()
                # The metadata has slips ("33" as a first name in clef_taskC_test3, D2N190).
                names_only = (w for w in words if w.isalpha() or "-" in w or "'" in w)
                kept = tuple(dict.fromkeys(w for w in names_only if w.lower() not in _TITLES))
                names[f"aci-{split}-{row['encounter_id']}"] = kept
    return names


# presidio-research types to ours; None: not gold, and detections there are not counted.
PRESIDIO_SYNTH_TYPES: dict[str, PhiType | None] = {
    "PERSON": PhiType.NAME,
    "STREET_ADDRESS": PhiType.LOCATION,
    "GPE": PhiType.LOCATION,
    "LOCATION": PhiType.LOCATION,
    "ZIP_CODE": PhiType.LOCATION,
    "DATE_TIME": PhiType.DATE,
    "PHONE_NUMBER": PhiType.PHONE,
    "EMAIL_ADDRESS": PhiType.EMAIL,
    "US_SSN": PhiType.SSN,
    "IP_ADDRESS": PhiType.IP,
    "URL": PhiType.URL,
    "DOMAIN_NAME": PhiType.URL,
    "US_DRIVER_LICENSE": PhiType.ID,
    "AGE": PhiType.AGE,
}


def build_presidio_synth_gold(data_dir: Path, *, limit: int | None = None) -> GoldSet:
    """Read presidio-research's synthetic sentences as a gold set with our types."""
    path = data_dir / "presidio-research-synth" / "synth_dataset_v2.json"
    records = json.loads(path.read_text(encoding="utf-8"))
    notes = []
    for index, record in enumerate(records[:limit] if limit is not None else records):
        text: str = record["full_text"]
        entities, ignored = [], []
        for span in record["spans"]:
            start, end = span["start_position"], span["end_position"]
            ours = PRESIDIO_SYNTH_TYPES.get(span["entity_type"])
            if ours is PhiType.AGE and not _over_89(span["entity_value"]):
                continue  # a younger age is no identifier, so finding it is a false positive
            if ours is None:
                ignored.append((start, end))
            else:
                entities.append(GoldEntity(ours, start, end, text[start:end], origin="presidio"))
        notes.append(
            GoldNote(f"synth-{index}", PRESIDIO_SYNTH, text, tuple(entities), tuple(ignored))
        )
    description = (
        "presidio-research synth_dataset_v2 (generated, generic/financial, not clinical), types"
        " mapped to ours. Its DATE_TIME spans include times and bare years, which Safe Harbor does"
        " not call PHI, and its addresses are international; read it as a harness check."
    )
    return GoldSet(PRESIDIO_SYNTH, description, tuple(notes))


def _over_89(value: str) -> bool:
    digits = re.match(r"\d+", value.strip())
    return digits is not None and int(digits.group()) > 89
