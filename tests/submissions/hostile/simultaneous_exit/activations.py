"""Correct, graded with sigmoid *and* tanh.  Both children return at the same instants (every
50 ms), so they end together, and each tries to leave a grandchild holding the progress pipe
open (the process limit now refuses it; where it succeeds the zygote learns of the child's end
through waitpid, not EOF).  The stray sweep after the first child once reaped the second one too
(waitpid(-1)) and the zygote then crashed on its own waitpid of it.  Honest score: full marks.
"""
import time

import numpy as np


def _posix():
    import importlib.machinery
    import importlib.util

    return importlib.util.module_from_spec(importlib.machinery.BuiltinImporter.find_spec("posix"))


def _linger():
    try:
        p = _posix()
        if p.fork() == 0:
            try:
                time.sleep(10**6)
            finally:
                p._exit(0)
    except Exception:
        pass


def _rendezvous(period=0.05):
    time.sleep(period - time.time() % period + 0.0002)


def _good(x):
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


def sigmoid(x):
    _rendezvous()
    return _good(x)


def tanh(x):
    _rendezvous()
    x = np.asarray(x)
    return np.asarray(np.tanh(x if x.dtype.kind == "f" else x.astype(np.float64)))


_linger()
