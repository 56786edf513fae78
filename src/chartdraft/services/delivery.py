"""Deliver signed notes to the EHR through the outbox: queued on signing, retried, audited.

Signing queues the note's delivery in its own transaction (``queue_delivery``), so no note is
signed without it. A ``Courier`` then claims a due delivery for one attempt (a lease, so two
workers never try the same delivery at once and a killed worker's attempt is tried again),
builds the note's transaction Bundle, hands it to the EHR and records what happened, with an
audit event for every attempt. The Bundle's entries are conditional creates on the note's
identifiers, so an attempt repeated after a lost answer finds the note already there instead of
writing it twice: delivery is at least once on our side and exactly once in the EHR.
"""

import json
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from chartdraft.domain.audit import AuditEntry, AuditKind, DetailValue
from chartdraft.domain.delivery import (
    AttemptOutcome,
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    EhrSender,
    RetryPolicy,
)
from chartdraft.domain.errors import ChartdraftError, InvalidTransitionError, NotFoundError
from chartdraft.domain.practice import Actor
from chartdraft.domain.review import Role
from chartdraft.handoff.bundle import bundle_json, note_bundle
from chartdraft.handoff.codes import DEFAULT_MRN_SYSTEM
from chartdraft.handoff.note_export import ExportContext
from chartdraft.services.clinic import Clinic
from chartdraft.services.export import note_for_export, signed_note
from chartdraft.store.deliveries import NextStep, due_deliveries
from chartdraft.store.records import Records, RecordStore

log = logging.getLogger(__name__)

OUTBOX_ROLES = (Role.ADMIN, Role.CLINICIAN)
"""Who sees the outbox and retries from the exception queue: the EHR's refusal may quote the
note, so not auditors (who read no note text) nor scribes."""


@dataclass(frozen=True)
class DeliveryJob:
    """One delivery to attempt: which practice's."""

    practice_id: str
    delivery_id: str


def queue_delivery(records: Records, note_id: str, actor_id: str, at: datetime) -> str:
    """Queue a just-signed note's delivery in the signing transaction; return its id."""
    delivery_id = records.deliveries.queue(note_id, at)
    note = records.notes.reference(note_id)
    records.audit(
        AuditEntry(AuditKind.EXPORT_QUEUED, actor_id, note.encounter_id, note.draft_id, note_id,
                   details={"delivery_id": delivery_id, "destination": "ehr"}),
        at,
    )  # fmt: skip
    return delivery_id


@dataclass(frozen=True)
class Courier:
    """Delivers queued notes to the EHR, one claimed attempt at a time."""

    clinic: Clinic
    sender: EhrSender
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    mrn_system: str = DEFAULT_MRN_SYSTEM
    lease: timedelta = timedelta(minutes=5)
    """How long an attempt may take before it is presumed lost with its worker: longer than
    the EHR client's time-outs (token and transaction)."""

    def due(self, limit: int = 100) -> list[DeliveryJob]:
        """Return every practice's deliveries whose next attempt is due and that nobody holds."""
        with self.clinic.records.unscoped(read_only=True) as session:
            due = due_deliveries(session, self.clinic.clock(), limit=limit)
        return [DeliveryJob(d.practice_id, d.delivery_id) for d in due]

    def deliver(self, job: DeliveryJob) -> DeliveryState:
        """Attempt one delivery if it is due and free; return the state it is in afterwards.

        A delivery that is not due, already delivered or failed, or held by another worker is
        left alone, so a task run twice (a redelivered message) does no harm.
        """
        token = uuid.uuid4().hex
        now = self.clinic.clock()
        with self.clinic.records.practice(job.practice_id) as records:
            if not records.deliveries.claim(job.delivery_id, token, now, now + self.lease):
                return records.deliveries.delivery(job.delivery_id).state
            delivery = records.deliveries.delivery(job.delivery_id)
        # The claim is committed before the EHR is called: no transaction waits on the network.
        attempt = self._attempt(job, delivery, now)
        return self._record(job, token, delivery, attempt)

    def deliver_due(self, limit: int = 100) -> int:
        """Attempt every due delivery once, here and now; return how many were attempted."""
        jobs = self.due(limit)
        for job in jobs:
            self.deliver(job)
        return len(jobs)

    def _attempt(self, job: DeliveryJob, delivery: Delivery, now: datetime) -> DeliveryAttempt:
        context = ExportContext(now, mrn_system=self.mrn_system, destination="ehr")
        try:
            with self.clinic.records.practice(job.practice_id, read_only=True) as records:
                note = signed_note(records, delivery.note_id)
                bundle = bundle_json(note_bundle(note_for_export(records, note), context))
        except ChartdraftError as exc:
            # The note cannot be exported as it stands (its text no longer matches its
            # signature, its draft was purged): a person must look, retrying will not help.
            return DeliveryAttempt(AttemptOutcome.REJECTED, str(exc))
        try:
            return self.sender.send(bundle)
        except Exception as exc:  # a bug in a sender must not stop the outbox
            # The exception's text could quote what was sent: only its type is logged.
            log.error("EHR sender failed unexpectedly (%s)", type(exc).__name__)
            return DeliveryAttempt(AttemptOutcome.RETRY, "The EHR client failed unexpectedly.")

    def _record(
        self, job: DeliveryJob, token: str, delivery: Delivery, attempt: DeliveryAttempt
    ) -> DeliveryState:
        now = self.clinic.clock()
        step = self._next_step(delivery.attempts, attempt, now)
        with self.clinic.records.practice(job.practice_id) as records:
            if not records.deliveries.record(job.delivery_id, token, attempt, step, now):
                return records.deliveries.delivery(job.delivery_id).state
            for entry in _attempt_events(records, delivery, attempt, step):
                records.audit(entry, now)
        log.info(
            "delivery attempt %d: %s (status %s)", delivery.attempts, step.state, attempt.status
        )
        return step.state

    def _next_step(self, attempts: int, attempt: DeliveryAttempt, now: datetime) -> NextStep:
        if attempt.outcome is AttemptOutcome.DELIVERED:
            return NextStep(DeliveryState.DELIVERED, None)
        if attempt.outcome is AttemptOutcome.REJECTED or self.policy.gives_up(attempts):
            return NextStep(DeliveryState.FAILED, None)
        wait = self.policy.wait_after(attempts, attempt.retry_after)
        return NextStep(DeliveryState.PENDING, now + wait)


def _attempt_events(
    records: Records, delivery: Delivery, attempt: DeliveryAttempt, step: NextStep
) -> list[AuditEntry]:
    note = records.notes.reference(delivery.note_id)
    ids = {"encounter_id": note.encounter_id, "draft_id": note.draft_id, "note_id": note.id}
    common: dict[str, DetailValue] = {
        "delivery_id": delivery.id, "attempt": delivery.attempts, "status": attempt.status,
    }  # fmt: skip
    events = [
        AuditEntry(AuditKind.EXPORT_ATTEMPTED, None, **ids,
                   details={**common, "outcome": attempt.outcome.value}),
    ]  # fmt: skip
    if step.state is DeliveryState.DELIVERED:
        events.append(AuditEntry(AuditKind.EXPORT_DELIVERED, None, **ids, details={
            **common, "destination": "ehr", "format": "fhir", "version": note.version,
            "text_sha256": note.text_sha256,
        }))  # fmt: skip
    elif step.state is DeliveryState.FAILED:
        why = "rejected" if attempt.outcome is AttemptOutcome.REJECTED else "unreachable"
        events.append(
            AuditEntry(AuditKind.EXPORT_FAILED, None, **ids, details={**common, "reason": why})
        )
    return events


def list_deliveries(
    clinic: Clinic, actor: Actor, state: DeliveryState | None = None
) -> list[Delivery]:
    """Return the practice's deliveries to the EHR (in ``state``), newest first."""
    with clinic.acting(actor, "see deliveries", *OUTBOX_ROLES, read_only=True) as (records, _m):
        return records.deliveries.listed(state)


def delivery_counts(clinic: Clinic, actor: Actor) -> dict[DeliveryState, int]:
    """Return how many of the practice's deliveries are pending, delivered and failed."""
    with clinic.acting(actor, "see deliveries", *OUTBOX_ROLES, read_only=True) as (records, _m):
        return records.deliveries.counts()


def note_delivery(clinic: Clinic, actor: Actor, note_id: str) -> Delivery | None:
    """Return the note's delivery to the EHR; None without write-back or for other roles."""
    if not clinic.ehr_outbox or actor.role not in OUTBOX_ROLES:
        return None
    with clinic.acting(actor, "see deliveries", *OUTBOX_ROLES, read_only=True) as (records, _m):
        try:
            return records.deliveries.of_note(note_id)
        except NotFoundError:
            return None  # signed before write-back was switched on


def get_delivery(clinic: Clinic, actor: Actor, delivery_id: str) -> Delivery:
    """Return one delivery of the practice."""
    with clinic.acting(actor, "see deliveries", *OUTBOX_ROLES, read_only=True) as (records, _m):
        return records.deliveries.delivery(delivery_id)


def retry_delivery(clinic: Clinic, actor: Actor, delivery_id: str) -> Delivery:
    """Put a delivery from the exception queue back in line (after its cause was fixed)."""
    with clinic.acting(actor, "retry a delivery", *OUTBOX_ROLES) as (records, member):
        return _requeue(records, delivery_id, member.id, clinic.clock())


def deliveries_as_operator(
    store: RecordStore, practice_id: str, state: DeliveryState | None = None
) -> list[Delivery]:
    """Return a practice's deliveries for the host's operator (the command line)."""
    with store.practice(practice_id, read_only=True) as records:
        return records.deliveries.listed(state)


def retry_as_operator(
    store: RecordStore, practice_id: str, delivery_id: str, at: datetime
) -> Delivery:
    """Put a failed delivery back in line, for the host's operator (the command line)."""
    with store.practice(practice_id) as records:
        return _requeue(records, delivery_id, None, at)


def _requeue(records: Records, delivery_id: str, actor_id: str | None, now: datetime) -> Delivery:
    delivery = records.deliveries.delivery(delivery_id)
    if delivery.state is not DeliveryState.FAILED:
        raise InvalidTransitionError(
            f"Only a failed delivery can be retried; this one is {delivery.state.value}."
        )
    delivery = records.deliveries.requeue(delivery_id, now)
    note = records.notes.reference(delivery.note_id)
    records.audit(
        AuditEntry(AuditKind.EXPORT_QUEUED, actor_id, note.encounter_id, note.draft_id, note.id,
                   details={"delivery_id": delivery_id, "destination": "ehr", "retry": True}),
        now,
    )  # fmt: skip
    return delivery


def delivery_document(delivery: Delivery) -> dict[str, Any]:
    """Return a delivery as the API and the command line give it (the OperationOutcome as JSON)."""
    moment = {"queued_at": delivery.queued_at, "next_attempt_at": delivery.next_attempt_at,
              "delivered_at": delivery.delivered_at}  # fmt: skip
    return {
        "id": delivery.id,
        "note_id": delivery.note_id,
        "state": delivery.state.value,
        "attempts": delivery.attempts,
        **{name: None if at is None else at.isoformat() for name, at in moment.items()},
        "last_reason": delivery.last_reason,
        "last_status": delivery.last_status,
        "location": delivery.location,
        "operation_outcome": _outcome(delivery.operation_outcome),
    }


def _outcome(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:  # cut at 64 KB, or not JSON: hand it over as text
        return {"resourceType": "OperationOutcome",
                "issue": [{"severity": "error", "code": "processing", "diagnostics": text}]}  # fmt: skip
