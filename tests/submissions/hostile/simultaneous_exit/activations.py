"""Correct, graded with sigmoid *and* tanh: both children wait for the same instants (every 50 ms)
before each return, so the zygote sees two children end together (this used
to let one child's stray sweep reap the other and crash the zygote).  Honest score: full marks.
"""
import time

import numpy as np


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

