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


@dataclass(frozen=True)
class Destination:
    """Where an engine sends the visit, and whether identifiable text may go there."""

    host: str
    phi_allowed: bool
    baa_reference: str | None = None


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


def destination_of(engine: DraftingEngine) -> Destination | None:
    """Return where ``engine`` sends the visit; None when it drafts inside this process."""
    try:
        # On the instance: a dataclass field or an attribute set in __init__ counts too.
        destination = object.__getattribute__(engine, "destination")
    except AttributeError:
        if hasattr(type(engine), "destination"):
            raise  # a destination that cannot be told is an error, never "in this process"
        return None
    if not isinstance(destination, Destination):
        raise TypeError(f"{type(engine).__name__}.destination is not a Destination")
    return destination
