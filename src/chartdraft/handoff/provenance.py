"""Who and what made the note: the drafting engine as a Device, Provenance, and the export's AuditEvent."""

from chartdraft.handoff.codes import (
    AUDIT_ENTITY_TYPE,
    DATA_OPERATION,
    DICOM,
    NOTE_SYSTEM,
    OBJECT_ROLE,
    PARTICIPANT_TYPE,
    SECURITY_SOURCE_TYPE,
)
from chartdraft.handoff.note_export import ExportContext, NoteForExport
from chartdraft.handoff.refs import JSON, BundleRefs, coding, concept, identifier, instant, ref

SOFTWARE = "chartdraft"


def device(note: NoteForExport, refs: BundleRefs) -> JSON:
    """Return the drafting engine as a Device: engine, model and prompt version."""
    engine = note.engine
    names = [{"name": f"{SOFTWARE} {engine.name} engine", "type": "user-friendly-name"}]
    if engine.model:
        names.append({"name": engine.model, "type": "model-name"})
    versions = [{"type": {"text": "software"}, "value": f"{SOFTWARE} {note.software_version}"}]
    if engine.prompt_version:
        prompt = f"{engine.prompt_id} {engine.prompt_version}" if engine.prompt_id else None
        versions.append({"type": {"text": "prompt"}, "value": prompt or engine.prompt_version})
    return {
        "resourceType": "Device",
        "identifier": [refs.engine],
        "status": "active",
        "manufacturer": SOFTWARE,
        "deviceName": names,
        "type": {"text": "AI note drafting engine"},
        "version": versions,
    }


def provenance(note: NoteForExport, refs: BundleRefs) -> JSON:
    """Return the Provenance of the note: the clinician authored it, an engine assembled it."""
    entities: list[JSON] = [{
        "role": "source",
        # The capture stays in chartdraft: named by identifier, never by its words.
        "what": {"identifier": refs.capture},
    }]  # fmt: skip
    if note.supersedes_id is not None:
        entities.append(
            {
                "role": "revision",
                "what": {"identifier": identifier(NOTE_SYSTEM, note.supersedes_id)},
            }
        )
    return {
        "resourceType": "Provenance",
        "target": [{**ref(refs.document), "identifier": refs.note}, ref(refs.composition)],
        "occurredDateTime": instant(note.signed_at),
        "recorded": instant(note.signed_at),
        "activity": concept(DATA_OPERATION, "CREATE", "create"),
        "agent": [
            {"type": concept(PARTICIPANT_TYPE, "author", "Author"),
             "who": ref(refs.practitioner, note.signer.name)},
            {"type": concept(PARTICIPANT_TYPE, "assembler", "Assembler"),
             "who": ref(refs.device)},
        ],
        "entity": entities,
    }  # fmt: skip


def audit_event(note: NoteForExport, refs: BundleRefs, context: ExportContext) -> JSON:
    """Return the AuditEvent of the export (DICOM "Export": the note left chartdraft)."""
    exporter = (
        {"identifier": identifier(refs.signer["system"], context.exported_by)}
        if context.exported_by
        else {"display": f"{SOFTWARE} host operator"}
    )
    return {
        "resourceType": "AuditEvent",
        "type": coding(DICOM, "110106", "Export"),
        "action": "R",
        "recorded": instant(context.exported_at),
        "outcome": "0",
        "agent": [{"who": exporter, "requestor": True}],
        "source": {
            "site": context.destination,
            "observer": {"display": SOFTWARE},
            "type": [coding(SECURITY_SOURCE_TYPE, "4", "Application Server")],
        },
        "entity": [
            {"what": {**ref(refs.document), "identifier": refs.note},
             "type": coding(AUDIT_ENTITY_TYPE, "2", "System Object"),
             "role": coding(OBJECT_ROLE, "3", "Report")},
            {"what": ref(refs.patient),
             "type": coding(AUDIT_ENTITY_TYPE, "1", "Person"),
             "role": coding(OBJECT_ROLE, "1", "Patient")},
        ],
    }  # fmt: skip
