"""Accept raw capture bytes safely: size, binary, encoding and emptiness checks, then parse."""

import re
from typing import Literal

from chartdraft.capture.json_input import parse_json
from chartdraft.capture.structured import parse_text
from chartdraft.domain.errors import InputError
from chartdraft.domain.visit import Visit

InputFormat = Literal["auto", "text", "json", "dictation"]

MAX_CAPTURE_BYTES = 1_000_000
"""One visit's capture; anything larger is not a visit (and would slow every later step)."""

# C0 and C1 control characters other than tab, newline, carriage return and form feed.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def decode_capture(raw: bytes, *, source: str = "The input", limit: int = MAX_CAPTURE_BYTES) -> str:
    """Return ``raw`` as text, or raise InputError saying in one sentence why it cannot be."""
    if len(raw) > limit:
        raise InputError(
            f"{source} is larger than {_size(limit)}; one visit's capture must be smaller."
        )
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"{source} is UTF-16 text; save it as UTF-8 and try again.")
    if b"\x00" in raw:
        raise InputError(f"{source} looks like a binary file, not text.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source} is not UTF-8 text (undecodable byte at position {exc.start}); "
            "save it as UTF-8 and try again."
        ) from exc
    first = _CONTROL.search(text)
    if first is not None:
        if len(_CONTROL.findall(text)) > max(2, len(text) // 100):
            raise InputError(f"{source} looks like a binary file, not text.")
        # Terminal escape codes and the like would reach the note and the clinician's screen.
        position = first.start()
        raise InputError(
            f"{source} contains a control character (U+{ord(text[position]):04X}) at position "
            f"{position}; remove it and try again."
        )
    if not text.strip():
        raise InputError(f"{source} is empty; there is nothing to draft.")
    return text


def parse_capture(text: str, input_format: InputFormat = "auto", *, name: str = "") -> Visit:
    """Parse captured text as JSON, headed text or free dictation."""
    chosen = input_format
    if chosen == "auto":
        looks_like_json = name.lower().endswith(".json") or text.lstrip().startswith("{")
        chosen = "json" if looks_like_json else "text"
    if chosen == "json":
        return parse_json(text)
    return parse_text(text, dictation=chosen == "dictation")


def _size(limit: int) -> str:
    return f"{limit / 1_000_000:g} MB" if limit >= 1_000_000 else f"{limit} bytes"
