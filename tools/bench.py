"""``make bench``: how long grading the reference takes, measured side by side in one run.

* cold   -- a new process, torch imported, an empty oracle cache;
* warm   -- a new process again, with the cache the cold run left (torch need not be imported);
* pytest -- the common way: one pytest process per submission that imports torch and the
  submission in-process (no sandbox) and checks the same public cases against the same oracle.

Each is run ``--repeat`` times (default 3) and the median wall-clock time is printed, with the
ratio to the pytest way.  Timings only: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PYTEST_FILE = """
import importlib.util, os, sys
from pathlib import Path
import pytest
from graders import engine, judge, registry
from graders.sandbox.box.drivers import DRIVERS

SUB = Path(os.environ["BENCH_SUBMISSION"])
sys.path.insert(0, str(SUB))  # (the worked examples import the student's other modules)
ONLY = os.environ["BENCH_ONLY"].split(",") if os.environ.get("BENCH_ONLY") else None
ITEMS = registry.select(ONLY)
CASES = [(i, c) for i in ITEMS for c in registry.build_cases(i, engine.PUBLIC_SEED, False)]

def _load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod

MODULES = {}

@pytest.mark.parametrize("item,case", CASES, ids=[f"{i.name}:{c.name}" for i, c in CASES])
def test_case(item, case):
    if item.module not in MODULES:
        MODULES[item.module] = _load(SUB / f"{item.module}.py", item.module)
    expected = item.oracle(case, "cpu")
    spec = {"args": [a.copy() if hasattr(a, "copy") else a for a in case.args],
            "kwargs": dict(case.kwargs), **case.spec}
    got = DRIVERS[item.driver].run(MODULES[item.module], item.attr, spec)
    check = judge.check_raises if "raises" in expected else item.check
    verdict = check(expected, got, case.tolerance or item.tolerance, "cpu", case.data)
    assert verdict.passed, verdict.message
"""


def timed(cmd: list[str], env: dict[str, str], cwd: Path = ROOT) -> float:
    """Wall-clock seconds of ``cmd`` (run in ``cwd``); a failure ends the benchmark, its output
    shown."""
    return _run(cmd, env, cwd)[0]


def graded(cmd: list[str], env: dict[str, str], cwd: Path = ROOT) -> float:
    """Wall-clock seconds of a grading of the reference (``cmd`` prints the JSON report); one
    that does not give full marks ends the benchmark (a broken grader is fast, and wrong)."""
    elapsed, stdout = _run(cmd, env, cwd)
    try:
        report = json.loads(stdout)
        score, top = report["score"], report["max_score"]
    except (ValueError, KeyError) as exc:
        raise SystemExit(f"bench: {' '.join(cmd)} printed no JSON report ({exc})") from None
    if score != top:
        raise SystemExit(f"bench: the reference scored {score} of {top} in {cwd}: not timed")
    return elapsed


def _run(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr)[-2000:]
        raise SystemExit(f"bench: {' '.join(cmd)} failed:\n{tail}")
    return elapsed, proc.stdout


def _patterns(given: list[str] | None) -> list[str]:
    """--only's patterns, an ``@FILE`` read as one item name (or pattern) per line."""
    found: list[str] = []
    for pattern in given or []:
        if pattern.startswith("@"):
            lines = Path(pattern[1:]).read_text(encoding="utf-8").split()
            found += [line for line in lines if line]
        else:
            found.append(pattern)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--submission", type=Path, default=ROOT / "reference")
    parser.add_argument(
        "--only",
        action="append",
        default=None,
        metavar="PATTERN",
        help="time only these items, all three ways (repeatable; a file of names with @FILE)",
    )
    args = parser.parse_args(argv)
    only = _patterns(args.only)
    grade = [sys.executable, "-m", "graders", "grade", str(args.submission), "--format", "json"]
    grade += [a for p in only for a in ("--only", p)]
    # The grader's bytecode, as an installed grader has it (PYTHONDONTWRITEBYTECODE may be set).
    compileall.compile_dir(ROOT / "graders", quiet=1)
    rows: dict[str, list[float]] = {"cold": [], "warm": [], "pytest": []}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        test_file = Path(tmp) / "test_bench_grade.py"
        test_file.write_text(PYTEST_FILE, encoding="utf-8")
        for k in range(args.repeat):
            env = {
                **os.environ,
                "GRADER_CACHE_DIR": str(Path(tmp) / f"cache{k}"),
                "BENCH_SUBMISSION": str(args.submission.resolve()),
                "BENCH_ONLY": ",".join(only),
            }
            rows["cold"].append(graded(grade, env))
            rows["warm"].append(graded(grade, env))
            rows["pytest"].append(
                timed(
                    [
                        sys.executable,
                        "-m",
                        "pytest",
                        "-q",
                        "-x",
                        "-p",
                        "no:cacheprovider",
                        "-p",
                        "no:xdist",
                        "-p",
                        "no:benchmark",
                        str(test_file),
                    ],
                    env,
                )
            )
    base = statistics.median(rows["pytest"])
    which = f", {len(only)} item patterns" if only else ""
    print(f"grading {args.submission}{which} ({args.repeat} runs each, median wall-clock seconds)")
    labels = {
        "cold": "grader, cold (new process, torch, empty cache)",
        "warm": "grader, warm (new process, oracle cache)",
        "pytest": "pytest, one process importing torch (no sandbox)",
    }
    for key, label in labels.items():
        med = statistics.median(rows[key])
        print(
            f"  {label:52s} {med:6.2f} s  x{med / base:5.2f} of pytest   "
            f"[{', '.join(f'{v:.2f}' for v in rows[key])}]"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
