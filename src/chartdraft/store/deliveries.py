"""The outbox: signed notes waiting for, or done with, their delivery to the EHR."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from chartdraft.domain.delivery import AttemptOutcome, Delivery, DeliveryAttempt, DeliveryState
from chartdraft.domain.errors import NotFoundError
from chartdraft.store.scope import Scope, new_id
from chartdraft.store.tables import DeliveryRow

MAX_OUTCOME_CHARS = 64_000


@dataclass(frozen=True)
class DueDelivery:
    """A pending delivery whose next attempt is due and that no worker holds."""

    practice_id: str
    delivery_id: str


@dataclass(frozen=True)
class NextStep:
    """What the outbox does after an attempt."""

    state: DeliveryState
    next_attempt_at: datetime | None


class Deliveries:
    """One practice's outbox."""

    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    def queue(self, note_id: str, at: datetime) -> str:
        """Queue the note's delivery, due at once; return the delivery's id."""
        delivery_id = new_id()
        self._scope.session.add(
            DeliveryRow(
                id=delivery_id,
                practice_id=self._scope.practice_id,
                note_id=note_id,
                state=DeliveryState.PENDING.value,
                attempts=0,
                queued_at=at,
                next_attempt_at=at,
            )
        )
        self._scope.session.flush()  # a second delivery of one note fails here, not at commit
        return delivery_id

    def delivery(self, delivery_id: str) -> Delivery:
        """Return one delivery of this practice."""
        return self._delivery(self._scope.get(DeliveryRow, delivery_id, "delivery"))

    def of_note(self, note_id: str) -> Delivery:
        """Return the delivery of a note."""
        row = self._scope.session.scalar(
            select(DeliveryRow).where(
                DeliveryRow.practice_id == self._scope.practice_id, DeliveryRow.note_id == note_id
            )
        )
        if row is None:
            raise NotFoundError("The note has no delivery to the EHR.")
        return self._delivery(row)

    def listed(self, state: DeliveryState | None = None, *, limit: int = 200) -> list[Delivery]:
        """Return the practice's deliveries (in ``state``), newest first."""
        query = select(DeliveryRow).where(DeliveryRow.practice_id == self._scope.practice_id)
        if state is not None:
            query = query.where(DeliveryRow.state == state.value)
        rows = self._scope.session.scalars(
            query.order_by(DeliveryRow.queued_at.desc(), DeliveryRow.id).limit(limit)
        )
        return [self._delivery(row) for row in rows]

    def counts(self) -> dict[DeliveryState, int]:
        """Return how many of the practice's deliveries are in each state."""
        rows = self._scope.session.execute(
            select(DeliveryRow.state, func.count())
            .where(DeliveryRow.practice_id == self._scope.practice_id)
            .group_by(DeliveryRow.state)
        )
        found = {DeliveryState(state): int(count) for state, count in rows}
        return {state: found.get(state, 0) for state in DeliveryState}

    def claim(self, delivery_id: str, token: str, at: datetime, until: datetime) -> bool:
        """Take a due delivery for one attempt (lease until ``until``); False if not ours to try.

        The attempt is counted as it is claimed, so a delivery whose attempts keep killing
        their worker still reaches the limit and the exception queue.
        """
        result = self._scope.session.execute(
            update(DeliveryRow)
            .where(
                DeliveryRow.id == delivery_id,
                DeliveryRow.practice_id == self._scope.practice_id,
                DeliveryRow.state == DeliveryState.PENDING.value,
                DeliveryRow.next_attempt_at <= at,
                or_(DeliveryRow.claimed_until.is_(None), DeliveryRow.claimed_until < at),
            )
            .values(claimed_until=until, claim_token=token, attempts=DeliveryRow.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def record(
        self, delivery_id: str, token: str, attempt: DeliveryAttempt, step: NextStep, at: datetime
    ) -> bool:
        """Record an attempt's outcome if the claim is still ours; False when it lapsed."""
        row = self._scope.get(DeliveryRow, delivery_id, "delivery", lock=True)
        if row.claim_token != token or row.state != DeliveryState.PENDING.value:
            return False  # the lease ran out and another worker took the delivery over
        row.state = step.state.value
        row.next_attempt_at = step.next_attempt_at
        row.claimed_until = None
        row.claim_token = None
        row.last_reason = attempt.reason[:300]
        row.last_status = attempt.status
        if attempt.outcome is AttemptOutcome.DELIVERED:
            row.delivered_at = at
            row.location = (attempt.location or "")[:200] or None
            row.outcome_enc = None
        elif attempt.operation_outcome is not None:
            outcome = attempt.operation_outcome[:MAX_OUTCOME_CHARS]
            row.outcome_enc = self._scope.seal(DeliveryRow, "outcome_enc", row.id, outcome)
        return True

    def requeue(self, delivery_id: str, at: datetime) -> Delivery:
        """Put a delivery from the exception queue back in line, due at once, attempts anew."""
        row = self._scope.get(DeliveryRow, delivery_id, "delivery", lock=True)
        row.state = DeliveryState.PENDING.value
        row.attempts = 0
        row.next_attempt_at = at
        row.claimed_until = None
        row.claim_token = None
        return self._delivery(row)

    def _delivery(self, row: DeliveryRow) -> Delivery:
        outcome = (
            None
            if row.outcome_enc is None
            else self._scope.unseal(DeliveryRow, "outcome_enc", row.id, row.outcome_enc)
        )
        return Delivery(
            id=row.id,
            note_id=row.note_id,
            state=DeliveryState(row.state),
            attempts=row.attempts,
            queued_at=row.queued_at,
            next_attempt_at=row.next_attempt_at,
            delivered_at=row.delivered_at,
            last_reason=row.last_reason,
            last_status=row.last_status,
            location=row.location,
            operation_outcome=outcome,
        )


def due_deliveries(session: Session, at: datetime, *, limit: int = 100) -> list[DueDelivery]:
    """Return every practice's due deliveries that nobody holds, the longest waiting first."""
    rows = session.execute(
        select(DeliveryRow.practice_id, DeliveryRow.id)
        .where(
            DeliveryRow.state == DeliveryState.PENDING.value,
            DeliveryRow.next_attempt_at <= at,
            or_(DeliveryRow.claimed_until.is_(None), DeliveryRow.claimed_until < at),
        )
        .order_by(DeliveryRow.next_attempt_at)
        .limit(limit)
    )
    return [DueDelivery(practice_id, delivery_id) for practice_id, delivery_id in rows]


def held_deliveries(session: Session, at: datetime) -> int:
    """Return how many deliveries, in every practice, a worker is attempting at ``at``."""
    return int(
        session.scalar(
            select(func.count()).where(
                DeliveryRow.state == DeliveryState.PENDING.value, DeliveryRow.claimed_until > at
            )
        )
        or 0
    )
