"""Hostile but correct: read standard input (must be empty / EOF, never the grader's pipe).

Honest score: full marks.
"""
import os
import sys

import numpy as np

def _good(x):
    """A correct, stable sigmoid (what an honest student writes)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


_seen = sys.stdin.read()


def sigmoid(x):
    data = sys.stdin.read() + os.read(0, 1 << 16).decode(errors="replace")
    if data or _seen:
        raise RuntimeError(f"stdin had data: {data[:100]!r}")
    return _good(x)
