"""The contract every drafting engine keeps, whatever model (or none) is behind it."""

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from chartdraft.domain.draft import PracticeContext, SoapDraft
from chartdraft.domain.encounter_template import EncounterTemplate
from chartdraft.domain.visit import Visit


@dataclass(frozen=True)
class DraftRequest:
    """Everything an engine may use: the visit, its encounter template and the practice context."""

    visit: Visit
    template: EncounterTemplate
    practice: PracticeContext


@runtime_checkable
class DraftingEngine(Protocol):
    """Turns a DraftRequest into a SoapDraft whose statements cite the input they came from."""

    name: str

    def is_available(self) -> bool:
        """Return True when the engine can draft now (its extras installed, its server reachable)."""
        ...

    def draft(self, request: DraftRequest) -> SoapDraft:
        """Return the draft: all five sections in template order, each statement with sources."""
        ...
