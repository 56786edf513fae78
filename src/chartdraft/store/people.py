"""Practices, their users and their patients."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from chartdraft.domain.errors import ConflictError, InputError, NotFoundError
from chartdraft.domain.practice import PatientDetails
from chartdraft.domain.review import Role
from chartdraft.store.scope import Scope, new_id
from chartdraft.store.tables import ApiTokenRow, PatientRow, PracticeRow, UserRow, WebSessionRow


@dataclass(frozen=True)
class Member:
    """A user of a practice, without secrets."""

    id: str
    practice_id: str
    email: str
    display_name: str
    role: Role
    may_cosign: bool
    active: bool


def create_practice(session: Session, name: str, at: datetime) -> str:
    """Create a practice called ``name`` and return its id."""
    if session.scalar(select(PracticeRow.id).where(PracticeRow.name == name)):
        raise ConflictError(f'A practice called "{name[:80]}" already exists.')
    row = PracticeRow(id=new_id(), name=name, created_at=at, audit_seq=0, audit_head="")
    session.add(row)
    session.flush()
    return row.id


def practice_id_named(session: Session, name: str) -> str:
    """Return the id of the practice called ``name``."""
    found = session.scalar(select(PracticeRow.id).where(PracticeRow.name == name))
    if found is None:
        raise NotFoundError(f'No practice is called "{name[:80]}".')
    return found


def practice_ids(session: Session) -> list[str]:
    """Return every practice's id, oldest first."""
    return list(session.scalars(select(PracticeRow.id).order_by(PracticeRow.created_at)))


def member_by_email(session: Session, email: str) -> tuple[Member, str | None] | None:
    """Return the user with ``email`` (any practice) and their password hash: for signing in."""
    row = session.scalar(select(UserRow).where(func.lower(UserRow.email) == email.lower()))
    return None if row is None else (member_row(row), row.password_hash)


def member_row(row: UserRow) -> Member:
    """Return the member a user row describes."""
    return Member(
        id=row.id,
        practice_id=row.practice_id,
        email=row.email,
        display_name=row.display_name,
        role=Role(row.role),
        may_cosign=row.may_cosign,
        active=row.active,
    )


class People:
    """The users and patients of one practice."""

    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    def add_user(
        self,
        email: str,
        display_name: str,
        role: Role,
        at: datetime,
        *,
        may_cosign: bool = False,
        password_hash: str | None = None,
    ) -> str:
        """Add a user to the practice and return the id."""
        session = self._scope.session
        if session.scalar(select(UserRow.id).where(func.lower(UserRow.email) == email.lower())):
            raise ConflictError("A user with that e-mail address already exists.")
        row = UserRow(
            id=new_id(),
            practice_id=self._scope.practice_id,
            email=email,
            display_name=display_name,
            role=role.value,
            may_cosign=may_cosign,
            password_hash=password_hash,
            active=True,
            created_at=at,
        )
        session.add(row)
        session.flush()
        return row.id

    def member(self, user_id: str) -> Member:
        """Return one of the practice's users."""
        return member_row(self._scope.get(UserRow, user_id, "user"))

    def members(self) -> list[Member]:
        """Return the practice's users by e-mail."""
        rows = self._scope.session.scalars(
            select(UserRow)
            .where(UserRow.practice_id == self._scope.practice_id)
            .order_by(UserRow.email)
        )
        return [member_row(row) for row in rows]

    def active_admin_ids(self) -> frozenset[str]:
        """Return the practice's active admins, locking their rows until the transaction ends."""
        # Locked so that two admins demoting each other at once cannot leave the practice
        # without one (SQLite's writing transactions are serialized anyway).
        rows = self._scope.session.scalars(
            select(UserRow.id)
            .where(
                UserRow.practice_id == self._scope.practice_id,
                UserRow.role == Role.ADMIN.value,
                UserRow.active.is_(True),
            )
            .with_for_update()
        )
        return frozenset(rows)

    def set_role(self, user_id: str, role: Role, *, may_cosign: bool) -> Member:
        """Give one of the practice's users ``role``; return them as they were before."""
        row = self._scope.get(UserRow, user_id, "user", lock=True)
        before = member_row(row)
        row.role, row.may_cosign = role.value, may_cosign
        self._scope.session.flush()
        return before

    def set_active(self, user_id: str, active: bool, at: datetime) -> Member:
        """Deactivate or reactivate a user; return them as they were before.

        Deactivating also ends the user's browser sessions and revokes their API tokens, so
        that reactivating them later does not bring an old cookie or token back to life.
        """
        row = self._scope.get(UserRow, user_id, "user", lock=True)
        before = member_row(row)
        row.active = active
        if not active:
            self._scope.session.execute(
                update(WebSessionRow)
                .where(WebSessionRow.user_id == user_id, WebSessionRow.ended_at.is_(None))
                .values(ended_at=at)
                .execution_options(synchronize_session=False)
            )
            self._scope.session.execute(
                update(ApiTokenRow)
                .where(ApiTokenRow.user_id == user_id, ApiTokenRow.revoked_at.is_(None))
                .values(revoked_at=at)
                .execution_options(synchronize_session=False)
            )
        self._scope.session.flush()
        return before

    def cosigner_ids(self) -> frozenset[str]:
        """Return the clinicians the practice allows to co-sign any encounter."""
        rows = self._scope.session.scalars(
            select(UserRow.id).where(
                UserRow.practice_id == self._scope.practice_id,
                UserRow.may_cosign.is_(True),
                UserRow.active.is_(True),
            )
        )
        return frozenset(rows)

    def add_patient(self, patient: PatientDetails, at: datetime) -> str:
        """Add a patient (identifiers encrypted) and return the id."""
        if not patient.display_name.strip() or not patient.mrn.strip():
            raise InputError("A patient needs a name and an MRN.")
        seal, patient_id = self._scope.seal, new_id()
        row = PatientRow(
            id=patient_id,
            practice_id=self._scope.practice_id,
            display_name_enc=seal(PatientRow, "display_name_enc", patient_id, patient.display_name),
            mrn_enc=seal(PatientRow, "mrn_enc", patient_id, patient.mrn),
            birth_date_enc=None
            if patient.birth_date is None
            else seal(PatientRow, "birth_date_enc", patient_id, patient.birth_date),
            created_at=at,
        )
        self._scope.session.add(row)
        self._scope.session.flush()
        return row.id

    def patient(self, patient_id: str) -> PatientDetails:
        """Return one of the practice's patients, decrypted."""
        row = self._scope.get(PatientRow, patient_id, "patient")
        unseal = self._scope.unseal
        return PatientDetails(
            display_name=unseal(PatientRow, "display_name_enc", row.id, row.display_name_enc),
            mrn=unseal(PatientRow, "mrn_enc", row.id, row.mrn_enc),
            birth_date=None
            if row.birth_date_enc is None
            else unseal(PatientRow, "birth_date_enc", row.id, row.birth_date_enc),
        )
