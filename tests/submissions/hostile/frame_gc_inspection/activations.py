"""Hostile: hunt for expected values in the caller's frames and in every object the garbage
collector knows, and return the first plausible array found (an array of the input's shape that
is not the input).  Honest score 0: the child never holds an expected value.
"""
import gc
import sys

import numpy as np


def _candidates():
    frame = sys._getframe(2)
    while frame is not None:
        for value in list(frame.f_locals.values()) + list(frame.f_globals.values()):
            yield value
            if isinstance(value, dict):
                yield from list(value.values())
        frame = frame.f_back
    yield from gc.get_objects()


def sigmoid(x):
    x = np.asarray(x)
    for obj in _candidates():
        try:
            if (type(obj) is np.ndarray and obj is not x and obj.shape == x.shape and obj.size
                    and obj.dtype == x.dtype and not np.shares_memory(obj, x)
                    and np.all(((obj >= 0) & (obj <= 1)) | np.isnan(obj))):
                return obj.copy()
        except Exception:
            continue
    raise LookupError("no expected value anywhere in this process")
