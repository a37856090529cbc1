"""Driver ``init``: an in-place initializer ``module.<function>(tensor, *args, **kwargs,
generator=g)`` on an array of NaNs.

Outputs, raw (the grader decides what they mean):

* ``tensor``: the array after the call, drawn with ``Generator(PCG64(case["seed"]))``;
* ``returned_is_input``: whether the call returned the very array it was given;
* ``repeat_same``, ``repeat_again``, ``repeat_other``: three more calls on a small array of
  ``case["repeat_shape"]``, with the seeds ``seed``, ``seed`` and ``seed + 1``;
* ``global_draw``: a draw from NumPy's global generator after all the calls, which was seeded
  with ``case["global_seed"]`` before them.

The global generator's methods are bound when this file is loaded, before any student code, so a
submission that rebinds ``np.random.seed`` cannot change what is measured.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .call import raised

_GLOBAL = np.random.mtrand._rand  # NumPy's legacy global generator
_SEED_GLOBAL = _GLOBAL.seed
_DRAW_GLOBAL = _GLOBAL.random_sample
_GENERATOR, _PCG64 = np.random.Generator, np.random.PCG64


def _call(fn: Any, case: dict[str, Any], shape: Any, seed: int | None) -> tuple[np.ndarray, bool]:
    tensor = np.full(tuple(shape), np.nan, dtype=np.dtype(case.get("dtype", "float64")))
    kwargs = dict(case.get("kwargs", {}))
    if seed is not None:
        kwargs["generator"] = _GENERATOR(_PCG64(seed))
    returned = fn(tensor, *case.get("args", []), **kwargs)
    return tensor, returned is tensor


def run(module: Any, function: str, case: dict[str, Any]) -> dict[str, np.ndarray]:
    fn = getattr(module, function)
    if case.get("expect_raise"):
        return raised(fn, *case.get("args", []))
    seed = case.get("seed")
    _SEED_GLOBAL(case.get("global_seed", 0))
    tensor, same = _call(fn, case, case["shape"], seed)
    out = {"tensor": tensor, "returned_is_input": np.array(same)}
    if seed is not None:
        small = case.get("repeat_shape", case["shape"])
        out["repeat_same"] = _call(fn, case, small, seed)[0]
        out["repeat_again"] = _call(fn, case, small, seed)[0]
        out["repeat_other"] = _call(fn, case, small, seed + 1)[0]
    out["global_draw"] = np.array(_DRAW_GLOBAL())
    return out
