"""Hostile but correct: background threads that keep spinning, printing and rewriting files in
the scratch directory after the function returned.  Honest score: full marks.
"""
import threading

import numpy as np

def _good(x):
    """A correct, stable sigmoid (what an honest student writes)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


def _busy(k):
    n = 0
    while True:
        n += 1
        if n % 100000 == 0:
            print(f"thread {k} still here", flush=True)
            try:
                with open(f"thread{k}.txt", "w") as f:
                    f.write(str(n))
            except OSError:
                pass


def _start(k):
    try:
        threading.Thread(target=_busy, args=(k,), daemon=False).start()
    except RuntimeError:  # the process limit may forbid threads: that is fine
        pass


_start(0)


def sigmoid(x):
    _start(1)
    return _good(x)
