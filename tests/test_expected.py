"""Expected outputs: the oracle process fills an empty cache with exactly what the in-process
oracle computes, stores nothing where the cache is not safe, and a failed process costs only
time (the grading thread computes instead)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from graders import engine, expected, oracle, registry, sandbox
from graders.report import gradescope

ROOT = Path(__file__).resolve().parent.parent
#: One item of each driver, hidden cases included.
ITEMS = [
    "activations.softmax",
    "initializers.kaiming_normal_",
    "losses.cross_entropy",
    "optimizers.Adam",
    "optimizers.worked_gradient_descent",
]
BLANK = re.compile(r'"execution_time": [0-9.e+-]+')


def _grade(**kwargs: object) -> str:
    items = registry.select(ITEMS)
    result = engine.grade(ROOT / "reference", items, hidden_seed=5, **kwargs)  # type: ignore[arg-type]
    assert result.score == result.max_score
    return BLANK.sub("", gradescope.render(result))


@pytest.fixture(scope="module")
def in_process() -> str:
    """The verdicts with the oracle computed in the grader's own thread, no cache."""
    return _grade(use_cache=False)


def _no_oracle_here(*args: object) -> None:
    raise AssertionError("the oracle ran in the grader's process")


def test_process_fills_an_empty_cache(
    in_process: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setattr(oracle, "CACHE_DIR", cache)
    monkeypatch.setattr(oracle, "compute_expected", _no_oracle_here)
    assert _grade() == in_process
    assert len(list(cache.glob("*.bin"))) == len(ITEMS)  # (the scan keeps its own files)
    assert _grade() == in_process  # and from the cache, now warm
    stale = sorted(cache.glob("*.bin"))[:2]
    for path in stale:
        path.unlink()
    assert _grade() == in_process  # (the process computes only what the cache lacks)
    assert all(path.exists() for path in stale)


def test_nothing_is_stored_where_the_cache_is_not_safe(
    in_process: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setattr(oracle, "CACHE_DIR", cache)
    monkeypatch.setattr(sandbox.Sandbox, "cache_safe", property(lambda self: False))
    assert _grade() == in_process
    assert not list(cache.glob("*.bin")), "expected values were written where a child may look"


def test_a_failed_process_leaves_the_work_to_the_thread(
    in_process: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oracle, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setattr(expected, "ORACLE_COMMAND", ["/bin/false"])
    assert _grade() == in_process


def _oracle_processes() -> list[int]:
    """Children of this process running the oracle process."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid() and b"graders.expected" in cmdline:
            found.append(int(entry.name))
    return found


def test_a_failed_grading_stops_the_oracle_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oracle, "CACHE_DIR", tmp_path / "cache")  # empty: the process starts
    monkeypatch.setattr(oracle, "compute_expected", _no_oracle_here)

    def broken(self: sandbox.Sandbox, jobs: object, **kwargs: object) -> None:
        raise sandbox.SandboxError("the sandbox worker died")

    monkeypatch.setattr(sandbox.Sandbox, "run", broken)
    with pytest.raises(sandbox.SandboxError, match="died"):
        engine.grade(ROOT / "reference", registry.select(ITEMS))
    assert not _oracle_processes()
