"""The calibration: a fixed NumPy workload the zygote times around each timed job.

The efficiency report compares a student's time with the reference's as multiples of this
workload measured on the same machine at the same time (``graders/efficiency.py``):
``np.exp(a)``, ``a * b + c`` and ``np.maximum(a, 0)`` on 2**20 float64 values drawn with a fixed
seed, elementwise work of the kind the graded functions do.  The zygote runs it before it forks
a timed job's child and after it has reaped it, so no student code is alive to slow it down or
to see it.
"""

from __future__ import annotations

import time

import numpy as np

SIZE = 1 << 20
RUNS = 2  # before the child, and again after it


def _workload() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.Generator(np.random.PCG64(20261122))
    a, b, c = (rng.standard_normal(SIZE) for _ in range(3))
    return a, b, c


def calibrate(runs: int = RUNS) -> list[float]:
    """Seconds of each of ``runs`` runs of the workload (wall clock)."""
    a, b, c = _workload()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        np.exp(a)
        _ = a * b + c
        np.maximum(a, 0.0)
        times.append(time.perf_counter() - start)
    return times
