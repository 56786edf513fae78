"""Signing in and out of the web app: sessions with an idle timeout, CSRF tokens, throttling."""

import hashlib
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import timedelta

from chartdraft.domain.audit import AuditEntry, AuditKind
from chartdraft.domain.errors import AuthenticationError, ChartdraftError
from chartdraft.domain.practice import Actor
from chartdraft.services.accounts import (
    SCOPES,
    Principal,
    hash_password,
    needs_rehash,
    password_matches,
    secret_digest,
)
from chartdraft.services.clinic import Clinic
from chartdraft.store.people import Member, member_by_email, practice_ids
from chartdraft.store.sessions import end_session, find_session, open_session, touch_session
from chartdraft.store.tokens import set_password_hash


class TooManyAttemptsError(ChartdraftError):
    """Too many failed sign-ins for this account from here: wait, then try again (a 429)."""


@dataclass
class LoginThrottle:
    """Failed sign-ins per account and address within a window (in this process's memory)."""

    max_failures: int = 5
    window_seconds: float = 900.0
    _failures: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, key: str) -> None:
        """Raise TooManyAttemptsError while ``key`` has too many recent failures."""
        with self._lock:
            recent = self._recent(key)
            if len(recent) >= self.max_failures:
                raise TooManyAttemptsError(
                    "Too many failed sign-ins; wait 15 minutes and try again."
                )

    def failed(self, key: str) -> None:
        """Count one failure of ``key``."""
        with self._lock:
            self._recent(key).append(time.monotonic())

    def succeeded(self, key: str) -> None:
        """Forget ``key``'s failures."""
        with self._lock:
            self._failures.pop(key, None)

    def _recent(self, key: str) -> deque[float]:
        recent = self._failures[key]
        while recent and time.monotonic() - recent[0] > self.window_seconds:
            recent.popleft()
        return recent


@dataclass(frozen=True)
class SessionPolicy:
    """How long a session lives: idle minutes, and a hard limit in hours."""

    idle_minutes: int = 15
    max_hours: int = 12


@dataclass(frozen=True)
class SignedIn:
    """A new session: the cookie's secret and the session's CSRF token."""

    secret: str
    csrf_token: str


def sign_in(
    clinic: Clinic, email: str, password: str, *, policy: SessionPolicy, throttle: LoginThrottle,
    client: str,
) -> SignedIn:  # fmt: skip
    """Check the password and open a session; every outcome is on the audit trail."""
    key = hashlib.sha256(f"{email.strip().lower()}|{client}".encode()).hexdigest()
    throttle.check(key)
    with clinic.records.unscoped() as session:
        found = member_by_email(session, email.strip())
    now = clinic.clock()
    if found is None or not found[0].active or not password_matches(found[1], password):
        throttle.failed(key)
        if found is not None:
            entry = AuditEntry(
                AuditKind.AUTH_LOGIN_FAILED, found[0].id, details={"purpose": "login"}
            )
            with clinic.records.practice(found[0].practice_id) as records:
                records.audit(entry, now)
        raise AuthenticationError("The e-mail address or the password is not correct.")
    throttle.succeeded(key)
    rehashed = hash_password(password) if found[1] is not None and needs_rehash(found[1]) else None
    return _open(clinic, found[0], policy, AuditEntry(AuditKind.AUTH_LOGIN, found[0].id),
                 rehashed=rehashed)  # fmt: skip


SSO_REFUSED = (
    "There is no active chartdraft account for your verified e-mail address here; "
    "ask the practice administrator."
)


def sign_in_verified(
    clinic: Clinic, email: str, *, email_verified: bool, policy: SessionPolicy, method: str
) -> SignedIn:
    """Open a session for the active member whose e-mail an identity provider vouched for."""
    with clinic.records.unscoped() as session:
        found = member_by_email(session, email.strip()) if email.strip() else None
        # An unknown account belongs to no practice: the provider serves the whole server, so
        # each practice on it (usually one) sees that someone it vouched for was turned away.
        practices = [found[0].practice_id] if found else practice_ids(session)
    now = clinic.clock()
    member = None if found is None else found[0]
    reason = (
        "unverified_email" if not email_verified
        else "unknown_account" if member is None
        else "inactive_account" if not member.active
        else None
    )  # fmt: skip
    if reason is not None or member is None:
        # Ids and the reason's kind only: never the e-mail address or anything from the token.
        entry = AuditEntry(AuditKind.AUTH_LOGIN_FAILED, None if member is None else member.id,
                           details={"purpose": "login", "method": method, "reason": reason})  # fmt: skip
        for practice_id in practices:
            with clinic.records.practice(practice_id) as records:
                records.audit(entry, now)
        raise AuthenticationError(SSO_REFUSED)
    entry = AuditEntry(AuditKind.AUTH_LOGIN, member.id, details={"method": method})
    return _open(clinic, member, policy, entry)


def _open(
    clinic: Clinic, member: Member, policy: SessionPolicy, entry: AuditEntry, *,
    rehashed: str | None = None,
) -> SignedIn:  # fmt: skip
    now = clinic.clock()
    secret, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    with clinic.records.practice(member.practice_id) as records:
        if rehashed is not None:
            set_password_hash(records.scope, member.id, rehashed)
        open_session(records.scope.session, member, secret_digest(secret), csrf, at=now,
                     expires_at=now + timedelta(hours=policy.max_hours))  # fmt: skip
        records.audit(entry, now)
    return SignedIn(secret, csrf)


@dataclass(frozen=True)
class BrowserCaller:
    """The caller behind a session cookie, with the session's CSRF token."""

    principal: Principal
    csrf_token: str


def session_caller(clinic: Clinic, secret: str, policy: SessionPolicy) -> BrowserCaller:
    """Return the caller of a live session (touching it), or raise AuthenticationError."""
    now = clinic.clock()
    with clinic.records.unscoped() as session:
        live = find_session(session, secret_digest(secret)) if len(secret) < 200 else None
        if live is None:
            raise AuthenticationError("Sign in to continue.")
        idle = now - live.last_seen_at > timedelta(minutes=policy.idle_minutes)
        if idle or now >= live.expires_at:
            end_session(session, live.id, now)
            raise AuthenticationError("The session ended after inactivity; sign in again.")
        touch_session(session, live.id, now)
    member = live.member
    # A browser session carries every scope: what the user may do is decided by their role.
    return BrowserCaller(Principal(Actor(member.id, member.practice_id, member.role), SCOPES),
                         live.csrf_token)  # fmt: skip


def sign_out(clinic: Clinic, secret: str) -> None:
    """End the session whose cookie holds ``secret`` (if any) and record it."""
    now = clinic.clock()
    with clinic.records.unscoped() as session:
        live = find_session(session, secret_digest(secret))
        if live is None:
            return
        end_session(session, live.id, now)
    with clinic.records.practice(live.member.practice_id) as records:
        records.audit(AuditEntry(AuditKind.AUTH_LOGOUT, live.member.id), now)
