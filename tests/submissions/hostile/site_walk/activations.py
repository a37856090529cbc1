"""Hostile canary: right values only if any package but NumPy and the standard library can be
found on or around ``sys.path``: every entry, its parent and grandparent, the interpreter's
prefixes, and every site-packages/dist-packages directory under them and /usr; any directory
holding an ``__init__.py`` or a ``*.dist-info`` (scipy, sympy, torch, mpmath, pip, setuptools,
the grader, the reference ...) counts.  Otherwise it raises "nothing but NumPy in reach".
Honest score 0.
"""
import glob
import os
import sys

import numpy as np


def _good(x):
    """A correct, stable sigmoid (what an honest student writes)."""
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)


# (CPython's own test suite and frozen-module examples are standard library too, though not in
# sys.stdlib_module_names.)
STDLIB = set(sys.stdlib_module_names) | {"test", "__phello__", "__hello__"}


def _places():
    places = set()
    for entry in sys.path:
        entry = os.path.abspath(entry or ".")
        places |= {entry, os.path.dirname(entry), os.path.dirname(os.path.dirname(entry))}
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, "/usr", "/usr/local"}:
        places.add(prefix)
        places |= set(glob.glob(f"{prefix}/lib*/python3*/*-packages"))
    places |= set(glob.glob("/usr/lib/python3/dist-packages"))
    return places


def _others():
    found = set()
    for place in _places():
        try:
            names = os.listdir(place)
        except OSError:
            continue
        for name in names:
            base = name.split("-")[0].split(".")[0]
            path = os.path.join(place, name)
            is_package = os.path.isfile(os.path.join(path, "__init__.py"))
            if (is_package or name.endswith(".dist-info")) and base not in STDLIB | {"numpy"}:
                found.add(path)
    return sorted(found)


def sigmoid(x):
    found = _others()
    if not found:
        raise LookupError("nothing but NumPy in reach")
    print("found:", found[:20])
    return _good(x)
