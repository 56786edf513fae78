"""The review of a draft: its states, the moves between them, and who may sign.

No note is final until a clinician signs it. A draft is ``drafting`` while an engine writes it
in the background (``drafting_failed`` if it could not), then ``drafted``, then ``in_review`` while a
clinician or scribe works on it, then ``signed`` or ``rejected``; a signed note is never
changed, only ``amended`` by a new version with a reason; a draft nobody can finish goes to the
exception queue (``escalated``) and back. The rules are data here so that every caller (web,
API, CLI, jobs) enforces the same ones.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from chartdraft.domain.errors import InvalidTransitionError, NotAllowedError


class ReviewState(StrEnum):
    """Where a draft is in its review."""

    DRAFTING = "drafting"
    DRAFTING_FAILED = "drafting_failed"
    DRAFTED = "drafted"
    IN_REVIEW = "in_review"
    SIGNED = "signed"
    REJECTED = "rejected"
    AMENDED = "amended"
    ESCALATED = "escalated"


class ReviewAction(StrEnum):
    """What someone does to a draft."""

    OPEN = "open"
    SIGN = "sign"
    REJECT = "reject"
    AMEND = "amend"
    ESCALATE = "escalate"
    RETURN = "return"


class Role(StrEnum):
    """What a user of a practice may do."""

    CLINICIAN = "clinician"
    SCRIBE = "scribe"
    ADMIN = "admin"
    AUDITOR = "auditor"


S, A = ReviewState, ReviewAction
TRANSITIONS: dict[tuple[ReviewState, ReviewAction], ReviewState] = {
    (S.DRAFTED, A.OPEN): S.IN_REVIEW,
    (S.DRAFTED, A.ESCALATE): S.ESCALATED,
    (S.DRAFTED, A.REJECT): S.REJECTED,
    (S.IN_REVIEW, A.SIGN): S.SIGNED,
    (S.IN_REVIEW, A.REJECT): S.REJECTED,
    (S.IN_REVIEW, A.ESCALATE): S.ESCALATED,
    (S.ESCALATED, A.RETURN): S.IN_REVIEW,
    (S.SIGNED, A.AMEND): S.AMENDED,
    (S.AMENDED, A.AMEND): S.AMENDED,
}
"""Every allowed move; anything else is refused. Signed and rejected drafts never reopen.
A draft being drafted (or whose drafting failed) takes no move: only the drafting job ends it."""

REDRAFTABLE = frozenset({ReviewState.REJECTED, ReviewState.DRAFTING_FAILED})
"""An encounter may be drafted again only when every earlier draft is one of these."""

ROLES_FOR: dict[ReviewAction, frozenset[Role]] = {
    A.OPEN: frozenset({Role.CLINICIAN, Role.SCRIBE}),
    A.SIGN: frozenset({Role.CLINICIAN}),
    A.REJECT: frozenset({Role.CLINICIAN}),
    A.AMEND: frozenset({Role.CLINICIAN}),
    A.ESCALATE: frozenset({Role.CLINICIAN, Role.SCRIBE}),
    A.RETURN: frozenset({Role.CLINICIAN, Role.ADMIN}),
}
"""Scribes capture and edit but never sign, reject or amend; auditors only read."""


def next_state(state: ReviewState, action: ReviewAction, role: Role) -> ReviewState:
    """Return the state ``action`` leads to, or raise when the role or the move is not allowed."""
    if role not in ROLES_FOR[action]:
        raise NotAllowedError(f"A {role.value} may not {action.value} a note.")
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise InvalidTransitionError(
            f"A {state.value.replace('_', ' ')} note cannot be {_past(action)}."
        ) from None


def _past(action: ReviewAction) -> str:
    return {A.OPEN: "opened for review", A.SIGN: "signed", A.REJECT: "rejected",
            A.AMEND: "amended", A.ESCALATE: "escalated", A.RETURN: "returned to review"}[action]  # fmt: skip


class SignOffBlockedError(InvalidTransitionError):
    """Sign-off refused while major findings or flagged sections are open (they are listed)."""

    def __init__(
        self, message: str, finding_ids: tuple[str, ...], flagged_sections: tuple[str, ...]
    ) -> None:
        super().__init__(message)
        self.finding_ids = finding_ids
        self.flagged_sections = flagged_sections


@dataclass(frozen=True)
class Checklist:
    """What the signing clinician confirms, item by item (the API's ``checklist`` keys)."""

    facts_verified: bool = False
    assessment_is_mine: bool = False
    flags_completed: bool = False
    defensible: bool = False

    def unconfirmed(self) -> list[str]:
        """Return the items not confirmed, in the clinician's words."""
        items = {
            "the facts match the encounter": self.facts_verified,
            "the assessment is my own judgment": self.assessment_is_mine,
            "flagged sections are completed": self.flags_completed,
            "the note is defensible to a colleague or auditor": self.defensible,
        }
        return [item for item, confirmed in items.items() if not confirmed]


@dataclass(frozen=True)
class SignOffRequest:
    """Everything the rules need to decide whether this clinician may sign this draft now."""

    signer_id: str
    signer_role: Role
    encounter_clinician_id: str
    cosigner_ids: frozenset[str]
    open_major_findings: int
    open_flagged_sections: int
    checklist: Checklist


def check_sign_off(request: SignOffRequest) -> None:
    """Raise with one sentence if the draft may not be signed; return when it may."""
    if request.signer_role is not Role.CLINICIAN:
        raise NotAllowedError(f"A {request.signer_role.value} may not sign a note.")
    allowed = {request.encounter_clinician_id, *request.cosigner_ids}
    if request.signer_id not in allowed:
        raise NotAllowedError(
            "Only the encounter's clinician, or one the practice allows to co-sign, signs it."
        )
    if request.open_major_findings or request.open_flagged_sections:
        raise InvalidTransitionError(
            f"The note cannot be signed with {request.open_major_findings} major finding(s) "
            f"and {request.open_flagged_sections} flagged section(s) unresolved."
        )
    missing = request.checklist.unconfirmed()
    if missing:
        raise InvalidTransitionError(f"Confirm before signing: {'; '.join(missing)}.")


@dataclass(frozen=True)
class Signature:
    """Who signed, when, and a SHA-256 of exactly the text they signed."""

    signer_id: str
    signed_at: datetime
    text_sha256: str

    @classmethod
    def of(cls, text: str, signer_id: str, signed_at: datetime) -> "Signature":
        """Return the signature of ``text`` (time zone required: a signature says when)."""
        if signed_at.tzinfo is None:
            raise ValueError("a signature's time must carry its time zone")
        return cls(signer_id, signed_at, hashlib.sha256(text.encode("utf-8")).hexdigest())

    def matches(self, text: str) -> bool:
        """Return True when ``text`` is exactly the signed text."""
        return hashlib.sha256(text.encode("utf-8")).hexdigest() == self.text_sha256
