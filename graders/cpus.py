"""How many CPUs this grader may use: the default of the sandbox's children at once, of the
oracle's workers and of ``graders batch --jobs``.

``os.cpu_count()`` counts the host's CPUs; a container sees them all even when its CPU quota
(``docker run --cpus=2``, a hosted autograder's limits) lets it use two, and a process pinned to
some CPUs (``taskset``) may use those only.  Counting the host's would start more processes than
can run, each slower and all holding memory.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

__all__ = ["usable"]


def usable(cgroup: Path = Path("/sys/fs/cgroup")) -> int:
    """The CPUs this process may use: its affinity, bounded by a cgroup's CPU quota rounded up:
    cgroup v2's ``cpu.max`` ("QUOTA PERIOD" or "max PERIOD") or v1's ``cpu.cfs_quota_us``
    over ``cpu.cfs_period_us`` (-1: none).  A file that is absent or unreadable bounds
    nothing; the answer is at least 1."""
    cpus = len(os.sched_getaffinity(0))
    for quota_file, period_file in (
        ("cpu.max", None),
        ("cpu/cpu.cfs_quota_us", "cpu/cpu.cfs_period_us"),
    ):
        try:
            words = (cgroup / quota_file).read_text().split()
            if period_file is not None:
                words.append((cgroup / period_file).read_text().strip())
            quota, period = words[0], words[1]
            if quota not in ("max", "-1"):
                cpus = min(cpus, max(1, math.ceil(int(quota) / int(period))))
        except (OSError, ValueError, IndexError, ZeroDivisionError):
            continue
    return max(1, cpus)
