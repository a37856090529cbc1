"""The pytest plugin, run through pytest's own ``pytester``: inactive without ``--dlgrade``; with
it, every case of every selected item is a test on the student's module, with the verdicts and
feedback of ``python -m graders grade`` (compared here with the command line's JSON)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parent.parent
#: relu as |x| (some cases pass, some fail); it refuses to be imported where the variable is set:
#: in the pytest process, never in the sandbox (whose environment is rebuilt).
ABS_RELU = """import os

import numpy as np

if os.environ.get("DLGRADE_TEST_PYTEST_PROCESS"):
    raise SystemExit("the plugin must not import the student's module")


def relu(x):
    return np.abs(np.asarray(x, dtype=float))
"""


@pytest.fixture
def submission(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DLGRADE_TEST_PYTEST_PROCESS", "1")
    sub = pytester.path / "sub"
    sub.mkdir()
    (sub / "activations.py").write_text(ABS_RELU)
    (sub / "__init__.py").write_text("raise SystemExit('the plugin must not import this')\n")
    return sub


def outcomes(result: pytest.RunResult) -> dict[str, str]:
    """node id -> PASSED/FAILED, from ``-rA``'s short summary."""
    found = {}
    for line in result.outlines:
        word, _, rest = line.partition(" ")
        if word in ("PASSED", "FAILED") and "::" in rest:
            found[rest.split(" - ")[0]] = word
    return found


def cli_cases(sub: Path, *extra: str) -> dict[str, dict]:
    out = subprocess.run(
        [
            *(sys.executable, "-m", "graders", "grade", str(sub)),
            *("--only", "activations.relu", "--format", "json", *extra),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return {c["name"]: c for t in json.loads(out.stdout)["tests"] for c in t["extra_data"]["cases"]}


def test_inactive_without_the_option(pytester: pytest.Pytester, submission: Path) -> None:
    pytester.makepyfile(test_plain="def test_one():\n    assert True\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--collect-only", "-q")
    assert result.ret == 0
    assert [line for line in result.outlines if "::" in line] == ["test_plain.py::test_one"]
    assert "--dlgrade" in pytester.runpytest_subprocess("--help").stdout.str()


def test_same_verdicts_and_feedback_as_the_grader(
    pytester: pytest.Pytester, submission: Path
) -> None:
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-rA", "--dlgrade=sub", "--dlgrade-only", "activations.relu"
    )
    expected = cli_cases(submission)
    got = outcomes(result)
    assert got == {
        f"sub/activations.py::relu::{name}": "PASSED" if case["passed"] else "FAILED"
        for name, case in expected.items()
    }
    assert "PASSED" in got.values() and "FAILED" in got.values()
    text = result.stdout.str()
    for case in expected.values():
        if not case["passed"]:
            assert case["message"] in text and case["repro"] in text
    line = ABS_RELU.splitlines().index("def relu(x):") + 1
    assert f"relu is defined at activations.py:{line}" in text
    assert "Score " in text and "hidden cases exist and were not run" in text  # the summary


def test_a_node_id_runs_that_case_alone(pytester: pytest.Pytester, submission: Path) -> None:
    failing = next(n for n, c in cli_cases(submission).items() if not c["passed"])
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-rA", "--dlgrade=sub", f"sub/activations.py::relu::{failing}"
    )
    assert outcomes(result) == {f"sub/activations.py::relu::{failing}": "FAILED"}


def test_hidden_cases_join_with_a_hidden_seed(
    pytester: pytest.Pytester, submission: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GRADER_HIDDEN_SEED", "77")
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "-rA", "--dlgrade=sub", "--dlgrade-only", "activations.relu"
    )
    expected = cli_cases(submission, "--hidden-seed", "77")
    got = outcomes(result)
    assert any("::hidden/" in n for n in got)
    assert got == {
        f"sub/activations.py::relu::{name}": "PASSED" if case["passed"] else "FAILED"
        for name, case in expected.items()
    }


def test_a_missing_submission_is_a_usage_error(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--dlgrade=nowhere")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "does not exist" in result.stderr.str()
