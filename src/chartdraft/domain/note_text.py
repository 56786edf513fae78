"""Render a drafted note as plain text or Markdown. Only titles and gap flags are added."""

import re
from collections.abc import Callable, Iterable, Iterator
from itertools import groupby

from chartdraft.domain.note import DraftSection, Statement

_Heading = Callable[[str], str]
_Joiner = Callable[[list[str]], str]
_Escape = Callable[[str], str]
BULLET = "- "
# Characters that Markdown, or the HTML it becomes, would read as markup instead of the note.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}#+!|~>-])")
_HTML_SPECIAL = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def render_text(title: str, sections: Iterable[DraftSection]) -> str:
    """Return the note as plain text, the way it would be pasted into an EHR."""
    return _render(title.upper(), sections, heading=str.upper, join="\n".join, escape=str)


def render_markdown(title: str, sections: Iterable[DraftSection]) -> str:
    """Return the note as Markdown; the clinician's text is escaped, never read as markup."""
    return _render(
        f"# {escape_markdown(title)}",
        sections,
        heading=lambda t: f"## {escape_markdown(t)}",
        join=_markdown_join,
        escape=escape_markdown,
    )


def render_section_body(section: DraftSection) -> str:
    """Return one section's body as plain text, the way the clinician edits it."""
    return "\n".join([*_section_body(section, str), *(gap.line for gap in section.gaps)])


def escape_markdown(text: str) -> str:
    """Return ``text`` with every character Markdown or HTML would interpret escaped."""
    text = "".join(_HTML_SPECIAL.get(ch, ch) for ch in text)
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _render(
    title_line: str,
    sections: Iterable[DraftSection],
    heading: _Heading,
    join: _Joiner,
    escape: _Escape,
) -> str:
    blocks = [title_line]
    for section in sections:
        lines = [*_section_body(section, escape), *(escape(gap.line) for gap in section.gaps)]
        blocks.append(heading(section.title) + "\n" + join(lines))
    return "\n\n".join(blocks) + "\n"


def _markdown_join(lines: list[str]) -> str:
    # In Markdown a single newline does not break a paragraph; only list items may touch.
    out: list[str] = []
    for previous, line in zip([None, *lines], lines, strict=False):
        if previous is not None:
            both_listed = line.startswith(BULLET) and previous.startswith(BULLET)
            out.append("\n" if both_listed or line.startswith(BULLET) else "\n\n")
        out.append(line)
    return "".join(out)


def _section_body(section: DraftSection, escape: _Escape) -> Iterator[str]:
    # Consecutive statements under the same sub-heading render as one block.
    for group, members in groupby(section.statements, key=lambda s: s.group):
        yield from _group_lines(group, list(members), escape)


def _group_lines(group: str | None, statements: list[Statement], escape: _Escape) -> Iterator[str]:
    # Runs of prose sentences join into one paragraph; lines and bullets keep their own line.
    # The sub-heading leads the first line, or stands alone above a list.
    label = f"{escape(group)}:" if group else None
    for form, run in groupby(statements, key=lambda s: s.form):
        texts = [escape(s.text) for s in run]
        if form == "sentence":
            lines = [" ".join(texts)]
        elif form == "bullet":
            lines = [f"{BULLET}{text}" for text in texts]
        else:
            lines = texts
        if label is not None:
            if form == "bullet":
                yield label
            else:
                lines[0] = f"{label} {lines[0]}"
            label = None
        yield from lines
