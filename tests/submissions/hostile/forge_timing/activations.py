"""Hostile: forges the efficiency report's time.

``relu`` is right on every input, and slow on a large one (the efficiency report's timed
input): a Python loop over the elements.  At import it rebinds every clock it can reach
(``time``'s, and any module's bound ``_clock``, as a timing driver inside the child would have)
to one that leaves out the time of its own calls; on its first large input it computes ahead
every other large input it can find (the callers' frames, ``gc.get_objects()``, any ``input-*``
or sealed file in its session) and remembers the answers, so that later calls return at once.
With the timing driver of the old design (in the child) it earned the full speed credit.
Graded with a speed weight it must earn none: its calls are timed where it cannot reach, on
inputs it cannot see before they start.
"""

import contextlib
import gc
import sys
import time
from pathlib import Path

import numpy as np

LARGE = 100_000
_ANSWERS: dict[bytes, np.ndarray] = {}
_real = time.perf_counter
_hidden = [0.0]  # seconds spent in its own calls: what every clock it can reach leaves out


def _clock() -> float:
    return _real() - _hidden[0]


for _name in ("perf_counter", "monotonic"):
    setattr(time, _name, _clock)
for _module in list(sys.modules.values()):
    if hasattr(_module, "_clock"):
        with contextlib.suppress(Exception):
            _module._clock = _clock


def _slow(x: np.ndarray) -> np.ndarray:
    out = [np.maximum(v, 0.0) for v in x.ravel()]
    return np.array(out, dtype=x.dtype).reshape(x.shape)


def _arrays_in(value: object, depth: int = 0) -> list[np.ndarray]:
    if isinstance(value, np.ndarray):
        return [value] if value.size > LARGE and value.dtype.kind == "f" else []
    if depth < 4 and isinstance(value, (list, tuple)):
        return [a for v in value for a in _arrays_in(v, depth + 1)]
    if depth < 4 and isinstance(value, dict):
        return [a for v in list(value.values()) for a in _arrays_in(v, depth + 1)]
    return []


def _files() -> list[np.ndarray]:
    """Large float arrays in any input or sealed file of its session (raw, by their bytes)."""
    found = []
    try:
        session = Path.cwd().parents[2]
        paths = [*session.rglob("input-*"), *session.rglob("sealed/*/*")]
    except (OSError, IndexError):
        return found
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        for end in (len(data), len(data) - 8 * LARGE):  # (the last bytes: a bundle's arrays)
            usable = max(0, end) // 8 * 8
            if usable > 8 * LARGE:
                found.append(np.frombuffer(data[len(data) - usable :], dtype=np.float64))
    return found


def _ahead() -> list[np.ndarray]:
    found: list[np.ndarray] = []
    frame = sys._getframe(1)
    while frame is not None:
        found += _arrays_in(list(frame.f_locals.values()))
        frame = frame.f_back
    found += [o for o in gc.get_objects() if isinstance(o, (list, dict)) for o in _arrays_in(o)]
    return found + _files()


def relu(x):
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    if x.size <= LARGE:
        return np.asarray(np.clip(x, 0, np.inf), dtype=x.dtype)
    start = _real()
    try:
        return _answer(x)
    finally:
        _hidden[0] += _real() - start


def _answer(x: np.ndarray) -> np.ndarray:
    if not _ANSWERS:
        for other in _ahead():
            if other.shape == x.shape and other.dtype == x.dtype:
                ahead = other.tobytes()
                if ahead not in _ANSWERS:
                    _ANSWERS[ahead] = _slow(other)
    key = x.tobytes()
    if key not in _ANSWERS:
        _ANSWERS[key] = _slow(x)
    return _ANSWERS[key]
