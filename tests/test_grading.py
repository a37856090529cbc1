"""End-to-end verdicts: the reference scores full marks, the template zero, deterministically."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from graders import engine, registry
from graders.report import gradescope

ROOT = Path(__file__).resolve().parent.parent
HIDDEN_SEED = 987654321


@pytest.fixture(scope="module")
def reference_result() -> Any:
    return engine.grade(ROOT / "reference", list(registry.ITEMS), hidden_seed=HIDDEN_SEED)


def test_reference_scores_full_marks_public_and_hidden(reference_result: Any) -> None:
    failing = {
        i.name: [f"{c.name}: {c.message}" for c in i.failures][:3]
        for i in reference_result.items
        if i.score != i.points
    }
    assert not failing
    assert reference_result.score == reference_result.max_score
    assert any(c.hidden for i in reference_result.items for c in i.cases)
    assert reference_result.hidden_not_run == 0
    assert not [i.name for i in reference_result.items if i.public_only]


def test_the_total_is_the_sum_of_the_items(reference_result: Any) -> None:
    """No total is written down anywhere: the report's maximum is the items' points summed, per
    module too (the README and docs tables are generated from the registry)."""
    assert reference_result.max_score == pytest.approx(sum(i.points for i in registry.ITEMS))
    for module in registry.MODULES:
        in_report = sum(i.points for i in reference_result.items if i.name.split(".")[0] == module)
        assert in_report == sum(i.points for i in registry.ITEMS if i.module == module)
    assert all(i.points > 0 for i in registry.ITEMS)


def test_template_scores_zero_and_every_item_says_not_implemented() -> None:
    result = engine.grade(ROOT / "student_template", list(registry.ITEMS))
    assert result.score == 0
    for item in result.items:  # (or waiting on another function that is not implemented)
        assert item.status == "not implemented" or item.waiting_on, (
            item.name,
            item.failures[0].message,
        )
    assert result.hidden_not_run > 0
    from graders.report import summary_line

    assert "hidden cases exist and were not run" in summary_line(result)


def _strip_timings(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _strip_timings(v) for k, v in obj.items() if k != "execution_time"}
    if isinstance(obj, list):
        return [_strip_timings(v) for v in obj]
    return obj


def test_same_submission_and_seeds_give_identical_json(
    reference_result: Any, tmp_path: Path
) -> None:
    again = engine.grade(
        ROOT / "reference", list(registry.ITEMS), hidden_seed=HIDDEN_SEED, use_cache=False
    )
    one = _strip_timings(json.loads(gradescope.render(reference_result)))
    two = _strip_timings(json.loads(gradescope.render(again)))
    assert one == two
    # and byte-identical once the timing fields are blanked
    blank = re.compile(r'"execution_time": [0-9.e+-]+')
    assert blank.sub("", gradescope.render(reference_result)) == blank.sub(
        "", gradescope.render(again)
    )


def test_buggy_submission_verdicts_are_deterministic(tmp_path: Path) -> None:
    from tests.planted_bugs import BUGS

    bug = next(b for b in BUGS if b.name == "kaiming-normal-fan-out-for-fan-in")
    sub = bug.write(tmp_path / "s")
    items = registry.select(["initializers.kaiming_normal_"])
    a = gradescope.render(engine.grade(sub, items, hidden_seed=3))
    b = gradescope.render(engine.grade(sub, items, hidden_seed=3, use_cache=False))
    blank = re.compile(r'"execution_time": [0-9.e+-]+')
    assert blank.sub("", a) == blank.sub("", b)


def test_hidden_cases_change_with_the_hidden_seed() -> None:
    item = registry.BY_NAME["activations.sigmoid"]
    a = registry.build_cases(item, 1, hidden=True)
    b = registry.build_cases(item, 2, hidden=True)
    assert len(a) == len(b) > 0
    assert any(
        (x.args[0].shape != y.args[0].shape) or (x.args[0] != y.args[0]).any()
        for x, y in zip(a, b, strict=True)
    )
    assert all(c.name.startswith("hidden/") and c.hidden for c in a)


def test_gradescope_schema_and_after_published(reference_result: Any) -> None:
    data = json.loads(gradescope.render(reference_result))
    assert {"score", "max_score", "execution_time", "tests"} <= set(data)
    names = [t["name"] for t in data["tests"]]
    assert "activations.sigmoid" in names and "activations.sigmoid (hidden cases)" in names
    for test in data["tests"]:
        assert {"name", "number", "score", "max_score", "status", "output", "visibility"} <= set(
            test
        )
        assert test["visibility"] == ("after_published" if "hidden" in test["name"] else "visible")
    assert sum(t["max_score"] for t in data["tests"]) == pytest.approx(data["max_score"])


def test_gradescope_never_marks_a_test_passed_that_lost_points() -> None:
    """An item that never ran (a grader error, a spent budget) has no cases: its test failed
    and says why (``all([])`` is True); a public part whose passed cases do not count yet (a
    hidden correctness case failed) failed too."""
    from graders.score import CaseResult, ItemResult, SubmissionResult

    def case(name: str, passed: bool, hidden: bool, gated: bool = False) -> CaseResult:
        status = "passed" if passed else "failed"
        return CaseResult(name, "correctness", 1.0, hidden, passed, status, gated=gated)

    errored = ItemResult("activations.relu", 2.0, [], note="grader error: OracleError: gone")
    gated = ItemResult(
        "activations.tanh",
        2.0,
        [case("edge", True, False, gated=True), case("hidden/x", False, True)],
    )
    full = ItemResult("activations.elu", 2.0, [case("a", True, False)])
    result = SubmissionResult("sub", [errored, gated, full], {}, {}, 1, True)
    for compact in (True, False):
        tests = {t["name"]: t for t in gradescope.results(result, compact=compact)["tests"]}
        assert tests["activations.relu"]["status"] == "failed"
        assert tests["activations.relu"]["score"] == 0 < tests["activations.relu"]["max_score"]
        assert "grader error: OracleError: gone" in tests["activations.relu"]["output"]
        assert tests["activations.tanh"]["score"] < tests["activations.tanh"]["max_score"]
        assert tests["activations.tanh"]["status"] == "failed"
        assert tests["activations.elu"]["status"] == "passed"


def test_make_grade_prints_a_clear_zero_point_report() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "graders", "grade"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert re.search(r"Score 0/\d+", out.stdout)
    assert "not implemented" in out.stdout
    assert "torch 2.13.0" in out.stdout and "sandbox:" in out.stdout


def test_a_module_that_fails_to_import_scores_zero_and_others_are_graded(tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "activations.py").write_text(
        "import numpy as np\nraise RuntimeError('oops at import')\n"
    )
    (sub / "initializers.py").write_text(
        (ROOT / "reference" / "initializers.py").read_text(encoding="utf-8")
    )
    items = registry.select(["activations.relu", "activations.sigmoid", "initializers"])
    result = engine.grade(sub, items)
    by_name = {i.name: i for i in result.items}
    for name in ("activations.relu", "activations.sigmoid"):
        assert by_name[name].score == 0
        assert "failed to import: RuntimeError: oops at import" in by_name[name].note
    inits = [i for i in result.items if i.name.startswith("initializers.")]
    assert inits and all(i.score == i.points for i in inits)


def test_static_scan_flags_forbidden_and_suspicious_code(tmp_path: Path) -> None:
    from graders import scan

    src = (
        "import torch\nfrom scipy import special\nimport subprocess\nimport numpy as np\n"
        "np.allclose = lambda *a, **k: True\n"
        "def relu(x):\n    import sys\n    return sys._getframe(1).f_locals\n"
    )
    found = {(f.severity, f.what) for f in scan.scan_source(src, "activations.py")}
    assert ("forbidden", "import torch") in found
    assert ("forbidden", "import scipy") in found
    assert ("suspicious", "import subprocess") in found
    assert ("suspicious", "monkey-patches np.allclose") in found
    assert ("suspicious", "use of ._getframe") in found
    assert scan.scan_source("def f(:\n", "x.py")[0].what.startswith("syntax error")


def test_a_module_whose_cases_fit_in_one_child_runs_in_one() -> None:
    """The children's jobs hold one module's items each, every case once; a module whose cases
    cost no more than a chunk (its worked examples included) is one job, not two."""
    plans = engine.plan(list(registry.BY_NAME.values()), engine.PUBLIC_SEED, None)
    jobs = engine.make_jobs(plans, ROOT / "reference")
    owners = [owner for job in jobs for owner in job.owners]
    assert sorted(owners) == sorted(p.item.name for p in plans for _ in p.cases)
    cost: dict[str, float] = {}
    for job in jobs:
        assert {registry.BY_NAME[o].module for o in job.owners} == {job.module_name}
        cost[job.module_name] = cost.get(job.module_name, 0.0) + sum(
            engine.CASE_COST.get(case["driver"], 1.0) for case in job.cases
        )
    small = [m for m, c in cost.items() if c <= engine.CHUNK_COST]
    assert small, "no module fits in one chunk: the test checks nothing"
    for module in small:
        assert [job.module_name for job in jobs].count(module) == 1, module


TIMED = """
import time
import numpy as np


def sigmoid(x):
    start = time.time()
    time.sleep(0.01)
    return np.array([start, time.time()])


tanh = relu = sigmoid
"""


def test_hidden_cases_run_in_children_of_their_own_after_the_public_ones(tmp_path: Path) -> None:
    """No job holds public and hidden cases, and no hidden case starts before every public case
    of the submission has ended (two children at a time): nothing a hidden case's call does can
    reach a public result (tests/test_hostile.py grades a submission that tries)."""
    from graders.sandbox import Sandbox

    items = [registry.BY_NAME[f"activations.{f}"] for f in ("sigmoid", "tanh", "relu")]
    plans = engine.plan(items, engine.PUBLIC_SEED, HIDDEN_SEED)
    jobs = engine.make_jobs(plans, ROOT / "reference")
    for job in jobs:
        assert {o.endswith(engine.HIDDEN_PART) for o in job.owners} == {job.hidden}, job.key
    owners = [o for job in jobs for o in job.owners]
    for p in plans:
        assert owners.count(p.item.name) == sum(not c.hidden for c in p.cases)
        assert owners.count(p.item.name + engine.HIDDEN_PART) == sum(c.hidden for c in p.cases) > 0
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "activations.py").write_text(TIMED)
    with Sandbox(parallel=2) as box:
        runs = engine.run(box, plans, sub, {"activations": None})
        spans: dict[bool, list[Any]] = {False: [], True: []}
        for p in plans:
            for part in runs[p.item.name]:
                for k, got in zip(part.positions, part.run.result().cases, strict=True):
                    spans[p.cases[k].hidden].append(got.outputs["out"])
    assert all(len(s) > 5 for s in spans.values()), spans
    last_public_end = max(float(s[1]) for s in spans[False])
    first_hidden_start = min(float(s[0]) for s in spans[True])
    assert first_hidden_start >= last_public_end


GRADE = [sys.executable, "-m", "graders", "grade", "--format", "json"]


def test_a_restrictive_umask_and_private_files_still_grade_in_full(tmp_path: Path) -> None:
    """A hardened machine's grader (umask 077, or 027) and a student's private files (0600 in a
    0700 folder) change nothing: every child runs as ``nobody`` and must still read its job,
    its submission's copy and the sandbox's code.  (Before, as root, the reference scored 0:
    each child failed its setup with "Permission denied".)"""
    sub = tmp_path / "private"
    sub.mkdir(mode=0o700)
    (sub / "activations.py").write_bytes((ROOT / "reference" / "activations.py").read_bytes())
    (sub / "activations.py").chmod(0o600)
    for umask in (0o077, 0o027):
        out = subprocess.run(
            [*GRADE, str(sub), "--only", "activations.sigmoid", "--hidden-seed", "3"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=600,
            preexec_fn=lambda mask=umask: os.umask(mask),  # type: ignore[misc]
        )
        report = json.loads(out.stdout)
        assert report["score"] == report["max_score"] > 0, (oct(umask), out.stderr[-2000:])
