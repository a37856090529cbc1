"""Name the likely mistake: does a known mistake reproduce what the student's code did?

For an item that failed, each runnable mistake of the catalogue for that item is run here, in the
grader's process, through the item's own driver (the very code that called the student's
function in the sandbox, so it sees the same inputs, the same ``errstate``, the same seeded
generators), and judged like a submission.  The mistake *explains* the student's result when,
case by case:

* where the student's case passed, the mistake's passes too (or fails by its dtype alone: the
  mistake's code may cast to float64 where the student's keeps the input's dtype);
* where the student's case raised, the mistake raises the same exception with the same message
  (NumPy's "overflow encountered in exp" is not "divide by zero encountered in log");
* where the student's case failed, the mistake's outputs agree with the student's within the
  item's tolerance (the item's own check, with the mistake's outputs as the expected ones; for a
  random initializer, the same flags, zero pattern and a two-sample KS test at the check's
  significance), and the mistake fails that case too (a case where the mistake passes and the
  student's values only differ in dtype is neither for nor against);

and at least one failing case is reproduced.  The first mistake (in catalogue order) that
explains the item is named.  It never changes a score.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from graders import judge
from graders.mistakes import Mistake, for_item
from graders.sandbox import CaseRun
from graders.sandbox.box import wire
from graders.sandbox.box.drivers import DRIVERS

if TYPE_CHECKING:
    from graders.registry import Case, Item
    from graders.score import CaseResult, ItemResult

#: Drivers whose cases a mistake can be run through.
DIAGNOSED_DRIVERS = frozenset({"call", "init", "optim"})


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """No warning printed and NumPy's global generator left as it was (the ``init`` driver
    seeds it), whatever the mistake's code does."""
    state = np.random.get_state()  # noqa: NPY002 (the legacy global state itself)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            yield
    finally:
        np.random.set_state(state)  # noqa: NPY002


def run_mistake(ns: Any, item: Item, case: Case) -> CaseRun:
    """The mistake's outputs for ``case``, as the sandbox would have returned a student's."""
    arrays: dict[str, np.ndarray] = {}
    fields = {"args": case.args, "kwargs": case.kwargs, **case.spec}
    encoded = {name: wire.encode(v, arrays, "c0") for name, v in fields.items()}
    inputs = wire.decode(encoded, arrays)
    try:
        with _quiet():
            out = DRIVERS[item.driver].run(ns, item.attr, inputs)
    except Exception as exc:  # (the mistake's own error is its behaviour)
        text = f"{type(exc).__name__}: {exc}"  # (cut as the sandbox cuts a student's)
        return CaseRun(ok=False, error=text[:400] + "..." if len(text) > 400 else text)
    return CaseRun(ok=True, outputs=out)


def _error(message: str) -> str:
    """An error without where it was raised: "FloatingPointError: overflow encountered in exp"
    (the student's message ends with " (at activations.py:12 in softmax)")."""
    return re.sub(r" \(at [^()]*\)$", "", message.strip())


def _pattern(t: np.ndarray) -> tuple[Any, ...]:
    """What a draw's structure is: its NaNs, and whether each row (column) holds the same
    number of zeros (and how many)."""
    if t.ndim < 2:
        return (np.isnan(t).sum(), (t == 0).sum())
    flat = t.reshape(t.shape[0], -1)
    rows, cols = (flat == 0).sum(axis=1), (flat == 0).sum(axis=0)
    constant = [int(c[0]) if c.size and np.all(c == c[0]) else None for c in (rows, cols)]
    return (int(np.isnan(t).sum()), *constant)


def _same_draw(mine: dict[str, Any], theirs: dict[str, Any], alpha: float | None) -> bool:
    """Two initializer runs agree: the same flags, structure and values (``alpha`` given: the
    same distribution of values, by a two-sample KS test at that level)."""
    from scipy import stats

    def flags(out: dict[str, Any]) -> tuple[Any, ...]:
        same, again, other = (out.get(k) for k in ("repeat_same", "repeat_again", "repeat_other"))
        repeats: tuple[bool, ...] = ()
        if same is not None and again is not None and other is not None:
            repeats = (
                np.array_equal(same, again, equal_nan=True),
                same.shape == other.shape and np.array_equal(same, other, equal_nan=True),
            )
        return (bool(out.get("returned_is_input")), *repeats, float(out.get("global_draw", 0)))

    a, b = mine.get("tensor"), theirs.get("tensor")
    if type(a) is not np.ndarray or type(b) is not np.ndarray or a.shape != b.shape:
        return False
    if flags(mine) != flags(theirs) or _pattern(a) != _pattern(b):
        return False
    va, vb = (x[np.isfinite(x) & (x != 0)].ravel() for x in (a, b))
    if alpha is None:
        return bool(np.allclose(a, b, rtol=1e-7, atol=1e-7, equal_nan=True))
    if va.size < 2 or vb.size < 2:
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(stats.ks_2samp(va, vb).pvalue >= alpha)


def agree(
    item: Item, case: Case, mistake: dict[str, Any], student: dict[str, Any], device: str
) -> bool:
    """Whether the student's outputs are the mistake's, within the item's tolerance."""
    mistake = {k: v for k, v in mistake.items() if not k.startswith("__")}
    if item.driver == "init" and "tensor" in mistake:
        from graders.registry.initializers.checks import ALPHA

        return _same_draw(mistake, student, ALPHA if case.data.get("random") else None)
    tol = case.tolerance or item.tolerance
    with np.errstate(all="ignore"):
        return item.check(mistake, student, tol, device, case.data).passed


def _verdict(
    item: Item, case: Case, mine: CaseResult, run: CaseRun, theirs: CaseResult, device: str
) -> int | None:
    """1 if the mistake reproduces the student's failing case, 0 if neither for nor against,
    None if it contradicts the student's result."""
    if theirs.passed:  # (the mistake's dtype is incidental: its code may cast to float64)
        return 0 if mine.passed or mine.details.get("dtype_only") else None
    if theirs.status == "error":
        same = not run.ok and _error(run.error or "") == _error(theirs.message)
        return 1 if same else None
    if theirs.status != "failed" or not run.ok or theirs.evidence is None:
        return None
    if not agree(item, case, run.outputs, theirs.evidence["got"], device):
        return None
    if mine.passed:  # the student's values are the mistake's and torch's: a dtype alone
        return 0 if theirs.details.get("dtype_only") else None
    return 1


def explains(
    mistake: Mistake,
    item: Item,
    cases: list[Case],
    result: ItemResult,
    expected: list[dict[str, Any]],
    device: str,
) -> bool:
    """Whether ``mistake`` explains every case of ``result`` (see the module's docstring)."""
    ns = mistake.namespace()
    reproduced = 0
    for case, theirs, exp in zip(cases, result.cases, expected, strict=True):
        run = run_mistake(ns, item, case)
        with _quiet():
            mine = judge.judge_case(item, case, run, exp, device, "")
        verdict = _verdict(item, case, mine, run, theirs, device)
        if verdict is None:
            return False
        reproduced += verdict
    return reproduced > 0


def diagnose(
    item: Item,
    cases: list[Case],
    result: ItemResult,
    expected: list[dict[str, Any]],
    device: str,
) -> Mistake | None:
    """The known mistake that explains a failing item, or None."""
    if item.driver not in DIAGNOSED_DRIVERS or not result.cases or result.status == "passed":
        return None
    if any(c.status in ("not implemented", "timeout") for c in result.cases):
        return None
    for mistake in for_item(item.name):
        if explains(mistake, item, cases, result, expected, device):
            return mistake
    return None
