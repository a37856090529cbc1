"""Hostile canary: compute the sigmoid with torch if torch can be reached by any route (import,
__import__, importlib, the import guard removed, extra sys.path entries, loading torch's files by
path); raise otherwise.  Honest score 0: torch must be unreachable.
"""
import importlib
import importlib.util
import sys
from pathlib import Path

import numpy as np

SITES = ["/usr/lib", "/usr/local/lib", "/work/main/.venv/lib", "/opt", "/root/.local/lib",
         "/root/.pyenv/versions"]


def _site_dirs():
    for top in SITES:
        for pattern in ("python3*/*-packages/torch/__init__.py",
                        "*/lib/python3*/*-packages/torch/__init__.py"):
            try:
                yield from (str(p.parent) for p in Path(top).glob(pattern))
            except OSError:
                continue


def _torch():
    attempts = [
        lambda: __import__("torch"),
        lambda: importlib.import_module("torch"),
    ]

    def _unguarded():
        sys.meta_path[:] = [f for f in sys.meta_path if "Guard" not in type(f).__name__]
        sys.modules.pop("torch", None)
        sys.path.extend(str(Path(d).parent) for d in _site_dirs())
        return importlib.import_module("torch")

    def _by_path():
        for d in _site_dirs():
            spec = importlib.util.spec_from_file_location("torch", d + "/__init__.py")
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
        raise ImportError("torch is out of reach")
    return torch.sigmoid(torch.as_tensor(np.asarray(x))).numpy()
