"""Phase 4, judge: decide, grader-side, whether what the student's code returned agrees with
the oracle, and turn each case into a :class:`~graders.score.CaseResult`.

One helper, :func:`compare_array`, checks type, shape, dtype, the non-finite pattern and the
values, and names the worst element ("student vs torch at [3, 1]: 0.25 vs 0.5").  Tolerances
live in :data:`TOLERANCES`; the defaults are ``torch.testing.assert_close``'s for the dtype.  A
check is a function ``(expected, got, tolerance, device, case_data) -> Verdict``; an item names
its own (:func:`check_allclose` by default; a subject's special checks live with the subject in
``graders/registry``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from graders.score import CaseResult, ItemResult, classify, raiser

if TYPE_CHECKING:
    from graders.registry import Case, Item
    from graders.sandbox import CaseRun, ItemRun

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
        return _dtype_verdict(label, expected, got, rtol, atol)
    if expected.dtype.kind in "biuUS":
        return _exact_verdict(label, expected, got)
    return _float_verdict(label, expected, got, rtol, atol)


def _exact_verdict(label: str, expected: np.ndarray, got: np.ndarray) -> Verdict:
    """Booleans, integers and strings: equal, element by element."""
    bad = np.argwhere(got != expected)
    if bad.size == 0:
        return Verdict(True)
    first = tuple(int(i) for i in bad[0])
    return Verdict(
        False,
        f"{label}at {list(first)}: got {got[first]!r}, expected {expected[first]!r}",
        {"index": list(first)},
    )


def _float_verdict(
    label: str, expected: np.ndarray, got: np.ndarray, rtol: float, atol: float
) -> Verdict:
    """Floats: within ``atol + rtol * |expected|``, nan and inf where torch has them; the
    message names the worst element."""
    e = expected.astype(np.float64, copy=False)
    g = got.astype(np.float64, copy=False)
    details: dict[str, Any] = {"rtol": rtol, "atol": atol}
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        diff = np.abs(g - e)
        allowed = atol + rtol * np.abs(e)
        finite = np.isfinite(e) & np.isfinite(g)
        same_special = (np.isnan(e) & np.isnan(g)) | ((e == g) & np.isinf(e))
        bad = ~same_special & (~finite | ~(diff <= allowed))
        if finite.any():
            details["max_abs_err"] = float(np.max(np.where(finite, diff, 0.0)))
        if (finite & (e != 0)).any():  # (relative to 0 means nothing: absolute error only)
            details["max_rel_err"] = float(
                np.max(np.where(finite & (e != 0), diff / np.abs(e), 0.0))
            )
        if not bad.any():
            return Verdict(True, details=details)
        excess = np.where(bad, np.nan_to_num(diff - allowed, nan=np.inf, posinf=np.inf), -np.inf)
    idx: tuple[int, ...] = (
        tuple(int(i) for i in np.unravel_index(int(np.argmax(excess)), e.shape)) if e.ndim else ()
    )
    where = f"at {list(idx)}" if e.ndim else "(scalar)"
    details.update(
        index=list(idx),
        expected=_fmt(e[idx]),
        got=_fmt(g[idx]),
        mismatched=int(bad.sum()),
        total=int(bad.size),
    )
    msg = (
        f"{label}student vs torch {where}: {_fmt(g[idx])} vs {_fmt(e[idx])} "
        f"({int(bad.sum())} of {bad.size} elements outside rtol={rtol:g}, atol={atol:g})"
    )
    return Verdict(False, msg, details)


def _dtype_verdict(
    label: str, expected: np.ndarray, got: np.ndarray, rtol: float, atol: float
) -> Verdict:
    """A dtype mismatch, saying whether the values themselves are right."""
    details = {"expected_dtype": str(expected.dtype), "got_dtype": str(got.dtype)}
    numeric = expected.dtype.kind in "biuf" and got.dtype.kind in "biuf"
    if numeric:
        with np.errstate(all="ignore"):
            same = compare_array("out", expected, got.astype(expected.dtype), rtol, atol)
        if same.passed:
            details["dtype_only"] = "true"
            return Verdict(
                False,
                f"{label}values right, dtype {got.dtype} where torch gives {expected.dtype} "
                f"(keep the input's float dtype: float32 in, float32 out; integers in, float64 "
                "out)",
                details,
            )
    return Verdict(False, f"{label}dtype {got.dtype} but torch gives {expected.dtype}", details)


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


# ----------------------------------------------------------------------------- cases and items
#: Characters of a failing case's printed output (and warnings) the report keeps.
PRINTED = 1000
#: Categories whose cases count only once an item's correctness cases all pass (score.py).
GATED = frozenset({"edge", "convention"})


#: The constants a stub returns (zeros, ones, minus ones, a half): one expected number equal to
#: one of them is no evidence of the algorithm.
STUB_CONSTANTS = frozenset({0.0, 1.0, -1.0, 0.5, -0.5})


def trivial(expected: dict[str, Any], args: tuple[Any, ...]) -> bool:
    """Whether a stub would pass this case as well as the right function: every expected
    output is all zeros, an array of one repeated value, a single number among
    :data:`STUB_CONSTANTS`, or one of the inputs unchanged, its sign or its step ``x > 0``
    (what returning zeros, a constant, the input, ``np.sign(x)`` or ``x > 0`` gives: a
    saturated sigmoid or tanh, the gradient of an activation far from 0)."""

    def from_input(a: Any, e: np.ndarray) -> bool:
        if not isinstance(a, np.ndarray) or a.shape != e.shape or a.dtype.kind not in "biuf":
            return False
        if np.array_equal(a, e, equal_nan=True):
            return True
        if a.dtype.kind == "b" or e.size == 0 or e.flat[0] not in (-1, 0, 1):
            return False  # (no sign or step: most expected values fail here at once)
        return np.array_equal(np.sign(a), e) or np.array_equal(a > 0, e)

    def stub_like(e: np.ndarray) -> bool:
        if e.dtype.kind not in "biuf":
            return False
        with np.errstate(invalid="ignore"):
            if e.size == 0 or not np.any(e):
                return True
            flat = e.ravel()
            if e.size > 1 and np.array_equal(flat, np.full_like(flat, flat[0]), equal_nan=True):
                return True
            if e.size == 1 and float(flat[0]) in STUB_CONSTANTS:
                return True
            return any(from_input(a, e) for a in args)

    return bool(expected) and all(stub_like(np.asarray(v)) for v in expected.values())


def _preview(value: Any) -> str:
    if isinstance(value, np.ndarray):
        flat = value.ravel()[:4]
        vals = ", ".join(f"{v:.6g}" if value.dtype.kind == "f" else str(v) for v in flat)
        more = ", ..." if value.size > 4 else ""
        layout = "" if value.flags.c_contiguous or value.ndim < 2 else ", non-contiguous"
        return f"{value.dtype} {tuple(value.shape)}{layout} [{vals}{more}]"
    if isinstance(value, tuple):
        return "(" + ", ".join(_preview(v) for v in value) + ")"
    return repr(value)


def describe_inputs(case: Case) -> str:
    """Shape, dtype and a few values of each input, for the report."""
    parts = [f"arg{i}: {_preview(a)}" for i, a in enumerate(case.args)]
    parts += [f"{k}={_preview(v)}" for k, v in case.kwargs.items()]
    shown = {k: v for k, v in case.spec.items() if k in ("shape", "seed", "steps", "dtype")}
    parts += [f"{k}={_preview(v)}" for k, v in shown.items()]
    return "; ".join(parts)


def judge_case(
    item: Item, case: Case, run: CaseRun, exp: dict[str, Any], device: str, repro: str
) -> CaseResult:
    """A case's verdict from what the child returned and what torch expects (a failing case
    also gets a description of its inputs)."""
    common: dict[str, Any] = {
        "name": case.name,
        "category": str(case.category),
        "weight": case.weight,
        "hidden": case.hidden,
        "repro": repro,
        "gated": case.category in GATED or "raises" in exp or trivial(exp, case.args),
    }
    # What the case printed (its warnings too), the last PRINTED characters: kept for a failing
    # case, where it helps (passing cases' output would only fill the report).
    common.update(stdout=run.stdout[-PRINTED:], stderr=run.stderr[-PRINTED:])
    if not run.ok:
        if "raises" in exp and run.error and run.error.startswith(str(exp["raises"])):
            return CaseResult(passed=True, status="passed", **common)
        status = classify(run.error, (item.attr, item.name.split(".", 1)[1]))
        message = run.error or ""
        if status == "error" and message.startswith("NotImplementedError"):
            message = f"uses {raiser(message)}, which is not implemented yet: {message}"
        return CaseResult(
            passed=False, status=status, message=message, inputs=describe_inputs(case), **common
        )
    outputs, verdict = _inputs_untouched(case, run.outputs)
    if verdict.passed:
        outputs = _nan_where_input_nan(item, case, exp, outputs)
        check = check_raises if "raises" in exp and item.check is not check_raises else item.check
        verdict = check(exp, outputs, case.tolerance or item.tolerance, device, case.data)
        if not verdict.passed and case.data.get("made_by"):
            verdict = culprit(verdict, exp, outputs, case.data["made_by"], item, case, device)
    evidence = None
    if not verdict.passed:
        evidence = {
            "args": case.args,
            "kwargs": case.kwargs,
            "spec": case.spec,
            "data": case.data,
            "expected": exp,
            "got": outputs,
        }
    if verdict.passed:
        common.update(stdout="", stderr="")
    return CaseResult(
        passed=verdict.passed,
        status="passed" if verdict.passed else "failed",
        message=verdict.message,
        details=verdict.details,
        inputs="" if verdict.passed else describe_inputs(case),
        evidence=evidence,
        **common,
    )


def culprit(
    verdict: Verdict,
    expected: dict[str, Any],
    got: dict[str, Any],
    made_by: dict[str, str],
    item: Item,
    case: Case,
    device: str,
) -> Verdict:
    """A composite case's failure, naming the student function at fault: the one that made the
    first output (in ``made_by``'s order, the order of the computation) that differs from
    torch's.  ``made_by`` maps output names to the student's functions (``{"out_h1":
    "sigmoid", "E_total": "mse_loss"}``); the case's data holds it."""
    for name, function in made_by.items():
        if name not in expected or name not in got:
            continue
        e = np.asarray(expected[name])
        rtol, atol = tolerance(
            case.tolerance or item.tolerance, e.dtype if e.dtype.kind == "f" else np.float64, device
        )
        if not compare_array(name, e, got[name], rtol, atol).passed:
            message = (
                f"{verdict.message} [the first value that differs from torch is {name}, computed "
                f"by your {function}: check {function} first]"
            )
            details = {**verdict.details, "first_diverged": name, "culprit": function}
            return Verdict(False, message, details)
    return verdict


def _inputs_untouched(case: Case, outputs: dict[str, Any]) -> tuple[dict[str, Any], Verdict]:
    """The outputs without the arguments the driver sent back, and whether the call left every
    array argument as the grader sent it (bit for bit)."""
    sent = {f"__arg{i}": a for i, a in enumerate(case.args) if isinstance(a, np.ndarray)}
    sent.update({f"__kw_{k}": v for k, v in case.kwargs.items() if isinstance(v, np.ndarray)})
    for name, before in sent.items():
        after = outputs.get(name)
        if after is None:
            continue  # (a driver that does not send arguments back)
        if after.shape != before.shape or not np.array_equal(after, before, equal_nan=True):
            what = f"argument {name[5:]}" if name.startswith("__arg") else f"{name[5:]}="
            return outputs, Verdict(
                False,
                f"modified its input in place ({what}): a graded function must not change the "
                "arrays it is given (copy before writing, or use out-of-place operations)",
            )
    return {k: v for k, v in outputs.items() if not k.startswith("__")}, Verdict(True)


def _nan_where_input_nan(
    item: Item, case: Case, exp: dict[str, Any], outputs: dict[str, Any]
) -> dict[str, Any]:
    """For a gradient, any value is accepted where the input is nan, nan included: torch is not
    consistent there (its own clamp's gradient is 0 at nan, its sigmoid's nan).  The student's
    nan is replaced by torch's value at those places before comparing."""
    x = case.args[0] if case.args else None
    if not item.name.endswith("_grad") or not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        return outputs
    at_nan = np.isnan(x)
    if not at_nan.any():
        return outputs
    lenient = dict(outputs)
    for name, e in exp.items():
        got = outputs.get(name)
        if isinstance(got, np.ndarray) and got.shape == at_nan.shape and got.dtype.kind == "f":
            fixed = got.copy()
            take = at_nan & np.isnan(got)
            fixed[take] = np.asarray(e, dtype=got.dtype)[take]
            lenient[name] = fixed
    return lenient


def judge_item(
    item: Item,
    cases: list[Case],
    run: ItemRun,
    expected: list[dict[str, Any]],
    device: str,
    repro: Callable[[Case], str],
) -> ItemResult:
    """Judge every case of an item and gather what the sandbox saw."""
    results = [
        judge_case(item, case, r, exp, device, repro(case))
        for case, r, exp in zip(cases, run.cases, expected, strict=True)
    ]
    import_errors = {c.message for c in results if c.message.startswith("the module failed")}
    return ItemResult(
        name=item.name,
        points=item.points,
        cases=results,
        stdout_tail=run.stdout_tail,
        stderr_tail=run.stderr_tail,
        note=import_errors.pop() if import_errors else "",
        elapsed=round(run.elapsed, 3),
    )
