"""The command line: one clear line and exit 2 for a user's mistake; reports in every format."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from graders import cli
from tests.graders_cli import run_graders

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_graders(*args, env={**os.environ, **(env or {})})


@pytest.mark.parametrize(
    ("args", "phrase"),
    [
        (["grade", "no/such/dir"], "does not exist"),
        (["grade", "README.md"], "is not a submission"),
        (["grade", "--bogus"], "unrecognized arguments"),
        (["grade", "reference", "--format", "pdf"], "invalid choice"),
        (["grade", "reference", "--seed", "abc"], "seed must be an integer"),
        (["grade", "reference", "--only", "nothing.matches"], "matches no item"),
        (["grade", "tests", "--only", "activations"], "holds none of activations.py"),
        (["repro", "reference", "activations.nope", "x"], "unknown item"),
        (["repro", "reference", "activations.relu", "no-such-case"], "has no case"),
        (["repro", "reference", "activations.relu", "hidden/random-0"], "needs --hidden-seed"),
        (["grade", "reference", "--output", "docs"], "is a folder"),
        (["grade", "reference", "--output", "reference/report.json"], "inside"),
        (["grade", "reference", "--output", "/no/such/dir/r.json"], "does not exist"),
        pytest.param(
            ["grade", "reference", "--device", "cuda"],
            "no CUDA device",
            marks=pytest.mark.skipif(
                Path("/proc/driver/nvidia/version").exists(), reason="a GPU is present here"
            ),
        ),
        (["grade", "reference", "--hidden-seed", "1", "--hidden-seed-from", "a"], "not both"),
        (["grade", "reference", "--fail-under", "abc"], "fail-under"),
        (["batch", "README.md", "--output-dir", "/tmp/x-never"], "not a directory"),
        (["batch", "tests/submissions", "--output-dir", "docs"], "not empty"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: list[str], phrase: str) -> None:
    out = run(*args)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("graders: error:"), out.stderr
    assert phrase in lines[0]
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("args", [["list"], ["grade", "reference", "--only", "activations.relu"]])
def test_a_reader_that_goes_away_gets_no_traceback(args: list[str]) -> None:
    """``python -m graders list | head -1``: the pipe closes before the output is written."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "graders", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before anything is written: the first write fails
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 1
    assert "Traceback" not in err and "Exception ignored" not in err, err


@pytest.mark.parametrize(
    "args",
    [
        ["grade", "reference", "--only", "nothing.matches"],
        ["grade", "no/such/dir"],
        ["grade", "reference", "--bogus"],
        ["grade", "reference", "--only", "activations.relu"],
    ],
)
def test_the_early_sandbox_is_always_cleaned_up(args: list[str], tmp_path: Path) -> None:
    """``grade`` starts its sandbox before parsing is done: refused or not, nothing is left."""
    out = subprocess.run(
        [sys.executable, "-m", "graders", *args],
        cwd=ROOT,
        env={**os.environ, "GRADER_SCRATCH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode in (0, 2), out.stderr
    assert "Traceback" not in out.stderr
    assert not list(tmp_path.iterdir()), "a grading session was left behind"


def test_a_grader_error_is_said_on_stderr_whatever_the_format(tmp_path: Path) -> None:
    """torch made unimportable and no cache: every item is a grader error; the report says so
    per item, and stderr says it once (the score stands, exit 0)."""
    (tmp_path / "no-torch/torch").mkdir(parents=True)
    (tmp_path / "no-torch/torch/__init__.py").write_text("raise ImportError('no torch here')\n")
    env = {"PYTHONPATH": str(tmp_path / "no-torch"), "GRADER_CACHE_DIR": str(tmp_path / "c")}
    items = ["--only", "activations.relu", "--only", "activations.tanh"]
    for fmt in ("text", "json"):
        out = run("grade", "reference", *items, "--format", fmt, env=env)
        assert out.returncode == 0, out.stderr
        assert "grader error: OracleError" in out.stdout
        assert out.stderr.splitlines() == [
            "graders: the grader failed on 2 item(s) (activations.tanh, activations.relu): a "
            "fault of the grader's, not the submission's; the report says why"
        ]
    assert run("grade", "reference", *items).stderr == ""  # (the suite's cache, torch)
    # --fail-on-grader-error: exit 3 after the report, above --fail-under's 1; 0 without error
    strict = ("--fail-on-grader-error", "--fail-under", "100%")
    out = run("grade", "reference", *items, *strict, env=env)
    assert out.returncode == 3 and "grader error: OracleError" in out.stdout, out.stderr
    assert run("grade", "reference", *items, *strict).returncode == 0


@pytest.mark.parametrize(
    "code",
    ["x = " + "-" * 200_000 + "1\n", "x = " + "not " * 100_000 + "True\n"],
    ids=["unary-minus", "not"],
)
def test_code_too_deep_for_the_parser_is_a_syntax_error_not_a_crash(
    code: str, tmp_path: Path
) -> None:
    """Code nested deeper than CPython's parser can follow makes ``ast.parse`` raise
    ``MemoryError`` (or ``RecursionError``): the grader, which parses the student's code for
    its scan, reports it as the syntax error it is and grades on (it ended in a traceback)."""
    (tmp_path / "activations.py").write_text(code, encoding="utf-8")
    proc = run("grade", str(tmp_path), "--only", "activations.sigmoid")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "syntax error: too deeply nested to parse" in proc.stdout
    assert "Score 0/2" in proc.stdout


def test_bad_hidden_seed_environment_variable() -> None:
    out = run(
        "grade",
        "reference",
        "--only",
        "activations.relu",
        env={"GRADER_HIDDEN_SEED": "not-a-number"},
    )
    assert out.returncode == 2 and "GRADER_HIDDEN_SEED" in out.stderr


def test_output_never_overwrites_the_submission(tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "activations.py").write_text("def relu(x):\n    return x\n")
    before = (sub / "activations.py").read_text()
    out = run(
        "grade", str(sub), "--only", "activations.relu", "--output", str(sub / "activations.py")
    )
    assert out.returncode == 2 and "overwrite" in out.stderr
    assert (sub / "activations.py").read_text() == before
    out = run("grade", str(sub), "--only", "activations.relu", "--output", str(tmp_path))
    assert out.returncode == 2 and "is a folder" in out.stderr


@pytest.mark.parametrize("fmt", ["text", "json", "gradescope", "github", "junit", "html"])
def test_every_format_renders(fmt: str, tmp_path: Path) -> None:
    target = tmp_path / f"report.{fmt}"
    out = run(
        "grade", "reference", "--only", "activations.relu", "--format", fmt, "--output", str(target)
    )
    assert out.returncode == 0, out.stderr
    text = target.read_text()
    if fmt == "json":
        data = json.loads(text)
        assert data["score"] == data["max_score"] == 2
    elif fmt == "gradescope":  # (Gradescope's schema has no top-level max_score)
        data = json.loads(text)
        assert data["score"] == sum(t["max_score"] for t in data["tests"]) == 2
    elif fmt == "junit":
        assert ET.fromstring(text).get("failures") == "0"
    elif fmt == "github":
        assert text.strip().endswith("Points 2/2")
    else:
        assert "Score 2/2" in text or "Score 2/2" in text.replace("&nbsp;", " ")


def test_failing_case_feedback_has_everything(tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "activations.py").write_text(
        "import numpy as np\n\ndef relu(x):\n    return np.abs(np.asarray(x, dtype=float))\n"
    )
    out = run("grade", str(sub), "--only", "activations.relu", "--format", "json")
    assert out.returncode == 0
    test = json.loads(out.stdout)["tests"][0]
    assert test["score"] < test["max_score"]
    failing = [c for c in test["extra_data"]["cases"] if not c["passed"]]
    case = failing[0]
    assert case["category"] and case["inputs"] and "student vs torch at" in case["message"]
    assert {"expected", "got", "max_abs_err", "max_rel_err", "rtol", "atol"} <= set(case["details"])
    assert case["repro"].startswith(f"{sys.executable} -m graders repro ")
    # the repro command reruns that one case and prints everything about it
    repro = run(*case["repro"].split()[3:])
    assert repro.returncode == 0, repro.stderr
    assert "expected out (torch)" in repro.stdout and "got out (student)" in repro.stdout
    assert "verdict: failed" in repro.stdout


def test_list_prints_items_and_total(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "activations.sigmoid" in out and out.strip().splitlines()[-1].startswith("total")


def test_batch_grades_every_submission_and_never_overwrites(tmp_path: Path) -> None:
    root = tmp_path / "class"
    (root / "alice").mkdir(parents=True)
    (root / "bob").mkdir()
    ref = (ROOT / "reference" / "activations.py").read_text()
    (root / "alice" / "activations.py").write_text(ref)
    (root / "bob" / "activations.py").write_text("def relu(x):\n    raise NotImplementedError\n")
    out_dir = tmp_path / "out"
    out = run("batch", str(root), "--output-dir", str(out_dir), "--only", "activations.relu")
    assert out.returncode == 0, out.stderr
    rows = (out_dir / "scores.csv").read_text().splitlines()
    assert rows[0].startswith("student,submission,status,score,max_score,")
    assert rows[1].startswith("alice,alice,graded,2,2,") and rows[2].startswith(
        "bob,bob,graded,0,2,"
    )
    assert json.loads((out_dir / "students" / "alice.json").read_text())["score"] == 2
    again = run("batch", str(root), "--output-dir", str(out_dir), "--only", "activations.relu")
    assert again.returncode == 2 and "not empty" in again.stderr
