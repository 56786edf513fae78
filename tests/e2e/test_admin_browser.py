"""A practice admin's round in a real browser (Debian's Chromium, driven by Playwright).

The server is ``chartdraft serve`` as a process on loopback over a fresh SQLite file; each
administration screen is saved as ``test-artifacts/e2e/admin-*.png``.
"""

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import SCREENS, chromium
from tests.served import run_chartdraft, serving

PASSWORD = "an admin's long passphrase"
ADMIN = "admin@hillside.example"
TEMPLATE = """name = "wound-check"
title = "Wound check"
aliases = ["dressing change"]

[sections.chief_complaint]
need = "which wound is checked"

[sections.subjective]
need = "pain, drainage and fever since the last check"

[sections.objective]
need = "the wound's size, edges and signs of infection"

[sections.assessment]
need = "how the wound is healing"
"""
PLAN = '\n[sections.plan]\nneed = "dressing, antibiotics if any, and the next check"\n'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``chartdraft serve`` on a free port, with one practice admin."""
    env = {"PATH": "/usr/bin:/bin", "CHARTDRAFT_DATA_DIR": str(tmp_path_factory.mktemp("admin"))}
    created = run_chartdraft(env, "users", "create", "--practice", "Hillside", "--email", ADMIN,
                             "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
    assert created.returncode == 0, created.stderr
    with serving(env) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium from Debian (never a downloaded browser)."""
    with chromium("admin-*.png") as launched:
        yield launched


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENS / f"admin-{name}.png"), full_page=True)


def test_an_admin_sets_up_the_practice(server: str, browser: Any) -> None:
    context = browser.new_context(base_url=server)
    page = context.new_page()
    page.goto(f"{server}/login")
    page.get_by_label("E-mail address").fill(ADMIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/queue")
    page.get_by_role("link", name="Administration").click()
    page.wait_for_url("**/admin/users")
    _add_a_member(page)
    _add_a_template(page)
    _record_a_baa(page)
    _grant_phi_permission(page)
    _change_retention(page)
    page.goto(f"{server}/audit")
    content = page.content()
    for kind in ("admin.template_saved", "admin.baa_recorded", "admin.engine_changed",
                 "admin.retention_changed", "auth.user_created"):  # fmt: skip
        assert kind in content, kind
    assert "a nurse's passphrase" not in content
    context.close()


def _add_a_member(page: Any) -> None:
    page.get_by_label("E-mail address").fill("nurse@hillside.example")
    page.get_by_label("Display name").fill("Nurse Ray")
    page.get_by_label("Role", exact=True).select_option("scribe")
    page.get_by_label("Initial password").fill("a nurse's passphrase")
    page.get_by_role("button", name="Add the member").click()
    page.get_by_text("The member was added.").wait_for()
    assert page.get_by_role("cell", name="nurse@hillside.example", exact=True).count() == 1
    _shot(page, "01-users")


def _add_a_template(page: Any) -> None:
    page.get_by_role("link", name="Encounter templates").click()
    assert page.locator("td", has_text="follow-up").count() >= 1
    _shot(page, "02-templates")
    page.get_by_role("link", name="Add a template").click()
    page.get_by_label("Template (TOML)").fill(TEMPLATE)  # the plan section is missing
    page.get_by_role("button", name="Save the template").click()
    alert = page.locator("#template-errors")
    alert.wait_for()
    assert "Requirements are missing for: plan." in alert.inner_text()
    assert "Traceback" not in page.content()
    assert page.get_by_label("Template (TOML)").input_value().startswith('name = "wound-check"')
    _shot(page, "03-template-refused")
    page.get_by_label("Template (TOML)").fill(TEMPLATE + PLAN)
    page.get_by_role("button", name="Save the template").click()
    page.wait_for_url(re.compile(r".*/admin/templates/wound-check\?done=template$"))
    assert "dressing change" in page.locator("pre.toml").inner_text()
    _shot(page, "04-template-saved")


def _record_a_baa(page: Any) -> None:
    page.get_by_role("link", name="BAA records").click()
    page.get_by_label("Vendor").fill("OpenAI")
    page.get_by_label("Reference (contract number)").fill("BAA-HS-2026")
    page.get_by_label("Signed on").fill("2026-01-15")
    page.get_by_label("Expires on (optional)").fill("2030-01-14")
    page.get_by_label("openai").check()
    page.get_by_label("Note").fill("Countersigned copy in the office safe.")
    page.get_by_role("button", name="Record the BAA").click()
    page.get_by_text("The BAA was recorded.").wait_for()
    assert page.locator("td", has_text="in force").count() == 1
    _shot(page, "05-baas")


def _grant_phi_permission(page: Any) -> None:
    page.get_by_role("link", name="Engines").click()
    row = page.locator("#engine-openai")
    assert "pseudonymized" in row.inner_text()
    row.get_by_label("May receive identifiable text").check()
    row.get_by_label("BAA that covers it").select_option(label="OpenAI: BAA-HS-2026")
    row.get_by_role("button", name="Save openai").click()
    page.get_by_text("The engine's settings were saved.").wait_for()
    assert "allowed under BAA BAA-HS-2026" in page.locator("#engine-openai").inner_text()
    _shot(page, "06-engines")


def _change_retention(page: Any) -> None:
    page.get_by_role("link", name="Retention").click()
    page.get_by_label("Keep captures for (days)").fill("0")
    page.get_by_role("button", name="Save retention").click()
    assert "from 1 to 3650" in page.locator("[role=alert]").inner_text()
    page.get_by_label("Keep captures for (days)").fill("30")
    page.get_by_label("Keep unsigned drafts for (days)").fill("90")
    page.get_by_role("button", name="Save retention").click()
    page.get_by_text("The retention was saved.").wait_for()
    assert page.get_by_label("Keep unsigned drafts for (days)").input_value() == "90"
    _shot(page, "07-retention")
