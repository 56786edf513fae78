"""Parse the five fields given as JSON into a Visit."""

import json
from collections.abc import Callable
from typing import Any

from chartdraft.capture.fields import find_segments, heading_of, segment_passages
from chartdraft.capture.headers import HeaderLexicon, HeaderMatch, HeaderTarget, default_lexicon
from chartdraft.domain.errors import InputError
from chartdraft.domain.sections import SOAP_ORDER, SectionName
from chartdraft.domain.visit import CapturedField, Heading, Passage, Visit

ASSESSMENT_PLAN_KEY = "assessment_plan"
ENCOUNTER_TYPE_KEY = "encounter_type"
FIELD_KEYS: tuple[str, ...] = (*(s.value for s in SOAP_ORDER), ASSESSMENT_PLAN_KEY)


def parse_json(text: str, *, lexicon: HeaderLexicon | None = None) -> Visit:
    """Parse ``{"chief_complaint": ..., "subjective": ..., ...}`` into a Visit."""
    document = _load_object(text)
    unknown = sorted(set(document) - {*FIELD_KEYS, ENCOUNTER_TYPE_KEY})
    if unknown:
        raise InputError(
            f"The JSON input has unknown field(s) {', '.join(map(repr, unknown))}; "
            f"expected {', '.join(FIELD_KEYS)} and optionally {ENCOUNTER_TYPE_KEY}."
        )
    lex = lexicon or default_lexicon()
    fields: list[CapturedField] = []
    passages: list[Passage] = []
    headings: list[Heading] = []
    for key in FIELD_KEYS:
        value = _field_text(document, key)
        if value is None or not value.strip():
            continue
        target = _target(key)
        fields.append(CapturedField(name=key, text=value))
        # Sub-headings inside a field ("ROS: ...") count only when they belong to that field.
        for segment in find_segments(value, lex, accept=_belongs_to(target)):
            if segment.header is not None:
                headings.append(heading_of(segment.header))
            passages.extend(segment_passages(key, value, segment, default=target))
    if not passages:
        raise InputError("The JSON input has no visit content: every field is empty.")
    return Visit(
        encounter_type=_encounter_type(document),
        capture_format="json",
        fields=tuple(fields),
        passages=tuple(passages),
        headings=tuple(headings),
    )


def _target(key: str) -> HeaderTarget:
    return "assessment_plan" if key == ASSESSMENT_PLAN_KEY else SectionName(key)


def _belongs_to(target: HeaderTarget) -> Callable[[HeaderMatch, HeaderMatch | None], bool]:
    return lambda header, _current: header.target == target


def _load_object(text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"The input is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})."
        ) from exc
    except RecursionError as exc:
        raise InputError("The JSON input is nested too deeply to be a visit.") from exc
    if not isinstance(document, dict):
        raise InputError(
            f"The JSON input must be an object with the fields {', '.join(FIELD_KEYS)}."
        )
    return document


def _field_text(document: dict[str, Any], key: str) -> str | None:
    value = document.get(key)
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return "\n".join(value)  # one item a line, so each stays its own statement
    raise InputError(f'The JSON field "{key}" must be text or a list of text.')


def _encounter_type(document: dict[str, Any]) -> str | None:
    value = document.get(ENCOUNTER_TYPE_KEY)
    if value is None or (isinstance(value, str) and value.strip()):
        return value.strip() if value else None
    raise InputError(f'The JSON field "{ENCOUNTER_TYPE_KEY}" must be a non-empty text.')
