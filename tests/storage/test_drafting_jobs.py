"""Drafting in the background: the draft's state is the job's state, kept in the record."""

import threading
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from chartdraft.domain.audit import AuditKind
from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.errors import InputError, InvalidTransitionError, PermanentEngineError
from chartdraft.domain.review import ReviewState
from chartdraft.drafting.engine import DraftRequest, destination_of
from chartdraft.drafting.engines.template import TemplateEngine
from chartdraft.jobs.in_process import InProcessJobs
from chartdraft.services.administration import choose_engine
from chartdraft.services.clinic import Clinic
from chartdraft.services.draft_job import LEASE, request_draft, run_draft
from chartdraft.services.encounters import NewEncounter, create_encounter
from chartdraft.services.practice_drafting import practice_drafting
from chartdraft.services.practice_templates import save_template
from chartdraft.services.review import get_draft, review_queue
from chartdraft.services.trail import audit_trail
from tests.storage.conftest import Clock, Team, make_team
from tests.storage.visits import HYPOTHYROID, PATIENT


@dataclass
class FailingEngine:
    """An engine whose server refuses every request."""

    name: str = "failing"
    calls: int = 0

    def is_available(self) -> bool:
        return True

    def draft(self, request: DraftRequest) -> SoapDraft:
        self.calls += 1
        raise PermanentEngineError('The "failing" engine refused the request (HTTP 400).')


@dataclass
class GatedEngine:
    """The template engine, held at a gate until the test opens it."""

    name: str = "gated"
    gate: threading.Event = field(default_factory=threading.Event)
    calls: int = 0

    def is_available(self) -> bool:
        return True

    def draft(self, request: DraftRequest) -> SoapDraft:
        self.calls += 1
        assert self.gate.wait(10), "the test never opened the gate"
        return TemplateEngine().draft(request)


def _encounter(clinic: Clinic, team: Team) -> str:
    new = NewEncounter(capture=HYPOTHYROID, patient=PATIENT)
    return create_encounter(clinic, team.clinician, new).encounter_id


def _kinds(clinic: Clinic, team: Team) -> list[AuditKind]:
    return [event.entry.kind for event in audit_trail(clinic, team.auditor, limit=500)][::-1]


def test_a_requested_draft_is_drafting_until_its_job_runs(clinic: Clinic, team: Team):
    job = request_draft(clinic, team.clinician, _encounter(clinic, team))
    waiting = get_draft(clinic, team.clinician, job.draft_id)
    assert waiting.state is ReviewState.DRAFTING
    assert waiting.draft is None
    assert not waiting.purged
    queued = review_queue(clinic, team.clinician)  # listed, so the clinician can follow it
    assert [(item.draft_id, item.state) for item in queued] == [(job.draft_id, waiting.state)]
    with pytest.raises(InvalidTransitionError, match="being drafted"):
        request_draft(clinic, team.clinician, waiting.encounter_id)

    assert run_draft(clinic, job) is ReviewState.DRAFTED
    drafted = get_draft(clinic, team.clinician, job.draft_id)
    assert drafted.state is ReviewState.DRAFTED
    assert drafted.draft is not None
    assert drafted.draft.engine.name == "template"
    queued = review_queue(clinic, team.clinician)
    assert [(item.draft_id, item.state) for item in queued] == [(job.draft_id, drafted.state)]
    kinds = _kinds(clinic, team)
    assert kinds.index(AuditKind.DRAFT_REQUESTED) < kinds.index(AuditKind.DRAFT_CREATED)


def test_a_failed_draft_keeps_the_capture_says_why_and_may_be_drafted_again(
    clinic: Clinic, team: Team
):
    encounter_id = _encounter(clinic, team)
    job = request_draft(clinic, team.clinician, encounter_id, FailingEngine())
    with pytest.raises(PermanentEngineError):
        run_draft(clinic, job)
    failed = get_draft(clinic, team.clinician, job.draft_id)
    assert failed.state is ReviewState.DRAFTING_FAILED
    assert failed.failure == 'The "failing" engine refused the request (HTTP 400).'
    assert AuditKind.DRAFT_FAILED in _kinds(clinic, team)

    again = request_draft(clinic, team.clinician, encounter_id)
    assert run_draft(clinic, again) is ReviewState.DRAFTED


def test_two_runs_of_one_job_write_one_draft(clinic: Clinic, team: Team):
    engine = GatedEngine()
    job = request_draft(clinic, team.clinician, _encounter(clinic, team), engine)
    first = threading.Thread(target=run_draft, args=(clinic, job))
    first.start()
    while engine.calls == 0:  # the first run holds the job
        threading.Event().wait(0.01)
    assert run_draft(clinic, job) is ReviewState.DRAFTING  # the second finds it held
    engine.gate.set()
    first.join(10)
    assert run_draft(clinic, job) is ReviewState.DRAFTED  # a late retry changes nothing
    assert engine.calls == 1
    assert _kinds(clinic, team).count(AuditKind.DRAFT_CREATED) == 1


def test_jobs_lost_with_their_process_are_resumed(clinic: Clinic, team: Team):
    assert isinstance(clinic.clock, Clock)
    never_started = request_draft(clinic, team.clinician, _encounter(clinic, team))
    taken = request_draft(clinic, team.clinician, _encounter(clinic, team))
    now = clinic.clock()
    with clinic.records.practice(team.practice_id) as records:  # a process took it, then died
        assert records.drafts.claim(taken.draft_id, now, stale_before=now - LEASE)

    jobs = InProcessJobs(clinic)
    try:
        resumed = jobs.resume()  # the untaken job only: the other's holder may be alive
        assert [f.result(10) for f in resumed] == [ReviewState.DRAFTED]
        clinic.clock.now += LEASE + timedelta(seconds=5)  # the holder went quiet too long
        assert [f.result(10) for f in jobs.resume()] == [ReviewState.DRAFTED]
    finally:
        jobs.close()
    assert get_draft(clinic, team.clinician, never_started.draft_id).state is ReviewState.DRAFTED
    assert get_draft(clinic, team.clinician, taken.draft_id).state is ReviewState.DRAFTED
    assert _kinds(clinic, team).count(AuditKind.DRAFT_CREATED) == 2


WOUND_CHECK = """name = "wound-check"
title = "Wound check"
[sections.chief_complaint]
need = "why"
[sections.subjective]
need = "history"
[sections.objective]
need = "the wound"
[sections.assessment]
need = "assessment"
[sections.plan]
need = "dressing and follow-up"
"""


def test_drafting_follows_the_practices_templates_and_engines(clinic: Clinic, team: Team):
    other = make_team(clinic)
    save_template(clinic, team.admin, WOUND_CHECK)
    new = NewEncounter(capture=HYPOTHYROID, patient=PATIENT, encounter_type="wound-check")
    encounter_id = create_encounter(clinic, team.clinician, new).encounter_id
    job = request_draft(clinic, team.clinician, encounter_id)
    run_draft(clinic, job)
    drafted = get_draft(clinic, team.clinician, job.draft_id)
    assert drafted.draft is not None
    assert drafted.draft.title == "Wound check"
    with pytest.raises(InputError, match="Unknown encounter type"):
        create_encounter(clinic, other.clinician, new)  # another practice's template

    choose_engine(clinic, team.admin, "lmstudio", enabled=False, phi_allowed=False)
    choose_engine(clinic, team.admin, "ollama", enabled=True, phi_allowed=False)
    with pytest.raises(InputError, match="Unknown engine"):
        request_draft(clinic, team.clinician, _encounter(clinic, team), "lmstudio")
    ours = destination_of(practice_drafting(clinic, team.practice_id).engine("ollama"))
    theirs = destination_of(practice_drafting(clinic, other.practice_id).engine("ollama"))
    assert ours is not None
    assert theirs is not None
    assert (ours.phi_allowed, theirs.phi_allowed) == (False, True)  # ours is pseudonymized
