"""No PHI in logs, errors or recorded events: the whole pipeline, run on a visit full of known
identifiers, with errors triggered on purpose, and every line searched for those values."""

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from chartdraft.bootstrap import name_lexicon, phi_detector
from chartdraft.capture.structured import parse_text
from chartdraft.config import Settings
from chartdraft.domain.draft import PracticeContext
from chartdraft.domain.egress import EgressRecord
from chartdraft.domain.errors import ChartdraftError
from chartdraft.drafting.engine import DraftingEngine
from chartdraft.drafting.registry import create_engine
from chartdraft.privacy.log_filter import install_log_redaction, uninstall_log_redaction
from chartdraft.services.drafting import draft_visit
from chartdraft.services.phi_guard import PhiGuard
from chartdraft.templates.catalog import load_catalog
from tests.fake_providers import Canned, FakeProvider
from tests.unit.test_egress import BrokenDetector

CAPTURE = (
    "CC: cough\n"
    "S: Xiomara Quintanilla reports a dry cough since 03/14/2024; her daughter Rosalind "
    "called from 555-201-4477 and wrote from xquintanilla@mailhost.net. Lives at 4417 Birchwood "
    "Lane, Kalispell, MT 59901.\n"
    "O: T 98.6, lungs clear. MRN: 00482913. SSN 512-44-8821.\n"
    "A: viral URI\n"
    "P: fluids and rest; follow up with Dr. Okonkwo on 03/28/2024."
)
VALUES = ["Xiomara", "Quintanilla", "Rosalind", "Okonkwo", "555-201-4477", "xquintanilla",
          "03/14/2024", "03/28/2024", "00482913", "512-44-8821", "4417 Birchwood", "Kalispell",
          "59901"]  # fmt: skip


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Every log record of every logger, at DEBUG, as a handler would write it."""
    install_log_redaction(phi_detector)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)
    uninstall_log_redaction()


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    fake = FakeProvider("openai").start()
    yield fake
    fake.stop()


def engine_for(provider: FakeProvider, *, phi_allowed: bool) -> DraftingEngine:
    configs = dict(Settings().engines)
    configs["openai"] = configs["openai"].model_copy(
        update={
            "base_url": provider.base_url,
            "api_key": SecretStr("test-key"),
            "phi_allowed": phi_allowed,
            "max_retries": 0,
        }
    )
    return create_engine("openai", configs)


def run(engine: DraftingEngine, guard: PhiGuard) -> str:
    """Draft the capture; return the error's message when it fails on purpose."""
    visit = parse_text(CAPTURE)
    try:
        draft_visit(visit, engine, load_catalog().resolve("general"), PracticeContext(), guard)
    except ChartdraftError as exc:
        return f"{type(exc).__name__}: {exc}"
    return ""


def test_no_identifier_reaches_a_log_an_error_or_an_event(
    log_lines: io.StringIO, provider: FakeProvider
) -> None:
    events: list[EgressRecord] = []
    guard = PhiGuard(phi_detector, name_lexicon, record=events.append)
    broken = PhiGuard(BrokenDetector, name_lexicon, record=events.append)
    errors = [
        run(engine_for(provider, phi_allowed=False), guard),  # pseudonymized, succeeds
        run(engine_for(provider, phi_allowed=True), guard),  # PHI allowed: the client logs it
        run(engine_for(provider, phi_allowed=False), broken),  # detection fails: refused
    ]
    provider.script.extend([Canned(status=500)] * 3)
    errors.append(run(engine_for(provider, phi_allowed=True), guard))  # server error
    provider.script.extend([Canned(answer_text="not json")] * 4)
    errors.append(run(engine_for(provider, phi_allowed=True), guard))  # unusable answers
    try:  # a library that logs an exception quoting the visit
        raise ValueError(f"could not parse {CAPTURE}")
    except ValueError:
        logging.getLogger("some.library").exception("parse failed for %s", CAPTURE[:80])
    logs = log_lines.getvalue()
    assert "openai" in logs  # the client did log, at DEBUG, what it sent
    assert len([e for e in errors if e]) == 3, errors
    assert len(events) == 4
    recorded = "\n".join(e.model_dump_json() for e in events)
    for value in VALUES:
        assert value not in logs, f"{value} in the logs"
        assert value not in recorded, f"{value} in an egress record"
        assert not [e for e in errors if value in e], f"{value} in an error"


def test_the_command_line_keeps_identifiers_out_of_its_messages(
    provider: FakeProvider, tmp_path: Path
) -> None:
    capture = tmp_path / "visit.txt"
    capture.write_text(CAPTURE, encoding="utf-8")
    env = {
        **os.environ,
        "CHARTDRAFT_ENGINES__OPENAI__BASE_URL": provider.base_url,
        "CHARTDRAFT_ENGINES__OPENAI__API_KEY": "test-key",
        "CHARTDRAFT_ENGINES__OPENAI__PHI_ALLOWED": "false",
        "CHARTDRAFT_ENGINES__OPENAI__MAX_RETRIES": "0",
    }
    command = [sys.executable, "-m", "chartdraft", "draft", str(capture), "--engine", "openai"]
    drafted = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert drafted.returncode == 0, drafted.stderr
    assert "Quintanilla" in drafted.stdout  # the clinician's own note, restored
    provider.script.extend([Canned(status=500)] * 3)
    failed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert failed.returncode != 0
    sent = "\n".join(json.dumps(r.body) for r in provider.requests)
    for value in VALUES:
        assert value not in drafted.stderr
        assert value not in failed.stderr
        assert value not in sent  # the engine was not allowed PHI: it saw none
