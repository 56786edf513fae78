"""The five SOAP sections every draft has, in the clinic's words."""

from enum import StrEnum


class SectionName(StrEnum):
    """A section of the note; the values are the JSON contract's section names."""

    CHIEF_COMPLAINT = "chief_complaint"
    SUBJECTIVE = "subjective"
    OBJECTIVE = "objective"
    ASSESSMENT = "assessment"
    PLAN = "plan"


SOAP_ORDER: tuple[SectionName, ...] = tuple(SectionName)

DEFAULT_TITLES: dict[SectionName, str] = {
    SectionName.CHIEF_COMPLAINT: "Chief complaint",
    SectionName.SUBJECTIVE: "Subjective",
    SectionName.OBJECTIVE: "Objective",
    SectionName.ASSESSMENT: "Assessment",
    SectionName.PLAN: "Plan",
}
