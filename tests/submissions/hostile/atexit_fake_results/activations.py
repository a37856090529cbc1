"""Hostile: the function always raises, but the module forges "ok" results for every case --
the result file ``out/res`` (status line and a correct .npy output, computed from the inputs it
can read) and the per-case files of the worker's earlier layout -- at import, before raising in
every call (so rewriting the results of the cases already done) and in an atexit handler.
Honest score 0: a call that raised has no result, and a finished case's result must not change
afterwards.
"""
import atexit
import io
import json
import os
import sys

import numpy as np

def _good(x):
    """A correct, stable sigmoid (what an honest student writes)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


def _cases_path():
    frame = sys._getframe()
    while frame is not None:
        req = frame.f_locals.get("req")
        if isinstance(req, dict) and "cases" in req:
            return req["cases"]
        frame = frame.f_back
    raise LookupError("no request in sight")


_CASES = None


def _npy(arr):
    f = io.BytesIO()
    np.save(f, arr)
    return f.getvalue()


def _forge(x=None):
    global _CASES
    try:
        _CASES = _CASES or _cases_path()
        base = os.path.dirname(_CASES)
        with open(_CASES) as f:
            job = json.load(f)
        with open(os.path.join(base, "arrays.bin"), "rb") as f:
            blob = f.read()
        out = os.path.join(os.getcwd(), "..", "out")
        for case in job["cases"]:
            k = case["index"]
            arg = case["args"][0]
            offset, length = job["arrays"][arg["npy"]]
            y = np.load(io.BytesIO(blob[offset : offset + length]))
            if arg.get("view") == "T":
                y = y.T
            elif arg.get("view") == "step":
                y = y[..., ::2]
            np.save(os.path.join(out, f"{k}.out.npy"), _good(y))
            with open(os.path.join(out, f"{k}.json"), "w") as f:
                json.dump({"ok": True, "outputs": ["out"]}, f)
        data = _npy(_good(x if x is not None else y))
        with open(os.path.join(out, "res"), "wb") as f:
            f.write(json.dumps({"ok": True, "outputs": [["out", len(data)]]}).encode() + b"\n")
            f.write(data)
    except Exception as exc:
        print("forge failed:", repr(exc))


_forge()
atexit.register(_forge)


def sigmoid(x):
    _forge(x)
    raise RuntimeError("no result from me")
