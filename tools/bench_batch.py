"""``make bench-batch``: grading a class, three ways side by side, in one run.

A generated class (default 60 entries): reference copies (folders, zips, folders of notebooks),
the student template, planted bugs (``tests/planted_bugs.py``, the reference with one function
wrong), two with an infinite loop in one function, one with a syntax error, and one notebook
holding a single module.  Each way grades every entry on the same public cases, and on hidden
cases derived per student from a course secret (``--modes public,hidden``):

* batch  -- ``python -m graders batch CLASS --jobs N``: the gradebook, every student's files and
  the class report, from a cold oracle cache (torch's public values computed once, the hidden
  ones per student);
* pytest -- the common way (GitHub Classroom's): one pytest process per student, importing torch
  and the student's modules in-process (no sandbox), checking the same cases against the same
  oracle; N processes at a time;
* floor  -- the physical limit of the case battery: the same cases' calls of the student's
  functions in N processes, no sandbox, no oracle, no comparison.

A call that does not return within its item's case timeout is stopped (an alarm) in pytest and
the floor, and after four of them the item's remaining cases are not run, as the sandbox does.
It prints, per way, the wall-clock time, submissions a minute, CPU seconds per submission (the
way's processes, children included: a figure that the machine's other load hardly moves) and the
ratios.  Timings only: nothing here asserts a speed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from graders import cpus

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference"
TEMPLATE = ROOT / "student_template"
MODULES = ("activations", "initializers", "losses", "optimizers")
SECRET = "bench-batch-course-secret"
#: Wrong functions for the students with an infinite loop (no other item calls them).
LOOPS = (("activations", "elu"), ("losses", "huber_loss"))

PYTEST_FILE = """
import importlib.util, os, signal, sys
from pathlib import Path
import pytest
from graders import engine, judge, registry, seeds
from graders.sandbox.box.drivers import DRIVERS

SUB = Path(os.environ["BENCH_SUBMISSION"])
sys.path.insert(0, str(SUB))
HIDDEN = os.environ.get("BENCH_HIDDEN")
STUDENT = os.environ["BENCH_STUDENT"]
HSEED = seeds.student_seed(os.environ["BENCH_SECRET"], STUDENT) if HIDDEN else None
CASES = [(i, c) for i in registry.ITEMS for c in registry.plan_cases(i, engine.PUBLIC_SEED, HSEED)]
MODULES, STRIKES = {}, {}

class Timeout(Exception):
    pass

def _alarm(signum, frame):
    raise Timeout()

def _load(name):
    spec = importlib.util.spec_from_file_location(name, SUB / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod

@pytest.mark.parametrize("item,case", CASES, ids=[f"{i.name}:{c.name}" for i, c in CASES])
def test_case(item, case):
    if STRIKES.get(item.name, 0) > 3:
        pytest.fail("not run: timed out 4 times on this item")
    if item.module not in MODULES:
        MODULES[item.module] = _load(item.module)
    expected = item.oracle(case, "cpu")
    spec = {"args": [a.copy() if hasattr(a, "copy") else a for a in case.args],
            "kwargs": dict(case.kwargs), **case.spec}
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, item.case_timeout)
    try:
        got = DRIVERS[item.driver].run(MODULES[item.module], item.attr, spec)
    except Timeout:
        STRIKES[item.name] = STRIKES.get(item.name, 0) + 1
        pytest.fail("timed out")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    check = judge.check_raises if "raises" in expected else item.check
    verdict = check(expected, got, case.tolerance or item.tolerance, "cpu", case.data)
    assert verdict.passed, verdict.message
"""


# ----------------------------------------------------------------------------- the class
def _notebook(source: str, path: Path) -> None:
    """A module as a notebook: a code cell per top-level definition."""
    import nbformat

    cells, current = [], []
    for line in source.splitlines():
        if line.startswith(("def ", "class ", "@")) and current and not current[-1].startswith("@"):
            cells.append("\n".join(current))
            current = []
        current.append(line)
    cells.append("\n".join(current))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    nbformat.write(nb, path)


def _folder(modules: dict[str, str], path: Path, form: str) -> None:
    """A student's modules handed in as a folder, a zip or a folder of notebooks."""
    if form == "zip":
        import zipfile

        with zipfile.ZipFile(path.with_suffix(".zip"), "w", zipfile.ZIP_DEFLATED) as z:
            for name, text in modules.items():
                z.writestr(f"{path.name}/{name}.py", text)
        return
    path.mkdir(parents=True)
    for name, text in modules.items():
        if form == "notebooks":
            _notebook(text, path / f"{name}.ipynb")
        else:
            (path / f"{name}.py").write_text(text, encoding="utf-8")


def _looping(module: str, function: str) -> dict[str, str]:
    """The reference with ``function`` looping forever."""
    import re

    mods = {m: (REFERENCE / f"{m}.py").read_text(encoding="utf-8") for m in MODULES}
    pattern = re.compile(rf"^(def {function}\(.*?\).*?:\n)", re.S | re.M)
    mods[module], count = pattern.subn(r"\1    while True:\n        pass\n", mods[module], 1)
    assert count == 1, function
    return mods


def make_class(root: Path, size: int = 60) -> dict[str, str]:
    """The generated class in ``root``: entry name -> what it is."""
    sys.path.insert(0, str(ROOT))
    from tests.planted_bugs import BUGS

    reference = {m: (REFERENCE / f"{m}.py").read_text(encoding="utf-8") for m in MODULES}
    template = {m: (TEMPLATE / f"{m}.py").read_text(encoding="utf-8") for m in MODULES}
    kinds: dict[str, str] = {}
    plan = [("reference", "folder")] * 14 + [("reference", "zip")] * 4
    plan += [("reference", "notebooks")] * 3 + [("template", "folder")] * 8
    plan += [("loop", "folder")] * 2 + [("syntax", "folder"), ("one notebook", "file")]
    n_bugs = max(0, size - len(plan))
    chosen = BUGS[:: max(1, len(BUGS) // max(1, n_bugs))][:n_bugs]
    plan += [("bug", "zip" if k % 5 == 0 else "folder") for k in range(len(chosen))]
    bugs, loops = iter(chosen), iter(LOOPS)
    for k, (what, form) in enumerate(plan[:size]):
        name = f"s{k:03d}"
        if what == "bug":
            bug = next(bugs)
            mods, what = {**reference, bug.module: bug.patched()}, f"bug {bug.name}"
        elif what == "loop":
            module, function = next(loops)
            mods, what = _looping(module, function), f"loop in {module}.{function}"
        elif what == "syntax":
            mods = {**reference, "losses": reference["losses"] + "\ndef broken(:\n"}
        else:
            mods = template if what == "template" else reference
        if form == "file":
            _notebook(reference["activations"], root / f"{name}.ipynb")
            name += ".ipynb"
        else:
            _folder(mods, root / name, form)
            name += ".zip" if form == "zip" else ""
        kinds[name] = f"{what} ({form})"
    return kinds


def prepare_all(root: Path, dest: Path) -> dict[str, Path]:
    """Every entry unpacked as the grader reads it (for the ways without its unpacking)."""
    from graders.engine import MODULES as GRADED
    from graders.submission import prepare

    out = {}
    for entry in sorted(root.iterdir()):
        scratch = dest / entry.name
        scratch.mkdir(parents=True)
        out[entry.name] = prepare(entry, GRADED, scratch).root
    return out


# ----------------------------------------------------------------------------- timing
@dataclass
class Timing:
    wall: float
    cpu: float  # CPU seconds of the way's processes
    n: int

    @property
    def per_minute(self) -> float:
        return 60 * self.n / self.wall


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _student(entry: str) -> str:
    return entry.split(".")[0]


def time_batch(root: Path, tmp: Path, hidden: bool, jobs: int) -> Timing:
    env = {**os.environ, "GRADER_CACHE_DIR": str(tmp / "cache")}
    env.pop("GRADER_HIDDEN_SEED", None)
    env.pop("GRADER_COURSE_SECRET", None)
    if hidden:
        env["GRADER_COURSE_SECRET"] = SECRET
    cmd = [sys.executable, "-m", "graders", "batch", str(root), "--output-dir", str(tmp / "out")]
    cmd += ["--jobs", str(jobs)]
    c0, t0 = _children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
    if proc.returncode != 0:
        raise SystemExit(f"bench: the batch grader failed:\n{(proc.stdout + proc.stderr)[-3000:]}")
    return Timing(wall, cpu, len(list(root.iterdir())))


def time_pytest(prepared: dict[str, Path], tmp: Path, hidden: bool, jobs: int) -> Timing:
    test_file = tmp / "test_bench_student.py"
    test_file.write_text(PYTEST_FILE, encoding="utf-8")
    base = {**os.environ, "BENCH_SECRET": SECRET, "GRADER_CACHE_DIR": str(tmp / "unused")}
    if hidden:
        base["BENCH_HIDDEN"] = "1"
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"]
    cmd += ["-p", "no:benchmark", "-p", "no:randomly", str(test_file)]

    def one(entry: str) -> None:
        env = {**base, "BENCH_SUBMISSION": str(prepared[entry]), "BENCH_STUDENT": _student(entry)}
        subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True)

    c0, t0 = _children_cpu(), time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(one, prepared))
    return Timing(time.perf_counter() - t0, _children_cpu() - c0, len(prepared))


def _floor_worker(args: tuple[list[tuple[str, str]], bool]) -> tuple[float, float]:
    """The student calls of these students' cases, here: (wall, CPU) seconds."""
    import importlib.util
    import signal

    from graders import engine, registry, seeds
    from graders.sandbox.box.drivers import DRIVERS

    students, hidden = args

    def alarm(signum: int, frame: object) -> None:
        raise TimeoutError

    signal.signal(signal.SIGALRM, alarm)
    public = {i.name: registry.build_cases(i, engine.PUBLIC_SEED, False) for i in registry.ITEMS}
    t0, c0 = time.perf_counter(), time.process_time()
    for entry, folder in students:
        hseed = seeds.student_seed(SECRET, _student(entry)) if hidden else None
        sys.path.insert(0, folder)
        modules = {}
        for m in MODULES:
            sys.modules.pop(m, None)
            spec = importlib.util.spec_from_file_location(m, Path(folder) / f"{m}.py")
            try:
                assert spec is not None and spec.loader is not None
                modules[m] = importlib.util.module_from_spec(spec)
                spec.loader.exec_module(modules[m])
            except (Exception, SyntaxError):
                modules.pop(m, None)
        for item in registry.ITEMS:
            cases = public[item.name]
            if hseed is not None:
                cases = cases + registry.build_cases(item, hseed, True)
            strikes = 0
            for case in cases:
                if item.module not in modules or strikes > 3:
                    break
                spec_ = {"args": [a.copy() if hasattr(a, "copy") else a for a in case.args],
                         "kwargs": dict(case.kwargs), **case.spec}  # fmt: skip
                signal.setitimer(signal.ITIMER_REAL, item.case_timeout)
                try:
                    DRIVERS[item.driver].run(modules[item.module], item.attr, spec_)
                except TimeoutError:
                    strikes += 1
                except Exception:
                    pass
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
        sys.path.remove(folder)
    return time.perf_counter() - t0, time.process_time() - c0


def time_floor(prepared: dict[str, Path], hidden: bool, jobs: int) -> Timing:
    entries = [(e, str(p)) for e, p in prepared.items()]
    shares = [(entries[k::jobs], hidden) for k in range(jobs)]
    with multiprocessing.get_context("spawn").Pool(jobs) as pool:
        results = pool.map(_floor_worker, shares)
    wall = max(w for w, _ in results)
    return Timing(wall, sum(c for _, c in results), len(entries))


# ----------------------------------------------------------------------------- the table
def table(mode: str, timings: dict[str, Timing], jobs: int) -> list[str]:
    labels = {
        "batch": f"batch grader (graders batch --jobs {jobs})",
        "pytest": f"pytest, a process per submission ({jobs} at a time)",
        "floor": f"floor: the student calls only ({jobs} processes)",
    }
    floor, pytest = timings.get("floor"), timings.get("pytest")
    lines = [
        f"{mode} cases:",
        f"  {'way':52s} {'wall s':>7s} {'per min':>8s} {'CPU s/sub':>9s} "
        f"{'of floor':>9s} {'x pytest':>9s}",
    ]
    for way, t in timings.items():
        of_floor = f"{t.per_minute / floor.per_minute:8.0%}" if floor else ""
        vs_pytest = f"{t.per_minute / pytest.per_minute:8.1f}x" if pytest else ""
        lines.append(
            f"  {labels[way]:52s} {t.wall:7.1f} {t.per_minute:8.1f} {t.cpu / t.n:9.2f} "
            f"{of_floor:>9s} {vs_pytest:>9s}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_batch", description=__doc__)
    parser.add_argument("--students", type=int, default=60, help="size of the class")
    parser.add_argument("--jobs", type=int, default=cpus.usable())
    parser.add_argument("--modes", default="public,hidden", help="public, hidden or both")
    parser.add_argument("--ways", default="batch,pytest,floor", help="which ways to time")
    parser.add_argument("--keep", type=Path, default=None, help="keep the class and outputs here")
    args = parser.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="bench-batch-")) if args.keep is None else args.keep
    try:
        root = tmp / "class"
        root.mkdir(parents=True)
        kinds = make_class(root, args.students)
        prepared = prepare_all(root, tmp / "prepared")
        load0 = os.getloadavg()
        results = {}
        for mode in args.modes.split(","):
            hidden = mode == "hidden"
            timings: dict[str, Timing] = {}
            for way in args.ways.split(","):
                where = tmp / f"{mode}-{way}"
                where.mkdir()
                if way == "batch":
                    timings[way] = time_batch(root, where, hidden, args.jobs)
                elif way == "pytest":
                    timings[way] = time_pytest(prepared, where, hidden, args.jobs)
                else:
                    timings[way] = time_floor(prepared, hidden, args.jobs)
            results[mode] = timings
        load1 = os.getloadavg()
        counts: dict[str, int] = {}
        for what in kinds.values():
            key = what.split(" ")[0]
            counts[key] = counts.get(key, 0) + 1
        print(
            f"a class of {len(kinds)}: {json.dumps(counts)}; {cpus.usable()} usable CPUs; load "
            f"average {load0[0]:.1f} before, {load1[0]:.1f} after"
        )
        for mode, timings in results.items():
            print("\n".join(table(mode, timings, args.jobs)))
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
