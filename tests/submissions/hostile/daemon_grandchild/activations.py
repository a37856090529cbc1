"""Hostile but correct: a daemonised grandchild (double fork + setsid) that sleeps forever.

Honest score: full marks; the grandchild must not outlive the grading.
"""
import time

import numpy as np

def _good(x):
    """A correct, stable sigmoid (what an honest student writes)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


def _posix():
    """A fresh copy of the builtin posix module: the worker deleted fork/kill from the loaded one."""
    import importlib.machinery
    import importlib.util

    spec = importlib.machinery.BuiltinImporter.find_spec("posix")
    return importlib.util.module_from_spec(spec)


def _daemon():
    p = _posix()
    if p.fork() == 0:
        try:
            p.setsid()
            if p.fork() == 0:  # the grandchild: orphaned, in its own session
                while True:
                    time.sleep(1000)
        finally:
            p._exit(0)


try:
    _daemon()
except Exception:
    pass


def sigmoid(x):
    try:
        _daemon()
    except Exception:
        pass
    return _good(x)
