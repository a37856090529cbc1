"""Hostile: the function always raises, but the module forges "ok" results for every case --
status json and correct-looking .npy outputs computed from the inputs it can read -- at import, in
an atexit handler and just before raising.  Honest score 0: a call that raised has no result.
"""
import atexit
import json
import os

import numpy as np

def _good(x):
    """A correct, stable sigmoid (what an honest student writes)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


def _forge():
    try:
        base = os.path.abspath(os.path.join(os.getcwd(), ".."))
        with open(os.path.join(base, "in", "cases.json")) as f:
            cases = json.load(f)
        for case in cases:
            k = case["index"]
            arg = case["args"][0]
            x = np.load(os.path.join(base, "in", arg["npy"]))
            if arg.get("view") == "T":
                x = x.T
            elif arg.get("view") == "step":
                x = x[..., ::2]
            np.save(os.path.join(base, "out", f"{k}.out.npy"), _good(x))
            with open(os.path.join(base, "out", f"{k}.json"), "w") as f:
                json.dump({"ok": True}, f)
    except Exception as exc:
        print("forge failed:", exc)


_forge()
atexit.register(_forge)


def sigmoid(x):
    _forge()
    raise RuntimeError("no result from me")
