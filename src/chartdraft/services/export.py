"""Export a signed note: as a FHIR transaction Bundle, or as the plain text that was signed.

Only a signed note exports; a draft is refused. Exporting hands the note's text out, so only
those who may read it (clinicians and scribes) may export it; the host's operator may too,
from the command line. Every export is on the record (``export.delivered``: to the caller).
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chartdraft import __version__
from chartdraft.domain.audit import AuditEntry, AuditKind
from chartdraft.domain.errors import ConflictError, InvalidTransitionError, NotFoundError
from chartdraft.domain.note import DraftSection
from chartdraft.domain.practice import Actor
from chartdraft.domain.records import SignedNote
from chartdraft.domain.review import ReviewState, Role
from chartdraft.handoff.bundle import FHIR_JSON, bundle_json, note_bundle
from chartdraft.handoff.codes import DEFAULT_MRN_SYSTEM
from chartdraft.handoff.note_export import (
    EncounterForExport,
    ExportContext,
    NoteForExport,
    SectionText,
    Signer,
    split_sections,
)
from chartdraft.services.clinic import Clinic
from chartdraft.store.records import Records, RecordStore
from chartdraft.verify.draft_reader import read_draft

PLAIN_TEXT = "text/plain; charset=utf-8"


class ExportFormat(StrEnum):
    """What an export hands out."""

    FHIR = "fhir"
    TEXT = "text"


@dataclass(frozen=True)
class NoteExport:
    """An exported note: its content and media type."""

    note_id: str
    export_format: ExportFormat
    media_type: str
    content: str


def export_note(
    clinic: Clinic,
    actor: Actor,
    note_id: str,
    export_format: ExportFormat,
    *,
    mrn_system: str = DEFAULT_MRN_SYSTEM,
) -> NoteExport:
    """Return a signed note as FHIR or text for a user who may read it; record the export."""
    with clinic.acting(actor, "export a note", Role.CLINICIAN, Role.SCRIBE) as (records, member):
        context = ExportContext(
            clinic.clock(), exported_by=member.id, mrn_system=mrn_system, destination="api"
        )
        return _export(records, note_id, export_format, context)


def export_note_as_operator(
    store: RecordStore,
    practice_id: str,
    note_id: str,
    export_format: ExportFormat,
    *,
    at: datetime,
    mrn_system: str = DEFAULT_MRN_SYSTEM,
) -> NoteExport:
    """Return a signed note of ``practice_id`` for the host's operator; record the export."""
    with store.practice(practice_id) as records:
        context = ExportContext(at, mrn_system=mrn_system, destination="cli")
        return _export(records, note_id, export_format, context)


def _export(
    records: Records, note_id: str, export_format: ExportFormat, context: ExportContext
) -> NoteExport:
    note = signed_note(records, note_id)
    if export_format is ExportFormat.TEXT:
        done = NoteExport(note.id, export_format, PLAIN_TEXT, note.text)
    else:
        bundle = note_bundle(note_for_export(records, note), context)
        done = NoteExport(note.id, export_format, FHIR_JSON, bundle_json(bundle))
    details = {"format": export_format.value, "destination": context.destination,
               "version": note.version, "text_sha256": note.signature.text_sha256}  # fmt: skip
    records.audit(
        AuditEntry(AuditKind.EXPORT_DELIVERED, context.exported_by, note.encounter_id,
                   note.draft_id, note.id, details=details),
        context.exported_at,
    )  # fmt: skip
    return done


def signed_note(records: Records, note_id: str) -> SignedNote:
    """Return a signed note whose text still matches its signature; refuse a draft's id."""
    try:
        note = records.notes.note(note_id)
    except NotFoundError:
        _refuse_draft(records, note_id)
        raise
    if not note.signature.matches(note.text):
        raise ConflictError("The note's text does not match its signature; report this.")
    return note


def _refuse_draft(records: Records, draft_id: str) -> None:
    # A draft's id is a common mistake: say what it is, and which note to export instead.
    try:
        draft = records.drafts.load(draft_id)
    except NotFoundError:
        return
    if draft.state in (ReviewState.SIGNED, ReviewState.AMENDED):
        latest = records.notes.latest_for_draft(draft_id).id
        raise InvalidTransitionError(
            f"Only a signed note can be exported, and {draft_id} is a draft; "
            f"its signed note is {latest}."
        )
    raise InvalidTransitionError(
        f"Only a signed note can be exported, and {draft_id} is a draft ({draft.state.value})."
    )


def note_for_export(records: Records, note: SignedNote) -> NoteForExport:
    """Return everything the FHIR mapping needs about a signed note, read from the record."""
    stored = records.drafts.load(note.draft_id)
    if stored.draft is None:
        raise InvalidTransitionError("The note's draft was removed by the retention policy.")
    encounter = records.encounters.encounter(note.encounter_id)
    signer = records.people.member(note.signature.signer_id)
    return NoteForExport(
        note_id=note.id,
        version=note.version,
        title=stored.draft.title,
        text=note.text,
        text_sha256=note.signature.text_sha256,
        sections=_sections(note, stored.draft.sections),
        signer=Signer(signer.id, signer.display_name),
        signed_at=note.signature.signed_at,
        patient=records.people.patient(encounter.patient_id),
        encounter=EncounterForExport(encounter.id, encounter.encounter_type, encounter.occurred_at),
        engine=stored.draft.engine,
        capture_id=records.drafts.capture_id(note.draft_id),
        software_version=__version__,
        supersedes_id=note.supersedes_id,
    )


def _sections(note: SignedNote, drafted: tuple[DraftSection, ...]) -> tuple[SectionText, ...]:
    # The signed text is authoritative: read the sections back from it under the draft's
    # headings; an amendment whose author changed a heading is read by the header lexicon.
    headings = tuple((section.name, section.title) for section in drafted)
    found = split_sections(note.text, headings)
    if found is not None:
        return found
    read = {section.name: section for section in read_draft(note.text).sections}
    return tuple(
        SectionText(name, title, "\n".join(s.text for s in read[name].statements))
        for name, title in headings
    )
