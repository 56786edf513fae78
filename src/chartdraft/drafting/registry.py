"""Engines registered by name; each provider module is imported only when asked for.

``template`` needs no configuration. Every other name is a configured model engine (a preset
such as ``ollama`` or one the practice added), drafted by the module of its ``kind``.
"""

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import cast

from chartdraft.domain.errors import InputError, PermanentEngineError
from chartdraft.drafting.endpoint import EngineConfig
from chartdraft.drafting.engine import DraftingEngine

TEMPLATE_ENGINE = "template"


@dataclass(frozen=True)
class EngineEntry:
    """Where an engine kind lives and what it is, so listing engines imports none of them."""

    kind: str
    module: str
    factory: str
    summary: str


KINDS: dict[str, EngineEntry] = {
    entry.kind: entry
    for entry in (
        EngineEntry(
            TEMPLATE_ENGINE,
            "chartdraft.drafting.engines.template",
            "TemplateEngine",
            "Deterministic and offline: reformats the clinician's own words, never adds content.",
        ),
        EngineEntry(
            "openai",
            "chartdraft.drafting.engines.openai_compatible",
            "create",
            "Any OpenAI-compatible chat API (OpenAI, Azure, Ollama, LM Studio, llama.cpp, vLLM).",
        ),
        EngineEntry(
            "anthropic",
            "chartdraft.drafting.engines.anthropic_claude",
            "create",
            "Claude through Anthropic's Messages API.",
        ),
    )
}


def engine_names(configs: Mapping[str, EngineConfig]) -> list[str]:
    """Return every engine name: the template engine, then the configured model engines."""
    return [TEMPLATE_ENGINE, *sorted(configs)]


def create_engine(
    name: str,
    configs: Mapping[str, EngineConfig],
    *,
    model: str | None = None,
    base_url: str | None = None,
) -> DraftingEngine:
    """Return a new engine called ``name``; ``model`` and ``base_url`` override for one run."""
    key = name.strip().lower()
    if key == TEMPLATE_ENGINE:
        if model is not None or base_url is not None:
            raise InputError(
                "--model and --base-url apply to model engines, not to the template engine."
            )
        return _available(_factory(KINDS[TEMPLATE_ENGINE])())
    config = configs.get(key)
    if config is None:
        raise InputError(
            f'Unknown engine "{name[:40]}"; available engines: {", ".join(engine_names(configs))}.'
        )
    if model is not None and not model.strip():
        raise InputError("--model needs a model name; leave it out to use the configured one.")
    try:
        config = config.overridden(model=model and model.strip(), base_url=base_url)
    except ValueError as exc:
        raise InputError("--base-url must be an http:// or https:// URL with a host.") from exc
    return _available(_factory(KINDS[config.kind])(key, config))


def _available(engine: DraftingEngine) -> DraftingEngine:
    if not engine.is_available():
        raise PermanentEngineError(f'The "{engine.name}" engine is not available on this machine.')
    return engine


def _factory(entry: EngineEntry) -> Callable[..., DraftingEngine]:
    try:
        module = importlib.import_module(entry.module)
    except ImportError as exc:
        raise PermanentEngineError(
            f'The "{entry.kind}" engine is not installed ({exc.name} is missing).'
        ) from exc
    return cast(Callable[..., DraftingEngine], getattr(module, entry.factory))
