"""Encounter templates load from data files; a practice can add and replace them."""

from pathlib import Path

import pytest

from chartdraft.domain.errors import ConfigError, InputError
from chartdraft.domain.sections import SOAP_ORDER
from chartdraft.templates.catalog import load_catalog

PRACTICE_TEMPLATE = """
name = "prenatal"
title = "Prenatal visit"
aliases = ["ob visit"]
section_order = ["assessment", "plan", "subjective", "objective", "chief_complaint"]
[sections.chief_complaint]
need = "reason"
[sections.subjective]
need = "history"
[sections.objective]
need = "fundal height and fetal heart tones"
[[sections.objective.required]]
name = "fetal heart tones"
patterns = ['\\bfht\\b', 'fetal heart']
[sections.assessment]
need = "assessment"
[sections.plan]
need = "plan"
"""


def test_bundled_templates() -> None:
    catalog = load_catalog()
    assert catalog.names() == ["acute-visit", "annual-physical", "follow-up", "general"]
    for template in catalog:
        assert sorted(template.section_order) == sorted(SOAP_ORDER)


@pytest.mark.parametrize(
    ("asked", "found"),
    [
        ("follow-up", "follow-up"),
        ("Follow Up", "follow-up"),
        ("follow_up", "follow-up"),
        ("F/U", "follow-up"),
        ("annual physical", "annual-physical"),
        ("sick visit", "acute-visit"),
        ("  GENERAL ", "general"),
    ],
)
def test_aliases(asked: str, found: str) -> None:
    assert load_catalog().resolve(asked).name == found


def test_unknown_type_names_the_known_ones() -> None:
    with pytest.raises(
        InputError, match=r'Unknown encounter type "dental".*acute-visit, annual-physical'
    ):
        load_catalog().resolve("dental")


def test_practice_templates_add_and_apso_order(tmp_path: Path) -> None:
    (tmp_path / "prenatal.toml").write_text(PRACTICE_TEMPLATE, encoding="utf-8")
    template = load_catalog(tmp_path).resolve("ob visit")
    assert template.section_order[0].value == "assessment"
    assert template.required_elements()[0][1].is_met_by("FHT 140s")


def test_practice_template_replaces_bundled_one(tmp_path: Path) -> None:
    (tmp_path / "general.toml").write_text(
        PRACTICE_TEMPLATE.replace('name = "prenatal"', 'name = "general"'), encoding="utf-8"
    )
    assert load_catalog(tmp_path).resolve("general").title == "Prenatal visit"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name = ", "not valid TOML"),
        ('name = "x"\ntitle = "X"', "invalid: sections"),
        (PRACTICE_TEMPLATE.replace("'\\bfht\\b'", "'(unclosed'"), "not a valid regular expression"),
        (PRACTICE_TEMPLATE.replace('"chief_complaint"]', '"plan"]'), "exactly once"),
        (PRACTICE_TEMPLATE.replace('"ob visit"', '"follow up"'), "both answer to"),
    ],
)
def test_invalid_practice_template_is_a_config_error(
    tmp_path: Path, content: str, message: str
) -> None:
    (tmp_path / "bad.toml").write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_catalog(tmp_path)


def test_missing_templates_dir(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_catalog(tmp_path / "nope")
