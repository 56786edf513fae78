"""Delivering a signed note to the EHR: the outbox entry, one attempt's outcome, the retry rule.

A signed note's delivery is queued in the transaction that signs it, so a note is never signed
without its delivery on record. Workers then try to deliver it; what an attempt can end in
decides what happens next:

- ``delivered``: the EHR stored the note (or already had it: a retry is a conditional create);
- ``retry``: the EHR could not be reached, timed out, was busy (429) or failed (5xx); try again
  after an exponentially growing wait (or the server's ``Retry-After``);
- ``rejected``: the EHR refused the note (a 4xx such as a validation error); retrying would
  fail the same way, so the delivery waits in the exception queue, with the server's
  OperationOutcome, until someone has fixed the cause and retries it.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol


class DeliveryState(StrEnum):
    """Where a note's delivery to the EHR stands."""

    PENDING = "pending"
    """Waiting for its next attempt (``next_attempt_at``)."""
    DELIVERED = "delivered"
    FAILED = "failed"
    """In the exception queue: refused by the EHR, or given up after too many attempts."""


class AttemptOutcome(StrEnum):
    """What one attempt to deliver ended in."""

    DELIVERED = "delivered"
    RETRY = "retry"
    REJECTED = "rejected"


@dataclass(frozen=True)
class DeliveryAttempt:
    """The outcome of one attempt, as the EHR client saw it. Never holds note text."""

    outcome: AttemptOutcome
    reason: str
    """One sentence for the practice: what happened (no PHI: status, error kind, no body)."""
    status: int | None = None
    """The HTTP status, or None when no answer came (connection refused, time-out)."""
    retry_after: float | None = None
    """Seconds the server asked us to wait (``Retry-After``), if it did."""
    operation_outcome: str | None = None
    """The server's OperationOutcome JSON when it refused the note (stored encrypted: a server
    may quote the values it refused)."""
    location: str | None = None
    """Where the EHR keeps the note's DocumentReference (``DocumentReference/<id>``)."""


class EhrSender(Protocol):
    """Hands a transaction Bundle to the EHR and says how it went (``handoff.ehr_client``)."""

    def send(self, bundle_json: str) -> DeliveryAttempt:
        """POST the bundle; classify the answer. Never raises for what the network does."""
        ...


@dataclass(frozen=True)
class RetryPolicy:
    """How long to wait between attempts, and when to give up and ask a person."""

    first_wait: timedelta = timedelta(seconds=30)
    longest_wait: timedelta = timedelta(hours=1)
    max_attempts: int = 30
    """About a day of attempts at the longest wait before the delivery goes to the exception
    queue as unreachable."""

    def wait_after(
        self, attempts: int, retry_after: float | None = None, *, jitter: float | None = None
    ) -> timedelta:
        """Return how long to wait after the ``attempts``-th failed attempt.

        Exponential (first_wait, 2x, 4x... up to longest_wait) with up to 25% random jitter so
        that notes queued together while the EHR was down do not all come back at once; a
        server's ``Retry-After`` is honoured when it asks for longer.
        """
        exponent = min(max(attempts - 1, 0), 30)
        wait = min(self.first_wait * (2**exponent), self.longest_wait)
        spread = random.random() if jitter is None else jitter  # noqa: S311 - not a secret
        wait = timedelta(seconds=wait.total_seconds() * (1 + 0.25 * spread))
        if retry_after is not None and retry_after > 0:
            wait = max(wait, timedelta(seconds=min(retry_after, 86_400)))
        return wait

    def gives_up(self, attempts: int) -> bool:
        """Return True when ``attempts`` failed attempts are enough to ask a person."""
        return attempts >= self.max_attempts


@dataclass(frozen=True)
class Delivery:
    """One note's delivery to the EHR, as the outbox holds it."""

    id: str
    note_id: str
    state: DeliveryState
    attempts: int
    queued_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None = None
    last_reason: str | None = None
    last_status: int | None = None
    location: str | None = None
    operation_outcome: str | None = None
