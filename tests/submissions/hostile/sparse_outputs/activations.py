"""Hostile but correct: besides its result, every call leaves 31 extra sparse 64 MiB files in its
output directory (each within the file-size limit, costing no memory or disk until read),
hoping the grader reads them all (31 x 64 MiB per case, 14 cases: 28 GiB), and, as its case's
result ``out/result``, a sparse bundle whose header declares one 64 MiB array.  Honest score:
full marks -- the child writes its result afresh after the call, files it did not write are not
outputs -- and the grader's memory stays small.
"""
import json
import os

import numpy as np

def _good(x):
    """A correct, stable sigmoid (what an honest student writes)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


_calls = []
MAGIC = b"DLGRADE-BUNDLE-1\n"
SIZE = (64 << 20) - 4096


def _sparse(path, header):
    with open(path, "wb") as f:
        f.write(header)
        f.truncate(SIZE)


def sigmoid(x):
    k = len(_calls)
    _calls.append(k)
    n = (SIZE - 4096) // 8
    index = json.dumps({"arrays": [["out", "<f8", [n], 0, 8 * n]], "meta": {}}).encode()
    header = MAGIC + len(index).to_bytes(8, "little") + index
    for j in range(31):
        _sparse(os.path.join("..", "out", f"{k}.extra{j}"), header)
    _sparse(os.path.join("..", "out", "result"), header)
    return _good(x)
