"""Captures and a drafting engine that invents a dose, for the storage tests."""

from dataclasses import dataclass

from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.egress import EgressRecord
from chartdraft.domain.practice import Actor, PatientDetails
from chartdraft.domain.sections import SectionName
from chartdraft.drafting.engine import DraftRequest
from chartdraft.drafting.engines.template import TemplateEngine
from chartdraft.services.clinic import Clinic
from chartdraft.services.encounters import NewEncounter, create_encounter, draft_encounter

PATIENT = PatientDetails(
    display_name="Marguerite Okonkwo-Villanueva", mrn="MRN-7734215", birth_date="1958-03-14"
)

HYPOTHYROID = b"""Encounter type: follow-up
Chief complaint: Follow-up of hypothyroidism.
Subjective:
Since last visit energy is better, less cold intolerance.
Taking levothyroxine 75 mcg every morning on an empty stomach, has not missed doses.
Objective:
BP 128/82, HR 68. Thyroid not enlarged.
Assessment:
Hypothyroidism, improving on current dose.
Plan:
- Continue levothyroxine 75 mcg daily.
- Recheck TSH in 6 weeks.
- Follow up in 3 months.
"""

MISSING_SECTIONS = b"""Encounter type: follow-up
Chief complaint: Follow-up of hypothyroidism.
Subjective:
Since last visit energy is better, less cold intolerance.
Plan:
- Continue levothyroxine 75 mcg daily.
"""


@dataclass
class InventingEngine:
    """The template engine, then a wrong dose in the plan: what a careless model might write."""

    name: str = "inventing"

    def is_available(self) -> bool:
        return True

    def draft(self, request: DraftRequest) -> SoapDraft:
        draft = TemplateEngine().draft(request)
        sections = []
        for section in draft.sections:
            if section.name is SectionName.PLAN:
                statements = tuple(
                    s.model_copy(update={"text": s.text.replace("75 mcg", "125 mcg")})
                    for s in section.statements
                )
                sections.append(section.model_copy(update={"statements": statements}))
            else:
                sections.append(section)
        engine = draft.engine.model_copy(update={"name": self.name, "model": "careless-1"})
        return draft.model_copy(update={"sections": tuple(sections), "engine": engine})


def recorded_draft(
    clinic: Clinic, actor: Actor, capture: bytes = HYPOTHYROID, engine: object | None = None
) -> str:
    """Create an encounter for ``actor`` with ``capture`` and draft it; return the draft id."""
    created = create_encounter(clinic, actor, NewEncounter(capture=capture, patient=PATIENT))
    return draft_encounter(clinic, actor, created.encounter_id, engine)  # type: ignore[arg-type]


@dataclass
class SendingEngine:
    """The template engine, with the egress record the PHI guard writes for a remote engine."""

    name: str = "sending"

    def is_available(self) -> bool:
        return True

    def draft(self, request: DraftRequest) -> SoapDraft:
        draft = TemplateEngine().draft(request)
        egress = EgressRecord(
            engine=self.name, host="api.example.com", pseudonymized=True, phi_allowed=False,
            entity_counts={"NAME": 2, "DATE": 1},
        )  # fmt: skip
        engine = draft.engine.model_copy(update={"name": self.name, "model_called": True,
                                                 "egress": egress})  # fmt: skip
        return draft.model_copy(update={"engine": engine})
