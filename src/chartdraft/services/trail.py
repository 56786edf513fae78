"""Read the audit trail (admins and auditors): events with ids and counts, never PHI."""

from chartdraft.domain.audit import AuditEvent, AuditKind
from chartdraft.domain.practice import Actor
from chartdraft.domain.review import Role
from chartdraft.services.clinic import Clinic
from chartdraft.store.audit_chain import list_events

TRAIL_ROLES = (Role.ADMIN, Role.AUDITOR)


def audit_trail(
    clinic: Clinic, actor: Actor, *, kind: AuditKind | None = None, limit: int = 100
) -> list[AuditEvent]:
    """Return the practice's newest events, newest first."""
    with clinic.acting(actor, "read the audit trail", *TRAIL_ROLES, read_only=True) as (
        records,
        _member,
    ):
        return list_events(records.scope.session, actor.practice_id, kind=kind, limit=limit)
