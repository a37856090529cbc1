"""A self-contained HTML page of the report."""

from __future__ import annotations

from html import escape

from graders.report.feedback import item_text
from graders.score import SubmissionResult

COLORS = {
    "passed": "#2e7d32",
    "partial": "#b26a00",
    "failed": "#c62828",
    "not implemented": "#757575",
}


def render(result: SubmissionResult) -> str:
    from graders.report import summary_line

    rows = "\n".join(
        f"<tr><td><code>{escape(i.name)}</code></td><td>{i.score:g}/{i.points:g}</td>"
        f"<td style='color:{COLORS.get(i.status, '#000')}'>{escape(i.status)}</td>"
        f"<td><pre>{escape(item_text(i)) if i.status != 'passed' else ''}</pre></td></tr>"
        for i in result.items
    )
    env = ", ".join(f"{escape(k)} {escape(str(v))}" for k, v in result.environment.items())
    return (
        f"<!doctype html>\n<html><head><meta charset='utf-8'><title>Grade</title></head>"
        f"<body><h1>{escape(summary_line(result))}</h1><p>{env}</p>"
        f"<table border='1' cellpadding='4'><tr><th>item</th><th>score</th><th>status</th>"
        f"<th>feedback</th></tr>\n{rows}\n</table></body></html>\n"
    )
