"""Versioned prompts: the files under ``drafting/prompts/`` and how a request is rendered from them.

The clinician's input goes into the user message as JSON, inside a data block, and never into
the system prompt: the rules and the schema are the same whatever a dictation says.
"""

import hashlib
import json
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Template

from chartdraft.domain.draft import PracticeContext
from chartdraft.domain.errors import ConfigError
from chartdraft.domain.sections import SectionName
from chartdraft.domain.visit import Visit

DEFAULT_PROMPT = "soap-draft"
DEFAULT_VERSION = "1"


@dataclass(frozen=True)
class PromptFile:
    """One version of a prompt: the system, user and retry templates."""

    id: str
    version: str
    system: str
    user: str
    retry: str


@dataclass(frozen=True)
class RenderedPrompt:
    """The system prompt for one practice, and its hash as recorded with each draft."""

    prompt: PromptFile
    system: str

    @property
    def sha256(self) -> str:
        """Return the SHA-256 of the rendered system prompt."""
        return hashlib.sha256(self.system.encode("utf-8")).hexdigest()


@cache
def load_prompt(prompt_id: str = DEFAULT_PROMPT, version: str = DEFAULT_VERSION) -> PromptFile:
    """Return the packaged prompt ``prompt_id`` at ``version``."""
    name = f"{prompt_id}.v{version}.toml"
    try:
        raw = resources.files("chartdraft.drafting.prompts").joinpath(name).read_text("utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f'There is no prompt "{prompt_id}" version {version}.') from exc
    data = tomllib.loads(raw)
    return PromptFile(
        id=data["id"],
        version=str(data["version"]),
        system=data["system"].strip(),
        user=data["user"].strip(),
        retry=data["retry"].rstrip(),
    )


def render_system(prompt: PromptFile, practice: PracticeContext) -> RenderedPrompt:
    """Return the system prompt with the practice context filled in."""
    presentations = ", ".join(practice.common_presentations) or "not specified"
    system = Template(prompt.system).substitute(
        practice_type=practice.practice_type, common_presentations=presentations
    )
    return RenderedPrompt(prompt=prompt, system=system)


def render_user(prompt: PromptFile, items: dict[str, list[dict[str, str]]], field: str) -> str:
    """Return the user message asking for the sections of ``items``; ``field`` is an example."""
    return Template(prompt.user).substitute(
        sections=", ".join(items),
        input=_as_data(items),
        format=json.dumps(_answer_format(field, tuple(items)), ensure_ascii=False),
    )


def render_retry(prompt: PromptFile, errors: str) -> str:
    """Return the paragraph added to the user message after an answer that did not validate."""
    return Template(prompt.retry).substitute(errors=errors)


def input_items(visit: Visit, sections: tuple[SectionName, ...]) -> dict[str, list[dict[str, str]]]:
    """Return the capture as the model sees it: per section, each item with its field name."""
    return {
        section.value: [
            {"field": p.span.field, "text": visit.text_of(p.span)}
            for p in visit.passages_for(section)
        ]
        for section in sections
    }


def _as_data(items: dict[str, list[dict[str, str]]]) -> str:
    # JSON keeps quotes and newlines from ending a string; escaping the angle brackets keeps a
    # "</clinician_input>" typed into a dictation from ending the data block.
    text = json.dumps(items, indent=1, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


def _answer_format(field: str, sections: tuple[str, ...]) -> dict[str, object]:
    example = {"text": "<the statement>", "field": field, "quote": "<exact input text>"}
    return {section: {"statements": [example], "needs_input": ""} for section in sections}
