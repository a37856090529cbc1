"""The CPUs the grader may use (graders.cpus): a container's quota and the affinity bound the
sandbox's children at once, the oracle's workers and ``graders batch --jobs``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from graders import cpus

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("files", "limit"),
    [
        ({}, None),
        ({"cpu.max": "max 100000\n"}, None),
        ({"cpu.max": "150000 100000\n"}, 2),
        ({"cpu.max": "50000 100000\n"}, 1),
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),
        ({"cpu/cpu.cfs_quota_us": "100000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 1),
        ({"cpu.max": "garbage\n"}, None),
        ({"cpu.max": "100000 0\n"}, None),
        ({"cpu.max": "0 100000\n"}, 1),
    ],
)
def test_a_containers_quota_bounds_the_affinity(
    files: dict[str, str], limit: int | None, tmp_path: Path
) -> None:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    affinity = len(os.sched_getaffinity(0))
    assert cpus.usable(tmp_path) == (affinity if limit is None else min(affinity, limit))


def on_one_cpu(code: str, timeout: float = 120) -> str:
    """The output of ``code`` run by a new Python pinned to one CPU (as ``taskset -c 0`` does,
    or a container bounded to one), which must succeed."""
    pin = "import os\nos.sched_setaffinity(0, {min(os.sched_getaffinity(0))})\n"
    proc = subprocess.run(
        [sys.executable, "-c", pin + code], capture_output=True, text=True, cwd=ROOT,
        timeout=timeout,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_pinned_to_one_cpu_every_default_uses_one() -> None:
    """Pinned to one CPU, the grader starts one sandbox child at a time, grades a class one
    student at a time and forks no oracle worker."""
    code = (
        "from graders import cli, oracle\n"
        "from graders.sandbox import Sandbox\n"
        "args = cli._parser().parse_args(['batch', 'class', '--output-dir', 'out'])\n"
        "with Sandbox() as box:\n"
        "    print(args.jobs, oracle.WORKERS, box.parallel)\n"
    )
    assert on_one_cpu(code).split() == ["1", "1", "1"]


def test_on_one_cpu_the_oracle_computes_in_its_own_process() -> None:
    """With no worker the oracle computes in its own process, and the grading is the same."""
    code = (
        "import runpy, sys\n"
        "sys.argv = ['graders', 'grade', 'reference', '--format', 'json', '--no-cache',"
        " '--only', 'activations.relu', '--only', 'optimizers.SGD']\n"
        "runpy.run_module('graders', run_name='__main__')\n"
    )
    report = json.loads(on_one_cpu(code, timeout=300))
    assert report["score"] == report["max_score"] > 0
