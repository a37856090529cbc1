"""Hostile but correct: return correct values, but plant an extra ".npy output" for the same case
(and overwrite every earlier output) with a .npy whose header lies: a shape far bigger than the
data, negative dimensions, a truncated body, a 1 MB header, an unknown version, an absurd dtype,
code in the header; and writes such a file as the case's result file ``out/res``.  Honest
score: full marks (the planted files are not outputs, the worker writes the result file afresh
after the call, and the finished cases' results were taken before they were overwritten); the
grader must neither allocate what a header claims nor crash.  (tests/test_hostile.py feeds the same headers to
sandbox.parse_npy directly.)
"""
import os

import numpy as np

def _good(x):
    """A correct, stable sigmoid (what an honest student writes)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


def _npy(header, body=b"", version=b"\x01\x00"):
    header = header + " " * (63 - (10 + len(header)) % 64) + "\n"
    n = len(header)
    size = n.to_bytes(2, "little") if version == b"\x01\x00" else n.to_bytes(4, "little")
    return b"\x93NUMPY" + version + size + header.encode() + body


FAKES = [
    _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1099511627776,), }", b"\0" * 64),
    _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", b"\0" * 8),
    _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (-2, -4), }", b"\0" * 64),
    _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (-1, 0), }"),
    _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 4), }", b"\0" * 16),
    _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }" + " " * (1 << 20), b"\0" * 8,
         version=b"\x02\x00"),
    _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", b"\0" * 8,
         version=b"\x09\x00"),
    _npy("{'descr': 'V1099511627776', 'fortran_order': False, 'shape': (0,), }"),
    _npy("__import__('os').system('touch /tmp/hostile-header-eval-ran')", b"\0" * 8),
    _npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", b"\0" * 24),
    b"\x93NUMPY\x01\x00",
    b"",
]

_calls = []


def sigmoid(x):
    k = len(_calls)
    _calls.append(k)
    out = os.path.join("..", "out")
    for name in [n for n in os.listdir(out) if n.endswith(".npy")]:
        with open(os.path.join(out, name), "wb") as f:
            f.write(FAKES[int(name.split(".")[0]) % len(FAKES)])
    with open(os.path.join(out, f"{k}.lie.npy"), "wb") as f:
        f.write(FAKES[k % len(FAKES)])
    fake = FAKES[k % len(FAKES)]  # and as the case's result file, which the worker rewrites
    with open(os.path.join(out, "res"), "wb") as f:
        f.write(b'{"ok": true, "outputs": [["out", %d]]}\n' % len(fake) + fake)
    return _good(x)
