"""Driver ``timing``: how long ``module.<function>`` takes, beside a fixed NumPy workload timed
in the same process (the calibration).

The calibration is ``np.exp(a)``, ``a * b + c`` and ``np.maximum(a, 0)`` on 2**20 float64 values
(made here, with a fixed seed): elementwise work of the kind the graded functions do, so that the
grader can compare the student's time with the reference's as multiples of the same workload on
whatever machine runs it.  ``case["inputs"]`` holds one ``[args, kwargs]`` per call, each
different (no call can reuse another's answer): the first is an untimed warm-up, the next ones
are timed alone (only one when the warm-up took over ``case["slow"]`` seconds).

Outputs, raw: ``seconds`` (each timed call), ``calibration`` (each calibration run),
``projections`` (per call made, warm-up first, per output name: the output's dot product with
a fixed random vector drawn from ``case["seed"]``, a one-number summary of it) and what the last
call returned, as the ``call`` driver returns it.  The grader compares the projections and that
answer with torch's: a call that answered wrong earns no speed credit.  The clock, the workload
and the generator are bound when this file is loaded, before any student code.
"""

from __future__ import annotations

import functools
import time
from typing import Any

import numpy as np

from .call import returned

_clock = time.perf_counter
_exp, _maximum, _median, _vdot = np.exp, np.maximum, np.median, np.vdot
_asarray, _array, _concatenate = np.asarray, np.array, np.concatenate
_Generator, _PCG64 = np.random.Generator, np.random.PCG64
CALIBRATION_SIZE = 1 << 20
CALIBRATION_RUNS = 3


def _workload() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = _Generator(_PCG64(20261122))
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
    return _array(times)


@functools.lru_cache(maxsize=4)
def _vector(seed: int, size: int) -> np.ndarray:
    """``size`` standard normal draws of ``seed`` (drawn once for the calls of an item)."""
    return _Generator(_PCG64(seed)).standard_normal(size)


def projection(value: Any, seed: int) -> float:
    """``r . value`` (flattened, as float64), ``r`` standard normal draws of ``seed``: the
    grader computes the same of torch's answer (``graders.efficiency.projection``)."""
    v = _asarray(value, dtype=np.float64).reshape(-1)
    return float(_vdot(_vector(seed, v.size), v))


def run(module: Any, function: str, case: dict[str, Any]) -> dict[str, np.ndarray]:
    fn = getattr(module, function)
    inputs, names = case["inputs"], case.get("outputs", ["out"])
    before = calibrate()
    seconds, projections, calls = [], [], len(inputs)
    for k, (args, kwargs) in enumerate(inputs):
        if k >= calls:
            break
        start = _clock()
        result = fn(*args, **kwargs)  # (the first, untimed: imports, caches are not the algorithm)
        elapsed = _clock() - start
        if k:
            seconds.append(elapsed)
        answer = returned(case, result, names)
        projections.append([projection(answer.get(n, np.nan), case["seed"]) for n in names])
        if k == 0 and elapsed > float(case.get("slow", 0.5)):
            calls = 2  # a slow function: timed once only
        if k < calls - 1:  # (an answer goes before the next call, as in a plain loop of calls)
            del result, answer
    after = calibrate()
    times = {"seconds": _array(seconds), "calibration": _concatenate([before, after])}
    return {**answer, **times, "projections": _array(projections)}
