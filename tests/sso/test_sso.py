"""Single sign-on through a real OpenID Provider, the app in-process (SQLite and PostgreSQL).

httpx walks the provider's login and consent pages like a browser; the app's own calls to the
provider (discovery, keys, token) go over loopback. The browser test is tests/e2e/test_sso_browser.py.
"""

import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import RSAKey

from chartdraft.config import OidcSettings
from chartdraft.domain.audit import AuditKind
from chartdraft.domain.review import Role
from chartdraft.services.clinic import Clinic
from chartdraft.services.people import add_member, set_member_active
from chartdraft.services.trail import audit_trail
from chartdraft.web.app import create_app
from chartdraft.web.oidc import OidcClient, PendingSignIn, SsoError
from chartdraft.web.ui.sso_pages import PENDING_COOKIE
from tests.sso.conftest import CALLBACK
from tests.sso.provider import CLIENT_ID, CLIENT_SECRET, sign_in_at_provider
from tests.storage.conftest import Team

REFUSED = "There is no active chartdraft account for your verified e-mail address here"
AGAIN = "please sign in again"
NOT_COMPLETED = "The single sign-on could not be completed; please sign in again."
NO_PENDING = "The single sign-on expired or was started in another browser"


def _settings(issuer: str) -> OidcSettings:
    return OidcSettings(issuer=issuer, client_id=CLIENT_ID, client_secret=CLIENT_SECRET,  # type: ignore[arg-type]
                        display_name="Sign in with Riverside SSO")  # fmt: skip


@pytest.fixture
def tag() -> str:
    """A tag that gives this test e-mail addresses of its own at the provider."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
def app(clinic: Clinic, issuer: str) -> Iterator[TestClient]:
    """The app with single sign-on through the test provider."""
    web = create_app(clinic=clinic)
    web.state.oidc_settings = _settings(issuer)
    with TestClient(web, raise_server_exceptions=False, follow_redirects=False) as client:
        yield client


def _start(app: TestClient) -> str:
    started = app.get("/login/sso")
    assert started.status_code == 303, started.text
    assert app.cookies.get(PENDING_COOKIE)
    return started.headers["location"]


def _callback(app: TestClient, login: str) -> str:
    return sign_in_at_provider(_start(app), login, CALLBACK)


def _pending(app: TestClient) -> str:
    for cookie in app.cookies.jar:
        if cookie.name == PENDING_COOKIE:
            assert cookie.path == "/login/sso"
            assert cookie.has_nonstandard_attr("HttpOnly")
            return str(cookie.value)
    raise AssertionError("no pending sign-in cookie")


def _send_pending(app: TestClient, value: str) -> None:
    """Make the next callback carry ``value`` as the pending sign-in cookie (and no other)."""
    for cookie in list(app.cookies.jar):
        if cookie.name == PENDING_COOKIE:
            app.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
    app.cookies.set(PENDING_COOKIE, value, domain="testserver.local", path="/login/sso")
    assert [c.value for c in app.cookies.jar if c.name == PENDING_COOKIE] == [value]


def test_a_known_active_member_signs_in_and_lands_on_the_queue(
    app: TestClient, clinic: Clinic, team: Team, tag: str
) -> None:
    page = app.get("/login")
    assert "Sign in with Riverside SSO" in page.text
    add_member(clinic, team.practice_id, f"dr.lee+{tag}@riverside.example", "Dr Lee",
               Role.CLINICIAN)  # fmt: skip
    authorization = urlsplit(_start(app))
    asked = parse_qs(authorization.query)
    assert asked["code_challenge_method"] == ["S256"]
    assert asked["scope"] == ["openid email"]
    for fresh in ("state", "nonce", "code_challenge"):
        assert len(asked[fresh][0]) >= 32
    assert "code_verifier" not in asked
    callback = sign_in_at_provider(authorization.geturl(), f"lee+{tag}", CALLBACK)

    done = app.get(callback)

    assert done.status_code == 200, done.text
    assert '<meta http-equiv="refresh" content="0; url=/queue">' in done.text
    assert 'href="/queue"' in done.text
    assert app.cookies.get(PENDING_COOKIE) is None
    session = next(c for c in app.cookies.jar if c.name == "chartdraft_session")
    assert session.has_nonstandard_attr("HttpOnly")
    queue = app.get("/queue")
    assert queue.status_code == 200, queue.text
    assert "Sign out" in queue.text
    [login] = audit_trail(clinic, team.auditor, kind=AuditKind.AUTH_LOGIN)
    assert dict(login.entry.details) == {"method": "oidc"}
    assert login.entry.actor_id is not None


@pytest.mark.parametrize(
    "case",
    [("stranger", "unknown_account"), ("former", "inactive_account"),
     ("unverified", "unverified_email")],
)  # fmt: skip
def test_an_unknown_inactive_or_unverified_address_is_refused(
    app: TestClient, clinic: Clinic, team: Team, tag: str, case: tuple[str, str]
) -> None:
    login, reason = case
    lee = add_member(clinic, team.practice_id, f"dr.lee+{tag}@riverside.example", "Dr Lee",
                     Role.CLINICIAN)  # fmt: skip
    former = add_member(clinic, team.practice_id, f"former+{tag}@riverside.example", "Former",
                        Role.CLINICIAN)  # fmt: skip
    set_member_active(clinic, team.admin, former, active=False)

    refused = app.get(_callback(app, f"{login}+{tag}"))

    assert refused.status_code == 401
    assert REFUSED in refused.text
    assert "Traceback" not in refused.text
    assert app.cookies.get("chartdraft_session") is None
    assert app.get("/queue").status_code == 303
    failures = audit_trail(clinic, team.auditor, kind=AuditKind.AUTH_LOGIN_FAILED)
    [failure] = [event for event in failures if event.entry.details.get("method") == "oidc"]
    assert failure.entry.details == {"purpose": "login", "method": "oidc", "reason": reason}
    assert failure.entry.actor_id == {"stranger": None, "former": former, "unverified": lee}[login]
    assert tag not in repr(failures)
    assert not audit_trail(clinic, team.auditor, kind=AuditKind.AUTH_LOGIN)


def test_a_tampered_or_missing_state_is_refused(app: TestClient, team: Team, tag: str) -> None:
    callback = urlsplit(_callback(app, f"lee+{tag}"))
    query = parse_qs(callback.query)
    pending = _pending(app)
    for state in ("forged-state", ""):
        _send_pending(app, pending)
        changed = urlencode({**{k: v[0] for k, v in query.items()}, "state": state})
        refused = app.get(f"{callback.path}?{changed}")
        assert refused.status_code == 400
        assert NOT_COMPLETED in refused.text
    app.cookies.clear()
    missing = app.get(callback.geturl())
    assert missing.status_code == 400
    assert NO_PENDING in missing.text
    assert app.get("/queue").status_code == 303


def test_a_replayed_callback_is_refused(
    app: TestClient, clinic: Clinic, team: Team, tag: str
) -> None:
    add_member(clinic, team.practice_id, f"dr.lee+{tag}@riverside.example", "Dr Lee",
               Role.CLINICIAN)  # fmt: skip
    callback = _callback(app, f"lee+{tag}")
    pending = _pending(app)
    assert app.get(callback).status_code == 200
    app.cookies.clear()

    again = app.get(callback)  # the pending cookie was removed: nothing to match
    _send_pending(app, pending)
    resent = app.get(callback)  # with the old cookie kept: the provider refuses the used code

    assert again.status_code == 400
    assert NO_PENDING in again.text
    assert resent.status_code == 400
    assert NOT_COMPLETED in resent.text
    assert app.cookies.get("chartdraft_session") is None
    assert len(audit_trail(clinic, team.auditor, kind=AuditKind.AUTH_LOGIN)) == 1


def test_a_sign_in_cancelled_at_the_provider_is_refused(app: TestClient, tag: str) -> None:
    callback = sign_in_at_provider(_start(app), f"lee+{tag}", CALLBACK, cancel=True)
    assert "error=access_denied" in callback

    refused = app.get(callback)

    assert refused.status_code == 401
    assert "The single sign-on provider did not sign you in." in refused.text
    assert "access_denied" not in refused.text


def test_an_expired_forged_or_mismatched_pending_sign_in_is_refused(
    app: TestClient, clinic: Clinic, team: Team, tag: str
) -> None:
    add_member(clinic, team.practice_id, f"dr.lee+{tag}@riverside.example", "Dr Lee",
               Role.CLINICIAN)  # fmt: skip
    callback = _callback(app, f"lee+{tag}")
    seal = app.app.state.oidc_client.seal  # type: ignore[attr-defined]
    pending: PendingSignIn = seal.open(_pending(app), time.time())
    for changed, sentence in [
        (replace(pending, started=pending.started - 601), "took too long"),
        (replace(pending, nonce="another-nonce"), NOT_COMPLETED),  # the ID token's differs
    ]:
        _send_pending(app, seal.seal(changed))
        refused = app.get(callback)
        assert refused.status_code == 400, refused.text
        assert sentence in refused.text
    _send_pending(app, "not-a-sealed-value")
    assert app.get(callback).status_code == 400
    assert app.cookies.get("chartdraft_session") is None


def test_an_unreachable_provider_answers_502(clinic: Clinic) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = int(probe.getsockname()[1])
    web = create_app(clinic=clinic)
    web.state.oidc_settings = replace_issuer(f"http://127.0.0.1:{closed}")
    with TestClient(web, raise_server_exceptions=False, follow_redirects=False) as client:
        answer = client.get("/login/sso")
    assert answer.status_code == 502
    assert "could not be reached" in answer.text


def replace_issuer(issuer: str) -> OidcSettings:
    """Return test settings pointing at ``issuer``."""
    return _settings(issuer).model_copy(update={"timeout": 2.0})


def test_without_configuration_there_is_no_single_sign_on(clinic: Clinic) -> None:
    web = create_app(clinic=clinic)
    web.state.oidc_settings = OidcSettings()
    with TestClient(web, raise_server_exceptions=False, follow_redirects=False) as client:
        page = client.get("/login")
        assert page.status_code == 200
        assert "/login/sso" not in page.text
        assert "single sign-on" not in page.text.lower()
        assert client.get("/login/sso").status_code == 404
        assert client.get("/login/sso/callback?code=x&state=y").status_code == 404


def test_the_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from chartdraft.config import Settings  # noqa: PLC0415

    monkeypatch.setenv("CHARTDRAFT_WEB__OIDC__ISSUER", "https://sso.riverside.example/")
    monkeypatch.setenv("CHARTDRAFT_WEB__OIDC__CLIENT_ID", "chartdraft")
    monkeypatch.setenv("CHARTDRAFT_WEB__OIDC__CLIENT_SECRET", "s3cret-from-env")
    oidc = Settings().web.oidc
    assert oidc.enabled
    assert oidc.issuer == "https://sso.riverside.example"
    assert oidc.scopes == "openid email"
    assert "s3cret" not in repr(oidc)
    with pytest.raises(ValueError, match="https"):
        OidcSettings(issuer="http://sso.riverside.example", client_id="x", client_secret="y")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="secret"):
        OidcSettings(issuer="https://sso.riverside.example", client_id="x")
    assert not OidcSettings(issuer="https://sso.riverside.example").enabled


def test_an_id_token_not_signed_by_the_provider_is_refused(issuer: str) -> None:
    client = OidcClient(_settings(issuer))
    # The provider's own key id, but another key: only the signature gives it away.
    kid = httpx.get(f"{issuer}/jwks", timeout=5).json()["keys"][0]["kid"]
    forger = RSAKey.generate_key(2048, parameters={"kid": kid})
    now = int(time.time())
    claims = {"iss": issuer, "aud": CLIENT_ID, "sub": "lee", "iat": now, "exp": now + 300,
              "nonce": "n", "email": "dr.lee@riverside.example", "email_verified": True}  # fmt: skip
    forged = jwt.encode({"alg": "RS256", "kid": kid}, claims, forger)

    with pytest.raises(SsoError, match="could not be completed"):
        client._validated({"id_token": forged}, "n")  # the check itself
