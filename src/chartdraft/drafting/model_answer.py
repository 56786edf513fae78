"""What a model must answer: per section, statements that each cite a field and a quote.

The JSON schema is built per request (the field names of this capture, the sections asked
for) and sent for constrained decoding; the same rules are checked again here with pydantic,
because not every server constrains and none can be trusted to.
"""

import json
import re
from functools import cache
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, create_model

from chartdraft.domain.sections import SectionName

MAX_STATEMENTS = 60
"""Per section; a looping small model otherwise fills its whole output budget with repeats."""
MAX_TEXT = 2000


# Terminal escapes and bidirectional overrides: a note must print as what it says.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _printable(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    return value


Printable = Annotated[str, AfterValidator(_printable)]


class ModelStatement(BaseModel):
    """One statement as the model wrote it, with the input it claims to restate."""

    model_config = ConfigDict(extra="forbid")

    text: Printable = Field(min_length=1, max_length=MAX_TEXT)
    field: str = Field(max_length=200)
    quote: Printable = Field(max_length=MAX_TEXT)


class ModelSection(BaseModel):
    """One section of the model's answer."""

    model_config = ConfigDict(extra="forbid")

    statements: list[ModelStatement] = Field(max_length=MAX_STATEMENTS)
    needs_input: Printable = Field(max_length=500)


class InvalidAnswerError(ValueError):
    """The model's answer is not JSON for the draft schema; the message says why, briefly."""


def answer_schema(sections: tuple[SectionName, ...], fields: tuple[str, ...]) -> dict[str, Any]:
    """Return the JSON schema of an answer for ``sections`` citing one of ``fields``."""
    statement = {
        "type": "object",
        "properties": {
            "text": {"type": "string"},
            "field": {"type": "string", "enum": list(fields)},
            "quote": {"type": "string"},
        },
        "required": ["text", "field", "quote"],
        "additionalProperties": False,
    }
    section = {
        "type": "object",
        "properties": {
            "statements": {"type": "array", "items": statement},
            "needs_input": {"type": "string"},
        },
        "required": ["statements", "needs_input"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {name.value: section for name in sections},
        "required": [name.value for name in sections],
        "additionalProperties": False,
    }


def parse_answer(text: str, sections: tuple[SectionName, ...]) -> dict[SectionName, ModelSection]:
    """Return the answer's sections, or raise InvalidAnswerError saying what is wrong."""
    try:
        data = json.loads(_strip_fence(text))
    except json.JSONDecodeError as exc:
        raise InvalidAnswerError(
            f"The answer is not valid JSON ({exc.msg} at character {exc.pos})."
        ) from None
    except RecursionError:
        raise InvalidAnswerError("The answer is nested too deeply to be a draft.") from None
    try:
        answer = _answer_model(sections).model_validate(data)
    except ValidationError as exc:
        raise InvalidAnswerError(_summarise(exc)) from None
    return {name: getattr(answer, name.value) for name in sections}


@cache
def _answer_model(sections: tuple[SectionName, ...]) -> type[BaseModel]:
    model: type[BaseModel] = create_model(  # type: ignore[call-overload]
        "ModelAnswer",
        __config__=ConfigDict(extra="forbid"),
        **{name.value: (ModelSection, ...) for name in sections},
    )
    return model


def _strip_fence(text: str) -> str:
    # Without constrained decoding, models like to wrap JSON in a Markdown code fence.
    stripped = text.strip()
    if stripped.startswith("```") and stripped.endswith("```"):
        stripped = stripped.strip("`")
        first_newline = stripped.find("\n")
        return stripped[first_newline + 1 :] if first_newline >= 0 else stripped
    return stripped


_KNOWN_KEYS = frozenset(
    {*(name.value for name in SectionName), "statements", "needs_input", "text", "field", "quote"}
)


def _location(loc: tuple[int | str, ...]) -> str:
    # A key the model made up may be the clinician's words: name only keys we defined.
    parts = [str(p) if isinstance(p, int) or p in _KNOWN_KEYS else "(unexpected key)" for p in loc]
    return ".".join(parts) or "answer"


def _summarise(exc: ValidationError, limit: int = 8) -> str:
    # Locations and rules only: never the values, which are the clinician's words.
    lines = [
        f"- {_location(error['loc'])}: {error['msg']}"
        for error in exc.errors(include_input=False, include_url=False)[:limit]
    ]
    more = exc.error_count() - limit
    if more > 0:
        lines.append(f"- and {more} more")
    return "\n".join(lines)
