"""What ``python -m graders repro`` prints: one case, everything about it, labelled.

A plain case prints its inputs, torch's outputs and the student's.  An optimizer's trajectory
(outputs stacked over steps: ``p0`` a parameter, ``p0__exp_avg`` a state entry of it) is not
dumped as a steps x values matrix: the report gives the hyperparameters and the initial
parameters, then per step the largest distance of each parameter to torch's, then each
parameter and state entry with the first step it leaves the tolerance, and the values of the
first divergence side by side (with that step's gradient).
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING, Any

import numpy as np

from graders import judge

if TYPE_CHECKING:
    from graders.registry import Case, Item
    from graders.sandbox import CaseRun
    from graders.score import CaseResult

PRINT = {"precision": 10, "threshold": 200, "linewidth": 110}
#: Fields of an optimizer case's spec that are shown on their own (or not at all).
_TRAJECTORY_SPEC = frozenset({"init", "grads", "record", "mode", "shape", "objective_data"})


def label(name: str) -> str:
    """``p0`` -> "parameter 0"; ``p1__exp_avg`` -> "state['exp_avg'] of parameter 1"."""
    if name == "loss":
        return "the loss step(closure) returned"
    if name == "evaluations":
        return "closure evaluations so far"
    head, _, key = name.partition("__")
    index = head.lstrip("abcdefghijklmnopqrstuvwxyz_")
    if not index or not head.endswith(index):
        return name
    if not key:
        return f"parameter {index}"
    if key == "has_state":
        return f"parameter {index} has state (1 = yes)"
    return f"state['{key}'] of parameter {index}"


def is_trajectory(item: Item, case: Case, expected: dict[str, Any]) -> bool:
    """Whether the case's outputs are stacked over optimizer steps."""
    steps = case.spec.get("steps")
    return (
        item.driver == "optim"
        and case.spec.get("mode") in ("trajectory", "lbfgs")
        and isinstance(steps, int)
        and all(np.ndim(v) >= 1 and np.shape(v)[0] == steps for v in expected.values())
    )


def _bad(e: np.ndarray, g: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """Per step: whether any element is outside the tolerance (non-finite values must match)."""
    with np.errstate(invalid="ignore", over="ignore"):
        same = (np.isnan(e) & np.isnan(g)) | ((e == g) & np.isinf(e))
        ok = np.abs(g - e) <= atol + rtol * np.abs(e)
    bad = ~(same | ok)
    return bad.reshape(bad.shape[0], -1).any(axis=1)


def _distance(e: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Per step: max |student - torch| (inf where the non-finite values differ)."""
    with np.errstate(invalid="ignore", over="ignore"):
        d = np.abs(g - e)
        same = (np.isnan(e) & np.isnan(g)) | ((e == g) & np.isinf(e))
        d = np.where(same, 0.0, np.nan_to_num(d, nan=np.inf))
    return d.reshape(d.shape[0], -1).max(axis=1, initial=0.0)


def divergence(
    expected: dict[str, Any], got: dict[str, Any], rtol: float, atol: float
) -> dict[str, Any]:
    """Per entry: the first step outside tolerance (0-based, or None), the per-step distance and
    whether each step is outside, and the first divergence overall: ``{"entries": {name:
    (first, distances, outside)}, "first": (step, name) or None}``.  State entries come before
    parameters (the check's order)."""
    entries: dict[str, tuple[int | None, np.ndarray, np.ndarray]] = {}
    first: tuple[int, str] | None = None
    for name, exp in expected.items():
        e = np.asarray(exp, dtype=np.float64)
        g = got.get(name)
        if not isinstance(g, np.ndarray) or g.shape != e.shape:
            continue
        g = g.astype(np.float64)
        bad = _bad(e, g, rtol, atol)
        step = int(np.argmax(bad)) if bad.any() else None
        entries[name] = (step, _distance(e, g), bad)
        if step is not None and (first is None or step < first[0]):
            first = (step, name)
    return {"entries": entries, "first": first}


def _steps_table(div: dict[str, Any], step_word: str) -> list[str]:
    """Per step, the distance of each parameter to torch's (``*`` outside tolerance)."""
    params = [n for n in div["entries"] if "__" not in n and n.startswith("p")]
    if not params:
        return []
    lines = [f"distance to torch's trajectory, max |student - torch| per {step_word}:"]
    lines.append(f"{step_word:>6}  " + "".join(f"{label(p):>16}" for p in params))
    n = len(div["entries"][params[0]][1])
    for k in range(n):
        cells = []
        for p in params:
            _, dist, outside = div["entries"][p]
            cells.append(f"{dist[k]:>15.3g}{'*' if outside[k] else ' '}")
        lines.append(f"{k + 1:>6}  " + "".join(cells))
    return lines


def _entries_list(div: dict[str, Any], step_word: str) -> list[str]:
    lines = ["each entry: the first step outside tolerance, and its largest distance to torch:"]
    width = max((len(label(n)) for n in div["entries"]), default=0)
    for name, (first, dist, _) in div["entries"].items():
        when = f"{step_word} {first + 1}" if first is not None else "agrees with torch"
        lines.append(f"  {label(name):<{width}}  {when:<18} {float(dist.max(initial=0)):.3g}")
    return lines


def _first_values(case: Case, expected: dict[str, Any], got: dict[str, Any], div: Any) -> list[str]:
    step, name = div["first"]
    when = "call" if case.spec.get("mode") == "lbfgs" else "step"
    e, g = np.asarray(expected[name])[step], np.asarray(got[name])[step]
    lines = [f"first divergence: {when} {step + 1}, {label(name)}"]
    with np.errstate(invalid="ignore", over="ignore"):
        shown = [("torch", e), ("student", g), ("student - torch", g - e)]
    grads = case.spec.get("grads")
    if grads is not None and not case.spec.get("objective"):
        shown += [
            (f"gradient of parameter {i} at {when} {step + 1}", np.asarray(g_i[step]))
            for i, g_i in enumerate(grads)
        ]
    for what, value in shown:
        lines.append(f"  {what} =\n" + textwrap.indent(np.array2string(value), "    "))
    return lines


def _trajectory_inputs(case: Case) -> list[str]:
    spec = case.spec
    lines = [f"hyperparameters: {case.kwargs or '(the defaults)'}"]
    lines += [f"{k} = {v!r}" for k, v in spec.items() if k not in _TRAJECTORY_SPEC]
    for i, a in enumerate(spec.get("init", [])):
        lines.append(f"parameter {i}, shape {np.shape(a)}, initially =\n{np.asarray(a)!r}")
    if spec.get("objective"):
        lines.append(f"gradients: of the objective '{spec['objective']}' at the parameters")
    elif spec.get("grads") is not None:
        lines.append(f"gradients: a fixed sequence, {len(spec['grads'][0])} steps (shown below)")
    return lines


def _plain(case: Case, exp: dict[str, Any], got: CaseRun) -> list[str]:
    lines = [f"arg{i} =\n{a!r}" for i, a in enumerate(case.args)]
    lines += [f"{k} = {v!r}" for k, v in {**case.kwargs, **case.spec}.items()]
    lines += [f"expected {name} (torch) =\n{np.asarray(v)!r}" for name, v in exp.items()]
    lines += [
        f"got {name} (student) =\n{v!r}" for name, v in got.outputs.items() if name[:2] != "__"
    ]
    return lines


def render(
    item: Item, case: Case, exp: dict[str, Any], got: CaseRun, result: CaseResult, device: str
) -> str:
    """The whole report of one case."""
    with np.printoptions(**PRINT):  # type: ignore[arg-type]
        head = f"item {item.name}  case {case.name}  [{case.category}]  seed {case.seed}"
        lines = [f"{head}  device {device}"]
        if got.ok and is_trajectory(item, case, exp):
            word = "call" if case.spec.get("mode") == "lbfgs" else "step"
            tol = judge.tolerance(case.tolerance or item.tolerance, np.dtype("float64"), device)
            div = divergence(exp, got.outputs, *tol)
            lines += _trajectory_inputs(case)
            lines += _steps_table(div, word) + _entries_list(div, word)
            if div["first"] is not None:
                lines += _first_values(case, exp, got.outputs, div)
        else:
            lines += _plain(case, exp, got)
        if got.error:
            lines.append(f"error: {got.error}")
        for label_, text in (("printed", result.stdout), ("warnings and stderr", result.stderr)):
            if text.strip():
                lines.append(f"[{label_} during this case]\n{text.rstrip()}")
        verdict = f"verdict: {result.status}" + (f": {result.message}" if result.message else "")
        lines.append(verdict)
    return "\n".join(lines) + "\n"
