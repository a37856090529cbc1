"""Where the sandbox runs: the ``unshare`` command line that works on this machine, and the mount
plan the zygote applies in its new mount namespace (``box.confine.apply_mounts``).  Grader side.

The child's view of Python packages is built from an allow-list: every directory that holds
third-party packages (:func:`package_dirs`) is covered by an empty read-only tmpfs, then the
allowed ones (``policy.ALLOWED_PACKAGES``: NumPy, with its ``numpy.libs``) are bound back at their
own paths.  What is left on or around ``sys.path`` is the standard library and NumPy.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import site
import subprocess
import sys
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from graders import policy
from graders.sandbox.box.confine import DEVICES, NOBODY

REPO = Path(__file__).resolve().parent.parent.parent
#: World-writable places that get a fresh, private, small tmpfs inside the namespace (and each
#: child its own again, ``box.confine``).
SCRATCH_DIRS = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")
SCRATCH_TMPFS = "size=16m,nr_inodes=1024,mode=1777"
#: An empty cover: a few inodes (the mount points of what is bound back), no space to speak of.
COVER_TMPFS = "size=64k,nr_inodes=64,mode=755"
#: Top-level directories a child keeps seeing (the system's programs and libraries); every
#: other one (/work, /home, /root, /opt, /srv, /var, /run, /dev ...) is covered, so no other
#: checkout of the course -- an instructor's reference, a classmate's submission --, no
#: service's socket (/run/docker.sock, a D-Bus bus), no log, mail or state file and no device
#: but DEVICES is within reach.  (A grader run by an ordinary user keeps that user's groups in
#: its children: what the user or one of its groups may open, they could.)
SYSTEM_DIRS = frozenset(
    {"bin", "etc", "lib", "lib32", "lib64", "libx32", "proc", "sbin", "sys", "usr", "tmp"}
)
#: Size of the session's tmpfs holding the children's out/ and scratch/ directories (memory).
BOX_TMPFS = "size=512m,nr_inodes=16384,mode=755"
#: Where system Pythons keep packages (Debian's dist-packages, /usr/local, lib64 layouts).
SYSTEM_SITES = (
    "/usr/lib/python3*/*-packages",
    "/usr/lib/python3/dist-packages",
    "/usr/local/lib/python3*/*-packages",
    "/usr/lib64/python3*/*-packages",
    "/usr/local/lib64/python3*/*-packages",
)


def _within(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def _prefixes() -> list[str]:
    return sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})


def package_dirs() -> list[str]:
    """Every existing directory of third-party packages this interpreter could reach: the site
    directories of its prefixes (a venv's and its base interpreter's), the user's, the
    system's, and any ``site-packages``/``dist-packages`` on ``sys.path`` (real paths)."""
    candidates = [Path(p) for p in (*site.getsitepackages(_prefixes()), site.getusersitepackages())]
    for prefix in _prefixes():
        candidates += Path(prefix).glob("lib*/python3*/*-packages")
    for pattern in SYSTEM_SITES:
        candidates += Path("/").glob(pattern.lstrip("/"))
    candidates += [Path(p) for p in sys.path if Path(p).name in ("site-packages", "dist-packages")]
    return sorted({os.path.realpath(p) for p in candidates if p.is_dir()})


def allowed_dirs() -> list[str]:
    """The allowed packages' directories (``numpy`` and its ``numpy.libs``), real paths."""
    out = []
    for name in policy.ALLOWED_PACKAGES:
        spec = find_spec(name)
        if spec is None or not spec.origin:
            continue
        pkg = os.path.realpath(Path(spec.origin).parent)
        out += [p for p in (pkg, f"{pkg}.libs") if Path(p).is_dir()]
    return out


def _forbidden_elsewhere(sites: list[str], repo_covered: bool) -> list[str]:
    """A forbidden package found outside the covered package directories (and the course's own
    directories when the repository is not covered)."""
    paths = []
    for name in sorted(policy.SHORTCUTS):
        try:
            spec = find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.origin:
            path = os.path.realpath(Path(spec.origin).parent)
            if not any(_within(path, s) for s in sites) and not (
                repo_covered and _within(path, os.path.realpath(REPO))
            ):
                paths.append(path)
    if not repo_covered:
        for name in ("reference", "graders", "tools", "tests", ".grader-cache", "student_template"):
            if (REPO / name).is_dir():
                paths.append(str(REPO / name))
    return paths


def _visible(path: str, covers: list[str], binds: list[str]) -> bool:
    """Whether ``path`` is still seen once ``covers`` are covered and ``binds`` bound back: the
    innermost of them that holds it decides."""
    holders = [(len(c), False) for c in covers if _within(path, c)]
    holders += [(len(b), True) for b in binds if _within(path, b)]
    return max(holders)[1] if holders else True


def mount_plan(session: Path) -> list[list[Any]]:
    """What the zygote mounts, as (namespace) root in its new mount namespace, before anything
    else (``box.confine.apply_mounts``; a list of JSON-able steps):

    * every place in SCRATCH_DIRS gets a fresh, small tmpfs (size and inodes capped);
    * every top-level directory but the system's (SYSTEM_DIRS) is covered by an empty tmpfs:
      other checkouts of the course, /var, /run and /dev are out of sight too (DEVICES are bound
      back into /dev);
    * the repository is covered by an empty read-only tmpfs (its .git, caches and any directory
      added later included), unless the interpreter itself lives inside it;
    * the session directory, the interpreter's trees and DEVICES, if covered, are put back by
      bind mounts of what was opened before covering (``["keep", path]``, then ``["bind", n,
      path]`` for the n-th kept one);
    * every package directory still in sight (:func:`package_dirs`) is covered, the allowed
      packages bound back into it, and the cover made read-only; a forbidden package found
      anywhere else is covered too; ``<session>/scratch`` gets a capped tmpfs for the
      children's own directories.
    """
    real = os.path.realpath
    covers: list[tuple[str, str]] = [(real(d), SCRATCH_TMPFS) for d in SCRATCH_DIRS]
    covers = [c for i, c in enumerate(covers) if Path(c[0]).is_dir() and c not in covers[:i]]
    for entry in sorted(os.scandir("/"), key=lambda e: e.name):
        if entry.name not in SYSTEM_DIRS and entry.is_dir(follow_symlinks=False):
            covers.append((entry.path, COVER_TMPFS))
    repo = real(REPO)
    # A source checkout is covered; a package installed in the interpreter's own tree is not.
    repo_covered = not any(_within(repo, p) for p in _prefixes())
    if repo_covered:
        covers.append((repo, COVER_TMPFS))
    covers.sort(key=lambda c: c[0].count("/"))
    devices = [d for d in DEVICES if Path(d).exists()]
    wanted = list(dict.fromkeys([real(session), *_prefixes(), *allowed_dirs(), *devices]))
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
    steps = _package_keeps(steps, [c for c, _ in covers], keeps, repo_covered)
    steps.append(["tmpfs", str(session / "scratch"), False, BOX_TMPFS])
    return steps


def _package_keeps(
    steps: list[list[Any]], covers: list[str], binds: list[str], repo_covered: bool
) -> list[list[Any]]:
    """``steps`` with the package directories still in sight covered, the allowed packages
    kept first and bound back into their cover, which is then made read-only; a forbidden
    package found anywhere else is covered too."""
    sites = [s for s in package_dirs() if _visible(s, covers, binds)]
    sites = [s for s in sites if not any(_within(s, o) and s != o for o in sites)]
    allowed = [a for a in allowed_dirs() if any(_within(a, s) for s in sites)]
    first = sum(1 for s in steps if s[0] == "keep")
    steps = [*steps[:first], *(["keep", a] for a in allowed), *steps[first:]]
    for site_dir in sites:
        steps.append(["tmpfs", site_dir, False, COVER_TMPFS])
        steps += [["bind", first + i, a] for i, a in enumerate(allowed) if _within(a, site_dir)]
        steps.append(["remount_ro", site_dir])
    for path in _forbidden_elsewhere(sites, repo_covered):
        if _visible(path, covers, binds) and not any(_within(path, s) for s in sites):
            steps.append(["tmpfs", path, True, "size=4k,nr_inodes=4"])
    return steps


#: The set-uid programs (shadow's ``uidmap`` package) that map a user's subordinate ids
#: (``/etc/subuid``, ``/etc/subgid``) into a user namespace it makes.
ID_MAPPERS = ("newuidmap", "newgidmap")
#: Run inside a namespace that maps ``nobody``: that this process can become nobody, no groups.
_BECOME_NOBODY = f"import os; os.setgroups([]); os.setresgid(*[{NOBODY}] * 3); "
_BECOME_NOBODY += f"os.setresuid(*[{NOBODY}] * 3)"


def _last_subordinate(table: str, names: set[str]) -> int | None:
    """The last id of the first range that ``table`` (``/etc/subuid`` or ``/etc/subgid``: lines
    ``user:first:count``) gives the user known by one of ``names`` (its name, its uid): the one
    a rootless container of that user is least likely to run as (they map their uid n to
    ``first + n - 1``)."""
    with contextlib.suppress(OSError):
        for line in Path(table).read_text().splitlines():
            user, _, rest = line.strip().partition(":")
            first, _, count = rest.partition(":")
            if user in names and first.isdigit() and count.isdigit() and int(count) > 0:
                return int(first) + int(count) - 1
    return None


def subordinate_ids() -> tuple[int, int] | None:
    """A uid and a gid of the grader's user's subordinate ranges, where ``newuidmap`` and
    ``newgidmap`` can map them into its namespace: its children then become ``nobody`` there,
    that host uid, with no group at all (a user namespace of the grader's uid alone can
    neither give them another uid nor drop the user's groups).  None where the user has no
    ranges, the programs are missing, or ``GRADER_SUBORDINATE_IDS=0``."""
    if os.environ.get("GRADER_SUBORDINATE_IDS") == "0":
        return None
    if not all(shutil.which(program) for program in ID_MAPPERS):
        return None
    names = {str(os.getuid())}
    with contextlib.suppress(KeyError):
        names.add(pwd.getpwuid(os.getuid()).pw_name)
    uid = _last_subordinate("/etc/subuid", names)
    gid = _last_subordinate("/etc/subgid", names)
    return None if uid is None or gid is None else (uid, gid)


def _variants(unshare: str, base: tuple[str, ...]) -> list[tuple[tuple[str, ...], str]]:
    """The ``unshare`` command lines to try, best first, each with its description."""
    if os.getuid() == 0:
        return [((unshare, *base), "net, pid, mount, ipc, uts")]
    user, rest = ("user (the grader's uid as its root", "net, pid, mount, ipc, uts")
    variants = [((unshare, "--user", "--map-root-user", *base), f"{user}), {rest}")]
    ids = subordinate_ids()
    if ids is not None:
        maps = (f"--map-users={ids[0]},{NOBODY},1", f"--map-groups={ids[1]},{NOBODY},1")
        text = f"{user}, nobody as its subordinate uid {ids[0]}), {rest}"
        variants.insert(0, ((unshare, "--user", "--map-root-user", *maps, *base), text))
    return variants


def _works(prefix: tuple[str, ...]) -> bool:
    """Whether ``prefix`` starts a process here (and, where it maps ``nobody``, one that can
    become nobody with no groups)."""
    maps_nobody = any(a.startswith("--map-users=") for a in prefix)
    command = [sys.executable, "-c", _BECOME_NOBODY] if maps_nobody else ["true"]
    try:
        done = subprocess.run(
            [*prefix, *command], stdin=subprocess.DEVNULL, capture_output=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def children_apart() -> bool:
    """Whether the children run as another uid than the grader's: as root (they become nobody)
    or with subordinate ids; not in a nested namespace of the user's own uid."""
    return os.getuid() == 0 or any(a.startswith("--map-users=") for a in namespace_prefix()[0])


@cache
def namespace_prefix() -> tuple[tuple[str, ...], str]:
    """The ``unshare`` command line that works here, and a description of it ('' if none)."""
    base = ("--fork", "--pid", "--mount-proc", "--net", "--mount", "--ipc", "--uts", "--kill-child")
    unshare = shutil.which("unshare")
    if unshare is None or os.environ.get("GRADER_NO_NAMESPACES"):
        return (), ""
    for prefix, text in _variants(unshare, base):
        if _works(prefix):
            return prefix, text
    return (), ""
