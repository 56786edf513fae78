"""What fhir.resources does not check: codes, statuses, narratives, hashes and references.

fhir.resources validates structure and data types; it accepts any status string, any code,
any narrative and dangling references. These checks hold the bundle to what chartdraft
promises an EHR. Each problem is a phrase naming the element, never the note's words.
"""

import base64
import binascii
import hashlib
from collections.abc import Iterator
from typing import Any

from chartdraft.handoff.codes import LOINC, PARTICIPANT_TYPE, PROGRESS_NOTE, SECTION_CODES
from chartdraft.handoff.narrative import narrative_problem

JSON = dict[str, Any]
_SOAP_CODES = {code for code, _ in SECTION_CODES.values()}


def bundle_problems(bundle: JSON) -> list[str]:
    """Return every problem of a note's transaction bundle (empty when it is sound)."""
    entries = bundle.get("entry", [])
    problems = list(_entry_problems(bundle, entries))
    for entry in entries:
        resource = entry.get("resource", {})
        check = _RESOURCE_CHECKS.get(resource.get("resourceType", ""))
        if check is not None:
            problems.extend(check(resource))
    return problems


def _entry_problems(bundle: JSON, entries: list[JSON]) -> Iterator[str]:
    if bundle.get("type") != "transaction":
        yield "the bundle is not a transaction"
    urls = [entry.get("fullUrl", "") for entry in entries]
    if len(set(urls)) != len(urls) or not all(url.startswith("urn:uuid:") for url in urls):
        yield "entry fullUrls must be distinct urn:uuid values"
    for entry in entries:
        request = entry.get("request", {})
        kind = entry.get("resource", {}).get("resourceType")
        if request.get("method") != "POST" or request.get("url") != kind:
            yield f"the {kind} entry is not a POST to its type"
        if not request.get("ifNoneExist"):
            yield f"the {kind} entry has no ifNoneExist (a retry would duplicate it)"
    for reference in _references(bundle):
        if reference.startswith("urn:uuid:") and reference not in urls:
            yield "a reference points at no entry of the bundle"


def _references(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                yield item
            else:
                yield from _references(item)
    elif isinstance(value, list):
        for item in value:
            yield from _references(item)


def _codes(concept: JSON | None, system: str) -> set[str]:
    return {c.get("code") for c in (concept or {}).get("coding", []) if c.get("system") == system}


def _composition(resource: JSON) -> Iterator[str]:
    if resource.get("status") != "final":
        yield "the Composition is not final"
    if PROGRESS_NOTE not in _codes(resource.get("type"), LOINC):
        yield "the Composition's type is not LOINC 11506-3"
    if not any(a.get("mode") == "legal" and a.get("time") for a in resource.get("attester", [])):
        yield "the Composition has no legal attester with a time"
    sections = resource.get("section", [])
    codes = [next(iter(_codes(s.get("code"), LOINC)), None) for s in sections]
    if sorted(filter(None, codes)) != sorted(_SOAP_CODES) or len(codes) != len(_SOAP_CODES):
        yield "the Composition does not have exactly the five LOINC-coded SOAP sections"
    for section in sections:
        div = section.get("text", {}).get("div")
        if div is None and not section.get("emptyReason"):
            yield "a Composition section has neither text nor an empty reason"
        elif div is not None and (problem := narrative_problem(div)):
            yield problem


def _document_reference(resource: JSON) -> Iterator[str]:
    if resource.get("status") != "current" or resource.get("docStatus") != "final":
        yield "the DocumentReference is not current and final"
    for relation in resource.get("relatesTo", []):
        if relation.get("code") != "replaces":
            yield "the DocumentReference relates to another note other than by replacing it"
    for content in resource.get("content", []):
        yield from _attachment(content.get("attachment", {}))


def _attachment(attachment: JSON) -> Iterator[str]:
    if not str(attachment.get("contentType", "")).startswith("text/plain"):
        yield "the note's attachment is not text/plain"
        return
    try:
        data = base64.b64decode(attachment.get("data", ""), validate=True)
    except (binascii.Error, ValueError):
        yield "the note's attachment is not base64"
        return
    digest = base64.b64encode(hashlib.sha1(data).digest()).decode("ascii")  # noqa: S324
    if attachment.get("hash") != digest or attachment.get("size") != len(data):
        yield "the note's attachment hash or size does not match its data"


def _provenance(resource: JSON) -> Iterator[str]:
    roles = {
        code
        for agent in resource.get("agent", [])
        for code in _codes(agent.get("type"), PARTICIPANT_TYPE)
    }
    if not {"author", "assembler"} <= roles:
        yield "the Provenance lacks an author or an assembler agent"
    if not any(e.get("role") == "source" for e in resource.get("entity", [])):
        yield "the Provenance names no source"


def _audit_event(resource: JSON) -> Iterator[str]:
    if resource.get("outcome") != "0" or resource.get("action") != "R":
        yield "the AuditEvent does not record a successful export"


_RESOURCE_CHECKS = {
    "Composition": _composition,
    "DocumentReference": _document_reference,
    "Provenance": _provenance,
    "AuditEvent": _audit_event,
}
