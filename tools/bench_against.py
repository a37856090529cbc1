"""``make bench-against REV=...``: this working tree's grading speed against an earlier version's.

Both versions grade their own ``reference/`` on the graded items they have in common (``graders
list`` in each; ``--only`` each of them), cold (a new process, an empty oracle cache) and then
warm (a new process, the cache the cold run left), the two versions taking turns ``--repeat``
times in one run, so that the machine's load falls on both alike.  The earlier version is
checked out into a temporary ``git worktree`` (removed afterwards) and run with this tree's
Python environment.  Prints the medians and the ratio now/then (a grading without full marks
stops it: a broken version is fast).  Timings only: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tools.bench import graded

ROOT = Path(__file__).resolve().parent.parent
KINDS = ("cold", "warm")


@contextmanager
def checked_out(rev: str) -> Iterator[Path]:
    """``rev`` in a temporary detached worktree of this repository, removed on exit."""
    with tempfile.TemporaryDirectory(prefix="bench-against-") as tmp:
        tree = Path(tmp) / "tree"
        git = ["git", "-C", str(ROOT), "worktree"]
        added = subprocess.run(
            [*git, "add", "--detach", "--quiet", str(tree), rev], capture_output=True, text=True
        )
        if added.returncode != 0:
            raise SystemExit(f"bench-against: cannot check out {rev!r}: {added.stderr.strip()}")
        try:
            yield tree
        finally:
            subprocess.run([*git, "remove", "--force", str(tree)], check=False)


def graded_items(tree: Path) -> set[str]:
    """The item names (``module.name``) ``python -m graders list`` prints in ``tree`` (not its
    ``total`` line)."""
    out = subprocess.run(
        [sys.executable, "-m", "graders", "list"],
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {word for line in out.splitlines() for word in line.split()[:1] if "." in word}


def cold_and_warm(tree: Path, items: list[str], cache: Path) -> dict[str, float]:
    """Seconds for a cold grading of ``tree``'s reference, then a warm one (cache ``cache``)."""
    cmd = [sys.executable, "-m", "graders", "grade", "reference", "--format", "json"]
    cmd += [a for name in items for a in ("--only", name)]
    env = {**os.environ, "GRADER_CACHE_DIR": str(cache)}
    return {kind: graded(cmd, env, cwd=tree) for kind in KINDS}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_against", description=__doc__)
    parser.add_argument("rev", help="the earlier version (a commit, tag or branch)")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    with checked_out(args.rev) as then_tree, tempfile.TemporaryDirectory() as tmp:
        trees = {args.rev: then_tree, "now": ROOT}
        items = sorted(graded_items(then_tree) & graded_items(ROOT))
        for tree in trees.values():  # (bytecode, as an installed grader has it)
            compileall.compile_dir(tree / "graders", quiet=1)
        runs: dict[str, dict[str, list[float]]] = {name: {k: [] for k in KINDS} for name in trees}
        for k in range(args.repeat):
            for name, tree in trees.items():
                for kind, s in cold_and_warm(tree, items, Path(tmp) / f"{name}-{k}").items():
                    runs[name][kind].append(s)
    print(f"{len(items)} items in both; {args.repeat} turns each; median wall-clock seconds")
    for kind in KINDS:
        then, now = (statistics.median(runs[name][kind]) for name in trees)
        print(f"  {kind}: now {now:6.2f} s, {args.rev} {then:6.2f} s, now/then x{now / then:5.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
