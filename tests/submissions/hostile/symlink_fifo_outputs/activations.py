"""Hostile: return a wrong result, and plant as its case's result ``out/result`` (and beside it,
and over every earlier file of its output directory) a symlink to a bundle of correct values, a
symlink to /etc/passwd, a FIFO, a hard link to a bundle of correct values and a directory; then
forge the "case done" message on the progress pipe so that the zygote looks at the planted
result before the child has written its own.

Honest score 0: the result is wrong; links are never followed, FIFOs never opened for reading,
hard links and directories are refused, and planted files are not outputs.
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
    from box import wire  # the sandbox's own format

    out = os.path.join("..", "out")
    k = len(_calls)
    _calls.append(k)
    good = os.path.join(out, f"good{k}")  # (a hard link must stay on the same file system)
    with open(good, "wb") as f:
        f.write(wire.dumps({"out": _good(x)}))
    for name in sorted(os.listdir(out)):
        if not name.startswith("good"):
            _plant(os.path.join(out, name), k % 5, good)
    for kind, name in enumerate("abcde"):
        _plant(os.path.join(out, f"{k}.{name}"), kind, good)
    _plant(os.path.join(out, "result"), k % 5, good)
    try:
        os.write(3, f"D {k}\n".encode())  # (guessing the case's index: its position)
    except OSError:
        pass
    return np.full((*np.shape(x), 2), 0.5)  # the wrong shape
