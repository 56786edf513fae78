"""What the verifier evaluation measured: plain frozen dataclasses, every number JSON-ready."""

from dataclasses import asdict, dataclass
from typing import Any

TARGET_RECALL = 0.95
"""The recall each perturbation kind should reach; drawn as the target line in the report."""


def rate(part: int | float, whole: int | float) -> float | None:
    """Return ``part / whole``, or None when there is nothing to divide by."""
    return part / whole if whole else None


@dataclass(frozen=True)
class KindScore:
    """How the verifier did on one perturbation kind: injected, caught, flagged at all."""

    kind: str
    expected: str
    """The finding kind that counts as catching it."""
    injected: int
    caught: int
    flagged: int
    """Copies with any verifier finding at the changed statement, of whatever kind."""
    recall: float | None
    flagged_rate: float | None


@dataclass(frozen=True)
class DatasetSummary:
    """One dataset's share of the benchmark and the verifier's figures on it."""

    name: str
    notes: int
    skipped: int
    """Notes chartdraft refused to parse (InputError): counted, never a crash."""
    copies: int
    clean_statements: int
    false_flags: int
    false_flag_rate: float | None
    kinds: tuple[KindScore, ...]


@dataclass(frozen=True)
class FalseFlagExample:
    """A verifier finding on a clean copy, kept for reading."""

    dataset: str
    note_id: str
    section: str | None
    statement: str
    kind: str
    message: str


@dataclass(frozen=True)
class MissedExample:
    """A perturbation the verifier did not catch, with what it raised at that statement."""

    dataset: str
    note_id: str
    kind: str
    statement_id: str
    before: str
    after: str
    raised: tuple[str, ...]


@dataclass(frozen=True)
class Throughput:
    """Time spent in the verifier alone, one call per copy, on one core."""

    verify_calls: int
    seconds: float
    notes_per_second: float | None
    p50_ms: float | None
    p99_ms: float | None


@dataclass(frozen=True)
class ModelFlags:
    """What the verifier found in one model's real notes (ACI-Bench LLM predictions)."""

    model: str
    notes: int
    skipped: int
    statements: int
    flagged_statements: int
    flag_rate: float | None
    """Share of statements with at least one statement-level finding."""
    findings_by_kind: dict[str, int]
    findings_per_statement: dict[str, float | None]
    omissions: int
    omissions_per_note: float | None


@dataclass(frozen=True)
class LlmFlagExample:
    """A statement of a real model note that the verifier flagged, with the input it compared."""

    model: str
    note_id: str
    section: str | None
    statement: str
    kind: str
    message: str
    input_text: str | None


@dataclass(frozen=True)
class Correlation:
    """Spearman correlation of the verifier's unsupported rate with human hallucination rates."""

    label: str
    n: int
    rho: float | None
    """None when it is undefined: too few summaries, or one side constant."""
    p_value: float | None
    mean_unsupported_rate: float | None
    mean_hallucination_rate: float | None


@dataclass(frozen=True)
class LlmOutputResult:
    """The verifier on real model output: ACI-Bench notes and MTS-Dialog summaries."""

    models: tuple[ModelFlags, ...]
    examples: tuple[LlmFlagExample, ...]
    summaries: int
    summaries_skipped: int
    correlation: Correlation
    per_system: tuple[Correlation, ...]


@dataclass(frozen=True)
class VerifyEvalResult:
    """Everything ``chartdraft eval verify`` measured, ready for the report and the JSON."""

    seed: int
    limit: int | None
    kinds: tuple[KindScore, ...]
    datasets: tuple[DatasetSummary, ...]
    clean_statements: int
    false_flags: int
    false_flag_rate: float | None
    """Verifier findings on clean copies per clean statement."""
    false_flags_by_kind: dict[str, int]
    false_flag_examples: tuple[FalseFlagExample, ...]
    missed_examples: tuple[MissedExample, ...]
    throughput: Throughput
    llm: LlmOutputResult | None
    target_recall: float = TARGET_RECALL

    def kind(self, name: str) -> KindScore:
        """Return the overall score of perturbation kind ``name``."""
        return next(k for k in self.kinds if k.kind == name)

    def to_dict(self) -> dict[str, Any]:
        """Return every number and example as plain JSON-ready data."""
        return asdict(self)
