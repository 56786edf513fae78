"""Hand a signed note's transaction Bundle to the EHR's FHIR API and say how it went.

The client never raises for what the network or the EHR does: every answer, or the lack of
one, becomes a ``DeliveryAttempt`` the outbox acts on (delivered, retry later, or refused and
waiting for a person). Only status codes and timings are logged, never a body or a token.
"""

import json
import logging
import time
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, Self

import httpx

from chartdraft.config import EhrSettings
from chartdraft.domain.delivery import AttemptOutcome, DeliveryAttempt
from chartdraft.domain.errors import ConfigError
from chartdraft.handoff.bundle import FHIR_JSON
from chartdraft.handoff.smart_auth import (
    EhrCredentials,
    NoCredentials,
    SmartBackendAuth,
    StaticBearer,
    TokenError,
    load_private_key,
)

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
"""Answers that may be different next time: the EHR was busy, failing or timed out."""
MAX_OUTCOME_CHARS = 64_000
MAX_RETRY_AFTER_SECONDS = 86_400.0


class EhrClient:
    """Posts transaction Bundles to one EHR (an ``EhrSender``), keeping its connection open."""

    def __init__(
        self,
        settings: EhrSettings,
        credentials: EhrCredentials | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not settings.base_url:
            raise ConfigError("No EHR is configured: set CHARTDRAFT_EHR__BASE_URL.")
        self._url = settings.base_url
        self._credentials = credentials or NoCredentials()
        self._http = httpx.Client(
            timeout=settings.timeout, transport=transport, follow_redirects=False
        )

    @classmethod
    def from_settings(cls, settings: EhrSettings) -> "EhrClient | None":
        """Return the client the settings describe; None when write-back is off."""
        if not settings.enabled:
            return None
        return cls(settings, credentials_from(settings))

    def send(self, bundle_json: str) -> DeliveryAttempt:
        """POST the bundle to the EHR's base URL (a FHIR transaction); classify the answer."""
        started = time.monotonic()
        try:
            answer = self._post(bundle_json)
            if answer.status_code == 401:
                # A token the EHR revoked or forgot (a restart): one fresh token, once.
                self._credentials.invalidate()
                answer = self._post(bundle_json)
        except TokenError as exc:
            outcome = AttemptOutcome.RETRY if exc.retry else AttemptOutcome.REJECTED
            return DeliveryAttempt(outcome, str(exc))
        except httpx.TimeoutException:
            return DeliveryAttempt(AttemptOutcome.RETRY, "The EHR did not answer in time.")
        except httpx.HTTPError:
            return DeliveryAttempt(AttemptOutcome.RETRY, "The EHR could not be reached.")
        log.info(
            "EHR answered %d in %.0f ms", answer.status_code, 1000 * (time.monotonic() - started)
        )
        return classify(answer)

    def _post(self, bundle_json: str) -> httpx.Response:
        headers = {"Content-Type": FHIR_JSON, "Accept": FHIR_JSON}
        authorization = self._credentials.authorization(self._http)
        if authorization is not None:
            headers["Authorization"] = authorization
        return self._http.post(self._url, content=bundle_json.encode("utf-8"), headers=headers)

    def close(self) -> None:
        """Close the connection to the EHR."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def credentials_from(settings: EhrSettings) -> EhrCredentials:
    """Return the credentials the settings give: SMART, a static token, or none."""
    if settings.client_id and settings.private_key_file:
        return SmartBackendAuth(
            base_url=str(settings.base_url),
            client_id=settings.client_id,
            private_key=load_private_key(settings.private_key_file),
            key_id=settings.key_id,
            scope=settings.scope,
            token_url=settings.token_url,
        )
    if settings.bearer_token is not None:
        return StaticBearer(settings.bearer_token.get_secret_value())
    if settings.bearer_token_file is not None:
        try:
            token = settings.bearer_token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"The EHR token file {settings.bearer_token_file} cannot be read."
            ) from exc
        return StaticBearer(token)
    if settings.client_id or settings.private_key_file:
        raise ConfigError(
            "SMART Backend Services needs both CHARTDRAFT_EHR__CLIENT_ID and "
            "CHARTDRAFT_EHR__PRIVATE_KEY_FILE."
        )
    return NoCredentials()


def classify(answer: httpx.Response) -> DeliveryAttempt:
    """Return what an answer of the EHR to a transaction means for the delivery."""
    status = answer.status_code
    if status in (200, 201):
        return _accepted(answer)
    if status in RETRY_STATUSES:
        return DeliveryAttempt(
            AttemptOutcome.RETRY, f"The EHR was busy or failing ({status}).", status,
            retry_after=retry_after(answer.headers.get("Retry-After")),
        )  # fmt: skip
    if status in (401, 403):
        return DeliveryAttempt(
            AttemptOutcome.REJECTED, f"The EHR refused chartdraft's credentials ({status}).", status
        )
    return DeliveryAttempt(
        AttemptOutcome.REJECTED, f"The EHR refused the note ({status}).", status,
        operation_outcome=_operation_outcome(answer),
    )  # fmt: skip


def _accepted(answer: httpx.Response) -> DeliveryAttempt:
    status = answer.status_code
    try:
        body: Any = answer.json()
        entries = body["entry"] if body.get("resourceType") == "Bundle" else None
    except (ValueError, AttributeError, KeyError, TypeError):
        entries = None
    if not isinstance(entries, list):
        # The EHR may well have stored the note: trying again is safe (conditional creates).
        return DeliveryAttempt(
            AttemptOutcome.RETRY, f"The EHR's answer ({status}) could not be read.", status
        )
    statuses = [str((e.get("response") or {}).get("status", "")) for e in entries]
    if not statuses or not all(s.startswith(("200", "201")) for s in statuses):
        return DeliveryAttempt(
            AttemptOutcome.REJECTED, "The EHR accepted the transaction but not all of it.", status,
            operation_outcome=_clip(json.dumps(body)),
        )  # fmt: skip
    return DeliveryAttempt(
        AttemptOutcome.DELIVERED, "Delivered.", status, location=_document_location(entries)
    )


def _document_location(entries: list[Any]) -> str | None:
    for entry in entries:
        location = str((entry.get("response") or {}).get("location", ""))
        if location.startswith("DocumentReference/"):
            return "/".join(location.split("/")[:2])  # without _history/<version>
    return None


def retry_after(value: str | None) -> float | None:
    """Return the seconds a ``Retry-After`` header asks for (a number or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_SECONDS)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, min(when.timestamp() - time.time(), MAX_RETRY_AFTER_SECONDS))


def _operation_outcome(answer: httpx.Response) -> str | None:
    try:
        body = answer.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get("resourceType") != "OperationOutcome":
        return None
    return _clip(json.dumps(body))


def _clip(text: str) -> str:
    return text if len(text) <= MAX_OUTCOME_CHARS else text[:MAX_OUTCOME_CHARS]
