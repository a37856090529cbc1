"""Hostile: outputs that are pickles.  Every call returns an object array of payloads (refused
by the driver) and plants, as extra outputs of its case and over every earlier output, a crafted
.npy holding a pickle whose loading would create a marker file in the grader's /tmp.  Honest
score 0, and the marker must never appear.
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


_calls = []


def sigmoid(x):
    k = len(_calls)
    _calls.append(k)
    out = os.path.join("..", "out")
    for name in [n for n in os.listdir(out) if n.endswith(".npy")] + [f"{k}.payload.npy"]:
        with open(os.path.join(out, name), "wb") as f:
            f.write(_crafted())
    crafted = _crafted()  # and as the case's result file
    with open(os.path.join(out, "res"), "wb") as f:
        f.write(b'{"ok": true, "outputs": [["out", %d]]}\n' % len(crafted) + crafted)
    return np.array([_Payload()] * max(1, np.size(x)), dtype=object)
