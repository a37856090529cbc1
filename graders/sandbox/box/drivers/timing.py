"""Driver ``timing``: how long ``module.<function>(*args, **kwargs)`` takes, beside a fixed NumPy
workload timed in the same process (the calibration).

The calibration is ``np.exp(a)``, ``a * b + c`` and ``np.maximum(a, 0)`` on 2**20 float64 values
(made here, with a fixed seed): elementwise work of the kind the graded functions do, so that the
grader can compare the student's time with the reference's as multiples of the same workload on
whatever machine runs it.  The student's function is called once untimed (warm-up), then
``case["calls"]`` times (once only when the warm-up took over ``case["slow"]`` seconds), each call
timed alone.  Outputs, raw: ``seconds`` (each timed call), ``calibration`` (each calibration
run) and what the last timed call returned, as the ``call`` driver returns it (the grader checks
it against torch: a fast wrong answer earns no speed).  The clock and the workload are bound when
this file is loaded, before any student code.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from .call import returned

_clock = time.perf_counter
_exp, _maximum, _median = np.exp, np.maximum, np.median
CALIBRATION_SIZE = 1 << 20
CALIBRATION_RUNS = 3


def _workload() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.Generator(np.random.PCG64(20261122))
    a, b, c = (rng.standard_normal(CALIBRATION_SIZE) for _ in range(3))
    return a, b, c


def calibrate(runs: int = CALIBRATION_RUNS) -> np.ndarray:
    """Seconds of each run of the fixed workload."""
    a, b, c = _workload()
    times = []
    for _ in range(runs):
        start = _clock()
        _exp(a)
        _ = a * b + c
        _maximum(a, 0.0)
        times.append(_clock() - start)
    return np.array(times)


def run(module: Any, function: str, case: dict[str, Any]) -> dict[str, np.ndarray]:
    fn = getattr(module, function)
    args, kwargs = case.get("args", []), case.get("kwargs", {})
    before = calibrate()
    start = _clock()
    fn(*args, **kwargs)  # warm-up: first-call costs (imports, caches) are not the algorithm's
    warm = _clock() - start
    calls = 1 if warm > float(case.get("slow", 0.5)) else int(case.get("calls", 5))
    seconds = []
    for _ in range(calls):
        start = _clock()
        result = fn(*args, **kwargs)
        seconds.append(_clock() - start)
    after = calibrate()
    times = {"seconds": np.array(seconds), "calibration": np.concatenate([before, after])}
    return {**returned(case, result, case.get("outputs", ["out"])), **times}
