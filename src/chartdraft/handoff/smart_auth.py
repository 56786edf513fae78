"""Credentials for the EHR's FHIR API: SMART Backend Services, or a static bearer token.

SMART Backend Services (https://hl7.org/fhir/smart-app-launch/backend-services.html): the EHR
holds chartdraft's public key; chartdraft signs a short-lived assertion (RS384) with its
private key and exchanges it for an access token (``client_credentials`` grant), which it
keeps until shortly before it expires.
"""

import re
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from chartdraft.domain.errors import ConfigError
from chartdraft.drafting.endpoint import is_loopback

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_SECONDS = 300  # the specification's limit
MIN_KEY_BITS = 2048
RENEW_BEFORE_SECONDS = 60
"""A token this close to expiry is renewed first: a transaction must not outlive its token."""
_ERROR_CODE = re.compile(r"[a-z_]{1,40}")


class TokenError(Exception):
    """No access token: ``retry`` says whether trying later may help (the endpoint was down)."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


class EhrCredentials(Protocol):
    """What the EHR client asks of its credentials."""

    def authorization(self, client: httpx.Client) -> str | None:
        """Return the Authorization header's value (None: send none); may raise TokenError."""
        ...

    def invalidate(self) -> None:
        """Forget a token the EHR refused, so the next request gets a fresh one."""
        ...


class NoCredentials:
    """An EHR on this machine that asks for none (tests, a local integration engine)."""

    def authorization(self, client: httpx.Client) -> str | None:
        """Send no Authorization header."""
        return None

    def invalidate(self) -> None:
        """Nothing to forget."""


class StaticBearer:
    """A token the EHR issued once, from the settings or a mounted secret file."""

    def __init__(self, token: str) -> None:
        self._token = token

    def authorization(self, client: httpx.Client) -> str | None:
        """Return ``Bearer <token>``."""
        return f"Bearer {self._token}"

    def invalidate(self) -> None:
        """A static token cannot be renewed; a refusal goes to the exception queue."""


class SmartBackendAuth:
    """Access tokens by SMART Backend Services, cached until shortly before they expire."""

    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        private_key: RSAKey,
        key_id: str | None,
        scope: str,
        token_url: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._base_url = base_url
        self._client_id = client_id
        self._key = private_key
        self._key_id = key_id
        self._scope = scope
        self._token_url = token_url
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()  # one token request at a time, shared by the workers

    def authorization(self, client: httpx.Client) -> str | None:
        """Return ``Bearer <access token>``, asking the EHR for one when needed."""
        with self._lock:
            if self._token is None or self._clock() >= self._expires_at - RENEW_BEFORE_SECONDS:
                self._token, lifetime = self._request_token(client)
                self._expires_at = self._clock() + lifetime
            return f"Bearer {self._token}"

    def invalidate(self) -> None:
        """Forget the token (the EHR refused it)."""
        with self._lock:
            self._token = None

    def _request_token(self, client: httpx.Client) -> tuple[str, float]:
        token_url = self._token_url or self._discover(client)
        self._token_url = token_url
        form = {
            "grant_type": "client_credentials",
            "scope": self._scope,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.assertion(token_url),
        }
        try:
            answer = client.post(token_url, data=form, headers={"Accept": "application/json"})
        except httpx.HTTPError:
            raise TokenError("The EHR's token endpoint could not be reached.", retry=True) from None
        if answer.status_code == 429 or answer.status_code >= 500:
            raise TokenError(f"The EHR's token endpoint failed ({answer.status_code}).", retry=True)
        if answer.status_code != 200:
            raise TokenError(
                "The EHR's token endpoint refused chartdraft's credentials "
                f"({answer.status_code} {_error_code(answer)}).",
                retry=False,
            )
        try:
            body = answer.json()
            token = str(body["access_token"])
            lifetime = float(body.get("expires_in", ASSERTION_SECONDS))
        except (ValueError, KeyError, TypeError):
            raise TokenError("The EHR's token endpoint answered no token.", retry=True) from None
        return token, lifetime

    def assertion(self, token_url: str) -> str:
        """Return a fresh signed assertion for the token endpoint (RS384, five minutes)."""
        now = int(self._clock())
        header = {"alg": "RS384", "typ": "JWT"}
        if self._key_id:
            header["kid"] = self._key_id
        claims = {
            "iss": self._client_id,
            "sub": self._client_id,
            "aud": token_url,
            "exp": now + ASSERTION_SECONDS,
            "iat": now,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(header, claims, self._key, algorithms=["RS384"])

    def _discover(self, client: httpx.Client) -> str:
        where = f"{self._base_url}/.well-known/smart-configuration"
        try:
            answer = client.get(where, headers={"Accept": "application/json"})
            answer.raise_for_status()
            token_url = str(answer.json()["token_endpoint"])
        except httpx.HTTPError:
            raise TokenError(
                "The EHR's SMART configuration could not be read.", retry=True
            ) from None
        except (ValueError, KeyError, TypeError):
            raise TokenError(
                "The EHR's SMART configuration names no token endpoint.", retry=False
            ) from None
        parts = urlsplit(token_url)
        # The assertion and the token must not travel in clear to anywhere else.
        if not parts.hostname or not (
            parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname))
        ):
            raise TokenError("The EHR's token endpoint is not an https:// URL.", retry=False)
        return token_url


def load_private_key(path: Path) -> RSAKey:
    """Read chartdraft's RSA private key (PEM); name the file, never its content, on failure."""
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"The EHR private key file {path} cannot be read.") from exc
    try:
        key = RSAKey.import_key(pem)
    except (JoseError, ValueError, TypeError):
        raise ConfigError(f"The EHR private key file {path} does not hold an RSA key.") from None
    if not key.is_private:
        raise ConfigError(f"The EHR private key file {path} holds a public key, not a private one.")
    if key.raw_value.key_size < MIN_KEY_BITS:
        # SMART (and NIST SP 800-131A) ask for RSA keys of at least 2048 bits.
        raise ConfigError(f"The EHR private key in {path} is shorter than {MIN_KEY_BITS} bits.")
    return key


def _error_code(answer: httpx.Response) -> str:
    # Only a registered OAuth error code is repeated: a description could say anything.
    try:
        code = str(answer.json().get("error", ""))
    except (ValueError, AttributeError):
        return "no error code"
    return code if _ERROR_CODE.fullmatch(code) else "no error code"
