"""Keep identifiers out of the logs, whoever writes the log line.

Our own code logs no PHI; libraries may (an HTTP client at DEBUG prints request bodies). The
redaction is installed as the log-record factory, so every record from every logger is redacted
once, when it is made: the message with its arguments, and the text of any exception. The
detector is built on the first record, so a command that logs nothing pays nothing.
"""

import logging
import re
import traceback
from collections.abc import Callable
from functools import cache

from chartdraft.privacy.entities import PhiFinder

WITHHELD = "[log message withheld: it could not be checked for identifiers]"
_installed: list[Callable[..., logging.LogRecord]] = []


# Escapes in a logged repr or JSON body ("HPI:\\nMartha") would glue a name to the letter
# before it; they are read as spaces of the same length, so offsets still fit the text.
_ESCAPE = re.compile(r"\\[ntr\"'\\]|\\u[0-9a-fA-F]{4}")
LIBRARIES_THAT_LOG_BODIES = ("openai", "anthropic", "httpx", "httpcore")
"""Their DEBUG lines carry whole request bodies; they are raised to INFO when redaction is on."""


def redact(text: str, detector: PhiFinder) -> str:
    """Return ``text`` with each identifier replaced by its type in brackets ("[NAME]")."""
    readable = _ESCAPE.sub(lambda m: " " * len(m.group()), text)
    try:
        found = detector.detect(readable)
    except Exception:  # a log line that cannot be checked is not written as it was
        return WITHHELD
    for entity in reversed(found):
        text = f"{text[: entity.start]}[{entity.type.value}]{text[entity.end :]}"
    return text


def install_log_redaction(detector_factory: Callable[[], PhiFinder]) -> None:
    """Redact every log record made from now on (once per process; later calls do nothing)."""
    if _installed:
        return
    previous = logging.getLogRecordFactory()
    _installed.append(previous)
    for library in LIBRARIES_THAT_LOG_BODIES:
        if logging.getLogger(library).getEffectiveLevel() < logging.INFO:
            logging.getLogger(library).setLevel(logging.INFO)
    detector = cache(detector_factory)
    busy: list[bool] = []

    def make_record(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if busy:  # a record made while building the detector: withhold rather than recurse
            record.msg, record.args, record.exc_info = WITHHELD, None, None
            return record
        busy.append(True)
        try:
            _redact_record(record, detector())
        except Exception:
            record.msg, record.args, record.exc_info = WITHHELD, None, None
        finally:
            busy.pop()
        return record

    logging.setLogRecordFactory(make_record)


def uninstall_log_redaction() -> None:
    """Put back the record factory that was there before (for tests)."""
    if _installed:
        logging.setLogRecordFactory(_installed.pop())


def _redact_record(record: logging.LogRecord, detector: PhiFinder) -> None:
    record.msg = redact(record.getMessage(), detector)
    record.args = None
    if record.exc_info and record.exc_info[1] is not None:
        formatted = "".join(traceback.format_exception(*record.exc_info))
        record.exc_text = redact(formatted, detector)
        record.exc_info = None  # the handler prints exc_text, never the raw exception
