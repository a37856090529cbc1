"""Statistics of a class over the records of its students (classical test theory).

Per item, over the students graded (entries not graded are counted apart):

- the mean score, as a fraction of the item's points;
- the pass rate: the share of students with full marks on it;
- the discrimination index (Kelley 1939): the item's mean fraction in the upper 27% of the class
  by total score minus that in the lower 27%, :math:`D = \\bar p_U - \\bar p_L \\in [-1, 1]`;
- the point-biserial correlation between passing the item (0/1) and the total score of the rest
  of the test (the item's own points removed: the corrected item-total correlation),
  ``scipy.stats.pointbiserialr``; undefined (None) when everyone or no one passed.

An item with a discrimination near 0 (or negative) does not separate the strong students from
the weak: a case that is too easy, too hard, or judged wrongly.
"""

from __future__ import annotations

import collections
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from graders.batch.record import GRADED, NOT_THE_CASE
from graders.registry import Item

#: The share of the class in each of the upper and lower groups (Kelley's 27%).
TAIL = 0.27


@dataclass(frozen=True)
class ItemStats:
    name: str
    points: float
    mean: float  # mean fraction of the points
    pass_rate: float
    discrimination: float | None
    point_biserial: float | None


def discrimination(fractions: np.ndarray, totals: np.ndarray, tail: float = TAIL) -> float | None:
    """Kelley's upper-lower index of an item: ``fractions`` (its score over its points, per
    student) in the top ``tail`` of ``totals`` less in the bottom (None under 2 students).
    Ties in the totals are broken by the order of the students (a stable sort)."""
    n = len(totals)
    if n < 2:
        return None
    k = max(1, round(tail * n))
    order = np.argsort(totals, kind="stable")
    return float(fractions[order[-k:]].mean() - fractions[order[:k]].mean())


def point_biserial(passed: np.ndarray, rest: np.ndarray) -> float | None:
    """The point-biserial correlation of passing (0/1) with the rest score; None if either
    does not vary."""
    from scipy.stats import pointbiserialr

    if len(passed) < 3 or passed.min() == passed.max() or rest.min() == rest.max():
        return None
    r = float(pointbiserialr(passed.astype(bool), rest).statistic)
    return None if math.isnan(r) else r


def graded(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["status"] == GRADED]


def item_stats(records: list[dict[str, Any]], items: list[Item]) -> list[ItemStats]:
    """Every item's statistics over the graded students."""
    rows = graded(records)
    totals = np.array([r["score"] for r in rows], dtype=float)
    out = []
    for item in items:
        scores = np.array([r["items"][item.name]["score"] for r in rows], dtype=float)
        frac = scores / item.points if item.points else np.zeros_like(scores)
        passed = (scores >= item.points - 1e-9).astype(float)
        out.append(
            ItemStats(
                item.name,
                item.points,
                float(frac.mean()) if len(rows) else 0.0,
                float(passed.mean()) if len(rows) else 0.0,
                discrimination(frac, totals),
                point_biserial(passed, totals - scores),
            )
        )
    return out


@dataclass(frozen=True)
class CaseStats:
    item: str
    case: str
    category: str
    students: int  # graded students failing it
    share: float
    message: str  # the most common message


def failing_cases(records: list[dict[str, Any]], top: int = 20) -> list[CaseStats]:
    """The cases that most graded students fail for a reason of their own (a module that
    does not import, a function not implemented: those are counted among the errors)."""
    rows = graded(records)
    seen: dict[tuple[str, str], list[dict[str, Any]]] = collections.defaultdict(list)
    for rec in rows:
        for name, item in rec["items"].items():
            for case in item.get("failed", []):
                if case["kind"] not in NOT_THE_CASE:
                    seen[(name, case["case"])].append(case)
    ranked = sorted(seen.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:top]
    return [
        CaseStats(
            item,
            case,
            cases[0]["category"],
            len(cases),
            len(cases) / len(rows),
            collections.Counter(_shape(c["message"]) for c in cases).most_common(1)[0][0],
        )
        for (item, case), cases in ranked
    ]


def _shape(message: str) -> str:
    """A message with its numbers and quoted values blanked, so alike messages count as one."""
    return re.sub(r"-?\d[\d.e+-]*", "#", message)


@dataclass(frozen=True)
class ErrorStats:
    kind: str
    students: int
    cases: int
    example: str


def errors(records: list[dict[str, Any]]) -> list[ErrorStats]:
    """What went wrong, by kind (timeout, import error, forbidden import, ...): how many
    students hit it, in how many cases, and its most common message; items not implemented
    count once per item."""
    students: dict[str, set[str]] = collections.defaultdict(set)
    cases: collections.Counter[str] = collections.Counter()
    messages: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for rec in graded(records):
        for name, item in rec["items"].items():
            failed = item.get("failed")
            if failed is None:  # not implemented
                failed = [{"kind": "not implemented", "message": name}]
            for case in failed:
                students[case["kind"]].add(rec["submission"])
                cases[case["kind"]] += 1
                messages[case["kind"]][_shape(case["message"])] += 1
    ranked = sorted(students, key=lambda k: (-len(students[k]), -cases[k], k))
    return [
        ErrorStats(k, len(students[k]), cases[k], messages[k].most_common(1)[0][0]) for k in ranked
    ]


def public_only(records: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """The graded students with items that passed every public case and no hidden one
    (``ItemResult.public_only``), each with those items, in the records' order."""
    found = [
        (r["student"], [name for name, item in r["items"].items() if item.get("public_only")])
        for r in graded(records)
    ]
    return [(student, names) for student, names in found if names]
