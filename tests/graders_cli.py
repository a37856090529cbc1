"""``python -m graders ...`` as a user runs it: a new process in the repository, its output kept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_graders(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m graders ARGS`` in the repository's root; ``env`` replaces the
    environment (None: this process's)."""
    return subprocess.run(
        [sys.executable, "-m", "graders", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ.copy() if env is None else env,
    )


@contextmanager
def interruptible() -> Iterator[None]:
    """Processes started inside get SIGINT's default action, as a terminal's or a CI runner's
    do, even when this test run inherited it ignored (a run started in the background by a
    shell without job control): Python then leaves Ctrl-C ignored in every child."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
