"""The speech engine loads only when a recording arrives, not with the CLI or the web app."""

import subprocess
import sys


def test_starting_the_cli_and_the_web_app_does_not_load_the_speech_engine() -> None:
    probe = (
        "import sys, chartdraft.cli, chartdraft.web.app, chartdraft.bootstrap as b; "
        "from chartdraft.config import Settings; b.build_transcriber(Settings()); "
        "print(sorted(m for m in ('faster_whisper', 'ctranslate2', 'av', 'onnxruntime') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )

    assert result.stdout.strip() == "[]"
