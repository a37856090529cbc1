"""Efficiency, reported: the student's time against the reference's, on a large input.

The reference is not shipped with the grader, and machines differ, so times are compared as
multiples of a calibration: a fixed NumPy workload (``graders/sandbox/box/calibration.py``) that
the sandbox's zygote times just before and just after the calls.  The student's *ratio* is the
median timed call's time over the median calibration's; the reference's ratio for the same item
and input was measured the same way (``python -m tools.efficiency_table`` runs the reference
through this very code and writes :mod:`graders.efficiency_table`).  Their quotient, ``slower``,
says how many times the reference's time the student's code takes, on any machine: about 1 for
vectorised NumPy, 10 or more for a Python loop over the elements (then the report gives a hint).

The input: the item's largest public correctness case, its arrays repeated along their first
axis to about :data:`TARGET` elements (an item whose array arguments do not share their first
axis, or that is not a plain call, is not measured).  Opt-in (``grade --efficiency``): it costs a
few seconds, and timings vary between runs.  Not scored unless an instructor gives it a weight
(``--efficiency-weight``; see :meth:`graders.score.ItemResult.speed_credit`).

Nothing of the measure is in the student's reach.  The calls are the cases of a *timed job*
(``Job.sealed``): an untimed warm-up, then :data:`CALLS` timed calls, each on an input of its own
(rows of the timed input drawn anew: no call can reuse another's answer, not even a mean's).
The zygote keeps each input out of the child's sight until the call starts and times the call
from then until its result is in (``graders/sandbox/box/zygote.py``), so neither a clock the
student's code rebinds nor work done ahead of time can shorten it; the time includes reading the
input and writing the answer, as the reference's does.  Speed is credited for right answers
only: every call's whole answer is checked against torch's, as any case is.  A call that failed
(an error, the time limit) or answered wrong earns no speed credit.
"""

from __future__ import annotations

import dataclasses
import statistics
from typing import TYPE_CHECKING, Any

import numpy as np

from graders.registry import Case, Category, Item
from graders.score import SLOW_FACTOR

if TYPE_CHECKING:
    from graders.sandbox import ItemRun

TARGET = 1 << 18  # elements of the largest array argument, about
CALLS = 5  # timed calls (after one untimed)
SLOW_CALL = 0.5  # seconds: a slower warm-up call is timed once more, not CALLS times
CASE_TIMEOUT = 30.0


def timing_item(item: Item) -> Item:
    """The item as its timed calls run it (a longer time limit per call)."""
    return dataclasses.replace(item, case_timeout=CASE_TIMEOUT)


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
    """One input per call, the warm-up's first: ``case`` itself, then ``case`` with the rows of
    its arrays drawn anew alike (with replacement: they stay aligned, and each row is one of the
    case's own, so the input stays valid), a draw of its own for each call (seeded by the
    call's number): no two calls get the same input, nor the same answer (a shuffle alone would
    leave a mean unchanged)."""
    rows = _arrays(case)[0].shape[0]
    draws = [np.random.default_rng(k).integers(0, rows, size=(rows,)) for k in range(1, 1 + CALLS)]
    orders = [np.arange(rows), *draws]
    return [
        dataclasses.replace(
            case,
            name=f"{case.name}#{k}",
            args=tuple(_reordered(a, order) for a in case.args),
            kwargs={key: _reordered(v, order) for key, v in case.kwargs.items()},
            spec={**case.spec, "send_back": False},  # (the inputs are not timed coming back)
        )
        for k, order in enumerate(orders)
    ]


def describe(case: Case) -> str:
    """The timed input, briefly: "float64 (262144,)"."""
    return ", ".join(f"{a.dtype} {tuple(a.shape)}" for a in _arrays(case))


def summary(
    run: ItemRun, case: Case, reference: float | None, wrong: str | None = None
) -> dict[str, Any]:
    """What the report shows (plain numbers and text: it goes into the JSON report).  A call
    that failed, or whose answer was ``wrong`` (why), makes it ``failed``: no speed credit."""
    from graders.sandbox import SKIPPED  # (here: the oracle's process imports this module)

    failed = next((c for c in run.cases if not c.ok and c.error != SKIPPED), None)
    timed = [c.seconds for c in run.cases[1:] if c.ok and c.seconds is not None]
    if failed is not None or not timed or not run.calibration:
        why = failed.error if failed is not None else "no call was timed"
        return {"measured": False, "failed": True, "why": why or "no result"}
    seconds = statistics.median(timed)
    calibration = statistics.median(run.calibration)
    ratio = seconds / calibration if calibration > 0 else float("inf")
    out: dict[str, Any] = {
        "measured": True,
        "seconds": seconds,
        "calibration": calibration,
        "ratio": ratio,
        "calls": len(timed),
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
