"""The practice's OpenID Provider: discovery, the code flow with PKCE, the ID token's checks.

authlib builds the authorization request (state, nonce, S256 code challenge) and exchanges the
code; the ID token's signature is checked against the provider's JWKS with joserfc (authlib's
own JOSE library) and its claims (iss, aud, exp, iat, nonce, azp, at_hash) with authlib's
``CodeIDToken``. Every call to the provider has a timeout; the discovery document and the keys
are cached for an hour (the keys fetched again once when a token names an unknown key).
"""

import base64
import json
import os
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any, cast

import httpx2
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oidc.core import CodeIDToken
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from chartdraft.config import OidcSettings
from chartdraft.domain.errors import ChartdraftError

PENDING_SECONDS = 600
"""How long a started single sign-on may take before it has to start again."""
_CACHE_SECONDS = 3600.0
_LEEWAY_SECONDS = 60


class SsoError(ChartdraftError):
    """A single sign-on that cannot go on; ``status`` is the page's HTTP status."""

    status = 400


class ProviderUnreachableError(SsoError):
    """The identity provider did not answer, or answered with an error (a 502)."""

    status = 502


UNREACHABLE = "The single sign-on provider could not be reached; try again in a moment."
REJECTED = "The single sign-on could not be completed; please sign in again."


@dataclass(frozen=True)
class PendingSignIn:
    """What the callback must match: the state, the nonce, the PKCE verifier, where to return."""

    state: str
    nonce: str
    verifier: str
    redirect_uri: str
    started: int


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in (from the validated ID token)."""

    email: str
    email_verified: bool


class PendingSeal:
    """Seal a pending sign-in into a cookie value that cannot be read, forged or kept for long.

    The AES-GCM key is derived from the client secret, which every worker process of the
    server already shares, so a sign-in started on one worker can finish on another.
    """

    def __init__(self, client_secret: str) -> None:
        hkdf = HKDF(hashes.SHA256(), 32, salt=None, info=b"chartdraft sso pending sign-in v1")
        self._aead = AESGCM(hkdf.derive(client_secret.encode()))

    def seal(self, pending: PendingSignIn) -> str:
        """Return the cookie value for ``pending``."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, json.dumps(asdict(pending)).encode(), b"sso")
        return base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, value: str, now: float) -> PendingSignIn:
        """Return the pending sign-in in ``value``, or raise SsoError (forged, or too old)."""
        try:
            raw = base64.urlsafe_b64decode(value.encode())
            fields = json.loads(self._aead.decrypt(raw[:12], raw[12:], b"sso"))
            pending = PendingSignIn(**fields)
        except (ValueError, TypeError, InvalidTag) as exc:
            raise SsoError(REJECTED) from exc
        if not 0 <= now - pending.started <= PENDING_SECONDS:
            raise SsoError("The single sign-on took too long; please sign in again.")
        return pending


class OidcClient:
    """One configured provider, shared by every request of the app (thread-safe caches)."""

    def __init__(self, settings: OidcSettings) -> None:
        self.settings = settings
        self.issuer = settings.issuer or ""
        self._secret = settings.secret()
        self.seal = PendingSeal(self._secret)
        self._lock = threading.Lock()
        self._cached: dict[str, Any] | None = None
        self._cached_at = 0.0
        self._keys: dict[str, Any] | None = None

    def start(self, redirect_uri: str) -> tuple[str, PendingSignIn]:
        """Return the provider's authorization URL and what the callback must match."""
        endpoint = self._metadata()["authorization_endpoint"]
        pending = PendingSignIn(state=generate_token(32), nonce=generate_token(32),
                                verifier=generate_token(64), redirect_uri=redirect_uri,
                                started=int(time.time()))  # fmt: skip
        with self._client(redirect_uri) as client:
            url, _state = client.create_authorization_url(
                endpoint, state=pending.state, nonce=pending.nonce, code_verifier=pending.verifier
            )
        return str(url), pending

    def finish(self, pending: PendingSignIn, code: str) -> Identity:
        """Exchange ``code`` for tokens, validate the ID token, and return who signed in."""
        endpoint = self._metadata()["token_endpoint"]
        try:
            with self._client(pending.redirect_uri) as client:
                token = client.fetch_token(endpoint, grant_type="authorization_code", code=code,
                                           code_verifier=pending.verifier)  # fmt: skip
        except OAuthError as exc:  # e.g. invalid_grant: a used, expired or foreign code
            raise SsoError(REJECTED) from exc
        except httpx2.HTTPError as exc:
            raise ProviderUnreachableError(UNREACHABLE) from exc
        if not isinstance(token, dict) or not isinstance(token.get("id_token"), str):
            raise SsoError(REJECTED)
        claims = self._validated(token, pending.nonce)
        email = claims.get("email")
        if not isinstance(email, str):
            raise SsoError(
                "The single sign-on provider did not share your e-mail address; ask the "
                "practice administrator."
            )
        return Identity(email=email, email_verified=claims.get("email_verified") is True)

    def _validated(self, token: dict[str, Any], nonce: str) -> dict[str, Any]:
        algorithms = self._metadata().get("id_token_signing_alg_values_supported")
        registry = JWSRegistry(algorithms=algorithms, strict_check_header=False)
        try:
            try:
                decoded = jwt.decode(token["id_token"], self._key_set(), registry=registry)
            except InvalidKeyIdError:  # the provider rotated its keys since they were cached
                decoded = jwt.decode(
                    token["id_token"], self._key_set(fresh=True), registry=registry
                )
            options = {"iss": {"essential": True, "value": self.issuer},
                       "aud": {"essential": True, "value": self.settings.client_id}}  # fmt: skip
            params = {"nonce": nonce, "client_id": self.settings.client_id,
                      "access_token": token.get("access_token")}  # fmt: skip
            claims = CodeIDToken(decoded.claims, decoded.header, options, params)
            claims.validate(leeway=_LEEWAY_SECONDS)
        except (JoseError, ValueError) as exc:
            raise SsoError(REJECTED) from exc
        return dict(claims)

    def _metadata(self) -> dict[str, Any]:
        with self._lock:
            if self._cached is not None and time.monotonic() - self._cached_at < _CACHE_SECONDS:
                return self._cached
        metadata = self._get(f"{self.issuer}/.well-known/openid-configuration")
        needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
        # OpenID Discovery: the document must name the issuer it was fetched for.
        if any(not isinstance(metadata.get(key), str) for key in needed) or (
            metadata["issuer"].rstrip("/") != self.issuer
        ):
            raise ProviderUnreachableError(
                "The single sign-on provider's configuration does not match its issuer."
            )
        with self._lock:
            self._cached, self._cached_at, self._keys = metadata, time.monotonic(), None
        return metadata

    def _key_set(self, *, fresh: bool = False) -> KeySet:
        with self._lock:
            keys = None if fresh else self._keys
        if keys is None:
            keys = self._get(self._metadata()["jwks_uri"])
            with self._lock:
                self._keys = keys
        return KeySet.import_key_set(cast(Any, keys))

    def _get(self, url: str) -> dict[str, Any]:
        try:
            with httpx2.Client(timeout=self.settings.timeout) as http:
                response = http.get(url, headers={"Accept": "application/json"})
                response.raise_for_status()
                document = response.json()
        except (httpx2.HTTPError, ValueError) as exc:
            raise ProviderUnreachableError(UNREACHABLE) from exc
        if not isinstance(document, dict):
            raise ProviderUnreachableError(UNREACHABLE)
        return document

    def _client(self, redirect_uri: str) -> OAuth2Client:
        return OAuth2Client(
            client_id=self.settings.client_id, client_secret=self._secret,
            scope=self.settings.scopes, redirect_uri=redirect_uri,
            code_challenge_method="S256", timeout=self.settings.timeout,
        )  # fmt: skip
