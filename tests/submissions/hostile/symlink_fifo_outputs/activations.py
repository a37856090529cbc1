"""Hostile: return zeros, then replace the outputs already written for earlier cases by a symlink
to a file of correct values, a symlink to /etc/passwd, a FIFO, a hard link and a directory.

Honest score 0: the grader must not follow links or block on FIFOs.
"""
import os

import numpy as np

def _good(x):
    """A correct, stable sigmoid (what an honest student writes)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


_calls = []


def sigmoid(x):
    out = os.path.join("..", "out")
    k = len(_calls)
    _calls.append(k)
    good = os.path.abspath(f"good{k}.npy")
    np.save(good, _good(x))
    for name in sorted(os.listdir(out)):
        if not name.endswith(".npy"):
            continue
        j = int(name.split(".")[0])
        path = os.path.join(out, name)
        os.unlink(path)
        kind = j % 5
        if kind == 0:
            os.symlink(os.path.abspath(f"good{j}.npy"), path)
        elif kind == 1:
            os.symlink("/etc/passwd", path)
        elif kind == 2:
            os.mkfifo(path)
        elif kind == 3:
            os.link(f"good{j}.npy", path)
        else:
            os.mkdir(path)
    return np.zeros(np.shape(x))
