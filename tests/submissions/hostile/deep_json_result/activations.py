"""Hostile: in every call, write as the case's result ``out/result`` a bundle whose header is a
JSON list nested 100 000 deep, or names 50 000 arrays, or holds a 5000-digit number, then forge
the "case done" message on the progress pipe (fd 3) so that the zygote records that file; return
wrong values.  (In the grader's earlier design such a result killed the zygote: no report.)
Honest score 0, and every case is still judged.
"""
import json
import os

import numpy as np

MAGIC = b"DLGRADE-BUNDLE-1\n"


def _bundle(header):
    return MAGIC + len(header).to_bytes(8, "little") + header


CRAFTED = [
    _bundle(b"[" * 100_000 + b"]" * 100_000),
    _bundle(b'{"arrays": ' + b"[" * 50_000 + b"]" * 50_000 + b', "meta": {}}'),
    _bundle(json.dumps({"arrays": [["a%d" % i, "<f8", [0], 0, 0] for i in range(50_000)],
                        "meta": {}}).encode()),
    _bundle(b'{"arrays": [["out", "<f8", [' + b"9" * 5000 + b'], 0, 8]], "meta": {}}'),
    _bundle(b'{"arrays": [], "meta": {"error": ' + b"{" * 10 + b"}" * 10 + b"}}"),
]
_calls = []


def sigmoid(x):
    k = len(_calls)
    _calls.append(k)
    with open(os.path.join("..", "out", "result"), "wb") as f:
        f.write(CRAFTED[k % len(CRAFTED)])
    try:
        os.write(3, f"D {k}\n".encode())
    except OSError:
        pass
    return np.full((*np.shape(x), 2), 0.25)  # the wrong shape
