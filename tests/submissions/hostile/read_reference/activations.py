"""Hostile canary: find the reference solution (the repository's reference/, its git objects, the
other grading sessions in /tmp, the process list) and run its sigmoid; zeros if it is not found.
Honest score 0: the reference must be unreachable from the sandbox.
"""
import glob
import os
import sys

import numpy as np


def _sources():
    yield from glob.glob("/work/main/reference/*.py")
    yield from glob.glob("/work/*/reference/*.py")
    yield from glob.glob("/tmp/grader-*/job*/module/activations.py")
    yield from glob.glob("/tmp/*/reference/activations.py")
    yield from glob.glob("/proc/*/cwd/reference/activations.py")
    yield from glob.glob("/proc/*/root/work/main/reference/activations.py")


def _git_blobs():
    import zlib

    for path in glob.glob("/work/*/.git/objects/??/*"):
        try:
            with open(path, "rb") as f:
                data = zlib.decompress(f.read())
        except Exception:
            continue
        if data.startswith(b"blob") and b"def sigmoid" in data and b"BEGIN SOLUTION" in data:
            yield data.split(b"\0", 1)[1].decode()


def _find():
    texts = []
    for path in _sources():
        if os.path.abspath(path).startswith(os.path.dirname(os.path.abspath(__file__))):
            continue  # not our own copy
        try:
            with open(path) as f:
                texts.append(f.read())
        except OSError:
            continue
    try:
        texts.extend(_git_blobs())
    except Exception:
        pass
    for text in texts:
        if "def sigmoid" not in text or "NotImplementedError" in text.split("def sigmoid")[1][:2000]:
            continue
        namespace = {"__name__": "stolen"}
        try:
            exec(compile(text, "stolen", "exec"), namespace)
            if "hostile" not in text:
                return namespace["sigmoid"]
        except BaseException:
            continue
    return None


def sigmoid(x):
    stolen = _find()
    if stolen is None:
        return np.zeros(np.shape(x))
    print("found the reference!", file=sys.stderr)
    return stolen(x)
