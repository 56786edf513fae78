"""The administration pages in-process, on both databases: roles, tenants, CSRF, forms, audit."""

import html
import re

import pytest
from fastapi.testclient import TestClient

from chartdraft.domain.audit import AuditKind
from chartdraft.domain.practice import Actor
from chartdraft.services.clinic import Clinic
from chartdraft.services.practice_templates import practice_catalog
from chartdraft.services.upkeep import RetentionPolicy, purge_expired
from chartdraft.store.audit_chain import list_events
from tests.storage.conftest import Team, make_team
from tests.web.conftest import PASSWORD, caller

ADMIN_PAGES = ("/admin", "/admin/users", "/admin/templates", "/admin/templates/general",
               "/admin/new-template", "/admin/engines", "/admin/baas", "/admin/retention")  # fmt: skip
NEW_TEMPLATE = """name = "well-child"
title = "Well-child visit"
aliases = ["well child check"]

[sections.chief_complaint]
need = "the reason for the visit"

[sections.subjective]
need = "development, feeding and sleep since the last visit"

[sections.objective]
need = "growth measurements and examination"

[sections.assessment]
need = "the clinician's assessment"

[sections.plan]
need = "immunizations, guidance and the next visit"
"""


def _sign_in(api: TestClient, clinic: Clinic, actor: Actor) -> str:
    """Sign ``actor`` in through the form; return the session's CSRF token."""
    caller(clinic, actor)  # gives the actor a password (and a token)
    with clinic.records.practice(actor.practice_id) as records:
        email = records.people.member(actor.user_id).email
    _login(api, email, PASSWORD)
    page = api.get("/admin/users" if actor.role.value == "admin" else "/audit")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def _login(api: TestClient, email: str, password: str) -> int:
    token = re.search(r'name="login_csrf" value="([^"]+)"', api.get("/login").text).group(1)
    response = api.post("/login", data={"email": email, "password": password,
                                        "login_csrf": token}, follow_redirects=False)  # fmt: skip
    return response.status_code


def _events(clinic: Clinic, practice_id: str, kind: AuditKind) -> list[dict[str, object]]:
    with clinic.records.unscoped() as session:
        return [dict(e.entry.details) for e in list_events(session, practice_id, kind=kind)]


def test_admin_pages_need_a_session(api: TestClient):
    for path in ADMIN_PAGES:
        response = api.get(path, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"] == "/login"


@pytest.mark.parametrize("who", ["clinician", "scribe", "auditor"])
def test_admin_pages_are_for_admins_only(api: TestClient, clinic: Clinic, team: Team, who: str):
    actor: Actor = getattr(team, who)
    csrf = _sign_in(api, clinic, actor)
    assert "Administration" not in api.get("/audit" if who == "auditor" else "/queue").text
    for path in ADMIN_PAGES[1:]:
        assert api.get(path).status_code == 403, path
    posts = {"/admin/retention": {"capture_days": "1"},
             f"/admin/users/{actor.user_id}/role": {"role": "admin"},
             "/admin/templates": {"source": NEW_TEMPLATE}}  # fmt: skip
    for path, form in posts.items():
        assert api.post(path, data={**form, "csrf_token": csrf}).status_code == 403, path
    with clinic.records.practice(team.practice_id) as records:
        assert records.people.member(actor.user_id).role.value == who
        assert records.administration.retention() is None


def test_admin_navigation_and_csrf(api: TestClient, clinic: Clinic, team: Team):
    csrf = _sign_in(api, clinic, team.admin)
    page = api.get("/admin/users")
    assert '<a href="/admin/users">Administration</a>' in page.text
    for path in ADMIN_PAGES:
        assert api.get(path).status_code == 200, path
    refused = api.post("/admin/retention", data={"capture_days": "30"})
    assert refused.status_code == 403
    accepted = api.post("/admin/retention", data={"capture_days": "30", "csrf_token": csrf})
    assert accepted.status_code == 200


def test_an_admin_adds_a_member_changes_the_role_and_deactivates(
    api: TestClient, clinic: Clinic, team: Team
):
    csrf = _sign_in(api, clinic, team.admin)
    form = {"csrf_token": csrf, "email": "new.nurse@example.org", "display_name": "<b>Nurse</b>",
            "role": "scribe", "password": "short"}  # fmt: skip
    weak = api.post("/admin/users", data=form)
    assert weak.status_code == 400
    assert "12 to 1024 characters" in weak.text
    assert 'value="new.nurse@example.org"' in weak.text  # the form keeps what was typed
    added = api.post("/admin/users", data={**form, "password": "a fine long password"},
                     follow_redirects=False)  # fmt: skip
    assert added.status_code == 303
    page = api.get(added.headers["location"])
    assert "The member was added." in page.text
    assert "&lt;b&gt;Nurse&lt;/b&gt;" in page.text
    again = api.post("/admin/users", data={**form, "password": "a fine long password"})
    assert again.status_code == 409
    with clinic.records.practice(team.practice_id) as records:
        nurse = next(m for m in records.people.members() if m.email == "new.nurse@example.org")
    assert nurse.role.value == "scribe"
    role = api.post(f"/admin/users/{nurse.id}/role",
                    data={"csrf_token": csrf, "role": "clinician", "may_cosign": "true"})  # fmt: skip
    assert role.status_code == 200
    with clinic.records.practice(team.practice_id) as records:
        changed = records.people.member(nurse.id)
    assert (changed.role.value, changed.may_cosign) == ("clinician", True)
    # The new member signs in elsewhere, then is deactivated: the session ends at once.
    with TestClient(api.app) as elsewhere:
        assert _login(elsewhere, nurse.email, "a fine long password") == 303
        assert elsewhere.get("/queue", follow_redirects=False).status_code == 200
        off = api.post(
            f"/admin/users/{nurse.id}/active", data={"csrf_token": csrf, "active": "false"}
        )
        assert off.status_code == 200
        assert "deactivated" in off.text
        assert elsewhere.get("/queue", follow_redirects=False).status_code == 303
        assert _login(elsewhere, nurse.email, "a fine long password") == 401
    assert _events(clinic, team.practice_id, AuditKind.USER_DEACTIVATED) == [{"user_id": nurse.id}]
    (created,) = [e for e in _events(clinic, team.practice_id, AuditKind.AUTH_USER_CREATED)
                  if e["user_id"] == nurse.id]  # fmt: skip
    assert "a fine long password" not in str(created)
    assert "Nurse" not in str(created)


def test_an_admin_cannot_deactivate_or_demote_themselves(
    api: TestClient, clinic: Clinic, team: Team
):
    csrf = _sign_in(api, clinic, team.admin)
    me = team.admin.user_id
    off = api.post(f"/admin/users/{me}/active", data={"csrf_token": csrf, "active": "false"})
    assert off.status_code == 400
    assert "You cannot deactivate your own account" in off.text
    down = api.post(f"/admin/users/{me}/role", data={"csrf_token": csrf, "role": "clinician"})
    assert down.status_code == 400
    assert "You cannot change your own role" in down.text
    with clinic.records.practice(team.practice_id) as records:
        assert records.people.member(me).active
        assert records.people.member(me).role.value == "admin"


def test_another_practices_ids_are_not_found(api: TestClient, clinic: Clinic, team: Team):
    other = make_team(clinic)
    csrf = _sign_in(api, clinic, team.admin)
    for path, form in ((f"/admin/users/{other.clinician.user_id}/role", {"role": "scribe"}),
                       (f"/admin/users/{other.clinician.user_id}/active", {"active": "false"}),
                       ("/admin/baas/" + "0" * 32 + "/end", {}),
                       ("/admin/engines/no-such-engine", {"enabled": "true"})):  # fmt: skip
        assert api.post(path, data={**form, "csrf_token": csrf}).status_code == 404, path
    with clinic.records.practice(other.practice_id) as records:
        assert records.people.member(other.clinician.user_id).active
    assert api.get("/admin/templates/no-such-template").status_code == 404


def test_a_template_with_a_mistake_comes_back_and_a_fixed_one_is_saved(
    api: TestClient, clinic: Clinic, team: Team
):
    csrf = _sign_in(api, clinic, team.admin)
    broken = NEW_TEMPLATE.replace('need = "the clinician\'s assessment"\n', "").replace(
        'title = "Well-child visit"', 'title = "Well-child <script>x</script>"'
    )
    refused = api.post("/admin/templates", data={"csrf_token": csrf, "source": broken})
    assert refused.status_code == 400
    assert "sections.assessment.need: Field required." in refused.text
    assert "&lt;script&gt;x&lt;/script&gt;" in refused.text  # the text is kept, inert
    assert "Traceback" not in refused.text
    bad_toml = api.post("/admin/templates", data={"csrf_token": csrf, "source": "name = "})
    assert bad_toml.status_code == 400
    assert "The text is not valid TOML" in bad_toml.text
    clash = NEW_TEMPLATE.replace('["well child check"]', '["office visit"]')
    clashed = api.post("/admin/templates", data={"csrf_token": csrf, "source": clash})
    assert clashed.status_code == 400
    assert "both answer to" in clashed.text
    saved = api.post("/admin/templates", data={"csrf_token": csrf, "source": NEW_TEMPLATE},
                     follow_redirects=False)  # fmt: skip
    assert saved.status_code == 303
    assert saved.headers["location"].startswith("/admin/templates/well-child")
    listing = api.get("/admin/templates").text
    assert "well-child" in listing
    assert "practice's own" in listing
    assert (
        practice_catalog(clinic, team.practice_id).resolve("well child check").name == "well-child"
    )
    other = make_team(clinic)
    with pytest.raises(Exception, match="Unknown encounter type"):
        practice_catalog(clinic, other.practice_id).resolve("well-child")
    assert _events(clinic, team.practice_id, AuditKind.TEMPLATE_SAVED) == [
        {"template": "well-child", "added": True}
    ]


def test_a_practice_copy_of_a_bundled_template_overrides_it(
    api: TestClient, clinic: Clinic, team: Team
):
    csrf = _sign_in(api, clinic, team.admin)
    view = api.get("/admin/templates/general")
    assert 'name = "general"' in html.unescape(view.text)
    source = api.get("/admin/templates/general?edit=true").text
    text = re.search(r'<textarea id="source"[^>]*>(.*?)</textarea>', source, re.S).group(1)
    copy = html.unescape(text).replace('title = "Office visit"', 'title = "Clinic visit"')
    saved = api.post("/admin/templates", data={"csrf_token": csrf, "source": copy})
    assert saved.status_code == 200
    assert "Clinic visit" in saved.text
    assert practice_catalog(clinic, team.practice_id).resolve("general").title == "Clinic visit"
    assert "replaces the bundled one" in api.get("/admin/templates").text
    assert clinic.drafting.catalog.resolve("general").title == "Office visit"


def test_retention_form(api: TestClient, clinic: Clinic, team: Team):
    csrf = _sign_in(api, clinic, team.admin)
    for bad in ("0", "3651", "ten", "-5"):
        refused = api.post("/admin/retention", data={"csrf_token": csrf, "capture_days": bad})
        assert refused.status_code == 400, bad
        assert "from 1 to 3650" in refused.text
    saved = api.post("/admin/retention", data={"csrf_token": csrf, "capture_days": "30",
                                               "unsigned_draft_days": ""})  # fmt: skip
    assert saved.status_code == 200
    assert 'value="30"' in saved.text
    with clinic.records.practice(team.practice_id) as records:
        own = records.administration.retention()
    assert own is not None
    assert (own.capture_days, own.unsigned_draft_days) == (30, None)
    assert _events(clinic, team.practice_id, AuditKind.RETENTION_CHANGED) == [
        {"capture_days": 30, "unsigned_draft_days": None}
    ]
    assert "No purge has run" in saved.text
    purge_expired(clinic.records, RetentionPolicy(None, 5), clinic.clock())
    page = api.get("/admin/retention").text
    assert (
        "0 captures and 0 unsigned drafts emptied (limits: captures 30 days, drafts kept)" in page
    )


def test_phi_permission_for_a_remote_engine_needs_a_baa_in_force(
    api: TestClient, clinic: Clinic, team: Team
):
    csrf = _sign_in(api, clinic, team.admin)
    grant = {"csrf_token": csrf, "enabled": "true", "phi_allowed": "true"}
    refused = api.post("/admin/engines/openai", data=grant)
    assert refused.status_code == 400
    assert "Choose the BAA" in refused.text
    baa = {"csrf_token": csrf, "vendor": "OpenAI", "reference": "BAA-2026-17",
           "signed_on": "2026-01-10", "expires_on": "2025-01-01", "engines": ["openai"]}  # fmt: skip
    backwards = api.post("/admin/baas", data=baa)
    assert backwards.status_code == 400
    assert "The expiry date must come after the signing date." in backwards.text
    recorded = api.post("/admin/baas", data={**baa, "expires_on": "2027-12-31"})
    assert recorded.status_code == 200
    assert "BAA-2026-17" in recorded.text
    baa_id = re.search(r'action="/admin/baas/([0-9a-f]{32})/end"', recorded.text).group(1)
    granted = api.post("/admin/engines/openai", data={**grant, "baa_id": baa_id})
    assert granted.status_code == 200
    assert "allowed under BAA BAA-2026-17" in granted.text
    ended = api.post(
        f"/admin/baas/{baa_id}/end", data={"csrf_token": csrf, "ended_on": "2026-11-30"}
    )
    assert ended.status_code == 200
    assert "ended 2026-11-30" in ended.text
    engines = api.get("/admin/engines").text
    row = engines.split('id="engine-openai"')[1].split("</tr>")[0]
    assert "pseudonymized" in row
    assert [
        e["phi_allowed"] for e in _events(clinic, team.practice_id, AuditKind.ENGINE_CHANGED)
    ] == [True]
