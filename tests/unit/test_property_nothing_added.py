"""Property: whatever the input, the draft's words all come from it, and none of it is lost.

The only text a draft may add is the note title, the section titles and the
``[Needs clinician input: ...]`` lines (see ``tests/support.py``).
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chartdraft.bootstrap import build_drafting_service
from chartdraft.capture.intake import parse_capture
from chartdraft.config import Settings
from chartdraft.domain.errors import InputError
from tests.support import added_words, lost_words

SERVICE = build_drafting_service(Settings())

HEADERS = [
    "Chief complaint:",
    "CC:",
    "C/C:",
    "Subjective:",
    "S:",
    "HPI:",
    "History:",
    "ROS:",
    "Meds:",
    "Objective:",
    "O:",
    "Exam:",
    "PE:",
    "Vitals:",
    "Labs:",
    "Assessment:",
    "A:",
    "Impression:",
    "Dx:",
    "A/P:",
    "Assessment and Plan:",
    "Plan:",
    "P:",
    "Recommendations:",
    "PLAN",
    "## Exam",
    "Encounter type: follow-up",
]
WORDS = [
    "denies",
    "reports",
    "cough",
    "fever",
    "lisinopril",
    "20",
    "mg",
    "daily",
    "BP",
    "142/90",
    "HR",
    "78",
    "wt",
    "82",
    "kg",
    "T",
    "98.6",
    "lungs",
    "clear",
    "likely",
    "viral",
    "URI",
    "start",
    "continue",
    "follow",
    "up",
    "return",
    "if",
    "worse",
    "HTN",
    "not",
    "at",
    "goal",
    "-",
    ",",
    ";",
    ".",
    "b.i.d.",
    "Dr.",
    "x3",
    "days",
    "left",
    "knee",
    "pain",
    "5/10",
    "wnl",
    "see",
    "above",
    "none",
    "?",
    "e.g.",
    "since",
    "last",
    "visit",
    "taking",
    "improved",
    "é",
    "Ωmega",
    "ß",
]
BULLETS = ["", "", "- ", "* ", "\u2022 ", "1. ", "2) ", "  "]

phrases = st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join)
content_lines = st.tuples(st.sampled_from(BULLETS), phrases).map("".join)
blocks = st.tuples(
    st.sampled_from(HEADERS),
    st.sampled_from([" ", "\n"]),
    st.lists(content_lines, min_size=0, max_size=4).map("\n".join),
).map("".join)
headed_captures = st.lists(blocks, min_size=1, max_size=7).map("\n".join)
free_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=400
)


def draft_or_refuse(text: str) -> None:
    try:
        visit = parse_capture(text)
        draft = SERVICE.draft(visit)
    except InputError:
        return  # refusing bad input is allowed; inventing or losing content is not
    assert added_words(visit, draft) == set(), draft.text
    assert lost_words(visit, draft) == set(), draft.text


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(headed_captures)
def test_headed_capture_adds_and_loses_nothing(text: str) -> None:
    draft_or_refuse(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(content_lines, min_size=1, max_size=10).map("\n".join))
def test_dictation_adds_and_loses_nothing(text: str) -> None:
    draft_or_refuse(text)


@settings(max_examples=300, deadline=None)
@given(free_text)
def test_any_text_adds_and_loses_nothing(text: str) -> None:
    draft_or_refuse(text)
