"""A practice's own encounter templates: stored as TOML, checked like the bundled ones.

The effective catalog of a practice is the bundled templates, then the server's templates
directory, then the practice's own (a practice copy of a bundled template overrides it).
"""

import json
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from pydantic import ValidationError

from chartdraft.domain.audit import AuditEntry, AuditKind, DetailValue
from chartdraft.domain.encounter_template import EncounterTemplate
from chartdraft.domain.errors import ConfigError, InputError, NotFoundError
from chartdraft.domain.practice import Actor
from chartdraft.domain.review import Role
from chartdraft.services.clinic import Clinic
from chartdraft.services.people import ADMINISTER
from chartdraft.templates.catalog import TemplateCatalog

MAX_SOURCE = 64_000
MAX_NAME = 80


class TemplateRejectedError(InputError):
    """A template's TOML does not make a usable template; ``reasons`` says why, one each."""

    def __init__(self, reasons: Iterable[str]) -> None:
        self.reasons = tuple(reasons)
        super().__init__(" ".join(self.reasons))


@dataclass(frozen=True)
class TemplateListing:
    """One template in effect for the practice, and where it comes from."""

    name: str
    title: str
    aliases: tuple[str, ...]
    practice_own: bool
    overrides: bool
    """The practice's copy replaces a bundled (or server) template of the same name."""
    updated_at: datetime | None


def parse_template(source: str) -> EncounterTemplate:
    """Return the template ``source`` describes, or raise TemplateRejectedError with reasons."""
    if len(source) > MAX_SOURCE:
        raise TemplateRejectedError([f"The template is longer than {MAX_SOURCE} characters."])
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateRejectedError([f"The text is not valid TOML: {exc}."]) from None
    try:
        template = EncounterTemplate.model_validate(data)
    except ValidationError as exc:
        raise TemplateRejectedError(_reason(e) for e in exc.errors()) from None
    if len(template.name) > MAX_NAME:
        raise TemplateRejectedError([f"name: keep it to {MAX_NAME} characters."])
    return template


def _reason(error: Any) -> str:
    where = ".".join(str(p) for p in error.get("loc", ()))
    if where == "name" and error.get("type") == "string_pattern_mismatch":
        return 'name: use lower-case letters, digits and hyphens (such as "well-child").'
    message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    return f"{where}: {message}." if where else f"{message[:1].upper()}{message[1:]}."


def practice_catalog(clinic: Clinic, practice_id: str) -> TemplateCatalog:
    """Return the practice's effective catalog: bundled, the server's directory, its own."""
    with clinic.records.practice(practice_id, read_only=True) as records:
        stored = records.administration.templates()
    own = []
    for each in stored:
        try:
            own.append(parse_template(each.source))
        except TemplateRejectedError as exc:
            raise ConfigError(f'The practice\'s template "{each.name}" is invalid: {exc}') from None
    return _overlay(clinic.drafting.catalog, own)


def _overlay(base: TemplateCatalog, own: Iterable[EncounterTemplate]) -> TemplateCatalog:
    templates = {t.name: t for t in base}
    templates.update((t.name, t) for t in own)
    return TemplateCatalog(templates.values())


def template_listing(clinic: Clinic, actor: Actor) -> list[TemplateListing]:
    """Return the templates in effect for the practice, marking its own (admins only)."""
    with clinic.acting(actor, ADMINISTER, Role.ADMIN, read_only=True) as (records, _admin):
        stored = {t.name: t for t in records.administration.templates()}
    base = set(clinic.drafting.catalog.names())
    return [
        TemplateListing(
            name=t.name,
            title=t.title,
            aliases=t.aliases,
            practice_own=t.name in stored,
            overrides=t.name in stored and t.name in base,
            updated_at=stored[t.name].updated_at if t.name in stored else None,
        )
        for t in practice_catalog(clinic, actor.practice_id)
    ]


def template_source(clinic: Clinic, actor: Actor, name: str) -> tuple[str, bool]:
    """Return a template in effect as TOML, and whether it is the practice's own."""
    with clinic.acting(actor, ADMINISTER, Role.ADMIN, read_only=True) as (records, _admin):
        stored = {t.name: t for t in records.administration.templates()}
    if name in stored:
        return stored[name].source, True
    template = next((t for t in clinic.drafting.catalog if t.name == name), None)
    if template is None:
        raise NotFoundError("No such encounter template.")
    bundled = _bundled_sources().get(name)
    if bundled is not None and parse_template(bundled) == template:
        return bundled, False  # the file itself, with its comments
    return template_toml(template), False


def save_template(clinic: Clinic, actor: Actor, source: str) -> str:
    """Add or replace one of the practice's templates from TOML; return its name."""
    source = source.replace("\r\n", "\n")
    template = parse_template(source)
    now = clinic.clock()
    with clinic.acting(actor, ADMINISTER, Role.ADMIN) as (records, _admin):
        others = [parse_template(t.source) for t in records.administration.templates()]
        try:
            _overlay(clinic.drafting.catalog, [*others, template])
        except ConfigError as exc:
            raise TemplateRejectedError([str(exc)]) from None
        added = records.administration.save_template(
            template.name, source, by=actor.user_id, at=now
        )
        details: dict[str, DetailValue] = {"template": template.name, "added": added}
        records.audit(AuditEntry(AuditKind.TEMPLATE_SAVED, actor.user_id, details=details), now)
    return template.name


@cache
def _bundled_sources() -> dict[str, str]:
    found: dict[str, str] = {}
    for file in resources.files("chartdraft.templates").iterdir():
        if file.name.endswith(".toml"):
            text = file.read_text("utf-8")
            found[str(tomllib.loads(text).get("name", ""))] = text
    return found


def template_toml(template: EncounterTemplate) -> str:
    """Return ``template`` written as TOML (for templates whose file is not at hand)."""
    lines: list[str] = []
    _table(lines, [], template.model_dump(mode="json", exclude_defaults=True))
    return "\n".join(lines).strip() + "\n"


def _table(lines: list[str], path: list[str], table: dict[str, Any]) -> None:
    plain = {k: v for k, v in table.items() if not isinstance(v, dict) and not _tables(v)}
    if path and plain:
        lines.extend(["", f"[{'.'.join(path)}]"])
    lines.extend(f"{key} = {_value(value)}" for key, value in plain.items())
    for key, value in table.items():
        if isinstance(value, dict):
            _table(lines, [*path, key], value)
        elif _tables(value):
            for item in value:
                lines.extend(["", f"[[{'.'.join([*path, key])}]]"])
                lines.extend(f"{k} = {_value(v)}" for k, v in item.items())


def _tables(value: object) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _value(value: object) -> str:
    # A JSON string, number, boolean or array of them is also TOML.
    return json.dumps(value, ensure_ascii=False)
