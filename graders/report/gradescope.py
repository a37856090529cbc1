"""Gradescope ``results.json`` (also the ``json`` format).

Each item is a test named ``<module>.<function>``; when hidden cases ran, they form a second
test of the item with ``visibility: after_published``.  Per-case details go in ``extra_data``.
Keys are sorted and timings are the only fields that vary between identical runs.  The JSON is
written without indentation (C speed: a full report holds well over a thousand cases).
"""

from __future__ import annotations

import json
from typing import Any

from graders.report.feedback import item_text
from graders.score import SubmissionResult


def results(result: SubmissionResult) -> dict[str, Any]:
    """The results.json object."""
    from graders.report import summary_line

    tests: list[dict[str, Any]] = []
    for number, item in enumerate(result.items, start=1):
        for hidden in (False, True):
            cases = [c for c in item.cases if c.hidden == hidden]
            if not cases:
                continue
            score, max_score = item.part(hidden)
            tests.append(
                {
                    "name": item.name + (" (hidden cases)" if hidden else ""),
                    "number": f"{number}.{2 if hidden else 1}",
                    "score": score,
                    "max_score": max_score,
                    "status": "passed" if all(c.passed for c in cases) else "failed",
                    "output": item_text(item, hidden),
                    "visibility": "after_published" if hidden else "visible",
                    "extra_data": {
                        "cases": [dict(vars(c)) for c in cases],
                        "hidden_not_run": 0 if hidden else item.hidden_not_run,
                        "execution_time": item.elapsed,
                    },
                }
            )
    output = summary_line(result)
    if result.notes:
        output += "\n" + "\n".join(result.notes)
    if result.findings:
        output += "\nStatic scan:\n" + "\n".join(result.findings)
    return {
        "score": result.score,
        "max_score": result.max_score,
        "execution_time": result.execution_time,
        "output": output,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "extra_data": {
            "environment": result.environment,
            "sandbox": result.sandbox,
            "seed": result.seed,
            "hidden_seed_given": result.hidden_seed_given,
            "hidden_not_run": result.hidden_not_run,
            "findings": result.findings,
            "submission": result.submission,
        },
    }


def render(result: SubmissionResult) -> str:
    return json.dumps(results(result), sort_keys=True, allow_nan=False, default=str) + "\n"
