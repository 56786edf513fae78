"""Splitting a field into items keeps exact offsets and never loses a word."""

import pytest

from chartdraft.capture.segment import split_items


def pieces(text: str, *, plan: bool = False) -> list[tuple[str, bool]]:
    return [(text[i.start : i.end], i.bulleted) for i in split_items(text, plan=plan)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- BP 142/90\n- HR 78", [("BP 142/90", True), ("HR 78", True)]),
        (
            "* one\n\u2022 two\n1. three\n2) four",
            [("one", True), ("two", True), ("three", True), ("four", True)],
        ),
        ("Denies fever. Reports cough.", [("Denies fever.", False), ("Reports cough.", False)]),
        ("Seen by Dr. Smith today.", [("Seen by Dr. Smith today.", False)]),
        ("Temp 98.6. HR 80", [("Temp 98.6.", False), ("HR 80", False)]),
        ("Take 1 tab p.o. daily.", [("Take 1 tab p.o. daily.", False)]),
        ("Lungs clear\nHeart RRR", [("Lungs clear", False), ("Heart RRR", False)]),
        (
            "- first line of a long bullet\n  and its continuation",
            [("first line of a long bullet\n  and its continuation", True)],
        ),
        ("- Endorses fatigue. Denies fever.", [("Endorses fatigue. Denies fever.", True)]),
        ("\n\n   \n-\n...\n", []),
        ("line one\n\n\nline two", [("line one", False), ("line two", False)]),
    ],
)
def test_items(text: str, expected: list[tuple[str, bool]]) -> None:
    assert pieces(text) == expected


def test_plan_items_split_on_sentences_and_semicolons() -> None:
    text = "- Continue lisinopril; recheck BMP in 2 weeks. Return if worse."
    items = split_items(
        text, plan=True, starts_item=lambda rest: rest.strip().startswith("recheck")
    )
    assert [text[i.start : i.end] for i in items] == [
        "Continue lisinopril",
        "recheck BMP in 2 weeks.",
        "Return if worse.",
    ]


def test_semicolon_splits_only_where_a_new_item_starts() -> None:
    text = "Colonoscopy last done 6 years ago, normal; next due in 4 years."
    assert [p for p, _ in pieces(text, plan=True)] == [text]


def test_unfinished_line_continues_so_a_denial_keeps_its_scope() -> None:
    text = "Denies fever, weight loss, bowel or bladder changes,\nsaddle numbness, or leg weakness."
    assert pieces(text) == [(text, False)]


def test_hard_wrapped_prose_joins_lowercase_continuation() -> None:
    first = "Patient reports intermittent cough for the last three weeks and"
    text = f"{first}\nworse at night."
    assert pieces(text) == [(text, False)]
