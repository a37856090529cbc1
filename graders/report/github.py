"""GitHub Actions and GitHub Classroom: annotations, a job summary, and Classroom's result.

What a step may show is limited (GitHub keeps 10 error and 10 warning annotations per step and
drops the rest), so at most :data:`MAX_ANNOTATIONS` are written, the items that lost the most
points first, each on the file and line of the student's function; every item, with its
feedback, goes to the job summary (``$GITHUB_STEP_SUMMARY``), in which a name or message from
the submission renders as its literal text (:mod:`graders.report.markdown`).

For Classroom, the step appends ``result=<base64 JSON>`` to ``$GITHUB_OUTPUT``: the runner result
that ``classroom-resources/autograding-grading-reporter`` decodes from ``<STEP-ID>_RESULTS``.
Its points are the sum of ``tests[].score`` (here each item's weighted score) over
``max_score`` (the graded total), which is what Classroom records. The last stdout line stays
``Points X/Y`` for anything that reads the log.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from graders.report import markdown
from graders.report.feedback import item_text
from graders.score import ItemResult, SubmissionResult
from graders.text import clean

MAX_ANNOTATIONS = 10
#: Characters of feedback per test in Classroom's result, and per item in the job summary.
MESSAGE_CHARS = 1000
SUMMARY_CHARS = 4000
#: GitHub takes at most 1 MiB of summary per step; stay well below it.
SUMMARY_BUDGET = 900_000


def _data(text: str) -> str:
    """Escape a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    """Escape a workflow command's property value."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 20].rstrip() + "\n... (cut here)"


def worst_first(result: SubmissionResult) -> list[ItemResult]:
    """Items below full marks, the most points lost first (registry order among equals)."""
    lost = [i for i in result.items if i.status != "passed"]
    return sorted(lost, key=lambda i: -(i.points - i.score))


def shown_path(path: Path) -> str:
    """``path`` relative to the workspace when it lies there, else to the current directory,
    else as it is (annotations need paths relative to the repository)."""
    for base in (os.environ.get("GITHUB_WORKSPACE"), str(Path.cwd())):
        if base:
            try:
                return path.relative_to(Path(base).resolve()).as_posix() or "."
            except ValueError:
                continue
    return path.as_posix()


def source_place(result: SubmissionResult, item: ItemResult) -> tuple[str, int]:
    """(file, line) of the item's function; ('', 0) if it was not found."""
    if not item.location:
        return "", 0
    rel, _, line = item.location.rpartition(":")
    return shown_path(Path(result.submission) / rel), int(line)


def annotation_lines(result: SubmissionResult) -> list[str]:
    """The workflow commands: an error for an item with no points, a warning for a partial one."""
    lines = []
    for item in worst_first(result)[:MAX_ANNOTATIONS]:
        level = "warning" if item.status == "partial" else "error"
        props = {"title": f"{item.name}: {item.score:g}/{item.points:g} {item.status}"}
        path, line = source_place(result, item)
        if path:
            props = {"file": path, "line": str(line), **props}
        head = ",".join(f"{k}={_property(v)}" for k, v in props.items())
        lines.append(f"::{level} {head}::{_data(item_text(item))}")
    return lines


def summary_markdown(result: SubmissionResult) -> str:
    """The job summary: the score, a table of every item, then each lost item's feedback."""
    from graders.report import summary_line

    rows = "\n".join(
        f"| `{i.name}` | {i.score:g}/{i.points:g} | {i.status} | "
        f"{markdown.code(i.location, in_table=True) if i.location else ''} |"
        for i in result.items
    )
    parts = [
        f"## {summary_line(result)}\n\n| item | score | status | where |\n|---|---|---|---|\n"
        f"{rows}\n"
    ]
    size = len(parts[0])
    for item in worst_first(result):
        block = (
            f"\n<details><summary><code>{item.name}</code> {item.score:g}/{item.points:g}"
            f"</summary>\n\n{markdown.fenced(_clip(item_text(item), SUMMARY_CHARS))}\n</details>\n"
        )
        if size + len(block) > SUMMARY_BUDGET:
            parts.append("\n(the remaining feedback is in the step's log)\n")
            break
        parts.append(block)
        size += len(block)
    return "".join(parts)


def classroom_result(result: SubmissionResult) -> dict[str, Any]:
    """The runner result Classroom's grading reporter reads (``version``, ``status``,
    ``max_score``, ``tests[]`` of ``name, status, score, message, test_code, filename,
    line_no, duration``); scores are the items' weighted points."""
    tests = []
    submission = shown_path(Path(result.submission))
    for item in result.items:
        path, line = source_place(result, item)
        tests.append(
            {
                "name": item.name,
                "status": "pass" if item.status == "passed" else "fail",
                "score": item.score,
                "max_score": item.points,
                "message": _clip(item_text(item), MESSAGE_CHARS) if item.status != "passed" else "",
                "test_code": f"python -m graders grade {submission} --only {item.name}",
                "filename": path,
                "line_no": line,
                "duration": round(item.elapsed * 1000),
            }
        )
    passed = all(i.status == "passed" for i in result.items)
    return {
        "version": 1,
        "status": "pass" if passed else "fail",
        "max_score": result.max_score,
        "tests": tests,
    }


def encode(payload: dict[str, Any]) -> str:
    """Base64 of the compact JSON, as the reporter decodes it."""
    text = json.dumps(payload, separators=(",", ":"), allow_nan=False)
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _append(variable: str, text: str) -> None:
    path = os.environ.get(variable)
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(text)


def write_error(message: str, max_score: float) -> None:
    """When the submission cannot be graded at all: an annotation, and a Classroom result of
    0 points with the reason, so the student sees why rather than a missing score."""
    message = clean(message, one_line=True)  # (it may quote the submission's file names)
    print(f"::error title=dlgrade: the submission could not be graded::{_data(message)}")
    payload = {
        "version": 1,
        "status": "error",
        "max_score": max_score,
        "tests": [
            {
                "name": "submission",
                "status": "error",
                "score": 0,
                "message": message,
                "test_code": "",
                "filename": "",
                "line_no": 0,
                "duration": 0,
            }
        ],
    }
    _append("GITHUB_OUTPUT", f"result={encode(payload)}\n")
    summary = f"## The submission could not be graded\n\n{markdown.literal(message)}\n"
    _append("GITHUB_STEP_SUMMARY", summary)


def render(result: SubmissionResult) -> str:
    from graders.report import summary_line

    _append("GITHUB_STEP_SUMMARY", summary_markdown(result))
    _append("GITHUB_OUTPUT", f"result={encode(classroom_result(result))}\n")
    lines = annotation_lines(result)
    more = len(worst_first(result)) - len(lines)
    if more > 0:
        lines.append(f"... and {more} more items below full marks: see the job summary")
    lines.append(summary_line(result))
    lines.append(f"Points {result.score:g}/{result.max_score:g}")
    return "\n".join(lines) + "\n"
