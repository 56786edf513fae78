"""Run chartdraft as a user does: the CLI as a process, and ``chartdraft serve`` on loopback."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest


def run_chartdraft(
    env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``chartdraft ARGS`` with exactly ``env``; return the finished process."""
    return subprocess.run([sys.executable, "-m", "chartdraft", *args], input=stdin,
                          capture_output=True, text=True, check=False, env=env,
                          timeout=timeout)  # fmt: skip


def free_port() -> int:
    """Return a loopback port nobody listens on (for a server to take next)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(
    env: dict[str, str], *, port: int | None = None, log: Path | None = None
) -> Iterator[str]:
    """Run ``chartdraft serve`` (on ``port``, else a free one) until the block ends; yield its URL."""
    port = port or free_port()
    with log.open("wb") if log else open(os.devnull, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "chartdraft", "serve", "--port", str(port)],
            env=env, stdout=output, stderr=output,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            if process.poll() is not None or _answers(url):
                break
            time.sleep(0.1)
        if process.poll() is not None or not _answers(url):
            pytest.fail("chartdraft serve did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def _answers(url: str) -> bool:
    try:
        httpx.get(f"{url}/openapi.json", timeout=1)
    except httpx.TransportError:
        return False
    return True
