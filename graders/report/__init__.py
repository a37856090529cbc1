"""Phase 6, report: renderers over the same :class:`~graders.score.SubmissionResult` data.

``text`` (rich, for a terminal), ``json`` and ``gradescope`` (Gradescope's ``results.json``),
``github`` (GitHub Actions annotations and step summary, for GitHub Classroom), ``junit`` (JUnit
XML for plain CI) and ``html``.
"""

from __future__ import annotations

from collections.abc import Callable

from graders.report import github as github_report
from graders.report import gradescope, html, junit, text
from graders.score import SubmissionResult

RENDERERS: dict[str, Callable[[SubmissionResult], str]] = {
    "text": text.render,
    "json": gradescope.render,
    "gradescope": gradescope.render,
    "github": github_report.render,
    "junit": junit.render,
    "html": html.render,
}
FORMATS = tuple(RENDERERS)


def summary_line(result: SubmissionResult) -> str:
    """'Score 37.5/70' plus the hidden-case note: the one line every format agrees on."""
    line = f"Score {result.score:g}/{result.max_score:g}"
    if result.hidden_not_run:
        line += (
            f" on public cases; {result.hidden_not_run} hidden cases exist and were not run "
            "(give --hidden-seed or GRADER_HIDDEN_SEED)"
        )
    return line
