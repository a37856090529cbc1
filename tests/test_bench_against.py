"""``tools.bench_against``: the earlier version's checkout and the items both versions grade.

Timings are never asserted (benchmarks only print): the fast tests check the worktree comes and
goes and the item list is ``graders list``'s; the slow one runs the whole tool once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from graders import registry
from tools import bench_against as B
from tools.bench import graded


def worktrees() -> str:
    return subprocess.run(
        ["git", "-C", str(B.ROOT), "worktree", "list"], capture_output=True, text=True, check=True
    ).stdout


def test_the_earlier_version_is_checked_out_and_removed_afterwards() -> None:
    with B.checked_out("HEAD") as tree:
        assert (tree / "graders" / "engine.py").is_file()
        assert str(tree) in worktrees()
    assert not tree.exists()
    assert str(tree) not in worktrees()


def test_graded_items_are_those_graders_list_prints() -> None:
    assert B.graded_items(B.ROOT) == {item.name for item in registry.select(None)}


@pytest.mark.slow
def test_the_tool_prints_both_kinds_for_both_versions(capsys: pytest.CaptureFixture[str]) -> None:
    assert B.main(["HEAD", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    n = len(registry.select(None))
    assert out.splitlines()[0] == f"{n} items in both; 1 turns each; median wall-clock seconds"
    assert [line.split(":")[0].strip() for line in out.splitlines()[1:]] == ["cold", "warm"]
    assert "bench-against-" not in worktrees()


def test_an_unknown_version_is_one_clear_line() -> None:
    with (
        pytest.raises(SystemExit, match="cannot check out 'no-such-rev'"),
        B.checked_out("no-such-rev"),
    ):
        pass


def test_a_grading_without_full_marks_is_not_timed(tmp_path: Path) -> None:
    """A version whose reference loses points stops the benchmark (a grader that fails fast
    would look fast)."""
    with B.checked_out("HEAD") as tree:
        relu = tree / "reference" / "activations.py"
        relu.write_text(relu.read_text() + "\n\ndef relu(x):\n    return x\n")
        cmd = [sys.executable, "-m", "graders", "grade", "reference", "--format", "json"]
        cmd += ["--only", "activations.relu"]
        env = {**os.environ, "GRADER_CACHE_DIR": str(tmp_path / "cache")}
        with pytest.raises(SystemExit, match=r"the reference scored 0\.0 of 2 in"):
            graded(cmd, env, cwd=tree)
        relu.write_text(relu.read_text().rsplit("\n\ndef relu(x)", 1)[0])
        assert graded(cmd, env, cwd=tree) > 0
