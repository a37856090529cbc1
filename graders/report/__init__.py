"""Phase 6, report: renderers over the same :class:`~graders.score.SubmissionResult` data.

``text`` (rich, for a terminal), ``json`` and ``gradescope`` (Gradescope's ``results.json``),
``github`` (GitHub Actions annotations and step summary, for GitHub Classroom), ``junit`` (JUnit
XML for plain CI) and ``html``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from graders.score import SubmissionResult

#: Format name -> the module whose ``render`` writes it, or ``module:function`` (imported on
#: first use: rich, for one, is needed only for the terminal).
_MODULES = {
    "text": "text",
    "json": "gradescope",
    "gradescope": "gradescope:render_gradescope",
    "github": "github",
    "junit": "junit",
    "html": "html",
}
FORMATS = tuple(_MODULES)


def renderer(fmt: str) -> Callable[[SubmissionResult], str]:
    """The ``render`` function of format ``fmt`` (one of FORMATS)."""
    module, _, function = _MODULES[fmt].partition(":")
    render: Callable[[SubmissionResult], str] = getattr(
        importlib.import_module(f"graders.report.{module}"), function or "render"
    )
    return render


def summary_line(result: SubmissionResult) -> str:
    """'Score 37.5/70' plus the hidden-case note: the one line every format agrees on."""
    line = f"Score {result.score:g}/{result.max_score:g}"
    if result.hidden_not_run:
        line += (
            f" on public cases; {result.hidden_not_run} hidden cases exist and were not run "
            "(give --hidden-seed or GRADER_HIDDEN_SEED)"
        )
    return line
