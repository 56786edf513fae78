"""Drafts, their findings and revisions, for one practice."""

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, or_, select, update

from chartdraft.domain.draft import SoapDraft
from chartdraft.domain.errors import ConflictError
from chartdraft.domain.findings import Finding, Severity
from chartdraft.domain.records import QueueItem, Resolution, StoredDraft, StoredFinding
from chartdraft.domain.review import ReviewState
from chartdraft.store.scope import Scope, new_id
from chartdraft.store.tables import (
    CaptureRow,
    DraftRow,
    EncounterRow,
    FindingRow,
    RevisionRow,
)

QUEUE_STATES = (
    ReviewState.DRAFTING,
    ReviewState.DRAFTING_FAILED,
    ReviewState.DRAFTED,
    ReviewState.IN_REVIEW,
)
"""What a clinician's queue lists: drafts to review, and those still being (or not) written."""


class Drafts:
    """Drafts under review: content, state, findings and revisions."""

    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    def add_draft(
        self, encounter_id: str, capture_id: str, draft: SoapDraft, input_sha256: str, at: datetime
    ) -> str:
        """Store a finished draft (state ``drafted``) with its findings; return its id."""
        draft_id = self.reserve(
            encounter_id, capture_id, engine=draft.engine.name, input_sha256=input_sha256, at=at
        )
        self.complete(draft_id, draft, at)
        return draft_id

    def reserve(
        self, encounter_id: str, capture_id: str, *, engine: str, input_sha256: str, at: datetime
    ) -> str:
        """Store an empty draft (state ``drafting``) for a drafting job to fill; return its id."""
        row = DraftRow(
            id=new_id(),
            practice_id=self._scope.practice_id,
            encounter_id=encounter_id,
            capture_id=capture_id,
            state=ReviewState.DRAFTING.value,
            engine=engine,
            input_sha256=input_sha256,
            statements=0,
            sections=0,
            flagged_sections=0,
            open_flags=0,
            version=1,
            created_at=at,
            updated_at=at,
        )
        self._scope.session.add(row)
        self._scope.session.flush()
        return row.id

    def complete(self, draft_id: str, draft: SoapDraft, at: datetime) -> None:
        """Fill a ``drafting`` draft with the engine's draft and its findings (now ``drafted``)."""
        flags = sum(1 for s in draft.sections if s.gaps)
        self._finish_drafting(draft_id, at, {
            "state": ReviewState.DRAFTED.value, "engine": draft.engine.name,
            "model": draft.engine.model, "prompt_id": draft.engine.prompt_id,
            "prompt_version": draft.engine.prompt_version,
            "statements": sum(len(s.statements) for s in draft.sections),
            "sections": len(draft.sections), "flagged_sections": flags, "open_flags": flags,
            "content_enc": self._seal_content(draft_id, draft),
            "drafted_text_enc": self._scope.seal(DraftRow, "drafted_text_enc", draft_id, draft.text),
        })  # fmt: skip
        for ordinal, finding in enumerate(draft.findings):
            self._add_finding(draft_id, ordinal, finding)

    def fail(self, draft_id: str, reason: str, at: datetime) -> None:
        """Mark a ``drafting`` draft as failed, with the sentence the clinician will read."""
        sealed = self._scope.seal(DraftRow, "decision_reason_enc", draft_id, reason)
        self._finish_drafting(draft_id, at, {
            "state": ReviewState.DRAFTING_FAILED.value, "decision_reason_enc": sealed,
        })  # fmt: skip

    def _finish_drafting(self, draft_id: str, at: datetime, values: dict[str, object]) -> None:
        # Conditional on the state: of two runs of one job (a retry, a resumed job), one wins.
        result = self._scope.session.execute(
            update(DraftRow)
            .where(
                DraftRow.id == draft_id,
                DraftRow.practice_id == self._scope.practice_id,
                DraftRow.state == ReviewState.DRAFTING.value,
            )
            .values(**values, version=DraftRow.version + 1, updated_at=at)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConflictError("The draft is no longer being drafted.")

    def claim(self, draft_id: str, at: datetime, *, stale_before: datetime) -> bool:
        """Take a ``drafting`` draft's job if nobody holds it (or its holder went quiet)."""
        # The version and the time say who holds the job: reserve() leaves version 1, a claim
        # bumps it, and a claim older than ``stale_before`` is presumed lost with its process.
        result = self._scope.session.execute(
            update(DraftRow)
            .where(
                DraftRow.id == draft_id,
                DraftRow.practice_id == self._scope.practice_id,
                DraftRow.state == ReviewState.DRAFTING.value,
                or_(DraftRow.version == 1, DraftRow.updated_at < stale_before),
            )
            .values(version=DraftRow.version + 1, updated_at=at)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def waiting(self, stale_before: datetime) -> list[str]:
        """Return drafts whose drafting job nobody holds, oldest first (to resume them)."""
        return list(
            self._scope.session.scalars(
                select(DraftRow.id)
                .where(
                    DraftRow.practice_id == self._scope.practice_id,
                    DraftRow.state == ReviewState.DRAFTING.value,
                    or_(DraftRow.version == 1, DraftRow.updated_at < stale_before),
                )
                .order_by(DraftRow.created_at)
            )
        )

    def drafting_job(self, draft_id: str) -> tuple[str, str]:
        """Return what a drafting job needs: the engine asked for and who captured the visit."""
        row = self._scope.get(DraftRow, draft_id, "draft")
        capture = self._scope.get(CaptureRow, row.capture_id, "capture")
        return row.engine, capture.created_by

    def _seal_content(self, draft_id: str, draft: SoapDraft) -> str:
        # Findings live in their own rows (each is resolved on its own); the content is the note.
        content = draft.with_findings(()).model_dump_json()
        return self._scope.seal(DraftRow, "content_enc", draft_id, content)

    def _add_finding(self, draft_id: str, ordinal: int, finding: Finding) -> None:
        finding_id = new_id()
        self._scope.session.add(
            FindingRow(
                id=finding_id,
                practice_id=self._scope.practice_id,
                draft_id=draft_id,
                ordinal=ordinal,
                kind=finding.kind.value,
                severity=finding.severity.value,
                section=None if finding.section is None else finding.section.value,
                body_enc=self._scope.seal(
                    FindingRow, "body_enc", finding_id, finding.model_dump_json()
                ),
            )
        )

    def add_findings(self, draft_id: str, findings: Iterable[Finding]) -> int:
        """Add findings raised after drafting (a re-check); return how many."""
        last = self._scope.session.scalar(
            select(func.max(FindingRow.ordinal)).where(FindingRow.draft_id == draft_id)
        )
        added = 0
        for added, finding in enumerate(findings, start=1):
            self._add_finding(draft_id, (last if last is not None else -1) + added, finding)
        return added

    def states_of_encounter(self, encounter_id: str) -> list[ReviewState]:
        """Return the review states of every draft of an encounter."""
        rows = self._scope.session.scalars(
            select(DraftRow.state).where(
                DraftRow.practice_id == self._scope.practice_id,
                DraftRow.encounter_id == encounter_id,
            )
        )
        return [ReviewState(state) for state in rows]

    def load(self, draft_id: str) -> StoredDraft:
        """Return a draft with its findings, decrypted."""
        row = self._scope.get(DraftRow, draft_id, "draft")
        encounter = self._scope.get(EncounterRow, row.encounter_id, "encounter")
        content, failure = None, None
        if row.content_enc is not None:
            text = self._scope.unseal(DraftRow, "content_enc", row.id, row.content_enc)
            content = SoapDraft.model_validate_json(text)
        if row.state == ReviewState.DRAFTING_FAILED.value and row.decision_reason_enc is not None:
            failure = self._scope.unseal(
                DraftRow, "decision_reason_enc", row.id, row.decision_reason_enc
            )
        return StoredDraft(
            id=row.id,
            encounter_id=row.encounter_id,
            clinician_id=encounter.clinician_id,
            encounter_type=encounter.encounter_type,
            state=ReviewState(row.state),
            version=row.version,
            draft=content,
            findings=tuple(self._findings(draft_id)),
            created_at=row.created_at,
            updated_at=row.updated_at,
            failure=failure,
        )

    def _findings(self, draft_id: str) -> Iterable[StoredFinding]:
        rows = self._scope.session.scalars(
            select(FindingRow)
            .where(
                FindingRow.practice_id == self._scope.practice_id, FindingRow.draft_id == draft_id
            )
            .order_by(FindingRow.ordinal)
        )
        for row in rows:
            if row.body_enc is None:
                continue
            body = self._scope.unseal(FindingRow, "body_enc", row.id, row.body_enc)
            yield StoredFinding(
                id=row.id,
                finding=Finding.model_validate_json(body),
                resolution=None if row.resolution is None else Resolution(row.resolution),
                resolved_by=row.resolved_by,
                resolved_at=row.resolved_at,
            )

    def drafted_text(self, draft_id: str) -> str | None:
        """Return the note as the engine drafted it (before any edit)."""
        row = self._scope.get(DraftRow, draft_id, "draft")
        token = row.drafted_text_enc
        return (
            None
            if token is None
            else self._scope.unseal(DraftRow, "drafted_text_enc", row.id, token)
        )

    def capture_id(self, draft_id: str) -> str:
        """Return the id of the capture a draft was drafted from."""
        return self._scope.get(DraftRow, draft_id, "draft").capture_id

    def change(
        self,
        draft_id: str,
        expected_version: int,
        at: datetime,
        *,
        state: ReviewState | None = None,
        content: SoapDraft | None = None,
        reason: str | None = None,
    ) -> int:
        """Change a draft if nobody else has since ``expected_version``; return the new version."""
        values: dict[str, object] = {"version": expected_version + 1, "updated_at": at}
        if state is not None:
            values["state"] = state.value
        if content is not None:
            values["content_enc"] = self._seal_content(draft_id, content)
            values["open_flags"] = sum(1 for s in content.sections if s.gaps)
        if reason is not None:
            values["decision_reason_enc"] = self._scope.seal(
                DraftRow, "decision_reason_enc", draft_id, reason
            )
        result = self._scope.session.execute(
            update(DraftRow)
            .where(
                DraftRow.id == draft_id,
                DraftRow.practice_id == self._scope.practice_id,
                DraftRow.version == expected_version,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise ConflictError("The draft was changed by someone else meanwhile; reload it.")
        return expected_version + 1

    def add_revision(
        self, draft_id: str, section: str, diff: str, author_id: str, at: datetime
    ) -> int:
        """Record one edit (the diff encrypted); return its number."""
        session = self._scope.session
        last = session.scalar(
            select(func.max(RevisionRow.number)).where(RevisionRow.draft_id == draft_id)
        )
        number, revision_id = (last or 0) + 1, new_id()
        session.add(
            RevisionRow(
                id=revision_id,
                practice_id=self._scope.practice_id,
                draft_id=draft_id,
                number=number,
                section=section,
                diff_enc=self._scope.seal(RevisionRow, "diff_enc", revision_id, diff),
                author_id=author_id,
                created_at=at,
            )
        )
        return number

    def resolve(
        self,
        finding_id: str,
        resolution: Resolution,
        by: str,
        at: datetime,
        reason: str | None = None,
    ) -> None:
        """Mark one open finding resolved."""
        row = self._scope.get(FindingRow, finding_id, "finding")
        row.resolution, row.resolved_by, row.resolved_at = resolution.value, by, at
        if reason is not None:
            row.reason_enc = self._scope.seal(FindingRow, "reason_enc", row.id, reason)

    def queue(self, clinician_id: str | None = None, limit: int = 100) -> list[QueueItem]:
        """Return drafts awaiting review, oldest first (one clinician's, or everyone's)."""
        open_major = (
            select(func.count(FindingRow.id))
            .where(
                FindingRow.draft_id == DraftRow.id,
                FindingRow.resolution.is_(None),
                FindingRow.severity == Severity.MAJOR.value,
            )
            .correlate(DraftRow)
            .scalar_subquery()
        )
        query = (
            select(DraftRow, EncounterRow.encounter_type, EncounterRow.clinician_id, open_major)
            .join(EncounterRow, EncounterRow.id == DraftRow.encounter_id)
            .where(
                DraftRow.practice_id == self._scope.practice_id,
                DraftRow.state.in_([s.value for s in QUEUE_STATES]),
                DraftRow.purged_at.is_(None),
            )
            .order_by(DraftRow.created_at, DraftRow.id)
            .limit(limit)
        )
        if clinician_id is not None:
            query = query.where(EncounterRow.clinician_id == clinician_id)
        return [
            QueueItem(
                draft_id=row.id,
                encounter_id=row.encounter_id,
                encounter_type=kind,
                clinician_id=clinician,
                state=ReviewState(row.state),
                created_at=row.created_at,
                open_major_findings=majors,
                flagged_sections=row.open_flags,
            )
            for row, kind, clinician, majors in self._scope.session.execute(query)
        ]
