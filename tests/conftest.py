"""Shared fixtures, and the rule for tests whose real dependency is missing.

Under CI (CI=true) a missing dependency fails the test; elsewhere it skips, and the run ends
with a loud line saying what was not tested.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from chartdraft.bootstrap import build_drafting_service
from chartdraft.config import Settings
from chartdraft.evaluation.local_server import DEFAULT_MODEL, ServerStartError, running_model_server
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


LLM_PYTHON = Path(
    os.environ.get("CHARTDRAFT_TEST_LLM_PYTHON", REPO / ".venv-llm" / "bin" / "python")
)
LLM_MODEL = Path(os.environ.get("CHARTDRAFT_TEST_LLM_MODEL", DEFAULT_MODEL))
LLM_CONTEXT = 4096


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
    log = tmp_path_factory.mktemp("llm") / "server.log"
    try:
        with running_model_server(LLM_PYTHON, LLM_MODEL, n_ctx=LLM_CONTEXT, log=log) as url:
            yield url
    except ServerStartError as exc:
        pytest.fail(str(exc), pytrace=False)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say loudly which real dependencies were missing, so a green run is not misread."""
    if _missing:
        names = ", ".join(sorted(set(_missing)))
        terminalreporter.write_sep("!", f"NOT TESTED, missing dependencies: {names}", red=True)
