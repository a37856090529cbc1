"""Confinement applied inside the sandbox: the session's mount plan (by the zygote), then per
child, before any student code, its own view of the system and its own identity.

A child (:func:`enter`), in this order:

1. **a mount and an IPC namespace of its own** (``unshare(CLONE_NEWNS | CLONE_NEWIPC)``, every
   mount private): the whole tree is made read-only (``mount_setattr(AT_RECURSIVE)``, or one
   remount per mount on kernels before 5.12); fresh tmpfs mounts, capped in size and inodes
   (``nr_inodes``), on ``/tmp``, ``/var/tmp``, ``/dev/shm`` and ``/run/lock``; the session
   directory covered, and only its job (read-only), its submission's copy (read-only), its
   ``out/`` (writable) and a fresh capped tmpfs as its ``scratch/`` put back; a new ``/proc``
   that shows no process it may not trace (``hidepid=2``);
2. **an identity that is not the grader's** and no capability: as root, uid and gid ``nobody``
   without supplementary groups; as the root of an unprivileged user namespace (the grader run by
   an ordinary user), a *nested* user namespace that maps only ``nobody`` to that one uid, so the
   child is not root there and can never map another id; the bounding, ambient, effective,
   permitted and inheritable capability sets emptied; not dumpable (no other process of the same
   uid may read its memory);
3. ``PR_SET_NO_NEW_PRIVS`` and the seccomp filter of ``seccomp.py``.

Each step either holds or the child knows it does not: :func:`enter` returns the names of the
steps that held, and a child raises (never runs student code) if one that held in the zygote's
probe (``layers.py``) does not hold for it.  The import guard (:func:`install_guard`) is
advisory: what makes a forbidden package unreachable is the file system the child sees.
Standard library only.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import os
import resource
import stat
import sys
from functools import cache
from pathlib import Path
from typing import Any

from . import kernel, seccomp

try:
    from graders import policy
except ImportError:  # in a sandbox session, a copy beside the box package
    import policy  # type: ignore[no-redef]

NOBODY = 65534
LIMITS = {
    "as": resource.RLIMIT_AS,
    "cpu": resource.RLIMIT_CPU,
    "fsize": resource.RLIMIT_FSIZE,
    "nofile": resource.RLIMIT_NOFILE,
    "nproc": resource.RLIMIT_NPROC,
    "core": resource.RLIMIT_CORE,
}
#: Removed from ``os`` in the child: no graded function starts a process or signals one.
SPAWNING = (
    "system",
    "fork",
    "forkpty",
    "popen",
    "posix_spawn",
    "posix_spawnp",
    "execv",
    "execve",
    "execl",
    "execle",
    "execlp",
    "execlpe",
    "execvp",
    "execvpe",
    "spawnv",
    "spawnve",
    "spawnl",
    "spawnle",
    "kill",
    "killpg",
)
#: The devices the zygote binds back into its covered /dev (nothing else is there but
#: /dev/shm, a tmpfs): no terminal, disk, GPU, camera or other device of the host.
DEVICES = ("/dev/full", "/dev/null", "/dev/random", "/dev/urandom", "/dev/zero")
#: Every child's own fresh tmpfs on these (where they exist): what it writes there is seen by
#: no other process and dies with it.
PRIVATE_DIRS = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")
PRIVATE_TMPFS = "size=16m,nr_inodes=1024,mode=1777"
SCRATCH_TMPFS = "size=64m,nr_inodes=4096,mode=700"
COVER_TMPFS = "size=64k,nr_inodes=64,mode=755"
#: The steps of :func:`enter`, by name (what the probe found to hold, and each child checks).
STEPS = (
    "mount_ns",
    "read_only",
    "proc",
    "identity",
    "no_caps",
    "no_new_privs",
    "seccomp",
)


# ----------------------------------------------------------------------------- the import guard
class ForbiddenImport(ImportError):
    """Raised in the child when the student imports a module the course forbids."""


#: Forbidden imports attempted in this process (top-level names, in order), for the report.
ATTEMPTS: list[str] = []


class _Guard(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if policy.forbidden(fullname):
            top = fullname.split(".", 1)[0]
            if top in policy.SHORTCUTS and top not in ATTEMPTS:
                ATTEMPTS.append(top)
            raise ForbiddenImport(f"import of '{fullname}' is not allowed in a submission")
        return None


GUARD = _Guard()


def install_guard() -> None:
    """The advisory import guard (the sandbox's file system view is what makes the forbidden
    packages unreachable; the guard names an attempt) and no process-spawning entry points in
    ``os``."""
    sys.meta_path.insert(0, GUARD)
    for name in list(sys.modules):
        if policy.forbidden(name):
            del sys.modules[name]
    for mod in (os, sys.modules.get("posix")):
        for attr in SPAWNING:
            with contextlib.suppress(AttributeError):
                delattr(mod, attr)


def guard_in_place() -> bool:
    """Whether the guard is still the first finder (student code may have removed it)."""
    return bool(sys.meta_path) and sys.meta_path[0] is GUARD


# ----------------------------------------------------------------------------- resource limits
def set_limits(limits: dict[str, int]) -> None:
    """Soft and hard resource limits (CPU: the soft one first, SIGXCPU, then the hard one)."""
    for key, value in limits.items():
        lim = LIMITS[key]
        _soft, hard = resource.getrlimit(lim)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        raise_hard = key == "cpu" and (hard == resource.RLIM_INFINITY or hard > value)
        try:
            resource.setrlimit(lim, (value, value + 1 if raise_hard else value))
        except (ValueError, OSError):
            resource.setrlimit(lim, (value, value))


def first_to_go() -> None:
    """When the machine runs out of memory, the kernel's OOM killer takes a child before any
    process of the grader's: the child's ``oom_score_adj`` set to the highest value, 1000.
    Raising it needs no privilege; as root (before the capabilities are dropped) it also
    becomes the lowest value the child may set later, so student code cannot lower it.  Best
    effort: a kernel without the file leaves the score as it is."""
    with contextlib.suppress(OSError):
        Path("/proc/self/oom_score_adj").write_text("1000")


# ----------------------------------------------------------------------------- the zygote's mounts
def apply_mounts(steps: list[list[Any]]) -> None:
    """Carry out the grader's mount plan (``sandbox.namespaces.mount_plan``) in this process's
    new mount namespace: directories (and devices) to keep are opened first, then covered by
    tmpfs mounts and bound back from the open descriptors.  Any failure is raised: the zygote
    then does not start."""
    kept: list[int] = []
    try:
        for step in steps:
            kind = step[0]
            if kind == "keep":
                kept.append(os.open(step[1], os.O_PATH))
            elif kind == "tmpfs":
                Path(step[1]).mkdir(parents=True, exist_ok=True)
                kernel.mount("tmpfs", step[1], "tmpfs", kernel.MS_RDONLY if step[2] else 0, step[3])
            elif kind == "bind":
                _mount_point(Path(step[2]), directory=stat.S_ISDIR(os.fstat(kept[step[1]]).st_mode))
                kernel.mount(f"/proc/self/fd/{kept[step[1]]}", step[2], None, kernel.MS_BIND, None)
            elif kind == "remount_ro":
                kernel.mount(None, step[1], None, kernel.MS_REMOUNT | kernel.MS_RDONLY, None)
            else:
                raise ValueError(f"unknown mount step {kind!r}")
    finally:
        for fd in kept:
            os.close(fd)


def _mount_point(path: Path, directory: bool) -> None:
    """An empty directory or file at ``path`` to bind a kept directory or file (a device) on."""
    if directory:
        path.mkdir(parents=True, exist_ok=True)
    elif not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)


# ----------------------------------------------------------------------------- a child's view
@cache
def identity_mode() -> str:
    """How a child gets an identity that is not the grader's: ``root`` (setuid nobody: uid 0
    with ``nobody`` mapped here), ``userns`` (uid 0 of a user namespace that maps no one else: a
    nested namespace), or ``user`` (an ordinary uid: nothing to drop)."""
    if os.getuid() != 0:
        return "user"
    try:
        rows = [line.split() for line in Path("/proc/self/uid_map").read_text().splitlines()]
        mapped = any(int(r[0]) <= NOBODY < int(r[0]) + int(r[2]) for r in rows if len(r) == 3)
    except (OSError, ValueError):
        mapped = True
    return "root" if mapped else "userns"


_MOUNT_FLAGS = {
    "nosuid": kernel.MS_NOSUID,
    "nodev": kernel.MS_NODEV,
    "noexec": kernel.MS_NOEXEC,
    "noatime": kernel.MS_NOATIME,
    "nodiratime": kernel.MS_NODIRATIME,
    "relatime": kernel.MS_RELATIME,
}


def _read_only_everywhere() -> None:
    """Every mount read-only: one recursive ``mount_setattr``, else a bind remount of each
    mount point keeping its other flags (the kernel refuses to drop a locked one)."""
    try:
        kernel.mount_setattr("/", kernel.MOUNT_ATTR_RDONLY, recursive=True)
        return
    except OSError:
        pass
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        fields = line.split()
        target = fields[4].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")
        flags = sum(_MOUNT_FLAGS.get(opt, 0) for opt in fields[5].split(","))
        flags |= kernel.MS_REMOUNT | kernel.MS_BIND | kernel.MS_RDONLY
        kernel.mount(None, target, None, flags, None)


def private_dirs() -> list[str]:
    """The PRIVATE_DIRS that exist here (each gets a child's own tmpfs)."""
    return [d for d in PRIVATE_DIRS if Path(d).is_dir() and not Path(d).is_symlink()]


def _bind_kept(kept: dict[str, int], read_only: bool) -> None:
    """Bind each kept directory (opened before anything was covered) back at its path, then
    set it read-only or writable (a bind takes its source's flags: read-only by now)."""
    for path, fd in kept.items():
        Path(path).mkdir(parents=True, exist_ok=True)
        kernel.mount(f"/proc/self/fd/{fd}", path, None, kernel.MS_BIND, None)
        flags = kernel.MS_REMOUNT | kernel.MS_BIND | (kernel.MS_RDONLY if read_only else 0)
        kernel.mount(None, path, None, flags | kernel.MS_NOSUID | kernel.MS_NODEV, None)


def _session_view(box: Path, keep: list[str], mode: str) -> None:
    """Cover the session directory and put back only what this child needs: its job's
    directory and its submission's copy (read-only), its ``out/`` (writable), a fresh tmpfs
    for its ``scratch/``.  No other job, no other submission, not the sandbox's own files."""
    session = str(box.parent.parent)
    opened = {p: os.open(p, os.O_PATH | os.O_DIRECTORY) for p in keep}
    out = {str(box / "out"): os.open(box / "out", os.O_PATH | os.O_DIRECTORY)}
    try:
        _read_only_everywhere()
        for d in private_dirs():
            kernel.mount("tmpfs", d, "tmpfs", kernel.MS_NOSUID | kernel.MS_NODEV, PRIVATE_TMPFS)
        Path(session).mkdir(parents=True, exist_ok=True)
        kernel.mount("tmpfs", session, "tmpfs", kernel.MS_NOSUID | kernel.MS_NODEV, COVER_TMPFS)
        _bind_kept(opened, read_only=True)
        _bind_kept(out, read_only=False)
        (box / "scratch").mkdir(parents=True, exist_ok=True)
        owner = f",uid={NOBODY},gid={NOBODY}" if mode == "root" else ""
        kernel.mount(
            "tmpfs", str(box / "scratch"), "tmpfs", kernel.MS_NOSUID, SCRATCH_TMPFS + owner
        )
        kernel.mount(None, session, None, kernel.MS_REMOUNT | kernel.MS_RDONLY, COVER_TMPFS)
    finally:
        for fd in [*opened.values(), *out.values()]:
            os.close(fd)


def _mounts(box: Path, keep: list[str], mode: str, done: set[str]) -> None:
    """Steps ``mount_ns`` (a mount and an IPC namespace of its own: no System V or POSIX
    message queue, semaphore or shared memory of anyone else), ``read_only`` (with the private
    tmpfs mounts and the session's view) and ``proc``."""
    kernel.unshare(kernel.CLONE_NEWNS | kernel.CLONE_NEWIPC)
    kernel.mount(None, "/", None, kernel.MS_REC | kernel.MS_PRIVATE, None)
    done.add("mount_ns")
    _session_view(box, keep, mode)
    done.add("read_only")
    flags = kernel.MS_NOSUID | kernel.MS_NODEV | kernel.MS_NOEXEC
    try:
        kernel.mount("proc", "/proc", "proc", flags, "hidepid=2")
        done.add("proc")
    except OSError:  # (the old /proc, writable again: the nested namespace's maps go there)
        kernel.mount(None, "/proc", None, kernel.MS_REMOUNT | kernel.MS_BIND | flags, None)


def _nested_user_namespace() -> None:
    """Become ``nobody`` in a new user namespace whose only mapping is ``nobody`` -> this uid
    (uid 0 of the outer namespace, the grader's own uid on the host)."""
    kernel.unshare(kernel.CLONE_NEWUSER)
    Path("/proc/self/setgroups").write_text("deny")
    Path("/proc/self/uid_map").write_text(f"{NOBODY} 0 1")
    Path("/proc/self/gid_map").write_text(f"{NOBODY} 0 1")


def _identity(mode: str) -> None:
    """Step ``identity``: another uid than the grader's."""
    if mode == "root":
        kernel.drop_bounding_set(_last_cap())  # (setuid empties the other sets, not this one)
        os.setgroups([])
        os.setresgid(NOBODY, NOBODY, NOBODY)
        os.setresuid(NOBODY, NOBODY, NOBODY)
    elif mode == "userns":
        _nested_user_namespace()
    else:
        raise OSError("an ordinary user: no other uid to take")
    if not os.getuid() == os.geteuid() == NOBODY:
        raise OSError("the uid did not change")


def _last_cap() -> int:
    return int(Path("/proc/sys/kernel/cap_last_cap").read_text())


def _no_caps() -> None:
    """Step ``no_caps``: the bounding and ambient sets emptied where this process still may,
    then the effective, permitted and inheritable sets."""
    with contextlib.suppress(OSError):  # (without CAP_SETPCAP: no_new_privs covers it)
        kernel.drop_bounding_set(_last_cap())
    kernel.clear_capabilities()


def effective_capabilities() -> int:
    """This process's effective capability set (``/proc/self/status``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("CapEff:"):
            return int(line.split()[1], 16)
    return -1


def _step(name: str, fn: Any, done: set[str], failed: dict[str, str]) -> None:
    try:
        fn()
        done.add(name)
    except OSError as exc:
        failed[name] = str(exc)


def enter(
    box: Path, keep: list[str], required: frozenset[str] | None = None
) -> tuple[set[str], dict[str, str]]:
    """Confine this (single-threaded, freshly forked) process for ``box`` (its ``out/`` and
    ``scratch/``, in ``SESSION/scratch/N``), seeing of the session only the directories in
    ``keep``: the steps that held, and why each other one did not.  With ``required``, a
    step of it that does not hold raises OSError (no student code may run with less than the
    report says); so does any capability left."""
    done: set[str] = set()
    failed: dict[str, str] = {}
    if not kernel.loaded():
        failed.update(dict.fromkeys(STEPS, "no access to the C library"))
    else:
        mode = identity_mode()
        try:
            _mounts(box, keep, mode, done)
        except OSError as exc:
            failed[next(s for s in STEPS if s not in done)] = str(exc)
        _step("identity", lambda: _identity(mode), done, failed)
        _step("no_caps", _no_caps, done, failed)
        _step("no_new_privs", lambda: kernel.prctl(kernel.PR_SET_NO_NEW_PRIVS, 1), done, failed)
        with contextlib.suppress(OSError):
            kernel.prctl(kernel.PR_SET_DUMPABLE, 0)
        program = seccomp.program(os.getpid())
        if program is None:
            failed["seccomp"] = f"no filter for this architecture ({seccomp.machine()})"
        elif "no_new_privs" in done:
            _step("seccomp", lambda: kernel.load_seccomp(program), done, failed)
    missing = sorted((required or frozenset()) - done)
    if missing:
        raise OSError(f"sandbox layers {', '.join(missing)} did not hold: {failed}")
    if effective_capabilities() != 0:
        raise OSError("capabilities left: student code never runs with any")
    return done, failed
