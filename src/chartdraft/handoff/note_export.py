"""What the FHIR mapping needs to know about one signed note (all of it read from the record)."""

from dataclasses import dataclass
from datetime import datetime

from chartdraft.domain.draft import EngineInfo
from chartdraft.domain.practice import PatientDetails
from chartdraft.domain.sections import SectionName
from chartdraft.handoff.codes import DEFAULT_MRN_SYSTEM


@dataclass(frozen=True)
class SectionText:
    """One SOAP section of the signed note, as plain text."""

    name: SectionName
    title: str
    text: str


@dataclass(frozen=True)
class EncounterForExport:
    """The encounter the note documents."""

    id: str
    encounter_type: str
    occurred_at: datetime


@dataclass(frozen=True)
class Signer:
    """The clinician who signed the note."""

    id: str
    name: str


@dataclass(frozen=True)
class NoteForExport:
    """One signed version of a note, with everything its FHIR documents say."""

    note_id: str
    version: int
    title: str
    text: str
    """Exactly the signed text."""
    text_sha256: str
    sections: tuple[SectionText, ...]
    signer: Signer
    signed_at: datetime
    patient: PatientDetails
    encounter: EncounterForExport
    engine: EngineInfo
    capture_id: str
    software_version: str
    supersedes_id: str | None = None
    """The note this version amends, if it is an amendment."""


@dataclass(frozen=True)
class ExportContext:
    """Who exports the note, when, and how the receiving EHR names patients."""

    exported_at: datetime
    exported_by: str | None = None
    """The user's id; None for the host's operator (the command line)."""
    mrn_system: str = DEFAULT_MRN_SYSTEM
    """The identifier system of the practice's medical record numbers at the EHR."""
    destination: str = "cli"
    """Who the export is handed to (``cli``, ``api``): recorded on the AuditEvent."""


def split_sections(
    text: str, headings: tuple[tuple[SectionName, str], ...]
) -> tuple[SectionText, ...] | None:
    """Return the sections of a plain-text note by their headings; None if one is missing.

    The note text is the title, then each section's heading (its title in capitals) on a line
    of its own followed by its body; an amendment keeps that shape unless its author changed
    a heading, and then the caller must read the sections another way.
    """
    lines = text.splitlines()
    starts: list[int] = []
    at = 0
    for _name, title in headings:
        try:
            at = lines.index(title.upper(), at)
        except ValueError:
            return None
        starts.append(at)
        at += 1
    bounds = [*starts, len(lines)]
    return tuple(
        SectionText(name, title, "\n".join(lines[start + 1 : end]).strip())
        for (name, title), start, end in zip(headings, bounds, bounds[1:], strict=False)
    )
