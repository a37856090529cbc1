"""Efficiency, reported: the student's time against the reference's, on a large input.

The reference is not shipped with the grader, and machines differ, so times are compared as
multiples of a calibration: the ``timing`` driver times the student's function and a fixed NumPy
workload in the same sandbox child (``graders/sandbox/box/drivers/timing.py``).  The student's
*ratio* is the median call's time over the median calibration's; the reference's ratio for the
same item and input was measured the same way (``python -m tools.efficiency_table`` runs the
reference through this very code and writes :mod:`graders.efficiency_table`).  Their quotient,
``slower``, says how many times the reference's time the student's code takes, on any machine:
about 1 for vectorised NumPy, 10 or more for a Python loop over the elements (then the report
gives a hint).

The input: the item's largest public correctness case, its arrays repeated along their first
axis to about :data:`TARGET` elements (an item whose array arguments do not share their first
axis, or that is not a plain call, is not measured).  Opt-in (``grade --efficiency``): it costs a
few seconds, and timings vary between runs.  Not scored unless an instructor gives it a weight
(``--efficiency-weight``; see :meth:`graders.score.ItemResult.speed_credit`).

Speed is credited for right answers only.  Each call gets an input of its own (the timed
input's rows shuffled: no call can reuse another's answer), and every call's answer is checked
against torch's: the last one whole, as any case is, and each one by its projection on a fixed
random vector (``r . answer``; a right answer's is within the tolerance's bound of torch's, a
wrong one's almost never is).  A call that failed (an error, the time limit) or answered wrong
earns no speed credit.  What this does not stop: the times are measured inside the
submission's process, so code written to tamper with the timing driver (its clock, its record
of the answers) could still be credited: the weight is best kept small.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import TYPE_CHECKING, Any

import numpy as np

from graders.registry import Case, Category, Item
from graders.score import SLOW_FACTOR

if TYPE_CHECKING:
    from graders.sandbox import CaseRun

TARGET = 1 << 18  # elements of the largest array argument, about
#: The timing driver's own outputs (the rest: the last call's answer).
TIMES = ("seconds", "calibration", "projections")
CALLS = 5  # timed calls (after one untimed)
PROJECTION_SEED = 20261207  # the random vector the answers are projected on
SLOW_CALL = 0.5  # seconds: a slower warm-up call is timed once more, not CALLS times
CASE_TIMEOUT = 30.0


def timing_item(item: Item) -> Item:
    """The item run by the ``timing`` driver (its function, its module)."""
    return dataclasses.replace(item, driver="timing", function=item.attr, case_timeout=CASE_TIMEOUT)


def _arrays(case: Case) -> list[np.ndarray]:
    values = [*case.args, *case.kwargs.values()]
    return [a for a in values if isinstance(a, np.ndarray)]


def _repeat(value: Any, times: int, rows: int) -> Any:
    if isinstance(value, np.ndarray) and value.ndim >= 1 and value.shape[0] == rows:
        return np.concatenate([value] * times, axis=0)
    return value


def timing_case(item: Item, cases: list[Case]) -> Case | None:
    """The case to time: the largest public correctness case, its arrays repeated along their
    first axis to about TARGET elements; None when the item is not measured (a layer: its
    weights have no batch axis to repeat, so more rows would not be a larger input)."""
    if item.driver != "call" or item.module == "layers":
        return None
    candidates = [
        c
        for c in cases
        if c.category == Category.CORRECTNESS
        and not c.hidden
        and not c.spec.get("expect_raise")
        and _arrays(c)
        and all(a.ndim >= 1 and a.dtype.kind in "biuf" for a in _arrays(c))
    ]
    candidates = [c for c in candidates if len({a.shape[0] for a in _arrays(c)}) == 1]
    if not candidates:
        return None
    case = max(candidates, key=lambda c: max(a.size for a in _arrays(c)))
    rows = _arrays(case)[0].shape[0]
    times = max(1, TARGET // max(a.size for a in _arrays(case)))
    return dataclasses.replace(
        case,
        name=f"timing:{case.name}",
        args=tuple(_repeat(a, times, rows) for a in case.args),
        kwargs={k: _repeat(v, times, rows) for k, v in case.kwargs.items()},
        spec=dict(case.spec),  # (what it returns: as the case; the calls: driver_case)
    )


def _reordered(value: Any, order: np.ndarray) -> Any:
    if isinstance(value, np.ndarray) and value.ndim >= 1 and value.shape[0] == order.size:
        return value[order]
    return value


def timed_inputs(case: Case) -> list[Case]:
    """One input per call of the timing driver, the warm-up's first: ``case`` itself, then
    ``case`` with the rows of its arrays shuffled alike (they stay aligned), a shuffle of its
    own for each call (seeded by the call's number): no two calls get the same input."""
    rows = _arrays(case)[0].shape[0]
    orders = [np.arange(rows)]
    orders += [np.random.default_rng(k).permutation(rows) for k in range(1, 1 + CALLS)]
    return [
        dataclasses.replace(
            case,
            name=f"{case.name}#{k}",
            args=tuple(_reordered(a, order) for a in case.args),
            kwargs={key: _reordered(v, order) for key, v in case.kwargs.items()},
        )
        for k, order in enumerate(orders)
    ]


def driver_case(case: Case, inputs: list[Case]) -> Case:
    """What the timing driver is given: every call's input, and the projections' seed."""
    calls = [[list(c.args), c.kwargs] for c in inputs]
    spec = {**case.spec, "inputs": calls, "slow": SLOW_CALL, "seed": PROJECTION_SEED}
    return dataclasses.replace(case, args=(), kwargs={}, spec=spec)


@functools.lru_cache(maxsize=4)
def _vector(seed: int, size: int) -> np.ndarray:
    r = np.random.Generator(np.random.PCG64(seed)).standard_normal(size)
    r.flags.writeable = False  # (shared by the calls that use it)
    return r


def projection(value: Any) -> tuple[float, np.ndarray]:
    """``(r . value, |r|)``, flattened, ``r`` the timing driver's vector (its ``projection``)."""
    v = np.asarray(value, dtype=np.float64).reshape(-1)
    r = _vector(PROJECTION_SEED, v.size)
    return float(np.vdot(r, v)), np.abs(r)


def projection_off(got: float, expected: Any, tol: tuple[float, float]) -> bool:
    """Whether a projection ``got`` cannot be that of an answer within ``tol`` = (rtol, atol)
    of ``expected`` elementwise: ``|r . (g - e)| <= sum |r| (atol + rtol |e|)``, with room for
    the rounding of the two dot products; nan and inf must be torch's."""
    want, weights = projection(expected)
    e = np.abs(np.asarray(expected, dtype=np.float64).reshape(-1))
    if not (np.isfinite(want) and np.isfinite(got)):
        return not (want == got or (np.isnan(want) and np.isnan(got)))
    rtol, atol = tol
    bound = float(np.vdot(weights, atol + rtol * e) + 1e-9 * np.vdot(weights, e + 1.0))
    return abs(got - want) > bound


def projections_off(
    made: np.ndarray, timed: int, expected: list[dict[str, Any]], names: list[str], tol: Any
) -> str | None:
    """Why the calls' projections (``made``: one row per call made, the warm-up's first, one
    column per output name; ``timed`` calls were timed) are not those of torch's answers
    ``expected`` (one per input); None if they are.  ``tol(value)``: the (rtol, atol) an
    output like ``value`` is checked with."""
    shape_ok = made.ndim == 2 and made.shape == (timed + 1, len(names))
    if not (shape_ok and 1 <= timed < len(expected)):
        return f"the timing record is malformed ({timed} timed calls, {made.shape} projections)"
    for k, row in enumerate(made):
        for name, got in zip(names, row, strict=True):
            want = expected[k].get(name)
            if want is None or projection_off(float(got), want, tol(want)):
                call = "the warm-up call" if k == 0 else f"timed call {k}"
                return f"{call} answered {name} unlike torch (on an input of its own)"
    return None


def describe(case: Case) -> str:
    """The timed input, briefly: "float64 (262144,)"."""
    return ", ".join(f"{a.dtype} {tuple(a.shape)}" for a in _arrays(case))


def returned(run: CaseRun) -> CaseRun:
    """The timed run as the ``call`` driver returns a case: the last timed call's outputs."""
    kept = {k: v for k, v in run.outputs.items() if k not in TIMES}
    return dataclasses.replace(run, outputs=kept)


def summary(
    run: CaseRun, case: Case, reference: float | None, wrong: str | None = None
) -> dict[str, Any]:
    """What the report shows (plain numbers and text: it goes into the JSON report).  A timed
    call that failed, or whose answer was ``wrong`` (why), is ``failed``: no speed credit."""
    if not run.ok:
        return {"measured": False, "failed": True, "why": run.error or "no result"}
    seconds = float(np.median(run.outputs["seconds"]))
    calibration = float(np.median(run.outputs["calibration"]))
    ratio = seconds / calibration if calibration > 0 else float("inf")
    out: dict[str, Any] = {
        "measured": True,
        "seconds": seconds,
        "calibration": calibration,
        "ratio": ratio,
        "calls": int(run.outputs["seconds"].size),
        "input": describe(case),
    }
    if reference:
        out["reference"] = reference
        out["slower"] = ratio / reference
    if wrong is not None:
        out.update(failed=True, why=wrong)
    return out


def line(eff: dict[str, Any]) -> str:
    """One line for the feedback ("" when the item was not timed)."""
    if not eff:
        return ""
    if eff.get("failed"):
        what = "call's answer is not torch's" if eff.get("measured") else "call failed"
        return f"speed: no credit, the timed {what} ({eff.get('why', '')})"
    if not eff.get("measured"):
        return f"speed: not measured ({eff.get('why', '')})"
    ms = 1000 * eff["seconds"]
    calls = f"median of {eff['calls']} calls" if eff["calls"] > 1 else "one call"
    timed = f"{calls} on {eff['input']}: {ms:.3g} ms"
    if "slower" not in eff:
        return f"speed: {timed} (no reference time for this item)"
    slower = eff["slower"]
    times = f"{slower:.0f}" if slower >= SLOW_FACTOR else f"{slower:.2g}"
    text = f"speed: {times}x the reference's time ({timed})"
    if slower >= SLOW_FACTOR:
        text += (
            "; that much slower than vectorised NumPy usually means a Python loop over the "
            "elements: whole-array operations (np.where, np.maximum, np.exp, broadcasting, "
            "axis=...) do the loop in C"
        )
    return text
