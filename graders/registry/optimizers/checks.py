"""How an optimizer case is judged: grader-side, from the raw outputs of the ``optim`` driver
against torch's (``oracle.py``).  The child only records; every comparison is here.

* :func:`check_trajectory` -- the first step (and, at that step, the first entry) where the
  student's parameters or state left torch's, with what it suggests (state still agreeing: the
  update itself differs; non-finite values; the case's convention).
* :func:`check_lbfgs` -- L-BFGS on torch's iterate and state after every call, so a direct solve
  or a gradient descent with a line search earns nothing; for the ``converges-*`` and
  ``strong-wolfe-*`` cases a failing message also says whether the student reached the
  minimiser or took strong-Wolfe steps (an explanation, never a pass).
* :func:`check_api` -- the ``Optimizer`` API against torch's semantics: ``state_dict()``'s keys,
  groups and saved state, what ``load_state_dict`` and ``add_param_group`` leave behind, the run
  that follows, ``zero_grad``'s grads.  A no-op optimizer with an empty state gets nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from graders import judge, objectives
from graders.judge import Verdict
from graders.registry.optimizers.cases import LIST_KEYS

Expected = dict[str, Any]
Got = dict[str, np.ndarray]
#: Labels of the API items' single values.
API_LABELS = {
    "sd_state_index": "state_dict()['state'] keys (parameter positions)",
    "sd_group_params": "the 'params' positions of state_dict()['param_groups']",
    "sd_group_sizes": "the group sizes in state_dict()['param_groups']",
    "sd_hyper": "the hyperparameters in state_dict()['param_groups']",
    "loaded_hyper": "param_groups hyperparameters after load_state_dict (the saved ones)",
    "loaded_params": "after load_state_dict, each group Parameter's position among the new "
    "optimizer's own (-1: not one of them)",
    "n_groups": "the number of param_groups after add_param_group",
    "n_groups_after": "the number of param_groups after the overlapping add_param_group raised "
    "(it must add nothing)",
    "added_hyper": "the added group's hyperparameters (missing ones from the defaults)",
    "grad_is_none": "which grads are None after zero_grad (1 = None)",
    "in_place": "grad zeroed in place, the same array object (1 = yes)",
    "raised": "add_param_group with a parameter already in another group",
}
LABELS = {
    **API_LABELS,
    "loss": "the loss step(closure) returned",
    "evaluations": "the number of closure evaluations so far",
}
KEPT = (
    " should have stayed unchanged while stepping on (state_dict() returns copies in this "
    "course; torch's shares its live tensors)"
)


# ================================================================================ names
def _split(name: str) -> tuple[str, str, str]:
    """``resumed_p0__exp_avg`` -> ("resumed_p", "0", "exp_avg")."""
    head, _, key = name.partition("__")
    prefix = head.rstrip("0123456789")
    return prefix, head[len(prefix) :], key


def describe(name: str) -> str:
    """An output's name as the feedback says it: ``p0__exp_avg`` -> "state['exp_avg'] of
    parameter 0"."""
    if name in LABELS:
        return LABELS[name]
    prefix, index, key = _split(name)
    if prefix in ("saved_p", "kept_p"):
        return f"state_dict()['state'][{index}]['{key}']"
    if prefix == "grad_p":
        return f"grad of parameter {index}"
    owner = "the resumed optimizer's " if prefix == "resumed_p" else ""
    if not key:
        return f"{'resumed ' if owner else ''}parameter {index}"
    if key == "has_state":
        return f"whether parameter {index} has state (1 = yes; torch skips a None grad)"
    if key in LIST_KEYS:
        return f"len({owner}state['{key}']) of parameter {index}"
    return f"{owner}state['{key}'] of parameter {index}"


# ================================================================================ trajectories
def _bad(e: np.ndarray, g: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """Elementwise: outside tolerance (NaN and inf must match exactly)."""
    with np.errstate(invalid="ignore", over="ignore"):
        same_special = (np.isnan(e) & np.isnan(g)) | ((e == g) & np.isinf(e))
        ok = np.abs(g - e) <= atol + rtol * np.abs(e)
    return ~(same_special | ok)


def first_divergence(
    e: np.ndarray, g: np.ndarray, rtol: float, atol: float
) -> tuple[int, Verdict] | None:
    """(step index, verdict) of the first step where ``g`` leaves ``e``'s tolerance."""
    bad = _bad(e, g, rtol, atol)
    if not bad.any():
        return None
    step = int(np.argmax(bad.reshape(bad.shape[0], -1).any(axis=1))) if bad.ndim else 0
    at = (step,) if e.ndim else ()
    v = judge.compare_array("out", np.asarray(e[at]), np.asarray(g[at]), rtol, atol)
    return step, v


def _stacked(name: str, e: np.ndarray, got: Got, rtol: float, atol: float) -> Verdict | None:
    """Shape/dtype/type errors of the whole stacked output, or None if comparable."""
    g = got.get(name)
    if g is None:
        return Verdict(False, f"{describe(name)} is missing from the driver's output")
    if type(g) is not np.ndarray or g.shape != e.shape or g.dtype != e.dtype:
        v = judge.compare_array(name, e, g, rtol, atol)
        return Verdict(False, f"{describe(name)}: {v.message}", v.details)
    return None


@dataclass
class Divergence:
    """Where a trajectory first left torch's: the step, the entry and its verdict."""

    step: int
    name: str
    verdict: Verdict


def _scan(
    expected: Expected, got: Got, tol: str, device: str
) -> tuple[Verdict | None, Divergence | None, dict[str, int]]:
    """A structural problem; else the earliest divergence (at one step, the entry listed
    first: state entries come before their parameter) and every entry's first bad step."""
    first: Divergence | None = None
    diverged: dict[str, int] = {}
    for name, exp in expected.items():
        e = np.asarray(exp)
        rtol, atol = judge.tolerance(tol, e.dtype, device)
        problem = _stacked(name, e, got, rtol, atol)
        if problem is not None:
            return problem, None, diverged
        hit = first_divergence(e, got[name], rtol, atol)
        if hit is None:
            continue
        diverged[name] = hit[0]
        if first is None or hit[0] < first.step:
            first = Divergence(hit[0], name, hit[1])
    return None, first, diverged


def _state_agrees(first: Divergence, expected: Expected, diverged: dict[str, int]) -> bool:
    """The parameter diverged while every state entry of it still agreed at that step."""
    prefix, _, key = _split(first.name)
    if key or prefix not in ("p", "resumed_p"):
        return False
    mine = [n for n in expected if n.startswith(f"{first.name}__") and "has_state" not in n]
    return bool(mine) and all(diverged.get(n, 1 << 30) > first.step for n in mine)


def _explain(
    first: Divergence, expected: Expected, got: Got, diverged: dict[str, int], data: dict[str, Any]
) -> Verdict:
    """The message of a diverged trajectory."""
    step, name, v = first.step, first.name, first.verdict
    number = step + 1 + int(data.get("first_step", 0))
    msg = f"first divergence at {data.get('step_label', 'step')} {number}: {describe(name)}: "
    msg += v.message
    if (
        np.isfinite(np.asarray(expected[name])[step]).all()
        and not np.isfinite(got[name][step]).all()
    ):
        msg += " (the student's values are not finite: a division by zero or an overflow?)"
    if _state_agrees(first, expected, diverged):
        msg += " (its state entries still agree with torch, so the update itself differs)"
    if data.get("hint"):
        msg += f" [convention: {data['hint']}]"
    return Verdict(False, msg, {**v.details, "step": number, "entry": name})


def check_trajectory(
    expected: Expected, got: Got, tol: str, device: str, case_data: dict[str, Any]
) -> Verdict:
    """The first step (and, at that step, the first entry) where the student left torch."""
    problem, first, diverged = _scan(expected, got, tol, device)
    if problem is not None:
        return problem
    if first is None:
        return Verdict(True)
    return _explain(first, expected, got, diverged, case_data)


# ================================================================================ L-BFGS
def _per_call(got: Got, name: str, shape: tuple[int, ...]) -> np.ndarray | None:
    """``got[name]`` if it holds one real array of ``shape`` per call (else None): the notes
    below explain a failing case, and an output of any other form gets no explanation, never a
    grader error."""
    value = got.get(name)
    if type(value) is not np.ndarray or value.dtype.kind not in "biuf":
        return None
    return value if value.ndim == len(shape) + 1 and value.shape[1:] == shape else None


def _minimiser_note(got: Got, data: dict[str, Any]) -> str:
    """Whether the last iterate is the quadratic's minimiser A^{-1} b (NumPy's solve)."""
    a, b = data["objective_data"]["a"], data["objective_data"]["b"]
    x = np.linalg.solve(a, b)
    last = _per_call(got, "p0", x.shape)
    if last is None or not len(last):
        return ""
    if np.allclose(last[-1], x, rtol=1e-5, atol=1e-6):
        return " (the last iterate is the minimiser A^-1 b, but not by torch's iterates)"
    return " (and the last iterate is not the minimiser A^-1 b)"


def _wolfe_failure(x: np.ndarray, new: np.ndarray, d: np.ndarray, t: float, fn: Any) -> str:
    """Why the step x -> new = x + t d fails the strong Wolfe conditions ('' if it meets them):
    f(x + t d) <= f(x) + c1 t g.d and |g(x + t d).d| <= c2 |g.d|, c1 = 1e-4, c2 = 0.9."""
    c1, c2 = 1e-4, 0.9
    (f, g), (f_new, g_new) = fn(x), fn(new)
    gtd, gtd_new = float(g @ d), float(g_new @ d)
    if not np.allclose(new, x + t * d, rtol=1e-9, atol=1e-12):
        return "the parameters are not x + t d with the stored t and d"
    if not gtd < 0:
        return f"d is not a descent direction (g.d = {gtd:.6g})"
    if not f_new <= f + c1 * t * gtd + 1e-12 * abs(f):
        return f"sufficient decrease fails: f(x + t d) = {f_new:.10g} > {f + c1 * t * gtd:.10g}"
    if not abs(gtd_new) <= c2 * abs(gtd) + 1e-12:
        return f"curvature fails: |g(x + t d).d| = {abs(gtd_new):.6g} > {c2 * abs(gtd):.6g}"
    return ""


def _wolfe_note(got: Got, data: dict[str, Any]) -> str:
    """Whether every call (one line search each) took a strong-Wolfe step."""
    objective, odata = data["objective"], data["objective_data"]

    def fn(x: np.ndarray) -> tuple[float, np.ndarray]:
        return float(objectives.value(objective, [x], 0, odata)), objectives.grad(
            objective, [x], 0, odata
        )[0]

    x = np.asarray(data["init"][0], dtype=np.float64)
    ps, ds = _per_call(got, "p0", x.shape), _per_call(got, "p0__d", x.shape)
    ts = _per_call(got, "p0__t", ())
    if ps is None or ds is None or ts is None or not len(ps) == len(ds) == len(ts):
        return ""
    for k, (new, d, t) in enumerate(zip(ps, ds, ts.astype(np.float64), strict=True)):
        why = _wolfe_failure(x, new, d, float(t), fn)
        if why:
            return f" (and call {k + 1}'s step is not a strong-Wolfe step: {why})"
        x = new
    return " (every call's step meets the strong Wolfe conditions, but is not torch's)"


PROPERTY_NOTES = {"minimiser": _minimiser_note, "wolfe": _wolfe_note}


def check_lbfgs(
    expected: Expected, got: Got, tol: str, device: str, case_data: dict[str, Any]
) -> Verdict:
    """torch's iterate and state after every call; a failing case with a property (``prop``:
    ``minimiser``, ``wolfe``) also says whether the student's run has it."""
    verdict = check_trajectory(expected, got, tol, device, case_data)
    if verdict.passed or not case_data.get("prop"):
        return verdict
    note = PROPERTY_NOTES[case_data["prop"]](got, case_data)
    return Verdict(False, verdict.message + note, verdict.details)


# ================================================================================ the API
def _raised(name: str, want: str, got: np.ndarray) -> Verdict:
    """``got`` (the class names of what was raised, or ``<nothing raised>``) includes ``want``."""
    names = [str(n) for n in np.ravel(got)]
    if want in names:
        return Verdict(True)
    what = "no exception" if names == ["<nothing raised>"] else f"raised {names[0]}"
    return Verdict(False, f"{describe(name)}: {what}; torch raises {want}")


def _label(name: str, v: Verdict, case_data: dict[str, Any]) -> str:
    """The feedback's name of a mismatched API value (a hyperparameter: its group and key)."""
    label = describe(name)
    if name.startswith("kept_p"):
        return label + KEPT
    index = v.details.get("index") or []
    columns = case_data.get("hyper_columns") or []
    if name.endswith("_hyper") and index and index[-1] < len(columns):
        group = f"group {index[0]}, " if len(index) == 2 else ""
        label += f", {group}'{columns[index[-1]]}'"
    return label


def _api_value(
    name: str, exp: Any, got: Got, tol: str, device: str, case_data: dict[str, Any]
) -> Verdict:
    """One single (not stepped) API output against torch's."""
    if name not in got:
        return Verdict(False, f"{describe(name)}: missing")
    e = np.asarray(exp)
    if e.dtype.kind == "U":
        return _raised(name, str(e.ravel()[0]), got[name])
    e = e.astype(np.float64)
    rtol, atol = judge.tolerance(tol, e.dtype, device)
    v = judge.compare_array("out", e, got[name], rtol, atol)
    if v.passed:
        return v
    return Verdict(False, f"{_label(name, v, case_data)}: {v.message}", v.details)


def check_api(
    expected: Expected, got: Got, tol: str, device: str, case_data: dict[str, Any]
) -> Verdict:
    """Every single value against torch's, in order; then the run that followed (names that
    start with ``case_data["stepped"]``) as a trajectory."""
    prefix = case_data.get("stepped")
    stepped = {n: e for n, e in expected.items() if prefix and n.startswith(prefix)}
    for name, exp in expected.items():
        if name not in stepped:
            v = _api_value(name, exp, got, tol, device, case_data)
            if not v.passed:
                return v
    return check_trajectory(stepped, got, tol, device, case_data)


# ================================================================================ dispatch
CHECKS = {"trajectory": check_trajectory, "lbfgs": check_lbfgs, "api": check_api}


def check_optimizer(
    expected: Expected, got: Got, tol: str, device: str, case_data: dict[str, Any]
) -> Verdict:
    """Dispatch on the case's ``check``; the driver's ``problem`` (a structural error) first."""
    if "problem" in got:
        return Verdict(False, str(got["problem"]))
    return CHECKS[case_data.get("check", "trajectory")](expected, got, tol, device, case_data)
