"""Driver ``call``: ``result = module.<function>(*args, **kwargs)``.

``case["returns"]`` says what comes back: ``"array"`` (default; one ndarray), ``"tuple"`` (a
tuple of ndarrays, one per name in ``case["outputs"]``) or ``"scalar"`` (a real number).  In a
tuple, an element named in ``case["optional"]`` may be ``None`` (the gradient of an absent bias):
it crosses the wire as no output of that name, and the grader decides whether that was right.
With ``case["errstate"] == "raise"`` overflow, invalid operations and division by zero raise
``FloatingPointError`` (stability cases).  With ``case["expect_raise"]`` the output is the MRO
names of the exception the call raised.  The array arguments come back too, as they are after
the call (``__arg0``, ``__kw_weight`` ...): the grader compares them with what it sent (not
with ``case["send_back"]`` false: the efficiency report's timed calls, where writing them would
be timed too).
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _scalar(value: Any) -> np.ndarray:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"returned {type(value).__name__}, expected a real number")
    return np.asarray(float(value), dtype=np.float64)


def _array(value: Any) -> Any:
    """NumPy's own scalar types (what a ufunc returns for a 0-d input) count as 0-d arrays."""
    if isinstance(value, np.generic) and type(value).__module__ == "numpy":
        return np.asarray(value)
    return value


def raised(fn: Any, *args: Any, **kwargs: Any) -> dict[str, np.ndarray]:
    """``{"raised": the class names of what ``fn(*args, **kwargs)`` raised, most derived
    first}``, or ``["<nothing raised>"]``; NotImplementedError propagates (not done yet)."""
    try:
        fn(*args, **kwargs)
    except NotImplementedError:
        raise
    except Exception as exc:
        return {"raised": np.array([c.__name__ for c in type(exc).__mro__])}
    return {"raised": np.array(["<nothing raised>"])}


def run(module: Any, function: str, case: dict[str, Any]) -> dict[str, np.ndarray]:
    fn = getattr(module, function)
    args, kwargs = case.get("args", []), case.get("kwargs", {})
    outputs = case.get("outputs", ["out"])
    if case.get("expect_raise"):
        return raised(fn, *args, **kwargs)
    if case.get("errstate") == "raise":  # stability cases: overflow is a failure
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            result = fn(*args, **kwargs)
    else:
        result = fn(*args, **kwargs)
    back = sent_back(args, kwargs) if case.get("send_back", True) else {}
    return {**returned(case, result, outputs), **back}


def sent_back(args: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The array arguments as they are now (a call must not modify its inputs)."""
    back = {f"__arg{i}": a for i, a in enumerate(args) if type(a) is np.ndarray}
    back.update({f"__kw_{k}": v for k, v in kwargs.items() if type(v) is np.ndarray})
    return back


def returned(case: dict[str, Any], result: Any, outputs: list[str]) -> dict[str, Any]:
    """What the call returned, by output name, as ``case["returns"]`` says it should be."""
    kind = case.get("returns", "array")
    if kind == "scalar":
        return {outputs[0]: _scalar(result)}
    if kind == "tuple":
        if not isinstance(result, tuple) or len(result) != len(outputs):
            raise TypeError(
                f"returned {type(result).__name__}, expected a tuple of {len(outputs)} values"
            )
        optional = case.get("optional") or ()
        return {
            name: (_scalar(v) if case.get("scalars") else _array(v))
            for name, v in zip(outputs, result, strict=True)
            if v is not None or name not in optional
        }
    return {outputs[0]: _array(result)}
