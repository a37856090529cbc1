"""Hostile: return a wrong result, and plant next to it, as extra outputs of the same case, a
symlink to a file of correct values, a symlink to /etc/passwd, a FIFO, a hard link and a
directory; also replace every earlier output, and the case's result file ``out/res``, by such
things.

Honest score 0: the result is wrong; links are never followed, FIFOs never opened for reading,
and planted files are not outputs.
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


def _plant(path, kind, good):
    try:
        if os.path.isdir(path) and not os.path.islink(path):
            os.rmdir(path)
        elif os.path.lexists(path):
            os.unlink(path)
        if kind == 0:
            os.symlink(good, path)
        elif kind == 1:
            os.symlink("/etc/passwd", path)
        elif kind == 2:
            os.mkfifo(path)
        elif kind == 3:
            os.link(good, path)
        else:
            os.mkdir(path)
    except OSError as exc:
        print("plant failed:", path, exc)


def sigmoid(x):
    out = os.path.join("..", "out")
    k = len(_calls)
    _calls.append(k)
    good = os.path.abspath(f"good{k}.npy")
    np.save(good, _good(x))
    for name in sorted(os.listdir(out)):
        if name.endswith(".npy"):
            _plant(os.path.join(out, name), int(name.split(".")[0]) % 5, good)
    for kind, name in enumerate("abcde"):
        _plant(os.path.join(out, f"{k}.{name}.npy"), kind, good)
    _plant(os.path.join(out, "res"), k % 5, good)  # the case's result file too
    return np.full((*np.shape(x), 2), 0.5)  # the wrong shape
