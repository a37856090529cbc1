"""Phase 4, compare: decide whether the student's outputs agree with the oracle's.

One helper converts once, then checks type, shape, dtype, the non-finite pattern and the values,
and names the worst element ("student vs torch at [3, 1]: 0.25 vs 0.5").  Tolerances live in
:data:`TOLERANCES`; the defaults are ``torch.testing.assert_close``'s for the dtype.  Every check
returns a :class:`Verdict`; checks are looked up by name in :data:`CHECKS` so registry items
choose one without touching the engine (optimizers register their trajectory check from
``graders/registry/optimizers.py``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: (rtol, atol) by tolerance key, dtype and device.  'default' is torch.testing.assert_close's.
TOLERANCES: dict[str, dict[str, tuple[float, float]]] = {
    "default": {"float64": (1e-7, 1e-7), "float32": (1.3e-6, 1e-5)},
    # Gradients and Jacobians sum several rounded terms; allow a few more ulps in float64.
    "gradient": {"float64": (1e-6, 1e-7), "float32": (1e-5, 1e-5)},
    # Long computations (CTC, optimizer trajectories, LBFGS) accumulate rounding.
    "loose": {"float64": (1e-5, 1e-6), "float32": (1e-4, 1e-4)},
}
#: Extra slack factor applied on CUDA, where transcendental functions differ by a few ulps.
DEVICE_FACTOR = {"cpu": 1.0, "cuda": 10.0}


@functools.lru_cache(maxsize=256)
def tolerance(key: str, dtype: np.dtype[Any], device: str = "cpu") -> tuple[float, float]:
    """(rtol, atol) for an output of ``dtype`` checked under tolerance ``key`` on ``device``."""
    table = TOLERANCES.get(key, TOLERANCES["default"])
    rtol, atol = table.get(np.dtype(dtype).name, table["float64"])
    factor = DEVICE_FACTOR.get(device.split(":")[0], 1.0)
    return rtol * factor, atol * factor


@dataclass
class Verdict:
    """The outcome of checking one case: passed, a one-line reason, and the numbers behind it."""

    passed: bool
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def _fmt(x: Any) -> str:
    if isinstance(x, (float, np.floating)):
        return f"{float(x):.10g}"
    return str(x)


def compare_array(name: str, expected: np.ndarray, got: Any, rtol: float, atol: float) -> Verdict:
    """Compare one output; the message names the worst element."""
    label = "" if name == "out" else f"{name}: "
    if type(got) is not np.ndarray:
        return Verdict(False, f"{label}returned {type(got).__name__}, expected numpy.ndarray")
    expected = np.asarray(expected)
    if got.shape != expected.shape:
        return Verdict(
            False,
            f"{label}shape {got.shape} but torch gives {expected.shape}",
            {"expected_shape": list(expected.shape), "got_shape": list(got.shape)},
        )
    if got.dtype != expected.dtype:
        return Verdict(
            False,
            f"{label}dtype {got.dtype} but torch gives {expected.dtype}",
            {"expected_dtype": str(expected.dtype), "got_dtype": str(got.dtype)},
        )
    if expected.dtype.kind in "biuUS":
        bad = np.argwhere(got != expected)
        if bad.size == 0:
            return Verdict(True)
        first = tuple(int(i) for i in bad[0])
        return Verdict(
            False,
            f"{label}at {list(first)}: got {got[first]!r}, expected {expected[first]!r}",
            {"index": list(first)},
        )
    e = expected.astype(np.float64, copy=False)
    g = got.astype(np.float64, copy=False)
    details: dict[str, Any] = {"rtol": rtol, "atol": atol}
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        diff = np.abs(g - e)
        abs_e = np.abs(e)
        allowed = atol + rtol * abs_e
        finite = np.isfinite(e) & np.isfinite(g)
        same_special = (np.isnan(e) & np.isnan(g)) | ((e == g) & np.isinf(e))
        bad = ~same_special & (~finite | ~(diff <= allowed))
        if finite.any():
            details["max_abs_err"] = float(np.max(np.where(finite, diff, 0.0)))
            rel = np.where(finite & (e != 0), diff / abs_e, 0.0)
            details["max_rel_err"] = float(np.max(rel))
    if not bad.any():
        return Verdict(True, details=details)
    with np.errstate(invalid="ignore", over="ignore"):
        excess = np.where(bad, np.nan_to_num(diff - allowed, nan=np.inf, posinf=np.inf), -np.inf)
    idx: tuple[int, ...] = (
        tuple(int(i) for i in np.unravel_index(int(np.argmax(excess)), e.shape)) if e.ndim else ()
    )
    where = f"at {[int(i) for i in idx]}" if e.ndim else "(scalar)"
    details.update(
        {
            "index": [int(i) for i in idx],
            "expected": _fmt(e[idx]),
            "got": _fmt(g[idx]),
            "mismatched": int(bad.sum()),
            "total": int(bad.size),
        }
    )
    msg = (
        f"{label}student vs torch {where}: {_fmt(g[idx])} vs {_fmt(e[idx])} "
        f"({int(bad.sum())} of {bad.size} elements outside rtol={rtol:g}, atol={atol:g})"
    )
    return Verdict(False, msg, details)


def check_allclose(
    expected: dict[str, Any],
    got: dict[str, np.ndarray],
    tol: str,
    device: str,
    case_data: dict[str, Any],
) -> Verdict:
    """Every expected output within tolerance."""
    details: dict[str, Any] = {}
    for name, exp in expected.items():
        if name not in got:
            return Verdict(False, f"output '{name}' is missing")
        exp_arr = np.asarray(exp)
        rtol, atol = tolerance(
            tol, exp_arr.dtype if exp_arr.dtype.kind == "f" else np.dtype("float64"), device
        )
        verdict = compare_array(name, exp_arr, got[name], rtol, atol)
        if not verdict.passed:
            return verdict
        details.update(verdict.details)
    return Verdict(True, details=details)


def check_raises(
    expected: dict[str, Any],
    got: dict[str, np.ndarray],
    tol: str,
    device: str,
    case_data: dict[str, Any],
) -> Verdict:
    """The call must raise ``expected['raises']`` (or a subclass), as torch does."""
    want = str(expected["raises"])
    names = [str(n) for n in np.asarray(got.get("raised", np.array([]))).ravel()]
    if want in names:
        return Verdict(True)
    if names == ["<nothing raised>"]:
        return Verdict(False, f"no exception; torch raises {want}")
    return Verdict(False, f"raised {names[0] if names else '?'}; torch raises {want}")


Check = Callable[[dict[str, Any], dict[str, np.ndarray], str, str, dict[str, Any]], Verdict]
CHECKS: dict[str, Check] = {
    "allclose": check_allclose,
    "raises": check_raises,
}


def register_check(name: str) -> Callable[[Check], Check]:
    """Decorator: make a check available to registry items under ``name``."""

    def deco(fn: Check) -> Check:
        CHECKS[name] = fn
        return fn

    return deco
