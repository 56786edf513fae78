"""Parse the five fields given as JSON into a Visit."""

import json
from collections import Counter
from collections.abc import Callable
from typing import Any

from chartdraft.capture.fields import find_segments, heading_of, segment_passages
from chartdraft.capture.headers import HeaderLexicon, HeaderMatch, HeaderTarget, default_lexicon
from chartdraft.capture.structured import normalize_newlines
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
        document = json.loads(text, object_pairs_hook=_without_duplicate_keys)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"The input is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
            "if it is a typed note, use --input-format text."
        ) from exc
    except RecursionError as exc:
        raise InputError("The JSON input is nested too deeply to be a visit.") from exc
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise InputError("The JSON input holds a value too large to read.") from exc
    if not isinstance(document, dict):
        raise InputError(
            f"The JSON input must be an object with the fields {', '.join(FIELD_KEYS)}."
        )
    if _has_lone_surrogate(document):
        raise InputError(
            "The JSON input contains an invalid character (an unpaired \\u surrogate)."
        )
    return document


def _has_lone_surrogate(value: object) -> bool:
    if isinstance(value, str):
        return any("\ud800" <= ch <= "\udfff" for ch in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


def _without_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    repeated = sorted(key for key, count in Counter(key for key, _ in pairs).items() if count > 1)
    if repeated:
        # Keeping only the last would silently drop what the clinician wrote first.
        raise InputError(f"The JSON input repeats the field(s) {', '.join(map(repr, repeated))}.")
    return dict(pairs)


def _field_text(document: dict[str, Any], key: str) -> str | None:
    value = document.get(key)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        value = "\n".join(value)  # one item a line, so each stays its own statement
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f'The JSON field "{key}" must be text or a list of text.')
    return normalize_newlines(value)


def _encounter_type(document: dict[str, Any]) -> str | None:
    value = document.get(ENCOUNTER_TYPE_KEY)
    if value is None or (isinstance(value, str) and value.strip()):
        return value.strip() if value else None
    raise InputError(f'The JSON field "{ENCOUNTER_TYPE_KEY}" must be a non-empty text.')
