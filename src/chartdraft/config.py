"""Settings: one pydantic-settings tree, environment prefix CHARTDRAFT_, nested with '__'."""

import os
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import platformdirs
from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from chartdraft.domain.errors import ConfigError
from chartdraft.drafting.endpoint import PRESETS, EngineConfig, is_loopback

_ENGINE_NAME = re.compile(r"[a-z][a-z0-9_-]{0,39}")


class PracticeSettings(BaseModel):
    """What the practice is, given to engines and recorded with every draft."""

    type: str = "primary care"
    common_presentations: list[str] = Field(default_factory=list)


class PrivacySettings(BaseModel):
    """How identifiers are found before a visit goes to an engine without PHI permission."""

    ner_model: str | None = None
    """An installed spaCy package (``en_core_web_sm``) whose names and places are added to the
    rule-based detector; unset: rules only. It is loaded, never downloaded."""


class DatabaseSettings(BaseModel):
    """Where the record lives: the embedded SQLite file unless a URL is given."""

    url: SecretStr | None = None
    """``postgresql+psycopg://user:password@host/db`` in production (secret: it may hold a
    password); unset: ``chartdraft.db`` in the data directory."""


class StorageSettings(BaseModel):
    """The key that encrypts PHI columns at rest."""

    encryption_key: SecretStr | None = None
    """A base64 AES-256 key from a secret store; unset: the key file."""
    key_file: Path | None = None
    """Default ``keys.json`` in the data directory, created with mode 0600 on first use."""


class RetentionSettings(BaseModel):
    """How long captures and unsigned drafts are kept; signed notes and the audit trail stay."""

    capture_days: int | None = Field(default=None, ge=1)
    unsigned_draft_days: int | None = Field(default=None, ge=1)


class OidcSettings(BaseModel):
    """Optional sign-in through the practice's OpenID Connect provider (off unless configured)."""

    issuer: str | None = None
    """The provider's issuer URL; discovery at ``{issuer}/.well-known/openid-configuration``."""
    client_id: str | None = None
    client_secret: SecretStr | None = None
    client_secret_file: Path | None = None
    """A file holding the client secret (a mounted secret), instead of ``client_secret``."""
    display_name: str = Field(default="Sign in with single sign-on", min_length=1, max_length=80)
    """The sign-in button's text, e.g. "Sign in with Riverside SSO"."""
    scopes: str = "openid email"
    timeout: float = Field(default=10.0, gt=0, le=120)
    """Seconds to wait for each answer from the provider."""
    callback_url: str | None = None
    """The address the provider sends the browser back to; unset: this server's
    ``/login/sso/callback`` as the browser reached it (set it behind a proxy that rewrites)."""

    @property
    def enabled(self) -> bool:
        """Return True when single sign-on is configured (an issuer and a client id)."""
        return bool(self.issuer and self.client_id)

    @field_validator("issuer")
    @classmethod
    def _issuer_is_https(cls, issuer: str | None) -> str | None:
        if not issuer:
            return None
        parts = urlsplit(issuer)
        # Tokens from an issuer reached in clear could be forged on the way: TLS, or this machine.
        if not parts.hostname or not (
            parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname))
        ):
            raise ValueError("the OIDC issuer must be an https:// URL (http only on this machine)")
        return issuer.rstrip("/")

    @field_validator("scopes")
    @classmethod
    def _asks_for_openid(cls, scopes: str) -> str:
        if "openid" not in scopes.split() or "email" not in scopes.split():
            raise ValueError('the OIDC scopes must include "openid" and "email"')
        return " ".join(scopes.split())

    @model_validator(mode="after")
    def _has_a_secret(self) -> "OidcSettings":
        if self.enabled and self.client_secret is None and self.client_secret_file is None:
            raise ValueError("single sign-on needs the client's secret (client_secret or its file)")
        return self

    def secret(self) -> str:
        """Return the client secret (from the setting or its file)."""
        if self.client_secret is not None:
            return self.client_secret.get_secret_value()
        if self.client_secret_file is None:
            raise ConfigError("Single sign-on has no client secret.")
        try:
            return self.client_secret_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            # Name the file, never its content.
            raise ConfigError(
                f"The OIDC client secret file {self.client_secret_file} cannot be read."
            ) from exc


class WebSettings(BaseModel):
    """The web app's sessions and sign-in throttling."""

    idle_minutes: int = Field(default=15, ge=1, le=240)
    session_hours: int = Field(default=12, ge=1, le=24)
    secure_cookies: bool | None = None
    """None: Secure cookies when the request came over HTTPS; True behind a TLS proxy."""
    login_attempts: int = Field(default=5, ge=1, le=100)
    """Failed sign-ins per account and address allowed in 15 minutes."""
    oidc: OidcSettings = Field(default_factory=OidcSettings)


class EhrSettings(BaseModel):
    """Write-back of signed notes to the EHR's FHIR API (off unless ``base_url`` is set).

    Authentication is SMART Backend Services (``client_id`` and ``private_key_file``: a signed
    RS384 assertion exchanged for an access token) or a static bearer token; neither is sent
    anywhere but the configured EHR.
    """

    base_url: str | None = None
    """The EHR's FHIR R4 base URL, e.g. ``https://ehr.example.org/fhir/R4``."""
    token_url: str | None = None
    """SMART: the token endpoint; unset: from ``{base_url}/.well-known/smart-configuration``."""
    client_id: str | None = None
    """SMART: the client id the EHR registered for chartdraft."""
    private_key_file: Path | None = None
    """SMART: chartdraft's RSA private key (PEM), whose public JWK the EHR holds."""
    key_id: str | None = None
    """SMART: the ``kid`` of that key in the JWK set registered with the EHR."""
    scope: str = (
        "system/Patient.rs system/Practitioner.crs system/Device.crs system/Encounter.crs "
        "system/Composition.crs system/DocumentReference.crs system/Provenance.crs "
        "system/AuditEvent.cs"
    )
    """SMART v2 scopes: read patients, find-or-create what the note's transaction writes."""
    bearer_token: SecretStr | None = None
    """A static token instead of SMART (for EHRs that issue one)."""
    bearer_token_file: Path | None = None
    timeout: float = Field(default=30.0, gt=0, le=600)
    """Seconds to wait for the EHR's answer before the attempt counts as timed out."""
    mrn_system: str = "urn:chartdraft:mrn"
    """The identifier system of the practice's medical record numbers at the EHR."""
    first_retry_seconds: float = Field(default=30.0, gt=0, le=3600)
    longest_retry_seconds: float = Field(default=3600.0, gt=0, le=86_400)
    max_attempts: int = Field(default=30, ge=1, le=1000)
    """Attempts before an unreachable EHR's delivery goes to the exception queue."""

    @property
    def enabled(self) -> bool:
        """Return True when signed notes are written back to an EHR."""
        return bool(self.base_url)

    @field_validator("base_url", "token_url")
    @classmethod
    def _https(cls, url: str | None) -> str | None:
        if not url:
            return None
        parts = urlsplit(url)
        # Notes and tokens go here: TLS, or this machine.
        if not parts.hostname or not (
            parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname))
        ):
            raise ValueError("the EHR's URLs must be https:// (http only on this machine)")
        return url.rstrip("/")


class JobsSettings(BaseModel):
    """Where background work (drafting, delivery to the EHR) runs."""

    backend: Literal["in-process", "celery"] = "in-process"
    """``in-process``: threads of the serving process, no broker (the embedded default);
    ``celery``: workers started by ``chartdraft worker``, through the broker."""
    broker_url: SecretStr | None = None
    """Celery's broker, e.g. ``redis://127.0.0.1:6379/0`` (secret: it may hold a password)."""
    workers: int = Field(default=2, ge=1, le=64)
    """Threads (in-process) or worker processes (``chartdraft worker``)."""
    sweep_seconds: float = Field(default=15.0, gt=0, le=3600)
    """How often due deliveries and lost drafting jobs are looked for."""

    @model_validator(mode="after")
    def _celery_has_a_broker(self) -> "JobsSettings":
        if self.backend == "celery" and self.broker_url is None:
            raise ValueError("the celery backend needs a broker_url")
        return self


class SpeechSettings(BaseModel):
    """Dictation audio, transcribed on this machine (``chartdraft transcribe``, audio capture)."""

    model_dir: Path | None = None
    """A faster-whisper model directory; None: the pinned tiny.en installed by set-up."""
    compute_type: Literal["int8", "int8_float32", "float32"] = "int8"
    threads: int = Field(default=2, ge=1, le=64)
    beam_size: int = Field(default=1, ge=1, le=10)
    voice_activity_filter: bool = True
    """Skip stretches without speech before recognition (Whisper invents text over silence)."""
    max_minutes: float = Field(default=60.0, gt=0, le=240)
    max_megabytes: int = Field(default=200, ge=1, le=2000)
    vocabulary_file: Path | None = None
    """The practice's own terms (drugs, names of tests), one per line: a hint to the
    recognizer and a source of suggested corrections."""
    keep_audio_days: int = Field(default=0, ge=0, le=3650)
    """Days to keep an uploaded recording after transcription; 0 deletes it as soon as its
    transcript is stored (``retention purge`` deletes older ones)."""


def default_data_dir() -> Path:
    """Return the per-user data directory (``~/.local/share/chartdraft`` on Linux)."""
    return Path(platformdirs.user_data_dir("chartdraft", appauthor=False))


class Settings(BaseSettings):
    """All of chartdraft's settings. Create with ``Settings()``; nothing is read at import time."""

    model_config = SettingsConfigDict(
        env_prefix="CHARTDRAFT_", env_nested_delimiter="__", extra="ignore", frozen=True
    )

    environment: Literal["development", "test", "production"] = "development"
    practice: PracticeSettings = Field(default_factory=PracticeSettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    data_dir: Path = Field(default_factory=default_data_dir)
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    storage: StorageSettings = Field(default_factory=StorageSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    ehr: EhrSettings = Field(default_factory=EhrSettings)
    jobs: JobsSettings = Field(default_factory=JobsSettings)
    speech: SpeechSettings = Field(default_factory=SpeechSettings)
    default_engine: str = "template"
    default_encounter_type: str = "general"
    templates_dir: Path | None = None
    """A practice's own encounter templates; a file here replaces a bundled one of the same name."""
    max_capture_bytes: int = Field(default=1_000_000, gt=0, le=10_000_000)
    engines: dict[str, EngineConfig] = Field(default_factory=dict)
    """Model engines by name: the presets, changed or extended by the environment, e.g.
    ``CHARTDRAFT_ENGINES__OLLAMA__MODEL=llama3.2:3b`` or a new ``CHARTDRAFT_ENGINES__VLLM__...``."""

    @model_validator(mode="before")
    @classmethod
    def _engines_over_presets(cls, data: Any) -> Any:
        # The environment gives only the fields it changes; the preset supplies the rest.
        if not isinstance(data, dict):
            return data
        given = data.get("engines") or {}
        if not isinstance(given, dict):
            return data
        merged: dict[str, Any] = {name: dict(preset) for name, preset in PRESETS.items()}
        for name, fields in given.items():
            key = str(name).lower()
            if isinstance(fields, dict):
                merged[key] = {**merged.get(key, {}), **fields}
            else:
                merged[key] = fields
        return {**data, "engines": merged}

    @field_validator("engines")
    @classmethod
    def _engine_names(cls, engines: dict[str, EngineConfig]) -> dict[str, EngineConfig]:
        for name in engines:
            if name == "template" or not _ENGINE_NAME.fullmatch(name):
                raise ValueError(
                    "engine names are lower-case letters, digits, '-' and '_', and not 'template'"
                )
        return engines


_ENVIRONMENT_SWAP = threading.Lock()


def settings_from_environment(env: Mapping[str, str]) -> Settings:
    """Return the settings a process started with exactly ``env`` would read.

    For whoever starts chartdraft processes (a worker, a server) and needs the same settings
    in its own process: only ``os.environ`` is read by pydantic-settings, so it is swapped for
    the call, under a lock, and restored.
    """
    with _ENVIRONMENT_SWAP:
        saved = dict(os.environ)
        try:
            os.environ.clear()
            os.environ.update(env)
            return Settings()
        finally:
            os.environ.clear()
            os.environ.update(saved)
