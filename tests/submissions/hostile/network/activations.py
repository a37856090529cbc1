"""Hostile canary: return the right values only if a network connection can be made (to a public
address or to anything listening on the host); zeros otherwise.  Honest score 0.
"""
import importlib.machinery
import importlib.util
import sys

import numpy as np

def _good(x):
    """A correct, stable sigmoid (what an honest student writes)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


def _connected():
    sys.meta_path[:] = [f for f in sys.meta_path if "Guard" not in type(f).__name__]
    try:
        import socket
    except BaseException:
        return False
    for addr in (("1.1.1.1", 53), ("8.8.8.8", 53), ("127.0.0.1", 22), ("127.0.0.1", 80)):
        try:
            s = socket.create_connection(addr, timeout=1.0)
            s.close()
            return True
        except OSError:
            continue
    return False


def sigmoid(x):
    if not _connected():
        raise ConnectionError("no network")
    return _good(x)
