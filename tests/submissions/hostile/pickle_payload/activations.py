"""Hostile: outputs that are pickles.  Odd calls return an object array (refused by the driver);
even calls return correct values but plant, as an extra output of the same case, a crafted .npy
holding a pickle whose loading would create a marker file in the grader's /tmp (and the same
over every earlier output).  Honest score 0 -- a case with a pickled output is refused -- and
the marker must never appear.
"""
import os
import pickle

import numpy as np

MARKER = "/tmp/hostile-pickle-payload-ran"


class _Payload:
    def __reduce__(self):
        return (open, (MARKER, "w"))


def _crafted():
    payload = pickle.dumps([_Payload()], protocol=2)
    header = "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }"
    header = header + " " * (63 - (10 + len(header)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + payload


def _good(x):
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


_calls = []


def sigmoid(x):
    k = len(_calls)
    _calls.append(k)
    out = os.path.join("..", "out")
    for name in [n for n in os.listdir(out) if n.endswith(".npy")] + [f"{k}.payload.npy"]:
        with open(os.path.join(out, name), "wb") as f:
            f.write(_crafted())
    if k % 2 == 0:
        return np.array([_Payload()] * max(1, np.size(x)), dtype=object)
    return _good(x)
