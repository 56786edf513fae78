"""Run chartdraft as a user does: the CLI as a process, and ``chartdraft serve`` on loopback."""

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest


def run_chartdraft(
    env: dict[str, str], *args: str, stdin: str | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run ``chartdraft ARGS`` with exactly ``env``; return the finished process."""
    return subprocess.run([sys.executable, "-m", "chartdraft", *args], input=stdin,
                          capture_output=True, text=True, check=False, env=env,
                          timeout=timeout)  # fmt: skip


@contextmanager
def serving(env: dict[str, str]) -> Iterator[str]:
    """Run ``chartdraft serve`` on a free port until the block ends; yield its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    process = subprocess.Popen(
        [sys.executable, "-m", "chartdraft", "serve", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{url}/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("chartdraft serve did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
