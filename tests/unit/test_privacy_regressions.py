"""Cases an independent review reproduced against the PHI protection, each kept as a test."""

import logging
import time
from dataclasses import dataclass

import pytest

from chartdraft.bootstrap import name_lexicon, phi_detector
from chartdraft.capture.structured import parse_text
from chartdraft.domain.draft import PracticeContext, SoapDraft
from chartdraft.domain.errors import PrivacyError
from chartdraft.drafting.engine import Destination, DraftRequest, destination_of
from chartdraft.drafting.engines.template import TemplateEngine
from chartdraft.privacy.log_filter import LIBRARIES_THAT_LOG_BODIES, redact
from chartdraft.privacy.pseudonymize import PseudonymTable
from chartdraft.privacy.visit_privacy import pseudonymize_visit, restore_draft
from chartdraft.services.drafting import draft_visit
from chartdraft.templates.catalog import load_catalog


def pseudonymized(text: str, seed: int = 3) -> tuple[str, PseudonymTable]:
    table = PseudonymTable.for_visit(name_lexicon(), seed=seed)
    return table.pseudonymize(text, phi_detector().detect(text)).text, table


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # a name found once is masked wherever else it is written
        ("Spoke with daughter Rose. Rose will bring the med list.", ["Rose"]),
        ("Hi martha. Martha reports cough. MARTHA denies fever.", ["martha", "MARTHA"]),
        ("Mrs. Brown is here. Brown family history of asthma.", ["Brown"]),
        # apostrophes and hyphens belong to the name; the whole word is replaced
        ("Patient: Mary O'Connor", ["O'Connor", "Connor"]),
        ("Spoke with Shaquille O'Neal.", ["Shaquille", "Neal"]),
        ("Patient: D'Angelo Russo.", ["Angelo", "Russo"]),
        ("Mary-Ann Johnson presents", ["Mary", "Ann", "Johnson"]),
        ("Patient: Van Tran", ["Van", "Tran"]),
        # lower-case dictation, surname first, capitals, names beside unknown names
        ("mrs smith reports pain", ["smith"]),
        ("Smith, John", ["Smith", "John"]),
        ("PATIENT: JOHNSON, MARY A", ["JOHNSON", "MARY"]),
        ("Ngozi Okonkwo presents", ["Ngozi", "Okonkwo"]),
        # invisible characters and combining accents inside a name
        ("Mr. S\u200bmith reports cough.", ["mith", "Smith"]),
        ("Mr. Sm\u00adith reports cough.", ["ith", "Sm"]),
        ("Mr. Smi\u0301th reports cough.", ["Smi", "th "]),
        # typographic dashes in numbers
        ("Call 555\u2011234\u20115678.", ["234\u20115678"]),
        ("SSN 123\u201345\u20136789", ["6789"]),
    ],
)
def test_no_part_of_an_identifier_reaches_the_engine(text: str, names: list[str]) -> None:
    sent, table = pseudonymized(text)
    for name in names:
        assert name not in sent, sent
    assert table.restore(sent) == text


@pytest.mark.parametrize("text", ["Takes Lisinopril.", "Barrett esophagus.", "COPD, CHF, ASA."])
def test_clinical_words_stay(text: str) -> None:
    assert phi_detector().detect(text) == []


def restore_template_draft(capture: str, seed: int, rewrite: dict[str, str] | None = None) -> str:
    visit = parse_text(capture)
    template = load_catalog().resolve("general")
    table = PseudonymTable.for_visit(name_lexicon(), seed=seed)
    private = pseudonymize_visit(visit, phi_detector(), table)
    draft = TemplateEngine().draft(DraftRequest(private.visit, template, PracticeContext()))
    for old, new in (rewrite or {}).items():
        draft = _replace_text(draft, old, new)
    return restore_draft(draft, private, phi_detector()).text


def _replace_text(draft: SoapDraft, old: str, new: str) -> SoapDraft:
    sections = tuple(
        s.model_copy(
            update={
                "statements": tuple(
                    st.model_copy(update={"text": st.text.replace(old, new)}) for st in s.statements
                )
            }
        )
        for s in draft.sections
    )
    return draft.model_copy(update={"sections": sections})


MONTHS = (
    "S: Diagnosed March 2024. Chemo started April 2024. Scan in May 2024.\nP: Follow up June 2024."
)


@pytest.mark.parametrize("seed", range(25))
def test_restoring_never_rewrites_the_clinicians_own_dates(seed: int) -> None:
    plain = restore_template_draft(MONTHS, seed)
    for month in ("March", "April", "May", "June"):
        assert f"{month} 2024" in plain


def test_a_date_or_age_the_engine_rewrote_is_restored_by_its_value() -> None:
    capture = "S: Knee surgery on 3/14/2024; she is 91 yo.\nP: Follow up."
    table = PseudonymTable.for_visit(name_lexicon(), seed=5)
    text = "Knee surgery on 3/14/2024; she is 91 yo."
    sent = table.pseudonymize(text, phi_detector().detect(text)).text
    surgery = sent.split("on ")[1].split(";")[0]
    month, day, _ = surgery.split("/")
    months = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]  # fmt: skip
    age = sent.split("is ")[1].split(" yo")[0]
    rewrite = {surgery: f"{months[int(month) - 1]} {int(day)}", f"{age} yo": f"{age}-year-old"}
    restored = restore_template_draft(capture, 5, rewrite)
    assert "3/14/2024" in restored
    assert "91-year-old" in restored


def test_each_occurrence_is_restored_in_its_own_case() -> None:
    text = "Spoke with mr. mcdonald today. Mr. McDonald reports cough. MCDONALD signed."
    sent, table = pseudonymized(text)
    assert "cdonald" not in sent.lower()
    assert table.restore(sent) == text


@dataclass
class FieldEngine:
    """An engine whose destination is a plain field, not a property."""

    destination: Destination
    name: str = "field-engine"

    def is_available(self) -> bool:
        return True

    def draft(self, request: DraftRequest) -> SoapDraft:
        raise AssertionError("must never be called without the guard")


def test_a_destination_set_on_the_instance_counts() -> None:
    engine = FieldEngine(Destination("api.example.com", phi_allowed=False))
    assert destination_of(engine) == engine.destination
    visit = parse_text("CC: cough\nS: Martha Collins reports cough.")
    with pytest.raises(PrivacyError):
        draft_visit(visit, engine, load_catalog().resolve("general"), PracticeContext())


def test_escaped_log_payloads_are_redacted_and_body_loggers_are_quiet() -> None:
    payload = repr({"content": "HPI:\nMartha Kowalczyk reports cough since 03/14/2024"})
    cleaned = redact(payload, phi_detector())
    assert "Kowalczyk" not in cleaned
    assert "Martha" not in cleaned
    assert "03/14/2024" not in cleaned
    assert set(LIBRARIES_THAT_LOG_BODIES) >= {"openai", "anthropic", "httpx"}
    assert all(logging.getLogger(name) for name in LIBRARIES_THAT_LOG_BODIES)


@pytest.mark.parametrize(
    "hostile",
    ["Ab-" * 27_000 + " Transferred from Mercy Hospital.", "seen 3/14/2024. " * 10_000],
)
def test_hostile_captures_are_read_in_linear_time(hostile: str) -> None:
    start = time.perf_counter()
    found = phi_detector().detect(hostile)
    assert time.perf_counter() - start < 20
    assert found  # the identifier at the end (or every date) is still found
