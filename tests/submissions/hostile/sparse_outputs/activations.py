"""Hostile: besides its (correct) result, every call leaves 32 extra sparse 64 MiB outputs in the
output directory for its case (within the file-size limit, costing no disk) hoping the grader
reads them all into memory (32 x 64 MiB per case).  Honest score 0: the case's outputs are too
large to accept; the grader's memory must stay small.
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
    for j in range(32):
        path = os.path.join("..", "out", f"{k}.extra{j}.npy")
        head = _header((size - 128) // 8)
        with open(path, "wb") as f:
            f.write(head)
            f.truncate(len(head) + (size - 128) // 8 * 8)
    return _good(x)
