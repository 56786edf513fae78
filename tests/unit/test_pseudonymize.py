"""Pseudonymize and restore: consistent stand-ins, one date offset, spans and leftovers."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chartdraft.bootstrap import name_lexicon, phi_detector
from chartdraft.capture.structured import parse_text
from chartdraft.domain.draft import PracticeContext
from chartdraft.domain.findings import FindingKind
from chartdraft.domain.phi import PhiType
from chartdraft.drafting.engine import DraftRequest
from chartdraft.drafting.engines.template import TemplateEngine
from chartdraft.privacy.dates import read_date, shift_date
from chartdraft.privacy.pseudonymize import PseudonymTable
from chartdraft.privacy.visit_privacy import pseudonymize_visit, restore_draft
from chartdraft.templates.catalog import load_catalog

IDENTIFIED = (
    "CC: cough\n"
    "S: Martha Collins reports a dry cough since 03/14/2024. Mrs. Collins saw Dr. Nguyen on "
    "03/28/2024; her daughter Rose (555-201-4477, rose.collins@mailhost.net) drove her.\n"
    "O: T 98.6, lungs clear. MRN: 00482913.\n"
    "A: viral URI\n"
    "P: fluids and rest; call Dr. Nguyen if worse. Lives at 12 Oak Street, Springfield, IL 62704."
)
VALUES = ["Martha", "Collins", "Nguyen", "Rose", "555-201-4477", "rose.collins@mailhost.net",
          "03/14/2024", "03/28/2024", "00482913", "12 Oak Street", "Springfield"]  # fmt: skip


def table(seed: int = 11) -> PseudonymTable:
    return PseudonymTable.for_visit(name_lexicon(), seed=seed)


def test_no_identifier_survives_pseudonymization() -> None:
    text = IDENTIFIED
    pseudonymized = table().pseudonymize(text, phi_detector().detect(text))
    for value in VALUES:
        assert value not in pseudonymized.text
    assert "cough" in pseudonymized.text
    assert "viral URI" in pseudonymized.text


def test_the_same_person_gets_the_same_stand_in_every_time() -> None:
    text = "Martha Collins called. Mrs. Collins is better. MARTHA COLLINS signed."
    t = table()
    pseudonymized = t.pseudonymize(text, phi_detector().detect(text))
    surrogates = [r.surrogate for r in pseudonymized.replacements]
    first, last = surrogates[0].split()
    assert surrogates == [f"{first} {last}", last, f"{first.upper()} {last.upper()}"]


def test_dates_move_by_one_offset_so_intervals_survive() -> None:
    text = "Seen 03/14/2024; follow up 03/28/2024; surgery on March 30, 2024."
    t = table()
    pseudonymized = t.pseudonymize(text, phi_detector().detect(text))
    moved = [read_date(r.surrogate) for r in pseudonymized.replacements]
    given = [read_date(r.original) for r in pseudonymized.replacements]
    assert all(m is not None and g is not None for m, g in zip(moved, given, strict=True))
    offsets = {m - g for m, g in zip(moved, given, strict=True)}  # type: ignore[operator]
    assert offsets == {timedelta(days=t.date_shift_days)}
    assert abs(t.date_shift_days) > 14


@pytest.mark.parametrize(
    ("written", "days", "expected"),
    [
        ("03/14/2024", 20, "04/03/2024"),
        ("3/14/24", 20, "4/3/24"),
        ("2024-03-14", -14, "2024-02-29"),
        ("March 14, 2024", 20, "April 3, 2024"),
        ("14 Mar 2024", 20, "3 Apr 2024"),
        ("the 14th of March", 20, "the 3rd of April"),
        ("12/31/2023", 1, "1/1/2024"),
    ],
)
def test_a_date_keeps_its_format_when_shifted(written: str, days: int, expected: str) -> None:
    shifted = shift_date(written, days)
    assert shifted is not None
    assert shifted.text == expected


FRAGMENTS = st.sampled_from(
    ["Reports cough.", "Denies fever.", "BP 120/80.", "Taking lisinopril 10 mg daily.",
     "Pain 3/10.", "Follow up in 2 weeks.", "No known allergies.", "Lungs clear."]
)  # fmt: skip
IDENTIFIERS = st.sampled_from(  # "March 2024" shifted within March becomes "[DATE-1]"
    ["Mr. Brown", "her daughter Rose", "Martha Collins", "Dr. Nguyen", "03/14/2024", "5/12",
     "(555) 123-4567", "jq@mailhost.net", "MRN: 00123456", "SSN 123-45-6789",
     "123 Oak Street", "Springfield, IL 62704", "192.168.1.20", "a 93-year-old", "March 2024",
     "www.mychart.org", "Member ID: XJ4455221", "St. Mary's Hospital"]
)  # fmt: skip


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(FRAGMENTS, IDENTIFIERS), min_size=1, max_size=12), st.integers(0, 10**6))
def test_restore_is_the_identity_on_pseudonymized_text(parts: list[str], seed: int) -> None:
    text = " ".join(parts)
    t = table(seed)
    pseudonymized = t.pseudonymize(text, phi_detector().detect(text))
    assert t.restore(pseudonymized.text) == text
    for r in pseudonymized.replacements:  # offsets map both ways
        assert pseudonymized.to_original(r.new_start) == r.start
        assert pseudonymized.to_original(r.new_end, end=True) == r.end
        assert pseudonymized.to_pseudonymized(r.start) == r.new_start


def private_and_template_drafts() -> tuple[object, object, object]:
    visit = parse_text(IDENTIFIED)
    template = load_catalog().resolve("general")
    private = pseudonymize_visit(visit, phi_detector(), table())
    engine = TemplateEngine()
    practice = PracticeContext()
    on_stand_ins = engine.draft(DraftRequest(private.visit, template, practice))
    on_real = engine.draft(DraftRequest(visit, template, practice))
    return private, on_stand_ins, on_real


def test_a_draft_of_the_stand_ins_restores_to_the_draft_of_the_real_visit() -> None:
    private, on_stand_ins, on_real = private_and_template_drafts()
    restored = restore_draft(on_stand_ins, private, phi_detector())  # type: ignore[arg-type]
    assert restored.text == on_real.text  # type: ignore[attr-defined]
    for got, want in zip(restored.sections, on_real.sections, strict=True):  # type: ignore[attr-defined]
        assert [s.sources for s in got.statements] == [s.sources for s in want.statements]
    assert not [f for f in restored.findings if f.raised_by == "privacy"]
    assert any(n > 0 for n in private.entity_counts().values())  # type: ignore[attr-defined]


def test_a_reformatted_date_is_restored_and_a_leftover_stand_in_is_a_finding() -> None:
    private, on_stand_ins, _ = private_and_template_drafts()
    surrogates: dict[PhiType, str] = {}
    for field in private.fields.values():  # type: ignore[attr-defined]
        for r in field.replacements:
            surrogates.setdefault(r.type, r.surrogate)  # the first of each type
    moved = read_date(surrogates[PhiType.DATE])
    assert moved is not None
    rewritten = f"Seen {moved.strftime('%B')} {moved.day}, {moved.year}."
    phone_digits = "".join(ch for ch in surrogates[PhiType.PHONE] if ch.isdigit())
    leftover = f"Call {phone_digits[:3]} {phone_digits[3:6]} {phone_digits[6:]}."
    section = on_stand_ins.sections[1]  # type: ignore[attr-defined]
    statements = (
        section.statements[0].model_copy(update={"text": rewritten}),
        section.statements[1].model_copy(update={"text": leftover}),
    )
    edited = on_stand_ins.model_copy(  # type: ignore[attr-defined]
        update={
            "sections": (
                on_stand_ins.sections[0],  # type: ignore[attr-defined]
                section.model_copy(update={"statements": statements}),
                *on_stand_ins.sections[2:],  # type: ignore[attr-defined]
            )
        }
    )
    restored = restore_draft(edited, private, phi_detector())  # type: ignore[arg-type]
    texts = [s.text for s in restored.sections[1].statements]
    assert texts[0] == "Seen 03/14/2024."
    left = [f for f in restored.findings if f.raised_by == "privacy"]
    assert [f.kind for f in left] == [FindingKind.PHI_INTRODUCED]
    assert left[0].statement_id == statements[1].id
