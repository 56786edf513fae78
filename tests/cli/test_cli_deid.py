"""`chartdraft deid` as a user runs it: the identifiers found and the text an engine would see."""

import json
import re
from pathlib import Path

import pytest

from tests.cli.test_cli import chartdraft, decoded

TEXT = (
    "Mr. Brown's daughter Rose called on 03/14/2024 from (555) 123-4567 about her father, "
    "a 93-year-old with Parkinson's disease on Lasix. MRN: 00123456.\n"
)


def test_json_lists_each_identifier_with_its_stand_in(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_text(TEXT, encoding="utf-8")
    result = chartdraft("deid", str(path), "--format", "json")
    out, err = decoded(result)
    assert result.returncode == 0, err
    document = json.loads(out)
    assert document["schema"] == "chartdraft.deid/1"
    entities = document["entities"]
    assert [(e["type"], e["text"]) for e in entities] == [
        ("NAME", "Brown"),
        ("NAME", "Rose"),
        ("DATE", "03/14/2024"),
        ("PHONE", "(555) 123-4567"),
        ("AGE", "93-year-old"),
        ("MRN", "00123456"),
    ]
    for entity in entities:
        assert set(entity) == {"type", "start", "end", "text", "surrogate"}
        assert TEXT[entity["start"] : entity["end"]] == entity["text"]
        assert entity["surrogate"] in document["text"]
        assert not re.search(rf"\b{re.escape(entity['text'])}\b", document["text"])
    # Clinical words stay: eponym and drug are not identifiers.
    assert "Parkinson's disease on Lasix" in document["text"]


def test_text_prints_the_pseudonymized_note_and_a_table_on_stderr() -> None:
    result = chartdraft("deid", "-", stdin=TEXT.encode())
    out, err = decoded(result)
    assert result.returncode == 0, err
    assert "Brown" not in out
    assert "Parkinson's disease" in out
    assert "6 identifier(s) replaced" in err


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("caf\u00e9 Mr. Brown".encode("utf-16"), "UTF-8"),
    ],
)
def test_bad_input_gets_one_sentence_and_exit_2(stdin: bytes, message: str) -> None:
    result = chartdraft("deid", "-", stdin=stdin)
    out, err = decoded(result)
    assert result.returncode == 2
    assert out == ""
    assert message.lower() in err.lower()
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    result = chartdraft("deid", str(tmp_path / "nope.txt"))
    _, err = decoded(result)
    assert result.returncode == 2
    assert "nope.txt does not exist" in err


def test_eval_deid_needs_the_datasets(tmp_path: Path) -> None:
    result = chartdraft("eval", "deid", "--data", str(tmp_path), "--out", str(tmp_path / "out"))
    _, err = decoded(result)
    assert result.returncode == 2
    assert "does not hold the public datasets" in err
    assert not (tmp_path / "out").exists()


@pytest.mark.corpus
def test_eval_deid_writes_its_report(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    result = chartdraft(
        "eval", "deid", "--data", str(shared_data), "--out", str(out), "--limit", "2"
    )
    stdout, err = decoded(result)
    assert result.returncode == 0, err
    assert "chartdraft: recall" in stdout
    assert "presidio-default: recall" in stdout
    figures = json.loads((out / "deid-results.json").read_text(encoding="utf-8"))
    assert figures["schema"] == "chartdraft.deid-eval/1"
    assert (out / "deid-report.md").is_file()
    assert (out / "deid-recall.png").stat().st_size > 1000
