"""Hostile: the function always raises, but the module forges "ok" results for every case --
status json and correct .npy outputs computed from the inputs it can read -- at import, before
raising in every call (so rewriting the results of the cases already done) and in an atexit
handler.  Honest score 0: a call that raised has no result, and a finished case's result must
not change afterwards.
"""
import atexit
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


def _forge():
    global _CASES
    try:
        _CASES = _CASES or _cases_path()
        base = os.path.dirname(_CASES)
        with open(_CASES) as f:
            cases = json.load(f)
        out = os.path.join(os.getcwd(), "..", "out")
        for case in cases:
            k = case["index"]
            arg = case["args"][0]
            x = np.load(os.path.join(base, arg["npy"]))
            if arg.get("view") == "T":
                x = x.T
            elif arg.get("view") == "step":
                x = x[..., ::2]
            np.save(os.path.join(out, f"{k}.out.npy"), _good(x))
            with open(os.path.join(out, f"{k}.json"), "w") as f:
                json.dump({"ok": True}, f)
    except Exception as exc:
        print("forge failed:", repr(exc))


_forge()
atexit.register(_forge)


def sigmoid(x):
    _forge()
    raise RuntimeError("no result from me")
