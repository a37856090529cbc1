"""The class report's statistics on a class whose numbers are worked out by hand: Kelley's
upper-lower discrimination index, the point-biserial correlation (by its textbook formula, not
scipy), pass rates, the cases that fail most and the errors students hit most."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from graders.batch import stats
from graders.registry import Item

A = Item("m.a", 2, lambda rng, hidden: [], lambda case, device: {})
B = Item("m.b", 4, lambda rng, hidden: [], lambda case, device: {})
#: (score on a, score on b) of ten graded students.
SCORES = [(2, 4), (2, 4), (2, 2), (0, 4), (2, 0), (0, 2), (1, 0), (0, 0), (2, 4), (0, 0)]


def _record(
    name: str, a: float, b: float, status: str = "graded", fails: tuple[list[Any], ...] = ([], [])
) -> dict[str, Any]:
    items = {
        "m.a": {"score": a, "points": 2, "failed": fails[0]},
        "m.b": {"score": b, "points": 4, "failed": fails[1]},
    }
    return {"submission": name, "status": status, "score": a + b, "items": items}


def _class() -> list[dict[str, Any]]:
    recs = [_record(f"s{k}", a, b) for k, (a, b) in enumerate(SCORES)]
    return [*recs, _record("late", 0, 0, status="not graded")]  # (left out of the statistics)


def _textbook_point_biserial(passed: list[int], rest: list[float]) -> float:
    """r = (M1 - M0) / s_n * sqrt(p q), s_n the population standard deviation."""
    x = np.array(rest, dtype=float)
    p = np.mean(passed)
    m1 = x[np.array(passed) == 1].mean()
    m0 = x[np.array(passed) == 0].mean()
    return float((m1 - m0) / x.std() * math.sqrt(p * (1 - p)))


def test_item_statistics_by_hand() -> None:
    a, b = stats.item_stats(_class(), [A, B])
    # pass rates and means over the ten graded students
    assert (a.pass_rate, a.mean) == pytest.approx((0.5, 0.55))
    assert (b.pass_rate, b.mean) == pytest.approx((0.4, 0.5))
    # k = round(0.27 * 10) = 3; by total, lower three s7 (0), s9 (0), s6 (1); upper three
    # s0, s1, s8 (6 each).  a: upper 1, 1, 1; lower 0, 0, 0.5 -> D = 1 - 1/6.
    assert a.discrimination == pytest.approx(5 / 6)
    assert b.discrimination == pytest.approx(1.0)
    # a against the rest (= b's score): r = 1/sqrt(5) worked out by hand
    assert a.point_biserial == pytest.approx(1 / math.sqrt(5))
    passed_b = [int(s[1] == 4) for s in SCORES]
    assert b.point_biserial == pytest.approx(
        _textbook_point_biserial(passed_b, [s[0] for s in SCORES])
    )


def test_undefined_statistics_are_none() -> None:
    everyone = [_record(f"s{k}", 2, k % 5) for k in range(6)]  # a: everyone passes
    a, _ = stats.item_stats(everyone, [A, B])
    assert a.point_biserial is None and a.discrimination == 0
    one = stats.item_stats([_record("s", 2, 4)], [A, B])
    assert one[0].discrimination is None and one[0].point_biserial is None
    assert stats.item_stats([], [A, B])[0].mean == 0


def _fail(case: str, kind: str, message: str) -> dict[str, Any]:
    return {"case": case, "category": "correctness", "hidden": False, "status": "failed",
            "kind": kind, "message": message}  # fmt: skip


def test_failing_cases_and_errors() -> None:
    wrong = _fail("random-0", "wrong result", "student vs torch at [3]: 0.25 vs 0.5")
    other = _fail("random-0", "wrong result", "student vs torch at [1]: 1.5 vs 2")
    syntax = _fail("edge", "syntax error", "the module failed to import: SyntaxError")
    timeout = _fail("big", "timeout", "timed out after 5 s (wall clock)")
    recs = [
        _record("s0", 0, 4, fails=([wrong, syntax], [])),
        _record("s1", 0, 4, fails=([other], [timeout])),
        _record("s2", 0, 4, fails=([wrong], [])),
        _record("s3", 2, 0, fails=([], [timeout])),
        {**_record("s4", 0, 0), "items": {"m.a": {"score": 0, "points": 2}, "m.b": {
            "score": 0, "points": 4, "failed": []}}},  # a not implemented
    ]  # fmt: skip
    cases = stats.failing_cases(recs)
    assert [(c.item, c.case, c.students) for c in cases] == [
        ("m.a", "random-0", 3),
        ("m.b", "big", 2),
    ]  # fmt: skip  (the syntax error is the module's, not the case's)
    assert cases[0].share == pytest.approx(3 / 5)
    assert cases[0].message == "student vs torch at [#]: # vs #"  # (alike messages as one)
    found = {e.kind: (e.students, e.cases) for e in stats.errors(recs)}
    assert found == {
        "wrong result": (3, 3), "timeout": (2, 2), "syntax error": (1, 1),
        "not implemented": (1, 1),
    }  # fmt: skip
