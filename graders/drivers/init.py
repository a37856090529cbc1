"""Driver ``init``: an in-place initializer ``module.<function>(tensor, **kwargs, generator=g)``.

Outputs: ``tensor`` (the array passed in, after the call), ``same`` (1 if the call returned that
very array), for random initializers ``same_seed_repeats`` (1 if a second call with the same
seed gave the same bytes) and ``other_seed_differs`` (1 if a call with another seed gave other
bytes), and ``global_draw`` (a draw from NumPy's global RNG, which the grader seeded: it tells
whether the initializer consumed it).  The repeat calls are compared here, byte for byte with
``ndarray.tobytes`` taken before any submission is imported, so two flags cross back instead of
two more arrays as large as ``tensor``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_TOBYTES = np.ndarray.tobytes  # (a submission may rebind numpy's names, not this)


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
        first = _TOBYTES(tensor)
        out["same_seed_repeats"] = np.array(_TOBYTES(_fill(fn, case, seed)[0]) == first)
        out["other_seed_differs"] = np.array(_TOBYTES(_fill(fn, case, seed + 1)[0]) != first)
    out["global_draw"] = np.array(np.random.random_sample())  # noqa: NPY002
    return out
