"""Hostile: the function always raises, but the module forges "ok" results for every case -- a
result bundle ``out/result`` with correct outputs (computed from the job's inputs, found through
the call stack), and the zygote's own records ``res/<k>`` of every case of its job -- at import,
before raising in every call (so rewriting the results of the cases already done) and in an
atexit handler.  Honest score 0: a call that raised has no result, the records are out of the
child's reach, and a finished case's result must not change afterwards.
"""
import atexit
import os
import sys

import numpy as np

def _good(x):
    """A correct, stable sigmoid (what an honest student writes)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


def _request():
    frame = sys._getframe()
    while frame is not None:
        req = frame.f_locals.get("req")
        if isinstance(req, dict) and "workdir" in req:
            return req
        frame = frame.f_back
    raise LookupError("no request in sight")


_REQ = None


def _forge(x=None):
    global _REQ
    try:
        from box import wire  # the sandbox's own format, as the child writes it

        _REQ = _REQ or _request()
        job = _REQ["job"]
        import json

        with open(os.path.join(job, "cases.json")) as f:
            cases = json.load(f)
        with open(os.path.join(job, "inputs"), "rb") as f:
            arrays, _ = wire.load(f.read())
        for case in cases:
            good = _good(wire.decode(case["args"], arrays)[0])
            data = wire.dumps({"out": good})
            for path in (os.path.join(os.getcwd(), "..", "out", "result"),
                         os.path.join(_REQ["workdir"], "res", str(case["index"]))):
                try:
                    with open(path, "wb") as f:
                        f.write(data)
                except OSError as exc:
                    print("forge failed:", path, exc)
        if x is not None:
            with open(os.path.join("..", "out", "result"), "wb") as f:
                f.write(wire.dumps({"out": _good(x)}))
    except Exception as exc:
        print("forge failed:", repr(exc))


_forge()
atexit.register(_forge)


def sigmoid(x):
    _forge(x)
    raise RuntimeError("no result from me")
