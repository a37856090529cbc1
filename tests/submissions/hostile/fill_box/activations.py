"""Hostile but correct: at import it fills every place of its box it may write (its output
directory, its scratch directory, its working directory) with dense files until refused and
holds them three seconds -- in a batch the other students' children write their results
meanwhile --, then answers right, leaving them there.  Graded alone: full marks (the child
clears its output directory when its result finds no room); in a batch: no classmate may lose
anything (tests/test_hostile.py).
"""
import os
import time

import numpy as np

CHUNK = b"\x01" * (1 << 20)


def _places():
    here = os.getcwd()
    out = os.path.realpath(os.path.join(here, "..", "out"))
    return out, {here, out, os.path.realpath(os.path.join(here, "..", "scratch"))}


def _fill(place):
    written = []
    for i in range(1024):
        path = os.path.join(place, f"fill-{os.getpid()}-{i}")
        try:
            with open(path, "wb") as f:
                written.append(path)
                for _ in range(64):
                    f.write(CHUNK)
        except OSError:
            break
    return written


OUT, PLACES = _places()
WRITTEN = {place: _fill(place) for place in PLACES}
time.sleep(3.0)


def sigmoid(x):
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)
