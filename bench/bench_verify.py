"""Benchmark: the grounding verifier against what a team would otherwise use, side by side.

One process, one core, the same labelled benchmark for every method (``run_verify_eval``:
clean copies of ACI-Bench, PriMock57 and MTS-Dialog notes plus copies with one injected error
each, ten kinds, seed 7 unless told):
  * chartdraft:  ``chartdraft.verify.verifier.verify``;
  * fuzzy >= T:  each draft statement's best rapidfuzz ``token_set_ratio`` against the input
                 passages; below T it is unsupported; an input passage no statement reaches T
                 against is an omission (T = 90 and 80);
  * numbers:     a statement with a number the input never writes is unsupported (the check
                 chartdraft ran before the verifier).
Per perturbation kind: recall (a finding of any kind at the changed statement, or for a
deletion on the lost input) for every method, and chartdraft's recall with the right kind.
Then false flags per clean statement, verify calls per second and chartdraft's speed as a ratio
of each baseline's; and one pass of ``verify`` over every clean ACI-Bench note (the longest
notes), notes/s by process time.

Usage: .venv/bin/python bench/bench_verify.py [--seed N] [--limit N] [--data DIR] [--json FILE]
(``--limit`` takes the first N notes of each dataset, for a quick run.)
"""

import argparse
import json
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.errors import InputError
from chartdraft.domain.findings import Finding, FindingKind, Severity
from chartdraft.domain.visit import Visit
from chartdraft.evaluation.benchmark import build_note, corpus
from chartdraft.evaluation.perturbation import PerturbationKind, statements
from chartdraft.evaluation.verify_eval import run_verify_eval
from chartdraft.evaluation.verify_results import VerifyEvalResult
from chartdraft.evaluation.vocab import load_vocab
from chartdraft.templates.catalog import load_catalog
from chartdraft.verify.verifier import verify

REPO = Path(__file__).resolve().parent.parent
VerifyFn = Callable[[Visit, SoapDraft], list[Finding]]

# token_set_ratio scores 100 whenever one side's words are a subset of the other's, so an honest
# statement copied or trimmed from one input item scores 100 and a reporting verb added to it
# ("Patient reports ...") costs little. 90 is the usual near-duplicate cut-off: one changed word
# in a short statement falls below it. 80 is the usual looser setting, fewer false flags and
# fewer catches; both share the same scoring, so running the two costs one more pass only.
FUZZY_THRESHOLDS = (90, 80)
# As the first check wrote it: 142/90, 98.6, 1,000, 10:30, compared as written once commas are
# dropped, so 20 and 200 or 124/90 and 142/90 differ.
_NUMBER = re.compile(r"\d+(?:[.,/:]\d+)*")


def fuzzy_match(threshold: int) -> VerifyFn:
    """Return the fuzzy-sentence-match baseline with the given token_set_ratio threshold."""

    def check(visit: Visit, draft: SoapDraft) -> list[Finding]:
        found = list(statements(draft))
        passages = visit.passages
        texts = [visit.text_of(p.span) for p in passages]
        if found and texts:
            # Every statement against every passage, on this one core.
            scores = process.cdist(
                [st.text for _, st in found],
                texts,
                scorer=fuzz.token_set_ratio,
                processor=default_process,
                workers=1,
            )
            by_statement, by_passage = scores.max(axis=1), scores.max(axis=0)
        else:
            by_statement, by_passage = [0.0] * len(found), [0.0] * len(texts)
        findings = [
            Finding(
                kind=FindingKind.UNSUPPORTED_STATEMENT,
                severity=Severity.MAJOR,
                section=section,
                statement_id=st.id,
                message=f"No input passage matches this statement (best ratio {best:.0f}).",
                raised_by="baseline",
            )
            for (section, st), best in zip(found, by_statement, strict=True)
            if best < threshold
        ]
        findings.extend(
            Finding(
                kind=FindingKind.OMISSION,
                severity=Severity.MAJOR,
                section=passage.section,
                message=f"No statement matches this input passage (best ratio {best:.0f}).",
                spans=(passage.span,),
                raised_by="baseline",
                input_text=text,
            )
            for passage, text, best in zip(passages, texts, by_passage, strict=True)
            if best < threshold
        )
        return findings

    return check


def numbers_only(visit: Visit, draft: SoapDraft) -> list[Finding]:
    """Return an unsupported finding for each statement with a number the input never writes."""
    given = {n for f in visit.fields for n in _numbers(f.text)}
    findings = []
    for section, st in statements(draft):
        strays = [n for n in dict.fromkeys(_numbers(st.text)) if n not in given]
        if strays:
            findings.append(
                Finding(
                    kind=FindingKind.UNSUPPORTED_STATEMENT,
                    severity=Severity.MAJOR,
                    section=section,
                    statement_id=st.id,
                    message=f"The number(s) {', '.join(strays)} do not appear in the input.",
                    raised_by="baseline",
                )
            )
    return findings


def _numbers(text: str) -> list[str]:
    return [n.replace(",", "") for n in _NUMBER.findall(text)]


@dataclass(frozen=True)
class Method:
    """One way of checking a draft, and what the benchmark measured of it."""

    name: str
    result: VerifyEvalResult
    wall_seconds: float
    """The whole run_verify_eval call: building the benchmark plus verifying."""


def main() -> int:
    """Run every method over the same benchmark and print Markdown tables."""
    args = _arguments()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, for fair speeds
    candidates: list[tuple[str, VerifyFn]] = [
        ("chartdraft", verify),
        *((f"fuzzy >= {t}", fuzzy_match(t)) for t in FUZZY_THRESHOLDS),
        ("numbers only", numbers_only),
    ]
    warm = _clean_aci_pairs(args.data, args.seed, 1)[0]
    methods = []
    for name, verify_fn in candidates:
        verify_fn(*warm)  # lexicons and lazy imports load on a first call, outside the timing
        print(f"{name}: building and verifying the benchmark ...", file=sys.stderr, flush=True)
        started = time.perf_counter()
        result = run_verify_eval(
            args.data, seed=args.seed, limit=args.limit, verify_fn=verify_fn, include_llm=False
        )
        methods.append(Method(name, result, time.perf_counter() - started))
        print(f"  {methods[-1].wall_seconds:.1f} s", file=sys.stderr, flush=True)
    print("chartdraft: one pass over the clean ACI-Bench notes ...", file=sys.stderr, flush=True)
    aci = _aci_clean_pass(args)
    _report(methods, aci, args)
    return 0


@dataclass(frozen=True)
class CleanPass:
    """One pass of ``verify`` over the clean ACI-Bench notes, by process time."""

    notes: int
    statements: int
    median_input_chars: float
    cpu_seconds: float
    p50_ms: float
    max_ms: float

    @property
    def notes_per_second(self) -> float:
        """Notes verified per CPU second."""
        return self.notes / self.cpu_seconds


def _aci_clean_pass(args: argparse.Namespace) -> CleanPass:
    pairs = _clean_aci_pairs(args.data, args.seed, args.limit)
    durations = []
    for visit, draft in pairs:
        started = time.process_time()
        verify(visit, draft)
        durations.append(time.process_time() - started)
    return CleanPass(
        notes=len(pairs),
        statements=sum(1 for _, draft in pairs for _ in statements(draft)),
        median_input_chars=statistics.median(
            sum(len(f.text) for f in visit.fields) for visit, _ in pairs
        ),
        cpu_seconds=sum(durations),
        p50_ms=statistics.median(durations) * 1000,
        max_ms=max(durations) * 1000,
    )


def _clean_aci_pairs(data: Path, seed: int, limit: int | None) -> list[tuple[Visit, SoapDraft]]:
    vocab, catalog = load_vocab(data), load_catalog(None)
    pairs = []
    for capture in corpus(data, "aci-bench", limit):
        try:
            note = build_note("aci-bench", capture, seed=seed, vocab=vocab, catalog=catalog)
        except InputError:
            continue  # the harness skips a note chartdraft refuses; so does this pass
        pairs.append((note.visit, note.clean))
    return pairs


def _report(methods: list[Method], aci: CleanPass, args: argparse.Namespace) -> None:
    ours = methods[0].result
    notes = sum(d.notes for d in ours.datasets)
    print(
        f"Python {platform.python_version()} on {platform.machine()}, one core, seed {args.seed}, "
        f"limit {args.limit}; {notes} notes, {ours.throughput.verify_calls} drafts verified "
        f"per method, {ours.clean_statements} clean statements"
    )
    print()
    names = [m.name for m in methods]
    print(
        "| perturbation | injected | chartdraft, right kind | "
        + " | ".join(f"{n}, any kind" for n in names)
        + " |"
    )
    print("|---|---:|---:|" + "---:|" * len(names))
    for kind in PerturbationKind:
        score = ours.kind(kind.value)
        cells = [_pct(m.result.kind(kind.value).flagged_rate) for m in methods]
        print(
            f"| {kind.value} | {score.injected} | {_pct(score.recall)} | "
            + " | ".join(cells)
            + " |"
        )
    macro = [
        _mean([m.result.kind(k.value).flagged_rate for k in PerturbationKind]) for m in methods
    ]
    right = _mean([ours.kind(k.value).recall for k in PerturbationKind])
    print(
        f"| **mean over the ten kinds** | | {_pct(right)} | "
        + " | ".join(_pct(v) for v in macro)
        + " |"
    )
    print()
    _report_costs(methods)
    print()
    print(
        "| one pass of chartdraft verify, clean ACI-Bench | notes | statements "
        "| median input chars | CPU s | notes/s | p50 ms | max ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| process time, one core | {aci.notes} | {aci.statements} | "
        f"{aci.median_input_chars:,.0f} | {aci.cpu_seconds:.2f} | {aci.notes_per_second:.0f} | "
        f"{aci.p50_ms:.1f} | {aci.max_ms:.1f} |"
    )
    if args.json:
        args.json.write_text(json.dumps(_as_json(methods, aci), indent=2) + "\n", encoding="utf-8")


def _report_costs(methods: list[Method]) -> None:
    ours = methods[0].result.throughput
    print("| | " + " | ".join(m.name for m in methods) + " |")
    print("|---|" + "---:|" * len(methods))
    rows = {
        "false flags per clean statement": [f"{m.result.false_flag_rate:.3f}" for m in methods],
        "false flags (all kinds)": [f"{m.result.false_flags:,}" for m in methods],
        "verify calls/s": [f"{m.result.throughput.notes_per_second:,.0f}" for m in methods],
        "p50 ms per call": [f"{m.result.throughput.p50_ms:.3f}" for m in methods],
        "chartdraft speed / this method's": [
            _ratio(ours.notes_per_second, m.result.throughput.notes_per_second) for m in methods
        ],
        "whole run incl. building the benchmark, s": [f"{m.wall_seconds:.1f}" for m in methods],
    }
    for label, cells in rows.items():
        print(f"| {label} | " + " | ".join(cells) + " |")


def _ratio(ours: float | None, theirs: float | None) -> str:
    return f"{ours / theirs:.3f}x" if ours and theirs else "-"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.fmean(present) if present else None


def _as_json(methods: list[Method], aci: CleanPass) -> dict[str, object]:
    return {
        "methods": [
            {
                "name": m.name,
                "wall_seconds": m.wall_seconds,
                "kinds": [
                    {
                        "kind": k.kind,
                        "injected": k.injected,
                        "caught": k.caught,
                        "flagged": k.flagged,
                    }
                    for k in m.result.kinds
                ],
                "clean_statements": m.result.clean_statements,
                "false_flags": m.result.false_flags,
                "false_flags_by_kind": m.result.false_flags_by_kind,
                "verify_calls": m.result.throughput.verify_calls,
                "verify_seconds": m.result.throughput.seconds,
            }
            for m in methods
        ],
        "aci_clean_pass": {**aci.__dict__, "notes_per_second": aci.notes_per_second},
    }


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--limit", type=int, default=None, help="first N notes of each dataset")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--json", type=Path, default=None)
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
