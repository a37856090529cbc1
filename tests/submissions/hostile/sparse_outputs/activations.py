"""Hostile but correct: besides its result, every call leaves 31 extra sparse 64 MiB ".npy
outputs" for its case (each within the file-size limit, costing no memory or disk until read),
hoping the grader reads them all (31 x 64 MiB per case, 14 cases: 28 GiB), and a result file
``out/res`` declaring one of them.  Honest score: full
marks -- files the driver did not write are not outputs -- and the grader's memory stays small.
"""
import os

import numpy as np

def _good(x):
    """A correct, stable sigmoid (what an honest student writes)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


_calls = []


def _header(count):
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d,), }" % count
    header = header + " " * (63 - (10 + len(header)) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode()


def sigmoid(x):
    k = len(_calls)
    _calls.append(k)
    size = (64 << 20) - 4096
    for j in range(31):
        path = os.path.join("..", "out", f"{k}.extra{j}.npy")
        head = _header((size - 128) // 8)
        with open(path, "wb") as f:
            f.write(head)
            f.truncate(len(head) + (size - 128) // 8 * 8)
    body = (size - 128) // 8 * 8  # and a result file declaring one such output
    with open(os.path.join("..", "out", "res"), "wb") as f:
        f.write(b'{"ok": true, "outputs": [["out", %d]]}\n' % (len(head) + body) + head)
        f.truncate(f.tell() + body)
    return _good(x)
