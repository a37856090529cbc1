"""Hostile: return arrays of the right shape but exotic dtypes (strings, bytes, complex,
structured, datetime, void, bool, float16, big-endian), one per case.  Honest score 0;
the comparison must not crash on any of them.
"""
import numpy as np

def _good(x):
    """A correct, stable sigmoid (what an honest student writes)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


_calls = []


def sigmoid(x):
    y = _good(x)
    k = len(_calls)
    _calls.append(k)
    kind = k % 9
    if kind == 0:
        return y.astype(str)
    if kind == 1:
        return y.astype(bytes)
    if kind == 2:
        return y.astype(np.complex128)
    if kind == 3:
        return np.zeros(y.shape, dtype=[("a", "<f8"), ("b", "<i4")])
    if kind == 4:
        return np.zeros(y.shape, dtype="datetime64[ns]")
    if kind == 5:
        return np.zeros(y.shape, dtype="V8")
    if kind == 6:
        return y.astype(bool)
    if kind == 7:
        return y.astype(np.float16)
    return y.astype(y.dtype.newbyteorder(">"))  # right values, byte-swapped dtype
