"""Confinement applied inside the sandbox: the mount plan (by the zygote), then per child the
resource limits, the drop of privileges and the import guard.  Standard library only.

:func:`layers` says which of them are active, as the report states them: never a layer that
is not.
"""

from __future__ import annotations

import contextlib
import importlib.abc
import os
import resource
import sys
from pathlib import Path
from typing import Any

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


class ForbiddenImport(ImportError):
    """Raised in the child when the student imports a module the course forbids."""


class _Guard(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if policy.forbidden(fullname):
            raise ForbiddenImport(f"import of '{fullname}' is not allowed in a submission")
        return None


def install_guard() -> None:
    """The advisory import guard (the sandbox's file system view is what makes the forbidden
    packages unreachable) and no process-spawning entry points in ``os``."""
    sys.meta_path.insert(0, _Guard())
    for name in list(sys.modules):
        if policy.forbidden(name):
            del sys.modules[name]
    for mod in (os, sys.modules.get("posix")):
        for attr in SPAWNING:
            with contextlib.suppress(AttributeError):
                delattr(mod, attr)


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


def drop_privileges() -> bool:
    """Become uid/gid nobody, without supplementary groups (only root can); True if done."""
    if os.getuid() != 0:
        return False
    try:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    except OSError:
        return False
    return os.getuid() == os.geteuid() == NOBODY and os.getgid() == NOBODY


MS_RDONLY, MS_REMOUNT, MS_BIND = 1, 32, 4096


def apply_mounts(steps: list[list[Any]], libc: Any) -> None:
    """Carry out the grader's mount plan (``sandbox.plan.mount_plan``) in this process's new
    mount namespace: directories to keep are opened first, then covered by tmpfs mounts and
    bound back from the open descriptors.  Any failure is raised: the zygote then does not
    start."""
    import ctypes

    libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]

    def mount(
        src: str | None, target: str, fstype: str | None, flags: int, data: str | None
    ) -> None:
        enc = [None if v is None else v.encode() for v in (src, target, fstype, data)]
        if libc.mount(enc[0], enc[1], enc[2], flags, enc[3]) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"mount {fstype or 'bind'} on {target}: {os.strerror(err)}")

    kept: list[int] = []
    try:
        for step in steps:
            kind = step[0]
            if kind == "keep":
                kept.append(os.open(step[1], os.O_PATH | os.O_DIRECTORY))
            elif kind == "tmpfs":
                Path(step[1]).mkdir(parents=True, exist_ok=True)
                mount("tmpfs", step[1], "tmpfs", MS_RDONLY if step[2] else 0, step[3])
            elif kind == "bind":
                Path(step[2]).mkdir(parents=True, exist_ok=True)
                mount(f"/proc/self/fd/{kept[step[1]]}", step[2], None, MS_BIND, None)
            elif kind == "remount_ro":
                mount(None, step[1], None, MS_REMOUNT | MS_RDONLY, None)
            else:
                raise ValueError(f"unknown mount step {kind!r}")
    finally:
        for fd in kept:
            os.close(fd)


def layers() -> dict[str, Any]:
    """The isolation layers in force for the children, as the report states them."""
    import importlib.util

    root = os.getuid() == 0
    spec = importlib.util.find_spec("torch")
    torch_hidden = spec is None or spec.origin is None  # (an empty mount is a namespace package)
    return {
        "process": "separate process per chunk of items, python -I, scrubbed environment, "
        "stdin /dev/null",
        "rlimits": "address space, CPU, file size, open files, no new processes or threads",
        "import_guard": "forbidden modules refused at import (advisory)",
        "privileges": "runs as uid nobody" if root else "same user (not root)",
        "namespaces": os.environ.get("GRADER_NAMESPACES", "none"),
        "filesystem": os.environ.get("GRADER_FILESYSTEM", "shared with the host"),
        "forbidden_packages_hidden": torch_hidden,
    }
