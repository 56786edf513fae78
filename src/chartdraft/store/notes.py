"""Signed notes and their amendments: written once, never changed."""

import json
from datetime import datetime

from sqlalchemy import select

from chartdraft.domain.errors import NotFoundError
from chartdraft.domain.records import NoteReference, SignedNote
from chartdraft.domain.review import Checklist, Signature
from chartdraft.store.scope import Scope, new_id
from chartdraft.store.tables import AmendmentRow, NoteRow


class Notes:
    """The signed versions of one practice's notes."""

    def __init__(self, scope: Scope) -> None:
        self._scope = scope

    def add_note(
        self,
        draft_id: str,
        encounter_id: str,
        version: int,
        text: str,
        *,
        signature: Signature,
        checklist: Checklist | None,
        supersedes_id: str | None = None,
    ) -> str:
        """Store a signed version of a note; return its id."""
        note_id = new_id()
        row = NoteRow(
            id=note_id,
            practice_id=self._scope.practice_id,
            draft_id=draft_id,
            encounter_id=encounter_id,
            version=version,
            supersedes_id=supersedes_id,
            text_enc=self._scope.seal(NoteRow, "text_enc", note_id, text),
            text_sha256=signature.text_sha256,
            signer_id=signature.signer_id,
            signed_at=signature.signed_at,
            checklist=json.dumps(None if checklist is None else checklist.__dict__, sort_keys=True),
        )
        self._scope.session.add(row)
        self._scope.session.flush()  # the unique (draft, version) key decides a race here
        return row.id

    def add_amendment(
        self, previous_note_id: str, note_id: str, reason: str, author_id: str, at: datetime
    ) -> None:
        """Record why ``previous_note_id`` was superseded by ``note_id``."""
        amendment_id = new_id()
        self._scope.session.add(
            AmendmentRow(
                id=amendment_id,
                practice_id=self._scope.practice_id,
                previous_note_id=previous_note_id,
                note_id=note_id,
                reason_enc=self._scope.seal(AmendmentRow, "reason_enc", amendment_id, reason),
                author_id=author_id,
                created_at=at,
            )
        )

    def note(self, note_id: str) -> SignedNote:
        """Return one signed note, decrypted, with the reason if it is an amendment."""
        row = self._scope.get(NoteRow, note_id, "note")
        reason = None
        amendment = self._scope.session.scalar(
            select(AmendmentRow).where(AmendmentRow.note_id == note_id)
        )
        if amendment is not None:
            reason = self._scope.unseal(
                AmendmentRow, "reason_enc", amendment.id, amendment.reason_enc
            )
        return SignedNote(
            id=row.id,
            draft_id=row.draft_id,
            encounter_id=row.encounter_id,
            version=row.version,
            text=self._scope.unseal(NoteRow, "text_enc", row.id, row.text_enc),
            signature=Signature(row.signer_id, row.signed_at, row.text_sha256),
            supersedes_id=row.supersedes_id,
            amendment_reason=reason,
        )

    def reference(self, note_id: str) -> NoteReference:
        """Return which note ``note_id`` is, without decrypting its text (for audit events)."""
        row = self._scope.get(NoteRow, note_id, "note")
        return NoteReference(row.id, row.draft_id, row.encounter_id, row.version, row.text_sha256)

    def latest_for_draft(self, draft_id: str) -> SignedNote:
        """Return the newest signed version of a draft's note."""
        note_id = self._scope.session.scalar(
            select(NoteRow.id)
            .where(NoteRow.practice_id == self._scope.practice_id, NoteRow.draft_id == draft_id)
            .order_by(NoteRow.version.desc())
            .limit(1)
        )
        if note_id is None:
            raise NotFoundError("The draft has no signed note.")
        return self.note(note_id)
