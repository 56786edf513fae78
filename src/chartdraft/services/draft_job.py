"""Drafting as a job: reserve the draft at once, let an engine fill it in the background.

The clinician gets a draft id the moment the encounter is recorded; the draft's review state
(``drafting``, then ``drafted`` or ``drafting_failed``) is the job's state, kept in the record,
so a job lost with its process is found again and finished (``resume_drafting``). Finishing is
conditional on the state still being ``drafting``: when two runs of one job race, one wins.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from chartdraft.domain.audit import AuditEntry, AuditKind, DetailValue
from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.errors import ChartdraftError, ConflictError, InvalidTransitionError
from chartdraft.domain.practice import Actor
from chartdraft.domain.review import REDRAFTABLE, ReviewState, Role
from chartdraft.drafting.engine import DraftingEngine
from chartdraft.services.clinic import Clinic
from chartdraft.services.practice_drafting import practice_drafting
from chartdraft.store.records import Records

log = logging.getLogger(__name__)

CAPTURE_ROLES = (Role.CLINICIAN, Role.SCRIBE)
UNEXPECTED = "Drafting failed unexpectedly; draft the encounter again or choose another engine."
LEASE = timedelta(minutes=15)
"""How long a drafting job is held before it is presumed lost with its process and run again:
longer than any engine's time-out with its retries."""


@dataclass(frozen=True)
class DraftingJob:
    """One draft to write: which practice's, and the engine to write it with."""

    practice_id: str
    draft_id: str
    engine: str | DraftingEngine | None = None
    """None: the engine named when the draft was requested."""


def request_draft(
    clinic: Clinic, actor: Actor, encounter_id: str, engine: str | DraftingEngine | None = None
) -> DraftingJob:
    """Reserve a draft of the encounter's latest capture (state ``drafting``); return the job."""
    # Resolve the engine name now: an unknown engine is refused before anything is stored.
    drafting = practice_drafting(clinic, actor.practice_id)
    name = engine.name if isinstance(engine, DraftingEngine) else drafting.engine(engine).name
    with clinic.acting(actor, "draft an encounter", *CAPTURE_ROLES) as (records, member):
        draft_id = reserve_draft(records, member.id, encounter_id, name, clinic.clock())
    return DraftingJob(actor.practice_id, draft_id, engine)


def reserve_draft(
    records: Records, actor_id: str, encounter_id: str, engine: str, now: datetime
) -> str:
    """Reserve a draft of the encounter's latest capture in the caller's transaction."""
    records.encounters.encounter(encounter_id)  # another practice's encounter is not found
    check_may_redraft(records.drafts.states_of_encounter(encounter_id))
    capture_id = records.encounters.latest_capture_id(encounter_id)
    input_sha256 = records.encounters.capture_sha256(capture_id)
    draft_id = records.drafts.reserve(
        encounter_id, capture_id, engine=engine, input_sha256=input_sha256, at=now
    )
    entry = AuditEntry(
        AuditKind.DRAFT_REQUESTED, actor_id, encounter_id, draft_id, details={"engine": engine}
    )
    records.audit(entry, now)
    return draft_id


def check_may_redraft(states: list[ReviewState]) -> None:
    """Refuse a new draft beside a signed note or a draft still being drafted or reviewed."""
    # One encounter, one note: a signed note changes only by amendment, and a second draft
    # beside one under review would split the review.
    if any(s in (ReviewState.SIGNED, ReviewState.AMENDED) for s in states):
        raise InvalidTransitionError("The encounter already has a signed note; amend it instead.")
    if any(s is ReviewState.DRAFTING for s in states):
        raise InvalidTransitionError("The encounter is being drafted; wait for the draft.")
    if any(s not in REDRAFTABLE for s in states):
        raise InvalidTransitionError("The encounter already has a draft under review.")


def run_draft(clinic: Clinic, job: DraftingJob) -> ReviewState:
    """Write the reserved draft and store it with its findings; return the state it ended in.

    A failure is stored as ``drafting_failed`` with one sentence for the clinician, and raised.
    """
    now = clinic.clock()
    with clinic.records.practice(job.practice_id) as records:
        stored = records.drafts.load(job.draft_id)
        if not records.drafts.claim(job.draft_id, now, stale_before=now - LEASE):
            return stored.state  # finished, or held by another run of this job
        engine_name, captured_by = records.drafts.drafting_job(job.draft_id)
        visit = records.encounters.visit(records.drafts.capture_id(job.draft_id))
    try:
        if visit is None:
            raise InvalidTransitionError(
                "The capture was removed by the retention policy; capture the visit again."
            )
        # Drafting may take a model's minute: it runs outside any transaction.
        drafting = practice_drafting(clinic, job.practice_id)
        draft = drafting.draft(
            visit, encounter_type=stored.encounter_type, engine=job.engine or engine_name
        )
    except ChartdraftError as exc:
        _record_failure(clinic, job, captured_by, str(exc))
        raise
    except Exception:
        # The message of an unexpected error could quote the visit: only its type is logged.
        log.exception("drafting job failed")
        _record_failure(clinic, job, captured_by, UNEXPECTED)
        raise
    return _store_draft(clinic, job, captured_by, draft)


def _store_draft(clinic: Clinic, job: DraftingJob, actor_id: str, draft: SoapDraft) -> ReviewState:
    now = clinic.clock()
    try:
        with clinic.records.practice(job.practice_id) as records:
            stored = records.drafts.load(job.draft_id)
            records.drafts.complete(job.draft_id, draft, now)
            for entry in _draft_events(draft, actor_id, stored.encounter_id, job.draft_id):
                records.audit(entry, now)
    except ConflictError:
        return _state_of(clinic, job)  # another run finished it first; its draft stands
    return ReviewState.DRAFTED


def _record_failure(clinic: Clinic, job: DraftingJob, actor_id: str, reason: str) -> None:
    now = clinic.clock()
    try:
        with clinic.records.practice(job.practice_id) as records:
            stored = records.drafts.load(job.draft_id)
            records.drafts.fail(job.draft_id, reason, now)
            engine = records.drafts.drafting_job(job.draft_id)[0]
            entry = AuditEntry(
                AuditKind.DRAFT_FAILED, actor_id, stored.encounter_id, job.draft_id,
                details={"engine": engine},
            )  # fmt: skip
            records.audit(entry, now)
    except ConflictError:
        pass  # another run finished the job; its outcome stands


def _state_of(clinic: Clinic, job: DraftingJob) -> ReviewState:
    with clinic.records.practice(job.practice_id, read_only=True) as records:
        return records.drafts.load(job.draft_id).state


def waiting_jobs(clinic: Clinic) -> list[DraftingJob]:
    """Return every practice's drafting jobs that nobody holds (a restart resumes them)."""
    stale_before = clinic.clock() - LEASE
    waiting = clinic.in_each_practice(lambda records: records.drafts.waiting(stale_before))
    return [DraftingJob(practice_id, draft_id) for practice_id, draft_id in waiting]


def _draft_events(
    draft: SoapDraft, actor_id: str, encounter_id: str, draft_id: str
) -> list[AuditEntry]:
    engine = draft.engine
    ids = {"actor_id": actor_id, "encounter_id": encounter_id, "draft_id": draft_id}
    named: dict[str, DetailValue] = {
        "engine": engine.name,
        "model": engine.model,
        "prompt_id": engine.prompt_id,
        "prompt_version": engine.prompt_version,
    }
    events = []
    if engine.egress is not None:
        egress = engine.egress
        phi_found = sum((egress.entity_counts or {}).values())
        events.append(AuditEntry(AuditKind.EGRESS, **ids, details={
            **named, "host": egress.host, "pseudonymized": egress.pseudonymized,
            "phi_allowed": egress.phi_allowed, "baa_reference": egress.baa_reference,
            "identifiers_found": phi_found,
        }))  # fmt: skip
    events.append(AuditEntry(AuditKind.DRAFT_CREATED, **ids, details={
        **named, "statements": sum(len(s.statements) for s in draft.sections),
        "findings": len(draft.findings), "flagged_sections": sum(1 for s in draft.sections if s.gaps),
    }))  # fmt: skip
    return events
