"""Tests of the FHIR hand-off: mapping, exports and a real FHIR server."""
