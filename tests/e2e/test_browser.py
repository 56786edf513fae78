"""A clinician's whole review in a real browser (Debian's Chromium, driven by Playwright).

The server is ``chartdraft serve`` as a process on loopback over a fresh SQLite file; each
screen is saved as a PNG under ``test-artifacts/e2e/``.
"""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chartdraft.bootstrap import build_clinic
from chartdraft.config import Settings
from chartdraft.domain.practice import Actor, PatientDetails
from chartdraft.domain.review import ReviewState
from chartdraft.services.draft_job import request_draft, run_draft
from chartdraft.services.encounters import NewEncounter, create_encounter
from chartdraft.store.people import member_by_email
from tests.e2e.conftest import SCREENS, chromium
from tests.served import run_chartdraft, serving
from tests.storage.visits import HYPOTHYROID

PASSWORD = "a long signing passphrase"
CLINICIAN = "dr.lee@riverside.example"
AUDITOR = "audit@riverside.example"
CHECKLIST = (
    "The facts match the encounter",
    "The assessment is my own clinical judgment",
    "Flagged sections are completed",
    "The note is defensible to a colleague or auditor",
)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The server's data directory (its SQLite file and key file)."""
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="module")
def server(data_dir: Path) -> Iterator[str]:
    """``chartdraft serve`` on a free port, with a clinician and an auditor."""
    env = {"PATH": "/usr/bin:/bin", "CHARTDRAFT_DATA_DIR": str(data_dir)}
    for email, role in ((CLINICIAN, "clinician"), (AUDITOR, "auditor")):
        created = run_chartdraft(env, "users", "create", "--practice", "Riverside", "--email", email,
                                 "--role", role, "--password-stdin", stdin=PASSWORD + "\n")  # fmt: skip
        assert created.returncode == 0, created.stderr
    with serving(env) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Chromium from Debian (never a downloaded browser)."""
    with chromium("[0-9][0-9]-*.png") as launched:
        yield launched


def _shot(page: object, name: str) -> None:
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def _login(page: object, url: str, email: str) -> None:
    page.goto(f"{url}/login")  # type: ignore[attr-defined]
    page.get_by_label("E-mail address").fill(email)  # type: ignore[attr-defined]
    page.get_by_label("Password").fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]


def test_a_clinicians_review_from_capture_to_signed_note(
    server: str, data_dir: Path, browser: object
) -> None:
    context = browser.new_context(base_url=server)  # type: ignore[attr-defined]
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page = context.new_page()
    _login(page, server, CLINICIAN)
    page.wait_for_url("**/queue")
    _shot(page, "01-queue")
    _watch_a_draft_being_written(page, data_dir)
    _capture_a_visit(page)
    _see_a_source_and_resolve_a_finding(page)
    _fail_to_sign(page)
    _complete_flagged_sections(page)
    _sign_and_copy(page)
    page.get_by_role("button", name="Sign out").click()
    _login(page, server, AUDITOR)
    page.goto(f"{server}/audit")
    assert "note.signed" in page.content()
    assert "Ada Quill" not in page.content()
    _shot(page, "09-audit")
    page.goto(f"{server}/metrics")
    assert page.locator("svg").count() >= 1
    _shot(page, "10-metrics")
    context.close()


def _capture_a_visit(page: Any) -> None:
    page.get_by_role("link", name="New encounter").click()
    page.get_by_label("Name").fill("Ada Quill")
    page.get_by_label("MRN").fill("MRN-100200")
    page.get_by_label("Encounter type").select_option("follow-up")
    page.get_by_label("Chief complaint").fill("Follow-up of hypothyroidism.")
    page.get_by_label("Subjective").fill(
        "Energy is better. Taking levothyroxine 75 mcg every morning, has not missed doses."
    )
    page.get_by_label("Plan").fill("Continue levothyroxine 75 mcg daily. Recheck TSH in 6 weeks.")
    _shot(page, "02-capture-form")
    page.get_by_role("button", name="Draft the note").click()
    page.wait_for_url("**/drafts/*")
    page.locator("#draft-title").wait_for()  # through the drafting page, if it was slow
    _shot(page, "03-review")


def _watch_a_draft_being_written(page: Any, data_dir: Path) -> None:
    # The template engine drafts in milliseconds, too fast to watch. So this test holds one
    # drafting job itself: it asks for a draft in the server's record, lets the browser show
    # the progress, then runs the job; the page must move on to the review by itself.
    clinic = build_clinic(Settings(data_dir=data_dir))
    with clinic.records.unscoped(read_only=True) as session:
        member, _hash = member_by_email(session, CLINICIAN) or pytest.fail("no clinician")
    actor = Actor(member.id, member.practice_id, member.role)
    new = NewEncounter(capture=HYPOTHYROID, patient=PatientDetails("Ben Ortiz", "MRN-300400"))
    job = request_draft(clinic, actor, create_encounter(clinic, actor, new).encounter_id)
    page.goto(f"/drafts/{job.draft_id}")
    page.get_by_role("status").get_by_text("Drafting").wait_for()
    _shot(page, "02-drafting")
    assert run_draft(clinic, job) is ReviewState.DRAFTED
    page.locator("#draft-title").wait_for(timeout=10_000)  # htmx polled and moved on
    assert page.url.endswith(f"/drafts/{job.draft_id}")


def _see_a_source_and_resolve_a_finding(page: Any) -> None:
    page.locator(".statement[data-sources]:not([data-sources=''])").first.focus()
    assert page.locator(".src.lit").count() > 0, "the statement's input span lights up"
    _shot(page, "04-source-highlight")
    first = page.locator(".finding.major").first
    first.get_by_label("Attest with a reason").fill("Examined by phone; no vitals taken.")
    first.get_by_role("button", name="Attest").click()
    page.wait_for_load_state()
    assert page.locator(".finding.resolved").count() >= 1
    _shot(page, "05-finding-resolved")


def _fail_to_sign(page: Any) -> None:
    _check_all(page)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the note").click()
    assert "cannot be signed" in page.content()
    _shot(page, "06-sign-refused")
    page.go_back()
    page.reload()


def _complete_flagged_sections(page: Any) -> None:
    for _ in range(5):  # each save reloads the page; complete the first flagged section left
        flagged = page.locator("article.section.flagged")
        if flagged.count() == 0:
            break
        section = flagged.first
        title = section.locator("h3").inner_text()
        if section.locator("details").get_attribute("open") is None:
            section.locator("summary").click()
        box = section.get_by_label(f"{title} text")
        # Complete the flag in place: the flag line becomes the clinician's own words.
        flag = r"\[Needs clinician input: [^\]]*\]"
        box.fill(re.sub(flag, "Reviewed with the patient today.", box.input_value()))
        section.get_by_role("button", name=f"Save {title}").click()
        page.wait_for_load_state()
    page.reload()
    assert page.locator("#open-flags").inner_text() == "0"
    assert page.locator("#open-majors").inner_text() == "0"
    _shot(page, "07-flags-completed")


def _sign_and_copy(page: Any) -> None:
    _check_all(page)
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the note").click()
    page.wait_for_url("**/notes/*")
    assert page.locator("#note-text").evaluate("e => e.tagName") == "PRE"
    assert page.locator("#note-text").get_attribute("contenteditable") is None
    page.get_by_role("button", name="Copy note").click()
    page.get_by_text("Copied.").wait_for()
    assert "levothyroxine 75 mcg" in page.evaluate("navigator.clipboard.readText()")
    _shot(page, "08-signed-note")


def _check_all(page: Any) -> None:
    for label in CHECKLIST:
        page.get_by_label(label).check()
