"""The code systems, codes and identifier systems a signed note is exported with."""

from chartdraft.domain.sections import SectionName

LOINC = "http://loinc.org"
PROGRESS_NOTE = "11506-3"
PROGRESS_NOTE_DISPLAY = "Progress note"

SECTION_CODES: dict[SectionName, tuple[str, str]] = {
    SectionName.CHIEF_COMPLAINT: ("10154-3", "Chief complaint Narrative - Reported"),
    SectionName.SUBJECTIVE: ("61150-9", "Subjective Narrative"),
    SectionName.OBJECTIVE: ("61149-1", "Objective Narrative"),
    SectionName.ASSESSMENT: ("51848-0", "Evaluation note"),
    SectionName.PLAN: ("18776-5", "Plan of care note"),
}
"""LOINC code and display of each SOAP section."""

NOTE_SYSTEM = "urn:chartdraft:note"
USER_SYSTEM = "urn:chartdraft:user"
ENCOUNTER_SYSTEM = "urn:chartdraft:encounter"
CAPTURE_SYSTEM = "urn:chartdraft:capture"
ENGINE_SYSTEM = "urn:chartdraft:engine"
DEFAULT_MRN_SYSTEM = "urn:chartdraft:mrn"

V2_IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
OBSERVATION_VALUE = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue"
AI_ASSISTED = "AIAST"
"""HL7's security label for content an AI helped author (AI Transparency on FHIR)."""
DOCUMENT_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category"
PARTICIPANT_TYPE = "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
LIST_EMPTY_REASON = "http://terminology.hl7.org/CodeSystem/list-empty-reason"
DICOM = "http://dicom.nema.org/resources/ontology/DCM"
AUDIT_ENTITY_TYPE = "http://terminology.hl7.org/CodeSystem/audit-entity-type"
OBJECT_ROLE = "http://terminology.hl7.org/CodeSystem/object-role"
SECURITY_SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type"
