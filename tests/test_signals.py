"""A CI job cancelled mid-grading (SIGTERM, SIGHUP, SIGINT to the grader's process group) stops
cleanly: exit 128 + the signal, one line on stderr, no process left, no scratch copy left."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.graders_cli import interruptible
from tests.processes import mentioning

ROOT = Path(__file__).resolve().parent.parent
SLOW = """
import time
import numpy as np

def sigmoid(x):
    time.sleep(2.0)
    return 1.0 / (1.0 + np.exp(-x))
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_signal_stops_grading_cleanly(signum: int, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "activations.py").write_text(SLOW)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with interruptible():
        proc = subprocess.Popen(
            [sys.executable, "-m", "graders", "grade", str(tmp_path / "sub"), "--only",
             "activations.sigmoid", "--no-cache"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "GRADER_SCRATCH": str(scratch)}, start_new_session=True,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while not any(scratch.glob("grader-*/job*/res")) and time.monotonic() < deadline:
        time.sleep(0.05)  # (until the children are at work)
    time.sleep(0.5)
    os.killpg(proc.pid, signum)  # as a CI runner does: the whole group
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum, err
    assert err.strip().splitlines() == [f"graders: stopped by {signal.Signals(signum).name}"]
    assert "Traceback" not in err
    for _ in range(100):  # (the zygote's group is killed by the grader; let the kernel reap)
        if not mentioning(scratch) and not any(scratch.iterdir()):
            break
        time.sleep(0.05)
    assert not mentioning(scratch), "processes left behind"
    assert not list(scratch.iterdir()), f"scratch left behind: {list(scratch.iterdir())}"
