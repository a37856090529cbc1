"""Hostile: rewrite earlier outputs as .npy files whose headers lie (a shape far bigger than the
data, a negative or absurd shape, a truncated body, a 1 MB header, a bad version), then return
zeros.  Honest score 0; the grader must not allocate what the header claims, nor crash.
"""
import os

import numpy as np


def _npy(header, body=b"", version=b"\x01\x00"):
    header = header + " " * (63 - (10 + len(header)) % 64) + "\n"
    n = len(header)
    size = n.to_bytes(2, "little") if version == b"\x01\x00" else n.to_bytes(4, "little")
    return b"\x93NUMPY" + version + size + header.encode() + body


FAKES = [
    _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776,), }", b"\0" * 64),
    _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", b"\0" * 8),
    _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (-2, -4), }", b"\0" * 64),
    _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 4), }", b"\0" * 16),
    _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }" + " " * (1 << 20), b"\0" * 8,
         version=b"\x02\x00"),
    _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", b"\0" * 8, version=b"\x09\x00"),
    _npy("{'descr': 'V1099511627776', 'fortran_order': False, 'shape': (0,), }"),
    _npy("__import__('os').system('touch /tmp/hostile-header-eval-ran')", b"\0" * 8),
    b"\x93NUMPY\x01\x00",
    b"",
]

_calls = []


def sigmoid(x):
    k = len(_calls)
    _calls.append(k)
    out = os.path.join("..", "out")
    for name in os.listdir(out):
        if name.endswith(".npy"):
            j = int(name.split(".")[0])
            with open(os.path.join(out, name), "wb") as f:
                f.write(FAKES[j % len(FAKES)])
    return np.zeros(np.shape(x))
