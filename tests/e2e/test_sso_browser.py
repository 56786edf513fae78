"""Single sign-on in a real browser: Debian's Chromium, a real OpenID Provider, `chartdraft serve`.

The app is reached as http://localhost:PORT and the provider as http://127.0.0.1:PORT, two
different sites, so the provider's redirect back is a cross-site navigation as it is in a
practice: the pending sign-in cookie (SameSite=Lax) must come back with it, and the session
cookie (SameSite=Strict) must be sent on the way on to the queue. Screens are saved as
``test-artifacts/e2e/sso-*.png``.
"""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import SCREENS, chromium
from tests.served import free_port, run_chartdraft, serving
from tests.sso.provider import CLIENT_ID, CLIENT_SECRET, running_provider

CLINICIAN = "dr.lee@riverside.example"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The provider and ``chartdraft serve`` configured for it; yield the app's base URL."""
    data_dir = tmp_path_factory.mktemp("sso")
    port = free_port()
    app = f"http://localhost:{port}"
    with running_provider(f"{app}/login/sso/callback", data_dir / "provider.log") as issuer:
        env = {"PATH": "/usr/bin:/bin", "CHARTDRAFT_DATA_DIR": str(data_dir),
               "CHARTDRAFT_WEB__OIDC__ISSUER": issuer, "CHARTDRAFT_WEB__OIDC__CLIENT_ID": CLIENT_ID,
               "CHARTDRAFT_WEB__OIDC__CLIENT_SECRET": CLIENT_SECRET,
               "CHARTDRAFT_WEB__OIDC__DISPLAY_NAME": "Sign in with Riverside SSO"}  # fmt: skip
        created = run_chartdraft(env, "users", "create", "--practice", "Riverside", "--email",
                                 CLINICIAN, "--role", "clinician", "--password-stdin",
                                 stdin="a long enough passphrase\n")  # fmt: skip
        assert created.returncode == 0, created.stderr
        with serving(env, port=port, log=data_dir / "serve.log"):
            yield app


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium from Debian (never a downloaded browser)."""
    with chromium("sso-*.png") as launched:
        yield launched


def test_a_clinician_signs_in_through_the_practices_provider(server: str, browser: Any) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{server}/login")
    page.screenshot(path=str(SCREENS / "sso-1-sign-in.png"), full_page=True)
    page.get_by_role("button", name="Sign in with Riverside SSO").click()

    page.wait_for_url("http://127.0.0.1:*/interaction/*")
    page.locator("input[name=login]").fill("lee")
    page.locator("input[name=password]").fill("any password")
    page.screenshot(path=str(SCREENS / "sso-2-provider.png"), full_page=True)
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()  # the provider's consent screen

    page.wait_for_url(f"{server}/queue")
    assert page.get_by_role("button", name="Sign out").is_visible()
    page.screenshot(path=str(SCREENS / "sso-3-queue.png"), full_page=True)
    cookies = {cookie["name"]: cookie for cookie in context.cookies(server)}
    assert cookies["chartdraft_session"]["sameSite"] == "Strict"
    assert cookies["chartdraft_session"]["httpOnly"]
    assert "chartdraft_sso" not in cookies  # the pending sign-in was used up
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{server}/login")
    context.close()
