"""Hostile but correct: return correct values, but write, as the case's result ``out/result``
and beside it (and over every earlier file of its output directory), bundles whose headers lie:
a shape far bigger than the data, offsets out of order or past the end, a header length past the
end of the file or of 1 GiB, a header nested 100 000 lists deep, NaN and huge numbers, names
that are not identifiers or repeated, dtypes that are objects, voids, structures, datetimes or
absurd (``V1099511627776``), code in the header, truncated and empty files.  Honest score: full
marks (the child writes its result afresh after the call, and the finished cases' results were
taken before they were overwritten); the grader must neither allocate what a header claims nor
crash.  (tests/test_hostile.py feeds the same kind of bundles to ``wire.load`` directly.)
"""
import json
import os

import numpy as np

MAGIC = b"DLGRADE-BUNDLE-1\n"


def _good(x):
    """A correct, stable sigmoid (what an honest student writes)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


def _bundle(rows, body=b"", meta=None, size=None):
    header = rows if isinstance(rows, bytes) else json.dumps(
        {"arrays": rows, "meta": meta or {}}).encode()
    n = len(header) if size is None else size
    return MAGIC + n.to_bytes(8, "little") + header + body


FAKES = [
    _bundle([["out", "<f8", [1 << 40], 0, 8 << 40]], b"\0" * 64),
    _bundle([["out", "<f8", [2], 8, 16]], b"\0" * 24),
    _bundle([["out", "<f8", [2], 0, 16], ["b", "<f8", [1], 40, 8]], b"\0" * 24),
    _bundle([["out", "<f8", [1], 0, 8]], b"\0" * 8, size=1 << 30),
    _bundle([["out", "<f8", [1], 0, 8]], b"\0" * 8, size=1 << 62),
    _bundle(b"[" * 100_000 + b"]" * 100_000),
    _bundle(b'{"arrays": [["out", "<f8", [NaN], 0, 8]], "meta": {}}', b"\0" * 8),
    _bundle([["out", "<f8", [10 ** 30], 0, 8]], b"\0" * 8),
    _bundle([["../../x", "<f8", [1], 0, 8]], b"\0" * 8),
    _bundle([["out", "<f8", [1], 0, 8], ["out", "<f8", [1], 8, 8]], b"\0" * 16),
    _bundle([["out", "|O", [1], 0, 8]], b"\0" * 8),
    _bundle([["out", "|V8", [1], 0, 8]], b"\0" * 8),
    _bundle([["out", "V1099511627776", [0], 0, 0]]),
    _bundle([["out", "[('a', '<f8')]", [1], 0, 8]], b"\0" * 8),
    _bundle([["out", "<M8[D]", [1], 0, 8]], b"\0" * 8),
    _bundle([["out", "__import__('os').system('touch /tmp/hostile-header-eval-ran')", [1], 0, 8]]),
    _bundle([["out", "<f8", [1], 0, 8]], meta={"error": ["not", "a", "string"]}),
    _bundle([["out", "<f8", [-1], 0, 8]], b"\0" * 8),
    MAGIC + b"\xff" * 8,
    MAGIC,
    b"",
]

_calls = []


def sigmoid(x):
    k = len(_calls)
    _calls.append(k)
    out = os.path.join("..", "out")
    for name in os.listdir(out):
        try:
            with open(os.path.join(out, name), "wb") as f:
                f.write(FAKES[hash(name) % len(FAKES)])
        except OSError:
            pass
    with open(os.path.join(out, f"{k}.lie"), "wb") as f:
        f.write(FAKES[k % len(FAKES)])
    with open(os.path.join(out, "result"), "wb") as f:  # (the child writes it afresh)
        f.write(FAKES[k % len(FAKES)])
    return _good(x)
