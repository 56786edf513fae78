"""Shared fixtures, and the rule for tests whose real dependency is missing.

Under CI (CI=true) a missing dependency fails the test; elsewhere it skips, and the run ends
with a loud line saying what was not tested.
"""

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from chartdraft.bootstrap import build_drafting_service
from chartdraft.config import Settings
from chartdraft.services.drafting import DraftingService

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "visits"
SHARED_DATA = Path(os.environ.get("CHARTDRAFT_SHARED_DATA", REPO.parent / "shared" / "data"))

_missing: list[str] = []


def in_ci() -> bool:
    """Return True when running under CI, where missing dependencies are failures."""
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(available: bool, what: str) -> None:
    """Fail (CI) or skip (elsewhere) the calling test when ``what`` is not available."""
    if available:
        return
    if in_ci():
        pytest.fail(f"{what} is required under CI but is missing", pytrace=False)
    _missing.append(what)
    pytest.skip(f"{what} is missing")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The public datasets directory (../shared/data)."""
    require((SHARED_DATA / "aci-bench").is_dir(), f"the public datasets at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def service() -> DraftingService:
    """The drafting service with default settings (template engine, bundled templates)."""
    return build_drafting_service(Settings())


_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "chartdraft"
LLM_PYTHON = Path(
    os.environ.get("CHARTDRAFT_TEST_LLM_PYTHON", REPO / ".venv-llm" / "bin" / "python")
)
LLM_MODEL = Path(
    os.environ.get(
        "CHARTDRAFT_TEST_LLM_MODEL", _CACHE / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
    )
)
LLM_CONTEXT = 4096
_LLM_START_SECONDS = 120


@pytest.fixture(scope="session")
def llm_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real llama.cpp server (llama-cpp-python) with the small test model; yields its /v1 URL.

    ``make test`` installs both (scripts/setup-local-llm.sh). CHARTDRAFT_TEST_LLM_URL points the
    tests at a server that is already running instead.
    """
    if url := os.environ.get("CHARTDRAFT_TEST_LLM_URL"):
        yield url.rstrip("/")
        return
    require(
        LLM_PYTHON.exists() and LLM_MODEL.exists(),
        "the local LLM server (run scripts/setup-local-llm.sh)",
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = tmp_path_factory.mktemp("llm") / "server.log"
    command = [
        str(LLM_PYTHON), "-m", "llama_cpp.server", "--model", str(LLM_MODEL),
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(LLM_CONTEXT),
        "--model_alias", "smollm2-135m",
    ]  # fmt: skip
    with log.open("wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_for(url, server, log)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


def _wait_for(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + _LLM_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            pytest.fail(f"the local LLM server exited at start:\n{tail}", pytrace=False)
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2):  # noqa: S310 (loopback)
                return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"the local LLM server did not start within {_LLM_START_SECONDS} s", pytrace=False)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say loudly which real dependencies were missing, so a green run is not misread."""
    if _missing:
        names = ", ".join(sorted(set(_missing)))
        terminalreporter.write_sep("!", f"NOT TESTED, missing dependencies: {names}", red=True)
