"""Read public datasets (ACI-Bench, PriMock57, MTS-Dialog) from a data directory as captures.

The data stays where it is (``../shared/data`` beside the checkout); nothing is copied into the
package. Each note a clinician wrote becomes a capture: ACI-Bench notes are split into the five
fields by their section headers (as JSON), PriMock57 notes are given as the clinician typed them,
and each MTS-Dialog section text becomes the one field its header belongs to (as JSON).
"""

import csv
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from chartdraft.capture.fields import find_segments
from chartdraft.capture.headers import default_lexicon
from chartdraft.capture.json_input import ASSESSMENT_PLAN_KEY
from chartdraft.capture.structured import normalize_newlines
from chartdraft.domain.sections import SectionName

ACI_SPLITS = (
    "train",
    "valid",
    "clinicalnlp_taskB_test1",
    "clinicalnlp_taskC_test2",
    "clef_taskC_test3",
)

MTS_DIALOG_SPLITS = {
    "train": "MTS-Dialog-TrainingSet.csv",
    "valid": "MTS-Dialog-ValidationSet.csv",
    "test1": "MTS-Dialog-TestSet-1-MEDIQA-Chat-2023.csv",
    "test2": "MTS-Dialog-TestSet-2-MEDIQA-Sum-2023.csv",
}
# MTS-Dialog's twenty normalised section headers, each to the capture field it belongs in.
MTS_DIALOG_FIELDS: dict[str, SectionName] = {
    "CC": SectionName.CHIEF_COMPLAINT,
    **dict.fromkeys(
        ("GENHX", "ROS", "PASTMEDICALHX", "PASTSURGICAL", "FAM/SOCHX", "MEDICATIONS", "ALLERGY",
         "GYNHX", "OTHER_HISTORY", "IMMUNIZATIONS"),
        SectionName.SUBJECTIVE,
    ),
    # What was examined, measured or done during the encounter.
    **dict.fromkeys(
        ("EXAM", "IMAGING", "LABS", "PROCEDURES", "EDCOURSE"), SectionName.OBJECTIVE
    ),
    **dict.fromkeys(("ASSESSMENT", "DIAGNOSIS"), SectionName.ASSESSMENT),
    **dict.fromkeys(("PLAN", "DISPOSITION"), SectionName.PLAN),
}  # fmt: skip
MTS_MIN_WORDS = 8
"""Shorter section texts ("None.", "Motor vehicle accident.") give a draft nothing to test."""


@dataclass(frozen=True)
class CorpusCapture:
    """One clinician-written note from a public dataset, as chartdraft input."""

    id: str
    text: str
    """The capture: JSON with the five fields, or the note as typed."""
    input_format: str
    """``json`` or ``text``."""


def aci_bench_captures(data_dir: Path) -> Iterator[CorpusCapture]:
    """Yield every ACI-Bench reference note split into the five fields (JSON)."""
    csv.field_size_limit(sys.maxsize)
    for split in ACI_SPLITS:
        with (data_dir / "aci-bench" / "challenge_data" / f"{split}.csv").open(
            encoding="utf-8"
        ) as f:
            for row in csv.DictReader(f):
                fields = split_note_into_fields(row["note"])
                yield CorpusCapture(
                    id=f"aci-{split}-{row['encounter_id']}",
                    text=json.dumps(fields),
                    input_format="json",
                )


def primock57_captures(data_dir: Path) -> Iterator[CorpusCapture]:
    """Yield every PriMock57 clinician note as the clinician typed it."""
    path = data_dir / "primock57" / "primock57_consultations.jsonl"
    with path.open(encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            yield CorpusCapture(
                id=f"primock57-{record['consultation_id']}",
                text=record["clinician_note"],
                input_format="text",
            )


def mts_dialog_captures(data_dir: Path) -> Iterator[CorpusCapture]:
    """Yield every MTS-Dialog section text of at least eight words as a one-field JSON capture."""
    for split, name in MTS_DIALOG_SPLITS.items():
        with (data_dir / "mts-dialog" / name).open(encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                text = row["section_text"].strip()
                if len(text.split()) < MTS_MIN_WORDS:
                    continue
                # A header the list does not know is history, like text under no header.
                field = MTS_DIALOG_FIELDS.get(row["section_header"].strip(), SectionName.SUBJECTIVE)
                yield CorpusCapture(
                    id=f"mts-{split}-{row['ID']}",
                    text=json.dumps({field.value: text}),
                    input_format="json",
                )


def split_note_into_fields(note: str) -> dict[str, str]:
    """Split a finished note into the five capture fields by its section headers.

    Header lines stay in the field text, so sub-headings such as "REVIEW OF SYSTEMS" survive
    as the clinician's own sub-headings; text before the first header counts as subjective.
    """
    text = normalize_newlines(note)
    parts: dict[str, list[str]] = {}
    for segment in find_segments(text, default_lexicon()):
        header = segment.header
        if header is not None and header.target == "encounter_type":
            continue
        key = (
            SectionName.SUBJECTIVE.value
            if header is None
            else ASSESSMENT_PLAN_KEY
            if header.target == "assessment_plan"
            else str(header.target)
        )
        line_start = text.rfind("\n", 0, segment.start) + 1 if header else segment.start
        parts.setdefault(key, []).append(text[line_start : segment.end].strip())
    return {key: "\n\n".join(chunks) for key, chunks in parts.items()}
