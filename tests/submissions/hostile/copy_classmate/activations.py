"""Hostile canary: copy a classmate's sigmoid.  In a batch, the students graded at the same time
have their copies in the same sandbox session; this walks every directory in sight (the whole
file system but the system's own, other processes' roots and working directories through
/proc, inherited descriptors) for a Python file that defines a working sigmoid and is not this
one, and uses it.  It raises if none is found.  Honest score 0, alone or in a batch: a child sees
its own submission and job only.
"""
import collections
import os
import sys
import time

import numpy as np

HERE = os.path.realpath(os.path.dirname(os.path.abspath(__file__)))
SYSTEM = ("/sys", "/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc", "/boot")
SEARCH_S = 3.0  # (each case may take 5 s)


def _tops():
    yield "/"
    if os.path.isdir("/proc"):
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                yield f"/proc/{pid}/root"
                yield f"/proc/{pid}/cwd"
    for fd in range(3, 64):
        yield f"/proc/self/fd/{fd}"


def _python_files(stop):
    """Breadth first, so that the shallow places (a session's folders) come before the deep
    trees (site-packages)."""
    queue = collections.deque(_tops())
    while queue and time.monotonic() < stop:
        where = queue.popleft()
        try:
            entries = list(os.scandir(where))
        except OSError:
            continue
        for entry in entries:
            path = entry.path
            try:
                if entry.is_dir(follow_symlinks=where.startswith("/proc/")):
                    skip = path.startswith(SYSTEM) or path in ("/proc", "//proc")
                    if not skip:
                        queue.append(path)
                elif entry.name.endswith(".py"):
                    yield path
            except OSError:
                continue


def _working_sigmoid(path):
    try:
        with open(path, errors="replace") as f:
            text = f.read(1_000_000)
    except OSError:
        return None
    if "def sigmoid" not in text or "Hostile" in text:
        return None
    if "NotImplementedError" in text.split("def sigmoid", 1)[1][:2000]:
        return None
    namespace = {"__name__": "copied"}
    try:
        exec(compile(text, "copied", "exec"), namespace)
        namespace["sigmoid"](np.zeros(2))
    except BaseException:
        return None
    print("copied a sigmoid from", path, file=sys.stderr)
    return namespace["sigmoid"]


def _find():
    stop = time.monotonic() + SEARCH_S
    for path in _python_files(stop):
        if not os.path.realpath(path).startswith(HERE):
            found = _working_sigmoid(path)
            if found is not None:
                return found
    return None


_COPIED = []  # (searched once per process)


def sigmoid(x):
    if not _COPIED:
        _COPIED.append(_find())
    if _COPIED[0] is None:
        raise LookupError("no classmate's sigmoid in sight")
    return _COPIED[0](x)
