"""Read a draft someone else wrote (plain-text SOAP note or draft JSON) as a SoapDraft.

A plain-text note is split by the same header lexicon as a capture ("HPI", "A/P", "PLAN:"),
each item becoming one statement with no citation: the verifier finds its support itself.
"""

import json
import re
from itertools import count

from pydantic import ValidationError

from chartdraft.capture.structured import parse_text
from chartdraft.domain.draft import EngineInfo, SoapDraft
from chartdraft.domain.errors import InputError
from chartdraft.domain.note import DraftSection, SectionStatus, Statement
from chartdraft.domain.sections import DEFAULT_TITLES, SOAP_ORDER, SectionName
from chartdraft.domain.visit import Visit

EXTERNAL_ENGINE = "external"
# A model that flattens its note puts capitalised headers mid-line ("... HISTORY OF PRESENT
# ILLNESS: The patient ..."): each starts a line of its own, where the header lexicon finds it.
_INLINE_HEADER = re.compile(r"[ \t]+(?=(?:[A-Z][A-Z/&]+ ){0,5}[A-Z][A-Z/&]{2,}:\s)")


def read_draft(text: str, *, default_section: SectionName | None = None) -> SoapDraft:
    """Return the draft in ``text``: ``chartdraft.draft/1`` JSON, or a note with section headers.

    Text without any header is placed sentence by sentence by its cue words, or wholly in
    ``default_section`` when one is given (a summary of one known section).
    """
    if text.lstrip().startswith(("{", "[")):
        return _from_json(text)
    visit = parse_text(_INLINE_HEADER.sub("\n", text))
    if visit.capture_format == "dictation" and default_section is not None:
        visit = visit.model_copy(
            update={
                "passages": tuple(
                    p.model_copy(update={"section": default_section}) for p in visit.passages
                )
            }
        )
    return _from_visit(visit)


def _from_json(text: str) -> SoapDraft:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"The draft is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})."
        ) from None
    except RecursionError:
        raise InputError("The draft JSON is nested too deeply.") from None
    if not isinstance(document, dict) or document.get("schema") != "chartdraft.draft/1":
        raise InputError('The draft JSON must be a "chartdraft.draft/1" document.')
    try:
        draft = SoapDraft.model_validate(document)
    except ValidationError as exc:
        # Locations only: the values are the clinician's words.
        where = ", ".join(".".join(str(p) for p in e["loc"]) or "draft" for e in exc.errors()[:3])
        raise InputError(
            f"The draft JSON does not follow chartdraft.draft/1 (at {where})."
        ) from None
    ids = [s.id for section in draft.sections for s in section.statements]
    if len(ids) != len(set(ids)):
        raise InputError("The draft JSON gives two statements the same id; each must be unique.")
    if len({section.name for section in draft.sections}) != len(draft.sections):
        raise InputError("The draft JSON has a section twice; each section must appear once.")
    return draft


def _from_visit(visit: Visit) -> SoapDraft:
    ids = (f"s{n}" for n in count(1))
    sections = []
    for name in SOAP_ORDER:
        statements = tuple(
            Statement(id=next(ids), text=" ".join(visit.text_of(p.span).split()), sources=())
            for p in visit.passages_for(name)
        )
        sections.append(
            DraftSection(
                name=name,
                title=DEFAULT_TITLES[name],
                status=SectionStatus.COMPLETE if statements else SectionStatus.MISSING,
                statements=statements,
            )
        )
    return SoapDraft(
        encounter_type=visit.encounter_type or "general",
        title="Draft",
        engine=EngineInfo(name=EXTERNAL_ENGINE),
        sections=tuple(sections),
    )
