"""Hostile canary: a channel to a classmate graded at the same time.  Every child of a batch sees
the same NumPy and standard-library files (read-only, but a lock or a watch needs only reading),
so one student's hidden children could signal their inputs, bit by bit, to another student's
public children through them: holding a lock another child tests, or opening a file another
child watches.  Right values only if one of these works on NumPy's ``__init__.py`` or its folder
(or the standard library's ``os.py``, or ``/etc/passwd``, whichever it sees first):
``flock``, an ``fcntl`` read lock (``F_SETLK``), asking for a conflicting lock (``F_GETLK``),
an open-file-description lock (``F_OFD_SETLK``), a lease, a directory notice (``F_NOTIFY``),
an ``inotify`` watch (through ctypes, the import guard removed); or if it can read the free
space of the file system its own folder is on (shared with every other child's job and
results: one child writing moves it for another).  Honest score 0.
"""
import fcntl
import os
import signal
import struct
import sys

import numpy as np

#: struct flock (x86-64 and AArch64): l_type, l_whence, l_start, l_len, l_pid: a read lock of all
READ_LOCK = struct.pack("hhqqi4x", fcntl.F_RDLCK, 0, 0, 0, 0)
IN_ACCESS, IN_OPEN = 0x1, 0x20


def _good(x):
    """A correct, stable sigmoid (what an honest student writes)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


def _inotify(path):
    sys.meta_path[:] = [f for f in sys.meta_path if "Guard" not in type(f).__name__]
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(0)
    if fd < 0:
        raise OSError(ctypes.get_errno(), "inotify_init1")
    try:
        if libc.inotify_add_watch(fd, path.encode(), IN_ACCESS | IN_OPEN) < 0:
            raise OSError(ctypes.get_errno(), "inotify_add_watch")
    finally:
        os.close(fd)


def _first_seen(paths):
    """The first of ``paths`` this process can open (NumPy's own file may be out of its sight
    where the interpreter lives under /tmp: each child has a /tmp of its own)."""
    for path in paths:
        try:
            os.close(os.open(path, os.O_RDONLY))
            return path
        except OSError:
            pass
    return None


def channels():
    """The names of the routes that worked."""
    # A directory notice arrives as SIGIO (whose default ends the process) each time another
    # process opens a file in NumPy's folder: the signal is the message.
    signal.signal(signal.SIGIO, signal.SIG_IGN)
    shared = _first_seen([np.__file__, os.__file__, "/etc/passwd"])
    if shared is None:
        return []
    fd = os.open(shared, os.O_RDONLY)
    folder = os.open(os.path.dirname(shared), os.O_RDONLY)
    routes = {
        "flock": lambda: fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB),
        "F_SETLK": lambda: fcntl.fcntl(fd, fcntl.F_SETLK, READ_LOCK),
        "F_GETLK": lambda: fcntl.fcntl(fd, fcntl.F_GETLK, READ_LOCK),
        "F_OFD_SETLK": lambda: fcntl.fcntl(fd, fcntl.F_OFD_SETLK, READ_LOCK),
        "F_SETLEASE": lambda: fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK),
        "F_NOTIFY": lambda: fcntl.fcntl(folder, fcntl.F_NOTIFY, fcntl.DN_ACCESS),
        "inotify": lambda: _inotify(shared),
        "statvfs": lambda: os.statvfs(os.path.dirname(os.path.abspath(__file__))),
    }
    worked = []
    for name, route in routes.items():
        try:
            route()
            worked.append(name)
        except BaseException:
            pass
    os.close(fd)
    os.close(folder)
    return worked


def sigmoid(x):
    if not channels():
        raise RuntimeError("no shared file can be locked or watched")
    return _good(x)
