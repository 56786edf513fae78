"""Render a drafted note as plain text or Markdown. Only titles and gap flags are added."""

from collections.abc import Callable, Iterable, Iterator
from itertools import groupby

from chartdraft.domain.note import DraftSection, Statement

_Heading = Callable[[str], str]
_Joiner = Callable[[list[str]], str]
BULLET = "- "


def render_text(title: str, sections: Iterable[DraftSection]) -> str:
    """Return the note as plain text, the way it would be pasted into an EHR."""
    return _render(title.upper(), sections, heading=str.upper, join="\n".join)


def render_markdown(title: str, sections: Iterable[DraftSection]) -> str:
    """Return the note as Markdown."""
    return _render(f"# {title}", sections, heading=lambda t: f"## {t}", join=_markdown_join)


def _render(
    title_line: str, sections: Iterable[DraftSection], heading: _Heading, join: _Joiner
) -> str:
    blocks = [title_line]
    for section in sections:
        lines = [*_section_body(section, BULLET), *(gap.line for gap in section.gaps)]
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


def _section_body(section: DraftSection, bullet: str) -> Iterator[str]:
    # Consecutive statements under the same sub-heading render as one block.
    for group, members in groupby(section.statements, key=lambda s: s.group):
        yield from _group_lines(group, list(members), bullet)


def _group_lines(group: str | None, statements: list[Statement], bullet: str) -> Iterator[str]:
    # Runs of prose sentences join into one paragraph; lines and bullets keep their own line.
    # The sub-heading leads the first line, or stands alone above a list.
    label = f"{group}:" if group else None
    for form, run in groupby(statements, key=lambda s: s.form):
        texts = [s.text for s in run]
        if form == "sentence":
            lines = [" ".join(texts)]
        elif form == "bullet":
            lines = [f"{bullet}{text}" for text in texts]
        else:
            lines = texts
        if label is not None:
            if form == "bullet":
                yield label
            else:
                lines[0] = f"{label} {lines[0]}"
            label = None
        yield from lines
