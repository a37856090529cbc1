"""Hostile: grab as much memory as possible (huge arrays, an ever-growing list).  Honest score 0."""
import numpy as np

_hoard = []
try:  # at import: grow a list until the address-space limit says no
    while True:
        _hoard.append(bytearray(64 << 20))
except MemoryError:
    _hoard.clear()


def sigmoid(x):
    big = np.ones(1 << 37)  # 1 TiB of float64
    return big[: np.asarray(x).size].reshape(np.shape(x))
