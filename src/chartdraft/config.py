"""Settings: one pydantic-settings tree, environment prefix CHARTDRAFT_, nested with '__'."""

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PracticeSettings(BaseModel):
    """What the practice is, given to engines and recorded with every draft."""

    type: str = "primary care"
    common_presentations: list[str] = Field(default_factory=list)


class Settings(BaseSettings):
    """All of chartdraft's settings. Create with ``Settings()``; nothing is read at import time."""

    model_config = SettingsConfigDict(
        env_prefix="CHARTDRAFT_", env_nested_delimiter="__", extra="ignore", frozen=True
    )

    environment: Literal["development", "test", "production"] = "development"
    practice: PracticeSettings = Field(default_factory=PracticeSettings)
    default_engine: str = "template"
    default_encounter_type: str = "general"
    templates_dir: Path | None = None
    """A practice's own encounter templates; a file here replaces a bundled one of the same name."""
    max_capture_bytes: int = Field(default=1_000_000, gt=0, le=10_000_000)
