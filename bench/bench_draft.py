"""Benchmark: draft + check over every ACI-Bench and PriMock57 note, one core, per-note latency.

Side by side in one run:
  * chartdraft: intake checks -> parse -> template engine -> gap rules -> verifier;
  * baseline:   what a practice does without chartdraft's structure -- paste each field under
                its heading (no parsing, no tidying, no checks); the floor for a deterministic path.
The ratio says what the structure and the checks cost on top of copying text.

Usage: python bench/bench_draft.py [--rounds N] [--data DIR] [--json FILE]
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from chartdraft.bootstrap import build_drafting_service
from chartdraft.config import Settings
from chartdraft.evaluation.datasets import aci_bench_captures, primock57_captures

REPO = Path(__file__).resolve().parent.parent
SECTION_TITLES = ("CHIEF COMPLAINT", "SUBJECTIVE", "OBJECTIVE", "ASSESSMENT AND PLAN", "PLAN")


def main() -> int:
    """Run the benchmark and print a Markdown table."""
    args = _arguments()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says
    service = build_drafting_service(Settings())
    corpora = {
        "ACI-Bench (JSON, 207 notes)": [
            (c.text.encode(), c.input_format) for c in aci_bench_captures(args.data)
        ],
        "PriMock57 (typed text, 57 notes)": [
            (c.text.encode(), c.input_format) for c in primock57_captures(args.data)
        ],
    }

    def chartdraft(raw: bytes, input_format: str) -> str:
        visit = service.capture(raw, input_format=input_format)  # type: ignore[arg-type]
        return service.draft(visit).text

    def parse_only(raw: bytes, input_format: str) -> str:
        return service.capture(raw, input_format=input_format).capture_format  # type: ignore[arg-type]

    rows = []
    for name, notes in corpora.items():
        ours = _latencies(chartdraft, notes, args.rounds)
        parse = _latencies(parse_only, notes, args.rounds)
        floor = _latencies(_paste_under_headings, notes, args.rounds)
        rows.append((name, ours, parse, floor))
    _report(rows, args)
    return 0


def _paste_under_headings(raw: bytes, input_format: str) -> str:
    text = raw.decode("utf-8")
    if input_format == "json":
        fields = json.loads(text)
        return "\n\n".join(
            f"{t}\n{v}" for t, v in zip(SECTION_TITLES, fields.values(), strict=False)
        )
    return text


def _latencies(
    draft: Callable[[bytes, str], str], notes: list[tuple[bytes, str]], rounds: int
) -> list[float]:
    for raw, fmt in notes[:10]:  # warm caches and lazy imports
        draft(raw, fmt)
    samples = []
    for _ in range(rounds):
        for raw, fmt in notes:
            start = time.perf_counter_ns()
            draft(raw, fmt)
            samples.append((time.perf_counter_ns() - start) / 1e6)
    return samples


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


Row = tuple[str, list[float], list[float], list[float]]


def _report(rows: list[Row], args: argparse.Namespace) -> None:
    print(
        f"Python {platform.python_version()} on {platform.machine()}, one core, {args.rounds} rounds"
    )
    print()
    print(
        "| corpus | draft+check p50 ms | p99 ms | notes/s | of which parse p50 ms "
        "| paste-under-headings p50 ms | ratio p50 |"
    )
    print("|---|---|---|---|---|---|---|")
    results = []
    for name, ours, parse, floor in rows:
        p50, p99 = _percentile(ours, 0.5), _percentile(ours, 0.99)
        per_second = 1000 * len(ours) / sum(ours)
        parse_p50, floor_p50 = _percentile(parse, 0.5), _percentile(floor, 0.5)
        print(
            f"| {name} | {p50:.2f} | {p99:.2f} | {per_second:.0f} | {parse_p50:.2f} "
            f"| {floor_p50:.4f} | {p50 / floor_p50:,.0f}x |"
        )
        results.append(
            {
                "corpus": name,
                "p50_ms": p50,
                "p99_ms": p99,
                "notes_per_s": per_second,
                "parse_p50_ms": parse_p50,
                "baseline_p50_ms": floor_p50,
                "mean_ms": statistics.fmean(ours),
            }
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--json", type=Path, default=None)
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
