"""Benchmark: model engine overhead per note against a real local model, beside a bare client.

Over the first N ACI-Bench visits, with the llama.cpp server and the small test model:
  * live:    wall time of draft_visit (engine draft + checks) with the real server, the time spent
             waiting for the server (the engine's usage.model_seconds), and the overhead = wall -
             wait: prompt building, answer parsing, validation, assembling and the checks;
  * baseline: what a user would otherwise write -- the plain ``openai`` client, one chat
             completion with the capture text and a one-line instruction, no schema, no
             validation, no citation check -- sent to the same server in the same run;
  * replay:  the replies the server gave in the live run, replayed instantly through a
             ModelEngine for many rounds: the pure overhead, without the model's noise.
Capture parsing happens before draft_visit and is reported apart.

Usage: python bench/bench_model_engine.py [--notes N] [--rounds N] [--url URL]
           [--max-output-tokens N] [--data DIR] [--json FILE]
"""

import argparse
import contextlib
import itertools
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import openai

from chartdraft.bootstrap import build_drafting_service
from chartdraft.config import Settings
from chartdraft.domain.errors import EngineError
from chartdraft.domain.visit import Visit
from chartdraft.drafting.chat import ChatReply, ChatRequest
from chartdraft.drafting.endpoint import EngineConfig
from chartdraft.drafting.engines.openai_compatible import OpenAICompatibleChat
from chartdraft.drafting.model_engine import ModelEngine
from chartdraft.evaluation.datasets import CorpusCapture, aci_bench_captures
from chartdraft.evaluation.local_server import (
    DEFAULT_MODEL,
    MODEL_ALIAS,
    ServerStartError,
    running_model_server,
)
from chartdraft.services.drafting import DraftingService, draft_visit

REPO = Path(__file__).resolve().parent.parent
LLM_PYTHON = REPO / ".venv-llm" / "bin" / "python"
LLM_MODEL = DEFAULT_MODEL
WARM_UP_VISIT = REPO / "examples" / "visits" / "follow-up-hypertension.txt"
BARE_INSTRUCTION = "Write a SOAP note (Subjective, Objective, Assessment, Plan) for this visit:"
TARGET_SHARE = 0.05
TARGET_MS = 20.0


# --- the two ChatModels: one records what the real server answered, one replays it ------------


class RecordingChat:
    """The engine's real ChatModel, keeping every request it sent and every reply it got."""

    def __init__(self, inner: OpenAICompatibleChat) -> None:
        self._inner = inner
        self.exchanges: list[tuple[ChatRequest, ChatReply]] = []

    def complete(self, request: ChatRequest) -> ChatReply:
        """Ask the real server and record the exchange."""
        reply = self._inner.complete(request)
        self.exchanges.append((request, reply))
        return reply

    def list_models(self) -> list[str]:
        """Ask the real server."""
        return self._inner.list_models()


class ReplayChat:
    """A ChatModel that answers instantly with the replies recorded for one note, in order."""

    def __init__(self) -> None:
        self._replies: Iterator[ChatReply] = iter(())
        self.requests: list[ChatRequest] = []

    def load(self, replies: list[ChatReply]) -> None:
        """Replay ``replies`` from the first."""
        self._replies = iter(replies)
        self.requests = []

    def complete(self, request: ChatRequest) -> ChatReply:
        """Return the next recorded reply."""
        self.requests.append(request)
        reply = next(self._replies, None)
        if reply is None:
            raise AssertionError("the replay asked more than the live run did")
        return reply

    def list_models(self) -> list[str]:
        """Name the one model."""
        return [MODEL_ALIAS]


# --- results ---------------------------------------------------------------------------------


@dataclass
class NoteResult:
    """Everything measured for one note."""

    id: str
    chars: int
    parse_ms: float
    outcome: str = "drafted"
    requests: int = 0
    prompt_tokens: int = 0
    output_tokens: int = 0
    wall_s: float = 0.0
    wait_s: float = 0.0
    usage_model_seconds: float | None = None
    bare_outcome: str = "answered"
    bare_wall_s: float = 0.0
    bare_overhead_ms: float = 0.0
    bare_output_tokens: int = 0
    replay_ms: list[float] = field(default_factory=list)
    exchanges: list[tuple[ChatRequest, ChatReply]] = field(default_factory=list, repr=False)

    @property
    def overhead_ms(self) -> float:
        """Wall time of draft_visit minus the time spent waiting for the server."""
        return (self.wall_s - self.wait_s) * 1000

    @property
    def share(self) -> float:
        """Overhead as a share of wall time."""
        return self.overhead_ms / 1000 / self.wall_s if self.wall_s else 0.0

    @property
    def tokens_per_s(self) -> float:
        """Output tokens per second of waiting for the server (prompt processing included)."""
        return self.output_tokens / self.wait_s if self.wait_s else 0.0


# --- the run ---------------------------------------------------------------------------------


def main() -> int:
    """Run the benchmark and print Markdown tables."""
    args = _arguments()
    settings = Settings()
    service = build_drafting_service(settings)
    captures = list(itertools.islice(aci_bench_captures(args.data), args.notes))
    load_at_start = os.getloadavg()[0]
    with _server(args) as (url, facts):
        config = settings.engines["llamacpp"].model_copy(
            update={
                "base_url": url,
                "context_tokens": args.n_ctx,
                "timeout": 300.0,
                "max_output_tokens": args.max_output_tokens,
            }
        )
        chat = RecordingChat(OpenAICompatibleChat(config))
        engine = ModelEngine("llamacpp", config, chat)
        client = openai.OpenAI(base_url=url, api_key="no-key-needed", timeout=300.0)
        _warm_up(service, engine, client, config)
        results = []
        for number, capture in enumerate(captures, 1):
            result = _live_note(service, engine, chat, capture.id, capture.text)
            _bare_note(client, config, capture.text, result)
            print(
                f"[{number}/{len(captures)}] {result.id}: {result.outcome}, "
                f"{result.requests} requests, {result.wall_s:.1f} s",
                file=sys.stderr,
                flush=True,
            )
            results.append(result)
    facts["load_average"] = f"{load_at_start:.2f} at start, {os.getloadavg()[0]:.2f} at end"
    print(f"Replaying {args.rounds} rounds...", file=sys.stderr, flush=True)
    _replay(service, config, captures, results, args.rounds)
    _report(results, facts, config, args)
    return 0


def _warm_up(
    service: DraftingService, engine: ModelEngine, client: openai.OpenAI, config: EngineConfig
) -> None:
    # One short visit through each path: loads the model's weights into memory, the client's
    # connection pool and chartdraft's lazy imports and caches. Not measured.
    visit = service.capture(WARM_UP_VISIT.read_bytes())
    with contextlib.suppress(EngineError):
        draft_visit(visit, engine, service.template_for(visit), service.practice, service.guard)
    client.chat.completions.create(
        model=config.model, messages=[{"role": "user", "content": "Say OK."}], max_tokens=8
    )


def _live_note(
    service: DraftingService, engine: ModelEngine, chat: RecordingChat, note_id: str, text: str
) -> NoteResult:
    start = time.perf_counter_ns()
    visit = service.capture(text.encode(), input_format="json")
    parse_ms = (time.perf_counter_ns() - start) / 1e6
    template = service.template_for(visit)
    result = NoteResult(id=note_id, chars=len(text), parse_ms=parse_ms)
    chat.exchanges = []
    start = time.perf_counter_ns()
    try:
        draft = draft_visit(visit, engine, template, service.practice, service.guard)
    except EngineError as exc:
        result.outcome = _failure(str(exc))
    else:
        usage = draft.engine.usage
        result.usage_model_seconds = usage.model_seconds if usage else None
    result.wall_s = (time.perf_counter_ns() - start) / 1e9
    result.exchanges = chat.exchanges
    replies = [reply for _, reply in chat.exchanges]
    result.requests = len(replies)
    result.prompt_tokens = sum(r.prompt_tokens for r in replies)
    result.output_tokens = sum(r.output_tokens for r in replies)
    # The engine's usage.model_seconds is this sum rounded to the millisecond; unrounded here.
    result.wait_s = sum(r.seconds for r in replies)
    return result


def _failure(message: str) -> str:
    if "output limit" in message:
        return "cut off"
    if "too long" in message:
        return "refused (too long)"
    if "does not match" in message:
        return "invalid twice"
    return "failed: " + message.split(";", maxsplit=1)[0][:60]


def _bare_note(client: openai.OpenAI, config: EngineConfig, text: str, result: NoteResult) -> None:
    start = time.perf_counter_ns()
    messages = [{"role": "user", "content": f"{BARE_INSTRUCTION}\n\n{text}"}]
    sent = time.perf_counter_ns()
    try:
        response = client.chat.completions.create(
            model=config.model,
            messages=messages,
            temperature=config.temperature,
            max_tokens=config.max_output_tokens,
        )
    except openai.APIError as exc:
        result.bare_outcome = f"failed: {type(exc).__name__}"
        return
    back = time.perf_counter_ns()
    note = response.choices[0].message.content or ""
    end = time.perf_counter_ns()
    result.bare_wall_s = (end - start) / 1e9
    result.bare_overhead_ms = ((end - start) - (back - sent)) / 1e6
    result.bare_output_tokens = response.usage.completion_tokens if response.usage else 0
    if not note:
        result.bare_outcome = "empty"


def _replay(
    service: DraftingService,
    config: EngineConfig,
    captures: list[CorpusCapture],
    results: list[NoteResult],
    rounds: int,
) -> None:
    chat = ReplayChat()
    engine = ModelEngine("llamacpp", config, chat)
    texts = {c.id: c.text for c in captures}
    replayable = [r for r in results if r.exchanges]
    for round_number in range(rounds + 1):  # round 0 warms up and is not kept
        for result in replayable:
            visit = service.capture(texts[result.id].encode(), input_format="json")  # fresh
            elapsed_ms, outcome = _replay_once(chat, engine, service, visit, result)
            if chat.requests != [request for request, _ in result.exchanges]:
                raise SystemExit(f"{result.id}: the replay sent other requests than the live run")
            if outcome != result.outcome:
                raise SystemExit(f"{result.id}: replayed {outcome}, live {result.outcome}")
            if round_number:
                result.replay_ms.append(elapsed_ms)


def _replay_once(
    chat: ReplayChat,
    engine: ModelEngine,
    service: DraftingService,
    visit: Visit,
    result: NoteResult,
) -> tuple[float, str]:
    chat.load([reply for _, reply in result.exchanges])
    template = service.template_for(visit)
    outcome = "drafted"
    start = time.perf_counter_ns()
    try:
        draft_visit(visit, engine, template, service.practice, service.guard)
    except EngineError as exc:
        outcome = _failure(str(exc))
    return (time.perf_counter_ns() - start) / 1e6, outcome


# --- the server ------------------------------------------------------------------------------


@contextlib.contextmanager
def _server(args: argparse.Namespace) -> Iterator[tuple[str, dict[str, str]]]:
    """Yield the /v1 URL of a llama.cpp server: the one given, else one started here."""
    facts = {
        "cpus": f"{os.cpu_count()} (this process may use {len(os.sched_getaffinity(0))})",
        "python": f"{platform.python_version()} on {platform.machine()}",
    }
    if args.url:
        facts["server"] = f"already running at {args.url}, n_ctx assumed {args.n_ctx}"
        facts["model"] = ", ".join(_served_models(args.url.rstrip("/")))
        yield args.url.rstrip("/"), facts
        return
    if not (LLM_PYTHON.exists() and LLM_MODEL.exists()):
        raise SystemExit("No local model server: run scripts/setup-local-llm.sh (or give --url).")
    version = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [str(LLM_PYTHON), "-c", "import llama_cpp; print(llama_cpp.__version__)"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    facts["server"] = (
        f"llama-cpp-python {version} server started by this run, n_ctx {args.n_ctx}, "
        "default threads (decode: cores / 2, prompt: all cores)"
    )
    facts["model"] = LLM_MODEL.name
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "server.log"
        try:
            with running_model_server(LLM_PYTHON, LLM_MODEL, n_ctx=args.n_ctx, log=log) as url:
                yield url, facts
        except ServerStartError as exc:
            raise SystemExit(f"{exc}") from None


def _served_models(url: str) -> list[str]:
    with urllib.request.urlopen(f"{url}/models", timeout=5) as response:  # noqa: S310
        return [model["id"] for model in json.load(response)["data"]]


# --- the report ------------------------------------------------------------------------------


def _percentile(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _report(
    results: list[NoteResult], facts: dict[str, str], config: EngineConfig, args: argparse.Namespace
) -> None:
    drafted = [r for r in results if r.outcome == "drafted"]
    print(
        f"{len(results)} ACI-Bench visits, {args.rounds} replay rounds; engine `llamacpp`, "
        f"context_tokens {config.context_tokens}, max_output_tokens {config.max_output_tokens}, "
        f"structured_output {config.structured_output}"
    )
    for name, value in facts.items():
        print(f"- {name}: {value}")
    print()
    _note_table(results)
    print()
    summary = {
        "drafted": _ours(drafted),
        "every_note": _ours(results),
        "bare_client": _bare(results),
        "bare_client_drafted_notes": _bare(drafted),
    }
    print(
        "A note that failed (cut off at the output limit) has no draft to assemble or check, "
        "so its overhead is smaller; the targets are judged on the drafted notes."
    )
    print()
    _summary_table(summary)
    print()
    _verdict(summary["drafted"])
    if args.json:
        document = {
            "facts": facts,
            "engine": config.model_dump(
                mode="json", include={"context_tokens", "max_output_tokens"}
            ),
            "rounds": args.rounds,
            "summary": summary,
            "notes": [_note_json(r) for r in results],
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def _note_table(results: list[NoteResult]) -> None:
    print(
        "| note | outcome | requests | output tokens | wall s | model wait s | overhead ms "
        "| share | tokens/s | replay p50 ms | bare client wall s | bare overhead ms |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        bare = (
            f"{r.bare_wall_s:.1f} | {r.bare_overhead_ms:.3f}"
            if r.bare_outcome == "answered"
            else f"{r.bare_outcome} | -"
        )
        print(
            f"| {r.id} | {r.outcome} | {r.requests} | {r.output_tokens} | {r.wall_s:.1f} "
            f"| {r.wait_s:.1f} | {r.overhead_ms:.1f} | {r.share:.2%} | {r.tokens_per_s:.0f} "
            f"| {_percentile(r.replay_ms, 0.5):.1f} | {bare} |"
        )


def _ours(notes: list[NoteResult]) -> dict[str, float]:
    overhead = [r.overhead_ms for r in notes]
    wait = sum(r.wait_s for r in notes)
    wall = sum(r.wall_s for r in notes)
    replay = [ms for r in notes for ms in r.replay_ms]
    return {
        "notes": len(notes),
        "overhead_p50_ms": _percentile(overhead, 0.5),
        "overhead_p95_ms": _percentile(overhead, 0.95),
        "share_p50": _percentile([r.share for r in notes], 0.5),
        "share_p95": _percentile([r.share for r in notes], 0.95),
        "share_total": sum(overhead) / 1000 / wall if wall else 0.0,
        "replay_p50_ms": _percentile(replay, 0.5),
        "replay_p99_ms": _percentile(replay, 0.99),
        "parse_p50_ms": _percentile([r.parse_ms for r in notes], 0.5),
        "wall_p50_s": _percentile([r.wall_s for r in notes], 0.5),
        "wall_total_s": wall,
        "wait_total_s": wait,
        "requests_total": sum(r.requests for r in notes),
        "output_tokens_total": sum(r.output_tokens for r in notes),
        "tokens_per_s": sum(r.output_tokens for r in notes) / wait if wait else 0.0,
    }


def _bare(notes: list[NoteResult]) -> dict[str, float]:
    answered = [r for r in notes if r.bare_outcome == "answered"]
    overhead = [r.bare_overhead_ms for r in answered]
    wall = sum(r.bare_wall_s for r in answered)
    wait = wall - sum(overhead) / 1000
    return {
        "notes": len(answered),
        "overhead_p50_ms": _percentile(overhead, 0.5),
        "overhead_p95_ms": _percentile(overhead, 0.95),
        "share_p50": _percentile(
            [r.bare_overhead_ms / 1000 / r.bare_wall_s for r in answered], 0.5
        ),
        "share_p95": _percentile(
            [r.bare_overhead_ms / 1000 / r.bare_wall_s for r in answered], 0.95
        ),
        "share_total": sum(overhead) / 1000 / wall if wall else 0.0,
        "wall_p50_s": _percentile([r.bare_wall_s for r in answered], 0.5),
        "wall_total_s": wall,
        "wait_total_s": wait,
        "requests_total": len(answered),
        "output_tokens_total": sum(r.bare_output_tokens for r in answered),
        "tokens_per_s": sum(r.bare_output_tokens for r in answered) / wait if wait else 0.0,
    }


_ROWS = (
    ("overhead p50 ms", "overhead_p50_ms", ".1f"),
    ("overhead p95 ms", "overhead_p95_ms", ".1f"),
    ("overhead share of wall time p50", "share_p50", ".3%"),
    ("overhead share of wall time p95", "share_p95", ".3%"),
    ("overhead share of all wall time", "share_total", ".3%"),
    ("replay overhead p50 ms", "replay_p50_ms", ".1f"),
    ("replay overhead p99 ms", "replay_p99_ms", ".1f"),
    ("capture parsing p50 ms (not in the above)", "parse_p50_ms", ".1f"),
    ("wall p50 s", "wall_p50_s", ".1f"),
    ("requests, in all", "requests_total", ".0f"),
    ("output tokens, in all", "output_tokens_total", ".0f"),
    ("tokens/s (output tokens / time waiting for the server)", "tokens_per_s", ".1f"),
)


def _summary_table(summary: dict[str, dict[str, float]]) -> None:
    drafted, every, bare = summary["drafted"], summary["every_note"], summary["bare_client"]
    same = summary["bare_client_drafted_notes"]  # the ratio compares the same notes
    print(
        f"| per note | chartdraft, drafted notes ({drafted['notes']:.0f}) "
        f"| chartdraft, every note ({every['notes']:.0f}) "
        f"| bare `openai` client ({bare['notes']:.0f}) "
        "| ratio chartdraft / bare, drafted notes |"
    )
    print("|---|---|---|---|---|")
    for name, key, spec in _ROWS:
        cells = [_cell(column.get(key), spec) for column in (drafted, every, bare)]
        ours, theirs = drafted.get(key), same.get(key)
        ratio = "-"
        if key.startswith(("overhead", "wall")) and ours is not None and theirs:
            ratio = (
                f"{ours / theirs:,.0f}x" if key.startswith("overhead") else f"{ours / theirs:.1f}x"
            )
        print(f"| {name} | {' | '.join(cells)} | {ratio} |")


def _cell(value: float | None, spec: str) -> str:
    if value is None or not math.isfinite(value):
        return "-"
    if spec == ".1f" and 0 < value < 0.1:
        spec = ".3f"  # the bare client's overhead is a few microseconds
    return f"{value:{spec}}"


def _verdict(s: dict[str, float]) -> None:
    def met(value: float, target: float) -> str:
        return "met" if value < target else "NOT met"

    print(
        f"Targets, over the drafted notes: under {TARGET_SHARE:.0%} of wall time "
        f"{met(s['share_p95'], TARGET_SHARE)} (live p95 share {s['share_p95']:.3%}); "
        f"under {TARGET_MS:.0f} ms per note {met(s['overhead_p95_ms'], TARGET_MS)} live "
        f"(p95 {s['overhead_p95_ms']:.1f} ms) and {met(s['replay_p99_ms'], TARGET_MS)} in "
        f"replay (p99 {s['replay_p99_ms']:.1f} ms)."
    )


def _note_json(r: NoteResult) -> dict[str, object]:
    document = {k: v for k, v in asdict(r).items() if k not in {"exchanges", "replay_ms"}}
    document.update(
        overhead_ms=r.overhead_ms,
        share=r.share,
        tokens_per_s=r.tokens_per_s,
        replay_p50_ms=_percentile(r.replay_ms, 0.5),
        replay_p99_ms=_percentile(r.replay_ms, 0.99),
    )
    return document


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=8, help="the first N ACI-Bench visits")
    parser.add_argument("--rounds", type=int, default=20, help="replay rounds")
    parser.add_argument("--url", default=None, help="an already-running server's /v1 URL")
    parser.add_argument("--n-ctx", type=int, default=4096, help="the server's context")
    parser.add_argument(
        "--max-output-tokens",
        type=int,
        default=1024,
        help="the engine's output limit per request (and the bare client's)",
    )
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--json", type=Path, default=None)
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(main())
