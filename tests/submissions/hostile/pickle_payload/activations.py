"""Hostile: outputs that are pickles.  The function returns an object array (refused by the
driver), then overwrites earlier outputs with crafted .npy files holding a pickle whose loading
would create a marker file in the grader's /tmp.  Honest score 0; the marker must never appear.
"""
import io
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


_calls = []


def sigmoid(x):
    _calls.append(1)
    out = os.path.join("..", "out")
    for name in os.listdir(out):
        if name.endswith(".npy"):
            with open(os.path.join(out, name), "wb") as f:
                f.write(_crafted())
    if len(_calls) % 2:
        return np.array([_Payload()] * max(1, np.size(x)), dtype=object)
    return np.zeros(np.shape(x))
