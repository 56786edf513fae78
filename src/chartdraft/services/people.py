"""Add people to a practice; each addition is on the audit trail (``auth.user_created``)."""

from chartdraft.domain.audit import AuditEntry, AuditKind
from chartdraft.domain.errors import InputError
from chartdraft.domain.review import Role
from chartdraft.services.clinic import Clinic

MAX_EMAIL = 254


def add_member(
    clinic: Clinic,
    practice_id: str,
    email: str,
    display_name: str,
    role: Role,
    *,
    may_cosign: bool = False,
    password_hash: str | None = None,
    added_by: str | None = None,
) -> str:
    """Add a user to the practice and return the id (``added_by`` None: the host's operator)."""
    email = email.strip()
    if "@" not in email or len(email) > MAX_EMAIL or any(ch.isspace() for ch in email):
        raise InputError("Give a valid e-mail address.")
    if not display_name.strip():
        raise InputError("Give the user's name.")
    now = clinic.clock()
    with clinic.records.practice(practice_id) as records:
        user_id = records.people.add_user(
            email, display_name.strip(), role, now,
            may_cosign=may_cosign, password_hash=password_hash,
        )  # fmt: skip
        details = {"user_id": user_id, "role": role.value, "may_cosign": may_cosign}
        records.audit(AuditEntry(AuditKind.AUTH_USER_CREATED, added_by, details=details), now)
    return user_id
