"""Optional sign-in through the practice's OpenID Provider (authorization code, PKCE, nonce).

The state, nonce and PKCE verifier wait in a sealed cookie (``oidc.PendingSeal``) for ten
minutes, SameSite=Lax: the provider's redirect back is a cross-site top-level navigation, which
carries Lax cookies but not Strict ones. No account is made here; the provider's verified
e-mail must belong to an active member, who gets the same session as a password sign-in.
"""

import hmac
import threading
import time

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chartdraft.config import OidcSettings
from chartdraft.domain.errors import AuthenticationError
from chartdraft.services.sessions import sign_in_verified
from chartdraft.web.oidc import REJECTED, OidcClient, PendingSignIn, SsoError
from chartdraft.web.security import SESSION_COOKIE, clinic_of
from chartdraft.web.ui.auth_pages import login_page
from chartdraft.web.ui.pages import TEMPLATES, render, render_error

router = APIRouter(include_in_schema=False)
PENDING_COOKIE = "chartdraft_sso"
_PENDING_PATH = "/login/sso"  # sent back to the callback only
_lock = threading.Lock()


def oidc_settings(request: Request) -> OidcSettings:
    """Return the app's single sign-on settings (set by ``create_app`` from its settings)."""
    settings: OidcSettings = request.app.state.oidc_settings
    return settings


def oidc_client(request: Request) -> OidcClient | None:
    """Return the app's provider client (made once), or None when sign-on is not configured."""
    settings = oidc_settings(request)
    if not settings.enabled:
        return None
    with _lock:
        client: OidcClient | None = getattr(request.app.state, "oidc_client", None)
        if client is None or client.settings is not settings:
            client = OidcClient(settings)
            request.app.state.oidc_client = client
    return client


def sso_button(request: Request) -> str | None:
    """Return the sign-in page's single sign-on button text, or None when not configured."""
    settings = oidc_settings(request)
    return settings.display_name if settings.enabled else None


# login.html asks for the button itself, so the password sign-in page needs no change for it.
TEMPLATES.env.globals["sso_button"] = sso_button


def _secure(request: Request) -> bool:
    setting: bool | None = request.app.state.secure_cookies
    return setting if setting is not None else request.url.scheme == "https"


def _not_configured(request: Request) -> Response:
    return render_error(request, 404, "Not found", "Single sign-on is not set up on this server.")


@router.get("/login/sso")
def sso_start(request: Request) -> Response:
    """Send the browser to the provider with a fresh state, nonce and PKCE challenge."""
    client = oidc_client(request)
    if client is None:
        return _not_configured(request)
    callback = client.settings.callback_url or str(request.url_for("sso_callback"))
    try:
        url, pending = client.start(callback)
    except SsoError as exc:
        return _refused(request, exc.status, str(exc))
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(PENDING_COOKIE, client.seal.seal(pending), max_age=600, httponly=True,
                        samesite="lax", secure=_secure(request), path=_PENDING_PATH)  # fmt: skip
    return response


@router.get("/login/sso/callback", name="sso_callback", response_class=HTMLResponse)
def sso_callback(
    request: Request,
    state: str = "",
    code: str = "",
    error: str = "",
    iss: str = "",
) -> Response:
    """Check the provider's answer, sign the member in, and move on to the queue."""
    client = oidc_client(request)
    if client is None:
        return _not_configured(request)
    try:
        pending = _matching_pending(request, client, state, iss)
        if error:
            # The provider's own words could carry anything: its error code is not shown.
            return _refused(request, 401, "The single sign-on provider did not sign you in.")
        if not code or len(code) > 2048:
            raise SsoError(REJECTED)
        identity = client.finish(pending, code)
        signed = sign_in_verified(clinic_of(request), identity.email,
                                  email_verified=identity.email_verified,
                                  policy=request.app.state.session_policy, method="oidc")  # fmt: skip
    except SsoError as exc:
        return _refused(request, exc.status, str(exc))
    except AuthenticationError as exc:
        return _refused(request, 401, str(exc))
    # The session cookie is SameSite=Strict, and this response ends a navigation that started
    # on the provider's site: a redirect from here would still count as cross-site, so the
    # browser would not send the new cookie and /queue would ask to sign in again. A page of
    # our own that moves on (meta refresh, and a link) makes the next request same-site.
    # tests/e2e/test_sso_browser.py shows it in Chromium (a 303 here ends on the sign-in page).
    response = render(request, "login.html", None, sso_done=True)
    response.set_cookie(SESSION_COOKIE, signed.secret, httponly=True, samesite="strict",
                        secure=_secure(request), path="/")  # fmt: skip
    _forget_pending(response)
    return response


def _matching_pending(request: Request, client: OidcClient, state: str, iss: str) -> PendingSignIn:
    sealed = request.cookies.get(PENDING_COOKIE)
    if not sealed or len(sealed) > 4096:
        raise SsoError(
            "The single sign-on expired or was started in another browser; please sign in again."
        )
    pending = client.seal.open(sealed, time.time())
    if not state or not hmac.compare_digest(state.encode(), pending.state.encode()):
        raise SsoError(REJECTED)
    # RFC 9207: a provider that names itself must be the one this sign-in was sent to.
    if iss and iss.rstrip("/") != client.issuer:
        raise SsoError(REJECTED)
    return pending


def _refused(request: Request, status: int, sentence: str) -> Response:
    # The sign-in page again, with the sentence: password sign-in stays one step away.
    response = login_page(request, error=sentence)
    response.status_code = status
    _forget_pending(response)
    return response


def _forget_pending(response: Response) -> None:
    # A pending sign-in is used once, whatever its outcome: a replayed callback finds none.
    response.delete_cookie(PENDING_COOKIE, path=_PENDING_PATH)
