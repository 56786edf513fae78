"""The people of a practice: add them, change their role, deactivate them; each on the trail."""

from chartdraft.domain.audit import AuditEntry, AuditKind, DetailValue
from chartdraft.domain.errors import InputError
from chartdraft.domain.practice import Actor
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


ADMINISTER = "administer the practice"


def change_role(
    clinic: Clinic, actor: Actor, user_id: str, role: Role, *, may_cosign: bool = False
) -> None:
    """Give a member of the practice another role (admins only; never yourself or the last admin)."""
    now = clinic.clock()
    with clinic.acting(actor, ADMINISTER, Role.ADMIN) as (records, _admin):
        people = records.people
        target = people.member(user_id)
        if target.id == actor.user_id and role is not target.role:
            raise InputError("You cannot change your own role; ask another admin.")
        if role is not Role.ADMIN and _is_last_admin(people.active_admin_ids(), target.id):
            raise InputError("The practice's last active admin cannot be given another role.")
        before = people.set_role(user_id, role, may_cosign=may_cosign)
        details: dict[str, DetailValue] = {
            "user_id": user_id, "from_role": before.role.value, "role": role.value,
            "may_cosign": may_cosign,
        }  # fmt: skip
        records.audit(AuditEntry(AuditKind.USER_ROLE_CHANGED, actor.user_id, details=details), now)


def set_member_active(clinic: Clinic, actor: Actor, user_id: str, *, active: bool) -> None:
    """Deactivate (sessions end, tokens stop) or reactivate a member (admins only)."""
    now = clinic.clock()
    with clinic.acting(actor, ADMINISTER, Role.ADMIN) as (records, _admin):
        people = records.people
        target = people.member(user_id)
        if not active and target.id == actor.user_id:
            raise InputError("You cannot deactivate your own account; ask another admin.")
        if not active and _is_last_admin(people.active_admin_ids(), target.id):
            raise InputError("The practice's last active admin cannot be deactivated.")
        if target.active is active:
            return
        people.set_active(user_id, active, now)
        kind = AuditKind.USER_REACTIVATED if active else AuditKind.USER_DEACTIVATED
        records.audit(AuditEntry(kind, actor.user_id, details={"user_id": user_id}), now)


def _is_last_admin(active_admins: frozenset[str], user_id: str) -> bool:
    return active_admins == {user_id}
