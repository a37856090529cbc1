"""Noisy but correct: prints 10 MB to stdout and 1 MB to stderr per call.  Honest score: full marks."""
import sys

import numpy as np

def _good(x):
    """A correct, stable sigmoid (what an honest student writes)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


print("x" * (10 << 20))


def sigmoid(x):
    sys.stdout.write(("y" * 1023 + "\n") * (10 << 10))
    sys.stderr.write("z" * (1 << 20))
    return _good(x)
