"""Hostile: replace the worker child by another program with execv through a fresh posix module
(a shell that sleeps, or an unguarded Python).  Honest score 0.
"""
import sys

import numpy as np

def _posix():
    """A fresh copy of the builtin posix module: the worker deleted fork/kill from the loaded one."""
    import importlib.machinery
    import importlib.util

    spec = importlib.machinery.BuiltinImporter.find_spec("posix")
    return importlib.util.module_from_spec(spec)


def sigmoid(x):
    p = _posix()
    for argv in (["/bin/sh", "-c", "exec sleep 100000"],
                 [sys.executable, "-c", "import time; time.sleep(10**6)"]):
        try:
            p.execv(argv[0], argv)
        except OSError:
            continue
    return np.full((*np.shape(x), 2), 0.5)  # the wrong shape
