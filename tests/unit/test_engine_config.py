"""Engine settings: the presets, the environment over them, PHI permission, keys and secrets."""

import os
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from chartdraft.bootstrap import load_settings
from chartdraft.config import Settings
from chartdraft.domain.errors import ChartdraftError, ConfigError
from chartdraft.drafting.endpoint import PRESETS as ENGINE_PRESETS
from chartdraft.drafting.endpoint import EngineConfig, is_loopback

LIVE_KEY = "sk-live-0123456789abcdef"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only what a test sets: no CHARTDRAFT_ settings or provider keys from the outer shell."""
    for name in list(os.environ):
        if name.startswith("CHARTDRAFT_") or name in {"OPENAI_API_KEY", "ANTHROPIC_API_KEY"}:
            monkeypatch.delenv(name)


def config(base_url: str = "http://localhost:11434/v1", **fields: object) -> EngineConfig:
    return EngineConfig.model_validate({"base_url": base_url, "model": "m", **fields})


# --- presets and the environment -------------------------------------------------------------

PRESETS = [
    # name, kind, base_url, may receive PHI by default
    ("ollama", "openai", "http://localhost:11434/v1", True),
    ("lmstudio", "openai", "http://localhost:1234/v1", True),
    ("llamacpp", "openai", "http://localhost:8080/v1", True),
    ("openai", "openai", "https://api.openai.com/v1", False),
    ("anthropic", "anthropic", "https://api.anthropic.com", False),
]


@pytest.mark.parametrize(("name", "kind", "base_url", "phi"), PRESETS)
def test_presets(name: str, kind: str, base_url: str, phi: bool) -> None:
    engine = Settings().engines[name]
    assert (engine.kind, engine.base_url, engine.may_receive_phi()) == (kind, base_url, phi)
    assert engine.model
    assert engine.phi_allowed is None  # decided by the host, not recorded


def test_preset_names_and_their_extras() -> None:
    engines = Settings().engines
    assert set(engines) == {"ollama", "lmstudio", "llamacpp", "openai", "anthropic"}
    assert engines["ollama"].pull_hint == "ollama pull {model}"
    assert engines["llamacpp"].structured_output == "json_object"
    assert engines["openai"].api_key_env == "OPENAI_API_KEY"
    assert engines["anthropic"].api_key_env == "ANTHROPIC_API_KEY"


def test_environment_changes_one_field_and_keeps_the_preset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHARTDRAFT_ENGINES__OLLAMA__MODEL", "llama3.2:3b")
    monkeypatch.setenv("CHARTDRAFT_ENGINES__OPENAI__TIMEOUT", "15")
    engines = Settings().engines
    assert engines["ollama"].model == "llama3.2:3b"
    assert engines["ollama"].base_url == "http://localhost:11434/v1"
    assert engines["ollama"].pull_hint == "ollama pull {model}"
    assert engines["openai"].timeout == 15.0
    assert engines["openai"].model == "gpt-4o"
    assert engines["lmstudio"] == EngineConfig.model_validate(ENGINE_PRESETS["lmstudio"])


def test_environment_adds_an_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARTDRAFT_ENGINES__VLLM__BASE_URL", "http://gpu-box:8000/v1/")
    monkeypatch.setenv("CHARTDRAFT_ENGINES__VLLM__MODEL", "meta-llama/Llama-3.1-8B-Instruct")
    engines = Settings().engines
    vllm = engines["vllm"]
    assert vllm.kind == "openai"
    assert vllm.base_url == "http://gpu-box:8000/v1"
    assert vllm.model == "meta-llama/Llama-3.1-8B-Instruct"
    assert vllm.may_receive_phi() is False  # another machine
    assert {"ollama", "openai", "anthropic"} <= set(engines)


def test_environment_records_phi_permission(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARTDRAFT_ENGINES__VLLM__BASE_URL", "https://gpu-box:8000/v1")
    monkeypatch.setenv("CHARTDRAFT_ENGINES__VLLM__MODEL", "m")
    monkeypatch.setenv("CHARTDRAFT_ENGINES__VLLM__PHI_ALLOWED", "true")
    monkeypatch.setenv("CHARTDRAFT_ENGINES__VLLM__BAA__RECORDED_BY", "admin@clinic.example")
    monkeypatch.setenv("CHARTDRAFT_ENGINES__VLLM__BAA__RECORDED_AT", "2026-11-30")
    monkeypatch.setenv("CHARTDRAFT_ENGINES__VLLM__BAA__REFERENCE", "BAA-2026-014")
    monkeypatch.setenv("CHARTDRAFT_ENGINES__OLLAMA__PHI_ALLOWED", "false")
    engines = Settings().engines
    assert engines["vllm"].may_receive_phi() is True
    assert engines["vllm"].baa is not None
    assert engines["vllm"].baa.reference == "BAA-2026-014"
    assert engines["ollama"].may_receive_phi() is False


def test_remote_phi_permission_without_a_baa_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHARTDRAFT_ENGINES__OPENAI__PHI_ALLOWED", "true")
    with pytest.raises(ConfigError, match="CHARTDRAFT_ENGINES__OPENAI"):
        load_settings()


# --- may identifiable text be sent? ----------------------------------------------------------

LOOPBACK_HOSTS = ["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1", "[::1]"]
OTHER_HOSTS = [
    "10.0.0.5",
    "192.168.1.20",
    "api.openai.com",
    "localhost.example.com",
    "127.0.0.1.nip.io",
    "::2",
    "",
]


@pytest.mark.parametrize("host", LOOPBACK_HOSTS)
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", OTHER_HOSTS)
def test_other_hosts(host: str) -> None:
    assert not is_loopback(host)


@pytest.mark.parametrize(
    ("base_url", "phi"),
    [
        ("http://localhost:11434/v1", True),
        ("http://127.0.0.1:8080/v1", True),
        ("http://[::1]:1234/v1", True),
        ("https://api.openai.com/v1", False),
        ("http://192.168.1.20:11434/v1", False),
        ("http://localhost.example.com/v1", False),
    ],
)
def test_phi_allowed_by_default_only_on_loopback(base_url: str, phi: bool) -> None:
    assert config(base_url).may_receive_phi() is phi


@pytest.mark.parametrize(
    ("base_url", "allowed"),
    [
        ("https://llm.clinic.example/v1", True),  # a server covered by a BAA
        ("http://localhost:11434/v1", False),  # the practice forbids even local
    ],
)
def test_explicit_phi_permission_is_respected(base_url: str, allowed: bool) -> None:
    assert config(base_url, phi_allowed=allowed, baa=BAA).may_receive_phi() is allowed


BAA = {"recorded_by": "admin@clinic.example", "recorded_at": "2026-11-30", "reference": "BAA-7"}


def test_a_recorded_baa_allows_a_remote_engine_and_nothing_else_does() -> None:
    assert config("https://llm.clinic.example/v1", baa=BAA).may_receive_phi() is True
    assert config("https://llm.clinic.example/v1").may_receive_phi() is False
    with pytest.raises(ValidationError, match="needs a recorded BAA"):
        config("https://llm.clinic.example/v1", phi_allowed=True)
    # A BAA does not override the practice's own refusal.
    assert (
        config("https://llm.clinic.example/v1", baa=BAA, phi_allowed=False).may_receive_phi()
        is False
    )
    with pytest.raises(ValidationError, match="must use https"):
        config("http://llm.clinic.example/v1", baa=BAA)
    for incomplete in ({**BAA, "reference": ""}, {"recorded_by": "a", "reference": "r"}):
        with pytest.raises(ValidationError):
            config("https://llm.clinic.example/v1", baa=incomplete)


def test_phi_permission_does_not_follow_a_new_host() -> None:
    permitted = config("https://llm.clinic.example/v1", phi_allowed=True, baa=BAA)

    elsewhere = permitted.overridden(base_url="https://other.example/v1")
    assert elsewhere.phi_allowed is None
    assert elsewhere.baa is None
    assert elsewhere.may_receive_phi() is False
    assert elsewhere.base_url == "https://other.example/v1"

    same_server = permitted.overridden(base_url="https://llm.clinic.example/v2/")
    assert same_server.phi_allowed is True
    assert same_server.baa == permitted.baa
    assert same_server.base_url == "https://llm.clinic.example/v2"
    # Another port or plain http is another server: the BAA does not follow.
    for elsewhere_url in ("https://llm.clinic.example:8443/v1", "http://llm.clinic.example/v1"):
        moved = permitted.overridden(base_url=elsewhere_url)
        assert moved.baa is None
        assert moved.may_receive_phi() is False

    forbidden = config("http://localhost:11434/v1", phi_allowed=False)
    assert forbidden.overridden(base_url="http://localhost:9999/v1").may_receive_phi() is False
    # The practice's refusal holds wherever the engine is pointed; only permissions are dropped.
    assert forbidden.overridden(base_url="http://127.0.0.1:9999/v1").may_receive_phi() is False


def test_override_changes_only_what_is_given() -> None:
    original = config("http://localhost:11434/v1", phi_allowed=False, timeout=30)
    assert original.overridden() == original
    renamed = original.overridden(model="other")
    assert (renamed.model, renamed.base_url, renamed.phi_allowed) == (
        "other",
        original.base_url,
        False,
    )
    with pytest.raises(ValueError, match="base_url"):
        original.overridden(base_url="localhost:11434")


# --- API keys --------------------------------------------------------------------------------


def test_api_key_given_directly() -> None:
    assert config(api_key=LIVE_KEY).secret() == LIVE_KEY
    assert config("https://api.example.com/v1", api_key=LIVE_KEY).credentials() == LIVE_KEY


def test_api_key_from_a_file(tmp_path: Path) -> None:
    key_file = tmp_path / "key"
    key_file.write_text(f"  {LIVE_KEY}\n", encoding="utf-8")
    assert config("https://api.example.com/v1", api_key_file=key_file).credentials() == LIVE_KEY


def test_unreadable_api_key_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-key"
    with pytest.raises(ConfigError) as raised:
        config("https://api.example.com/v1", api_key_file=missing).credentials()
    assert str(missing) in str(raised.value)


def test_api_key_from_the_providers_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = config("https://api.example.com/v1", api_key_env="EXAMPLE_API_KEY")
    monkeypatch.setenv("EXAMPLE_API_KEY", LIVE_KEY)
    assert engine.credentials() == LIVE_KEY
    monkeypatch.setenv("EXAMPLE_API_KEY", "")
    with pytest.raises(ConfigError, match="EXAMPLE_API_KEY"):
        engine.credentials()


def test_configured_key_comes_before_file_and_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("from-file", encoding="utf-8")
    monkeypatch.setenv("EXAMPLE_API_KEY", "from-variable")
    both = {"api_key_file": key_file, "api_key_env": "EXAMPLE_API_KEY"}
    assert config(api_key="configured", **both).secret() == "configured"
    assert config(**both).secret() == "from-file"
    assert config(api_key_env="EXAMPLE_API_KEY").secret() == "from-variable"


def test_remote_server_needs_a_key_and_loopback_does_not() -> None:
    with pytest.raises(ConfigError) as raised:
        config("https://api.example.com/v1", api_key_env="EXAMPLE_API_KEY").credentials()
    assert isinstance(raised.value, ChartdraftError)
    assert "api_key" in str(raised.value)
    assert "EXAMPLE_API_KEY" in str(raised.value)
    assert config("http://localhost:11434/v1").credentials()
    assert config("http://[::1]:8080/v1").credentials()


def test_key_set_in_the_environment_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHARTDRAFT_ENGINES__OPENAI__API_KEY", LIVE_KEY)
    assert Settings().engines["openai"].credentials() == LIVE_KEY


def test_api_key_is_never_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = config(api_key=LIVE_KEY)
    assert isinstance(engine.api_key, SecretStr)
    for shown in (repr(engine), str(engine), engine.model_dump_json(), str(engine.model_dump())):
        assert LIVE_KEY not in shown
    monkeypatch.setenv("CHARTDRAFT_ENGINES__OPENAI__API_KEY", LIVE_KEY)
    settings = Settings()
    for shown in (repr(settings), settings.model_dump_json(), str(settings.engines)):
        assert LIVE_KEY not in shown


# --- invalid settings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "base_url",
    ["localhost:11434", "ftp://localhost/v1", "http://", "not a url", "", "file:///tmp/socket"],
)
def test_invalid_base_url_is_rejected(base_url: str) -> None:
    with pytest.raises(ValidationError, match="base_url"):
        config(base_url)


def test_base_url_is_trimmed() -> None:
    assert config("  http://localhost:11434/v1/  ").base_url == "http://localhost:11434/v1"


@pytest.mark.parametrize(
    ("field", "value"),
    [("timeout", 0), ("timeout", -1), ("max_retries", 11), ("temperature", 3), ("kind", "gemini")],
)
def test_out_of_range_fields_are_rejected(field: str, value: object) -> None:
    with pytest.raises(ValidationError):
        config(**{field: value})


def test_unknown_engine_field_is_rejected() -> None:
    with pytest.raises(ValidationError):
        config(modle="typo")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("CHARTDRAFT_ENGINES__OLLAMA__TIMEOUT", "-1"),
        ("CHARTDRAFT_ENGINES__OLLAMA__TIMEOUT", "soon-hunter2"),
        ("CHARTDRAFT_ENGINES__OLLAMA__BASE_URL", "ftp://admin:hunter2@gpu-box/v1"),
        ("CHARTDRAFT_ENGINES__OLLAMA__MODLE", "hunter2"),
        ("CHARTDRAFT_ENGINES__OPENAI__STRUCTURED_OUTPUT", "hunter2"),
    ],
)
def test_invalid_setting_is_named_but_its_value_not_repeated(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    message = str(raised.value)
    assert variable in message
    assert value not in message
    assert "hunter2" not in message


def test_valid_settings_load() -> None:
    assert load_settings().engines["ollama"].model == Settings().engines["ollama"].model
