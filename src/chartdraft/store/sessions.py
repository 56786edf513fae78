"""Browser sessions: opened at sign-in, touched on each request, ended at sign-out or idle."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from chartdraft.store.people import Member, member_row
from chartdraft.store.scope import new_id
from chartdraft.store.tables import UserRow, WebSessionRow


@dataclass(frozen=True)
class LiveSession:
    """A session found by its secret: whose it is, its CSRF token and when it was last used."""

    id: str
    member: Member
    csrf_token: str
    last_seen_at: datetime
    expires_at: datetime


def open_session(
    session: Session, member: Member, secret_sha256: str, csrf_token: str, *, at: datetime,
    expires_at: datetime,
) -> str:  # fmt: skip
    """Store a new session for ``member``; return its id."""
    row = WebSessionRow(
        id=new_id(), practice_id=member.practice_id, user_id=member.id,
        secret_sha256=secret_sha256, csrf_token=csrf_token, created_at=at, last_seen_at=at,
        expires_at=expires_at,
    )  # fmt: skip
    session.add(row)
    return row.id


def find_session(session: Session, secret_sha256: str) -> LiveSession | None:
    """Return the session whose secret hashes to ``secret_sha256``, unless ended or the user left."""
    found = session.execute(
        select(WebSessionRow, UserRow)
        .join(UserRow, UserRow.id == WebSessionRow.user_id)
        .where(WebSessionRow.secret_sha256 == secret_sha256, WebSessionRow.ended_at.is_(None))
    ).one_or_none()
    if found is None or not found[1].active:
        return None
    row, user = found
    return LiveSession(row.id, member_row(user), row.csrf_token, row.last_seen_at, row.expires_at)


def touch_session(session: Session, session_id: str, at: datetime) -> None:
    """Record that the session was used now (the idle timeout counts from here)."""
    session.execute(
        update(WebSessionRow).where(WebSessionRow.id == session_id).values(last_seen_at=at)
    )


def end_session(session: Session, session_id: str, at: datetime) -> None:
    """End a session (sign-out, idle timeout, expiry)."""
    session.execute(
        update(WebSessionRow)
        .where(WebSessionRow.id == session_id, WebSessionRow.ended_at.is_(None))
        .values(ended_at=at)
    )
