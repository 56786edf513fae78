"""What the browser suites share: Debian's Chromium, and where their screenshots go."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.conftest import REPO, require

CHROMIUM = Path(os.environ.get("CHARTDRAFT_TEST_CHROMIUM", "/usr/bin/chromium"))
SCREENS = REPO / "test-artifacts" / "e2e"


@contextmanager
def chromium(screens: str) -> Iterator[Any]:
    """Launch headless Chromium from Debian (never a downloaded browser) for one suite.

    The suite's old screenshots (``screens``, a glob in ``SCREENS``) are removed first; the
    other suites keep theirs.
    """
    require(CHROMIUM.exists(), f"Chromium at {CHROMIUM} (make test installs Debian's chromium)")
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only when Chromium exists

    SCREENS.mkdir(parents=True, exist_ok=True)
    for old in SCREENS.glob(screens):
        old.unlink()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
        yield launched
        launched.close()
