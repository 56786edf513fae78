"""The review state machine and the sign-off rules, table by table."""

from datetime import UTC, datetime
from itertools import product

import pytest

from chartdraft.domain.errors import InvalidTransitionError, NotAllowedError
from chartdraft.domain.review import (
    TRANSITIONS,
    Checklist,
    ReviewAction,
    ReviewState,
    Role,
    Signature,
    SignOffRequest,
    check_sign_off,
    next_state,
)

S, A, R = ReviewState, ReviewAction, Role

ALLOWED = [
    (S.DRAFTED, A.OPEN, R.SCRIBE, S.IN_REVIEW),
    (S.DRAFTED, A.OPEN, R.CLINICIAN, S.IN_REVIEW),
    (S.IN_REVIEW, A.SIGN, R.CLINICIAN, S.SIGNED),
    (S.IN_REVIEW, A.REJECT, R.CLINICIAN, S.REJECTED),
    (S.DRAFTED, A.REJECT, R.CLINICIAN, S.REJECTED),
    (S.IN_REVIEW, A.ESCALATE, R.SCRIBE, S.ESCALATED),
    (S.ESCALATED, A.RETURN, R.ADMIN, S.IN_REVIEW),
    (S.SIGNED, A.AMEND, R.CLINICIAN, S.AMENDED),
    (S.AMENDED, A.AMEND, R.CLINICIAN, S.AMENDED),
]


@pytest.mark.parametrize(("state", "action", "role", "after"), ALLOWED)
def test_allowed_moves(state: S, action: A, role: R, after: S) -> None:
    assert next_state(state, action, role) is after


@pytest.mark.parametrize(
    ("action", "role"),
    [(A.SIGN, R.SCRIBE), (A.REJECT, R.SCRIBE), (A.AMEND, R.SCRIBE), (A.SIGN, R.ADMIN),
     (A.SIGN, R.AUDITOR), (A.OPEN, R.AUDITOR), (A.ESCALATE, R.AUDITOR)],
)  # fmt: skip
def test_roles_that_may_not_act(action: A, role: R) -> None:
    with pytest.raises(NotAllowedError, match=f"A {role.value} may not"):
        next_state(S.IN_REVIEW, action, role)


def test_every_other_move_is_refused_and_signed_notes_never_reopen() -> None:
    for state, action in product(ReviewState, ReviewAction):
        if (state, action) in TRANSITIONS:
            continue
        with pytest.raises(InvalidTransitionError):
            next_state(state, action, R.CLINICIAN if action is not A.RETURN else R.ADMIN)
    assert not any(s is S.SIGNED and a is not A.AMEND for s, a in TRANSITIONS)
    assert not any(s is S.REJECTED for s, _ in TRANSITIONS)


ALL_CONFIRMED = Checklist(True, True, True, True)


def request(**changes: object) -> SignOffRequest:
    fields: dict[str, object] = {
        "signer_id": "dr-lee",
        "signer_role": R.CLINICIAN,
        "encounter_clinician_id": "dr-lee",
        "cosigner_ids": frozenset({"dr-park"}),
        "open_major_findings": 0,
        "open_flagged_sections": 0,
        "checklist": ALL_CONFIRMED,
    }
    return SignOffRequest(**{**fields, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"signer_role": R.SCRIBE}, NotAllowedError, "scribe may not sign"),
        ({"signer_id": "dr-other"}, NotAllowedError, "co-sign"),
        ({"open_major_findings": 2}, InvalidTransitionError, "2 major finding"),
        ({"open_flagged_sections": 1}, InvalidTransitionError, "1 flagged section"),
        ({"checklist": Checklist(True, False, True, True)}, InvalidTransitionError, "my own"),
        ({"checklist": Checklist()}, InvalidTransitionError, "defensible"),
    ],
)
def test_sign_off_is_refused(changes: dict[str, object], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        check_sign_off(request(**changes))


@pytest.mark.parametrize("signer", ["dr-lee", "dr-park"])
def test_the_encounters_clinician_or_a_cosigner_signs(signer: str) -> None:
    check_sign_off(request(signer_id=signer))


def test_a_signature_fixes_the_exact_text() -> None:
    when = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)
    signature = Signature.of("Assessment: viral URI.", "dr-lee", when)
    assert signature.matches("Assessment: viral URI.")
    assert not signature.matches("Assessment: viral URI. ")
    assert len(signature.text_sha256) == 64
    with pytest.raises(ValueError, match="time zone"):
        Signature.of("x", "dr-lee", datetime(2026, 12, 2, 15, 30))
