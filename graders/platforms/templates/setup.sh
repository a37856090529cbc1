#!/usr/bin/env bash
# dlgrade autograder: Gradescope runs this once, as root, when it builds the autograder image.
# Installs Python 3.11, torch 2.13.0 from its CPU-only index (no CUDA libraries) and every other
# package pinned in requirements.txt, so nothing is downloaded while grading.
# DRY_RUN=1 prints the commands instead of running them; PYTHON=... picks the interpreter;
# DLGRADE_AUTOGRADER_ROOT stands in for /autograder.
set -euo pipefail
ROOT="${DLGRADE_AUTOGRADER_ROOT:-/autograder}"
SRC="$ROOT/source"
VENV="$ROOT/venv"
PIP_FLAGS="--disable-pip-version-check --no-input --only-binary=:all: --no-deps"

run() {
    if [ -n "${DRY_RUN:-}" ]; then printf '%s\n' "$*"; else "$@"; fi
}

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
    if ! command -v python3.11 >/dev/null 2>&1; then
        run apt-get update
        run env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
            python3.11 python3.11-venv
    fi
    PY=python3.11
fi
if [ -z "${DRY_RUN:-}" ]; then
    "$PY" -c 'import sys; assert sys.version_info[:2] == (3, 11), sys.version'
fi
run "$PY" -m venv "$VENV"
run "$VENV/bin/python" -m pip install $PIP_FLAGS --index-url {{torch_index}} torch==2.13.0
run "$VENV/bin/python" -m pip install $PIP_FLAGS -r "$SRC/requirements.txt"
run "$VENV/bin/python" -m compileall -q "$SRC/graders"
run chmod 600 "$SRC/dlgrade-config.json"
run "$VENV/bin/python" -c "import numpy, scipy, sympy, rich, torch; assert torch.__version__.split('+')[0] == '2.13.0'"
# The expected values every submission needs, computed once here: grading then reads them.
cd "$SRC"
run "$VENV/bin/python" -m graders.platforms gradescope-prefill --root "$ROOT"
