"""The grader's scratch directories (a submission unpacked, a sandbox's session), and the
removal of those a killed grader left behind.

They go to ``$GRADER_SCRATCH``, else memory-backed ``/dev/shm`` when usable (thousands of small
files), else the system's temporary folder.  A grader removes its own when it ends, even on
SIGTERM or Ctrl-C; only a grader killed outright (SIGKILL, the machine's out-of-memory killer)
leaves one, and on ``/dev/shm`` that is memory.  So each directory holds a lock file, ``.owner``
(0600), locked with ``flock`` by the process that made it: the kernel releases that lock when
the process ends, however it ends.  :func:`sweep` removes every directory of ours whose lock it
can take: no living process owns it.  The lock file is locked before it takes its name, so a
directory being made is never taken for an abandoned one.  A process that works in the
directory after its maker may have gone (a sandbox's zygote, winding down its children) is
given the lock's descriptor (:func:`lock_of`): the lock is let go when the last of them ends.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import threading
from pathlib import Path

PREFIXES = ("grader-", "dlgrade-submission-")
OWNER = ".owner"
_held: dict[Path, int] = {}  # this process's directories and their locks' descriptors
_lock = threading.Lock()


def root() -> str | None:
    """Where scratch directories go (None: the system's temporary folder)."""
    given = os.environ.get("GRADER_SCRATCH")
    if given:
        return given
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK) else None


def make(prefix: str) -> Path:
    """A new scratch directory (``prefix`` one of :data:`PREFIXES`), owned by this process
    until :func:`remove`."""
    path = Path(tempfile.mkdtemp(prefix=prefix, dir=root()))
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_CLOEXEC | os.O_NOFOLLOW
    fd = os.open(path / f"{OWNER}.new", flags, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    (path / f"{OWNER}.new").rename(path / OWNER)
    with _lock:
        _held[path] = fd
    return path


def lock_of(path: Path) -> int:
    """The descriptor of the lock of ``path`` (made by :func:`make`, not yet removed), for a
    process to inherit (``pass_fds``): while it lives, no sweep takes the directory."""
    with _lock:
        return _held[path]


def remove(path: Path) -> None:
    """Remove a directory of :func:`make`'s and let its lock go."""
    shutil.rmtree(path, ignore_errors=True)
    with _lock:
        fd = _held.pop(path, None)
    if fd is not None:
        os.close(fd)


def sweep() -> list[Path]:
    """Remove the scratch directories of this user that no living process owns; returns them.
    Directories without a lock file (being made, or made by another version) are left."""
    base = Path(root() or tempfile.gettempdir())
    removed = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(base):
            if not entry.name.startswith(PREFIXES):
                continue
            fd = _abandoned(Path(entry.path))
            if fd is not None:  # (its lock held while it goes: no other sweep claims it)
                shutil.rmtree(entry.path, ignore_errors=True)
                os.close(fd)
                removed.append(Path(entry.path))
    return removed


def _abandoned(path: Path) -> int | None:
    """The descriptor of ``path``'s lock file, locked, if ``path`` is a directory of this user
    whose owner has ended; None otherwise."""
    try:
        if path.is_symlink() or not path.is_dir() or path.stat().st_uid != os.geteuid():
            return None
        fd = os.open(path / OWNER, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # its owner lives (a lock is per open file: ours too, in this process)
        os.close(fd)
        return None
    return fd
