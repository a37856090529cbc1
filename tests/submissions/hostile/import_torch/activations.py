"""Hostile canary: compute the sigmoid with torch if torch can be reached by any route (import,
__import__, importlib, the import guard removed, extra sys.path entries, loading torch's files by
path).  Without torch it returns zeros.  Honest score 0: torch must be unreachable.
"""
import glob
import importlib
import importlib.util
import sys

import numpy as np


def _torch():
    attempts = [
        lambda: __import__("torch"),
        lambda: importlib.import_module("torch"),
    ]

    def _unguarded():
        sys.meta_path[:] = [f for f in sys.meta_path if "Guard" not in type(f).__name__]
        sys.modules.pop("torch", None)
        for pattern in ("/usr/lib/python3*/*-packages", "/usr/local/lib/python3*/*-packages",
                        "/work/*/.venv/lib/python3*/site-packages", "/opt/*/lib/python3*/*-packages",
                        "/root/.local/lib/python3*/site-packages"):
            sys.path.extend(glob.glob(pattern))
        return importlib.import_module("torch")

    def _by_path():
        for init in glob.glob("/**/torch/__init__.py", recursive=True):
            spec = importlib.util.spec_from_file_location("torch", init)
            module = importlib.util.module_from_spec(spec)
            sys.modules["torch"] = module
            spec.loader.exec_module(module)
            return module
        raise ImportError("no torch files")

    attempts += [_unguarded, _by_path]
    for attempt in attempts:
        try:
            torch = attempt()
            if hasattr(torch, "sigmoid"):
                return torch
        except BaseException:
            continue
    return None


try:
    import torch  # noqa: F401  the plain way first
except BaseException:
    pass


def sigmoid(x):
    torch = _torch()
    if torch is None:
        return np.zeros(np.shape(x))
    return torch.sigmoid(torch.as_tensor(np.asarray(x))).numpy()
