"""The note's clinical documents: Patient, Practitioner, Encounter, Composition, DocumentReference."""

import base64
import hashlib

from chartdraft.domain.sections import SectionName
from chartdraft.handoff.codes import (
    ACT_CODE,
    AI_ASSISTED,
    DOCUMENT_CATEGORY,
    LIST_EMPTY_REASON,
    LOINC,
    NOTE_SYSTEM,
    OBSERVATION_VALUE,
    PROGRESS_NOTE,
    PROGRESS_NOTE_DISPLAY,
    SECTION_CODES,
    V2_IDENTIFIER_TYPE,
)
from chartdraft.handoff.narrative import xhtml_div
from chartdraft.handoff.note_export import NoteForExport
from chartdraft.handoff.refs import JSON, BundleRefs, coding, concept, identifier, instant, ref

PLAIN_TEXT = "text/plain; charset=utf-8"
AI_ASSISTED_LABEL = coding(OBSERVATION_VALUE, AI_ASSISTED, "AI assisted")


def patient(note: NoteForExport, refs: BundleRefs) -> JSON:
    """Return the Patient, matched at the EHR by the practice's MRN."""
    mrn = {**refs.mrn, "type": concept(V2_IDENTIFIER_TYPE, "MR", "Medical record number")}
    resource: JSON = {
        "resourceType": "Patient",
        "identifier": [mrn],
        "name": [{"text": note.patient.display_name}],
    }
    if note.patient.birth_date:
        resource["birthDate"] = note.patient.birth_date
    return resource


def practitioner(note: NoteForExport, refs: BundleRefs) -> JSON:
    """Return the signing clinician."""
    return {
        "resourceType": "Practitioner",
        "identifier": [refs.signer],
        "name": [{"text": note.signer.name}],
    }


def encounter(note: NoteForExport, refs: BundleRefs) -> JSON:
    """Return the encounter the note documents (an ambulatory visit)."""
    return {
        "resourceType": "Encounter",
        "identifier": [refs.encounter_id],
        "status": "finished",
        "class": coding(ACT_CODE, "AMB", "ambulatory"),
        "type": [{"text": note.encounter.encounter_type}],
        "subject": ref(refs.patient),
        "participant": [{"individual": ref(refs.practitioner, note.signer.name)}],
        "period": {"start": instant(note.encounter.occurred_at)},
    }


def composition(note: NoteForExport, refs: BundleRefs) -> JSON:
    """Return the note as a final Composition with one LOINC-coded section per SOAP section."""
    signer = ref(refs.practitioner, note.signer.name)
    resource: JSON = {
        "resourceType": "Composition",
        "meta": {"security": [AI_ASSISTED_LABEL]},
        "identifier": refs.note,
        "status": "final",
        "type": concept(LOINC, PROGRESS_NOTE, PROGRESS_NOTE_DISPLAY),
        "subject": ref(refs.patient),
        "encounter": ref(refs.encounter),
        "date": instant(note.signed_at),
        "author": [signer],
        "title": note.title,
        "attester": [{"mode": "legal", "time": instant(note.signed_at), "party": signer}],
        "section": [
            _section(section.name, section.title, section.text) for section in note.sections
        ],
    }
    if note.supersedes_id is not None:
        resource["relatesTo"] = [
            {"code": "replaces", "targetIdentifier": identifier(NOTE_SYSTEM, note.supersedes_id)}
        ]
    return resource


def _section(name: SectionName, title: str, text: str) -> JSON:
    code, display = SECTION_CODES[name]
    section: JSON = {"title": title, "code": concept(LOINC, code, display)}
    if text.strip():
        section["text"] = {"status": "generated", "div": xhtml_div(text)}
    else:
        # A section needs text or a reason for having none (FHIR invariant cmp-1).
        section["emptyReason"] = concept(LIST_EMPTY_REASON, "unavailable", "Unavailable")
    return section


def document_reference(note: NoteForExport, refs: BundleRefs) -> JSON:
    """Return the signed text as a current, final DocumentReference linked to the Composition."""
    data = note.text.encode("utf-8")
    signer = ref(refs.practitioner, note.signer.name)
    resource: JSON = {
        "resourceType": "DocumentReference",
        "meta": {"security": [AI_ASSISTED_LABEL]},
        "identifier": [refs.note],
        "status": "current",
        "docStatus": "final",
        "type": concept(LOINC, PROGRESS_NOTE, PROGRESS_NOTE_DISPLAY),
        "category": [concept(DOCUMENT_CATEGORY, "clinical-note", "Clinical Note")],
        "subject": ref(refs.patient),
        "date": instant(note.signed_at),
        "author": [signer],
        "authenticator": signer,
        "description": note.title,
        "content": [{"attachment": {
            "contentType": PLAIN_TEXT,
            "data": base64.b64encode(data).decode("ascii"),
            "size": len(data),
            # FHIR's Attachment.hash is the base64 SHA-1 of the data.
            "hash": base64.b64encode(hashlib.sha1(data).digest()).decode("ascii"),  # noqa: S324
            "title": note.title,
            "creation": instant(note.signed_at),
        }}],
        "context": {"encounter": [ref(refs.encounter)], "related": [ref(refs.composition)]},
    }  # fmt: skip
    if note.supersedes_id is not None:
        resource["relatesTo"] = [{
            "code": "replaces",
            "target": {"type": "DocumentReference",
                       "identifier": identifier(NOTE_SYSTEM, note.supersedes_id)},
        }]  # fmt: skip
    return resource
