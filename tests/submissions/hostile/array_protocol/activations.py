"""Hostile: return a non-ndarray object that only *converts* to the right array (__array__).

The contract is "returns a plain numpy.ndarray"; the driver refuses anything else.  Honest score 0.
"""
import numpy as np

def _good(x):
    """A correct, stable sigmoid (what an honest student writes)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


class _Lazy:
    def __init__(self, value):
        self._value = value
        self.shape, self.dtype = value.shape, value.dtype

    def __array__(self, dtype=None, copy=None):
        return self._value if dtype is None else self._value.astype(dtype)

    def __eq__(self, other):
        return True


def sigmoid(x):
    return _Lazy(_good(x))
