"""``python -m graders ...`` as a user runs it: a new process in the repository, its output kept."""

from __future__ import annotations

import os
import subprocess
import sys
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
