"""Gradescope ``results.json`` (the ``gradescope`` format) and its full-detail twin (``json``).

Each item is a test named ``<module>.<function>``; when hidden cases ran, they form a second
test of the item whose ``visibility`` is ``hidden_visibility`` (``after_published`` unless
configured: Gradescope then shows them once grades are published, ``after_due_date`` once the
deadline has passed).  The top-level ``score`` counts every test, hidden ones included.

``gradescope`` follows Gradescope's specification strictly (no key it does not define), with
Markdown ``output`` (``output_format``/``test_output_format`` ``md``), ``tags`` (the module and
the categories of the item's cases), a compact ``extra_data`` and ``stdout_visibility``
``hidden`` (the run's log is for instructors).  ``json`` keeps every case's full details in
``extra_data`` and adds ``max_score`` at the top, for tools (``graders batch`` writes it).
Keys are sorted and timings are the only fields that vary between identical runs.

Text that comes from the submission (its file and folder names in the notes and an item's
location, the static scan's findings) is cleaned (:func:`graders.text.clean`, one line) in both
formats; in Markdown it renders as the literal text (:mod:`graders.report.markdown`): a note is
escaped, a location or finding is a code span no backtick inside can close.
"""

from __future__ import annotations

import json
from typing import Any

from graders.report import markdown
from graders.report.feedback import item_text
from graders.score import CaseResult, ItemResult, SubmissionResult
from graders.text import clean

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
#: Failing case names listed in a test's compact extra_data.
MAX_NAMED_FAILURES = 20


def _full(cases: list[CaseResult], score: float, max_score: float) -> bool:
    """A test passes when it ran cases, all passed and it earned its points (an item never run
    or a grader error has no cases: it failed, whatever ``all([])`` says)."""
    return bool(cases) and all(c.passed for c in cases) and score >= max_score


def _markdown(item: ItemResult, hidden: bool, score: float, max_score: float) -> str:
    """The test's Markdown: the score, the likely mistake and what the item waits for in bold
    lines of their own, then the feedback (the text report's) in a code block."""
    cases = [c for c in item.cases if c.hidden == hidden]
    where = f" ({markdown.code(item.location)})" if item.location else ""
    ran = f"{sum(c.passed for c in cases)}/{len(cases)} cases passed" if cases else "not run"
    head = f"**{score:g}/{max_score:g}**: {ran}"
    speed = ""
    if item.efficiency and not hidden:
        from graders.efficiency import line

        speed = f"\n\n{line(item.efficiency)}"
    if _full(cases, score, max_score) and not (item.hidden_not_run and not hidden):
        return head + speed
    lines = [f"{head}{where}"]
    if item.diagnosis and any(not c.passed for c in cases):
        mistake = item.diagnosis.removeprefix("this matches a known mistake: ")
        lines.append(f"**Likely mistake:** {mistake}")
    if item.uses_failing and any(not c.passed for c in cases):
        lines.append(f"**Fix first:** {', '.join(item.uses_failing)} (yours, called here)")
    if item.waiting_on:
        lines.append(f"**Waiting for:** {', '.join(item.waiting_on)} (not implemented yet)")
    lines.append(markdown.fenced(item_text(item, hidden, diagnosis=False)))
    return "\n\n".join(lines)


def _compact(item: ItemResult, cases: list[CaseResult], hidden: bool) -> dict[str, Any]:
    failed = [c.name for c in cases if not c.passed]
    return {
        "cases": len(cases),
        "passed": len(cases) - len(failed),
        "failed": failed[:MAX_NAMED_FAILURES],
        "hidden_not_run": 0 if hidden else item.hidden_not_run,
        "location": clean(item.location, one_line=True),
        "execution_time": item.elapsed,
    }


def results(
    result: SubmissionResult, compact: bool = False, hidden_visibility: str = "after_published"
) -> dict[str, Any]:
    """The results.json object (``compact``: the ``gradescope`` format, else ``json``)."""
    if hidden_visibility not in VISIBILITIES:
        raise ValueError(f"hidden_visibility must be one of {VISIBILITIES}")
    tests = [
        _test(item, number, hidden, compact, hidden_visibility)
        for number, item in enumerate(result.items, start=1)
        for hidden in (False, True)
        # (an item never run, a grader error: one test, its points lost)
        if any(c.hidden == hidden for c in item.cases) or not (hidden or item.cases)
    ]
    data: dict[str, Any] = {
        "score": result.score,
        "execution_time": result.execution_time,
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    data.update(_summary(result, compact))
    return data


def _test(
    item: ItemResult, number: int, hidden: bool, compact: bool, hidden_visibility: str
) -> dict[str, Any]:
    """The test of an item's public (or hidden) cases."""
    cases = [c for c in item.cases if c.hidden == hidden]
    score, max_score = item.part(hidden)
    test: dict[str, Any] = {
        "name": item.name + (" (hidden cases)" if hidden else ""),
        "number": f"{number}.{2 if hidden else 1}",
        "score": score,
        "max_score": max_score,
        "status": "passed" if _full(cases, score, max_score) else "failed",
        "visibility": hidden_visibility if hidden else "visible",
    }
    if compact:
        test["output"] = _markdown(item, hidden, score, max_score)
        test["output_format"] = "md"
        test["tags"] = [item.name.split(".", 1)[0], *sorted({c.category for c in cases})]
        test["extra_data"] = _compact(item, cases, hidden)
        return test
    test["output"] = item_text(item, hidden)
    test["extra_data"] = {
        "cases": [c.as_dict() for c in cases],
        "hidden_not_run": 0 if hidden else item.hidden_not_run,
        "execution_time": item.elapsed,
        "location": clean(item.location, one_line=True),
        "mistake": item.mistake,
        "public_only": item.public_only,
    }
    if item.efficiency and not hidden:
        test["extra_data"]["efficiency"] = item.efficiency
    return test


def _summary(result: SubmissionResult, compact: bool) -> dict[str, Any]:
    """The top-level output (Markdown for Gradescope), and the run's extra data."""
    from graders.report import summary_line

    extra: dict[str, Any] = {
        "environment": result.environment,
        "sandbox": result.sandbox,
        "seed": result.seed,
        "hidden_seed_given": result.hidden_seed_given,
        "hidden_not_run": result.hidden_not_run,
        "findings": [clean(f, one_line=True) for f in result.findings],
        "submission": clean(result.submission, one_line=True),
    }
    notes = [clean(n, one_line=True) for n in result.notes]
    if compact:
        findings = "".join(f"\n- {markdown.code(f)}" for f in result.findings)
        shown = "".join(f"\n- {markdown.literal(n)}" for n in notes)
        output = (
            f"**{summary_line(result)}**"
            + (f"\n\nSubmission:{shown}" if shown else "")
            + (f"\n\nStatic scan:{findings}" if findings else "")
        )
        return {
            "output": output,
            "output_format": "md",
            "test_output_format": "md",
            "extra_data": {k: v for k, v in extra.items() if k != "submission"},
        }
    output = "\n".join([summary_line(result), *notes])
    if result.findings:
        output += "\nStatic scan:\n" + "\n".join(extra["findings"])
    return {"output": output, "max_score": result.max_score, "extra_data": extra}


def render(result: SubmissionResult) -> str:
    """The ``json`` format (every case's details; what ``graders batch`` writes)."""
    return _dump(results(result))


def render_gradescope(result: SubmissionResult, hidden_visibility: str = "after_published") -> str:
    """The ``gradescope`` format: Gradescope's schema and nothing else."""
    return _dump(results(result, compact=True, hidden_visibility=hidden_visibility))


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, allow_nan=False, default=str) + "\n"
