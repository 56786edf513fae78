"""Benchmark: what the egress guard adds to a draft, per visit, on every ACI-Bench and PriMock57 note.

Side by side in one run, one core:
  * draft:        capture -> template engine -> gap rules -> verifier (no egress; the baseline);
  * pseudonymize: detect the visit's identifiers and build the stand-in visit;
  * restore:      put the real values back into a draft of the stand-ins, move every span.
A model engine without PHI permission pays pseudonymize + restore on top of its own time (seconds
for a local model, more for a cloud one); the ratio says what that costs against drafting.

Usage: python bench/bench_privacy.py [--rounds N] [--data DIR]
"""

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from chartdraft.bootstrap import build_drafting_service, name_lexicon, phi_detector
from chartdraft.config import Settings
from chartdraft.domain.visit import Visit
from chartdraft.drafting.engine import DraftRequest
from chartdraft.drafting.engines.template import TemplateEngine
from chartdraft.evaluation.datasets import aci_bench_captures, primock57_captures
from chartdraft.privacy.pseudonymize import PseudonymTable
from chartdraft.privacy.visit_privacy import pseudonymize_visit, restore_draft

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    """Run the benchmark and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    service = build_drafting_service(Settings())
    detector, lexicon, engine = phi_detector(), name_lexicon(), TemplateEngine()
    captures = [*aci_bench_captures(args.data), *primock57_captures(args.data)]
    visits = [service.capture(c.text.encode(), input_format=c.input_format) for c in captures]  # type: ignore[arg-type]

    def draft(visit: Visit) -> object:
        return service.draft(visit)

    def pseudonymize(visit: Visit) -> object:
        return pseudonymize_visit(visit, detector, PseudonymTable.for_visit(lexicon))

    privates = {id(v): pseudonymize(v) for v in visits}

    def restore(visit: Visit) -> object:
        private = privates[id(visit)]
        request = DraftRequest(private.visit, service.template_for(visit), service.practice)  # type: ignore[attr-defined]
        return restore_draft(engine.draft(request), private, detector)  # type: ignore[arg-type]

    rows = [(name, _latencies(step, visits, args.rounds)) for name, step in
            (("draft (template engine + checks)", draft), ("pseudonymize", pseudonymize),
             ("restore (incl. a template draft of the stand-ins)", restore))]  # fmt: skip
    base = statistics.median(rows[0][1])
    print(f"{len(visits)} visits (ACI-Bench + PriMock57), {args.rounds} rounds, one core\n")
    print("| step | p50 ms | p95 ms | p50 / draft |")
    print("|---|---:|---:|---:|")
    for name, times in rows:
        p50, p95 = statistics.median(times), statistics.quantiles(times, n=20)[18]
        print(f"| {name} | {p50:.1f} | {p95:.1f} | {p50 / base:.2f} |")
    return 0


def _latencies(step: Callable[[Visit], object], visits: list[Visit], rounds: int) -> list[float]:
    for visit in visits[:5]:
        step(visit)  # warm caches
    times: list[float] = []
    for _ in range(rounds):
        for visit in visits:
            start = time.perf_counter()
            step(visit)
            times.append((time.perf_counter() - start) * 1000)
    return times


if __name__ == "__main__":
    raise SystemExit(main())
