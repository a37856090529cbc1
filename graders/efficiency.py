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

Speed is credited for a right answer only: what the last timed call returned is judged against
torch's output for the timed input, as any case is, and a timed call that failed (an error, the
time limit) or returned a wrong answer earns no speed credit.  What this does not stop: the
times are measured inside the submission's process, and every timed call takes the same input,
so code written against the timing driver (one that remembers its answers between the calls,
answers right only on the last, or tampers with the driver's clock) could still be credited:
the weight is best kept small.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import numpy as np

from graders.registry import Case, Category, Item
from graders.score import SLOW_FACTOR

if TYPE_CHECKING:
    from graders.sandbox import CaseRun

TARGET = 1 << 18  # elements of the largest array argument, about
TIMES = ("seconds", "calibration")  # the timing driver's own outputs (the rest: the last call's)
CALLS = 5  # timed calls (after one untimed)
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
        spec={**case.spec, "calls": CALLS, "slow": SLOW_CALL},  # (what it returns: as the case)
    )


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
