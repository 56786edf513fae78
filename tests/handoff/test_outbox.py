"""The outbox's rules: queued with the signature, claimed, retried with backoff, refused, audited.

The EHR here is a scripted ``EhrSender`` that answers what each test needs, so every rule can
be driven exactly; the same courier against the real FHIR server is in test_delivery_server.py.
"""

import dataclasses
import json
import time
from collections.abc import Iterable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from chartdraft.domain.audit import AuditKind
from chartdraft.domain.delivery import (
    AttemptOutcome,
    DeliveryAttempt,
    DeliveryState,
    RetryPolicy,
)
from chartdraft.domain.errors import InvalidTransitionError, NotAllowedError, NotFoundError
from chartdraft.jobs.in_process import InProcessJobs
from chartdraft.services.clinic import Clinic
from chartdraft.services.delivery import (
    Courier,
    DeliveryJob,
    get_delivery,
    list_deliveries,
    retry_delivery,
)
from chartdraft.services.signing import amend_note, get_note
from chartdraft.services.trail import audit_trail
from chartdraft.store.deliveries import NextStep
from chartdraft.store.tables import DeliveryRow
from chartdraft.web.app import create_app
from tests.handoff.conftest import Team, signed_note
from tests.storage.conftest import Clock, make_team
from tests.storage.visits import PATIENT
from tests.web.conftest import caller, sign_in

OPERATION_OUTCOME = json.dumps({
    "resourceType": "OperationOutcome",
    "issue": [{"severity": "error", "code": "invalid", "details": {"text": "Missing Jane Doe"}}],
})  # fmt: skip


class ScriptedEhr:
    """Answers each send with the next scripted attempt, and keeps what it was sent."""

    def __init__(self, answers: Iterable[DeliveryAttempt]) -> None:
        self.answers = list(answers)
        self.sent: list[str] = []

    def send(self, bundle_json: str) -> DeliveryAttempt:
        self.sent.append(bundle_json)
        return self.answers.pop(0)


DELIVERED = DeliveryAttempt(
    AttemptOutcome.DELIVERED, "Delivered.", 200, location="DocumentReference/7"
)
DOWN = DeliveryAttempt(AttemptOutcome.RETRY, "The EHR could not be reached.")
BUSY = DeliveryAttempt(AttemptOutcome.RETRY, "The EHR is busy (429).", 429, retry_after=600)
REFUSED = DeliveryAttempt(
    AttemptOutcome.REJECTED, "The EHR refused the note (400).", 400,
    operation_outcome=OPERATION_OUTCOME,
)  # fmt: skip
POLICY = RetryPolicy(timedelta(seconds=30), timedelta(hours=1), max_attempts=3)


@pytest.fixture
def outbox(clinic: Clinic) -> Clinic:
    """The clinic with write-back on: signing queues deliveries."""
    return dataclasses.replace(clinic, ehr_outbox=True)


def courier(clinic: Clinic, *answers: DeliveryAttempt) -> tuple[Courier, ScriptedEhr]:
    ehr = ScriptedEhr(answers)
    return Courier(clinic, ehr, POLICY, lease=timedelta(minutes=5)), ehr


def only_job(clinic: Clinic, team: Team) -> DeliveryJob:
    (delivery,) = list_deliveries(clinic, team.admin)
    return DeliveryJob(team.practice_id, delivery.id)


def due_here(sender: Courier, team: Team) -> list[DeliveryJob]:
    # The PostgreSQL database is shared by the session's tests: look at this practice only.
    return [job for job in sender.due() if job.practice_id == team.practice_id]


def kinds(clinic: Clinic, team: Team) -> list[str]:
    return [e.entry.kind.value for e in reversed(audit_trail(clinic, team.auditor))]


def advance(clinic: Clinic, by: timedelta) -> None:
    assert isinstance(clinic.clock, Clock)
    clinic.clock.now += by


def test_signing_queues_the_delivery_in_its_transaction(outbox: Clinic, team: Team):
    note_id = signed_note(outbox, team.clinician, PATIENT)
    (delivery,) = list_deliveries(outbox, team.admin)
    assert (delivery.note_id, delivery.state, delivery.attempts) == (
        note_id,
        DeliveryState.PENDING,
        0,
    )
    assert kinds(outbox, team)[-2:] == ["note.signed", "export.queued"]


def test_without_write_back_nothing_is_queued(clinic: Clinic, team: Team):
    signed_note(clinic, team.clinician, PATIENT)
    assert list_deliveries(clinic, team.admin) == []


def test_a_delivered_note_is_audited_with_its_attempt(outbox: Clinic, team: Team):
    note_id = signed_note(outbox, team.clinician, PATIENT)
    sender, ehr = courier(outbox, DELIVERED)
    assert due_here(sender, team) == [only_job(outbox, team)]
    assert sender.deliver(only_job(outbox, team)) is DeliveryState.DELIVERED
    bundle = json.loads(ehr.sent[0])
    assert bundle["type"] == "transaction"
    assert f"urn:chartdraft:note|{note_id}" in ehr.sent[0].replace("%7C", "|")
    delivery = get_delivery(outbox, team.clinician, only_job(outbox, team).delivery_id)
    assert (delivery.state, delivery.attempts, delivery.location) == (
        DeliveryState.DELIVERED, 1, "DocumentReference/7",
    )  # fmt: skip
    assert kinds(outbox, team)[-2:] == ["export.attempted", "export.delivered"]
    # Delivered is final: a redelivered task sends nothing.
    assert sender.deliver(only_job(outbox, team)) is DeliveryState.DELIVERED
    assert len(ehr.sent) == 1
    assert due_here(sender, team) == []


def test_an_unreachable_ehr_is_retried_after_a_growing_wait(outbox: Clinic, team: Team):
    signed_note(outbox, team.clinician, PATIENT)
    sender, ehr = courier(outbox, DOWN, BUSY, DELIVERED)
    job = only_job(outbox, team)
    assert sender.deliver(job) is DeliveryState.PENDING
    first = get_delivery(outbox, team.admin, job.delivery_id)
    assert first.next_attempt_at is not None
    wait = first.next_attempt_at - outbox.clock()
    assert timedelta(seconds=25) <= wait <= timedelta(seconds=40)  # 30 s, up to 25% jitter
    # Not due yet: nothing is sent.
    assert due_here(sender, team) == []
    assert sender.deliver(job) is DeliveryState.PENDING
    assert len(ehr.sent) == 1
    advance(outbox, timedelta(seconds=40))
    assert sender.deliver(job) is DeliveryState.PENDING  # 429 with Retry-After: 600
    second = get_delivery(outbox, team.admin, job.delivery_id)
    assert second.next_attempt_at is not None
    assert second.last_status == 429
    assert second.next_attempt_at - outbox.clock() >= timedelta(seconds=590)
    advance(outbox, timedelta(minutes=11))
    assert sender.deliver(job) is DeliveryState.DELIVERED
    assert kinds(outbox, team).count("export.attempted") == 3


def test_a_refusal_goes_to_the_exception_queue_with_the_servers_outcome(outbox: Clinic, team: Team):
    signed_note(outbox, team.clinician, PATIENT)
    sender, ehr = courier(outbox, REFUSED, DELIVERED)
    job = only_job(outbox, team)
    assert sender.deliver(job) is DeliveryState.FAILED
    (failed,) = list_deliveries(outbox, team.admin, DeliveryState.FAILED)
    assert failed.last_status == 400
    assert failed.operation_outcome == OPERATION_OUTCOME
    assert kinds(outbox, team)[-2:] == ["export.attempted", "export.failed"]
    # The server's answer may quote the note: it is stored encrypted.
    with outbox.records.unscoped(read_only=True) as session:
        stored = session.scalar(
            select(DeliveryRow.outcome_enc).where(DeliveryRow.id == job.delivery_id)
        )
    assert stored is not None
    assert "Jane Doe" not in stored
    # Failed waits for a person: no retry on its own.
    advance(outbox, timedelta(days=2))
    assert due_here(sender, team) == []
    with pytest.raises(NotFoundError):
        retry_delivery(outbox, team.admin, "0" * 32)
    retried = retry_delivery(outbox, team.clinician, job.delivery_id)
    assert (retried.state, retried.attempts) == (DeliveryState.PENDING, 0)
    assert sender.deliver(job) is DeliveryState.DELIVERED
    assert len(ehr.sent) == 2
    with pytest.raises(InvalidTransitionError, match="Only a failed delivery"):
        retry_delivery(outbox, team.admin, job.delivery_id)


def test_an_ehr_down_for_too_long_goes_to_the_exception_queue(outbox: Clinic, team: Team):
    signed_note(outbox, team.clinician, PATIENT)
    sender, _ehr = courier(outbox, DOWN, DOWN, DOWN)
    job = only_job(outbox, team)
    for _ in range(2):
        assert sender.deliver(job) is DeliveryState.PENDING
        advance(outbox, timedelta(hours=2))
    assert sender.deliver(job) is DeliveryState.FAILED  # max_attempts=3
    events = audit_trail(outbox, team.auditor)
    failed = [e for e in events if e.entry.kind is AuditKind.EXPORT_FAILED]
    assert failed[0].entry.details["reason"] == "unreachable"


def test_a_claimed_delivery_is_left_to_its_worker_until_the_lease_runs_out(
    outbox: Clinic, team: Team
):
    signed_note(outbox, team.clinician, PATIENT)
    job = only_job(outbox, team)
    now = outbox.clock()
    # A worker claims the delivery and is killed before it records anything.
    with outbox.records.practice(team.practice_id) as records:
        assert records.deliveries.claim(
            job.delivery_id, "dead" * 8, now, now + timedelta(minutes=5)
        )
    sender, ehr = courier(outbox, DELIVERED)
    assert due_here(sender, team) == []
    assert sender.deliver(job) is DeliveryState.PENDING
    assert ehr.sent == []
    advance(outbox, timedelta(minutes=6))
    assert due_here(sender, team) == [job]
    assert sender.deliver(job) is DeliveryState.DELIVERED
    # The killed worker's attempt counted: attempts are counted as they are claimed.
    assert get_delivery(outbox, team.admin, job.delivery_id).attempts == 2
    # Its late answer is ignored: the claim is no longer its own.
    with outbox.records.practice(team.practice_id) as records:
        late = NextStep(DeliveryState.FAILED, None)
        assert not records.deliveries.record(job.delivery_id, "dead" * 8, REFUSED, late, now)


def test_an_amendment_is_delivered_too_as_the_rollback_path(outbox: Clinic, team: Team):
    note_id = signed_note(outbox, team.clinician, PATIENT)
    sender, ehr = courier(outbox, DELIVERED, DELIVERED)
    (first,) = due_here(sender, team)
    sender.deliver(first)
    text = ehr.sent[0]
    assert text
    signed = get_note(outbox, team.clinician, note_id).text
    amended = amend_note(
        outbox, team.clinician, note_id, signed + "\nAddendum: dose checked.", "typo"
    )
    (second,) = due_here(sender, team)
    assert sender.deliver(second) is DeliveryState.DELIVERED
    bundle = json.loads(ehr.sent[1])
    relates = [
        e["resource"]["relatesTo"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "DocumentReference"
    ]
    assert relates
    assert relates[0][0]["code"] == "replaces"
    assert {d.note_id for d in list_deliveries(outbox, team.admin)} == {note_id, amended}


def test_a_sender_that_raises_leaves_the_delivery_pending(outbox: Clinic, team: Team):
    signed_note(outbox, team.clinician, PATIENT)

    class Broken:
        def send(self, bundle_json: str) -> DeliveryAttempt:
            raise RuntimeError(bundle_json[:50])

    sender = Courier(outbox, Broken(), POLICY)
    assert sender.deliver(only_job(outbox, team)) is DeliveryState.PENDING
    (delivery,) = list_deliveries(outbox, team.admin)
    assert delivery.last_reason == "The EHR client failed unexpectedly."


def test_only_admins_and_clinicians_see_the_outbox_of_their_own_practice(
    outbox: Clinic, team: Team
):
    signed_note(outbox, team.clinician, PATIENT)
    job = only_job(outbox, team)
    for actor in (team.auditor, team.scribe):
        with pytest.raises(NotAllowedError):
            list_deliveries(outbox, actor)
    stranger = make_team(outbox)
    with pytest.raises(NotFoundError):
        get_delivery(outbox, stranger.admin, job.delivery_id)
    with pytest.raises(NotFoundError):
        retry_delivery(outbox, stranger.admin, job.delivery_id)


def test_the_in_process_runner_delivers_when_nudged(outbox: Clinic, team: Team):
    ehr = ScriptedEhr([])
    ehr.answers = [DELIVERED] * 100  # other tests' deliveries in a shared database may come too
    jobs = InProcessJobs(outbox, courier=Courier(outbox, ehr, POLICY), sweep_seconds=3600)
    jobs.start()
    try:
        note_id = signed_note(outbox, team.clinician, PATIENT)
        jobs.nudge()
        deadline = time.monotonic() + 10
        while list_deliveries(outbox, team.admin)[0].state is not DeliveryState.DELIVERED:
            assert time.monotonic() < deadline, "the nudged runner did not deliver"
            time.sleep(0.05)
    finally:
        jobs.close()
    assert sum(note_id in bundle for bundle in ehr.sent) == 1


def test_the_api_lists_the_exception_queue_and_retries(outbox: Clinic, team: Team):
    signed_note(outbox, team.clinician, PATIENT)
    sender, _ehr = courier(outbox, REFUSED)
    job = only_job(outbox, team)
    sender.deliver(job)
    with TestClient(create_app(clinic=outbox), raise_server_exceptions=False) as api:
        admin = caller(outbox, team.admin).headers
        failed = api.get("/api/v1/deliveries", params={"state": "failed"}, headers=admin)
        assert failed.status_code == 200, failed.text
        (document,) = failed.json()["deliveries"]
        assert document["id"] == job.delivery_id
        assert document["state"] == "failed"
        assert document["operation_outcome"]["issue"][0]["code"] == "invalid"
        one = api.get(f"/api/v1/deliveries/{job.delivery_id}", headers=admin)
        assert one.json()["last_status"] == 400
        retried = api.post(f"/api/v1/deliveries/{job.delivery_id}/retry", headers=admin)
        assert retried.status_code == 200
        assert retried.json()["state"] == "pending"
        again = api.post(f"/api/v1/deliveries/{job.delivery_id}/retry", headers=admin)
        assert again.status_code == 409
        assert again.headers["content-type"].startswith("application/problem+json")
        auditor = caller(outbox, team.auditor).headers
        assert api.get("/api/v1/deliveries", headers=auditor).status_code == 403
        stranger = caller(outbox, make_team(outbox).admin).headers
        assert api.get(f"/api/v1/deliveries/{job.delivery_id}", headers=stranger).status_code == 404
        assert api.get("/api/v1/deliveries").status_code == 401
        bad = api.get("/api/v1/deliveries", params={"state": "lost"}, headers=admin)
        assert bad.status_code == 422


def test_the_outbox_page_shows_the_refusal_and_retries_it(outbox: Clinic, team: Team):
    signed_note(outbox, team.clinician, PATIENT)
    sender, _ehr = courier(outbox, REFUSED)
    job = only_job(outbox, team)
    sender.deliver(job)
    with TestClient(create_app(clinic=outbox), raise_server_exceptions=False) as api:
        csrf = sign_in(api, outbox, team.admin)
        page = api.get("/deliveries")
        assert page.status_code == 200
        assert 'href="/deliveries"' in page.text  # in the menu: write-back is on
        assert "The EHR refused the note (400)." in page.text
        # The server's answer is shown as text, never as markup.
        assert (
            "&#34;code&#34;: &#34;invalid&#34;" in page.text or "&quot;invalid&quot;" in page.text
        )
        forged = api.post(f"/deliveries/{job.delivery_id}/retry", follow_redirects=False)
        assert forged.status_code == 403
        done = api.post(
            f"/deliveries/{job.delivery_id}/retry",
            data={"csrf_token": csrf},
            follow_redirects=False,
        )
        assert done.status_code == 303
    assert get_delivery(outbox, team.admin, job.delivery_id).state is DeliveryState.PENDING
    with TestClient(create_app(clinic=outbox), raise_server_exceptions=False) as api:
        sign_in(api, outbox, team.scribe)
        assert api.get("/deliveries").status_code == 403
