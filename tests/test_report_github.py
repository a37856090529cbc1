"""The GitHub format: at most 10 annotations, worst first, on the student's function; every item
in the job summary; Classroom's runner result in $GITHUB_OUTPUT; and --fail-under."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from graders.report import github
from graders.score import CaseResult, ItemResult, SubmissionResult

ROOT = Path(__file__).resolve().parent.parent


def case(name: str, passed: bool) -> CaseResult:
    return CaseResult(
        name=name,
        category="correctness",
        weight=1.0,
        hidden=False,
        passed=passed,
        status="passed" if passed else "failed",
        message="" if passed else "student vs torch at [0]: 1 vs 2",
    )


def item(name: str, points: float, passed: int, total: int, line: int) -> ItemResult:
    return ItemResult(
        name=name,
        points=points,
        cases=[case(f"c{i}", i < passed) for i in range(total)],
        location=f"losses.py:{line}" if line else "",
    )


@pytest.fixture
def result(tmp_path: Path) -> SubmissionResult:
    """15 items below full marks (points lost 1..15, shuffled), 2 at full marks."""
    items = [item(f"losses.f{k}", float(k), 0 if k % 2 else 1, 2, 10 + k) for k in range(1, 16)]
    items = items[7:] + items[:7]
    items += [item("losses.ok", 3.0, 2, 2, 5), item("losses.ok2", 4.0, 2, 2, 0)]
    return SubmissionResult(
        submission=str(tmp_path / "sub"),
        items=items,
        environment={},
        sandbox={},
        seed=1,
        hidden_seed_given=False,
    )


def test_at_most_ten_annotations_worst_first_on_the_function(
    result: SubmissionResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(tmp_path))
    lines = github.annotation_lines(result)
    assert len(lines) == github.MAX_ANNOTATIONS == 10
    lost = {i.name: i.points - i.score for i in result.items}
    names = [line.split("title=")[1].split("%3A")[0] for line in lines]
    assert [lost[n] for n in names] == sorted(lost.values(), reverse=True)[:10]
    for line, name in zip(lines, names, strict=True):
        k = int(name.removeprefix("losses.f"))
        level = "error" if k % 2 else "warning"  # no case passed / some passed
        assert line.startswith(f"::{level} file=sub/losses.py,line={10 + k},title={name}%3A ")


def test_summary_lists_every_item_and_the_rest_of_the_feedback(
    result: SubmissionResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    summary, output = tmp_path / "summary.md", tmp_path / "output"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    text = github.render(result)
    md = summary.read_text()
    for i in result.items:
        assert f"| `{i.name}` |" in md
    assert md.count("<details>") == 15  # every item below full marks, annotated or not
    assert "... and 5 more items below full marks" in text
    assert text.splitlines()[-1] == f"Points {result.score:g}/{result.max_score:g}"


def test_github_output_holds_what_the_reporter_reads(
    result: SubmissionResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "output"
    output.write_text("earlier=1\n")
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    github.render(result)
    lines = output.read_text().splitlines()
    assert lines[0] == "earlier=1" and len(lines) == 2 and lines[1].startswith("result=")
    data = json.loads(base64.b64decode(lines[1].removeprefix("result=")))
    # notify-classroom.js: points = sum of tests[].score, out of max_score
    expected = sum(k / 2 if k % 2 == 0 else 0 for k in range(1, 16)) + 3 + 4
    assert sum(t["score"] for t in data["tests"]) == pytest.approx(expected)
    assert data["max_score"] == pytest.approx(sum(range(1, 16)) + 7)
    assert data["status"] == "fail" and data["version"] == 1
    by_name = {t["name"]: t for t in data["tests"]}
    assert by_name["losses.ok"]["status"] == "pass" and by_name["losses.f3"]["status"] == "fail"
    assert by_name["losses.f3"]["line_no"] == 13 and by_name["losses.ok2"]["line_no"] == 0


def test_properties_are_escaped() -> None:
    assert github._property("a:b,c\nd%") == "a%3Ab%2Cc%0Ad%25"


def test_an_ungradable_submission_still_reports_to_classroom(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    output = tmp_path / "output"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "graders",
            "grade",
            str(tmp_path),
            "--format",
            "github",
            "--only",
            "activations.relu",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2 and "is empty" in out.stderr
    data = json.loads(base64.b64decode(output.read_text().strip().removeprefix("result=")))
    assert data["status"] == "error" and data["max_score"] == 2
    assert data["tests"][0]["score"] == 0 and "is empty" in data["tests"][0]["message"]


@pytest.mark.parametrize(
    ("threshold", "code"), [("100%", 1), ("2", 1), ("0.1", 0), ("0", 0), ("10%", 0)]
)
def test_fail_under(threshold: str, code: int, tmp_path: Path) -> None:
    """relu right but always float64 fails float32 only: a score strictly between 0 and 2."""
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "activations.py").write_text(
        "import numpy as np\n\n"
        "def relu(x):\n    return np.maximum(np.asarray(x, dtype=float), 0.0)\n"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "graders",
            "grade",
            str(sub),
            "--only",
            "activations.relu",
            "--format",
            "json",
            "--fail-under",
            threshold,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == code, out.stderr
    score = json.loads(out.stdout)["score"]  # the report is written either way
    assert 0 < score < 2
    assert ("below --fail-under" in out.stderr) == (code == 1)


@pytest.mark.parametrize("threshold", ["abc", "150%", "-1", "nan"])
def test_bad_fail_under_is_a_usage_error(threshold: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "graders", "grade", "reference", "--fail-under", threshold],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
