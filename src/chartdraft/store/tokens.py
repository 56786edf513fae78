"""API tokens and password hashes: the secrets of signing in (hashes only, never the secret)."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from chartdraft.store.people import Member, member_row
from chartdraft.store.scope import Scope, new_id
from chartdraft.store.tables import ApiTokenRow, UserRow


def add_token(
    scope: Scope,
    user_id: str,
    secret_sha256: str,
    scopes: frozenset[str],
    at: datetime,
    *,
    expires_at: datetime | None = None,
) -> str:
    """Store a token of one of the practice's users; return its id."""
    scope.get(UserRow, user_id, "user")
    row = ApiTokenRow(
        id=new_id(),
        practice_id=scope.practice_id,
        user_id=user_id,
        secret_sha256=secret_sha256,
        scopes=" ".join(sorted(scopes)),
        created_at=at,
        expires_at=expires_at,
    )
    scope.session.add(row)
    return row.id


def token_holder(
    session: Session, secret_sha256: str, now: datetime
) -> tuple[Member, frozenset[str]] | None:
    """Return the active user a live token belongs to, with the token's scopes."""
    found = session.execute(
        select(ApiTokenRow, UserRow)
        .join(UserRow, UserRow.id == ApiTokenRow.user_id)
        .where(ApiTokenRow.secret_sha256 == secret_sha256)
    ).one_or_none()
    if found is None:
        return None
    token, user = found
    expired = token.expires_at is not None and token.expires_at <= now
    if token.revoked_at is not None or expired or not user.active:
        return None
    return member_row(user), frozenset(token.scopes.split())


def password_hash(scope: Scope, user_id: str) -> str | None:
    """Return a user's password hash (None: no password, cannot sign in or sign)."""
    return scope.get(UserRow, user_id, "user").password_hash


def set_password_hash(scope: Scope, user_id: str, hashed: str) -> None:
    """Replace a user's password hash."""
    scope.get(UserRow, user_id, "user").password_hash = hashed
