"""The default model's files are checked against their pinned sha256s before loading."""

import shutil
from pathlib import Path

import pytest

from chartdraft.capture.speech import model_files
from chartdraft.capture.speech.model_files import PINNED_SHA256, checked_model_dir
from chartdraft.domain.errors import ConfigError


@pytest.fixture
def default_dir(transcriber: object) -> Path:
    return model_files.default_model_dir()


def test_the_installed_default_matches_every_pinned_hash(default_dir: Path) -> None:
    assert checked_model_dir(None) == default_dir
    assert sorted(p.name for p in default_dir.iterdir() if p.name in PINNED_SHA256) == sorted(
        PINNED_SHA256
    )


def test_a_swapped_file_in_the_default_model_is_refused(
    default_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "model"
    shutil.copytree(default_dir, copy)
    (copy / "config.json").write_text('{"tampered": true}', encoding="utf-8")
    monkeypatch.setattr(model_files, "default_model_dir", lambda: copy)

    with pytest.raises(ConfigError, match=r"config\.json does not match its pinned sha256"):
        checked_model_dir(None)


def test_a_practice_model_directory_must_hold_a_model(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        checked_model_dir(tmp_path / "absent")
    with pytest.raises(ConfigError, match=r"missing model\.bin, config\.json, tokenizer\.json"):
        checked_model_dir(tmp_path)
