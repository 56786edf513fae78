"""Engines registered by name; each is imported only when asked for."""

import importlib
from dataclasses import dataclass
from typing import cast

from chartdraft.domain.errors import InputError, PermanentEngineError
from chartdraft.drafting.engine import DraftingEngine


@dataclass(frozen=True)
class EngineEntry:
    """Where an engine lives and what it is, so listing engines imports none of them."""

    name: str
    module: str
    factory: str
    summary: str


ENGINES: dict[str, EngineEntry] = {
    entry.name: entry
    for entry in (
        EngineEntry(
            "template",
            "chartdraft.drafting.engines.template",
            "TemplateEngine",
            "Deterministic and offline: reformats the clinician's own words, never adds content.",
        ),
    )
}


def engine_names() -> list[str]:
    """Return the registered engine names, sorted."""
    return sorted(ENGINES)


def create_engine(name: str) -> DraftingEngine:
    """Return a new engine called ``name``."""
    entry = ENGINES.get(name.strip().lower())
    if entry is None:
        raise InputError(
            f'Unknown engine "{name[:40]}"; available engines: {", ".join(engine_names())}.'
        )
    try:
        module = importlib.import_module(entry.module)
    except ImportError as exc:
        raise PermanentEngineError(
            f'The "{entry.name}" engine is not installed ({exc.name} is missing).'
        ) from exc
    engine = cast(DraftingEngine, getattr(module, entry.factory)())
    if not engine.is_available():
        raise PermanentEngineError(f'The "{entry.name}" engine is not available on this machine.')
    return engine
