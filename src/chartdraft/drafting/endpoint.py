"""Where a model engine lives and how to talk to it: one configuration per named engine.

The settings tree holds one ``EngineConfig`` per name (``ollama``, ``lmstudio``, ``llamacpp``,
``openai``, ``anthropic`` and any the practice adds); the engine modules read nothing else.
"""

import ipaddress
import os
from datetime import date
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from chartdraft.domain.errors import ConfigError

EngineKind = Literal["openai", "anthropic"]
"""Which wire protocol the engine speaks: an OpenAI-compatible chat API or Anthropic's."""

StructuredOutput = Literal["json_schema", "json_object", "none"]
"""How the server is asked to keep to the draft schema.

``json_schema``: ``response_format`` with a strict JSON schema (OpenAI, Ollama, LM Studio, vLLM,
llama.cpp). ``json_object``: JSON mode plus the schema, which llama-cpp-python's server turns
into a grammar. ``none``: the prompt alone; the answer is still validated.
"""

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


class BaaRecord(BaseModel):
    """A business associate agreement the practice administrator recorded for an engine."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    recorded_by: str = Field(min_length=1, max_length=200)
    """Who recorded it (the administrator's name or account)."""
    recorded_at: date
    reference: str = Field(min_length=1, max_length=200)
    """The agreement's reference (contract number, document id)."""


class EngineConfig(BaseModel):
    """One model endpoint: protocol, address, model, credentials and limits."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: EngineKind = "openai"
    label: str = "The model server"
    """What to call the server in messages ("Ollama", "LM Studio")."""
    base_url: str
    model: str
    api_key: SecretStr | None = None
    api_key_file: Path | None = None
    """A file holding the API key (a mounted secret); read when the engine is created."""
    api_key_env: str | None = None
    """The provider's usual variable (``OPENAI_API_KEY``), used when no key is configured here."""
    timeout: float = Field(default=120.0, gt=0, le=3600)
    """Seconds to wait for one answer; a local model on a CPU is slow."""
    max_retries: int = Field(default=2, ge=0, le=10)
    """Retries with exponential backoff on timeouts, 429 and 5xx (done by the provider's client)."""
    max_output_tokens: int = Field(default=2048, ge=64, le=200_000)
    temperature: float = Field(default=0.0, ge=0.0, le=2.0)
    context_tokens: int = Field(default=8192, ge=512, le=10_000_000)
    """The model's context window; a capture that does not fit is drafted section by section."""
    structured_output: StructuredOutput = "json_schema"
    phi_allowed: bool | None = None
    """May identifiable text be sent here? None: yes on this machine (loopback) or under a BAA;
    False: never (always pseudonymize); True: only together with a BAA for a remote host."""
    baa: BaaRecord | None = None
    """The BAA that lets identifiable text go to this (remote) engine."""
    pull_hint: str | None = None
    """How to install a missing model, with ``{model}`` (``ollama pull {model}``)."""

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError("base_url must be an http:// or https:// URL with a host")
        return value.strip().rstrip("/")

    @model_validator(mode="after")
    def _baa_for_remote_phi(self) -> "EngineConfig":
        # Refused at start: a remote engine may see PHI only under a recorded agreement.
        if is_loopback(self.host):
            return self
        if self.phi_allowed and self.baa is None:
            raise ValueError(
                "phi_allowed on a remote engine needs a recorded BAA (baa.recorded_by, "
                "baa.recorded_at, baa.reference)"
            )
        if self.phi_allowed is not False and self.baa is not None and not self._https:
            raise ValueError("a remote engine allowed PHI under a BAA must use https://")
        return self

    @property
    def _https(self) -> bool:
        return urlsplit(self.base_url).scheme == "https"

    @property
    def host(self) -> str:
        """The host part of ``base_url`` (no credentials, no path)."""
        return urlsplit(self.base_url).hostname or ""

    @property
    def endpoint(self) -> str:
        """``host:port`` of the server, for messages (never the path or any credentials)."""
        parts = urlsplit(self.base_url)
        host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else str(parts.hostname)
        return f"{host}:{parts.port}" if parts.port else host

    @property
    def display_url(self) -> str:
        """``base_url`` without user, password or query string, safe to show and log."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{self.endpoint}{parts.path}"

    def may_receive_phi(self) -> bool:
        """Return whether identifiable text may be sent: never when refused, else loopback or BAA."""
        if self.phi_allowed is False:
            return False
        return is_loopback(self.host) or self.baa is not None

    def secret(self) -> str | None:
        """Return the API key: configured, else from its file, else from the provider's variable."""
        if self.api_key is not None:
            return self.api_key.get_secret_value()
        if self.api_key_file is not None:
            try:
                return self.api_key_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                # Name the file, never its content.
                raise ConfigError(f"The API key file {self.api_key_file} cannot be read.") from exc
        if self.api_key_env:
            return os.environ.get(self.api_key_env) or None
        return None

    def credentials(self) -> str:
        """Return the API key to send; a local server needs none, a remote one must have one."""
        key = self.secret()
        if key is not None:
            return key
        if not is_loopback(self.host):
            also = f" or {self.api_key_env}" if self.api_key_env else ""
            raise ConfigError(
                f"{self.label} at {self.endpoint} needs an API key: set the engine's api_key "
                f"or api_key_file{also}."
            )
        return "no-key-needed"  # local servers ignore it, but the clients insist on one

    def overridden(
        self, *, model: str | None = None, base_url: str | None = None
    ) -> "EngineConfig":
        """Return this configuration with the model and/or endpoint replaced for one run."""
        update: dict[str, object] = {}
        if model is not None:
            update["model"] = model
        if base_url is not None:
            checked = EngineConfig.model_validate(
                {**self.model_dump(), "base_url": base_url, "phi_allowed": None, "baa": None}
            )
            update["base_url"] = checked.base_url
            if _origin(checked.base_url) != _origin(self.base_url):
                # A permission recorded for one server (a BAA) never carries over to another
                # scheme, host or port, and neither does a key: whoever runs it would get it.
                # A refusal, though, holds wherever the engine points.
                refused = False if self.phi_allowed is False else None
                update.update(
                    phi_allowed=refused, baa=None, api_key=None, api_key_file=None, api_key_env=None
                )
        return self.model_copy(update=update)


def _origin(url: str) -> tuple[str, str, int | None]:
    # Scheme, host and port: a BAA for https://vendor does not cover http://vendor:8080.
    parts = urlsplit(url)
    return parts.scheme, (parts.hostname or "").lower(), parts.port


def is_loopback(host: str) -> bool:
    """Return True when ``host`` names this machine (localhost, 127.0.0.0/8, ::1)."""
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


PRESETS: dict[str, dict[str, object]] = {
    "ollama": {
        "label": "Ollama",
        "base_url": "http://localhost:11434/v1",
        "model": "llama3.1:8b",
        "pull_hint": "ollama pull {model}",
        # Ollama's default window; it drops what does not fit without an error, so this must
        # not be larger than the server's (raise both with OLLAMA_CONTEXT_LENGTH).
        "context_tokens": 4096,
    },
    "lmstudio": {
        "label": "LM Studio",
        "base_url": "http://localhost:1234/v1",
        "model": "meta-llama-3.1-8b-instruct",
        "pull_hint": "lms get {model}",
        "context_tokens": 4096,
    },
    "llamacpp": {
        "label": "The llama.cpp server",
        "base_url": "http://localhost:8080/v1",
        "model": "local",
        "structured_output": "json_object",
        "context_tokens": 4096,
    },
    "openai": {
        "label": "OpenAI",
        "base_url": "https://api.openai.com/v1",
        "model": "gpt-4o",
        "api_key_env": "OPENAI_API_KEY",
        "timeout": 60.0,
        "context_tokens": 128_000,
        "max_output_tokens": 8192,
    },
    "anthropic": {
        "kind": "anthropic",
        "label": "Anthropic",
        "base_url": "https://api.anthropic.com",
        "model": "claude-sonnet-4-6",
        "api_key_env": "ANTHROPIC_API_KEY",
        "timeout": 60.0,
        "context_tokens": 200_000,
        "max_output_tokens": 8192,
    },
}
"""The named engines every installation has; settings may change any field or add engines."""
