"""Scratch directories: a grader killed outright (SIGKILL) leaves its unpacked submission and
its sandbox's session behind; the next grader removes them, and nothing a living grader owns,
nothing of another kind and nothing behind a link."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graders import scratch
from tests.graders_cli import run_graders

ROOT = Path(__file__).resolve().parent.parent
OWNER = """
import sys, time
from graders import scratch
from tests.graders_cli import run_graders
print(scratch.make(sys.argv[1]), flush=True)
time.sleep(120)
"""


@pytest.fixture
def base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("GRADER_SCRATCH", str(tmp_path))
    return tmp_path


def _owner(base: Path, prefix: str) -> tuple[subprocess.Popen[str], Path]:
    """Another process that makes a scratch directory and lives on."""
    proc = subprocess.Popen(
        [sys.executable, "-c", OWNER, prefix],
        cwd=ROOT,
        env={**os.environ, "GRADER_SCRATCH": str(base)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, Path(proc.stdout.readline().strip())


def test_a_living_owners_directory_stays_and_a_killed_ones_goes(base: Path) -> None:
    procs = [_owner(base, prefix) for prefix in scratch.PREFIXES]
    try:
        for _, path in procs:
            assert path.parent == base and (path / scratch.OWNER).is_file()
        assert scratch.sweep() == []
        assert all(path.is_dir() for _, path in procs)
        first, path = procs[0]
        first.send_signal(signal.SIGKILL)
        first.wait()
        assert scratch.sweep() == [path] and not path.exists()
        assert procs[1][1].is_dir()  # (its owner lives)
    finally:
        for proc, _ in procs:
            proc.kill()
            proc.wait()


def test_this_process_keeps_its_own_and_remove_lets_it_go(base: Path) -> None:
    mine = scratch.make("grader-")
    assert scratch.sweep() == [] and mine.is_dir()
    scratch.remove(mine)
    assert not mine.exists() and not list(base.iterdir())


def test_only_our_kind_with_a_lock_file_and_no_link_is_swept(base: Path) -> None:
    proc, path = _owner(base, "grader-")
    proc.kill()
    proc.wait()
    (base / "grader-without-lock").mkdir()  # (being made, or another version's)
    (base / "other-dir").mkdir()
    (base / "other-dir" / scratch.OWNER).write_text("")
    elsewhere = base / "other-dir"
    (base / "grader-link").symlink_to(elsewhere, target_is_directory=True)
    assert scratch.sweep() == [path]
    left = sorted(p.name for p in base.iterdir())
    assert left == ["grader-link", "grader-without-lock", "other-dir"]


def _made(base: Path, kinds: set[str]) -> bool:
    """Whether ``base`` holds one scratch directory of each kind, each finished: its lock file
    in place (a directory caught between ``mkdtemp`` and its lock file's rename is one a sweep
    must leave: its maker may be alive; the command line starts its sandbox first, so the
    submission's directory can be caught so under load)."""
    made = [p for p in base.iterdir() if (p / scratch.OWNER).exists()]
    return {p.name.split("-")[0] for p in made} == kinds


def test_the_next_grading_removes_what_a_killed_grader_left(tmp_path: Path) -> None:
    """SIGKILL the grader in the middle of a grading (its sandbox's session and the unpacked
    submission exist); the next grading removes both and leaves nothing of its own."""
    env = {**os.environ, "GRADER_SCRATCH": str(tmp_path)}
    cmd = [sys.executable, "-m", "graders", "grade", "reference", "--only", "optimizers.*"]
    killed = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while not _made(tmp_path, {"grader", "dlgrade"}):
        assert time.monotonic() < deadline and killed.poll() is None, "no grading began"
        time.sleep(0.05)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    left = sorted(p.name.split("-")[0] for p in tmp_path.iterdir())
    assert left == ["dlgrade", "grader"]
    again = run_graders("grade", "reference", "--only", "activations.relu", env=env)
    assert again.returncode == 0, again.stderr
    assert not list(tmp_path.iterdir())
