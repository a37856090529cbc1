"""GitHub Actions / Classroom: one annotation per item that lost points, a step summary, and a
final ``Points X/Y`` line."""

from __future__ import annotations

import os

from graders.report.feedback import item_text
from graders.score import SubmissionResult


def _escape(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def render(result: SubmissionResult) -> str:
    from graders.report import summary_line

    lines = []
    for item in result.items:
        if item.status != "passed":
            level = "warning" if item.status == "partial" else "error"
            lines.append(
                f"::{level} title={item.name} {item.score:g}/{item.points:g}::"
                + _escape(item_text(item))
            )
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path:
        rows = "\n".join(
            f"| `{i.name}` | {i.score:g}/{i.points:g} | {i.status} |" for i in result.items
        )
        with open(summary_path, "a", encoding="utf-8") as f:
            f.write(
                f"## {summary_line(result)}\n\n| item | score | status |\n|---|---|---|\n{rows}\n"
            )
    lines.append(summary_line(result))
    lines.append(f"Points {result.score:g}/{result.max_score:g}")
    return "\n".join(lines) + "\n"
