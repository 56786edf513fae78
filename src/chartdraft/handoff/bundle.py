"""A signed note as one FHIR R4 transaction Bundle, validated before it leaves chartdraft."""

import json
from collections.abc import Callable
from urllib.parse import quote

from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from chartdraft.domain.errors import ExportError
from chartdraft.handoff.checks import bundle_problems
from chartdraft.handoff.documents import (
    composition,
    document_reference,
    encounter,
    patient,
    practitioner,
)
from chartdraft.handoff.note_export import ExportContext, NoteForExport
from chartdraft.handoff.provenance import audit_event, device, provenance
from chartdraft.handoff.refs import JSON, BundleRefs

FHIR_JSON = "application/fhir+json"

_Build = Callable[[NoteForExport, BundleRefs], JSON]
# Entry order is creation order: what is referenced comes before what references it.
_ENTRIES: tuple[tuple[str, _Build], ...] = (
    ("patient", patient),
    ("practitioner", practitioner),
    ("device", device),
    ("encounter", encounter),
    ("composition", composition),
    ("document", document_reference),
    ("provenance", provenance),
)


def note_bundle(note: NoteForExport, context: ExportContext) -> Bundle:
    """Return the note's transaction Bundle; raise ExportError if it is not valid FHIR."""
    refs = BundleRefs.of(note, context.mrn_system)
    entries = [_entry(getattr(refs, name), build(note, refs), refs) for name, build in _ENTRIES]
    entries.append(_entry(refs.audit_event, audit_event(note, refs, context), refs))
    document = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
    try:
        bundle = Bundle.model_validate(document)
    except ValidationError as exc:
        # Locations only: the values are the note's words.
        where = ", ".join(".".join(str(p) for p in error["loc"]) for error in exc.errors()[:3])
        raise ExportError(f"The note's FHIR bundle is not valid FHIR R4 (at {where}).") from None
    problems = bundle_problems(bundle_json_document(bundle))
    if problems:
        raise ExportError(f"The note's FHIR bundle is not valid: {problems[0]}.")
    return bundle


def bundle_json_document(bundle: Bundle) -> JSON:
    """Return the bundle as JSON data, without empty elements."""
    document: JSON = json.loads(bundle.model_dump_json(exclude_none=True))
    return document


def bundle_json(bundle: Bundle) -> str:
    """Return the bundle as FHIR JSON text (``application/fhir+json``)."""
    return json.dumps(bundle_json_document(bundle), indent=2, ensure_ascii=False) + "\n"


def _entry(full_url: str, resource: JSON, refs: BundleRefs) -> JSON:
    kind = resource["resourceType"]
    return {
        "fullUrl": full_url,
        "resource": resource,
        "request": {"method": "POST", "url": kind, "ifNoneExist": _if_none_exist(kind, refs)},
    }


def _if_none_exist(kind: str, refs: BundleRefs) -> str:
    # Each resource is found again by an identifier that names it: a retried or repeated
    # export creates nothing twice. Provenance and AuditEvent have no identifier of their
    # own; they are found by the note's DocumentReference, whose placeholder the server
    # replaces with the resource it created or matched (as it does everywhere in the bundle).
    by_identifier = {
        "Patient": refs.mrn,
        "Practitioner": refs.signer,
        "Device": refs.engine,
        "Encounter": refs.encounter_id,
        "Composition": refs.note,
        "DocumentReference": refs.note,
    }
    if kind in by_identifier:
        return f"identifier={_token(by_identifier[kind])}"
    return f"{'target' if kind == 'Provenance' else 'entity'}={refs.document}"


def _token(identifier: JSON) -> str:
    return f"{_search_value(identifier['system'])}|{_search_value(identifier['value'])}"


def _search_value(text: str) -> str:
    # FHIR search escapes its own separators with a backslash; the URL escapes the rest.
    for special in ("\\", ",", "$", "|"):
        text = text.replace(special, "\\" + special)
    return quote(text, safe=":/")
