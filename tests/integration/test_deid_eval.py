"""The de-identification evaluation end to end: real data, real detector, presidio baselines."""

import json
from pathlib import Path

import pytest

from chartdraft.domain.phi import PhiType
from chartdraft.evaluation.deid_eval import SCHEMA, DeidEvalResult, run_deid_eval
from chartdraft.evaluation.deid_gold import CLINICAL, build_clinical_gold, check_spans
from chartdraft.evaluation.deid_report import RECALL_PNG, REPORT_JSON, REPORT_MD


@pytest.fixture(scope="module")
def run(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DeidEvalResult]:
    out = tmp_path_factory.mktemp("deid")
    progress: list[tuple[str, int, int]] = []
    result = run_deid_eval(shared_data, out, limit=6, progress=lambda *a: progress.append(a))
    assert progress, "long work reports progress"
    return out, result


def test_writes_the_report_files(run: tuple[Path, DeidEvalResult]) -> None:
    out, _ = run
    for name in (REPORT_MD, REPORT_JSON, RECALL_PNG):
        assert (out / name).stat().st_size > 0
    assert (out / RECALL_PNG).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "# PHI de-identification evaluation" in (out / REPORT_MD).read_text(encoding="utf-8")


def test_json_has_the_schema_and_recall_for_every_type(run: tuple[Path, DeidEvalResult]) -> None:
    out, _ = run
    data = json.loads((out / REPORT_JSON).read_text(encoding="utf-8"))
    assert data["schema"] == SCHEMA
    systems = {s["name"]: s for s in data["systems"]}
    ours = systems["chartdraft"]
    assert ours["skipped"] is None, "the chartdraft detector must run"
    assert systems["presidio-default"]["skipped"] is None
    clinical = next(s for s in ours["sets"] if s["gold_set"] == CLINICAL)
    recall = {row["key"]: row for row in clinical["recall"]}
    for phi_type in PhiType:
        row = recall[phi_type.value]
        assert row["gold"] > 0, f"no {phi_type} in the gold sample"
        assert 0.0 <= row["recall"] <= 1.0
    assert clinical["throughput"]["notes_per_second"] > 0
    assert set(data["targets"]) >= {"precision ≥ 90%"}


def test_result_summarises_without_identifier_strings(run: tuple[Path, DeidEvalResult]) -> None:
    _, result = run
    lines = result.summary_lines()
    assert any(line.startswith("chartdraft: recall") for line in lines)
    assert isinstance(result.targets_met(), bool)


def test_full_clinical_gold_is_large_and_consistent(shared_data: Path) -> None:
    gold = build_clinical_gold(shared_data)
    assert check_spans(gold.notes) == []
    counts = {t: 0 for t in PhiType}
    for note in gold.notes:
        for entity in note.entities:
            counts[entity.type] += 1
    assert sum(counts.values()) >= 8000
    assert min(counts.values()) >= 200, counts
    # The same seed gives the same gold.
    again = build_clinical_gold(shared_data)
    assert [n.text for n in again.notes[:20]] == [n.text for n in gold.notes[:20]]
