"""The one place that turns settings into wired services."""

from pydantic import ValidationError

from chartdraft.config import Settings
from chartdraft.domain.draft import PracticeContext
from chartdraft.domain.errors import ConfigError
from chartdraft.services.drafting import DraftingService
from chartdraft.templates.catalog import load_catalog


def load_settings() -> Settings:
    """Read settings from the environment, or raise ConfigError naming what is wrong."""
    try:
        return Settings()
    except ValidationError as exc:
        # Name the setting, never echo its value: it may be a secret.
        names = ", ".join(
            "CHARTDRAFT_" + "__".join(str(p) for p in e["loc"]).upper() for e in exc.errors()
        )
        raise ConfigError(f"Invalid setting(s): {names}.") from exc


def build_drafting_service(settings: Settings) -> DraftingService:
    """Return the drafting service configured by ``settings``."""
    catalog = load_catalog(settings.templates_dir)
    catalog.resolve(settings.default_encounter_type)  # fail at start, not at the first draft
    return DraftingService(
        catalog=catalog,
        practice=PracticeContext(
            practice_type=settings.practice.type,
            common_presentations=tuple(settings.practice.common_presentations),
        ),
        default_engine=settings.default_engine,
        default_encounter_type=settings.default_encounter_type,
        max_capture_bytes=settings.max_capture_bytes,
        engines=settings.engines,
    )
