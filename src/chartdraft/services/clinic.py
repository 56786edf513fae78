"""The practice's record, as services use it: the store, drafting, the clock and the actor."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

from chartdraft.domain.audit import AuditEntry, AuditKind
from chartdraft.domain.errors import NotAllowedError
from chartdraft.domain.practice import Actor
from chartdraft.domain.review import Role
from chartdraft.services.drafting import DraftingService
from chartdraft.store.people import Member, practice_ids
from chartdraft.store.records import Records, RecordStore


def utc_now() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Clinic:
    """What every record service needs: where records live, how to draft, what time it is."""

    records: RecordStore
    drafting: DraftingService
    clock: Callable[[], datetime] = utc_now
    ehr_outbox: bool = False
    """True when signed notes are written back to an EHR: signing queues each one's delivery."""

    @contextmanager
    def acting(
        self, actor: Actor, action: str, *roles: Role, read_only: bool = False
    ) -> Iterator[tuple[Records, Member]]:
        """Yield the actor's practice records in one transaction, if their role may ``action``.

        The role is read from the record, not taken from the caller; a refusal is itself
        recorded (``access.denied``) in a transaction of its own, since this one rolls back.
        """
        try:
            with self.records.practice(actor.practice_id, read_only=read_only) as records:
                member = records.people.member(actor.user_id)
                if not member.active or (roles and member.role not in roles):
                    raise NotAllowedError(f"A {member.role.value} may not {action}.")
                yield records, member
        except NotAllowedError:
            self.deny(actor, action)
            raise

    def in_each_practice(self, find: Callable[[Records], list[str]]) -> list[tuple[str, str]]:
        """Return ``(practice id, id)`` for what ``find`` reports in each practice (read-only).

        The sweeps' question (which jobs wait?) is asked practice by practice, so that every
        read stays inside one practice's scope.
        """
        with self.records.unscoped(read_only=True) as session:
            practices = practice_ids(session)
        found = []
        for practice_id in practices:
            with self.records.practice(practice_id, read_only=True) as records:
                found += [(practice_id, each) for each in find(records)]
        return found

    def deny(self, actor: Actor, action: str, **ids: str) -> None:
        """Record that ``actor`` was refused ``action``."""
        entry = AuditEntry(
            AuditKind.ACCESS_DENIED, actor_id=actor.user_id, details={"action": action}, **ids
        )
        with self.records.practice(actor.practice_id) as records:
            records.audit(entry, self.clock())
