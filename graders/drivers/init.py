"""Driver ``init``: an in-place initializer ``module.<function>(tensor, **kwargs, generator=g)``.

Outputs: ``tensor`` (the array passed in, after the call), ``same`` (1 if the call returned that
very array), and for random initializers ``again`` (a second call with the same seed),
``other`` (a call with another seed) and ``global_draw`` (a draw from NumPy's global RNG, which
the grader seeded: it tells whether the initializer consumed it).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _fill(function: Any, case: dict[str, Any], seed: int | None) -> tuple[np.ndarray, bool]:
    tensor = np.full(tuple(case["shape"]), np.nan, dtype=np.dtype(case.get("dtype", "float64")))
    kwargs = dict(case.get("kwargs", {}))
    if seed is not None:
        kwargs["generator"] = np.random.Generator(np.random.PCG64(seed))
    returned = function(tensor, *case.get("args", []), **kwargs)
    return tensor, returned is tensor


def run(module: Any, function: str, case: dict[str, Any]) -> dict[str, np.ndarray]:
    fn = getattr(module, function)
    if case.get("expect_raise"):
        try:
            fn(*case.get("args", []))
        except NotImplementedError:
            raise
        except Exception as exc:
            return {"raised": np.array([c.__name__ for c in type(exc).__mro__])}
        return {"raised": np.array(["<nothing raised>"])}
    seed = case.get("seed")
    np.random.seed(case.get("global_seed", 0))  # noqa: NPY002 (the global RNG on purpose)
    tensor, same = _fill(fn, case, seed)
    out = {"tensor": tensor, "same": np.array(same)}
    if seed is not None:
        out["again"] = _fill(fn, case, seed)[0]
        out["other"] = _fill(fn, case, seed + 1)[0]
    out["global_draw"] = np.array(np.random.random_sample())  # noqa: NPY002
    return out
