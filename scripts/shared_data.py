"""What the data-generating scripts share: where the public datasets are, and their origin.

Each dataset folder in ../shared/data has a SOURCE.md naming the commit it was copied from;
a generated file quotes that commit in its attribution header.
"""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data"


def source_commit(note: Path) -> str:
    """Return the commit recorded in the dataset's SOURCE.md (fail loudly if there is none)."""
    match = re.search(r"commit ([0-9a-f]{40})", note.read_text(encoding="utf-8"))
    if match is None:
        raise SystemExit(f"no source commit found in {note}")
    return match.group(1)
