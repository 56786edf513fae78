"""The model-engine side of the command line: `engines`, --model, --base-url and their failures."""

import json
import socket

import pytest

from tests.cli.test_cli import GOOD, chartdraft, decoded
from tests.fake_providers import fake_provider


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_engines_lists_presets_reachability_and_phi_permission() -> None:
    with fake_provider("openai") as provider:
        env = {
            "CHARTDRAFT_ENGINES__LLAMACPP__BASE_URL": provider.base_url,
            "CHARTDRAFT_ENGINES__OLLAMA__BASE_URL": f"http://127.0.0.1:{_closed_port()}/v1",
        }
        result = chartdraft("engines", "--format", "json", env=env)
    assert result.returncode == 0, result.stderr.decode()
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert list(rows) == ["template", "anthropic", "llamacpp", "lmstudio", "ollama", "openai"]
    assert rows["template"]["reachable"]
    assert rows["template"]["phi_allowed"]
    assert rows["llamacpp"]["reachable"]
    assert rows["llamacpp"]["ready"]
    assert rows["llamacpp"]["phi_allowed"] is True  # loopback
    assert rows["ollama"]["reachable"] is False
    assert "cannot be reached" in rows["ollama"]["detail"]
    assert rows["openai"]["phi_allowed"] is False  # a remote host needs a recorded BAA
    assert "needs an API key" in rows["openai"]["detail"]
    assert rows["anthropic"]["base_url"] == "https://api.anthropic.com"


def test_engines_shows_a_recorded_baa() -> None:
    env = {
        "CHARTDRAFT_ENGINES__ANTHROPIC__BAA__RECORDED_BY": "admin@clinic.example",
        "CHARTDRAFT_ENGINES__ANTHROPIC__BAA__RECORDED_AT": "2026-11-30",
        "CHARTDRAFT_ENGINES__ANTHROPIC__BAA__REFERENCE": "BAA-2026-014",
    }
    result = chartdraft("engines", "--format", "json", env=env)
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["anthropic"]["phi_allowed"] is True
    assert rows["anthropic"]["baa_reference"] == "BAA-2026-014"
    assert rows["openai"]["baa_reference"] is None
    table = chartdraft("engines", env=env)
    assert "BAA-2026-014" in decoded(table)[0]


def test_engines_text_table() -> None:
    result = chartdraft("engines")
    out, _ = decoded(result)
    assert result.returncode == 0
    for name in ("template", "ollama", "lmstudio", "llamacpp", "openai", "anthropic"):
        assert name in out
    assert "PHI allowed" in out


def test_draft_with_a_model_engine_over_the_wire() -> None:
    with fake_provider("openai") as provider:
        result = chartdraft(
            "draft", "-", "--engine", "openai", "--base-url", provider.base_url,
            "--model", "gpt-4o-mini", "--format", "json",
            stdin=GOOD.encode(), env={"OPENAI_API_KEY": "sk-test"},
        )  # fmt: skip
        sent = provider.chat_requests
    assert result.returncode == 0, result.stderr.decode()
    document = json.loads(result.stdout)
    assert document["engine"]["name"] == "openai"
    assert document["engine"]["model"] == "gpt-4o-mini"
    assert document["engine"]["model_called"] is True
    assert [r.body["model"] for r in sent] == ["gpt-4o-mini"]
    # --base-url moved the engine to another host: the provider's key does not go along.
    assert "sk-test" not in sent[0].headers["authorization"]


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--engine", "template", "--model", "x"], {}, "not to the template engine"),
        (["--engine", "ollama", "--model", " "], {}, "--model needs a name"),
        (["--engine", "ollama", "--base-url", "ftp://x"], {}, "--base-url must be an http"),
        (["--engine", "openai"], {}, "needs an API key"),
        (["--engine", "nope"], {}, "available engines: template, anthropic, llamacpp"),
        (
            ["--engine", "ollama", "--base-url", "http://127.0.0.1:{closed}/v1"],
            {},
            "cannot be reached: is it running",
        ),
        (
            ["--engine", "ollama"],
            {"CHARTDRAFT_ENGINES__OLLAMA__TIMEOUT": "-1"},
            "CHARTDRAFT_ENGINES__OLLAMA__TIMEOUT",
        ),
    ],
)
def test_engine_failures_are_one_sentence(
    args: list[str], env: dict[str, str], message: str
) -> None:
    args = [a.replace("{closed}", str(_closed_port())) for a in args]
    result = chartdraft("draft", "-", *args, stdin=GOOD.encode(), env=env)
    out, err = decoded(result)
    # A server that may answer later exits 75 (EX_TEMPFAIL), so scripts can retry; else 2.
    assert result.returncode == (75 if "cannot be reached" in message else 2), err
    assert out == ""
    assert message in err
    assert "Traceback" not in err
    assert "dry cough" not in err  # the capture never appears in an error


def test_an_api_key_is_never_echoed() -> None:
    secret = "sk-very-secret-value"
    env = {
        "CHARTDRAFT_ENGINES__OPENAI__API_KEY": secret,
        "CHARTDRAFT_ENGINES__OPENAI__BASE_URL": f"http://127.0.0.1:{_closed_port()}/v1",
        "CHARTDRAFT_ENGINES__OPENAI__MAX_RETRIES": "0",
    }
    for command in (["engines", "--format", "json"], ["draft", "-", "--engine", "openai"]):
        result = chartdraft(*command, stdin=GOOD.encode(), env=env)
        assert secret not in result.stdout.decode() + result.stderr.decode()
