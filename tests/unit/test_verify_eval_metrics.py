"""The verifier evaluation's arithmetic, with a fake verifier whose findings are known.

A tiny data directory in the public datasets' own formats stands in for ../shared/data. The
fake verifier looks each copy up in the benchmark built with the same seed and answers by a
fixed policy (catch, flag with the wrong kind, or miss), so every figure can be predicted.
"""

import csv
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from chartdraft.domain.draft import EngineInfo, SoapDraft
from chartdraft.domain.findings import Finding, FindingKind, Severity
from chartdraft.domain.note import DraftSection, SectionStatus, Statement
from chartdraft.domain.sections import SOAP_ORDER, SectionName
from chartdraft.domain.visit import SourceSpan, Visit
from chartdraft.evaluation.benchmark import BenchmarkNote, benchmark_notes, count_benchmark
from chartdraft.evaluation.perturbation import PerturbationKind, PerturbationLabel
from chartdraft.evaluation.verify_eval import is_caught, is_flagged, run_verify_eval
from chartdraft.evaluation.verify_report import summary_lines, write_report
from chartdraft.evaluation.verify_results import VerifyEvalResult

K = PerturbationKind
SEED = 1
CATCH = {K.NUMBER_CHANGE, K.DRUG_SWAP, K.NEGATION_FLIP, K.ADDED_DIAGNOSIS, K.DELETED_SENTENCE}
CATCH_BY_NAME = {K.ADDED_NAME}  # caught through draft_text, with no statement id
WRONG_KIND = {K.LATERALITY_FLIP, K.ADDED_PLAN_ITEM}
READER = "fake-reader"

ACI_NOTES = [
    """CHIEF COMPLAINT

Left knee pain.

HISTORY OF PRESENT ILLNESS

She reports left knee pain for 2 weeks after a fall on the ice. She denies fever or chills.
She takes lisinopril 20 mg daily for her blood pressure.

PHYSICAL EXAM

BP 124/90, HR 88. Swelling of the left knee with a small effusion.

ASSESSMENT AND PLAN

Possible meniscal tear of the left knee. Order an MRI of the left knee. Start ibuprofen 400 mg.""",
    """CHIEF COMPLAINT

Cough.

HISTORY OF PRESENT ILLNESS

He reports a dry cough for 10 days. He denies shortness of breath. He uses albuterol as needed.

PHYSICAL EXAM

Temperature 37.9. Lungs with wheezes on the right side.

ASSESSMENT AND PLAN

Likely viral bronchitis. Continue albuterol 2 puffs every 4 hours. Return in 1 week.""",
]
PRIMOCK_NOTE = """Headache on left side for 3 days.
No vomiting. Took paracetamol 1 g with little relief.
Migraine, possibly with aura.
Plan: keep a headache diary, review in 1 week."""
MTS_ROWS = [
    ("GENHX", "The patient is a 60-year-old man with right hip pain for 6 months, no trauma."),
    ("CC", "Hip pain."),  # under eight words: not a note
]
LLM_NOTES = {
    "GPT-4": [("hello doctor my knee hurts", "Patient takes aspirin daily. No fever today."),
              ("i have a cough", "Cough for three days. Lungs clear.")],
    "ChatGPT": [("my head hurts", "Aspirin was started. Aspirin again. Fine."),
                ("", "Never read: the dialogue is empty.")],
}  # fmt: skip
SUMMARIES = [("doctor: how are you? patient: my back hurts.", i) for i in range(6)]


def _csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny data directory in the layout and formats of ../shared/data."""
    root = tmp_path_factory.mktemp("data")
    aci = root / "aci-bench"
    splits = ["train", "valid", "clinicalnlp_taskB_test1", "clinicalnlp_taskC_test2"]
    for split in [*splits, "clef_taskC_test3"]:
        rows = (
            [["aci", f"D{i}", "", n] for i, n in enumerate(ACI_NOTES)] if split == "train" else []
        )
        _csv(
            aci / "challenge_data" / f"{split}.csv",
            ["dataset", "encounter_id", "dialogue", "note"],
            rows,
        )
    primock = root / "primock57" / "primock57_consultations.jsonl"
    primock.parent.mkdir()
    primock.write_text(json.dumps({"consultation_id": "c1", "clinician_note": PRIMOCK_NOTE}) + "\n")
    mts = root / "mts-dialog"
    names = [
        "TrainingSet",
        "ValidationSet",
        "TestSet-1-MEDIQA-Chat-2023",
        "TestSet-2-MEDIQA-Sum-2023",
    ]
    for name in names:
        rows = (
            [[str(i), h, t, "d"] for i, (h, t) in enumerate(MTS_ROWS)] if name == names[0] else []
        )
        header = ["ID", "section_header", "section_text", "dialogue"]
        _csv(mts / f"MTS-Dialog-{name}.csv", header, rows, encoding="utf-8-sig")
    _write_llm_outputs(aci, mts)
    lists = root / "physionet-deid-lists"
    (lists / "lists").mkdir(parents=True)
    (lists / "dict").mkdir()
    (lists / "lists" / "female_names_popular.txt").write_text("MARIA\nWHITE\n")
    (lists / "lists" / "male_names_popular.txt").write_text("JORGE\n")
    (lists / "lists" / "last_names_popular.txt").write_text("LOPEZ\nOKAFOR\n")
    (lists / "dict" / "commonest_words.txt").write_text("white\nthe\n")
    return root


def _write_llm_outputs(aci: Path, mts: Path) -> None:
    header = ["Dialogues", "Reference Summaries", "note", "encounter_id"]
    for model, notes in LLM_NOTES.items():
        for split in ("test1", "test2", "test3"):
            rows = (
                [[d, "ref", n, f"E{i}"] for i, (d, n) in enumerate(notes)]
                if split == "test1"
                else []
            )
            _csv(aci / "llm_predictions" / f"{split}_{model}.csv", header, rows)
    # Summary i: i of 6 statements mention aspirin; its human hallucination rate rises with i.
    summaries = [
        [str(i), d, "ref", " ".join(["Aspirin given."] * n + ["Back pain."] * (6 - n))]
        for i, (d, n) in enumerate(SUMMARIES)
    ]
    summaries.append(["6", "", "ref", "Back pain."])  # an empty dialogue: skipped
    _csv(mts / "MTS-Dialog-Automatic-Summaries-ValidationSet.csv",
         ["ID", "Dialogue", "Reference Summary", "Automatic Summary"], summaries, "utf-8-sig")  # fmt: skip
    scores = [["1", "1", "1", str(n / 10), "0", "0"] for _, n in SUMMARIES] + [["1"] * 6]
    header = ["FactualPrecision", "FactualRecall", "FactualF1", "HallucinationRate"]
    _csv(mts / "MTS-Dialog-Manual-Scores4CorrelationStudy.csv",
         [*header, "OmissionRate", "Edit Distance (Correction)"], scores, "utf-8-sig")  # fmt: skip


def read_sentences(text: str) -> SoapDraft:
    """A stand-in for read_draft: every sentence a subjective statement, citing nothing."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
    found = tuple(Statement(id=f"s{i}", text=s, sources=()) for i, s in enumerate(sentences, 1))
    sections = tuple(
        DraftSection(name=n, title=n.value, status=SectionStatus.COMPLETE,
                     statements=found if n is SectionName.SUBJECTIVE else ())
        for n in SOAP_ORDER
    )  # fmt: skip
    return SoapDraft(
        encounter_type="general", title="NOTE", engine=EngineInfo(name=READER), sections=sections
    )


def finding(kind: FindingKind, statement_id: str | None, **more: object) -> Finding:
    return Finding(kind=kind, severity=Severity.MAJOR, section=None, statement_id=statement_id,
                   message=f"fake {kind.value}", raised_by="fake", **more)  # type: ignore[arg-type]  # fmt: skip


def fake_verifier(notes: list[BenchmarkNote]) -> Callable[[Visit, SoapDraft], list[Finding]]:
    """Return a verifier that answers each benchmark copy by the policy above."""
    labels: dict[str, PerturbationLabel | None] = {}
    for note in notes:
        labels[note.clean.model_dump_json()] = None
        labels.update({p.draft.model_dump_json(): p.label for p in note.perturbations})

    def verify(visit: Visit, draft: SoapDraft) -> list[Finding]:
        # Every call also returns a drafter's gap finding, which the evaluation must ignore.
        gap = finding(FindingKind.MISSING_SECTION, None)
        if draft.engine.name == READER:
            flagged = [st.id for st in draft.section(SectionName.SUBJECTIVE).statements
                       if "aspirin" in st.text.lower()]  # fmt: skip
            lost = finding(FindingKind.OMISSION, None, input_text="lost words")
            return [gap, lost, *(finding(FindingKind.UNSUPPORTED_STATEMENT, i) for i in flagged)]
        label = labels[draft.model_dump_json()]
        if label is None:  # a clean copy: one false flag on its first statement
            first = next(st for s in draft.sections for st in s.statements)
            return [gap, finding(FindingKind.UNSUPPORTED_STATEMENT, first.id)]
        return [gap, *_answer(label)]

    return verify


def _answer(label: PerturbationLabel) -> list[Finding]:
    if label.kind is K.DELETED_SENTENCE:
        return [finding(FindingKind.OMISSION, None, spans=label.sources)]
    if label.kind in CATCH_BY_NAME:
        name = (label.inserted or "").split()[-1]
        return [finding(FindingKind.PHI_INTRODUCED, None, draft_text=f"... {name} ...")]
    if label.kind in CATCH:
        return [finding(label.expected, label.statement_id)]
    if label.kind in WRONG_KIND:
        wrong = next(
            k for k in (FindingKind.UNSAFE_CERTAINTY, FindingKind.OMISSION) if k != label.expected
        )
        return [finding(wrong, label.statement_id)]
    return []


@pytest.fixture(scope="module")
def notes(data_dir: Path) -> list[BenchmarkNote]:
    built = list(benchmark_notes(data_dir, seed=SEED))
    assert all(isinstance(n, BenchmarkNote) for n in built)
    return [n for n in built if isinstance(n, BenchmarkNote)]


@pytest.fixture(scope="module")
def result(data_dir: Path, notes: list[BenchmarkNote]) -> VerifyEvalResult:
    return run_verify_eval(
        data_dir, seed=SEED, verify_fn=fake_verifier(notes), read_fn=read_sentences
    )


def test_the_tiny_benchmark_offers_every_kind(data_dir: Path, notes: list[BenchmarkNote]) -> None:
    counts = count_benchmark(data_dir, seed=SEED)
    assert dict(counts.notes) == {"aci-bench": 2, "primock57": 1, "mts-dialog": 1}
    assert all(n > 0 for n in counts.per_kind().values()), counts.per_kind()


def test_recall_and_flagged_follow_the_verifier_policy(
    result: VerifyEvalResult, data_dir: Path
) -> None:
    injected = count_benchmark(data_dir, seed=SEED).per_kind()
    for score in result.kinds:
        kind = K(score.kind)
        assert score.injected == injected[score.kind]
        caught = kind in CATCH | CATCH_BY_NAME
        assert score.caught == (score.injected if caught else 0)
        assert score.recall == (1.0 if caught else 0.0)
        flagged = caught or kind in WRONG_KIND
        assert score.flagged == (score.injected if flagged else 0)


def test_per_dataset_scores_add_up_to_the_whole(result: VerifyEvalResult) -> None:
    assert [d.name for d in result.datasets] == ["aci-bench", "primock57", "mts-dialog"]
    for index, overall in enumerate(result.kinds):
        assert overall.injected == sum(d.kinds[index].injected for d in result.datasets)
        assert overall.caught == sum(d.kinds[index].caught for d in result.datasets)
    assert sum(d.copies for d in result.datasets) == result.throughput.verify_calls


def test_false_flags_count_verifier_findings_on_clean_copies_only(
    result: VerifyEvalResult, notes: list[BenchmarkNote]
) -> None:
    clean_statements = sum(len(s.statements) for n in notes for s in n.clean.sections)
    assert result.clean_statements == clean_statements
    assert result.false_flags == len(notes)  # one each; the gap findings do not count
    assert result.false_flag_rate == pytest.approx(len(notes) / clean_statements)
    assert result.false_flags_by_kind["unsupported_statement"] == len(notes)
    assert FindingKind.MISSING_SECTION.value not in result.false_flags_by_kind
    assert len(result.false_flag_examples) == len(notes)
    texts = {st.text for n in notes for s in n.clean.sections for st in s.statements[:1]}
    assert {e.statement for e in result.false_flag_examples} <= texts


def test_missed_perturbations_are_kept_for_reading(result: VerifyEvalResult) -> None:
    missed = {e.kind for e in result.missed_examples}
    assert missed == {k.value for k in K} - {k.value for k in CATCH | CATCH_BY_NAME}
    assert all(e.raised == ("unsafe_certainty",) for e in result.missed_examples
               if K(e.kind) in WRONG_KIND)  # fmt: skip


def test_throughput_times_every_verify_call(result: VerifyEvalResult) -> None:
    speed = result.throughput
    assert speed.verify_calls == sum(d.copies for d in result.datasets) > 0
    assert speed.p50_ms is not None
    assert speed.p99_ms is not None
    assert 0 <= speed.p50_ms <= speed.p99_ms
    assert speed.notes_per_second == pytest.approx(speed.verify_calls / speed.seconds)


def test_real_model_notes_give_flag_rates_per_model(result: VerifyEvalResult) -> None:
    assert result.llm is not None
    gpt4, chatgpt = result.llm.models
    assert (gpt4.model, gpt4.notes, gpt4.skipped, gpt4.statements) == ("GPT-4", 2, 0, 4)
    assert gpt4.flag_rate == pytest.approx(1 / 4)
    assert gpt4.findings_per_statement == {"unsupported_statement": pytest.approx(1 / 4)}
    assert (gpt4.omissions, gpt4.omissions_per_note) == (2, 1.0)
    assert (chatgpt.notes, chatgpt.skipped, chatgpt.statements) == (1, 1, 3)
    assert chatgpt.flag_rate == pytest.approx(2 / 3)
    assert len(result.llm.examples) == 3
    assert {e.statement for e in result.llm.examples} == {
        "Patient takes aspirin daily.",
        "Aspirin was started.",
        "Aspirin again.",
    }


def test_summaries_correlate_with_human_hallucination_rates(result: VerifyEvalResult) -> None:
    assert result.llm is not None
    assert (result.llm.summaries, result.llm.summaries_skipped) == (6, 1)
    overall = result.llm.correlation
    assert overall.n == 6
    assert overall.rho == pytest.approx(1.0)
    assert overall.p_value is not None
    assert overall.p_value < 0.01
    assert overall.mean_unsupported_rate == pytest.approx(sum(range(6)) / 6 / 6)
    assert [c.label for c in result.llm.per_system] == ["system 1"]


@pytest.mark.parametrize(
    ("finding_spans", "caught"),
    [
        ((SourceSpan(field="subjective", start=15, end=30),), True),
        ((SourceSpan(field="subjective", start=0, end=11),), True),
        ((SourceSpan(field="subjective", start=20, end=30),), False),  # touching is not sharing
        ((SourceSpan(field="objective", start=10, end=20),), False),
        ((), False),
    ],
)
def test_an_omission_is_caught_when_its_spans_overlap_the_lost_input(
    finding_spans: tuple[SourceSpan, ...], caught: bool
) -> None:
    label = PerturbationLabel(
        kind=K.DELETED_SENTENCE, expected=FindingKind.OMISSION, section=SectionName.SUBJECTIVE,
        statement_id="s4", before="Lost words here.", after="",
        sources=(SourceSpan(field="subjective", start=10, end=20),),
    )  # fmt: skip
    omission = finding(FindingKind.OMISSION, None, spans=finding_spans)
    assert is_caught(label, [omission]) is caught
    assert is_flagged(label, [omission]) is caught
    wrong_kind = finding(FindingKind.CONTRADICTION, None, spans=finding_spans)
    assert is_caught(label, [wrong_kind]) is False
    assert is_flagged(label, [wrong_kind]) is caught


@pytest.mark.parametrize(
    ("found", "caught", "flagged"),
    [
        (finding(FindingKind.PHI_INTRODUCED, "s9"), True, True),
        (finding(FindingKind.PHI_INTRODUCED, None, draft_text="Mr. Okafor"), True, True),
        (finding(FindingKind.PHI_INTRODUCED, "s2", draft_text="Dr. Smith"), False, False),
        (finding(FindingKind.PHI_INTRODUCED, "s2", draft_text="Okaforia"), False, False),
        (finding(FindingKind.UNSUPPORTED_STATEMENT, "s9"), False, True),
    ],
)
def test_an_added_name_is_caught_at_its_statement_or_by_its_words(
    found: Finding, caught: bool, flagged: bool
) -> None:
    label = PerturbationLabel(
        kind=K.ADDED_NAME, expected=FindingKind.PHI_INTRODUCED, section=SectionName.SUBJECTIVE,
        statement_id="s9", before="She reports pain.", after="Ms. Okafor reports pain.",
        inserted="Ms. Okafor",
    )  # fmt: skip
    assert is_caught(label, [found]) is caught
    assert is_flagged(label, [found]) is flagged


def test_progress_reaches_the_end_of_every_stage(
    data_dir: Path, notes: list[BenchmarkNote]
) -> None:
    calls: list[tuple[str, int, int]] = []
    run_verify_eval(
        data_dir, seed=SEED, verify_fn=fake_verifier(notes), read_fn=read_sentences,
        progress=lambda stage, done, total: calls.append((stage, done, total)),
    )  # fmt: skip
    last = {stage: (done, total) for stage, done, total in calls}
    assert set(last) == {"aci-bench", "primock57", "mts-dialog", "aci-bench GPT-4 notes",
                         "aci-bench ChatGPT notes", "mts-dialog summaries"}  # fmt: skip
    assert all(done == total for done, total in last.values())


def test_the_report_is_written_with_a_real_png(result: VerifyEvalResult, tmp_path: Path) -> None:
    written = write_report(result, tmp_path / "out")
    assert [p.name for p in written] == ["verify-eval.md", "verify-eval.json", "verify-recall.png"]
    assert written[2].read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert written[2].stat().st_size > 10_000
    data = json.loads(written[1].read_text())
    assert {k["kind"]: k["recall"] for k in data["kinds"]}["number_change"] == 1.0
    assert data["llm"]["correlation"]["rho"] == pytest.approx(1.0)
    markdown = written[0].read_text()
    assert "| number_change | contradiction |" in markdown
    assert "## MTS-Dialog automatic summaries" in markdown
    assert "Patient takes aspirin daily." in markdown
    lines = summary_lines(result)
    assert any(line.startswith("Recall: 6 of 10 kinds") for line in lines), lines
    assert any("Spearman rho 1.000" in line for line in lines), lines
