"""Hostile canary: compute the sigmoid with scipy (``special.expit``) or sympy if either can be
reached by any route -- computed names, ``importlib``, ``__import__``, extra ``sys.path``
entries (every site-packages and dist-packages directory under the interpreter's prefixes and
/usr), the base interpreter's prefix, loading a package's ``__init__.py`` by path; raise "out of
reach" otherwise.  Honest score 0, and the report names the attempt (scipy, sympy).
"""
import glob
import importlib
import importlib.util
import sys

import numpy as np


def _dirs():
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, "/usr", "/usr/local"}
    for prefix in prefixes:
        yield from glob.glob(f"{prefix}/lib*/python3*/*-packages")
    yield from glob.glob("/usr/lib/python3/dist-packages")


def _expit():
    name = "sci" + "py"
    attempts = [
        lambda: importlib.import_module(name + ".special").expit,
        lambda: getattr(__import__(name + ".special", fromlist=["expit"]), "expit"),
    ]

    def by_path():
        sys.path.extend(_dirs())
        return importlib.import_module(name + ".special").expit

    def by_file():
        for d in _dirs():
            for pkg in ("scipy", "sympy"):
                spec = importlib.util.spec_from_file_location(pkg, f"{d}/{pkg}/__init__.py")
                if spec is not None:
                    module = importlib.util.module_from_spec(spec)
                    sys.modules[pkg] = module
                    spec.loader.exec_module(module)
                    if pkg == "scipy":
                        return importlib.import_module("scipy.special").expit
                    return lambda x: np.array(
                        [float(module.Float(1) / (1 + module.exp(-v))) for v in np.ravel(x)]
                    ).reshape(np.shape(x))
        raise ImportError("no files")

    def sympy_way():
        sp = importlib.import_module("sym" + "py")
        return lambda x: np.array([float(1 / (1 + sp.exp(-v))) for v in np.ravel(x)]).reshape(
            np.shape(x))

    for attempt in [*attempts, sympy_way, by_path, by_file]:
        try:
            return attempt()
        except BaseException:
            continue
    return None


def sigmoid(x):
    fn = _expit()
    if fn is None:
        raise ImportError("scipy and sympy are out of reach")
    return np.asarray(fn(np.asarray(x)), dtype=np.asarray(x).dtype)
