"""Where the sandbox runs: the ``unshare`` command line that works on this machine, and the mount
plan the zygote applies in its new mount namespace (``box.confine.apply_mounts``).  Grader side.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from graders import policy

REPO = Path(__file__).resolve().parent.parent.parent
#: World-writable places that get a fresh, private, small tmpfs inside the namespace.
SCRATCH_DIRS = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")
SCRATCH_SIZE = "16m"
#: Top-level directories a child keeps seeing (the system's programs and libraries); every
#: other one (/work, /home, /root, /opt, /srv, ...) is covered, so no other checkout of the
#: course -- an instructor's reference, a classmate's submission -- is within reach.
SYSTEM_DIRS = frozenset(
    {"bin", "dev", "etc", "lib", "lib32", "lib64", "libx32", "proc", "run", "sbin", "sys", "usr"}
    | {"var", "tmp"}
)
#: Size of the session's tmpfs holding the children's out/ and scratch/ directories (memory).
BOX_SIZE = "512m"


def _within(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def _hidden_paths(repo_covered: bool = False) -> list[str]:
    """The forbidden packages' directories, and the grader's own unless the repo is covered."""
    paths = []
    for name in sorted(policy.SHORTCUTS):
        try:
            spec = find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.origin:
            path = os.path.realpath(Path(spec.origin).parent)
            # (inside a covered repository only what is put back, the interpreter's tree, shows)
            shown = not _within(path, os.path.realpath(REPO)) or any(
                _within(path, os.path.realpath(p)) for p in (sys.prefix, sys.base_prefix)
            )
            if not repo_covered or shown:
                paths.append(path)
    if not repo_covered:
        for name in ("reference", "graders", "tools", "tests", ".grader-cache", "student_template"):
            if (REPO / name).is_dir():
                paths.append(str(REPO / name))
    return paths


def mount_plan(session: Path) -> list[list[Any]]:
    """What the zygote mounts, as (namespace) root in its new mount namespace, before anything
    else (``box.confine.apply_mounts``; a list of JSON-able steps):

    * every place in SCRATCH_DIRS gets a fresh, small tmpfs: what a child writes there dies with
      the namespace, and other sessions (their submissions, their outputs) are out of sight;
    * every top-level directory but the system's (SYSTEM_DIRS) is covered by an empty tmpfs:
      other checkouts of the course on the machine are out of sight too;
    * the repository is covered by an empty read-only tmpfs (its .git, caches and any directory
      added later included), unless the interpreter itself lives inside it;
    * the session directory and the interpreter's trees, if covered, are put back by bind
      mounts of directories opened before covering (``["keep", path]``, then ``["bind", n,
      path]`` for the n-th kept one);
    * the forbidden packages are covered; ``<session>/scratch`` gets a size-capped tmpfs for the
      children's writable directories.
    """
    real = os.path.realpath
    covers: list[tuple[str, str]] = []  # (path, tmpfs options), outermost first
    for d in SCRATCH_DIRS:
        p = real(d)
        if Path(p).is_dir() and all(p != c for c, _ in covers):
            covers.append((p, f"size={SCRATCH_SIZE},mode=1777"))
    for entry in sorted(os.scandir("/"), key=lambda e: e.name):
        if entry.name not in SYSTEM_DIRS and entry.is_dir(follow_symlinks=False):
            covers.append((entry.path, "size=64k,mode=755"))
    repo = real(REPO)
    prefixes = {real(sys.prefix), real(sys.base_prefix)}
    # A source checkout is covered; a package installed in the interpreter's own tree is not.
    repo_covered = not any(_within(repo, p) for p in prefixes)
    if repo_covered:
        covers.append((repo, "size=64k,mode=755"))
    covers.sort(key=lambda c: c[0].count("/"))
    wanted = list(dict.fromkeys([real(session), *sorted(prefixes)]))
    keeps = [
        k
        for k in wanted
        if any(_within(k, c) and k != c for c, _ in covers)
        and not any(_within(k, o) and k != o for o in wanted)
    ]
    steps: list[list[Any]] = [["keep", k] for k in keeps]
    steps += [["tmpfs", path, False, opts] for path, opts in covers]
    steps += [["bind", i, k] for i, k in enumerate(keeps)]
    if repo_covered:
        steps.append(["remount_ro", repo])
    steps += [["tmpfs", p, True, "size=4k"] for p in _hidden_paths(repo_covered)]
    steps.append(["tmpfs", str(session / "scratch"), False, f"size={BOX_SIZE},mode=755"])
    return steps


@cache
def namespace_prefix() -> tuple[tuple[str, ...], str]:
    """The ``unshare`` command line that works here, and a description of it ('' if none)."""
    base = ("--fork", "--pid", "--mount-proc", "--net", "--mount", "--ipc", "--uts", "--kill-child")
    unshare = shutil.which("unshare")
    if unshare is None or os.environ.get("GRADER_NO_NAMESPACES"):
        return (), ""
    variants: list[tuple[tuple[str, ...], str]] = [((unshare, *base), "net, pid, mount, ipc, uts")]
    if os.getuid() != 0:
        variants = [
            (
                (unshare, "--user", "--map-root-user", *base),
                "user (mapped root), net, pid, mount, ipc, uts",
            )
        ]
    for prefix, text in variants:
        try:
            ok = (
                subprocess.run(
                    [*prefix, "true"], stdin=subprocess.DEVNULL, capture_output=True, timeout=10
                ).returncode
                == 0
            )
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        if ok:
            return prefix, text
    return (), ""
