"""The record of text leaving chartdraft for an engine: where, protected or not, how much PHI."""

from pydantic import BaseModel, ConfigDict


class EgressRecord(BaseModel):
    """One visit's text sent to an engine. It names counts of identifiers, never their values."""

    model_config = ConfigDict(frozen=True)

    engine: str
    host: str
    """Where the text went (the engine's host, never its path, key or query)."""
    pseudonymized: bool
    """True when identifiers were replaced by stand-ins before sending."""
    phi_allowed: bool
    """The engine's permission: loopback, or a recorded BAA."""
    baa_reference: str | None = None
    entity_counts: dict[str, int] | None = None
    """Identifiers found in the visit, by type; None when detection was not possible."""
