"""Quotes found in the input, the context budget, and the model answer's format."""

import json
from typing import Any

import pytest

from chartdraft.domain.errors import PermanentEngineError
from chartdraft.domain.sections import SectionName as S
from chartdraft.domain.visit import CapturedField, Visit
from chartdraft.drafting.budget import ANSWER_OVERHEAD, Budget, estimate_tokens
from chartdraft.drafting.citations import QuoteLocator
from chartdraft.drafting.model_answer import (
    MAX_STATEMENTS,
    InvalidAnswerError,
    ModelSection,
    parse_answer,
)

# --- QuoteLocator ----------------------------------------------------------------------------

FIELDS = {
    "subjective": "Taking  lisinopril\n10 mg daily, no missed doses.",
    "objective": "BP 142/90, HR 78. Lungs clear;",
    "history": "\u0130stanbul trip last week. Now COUGH at night.",
    "plan": "Continue lisinopril 10 mg daily.",
}
VISIT = Visit(
    capture_format="text",
    fields=tuple(CapturedField(name=name, text=text) for name, text in FIELDS.items()),
    passages=(),
)

FOUND = [
    # cited field, quote, field it is found in, the input text the span covers
    pytest.param("objective", "BP 142/90", "objective", "BP 142/90", id="exact"),
    pytest.param("objective", "HR 78.", "objective", "HR 78.", id="exact-with-full-stop"),
    pytest.param("objective", "bp 142/90, hr 78", "objective", "BP 142/90, HR 78", id="case"),
    pytest.param(
        "subjective",
        "taking lisinopril 10 mg daily",
        "subjective",
        "Taking  lisinopril\n10 mg daily",
        id="whitespace-and-case",
    ),
    pytest.param(
        "subjective",
        "Taking lisinopril\t\t10   mg",
        "subjective",
        "Taking  lisinopril\n10 mg",
        id="whitespace-in-quote",
    ),
    pytest.param("objective", "Lungs clear.", "objective", "Lungs clear", id="added-full-stop"),
    pytest.param("objective", "LUNGS CLEAR.  ", "objective", "Lungs clear", id="stop-case-space"),
    pytest.param("objective", ' "BP 142/90" ', "objective", "BP 142/90", id="quoted"),
    pytest.param("objective", "\u201cHR 78\u201d", "objective", "HR 78", id="curly-quoted"),
    pytest.param("subjective", "Lungs clear", "objective", "Lungs clear", id="other-field"),
    pytest.param("vitals", "HR 78", "objective", "HR 78", id="unknown-field"),
    pytest.param(
        "subjective",
        "lisinopril 10 mg daily",
        "subjective",
        "lisinopril\n10 mg daily",
        id="cited-field-first",
    ),
    pytest.param(
        "plan", "lisinopril 10 mg daily", "plan", "lisinopril 10 mg daily", id="cited-field-exact"
    ),
    pytest.param(
        "history", "\u0130stanbul trip", "history", "\u0130stanbul trip", id="unicode-exact"
    ),
    pytest.param(
        "history",
        "now cough at night",
        "history",
        "Now COUGH at night",
        id="after-lengthening-lower",
    ),
    pytest.param(
        "history",
        "\u0130STANBUL TRIP last week",
        "history",
        "\u0130stanbul trip last week",
        id="unicode-case",
    ),
]


@pytest.mark.parametrize(("field", "quote", "found_in", "covers"), FOUND)
def test_quote_is_located(field: str, quote: str, found_in: str, covers: str) -> None:
    span = QuoteLocator(VISIT).locate(field, quote)
    assert span is not None
    assert span.field == found_in
    assert VISIT.text_of(span) == covers


NOT_FOUND = [
    pytest.param("objective", "BP 124/90", id="changed-number"),
    pytest.param("plan", "metformin 500 mg", id="invented"),
    pytest.param("objective", "Lungs clear, no wheeze", id="longer-than-input"),
    pytest.param("objective", "", id="empty"),
    pytest.param("objective", "  \n\t ", id="blank"),
    pytest.param("objective", "...", id="full-stops"),
    pytest.param("objective", '""', id="quote-marks"),
    pytest.param("objective", ", ;", id="punctuation"),
    pytest.param("vitals", "pulse 78", id="unknown-field-not-present"),
]


@pytest.mark.parametrize(("field", "quote"), NOT_FOUND)
def test_quote_not_in_the_input_is_not_located(field: str, quote: str) -> None:
    assert QuoteLocator(VISIT).locate(field, quote) is None


def test_one_locator_answers_many_quotes() -> None:
    locator = QuoteLocator(VISIT)
    spans = [locator.locate("objective", q) for q in ("hr 78", "lungs clear", "hr 78")]
    assert [VISIT.text_of(s) for s in spans if s] == ["HR 78", "Lungs clear", "HR 78"]


# --- estimate_tokens and Budget --------------------------------------------------------------


def test_estimate_tokens_counts_digits_punctuation_and_script_heavier_than_letters() -> None:
    # (The estimate is checked against a real tokenizer in tests/integration/test_local_model.py.)
    letters = estimate_tokens("abcdefghij")
    assert estimate_tokens("1234567890") > letters
    assert estimate_tokens(",.;:/()[]{") > letters
    assert estimate_tokens("\u00e9" * 10) > estimate_tokens("1234567890")
    assert estimate_tokens("x" * 300) > 100  # more than characters / 3: there is a margin
    assert estimate_tokens("") > 0  # a message costs tokens even when empty


def test_estimate_is_at_least_a_token_per_four_characters() -> None:
    sentence = "Taking lisinopril 10 mg daily, no missed doses. " * 20
    assert estimate_tokens(sentence) >= len(sentence) / 4


BUDGET = Budget(context_tokens=1000, max_output_tokens=200)


@pytest.mark.parametrize(
    ("prompt", "answer", "fits"),
    [
        (800, 200, True),
        (801, 200, False),
        (100, 200, True),
        (100, 201, False),
        (0, 0, True),
        (1000, 0, True),
        (1001, 0, False),
    ],
)
def test_fits(prompt: int, answer: int, fits: bool) -> None:
    assert BUDGET.fits(prompt, answer) is fits


@pytest.mark.parametrize(
    ("prompt", "limit"), [(0, 200), (800, 200), (900, 100), (999, 1), (1000, 1), (5000, 1)]
)
def test_output_limit(prompt: int, limit: int) -> None:
    assert BUDGET.output_limit(prompt) == limit


def test_answer_outgrows_its_input() -> None:
    item = {"field": "subjective", "text": "Taking lisinopril 10 mg daily, no missed doses."}
    one = {"subjective": [item]}
    body = estimate_tokens(json.dumps(one))
    assert BUDGET.answer_tokens(one) >= 2 * body  # each item comes back as statement and quote
    assert BUDGET.answer_tokens({"subjective": [item, item]}) > BUDGET.answer_tokens(one)
    # Even a section with nothing to restate needs its JSON frame.
    assert BUDGET.answer_tokens({"plan": []}) >= ANSWER_OVERHEAD
    two_sections = {"subjective": [item], "plan": []}
    assert BUDGET.answer_tokens(two_sections) > BUDGET.answer_tokens(one)


def test_refusal_says_nothing_was_cut() -> None:
    with pytest.raises(PermanentEngineError) as raised:
        BUDGET.refuse(S.CHIEF_COMPLAINT, 1234, 567)
    message = str(raised.value)
    assert "chief complaint" in message
    assert "Nothing was cut" in message
    for number in ("1234", "567", "1000-token context", "200 output"):
        assert number in message


# --- parse_answer ----------------------------------------------------------------------------

ASKED = (S.SUBJECTIVE, S.PLAN)
INPUT_WORDS = "metformin 500 mg twice daily"


def statement(**changes: Any) -> dict[str, Any]:
    return {"text": "Taking lisinopril.", "field": "subjective", "quote": "lisinopril", **changes}


def answer(**sections: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "subjective": {"statements": [statement()], "needs_input": ""},
        "plan": {"statements": [], "needs_input": "What was decided."},
    }
    return {**base, **sections}


VALID = json.dumps(answer())


@pytest.mark.parametrize(
    "text",
    [
        VALID,
        f"  \n{VALID}\n ",
        f"```json\n{VALID}\n```",
        f"```\n{VALID}\n```",
        f"\n```json\n{json.dumps(answer(), indent=2)}\n```\n",
    ],
    ids=["plain", "padded", "fenced-json", "fenced", "fenced-indented"],
)
def test_valid_answer_is_parsed(text: str) -> None:
    parsed = parse_answer(text, ASKED)
    assert list(parsed) == list(ASKED)
    assert all(isinstance(section, ModelSection) for section in parsed.values())
    [only] = parsed[S.SUBJECTIVE].statements
    assert (only.text, only.field, only.quote) == ("Taking lisinopril.", "subjective", "lisinopril")
    assert parsed[S.PLAN].statements == []
    assert parsed[S.PLAN].needs_input == "What was decided."


def _without(key: str) -> dict[str, Any]:
    data = answer()
    del data[key]
    return data


INVALID = [
    # answer, words the message must contain
    pytest.param(_without("plan"), ["plan", "required"], id="missing-section"),
    pytest.param(
        answer(diagnosis={"statements": [], "needs_input": INPUT_WORDS}),
        ["(unexpected key)", "Extra inputs"],
        id="extra-section",
    ),
    pytest.param(
        answer(subjective={"statements": INPUT_WORDS, "needs_input": ""}),
        ["subjective.statements"],
        id="statements-not-a-list",
    ),
    pytest.param(
        answer(
            subjective={"statements": [{"text": INPUT_WORDS, "field": "plan"}], "needs_input": ""}
        ),
        ["subjective.statements.0.quote", "required"],
        id="statement-without-quote",
    ),
    pytest.param(
        answer(subjective={"statements": [statement(confidence=INPUT_WORDS)], "needs_input": ""}),
        ["subjective.statements.0.(unexpected key)"],
        id="statement-extra-key",
    ),
    pytest.param(
        answer(plan={"statements": [statement(text=42)], "needs_input": INPUT_WORDS}),
        ["plan.statements.0.text"],
        id="text-not-a-string",
    ),
    pytest.param(
        answer(plan={"statements": [], "needs_input": None}),
        ["plan.needs_input"],
        id="needs-input-null",
    ),
    pytest.param(
        answer(
            plan={
                "statements": [statement(text=INPUT_WORDS)] * (MAX_STATEMENTS + 1),
                "needs_input": "",
            }
        ),
        ["plan.statements"],
        id="too-many-statements",
    ),
    pytest.param([INPUT_WORDS], ["answer"], id="not-an-object"),
]


@pytest.mark.parametrize(("data", "named"), INVALID)
def test_invalid_answer_names_locations_never_values(data: Any, named: list[str]) -> None:
    with pytest.raises(InvalidAnswerError) as raised:
        parse_answer(json.dumps(data), ASKED)
    message = str(raised.value)
    for words in named:
        assert words in message
    assert "metformin" not in message
    assert "500" not in message


def test_unexpected_key_written_from_the_input_is_not_repeated() -> None:
    data = answer()
    data["subjective"]["statements"][0][INPUT_WORDS] = "yes"
    data[INPUT_WORDS] = {"statements": [], "needs_input": ""}
    with pytest.raises(InvalidAnswerError) as raised:
        parse_answer(json.dumps(data), ASKED)
    assert "metformin" not in str(raised.value)


@pytest.mark.parametrize(
    "text",
    ["not json", "", "{", f"Here is the note: {VALID}", f"{VALID} {VALID}", "```\nnot json\n```"],
)
def test_text_that_is_not_json_is_invalid(text: str) -> None:
    with pytest.raises(InvalidAnswerError, match="not valid JSON"):
        parse_answer(text, ASKED)


def test_many_errors_are_summarised() -> None:
    bad = [statement(text=n, field=n, quote=n) for n in range(20)]
    data = answer(subjective={"statements": bad, "needs_input": ""})
    with pytest.raises(InvalidAnswerError) as raised:
        parse_answer(json.dumps(data), ASKED)
    lines = str(raised.value).splitlines()
    assert len(lines) == 9
    assert lines[-1].startswith("- and ")
    assert lines[-1].endswith(" more")


def test_sections_not_asked_for_are_refused() -> None:
    with pytest.raises(InvalidAnswerError, match="plan"):
        parse_answer(VALID, (S.SUBJECTIVE,))
