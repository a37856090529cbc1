"""The handbook's deployment chapter (``docs/deployment.md``): prose from ``tools/deployment.md``,
and a sample of what each platform shows, rendered by the grader's own renderers from one fixed,
made-up grading result (so the samples cannot drift from the code and the page is
deterministic: no timings, no machine details)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from graders.score import CaseResult, ItemResult, SubmissionResult

SOURCE = Path(__file__).resolve().parent / "deployment.md"


def _case(name: str, category: str, ok: bool = True, **kw: Any) -> CaseResult:
    weight = {"convention": 0.25, "edge": 0.5}.get(category, 1.0)
    status = kw.pop("status", "passed" if ok else "failed")
    return CaseResult(name, category, weight, kw.pop("hidden", False), ok, status, **kw)


def sample_result() -> SubmissionResult:
    """A student's grading: relu right, softmax without its max-shift (partly right, hidden
    cases run), cross_entropy not written yet."""
    repro = "python -m graders repro . activations.softmax "
    overflow = "FloatingPointError: overflow encountered in exp (at activations.py:300)"
    softmax = [
        _case("vector", "correctness"),
        _case("matrix", "correctness"),
        _case(
            "float32",
            "correctness",
            False,
            message="dtype float64 but torch gives float32",
            inputs="arg0: float32 (4, 3) [-1.79108, 2.33588, -0.321983, 0.754003, ...]",
            details={"expected_dtype": "float32", "got_dtype": "float64"},
            repro=repro + "float32",
        ),
        _case(
            "stability-1000",
            "stability",
            False,
            status="error",
            message=overflow,
            inputs="arg0: float64 (3, 4) [1024.42, 923.768, 1082.95, -1056.26, ...]",
            repro=repro + "stability-1000",
        ),
        _case("edge-empty", "edge"),
        _case("hidden/vector", "correctness", hidden=True),
        _case(
            "hidden/stability-1000",
            "stability",
            False,
            hidden=True,
            status="error",
            message=overflow,
            inputs="arg0: float64 (2, 5) [-998.1, 1003.7, 1010.2, 987.6, ...]",
            repro=repro + "hidden/stability-1000 --hidden-seed $GRADER_HIDDEN_SEED",
        ),
    ]
    relu = [_case(n, "correctness") for n in ("vector", "matrix")] + [
        _case("hidden/vector", "correctness", hidden=True)
    ]
    missing = "NotImplementedError: losses.cross_entropy"
    ce = [
        _case(n, "correctness", False, status="not implemented", message=missing, inputs="...")
        for n in ("vector", "hidden/vector")
    ]
    ce[1].hidden = True
    return SubmissionResult(
        submission=".",
        items=[
            ItemResult("activations.relu", 2.0, relu, location="activations.py:91"),
            ItemResult("activations.softmax", 3.0, softmax, location="activations.py:296"),
            ItemResult("losses.cross_entropy", 4.0, ce, location="losses.py:412"),
        ],
        environment={"torch": "2.13.0", "numpy": "2.4.6", "python": "3.11", "device": "cpu"},
        sandbox={"namespaces": "net, pid, mount, ipc, uts"},
        seed=20261122,
        hidden_seed_given=True,
    )


def _fence(text: str, lang: str = "text") -> str:
    return f"```{lang}\n{text.rstrip()}\n```"


def samples() -> dict[str, str]:
    """Each sample's Markdown, by the name its placeholder uses."""
    from graders.pytest_plugin import DlgradeFailure  # noqa: F401  (the plugin is importable)
    from graders.report import github, gradescope, junit, text
    from graders.report.feedback import case_lines

    result = sample_result()
    gs = gradescope.results(result, compact=True, hidden_visibility="after_due_date")
    gs["tests"] = gs["tests"][2:4]  # softmax's public and hidden tests
    gs["extra_data"] = {"...": "environment, sandbox, seed, findings"}
    classroom = github.classroom_result(result)
    softmax = result.items[1]
    failing = next(c for c in softmax.cases if c.name == "stability-1000")
    pytest_text = (
        "________________ activations.softmax::stability-1000 ________________\n"
        + "\n".join(case_lines(failing))
        + f"\n  activations.softmax is defined at {softmax.location}\n"
        + "FAILED activations.py::softmax::stability-1000 - case stability-1000 [stability]: ..."
    )
    return {
        "terminal": _fence(text.render(result, color=False)),
        "gradescope": _fence(json.dumps(gs, indent=2, sort_keys=True), "json"),
        "annotations": _fence("\n".join(github.annotation_lines(result))),
        "summary": github.summary_markdown(result).replace("## ", "#### ", 1),
        "classroom": _fence(json.dumps(classroom, indent=2), "json"),
        "points": _fence(f"Points {result.score:g}/{result.max_score:g}"),
        "junit": _fence(junit.render(result).replace('time="0.000"', 'time="..."'), "xml"),
        "pytest": _fence(pytest_text),
    }


def render_page() -> list[str]:
    """The chapter's lines: the prose with each ``{{sample:name}}`` and ``{{file:path}}``
    replaced (files are the artefacts' own templates, shown as they are generated)."""
    from graders.platforms import TORCH_INDEX, template

    found = samples()
    files = {
        "gitlab-ci.yml": template("gitlab-ci.yml", torch_index=TORCH_INDEX, grade_flags=""),
        "classroom.yml": template(
            "classroom.yml", torch_index=TORCH_INDEX, grade_flags="", step_id="dlgrade"
        ),
    }
    text = SOURCE.read_text(encoding="utf-8")
    text = re.sub(r"\{\{sample:(\w+)\}\}", lambda m: found[m[1]], text)
    text = re.sub(r"\{\{file:([\w.-]+)\}\}", lambda m: _fence(files[m[1]], "yaml"), text)
    return text.splitlines()


def deployment_page(site: Any) -> None:
    """Add ``deployment.md`` to the handbook being built (tools.docs.Site)."""
    site.page("deployment.md", render_page())
