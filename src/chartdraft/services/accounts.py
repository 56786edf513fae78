"""Accounts: passwords (argon2id), scoped API tokens, and who a request acts for."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from chartdraft.domain.audit import AuditEntry, AuditKind, DetailValue
from chartdraft.domain.errors import AuthenticationError, InputError, NotAllowedError, NotFoundError
from chartdraft.domain.practice import Actor
from chartdraft.domain.review import Role
from chartdraft.services.clinic import Clinic
from chartdraft.services.people import add_member
from chartdraft.store.people import create_practice, member_by_email, practice_id_named
from chartdraft.store.tokens import add_token, password_hash, token_holder

SCOPES = frozenset(
    {
        "encounters:write",  # record encounters and have them drafted
        "drafts:read",
        "drafts:write",  # edit sections, resolve findings, reject
        "notes:sign",  # sign and amend (a clinician's token; the password is asked again)
        "notes:read",
        "queue:read",
        "metrics:read",
        "audit:read",
        "deliveries:read",  # the outbox to the EHR and its exception queue
        "deliveries:write",  # retry a delivery from the exception queue
    }
)
TOKEN_PREFIX = "cdt_"  # noqa: S105 - marks a chartdraft token, not a secret
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
# argon2id at OWASP's recommended configuration (19 MiB, 2 passes, 1 lane): 24 ms of CPU per
# check here, against 213 ms for the library's default profile. Every signature checks the
# password again, so this cost decides how many clinicians a small server can serve at once
# (BENCHMARKS.md, "Concurrent reviewers"). Hashes made with other settings still verify and
# are re-made at the next sign-in.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


def hash_password(password: str) -> str:
    """Return the argon2id hash of an acceptable password."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InputError(f"A password needs {MIN_PASSWORD} to {MAX_PASSWORD} characters.")
    return _hasher.hash(password)


def password_matches(hashed: str | None, password: str) -> bool:
    """Return True when ``password`` matches ``hashed`` (never for a user without a password)."""
    if hashed is None or len(password) > MAX_PASSWORD:
        return False
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(hashed: str) -> bool:
    """Return True when ``hashed`` was made with other settings than today's."""
    try:
        return _hasher.check_needs_rehash(hashed)
    except InvalidHashError:
        return False


def create_user(
    clinic: Clinic, practice: str, email: str, role: Role, password: str, *, name: str = ""
) -> str:
    """Create a user (and the practice, when it does not exist yet); return the user's id."""
    hashed = hash_password(password)
    with clinic.records.unscoped() as session:
        try:
            practice_id = practice_id_named(session, practice)
        except NotFoundError:
            practice_id = create_practice(session, practice.strip(), clinic.clock())
    display = name.strip() or email.split("@", maxsplit=1)[0]
    return add_member(clinic, practice_id, email, display, role, password_hash=hashed)


def create_token(
    clinic: Clinic, email: str, scopes: frozenset[str], *, days: int | None = None
) -> str:
    """Create an API token for the user with ``email``; return the secret (shown once)."""
    unknown = sorted(scopes - SCOPES)
    if unknown or not scopes:
        raise InputError(f"Scopes must be some of: {', '.join(sorted(SCOPES))}.")
    with clinic.records.unscoped() as session:
        found = member_by_email(session, email)
    if found is None or not found[0].active:
        raise NotFoundError("No active user has that e-mail address.")
    member = found[0]
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clinic.clock()
    expires = None if days is None else now + timedelta(days=days)
    with clinic.records.practice(member.practice_id) as records:
        token_id = add_token(
            records.scope, member.id, secret_digest(secret), scopes, now, expires_at=expires
        )
        details: dict[str, DetailValue] = {"token_id": token_id, "scopes": " ".join(sorted(scopes))}
        records.audit(AuditEntry(AuditKind.AUTH_TOKEN_CREATED, member.id, details=details), now)
    return secret


@dataclass(frozen=True)
class Principal:
    """Who a request acts for, and what its credentials allow."""

    actor: Actor
    scopes: frozenset[str]


def authenticate_token(clinic: Clinic, secret: str) -> Principal:
    """Return the principal of a bearer token, or raise AuthenticationError."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise AuthenticationError("The API token is not valid.")
    with clinic.records.unscoped(read_only=True) as session:
        found = token_holder(session, secret_digest(secret), clinic.clock())
    if found is None:
        raise AuthenticationError("The API token is not valid, or has expired or been revoked.")
    member, scopes = found
    return Principal(Actor(member.id, member.practice_id, member.role), scopes)


def confirm_password(clinic: Clinic, actor: Actor, password: str) -> None:
    """Check the actor's password again (before signing); a wrong one is refused and recorded."""
    with clinic.records.practice(actor.practice_id, read_only=True) as records:
        hashed = password_hash(records.scope, actor.user_id)
    if password_matches(hashed, password):
        return
    now = clinic.clock()
    with clinic.records.practice(actor.practice_id) as records:
        entry = AuditEntry(AuditKind.AUTH_LOGIN_FAILED, actor.user_id, details={"purpose": "sign"})
        records.audit(entry, now)
    raise NotAllowedError("The password is not correct.")


def secret_digest(secret: str) -> str:
    """Return the SHA-256 under which a token's or a session cookie's secret is stored."""
    # Both are 256-bit random strings: a plain SHA-256 is enough (no dictionary to try).
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
