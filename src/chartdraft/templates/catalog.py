"""Load encounter templates: the bundled TOML files, then a practice's own directory on top."""

import re
import tomllib
from collections.abc import Iterable, Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from pydantic import ValidationError

from chartdraft.domain.encounter_template import EncounterTemplate
from chartdraft.domain.errors import ConfigError, InputError

DEFAULT_ENCOUNTER_TYPE = "general"


class TemplateCatalog:
    """The encounter types a practice documents, found by name or alias."""

    def __init__(self, templates: Iterable[EncounterTemplate]) -> None:
        self._by_name = {t.name: t for t in templates}
        self._by_key: dict[str, EncounterTemplate] = {}
        for template in self._by_name.values():
            for key in {template.name, *template.aliases}:
                owner = self._by_key.setdefault(type_key(key), template)
                if owner.name != template.name:
                    raise ConfigError(
                        f'Encounter templates "{owner.name}" and "{template.name}" both answer to "{key}".'
                    )

    def __iter__(self) -> Iterator[EncounterTemplate]:
        return iter(sorted(self._by_name.values(), key=lambda t: t.name))

    def names(self) -> list[str]:
        """Return the encounter type names, sorted."""
        return sorted(self._by_name)

    def resolve(self, name: str) -> EncounterTemplate:
        """Return the template for ``name`` (a name or alias, any case or spacing)."""
        template = self._by_key.get(type_key(name))
        if template is None:
            raise InputError(
                f'Unknown encounter type "{_shorten(name)}"; known types: {", ".join(self.names())}.'
            )
        return template


def type_key(name: str) -> str:
    """Return the lookup key of an encounter type: 'Follow up' and 'follow_up' -> 'follow-up'."""
    return re.sub(r"[\s_-]+", "-", name.strip().lower())


def load_catalog(practice_dir: Path | None = None) -> TemplateCatalog:
    """Load the bundled templates, replaced or extended by those in ``practice_dir``."""
    templates = {t.name: t for t in _load_all(resources.files(__package__))}
    if practice_dir is not None:
        if not practice_dir.is_dir():
            raise ConfigError(f"The templates directory {practice_dir} does not exist.")
        templates.update((t.name, t) for t in _load_all(practice_dir))
    if DEFAULT_ENCOUNTER_TYPE not in templates:
        raise ConfigError(f'No "{DEFAULT_ENCOUNTER_TYPE}" encounter template was found.')
    return TemplateCatalog(templates.values())


def _load_all(directory: Traversable) -> list[EncounterTemplate]:
    files = sorted(
        (f for f in directory.iterdir() if f.name.endswith(".toml")), key=lambda f: f.name
    )
    return [_load(f) for f in files]


def _load(file: Traversable) -> EncounterTemplate:
    try:
        return EncounterTemplate.model_validate(tomllib.loads(file.read_text("utf-8")))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Encounter template {file.name} is not valid TOML: {exc}.") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'template'}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(f"Encounter template {file.name} is invalid: {problems}.") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"Encounter template {file.name} is not UTF-8 text.") from exc


def _shorten(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"
