"""Hand-off of signed notes to an EHR: the FHIR R4 mapping (built with fhir.resources R4B)."""
