"""Hostile: grab as much memory as possible (reserve arrays until the address-space limit says no,
then one huge array and one huge list per call).  Honest score 0; the grader must not notice.
"""
import numpy as np

_hoard = []
try:  # at import: reserve 256 MiB blocks until the limit refuses (fast: nothing is touched)
    while True:
        _hoard.append(np.empty(1 << 25))
except MemoryError:
    _hoard.clear()


def sigmoid(x):
    try:
        _hog = [0.5] * (1 << 33)  # 64 GiB of list
    except MemoryError:
        pass
    _hog = np.ones(1 << 37)  # 1 TiB of float64: MemoryError
    return _hog[: np.size(x)].reshape(np.shape(x))
