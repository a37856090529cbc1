"""Every message at the right place, in the right terms (issue [6/7]).

Each test grades a small hand-written submission (or judges one case) and reads the feedback as
a student would: prints and warnings under the item and case that produced them, the same text
from two copies of one submission, absolute error where torch's value is 0, a dtype-only failure
named, a composite case naming the function at fault, "not implemented" only for the item's own
function, and the optimizer repro labelled.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graders import engine, judge, registry
from graders.registry import Case, Category, Item
from graders.report import feedback, gradescope, html, text
from graders.sandbox import CaseRun
from tests.planted_bugs import BUGS

ROOT = Path(__file__).resolve().parent.parent

NOISY = """
import numpy as np


def sigmoid(x):
    print("sigmoid called")
    x = np.asarray(x)
    # wrong where x < -700, and np.exp(-x) overflows there (a RuntimeWarning)
    return np.where(x < -700, 1.0, 1.0 / (1.0 + np.exp(-x)))


def tanh(x):
    return np.tanh(x)
"""


def write(directory: Path, **modules: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, source in modules.items():
        (directory / f"{name}.py").write_text(source, encoding="utf-8")
    return directory


@pytest.fixture(scope="module")
def noisy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    sub = write(tmp_path_factory.mktemp("noisy") / "hw", activations=NOISY)
    items = registry.select(["activations.sigmoid", "activations.tanh"])
    return sub, engine.grade(sub, items)


# ------------------------------------------------------------------------------ at the right place
def test_prints_and_warnings_stay_with_their_item_and_case(noisy: tuple[Path, Any]) -> None:
    sub, result = noisy
    sigmoid, tanh = result.items
    assert tanh.status == "passed"
    assert all(not c.stdout and not c.stderr for c in tanh.cases)
    assert "RuntimeWarning" not in feedback.item_text(tanh)
    # one print per call, under each failing case of sigmoid (not accumulated, not under tanh;
    # a passing case keeps no output: nothing to act on)
    failing = [c for c in sigmoid.cases if not c.passed and c.status != "error"]
    assert failing and all(c.stdout == "sigmoid called\n" for c in failing)
    assert all(not c.stdout for c in sigmoid.cases if c.passed)
    grid = next(c for c in sigmoid.cases if c.name == "edge-grid")
    assert not grid.passed and "RuntimeWarning: overflow encountered in exp" in grid.stderr
    # the warning names the file as the student knows it, not the sandbox's copy
    assert f"{sub / 'activations.py'}:" in grid.stderr and "/dev/shm" not in grid.stderr
    lines = "\n".join(feedback.case_lines(grid))
    assert (
        "[warnings and stderr during this case] " in lines and "[printed during this case]" in lines
    )


def _normalised(result: Any, origin: Path) -> dict[str, str]:
    """Every report of ``result`` with the submission's path and the timings blanked."""
    timing = re.compile(r'"execution_time": [0-9.e+-]+|"duration": [0-9]+')
    reports = {
        "text": text.render(result, color=False),
        "json": gradescope.render(result),
        "gradescope": gradescope.render_gradescope(result),
        "html": re.sub(r"<span class='timing'>[^<]*</span>", "", html.render(result)),
    }
    return {k: timing.sub("", v.replace(str(origin), "<SUB>")) for k, v in reports.items()}


def test_two_copies_of_a_submission_give_the_same_reports(tmp_path: Path) -> None:
    first = write(tmp_path / "one", activations=NOISY)
    second = shutil.copytree(first, tmp_path / "elsewhere" / "two")
    items = registry.select(["activations.sigmoid", "activations.tanh", "optimizers.Adam"])
    reports = [_normalised(engine.grade(s, items), s) for s in (first, second)]
    assert reports[0] == reports[1]
    assert "<SUB>" in reports[0]["text"]  # (the path was there to blank)
    assert not re.search(r"/grader-[a-z0-9_]{6,}|dlgrade-submission-", str(reports[0]))


# ------------------------------------------------------------------------------ in the right terms
def test_no_relative_error_against_zero() -> None:
    expected = np.array([0.0, 0.0, 2.0])
    v = judge.compare_array("out", expected, np.array([0.5, 0.0, 2.0]), 1e-7, 1e-7)
    assert not v.passed and v.details["max_abs_err"] == 0.5
    assert v.details["max_rel_err"] == 0.0  # only where torch's value is not 0
    zeros = judge.compare_array("out", np.zeros(3), np.array([0.0, 0.25, 0.0]), 1e-7, 1e-7)
    assert "max_rel_err" not in zeros.details
    case = _case_result(zeros)
    text_ = "\n".join(feedback.case_lines(case))
    assert "max abs err 0.25," in text_ and "rel err" not in text_


def _case_result(v: judge.Verdict) -> Any:
    from graders.score import CaseResult

    return CaseResult("c", "correctness", 1.0, False, False, "failed", v.message, "x", v.details)


@pytest.mark.parametrize(
    ("got", "phrase"),
    [
        (np.array([1, 2, 3]), "values right, dtype int64 where torch gives float64"),
        (np.array([1.0, 2.0, 3.0], dtype=np.float32), "values right, dtype float32 where torch"),
        (np.array([1, 2, 4]), "dtype int64 but torch gives float64"),
    ],
)
def test_a_dtype_mismatch_says_whether_the_values_are_right(got: np.ndarray, phrase: str) -> None:
    v = judge.compare_array("out", np.array([1.0, 2.0, 3.0]), got, 1e-7, 1e-7)
    assert not v.passed and phrase in v.message
    assert ("dtype_only" in v.details) == phrase.startswith("values right")


def test_a_dtype_only_failure_is_named_in_the_report(tmp_path: Path) -> None:
    sub = write(
        tmp_path / "hw",
        activations="import numpy as np\n\ndef relu(x):\n"
        "    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)\n",
    )
    result = engine.grade(sub, registry.select(["activations.relu"]))
    (item,) = result.items
    (bad,) = [c for c in item.cases if not c.passed]
    assert bad.name == "float32" and item.status == "partial"
    assert "values right, dtype float64 where torch gives float32" in feedback.item_text(item)


def _composite() -> Item:
    return Item(
        "activations.worked_example",
        1,
        cases=lambda rng, hidden: [],
        oracle=lambda case, device: {},
    )


@pytest.mark.parametrize(
    ("got", "culprit"),
    [
        ({"h": [0.5, 0.25], "y": [2.0]}, "sigmoid"),  # h is wrong first: sigmoid made it
        ({"h": [0.5, 0.5], "y": [3.0]}, "mse_loss"),
    ],
)
def test_a_composite_case_names_the_function_at_fault(got: dict[str, Any], culprit: str) -> None:
    made_by = {"h": "sigmoid", "y": "mse_loss"}
    case = Case("notes", Category.CORRECTNESS, data={"made_by": made_by})
    expected = {"h": np.array([0.5, 0.5]), "y": np.array([1.0])}
    outputs = {k: np.asarray(v) for k, v in got.items()}
    result = judge.judge_case(
        _composite(), case, CaseRun(ok=True, outputs=outputs), expected, "cpu", ""
    )
    assert not result.passed
    assert f"computed by your {culprit}: check {culprit} first" in result.message
    assert result.details["culprit"] == culprit


def test_a_composite_case_without_the_map_names_no_function() -> None:
    case = Case("notes", Category.CORRECTNESS)
    out = {"h": np.array([0.5, 0.25])}
    result = judge.judge_case(
        _composite(), case, CaseRun(ok=True, outputs=out), {"h": np.array([0.5, 0.5])}, "cpu", ""
    )
    assert not result.passed and "computed by your" not in result.message


HELPER_RAISES = """
import numpy as np


def sigmoid(x):
    raise NotImplementedError("sigmoid")


def silu(x):
    x = np.asarray(x, dtype=float)
    return x * sigmoid(x)


def _scale(x):
    raise NotImplementedError("a helper of mine")


def tanh(x):
    return _scale(np.tanh(x))
"""


def test_not_implemented_only_when_the_items_own_function_raised(tmp_path: Path) -> None:
    sub = write(tmp_path / "hw", activations=HELPER_RAISES)
    names = ["activations.sigmoid", "activations.silu", "activations.tanh"]
    result = engine.grade(sub, registry.select(names))
    sigmoid, silu, tanh = (next(i for i in result.items if i.name == n) for n in names)
    assert sigmoid.status == "not implemented"
    assert silu.status != "not implemented" and silu.waiting_on == ["sigmoid"]
    assert all(c.status in ("error", "passed") for c in silu.cases)
    assert any("uses sigmoid, which is not implemented yet" in c.message for c in silu.cases)
    assert tanh.status != "not implemented" and tanh.waiting_on == ["_scale"]
    report = text.render(result, color=False)
    assert "waiting for functions not implemented yet (2)" in report
    assert "activations.silu (uses sigmoid)" in report


# ------------------------------------------------------------------------------ the optimizer repro
def test_the_optimizer_repro_labels_steps_parameters_and_state(tmp_path: Path) -> None:
    bug = next(b for b in BUGS if b.name == "adam-without-bias-correction")
    sub = bug.write(tmp_path / "adam")
    out = subprocess.run(
        [sys.executable, "-m", "graders", "repro", str(sub), "optimizers.Adam", "default"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    ).stdout
    assert "hyperparameters: (the defaults)" in out
    assert "parameter 0, shape (3, 4), initially =" in out
    assert "state['exp_avg'] of parameter 0" in out and "agrees with torch" in out
    assert "first divergence: step 1, parameter 0" in out
    rows = re.findall(r"^ +(\d+) +([0-9.e+-]+)\*", out, flags=re.M)
    assert [int(k) for k, _ in rows] == list(range(1, 26))
    # Adam's first step moves each entry by lr * g / |g| (bias-corrected m / sqrt(v)); without
    # the correction by lr * 0.1 g / (sqrt(0.001) |g|): the distance is lr (0.1 / sqrt(0.001) - 1)
    assert float(rows[0][1]) == pytest.approx(1e-3 * (0.1 / np.sqrt(1e-3) - 1), rel=1e-2)
    assert max(len(line) for line in out.splitlines() if not line.startswith("verdict")) < 140


def test_the_json_report_keeps_no_arrays(noisy: tuple[Path, Any]) -> None:
    _, result = noisy
    data = json.loads(gradescope.render(result))
    for test in data["tests"]:
        for case in test["extra_data"]["cases"]:
            assert "evidence" not in case
