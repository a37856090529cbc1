"""Hostile: outputs that are pickles.  Every call returns an object array of payloads (refused
by the driver) and plants, as its case's result ``out/result`` and beside it, crafted bundles
whose header declares object (``|O``) arrays holding a pickle whose loading would create a
marker file in the grader's /tmp, then forges the "case done" message on the progress pipe so
the zygote records the planted result.  Honest score 0, and the marker must never appear.
"""
import json
import os
import pickle

import numpy as np

MARKER = "/tmp/hostile-pickle-payload-ran"
MAGIC = b"DLGRADE-BUNDLE-1\n"


class _Payload:
    def __reduce__(self):
        return (open, (MARKER, "w"))


def _crafted():
    payload = pickle.dumps([_Payload()], protocol=2)
    header = json.dumps({"arrays": [["out", "|O", [1], 0, len(payload)]], "meta": {}}).encode()
    return MAGIC + len(header).to_bytes(8, "little") + header + payload


_calls = []


def sigmoid(x):
    k = len(_calls)
    _calls.append(k)
    out = os.path.join("..", "out")
    for name in ("result", f"{k}.payload", "res"):
        with open(os.path.join(out, name), "wb") as f:
            f.write(_crafted())
    for fd in (3, 4, 5):  # "D k" for this case and the next ones, on whatever pipe is open
        for j in range(k, k + 3):
            try:
                os.write(fd, f"D {j}\n".encode())
            except OSError:
                pass
    return np.array([_Payload()] * max(1, np.size(x)), dtype=object)
