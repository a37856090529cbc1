"""Hostile but correct: at import and in the first call, create empty files until refused (no
inode or no space left) in its scratch directory, /tmp, /var/tmp, /dev/shm, /run/lock and,
fewer, its output directory; then return correct values.  Honest score: full marks -- every
place is a capped tmpfs of its own -- and nothing of it outlives the child.
"""
import os

import numpy as np


def _good(x):
    """A correct, stable sigmoid (what an honest student writes)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


def _flood(d, most=200_000):
    made = 0
    try:
        os.makedirs(d, exist_ok=True)
    except OSError:
        return 0
    for i in range(most):
        try:
            fd = os.open(os.path.join(d, f"hostile-flood-{os.getpid()}-{i}"),
                         os.O_CREAT | os.O_WRONLY | os.O_EXCL)
            os.close(fd)
            made += 1
        except OSError:
            break
    return made


def _all():
    made = {d: _flood(d) for d in (".", "/tmp", "/var/tmp", "/dev/shm", "/run/lock")}
    made["out"] = _flood(os.path.join("..", "out"), most=500)
    print("files made:", made)


_all()
_called = []


def sigmoid(x):
    if not _called:
        _called.append(1)
        _all()
    return _good(x)
