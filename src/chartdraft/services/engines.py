"""What ``chartdraft engines`` reports: every engine, whether it answers, and its PHI permission."""

import dataclasses
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

from chartdraft.domain.errors import ChartdraftError
from chartdraft.drafting.model_engine import ModelEngine
from chartdraft.drafting.registry import TEMPLATE_ENGINE, engine_names
from chartdraft.services.drafting import DraftingService


@dataclass(frozen=True)
class EngineListing:
    """One row of the engine list."""

    name: str
    kind: str
    model: str | None
    base_url: str | None
    reachable: bool
    ready: bool
    phi_allowed: bool
    detail: str
    baa_reference: str | None = None

    def as_json(self) -> dict[str, object]:
        """Return the row as a JSON object."""
        return asdict(self)


def list_engines(service: DraftingService) -> list[EngineListing]:
    """Return every engine, probing the model servers in parallel (a few seconds at most)."""
    names = engine_names(service.engines)
    with ThreadPoolExecutor(max_workers=min(8, len(names))) as pool:
        return list(pool.map(lambda name: _describe(service, name), names))


def _describe(service: DraftingService, name: str) -> EngineListing:
    if name == TEMPLATE_ENGINE:
        return EngineListing(
            name, TEMPLATE_ENGINE, None, None, True, True, True, "built in; runs on this machine"
        )
    config = service.engines[name]
    base = EngineListing(
        name=name,
        kind=config.kind,
        model=config.model,
        base_url=config.display_url,
        reachable=False,
        ready=False,
        phi_allowed=config.may_receive_phi(),
        detail="",
        baa_reference=config.baa.reference if config.baa else None,
    )
    try:
        engine = service.engine(name)
    except ChartdraftError as exc:
        return _replace(base, detail=str(exc))
    if not isinstance(engine, ModelEngine):
        return _replace(base, reachable=True, ready=True, detail="not a model engine")
    try:
        status = engine.probe()
    except Exception as exc:  # one broken server must not hide the others
        return _replace(base, detail=f"the check failed ({type(exc).__name__})")
    return _replace(base, reachable=status.reachable, ready=status.ready, detail=status.detail)


def _replace(listing: EngineListing, **changes: object) -> EngineListing:
    return dataclasses.replace(listing, **changes)  # type: ignore[arg-type]
