"""Build the labelled verifier benchmark from clinicians' notes no one on the team wrote.

Each note's sections become the visit; the template engine drafts it, an honest paraphrase
rewords the draft (the clean copy), and each perturbation kind the note offers makes one more
copy with one known error.
"""

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from chartdraft.capture.intake import parse_capture
from chartdraft.domain.draft import PracticeContext, SoapDraft
from chartdraft.domain.errors import InputError
from chartdraft.domain.visit import Visit
from chartdraft.drafting.engine import DraftRequest
from chartdraft.drafting.engines.template import TemplateEngine
from chartdraft.evaluation.datasets import (
    CorpusCapture,
    aci_bench_captures,
    mts_dialog_captures,
    primock57_captures,
)
from chartdraft.evaluation.paraphrase import paraphrase
from chartdraft.evaluation.perturb import perturb
from chartdraft.evaluation.perturbation import Perturbation, PerturbationKind, seeded, statements
from chartdraft.evaluation.vocab import Vocab, load_vocab
from chartdraft.templates.catalog import TemplateCatalog, load_catalog

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: called as the work goes on, for a progress bar."""

DATASETS: dict[str, Callable[[Path], Iterator[CorpusCapture]]] = {
    "aci-bench": aci_bench_captures,
    "primock57": primock57_captures,
    "mts-dialog": mts_dialog_captures,
}


@dataclass(frozen=True)
class BenchmarkNote:
    """One note of the benchmark: its visit, the clean draft and the perturbed copies."""

    dataset: str
    note_id: str
    visit: Visit
    clean: SoapDraft
    perturbations: tuple[Perturbation, ...]


@dataclass
class BenchmarkCounts:
    """How much the benchmark holds, per dataset: notes, skipped notes, copies, kinds."""

    notes: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    clean_statements: Counter[str] = field(default_factory=Counter)
    perturbations: dict[str, Counter[str]] = field(default_factory=dict)

    def add(self, note: BenchmarkNote) -> None:
        """Count one built note."""
        self.notes[note.dataset] += 1
        self.clean_statements[note.dataset] += sum(1 for _ in statements(note.clean))
        kinds = self.perturbations.setdefault(note.dataset, Counter())
        kinds.update(p.label.kind.value for p in note.perturbations)

    def copies(self, dataset: str) -> int:
        """Return the drafts verified for ``dataset``: one clean copy per note plus perturbed."""
        return self.notes[dataset] + sum(self.perturbations.get(dataset, Counter()).values())

    def per_kind(self) -> dict[str, int]:
        """Return the perturbations of each kind over all datasets, in report order."""
        total: Counter[str] = sum(self.perturbations.values(), Counter())
        return {kind.value: total[kind.value] for kind in PerturbationKind}


def corpus(data_dir: Path, dataset: str, limit: int | None = None) -> list[CorpusCapture]:
    """Return the captures of ``dataset`` (the first ``limit`` when given)."""
    return list(islice(DATASETS[dataset](data_dir), limit))


def build_note(
    dataset: str,
    capture: CorpusCapture,
    *,
    seed: int,
    vocab: Vocab,
    catalog: TemplateCatalog,
) -> BenchmarkNote:
    """Return one benchmark note, or raise InputError when chartdraft refuses the capture."""
    visit = parse_capture(capture.text, "json" if capture.input_format == "json" else "text")
    template = catalog.resolve(visit.encounter_type or "general")
    draft = TemplateEngine().draft(
        DraftRequest(visit=visit, template=template, practice=PracticeContext())
    )
    clean = paraphrase(draft, visit, seeded(seed, capture.id, "paraphrase"))
    copies = tuple(perturb(clean, visit, f"{seed}:{capture.id}", vocab))
    return BenchmarkNote(dataset, capture.id, visit, clean, copies)


def benchmark_notes(
    data_dir: Path,
    *,
    seed: int = 7,
    limit: int | None = None,
    vocab: Vocab | None = None,
    progress: Progress | None = None,
) -> Iterator[BenchmarkNote | tuple[str, str]]:
    """Yield every benchmark note, or ``(dataset, note id)`` for a capture chartdraft refused."""
    words = vocab or load_vocab(data_dir)
    catalog = load_catalog(None)
    for dataset in DATASETS:
        captures = corpus(data_dir, dataset, limit)
        for done, capture in enumerate(captures, 1):
            try:
                yield build_note(dataset, capture, seed=seed, vocab=words, catalog=catalog)
            except InputError:
                yield dataset, capture.id
            if progress is not None:
                progress(dataset, done, len(captures))


def count_benchmark(
    data_dir: Path, *, seed: int = 7, limit: int | None = None, progress: Progress | None = None
) -> BenchmarkCounts:
    """Build the benchmark without verifying it and count what it holds."""
    counts = BenchmarkCounts()
    for built in benchmark_notes(data_dir, seed=seed, limit=limit, progress=progress):
        if isinstance(built, BenchmarkNote):
            counts.add(built)
        else:
            counts.skipped[built[0]] += 1
    return counts
