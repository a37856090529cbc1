"""Scratch directories: a grader killed outright (SIGKILL) leaves its unpacked submission and
its sandbox's session behind; the next grader removes them, and nothing a living grader owns,
nothing of another kind and nothing behind a link."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graders import scratch
from tests.graders_cli import run_graders
from tests.processes import holding, mentioning

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


def _mid_grading(base: Path) -> subprocess.Popen[bytes]:
    """A grading of the reference's optimizers, once its sandbox's session and the unpacked
    submission exist (scratch directories in ``base``)."""
    env = {**os.environ, "GRADER_SCRATCH": str(base)}
    cmd = [sys.executable, "-m", "graders", "grade", "reference", "--only", "optimizers.*"]
    grader = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while not _made(base, {"grader", "dlgrade"}):
        assert time.monotonic() < deadline and grader.poll() is None, "no grading began"
        time.sleep(0.05)
    return grader


def _kill(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def _until_ended(place: Path) -> None:
    deadline = time.monotonic() + 30
    while mentioning(place) or holding(place):
        assert time.monotonic() < deadline, "the killed grader's zygote did not end"
        time.sleep(0.05)


def test_the_next_grading_removes_what_a_killed_grader_left(tmp_path: Path) -> None:
    """SIGKILL the grader in the middle of a grading (its sandbox's session and the unpacked
    submission exist); once its zygote has wound down, the next grading removes both and leaves
    nothing of its own."""
    _kill(_mid_grading(tmp_path))
    left = sorted(p.name.split("-")[0] for p in tmp_path.iterdir())
    assert left == ["dlgrade", "grader"]
    _until_ended(tmp_path)
    env = {**os.environ, "GRADER_SCRATCH": str(tmp_path)}
    again = run_graders("grade", "reference", "--only", "activations.relu", env=env)
    assert again.returncode == 0, again.stderr
    assert not list(tmp_path.iterdir())


def test_a_session_stays_while_the_killed_graders_zygote_works_in_it(base: Path) -> None:
    """The zygote holds its session's lock too: after its grader is killed outright it may
    still start or end a child there (whose output files a sweep would race with), so no sweep
    takes the session until the zygote has ended.  (Before: the lock died with the grader, and
    a sweep under load could leave a half-removed session, its lock file gone, for good.)"""
    grader = _mid_grading(base)
    session = next(base.glob("grader-*"))
    zygote = mentioning(session)
    try:
        assert zygote, "no zygote at work in the session"
        for pid in zygote:
            os.kill(pid, signal.SIGSTOP)  # (alive after its grader, at any point of its work)
        _kill(grader)
        assert session not in scratch.sweep() and (session / scratch.OWNER).is_file()
    finally:
        _kill(grader)  # (a no-op once it is reaped)
        for pid in zygote:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    _until_ended(session)
    assert session in scratch.sweep() and not session.exists()
