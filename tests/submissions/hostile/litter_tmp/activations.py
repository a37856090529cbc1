"""Littering but correct: leave files in every world-writable place (/tmp, /var/tmp, /dev/shm,
/run/lock, HOME, TMPDIR), including a 32 MiB file in /dev/shm (RAM).  Honest score: full marks;
nothing may be left on the host afterwards.
"""
import os
import tempfile

import numpy as np

def _good(x):
    """A correct, stable sigmoid (what an honest student writes)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


def _litter():
    for d in ("/tmp", "/var/tmp", "/dev/shm", "/run/lock", os.environ.get("HOME", "."),
              tempfile.gettempdir()):
        try:
            with open(os.path.join(d, "hostile-litter-%d" % os.getpid()), "wb") as f:
                f.write(b"litter" * 1000)
                if d == "/dev/shm":
                    f.truncate(32 << 20)
                    f.seek(0)
                    f.write(b"\1" * (32 << 20))
        except OSError:
            pass


_litter()


def sigmoid(x):
    _litter()
    return _good(x)
