"""The course artefacts, end to end: the Gradescope bundle run in a stand-in /autograder, the
Classroom template's workflow run with a simulated runner and decoded as Classroom's reporter
decodes it, the GitLab job, the student kit unpacked elsewhere, and no solution text anywhere.

Expected scores come from the registry's points (full marks for the reference, 0 for the
template) and from an independent HMAC; Gradescope's results.json is validated against a
schema written from its specification (tests/data/gradescope-results.schema.json).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest
import yaml

from graders import registry
from graders.platforms import classroom, gradescope, kit
from tests.planted_bugs import BUGS

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "tests/data/gradescope-results.schema.json").read_text())
ONLY = ["activations"]
SECRET = "test-course-secret"
MODULES = registry.MODULES  # (the worked examples of one module call the others)


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without a hidden seed, sharing the suite's oracle cache (its keys hold
    the registry's source, so the artefacts' copies of the grader hit it too)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("GRADER_HIDDEN_SEED", "GRADER_COURSE_SECRET")
    }
    env["GRADER_CACHE_DIR"] = str(ROOT / ".grader-cache")
    env["PATH"] = f"{Path(sys.executable).parent}:{os.environ['PATH']}"
    return {**env, **extra}


def points(patterns: list[str]) -> float:
    return sum(i.points for i in registry.select(patterns))


def hmac_sha256(key: bytes, msg: bytes) -> bytes:
    """RFC 2104 from hashlib alone (independent of the hmac module the code uses)."""
    block = 64
    key = key.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(k ^ 0x36 for k in key) + msg).digest()
    return hashlib.sha256(bytes(k ^ 0x5C for k in key) + inner).digest()


def independent_seed(secret: str, student: str) -> int:
    digest = hmac_sha256(secret.encode(), b"dlgrade-hidden-seed:v1:" + student.encode())
    return int.from_bytes(digest[:8], "big") % 2**63


#: A planted bug of the bank that loses points on exactly one item.
BUG = next(b for b in BUGS if b.name == "log-softmax-as-log-of-softmax")
BUG_ITEM = "activations.log_softmax"


def broken_activations() -> str:
    """The reference's activations with log_softmax computed as log(softmax(x))."""
    assert BUG.loses == {BUG_ITEM}
    return BUG.patched()


# ----------------------------------------------------------------------------- Gradescope
@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    conf = gradescope.config(
        hidden_seed=None, course_secret=SECRET, only=ONLY, hidden_visibility="after_due_date"
    )
    return gradescope.build(tmp_path_factory.mktemp("dist") / "gradescope-autograder.zip", conf)


def autograder_root(bundle: Path, tmp_path: Path, files: dict[str, str], user: int) -> Path:
    """A stand-in for /autograder: source/ (the unpacked zip), submission/, the metadata."""
    root = tmp_path / "autograder"
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(root / "source")
    for name in ("setup.sh", "run_autograder"):
        (root / "source" / name).chmod(0o755)
    (root / "submission").mkdir()
    for name, text in files.items():
        (root / "submission" / name).write_text(text)
    meta = {"id": 1, "users": [{"id": user, "name": "S", "email": "s@example.com"}]}
    (root / "submission_metadata.json").write_text(json.dumps(meta))
    return root


def run_autograder(root: Path, python: str = sys.executable, **extra_env: str) -> dict:
    env = clean_env(DLGRADE_AUTOGRADER_ROOT=str(root), DLGRADE_PYTHON=python, **extra_env)
    out = subprocess.run(
        ["bash", str(root / "source/run_autograder")],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    data = json.loads((root / "results/results.json").read_text())
    jsonschema.validate(data, SCHEMA)
    return data


def test_bundle_layout(bundle: Path) -> None:
    with zipfile.ZipFile(bundle) as zf:
        infos = {i.filename: i for i in zf.infolist()}
        conf = json.loads(zf.read(gradescope.CONFIG))
    assert list(infos) == sorted(infos)
    for name in ("setup.sh", "run_autograder"):  # at the root, executable
        assert (infos[name].external_attr >> 16) & 0o777 == 0o755
    assert "graders/cli.py" in infos and "graders/platforms/gradescope.py" in infos
    assert not [n for n in infos if n.startswith(("reference/", "tests/", "tools/"))]
    assert {i.date_time for i in infos.values()} == {(1980, 1, 1, 0, 0, 0)}
    assert conf == {
        "course_secret": SECRET,
        "hidden_seed": None,
        "hidden_visibility": "after_due_date",
        "only": ONLY,
    }


def test_bundle_build_is_reproducible(bundle: Path, tmp_path: Path) -> None:
    conf = json.loads(zipfile.ZipFile(bundle).read(gradescope.CONFIG))
    again = gradescope.build(tmp_path / "again.zip", conf)
    assert again.read_bytes() == bundle.read_bytes()


def test_setup_sh_installs_torch_cpu_and_every_pin(bundle: Path, tmp_path: Path) -> None:
    """DRY_RUN=1 prints the commands (no network here for the real install)."""
    root = autograder_root(bundle, tmp_path, {}, 1)
    setup = root / "source/setup.sh"
    assert subprocess.run(["bash", "-n", str(setup)]).returncode == 0
    out = subprocess.run(
        ["bash", str(setup)],
        env={**os.environ, "DRY_RUN": "1", "DLGRADE_AUTOGRADER_ROOT": str(root)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    pips = [line.split() for line in out.stdout.splitlines() if " -m pip install " in line]
    torch_line = next(p for p in pips if "torch==2.13.0" in p)
    assert torch_line[torch_line.index("--index-url") + 1] == "https://download.pytorch.org/whl/cpu"
    req_line = next(p for p in pips if "-r" in p)
    assert req_line[req_line.index("-r") + 1] == f"{root}/source/requirements.txt"
    assert all("--no-deps" in p and "--only-binary=:all:" in p for p in pips)
    pins = set((ROOT / "constraints.txt").read_text().split())
    reqs = (root / "source/requirements.txt").read_text().split()
    assert reqs and set(reqs) <= pins  # every package pinned exactly as in constraints.txt
    names = {r.split("==")[0].lower() for r in reqs}
    assert {"numpy", "scipy", "sympy", "rich", "mpmath"} <= names and "torch" not in names
    # last, from the grader's folder: the oracle cache filled once for every submission
    assert out.stdout.splitlines()[-1].split()[1:] == [
        "-m",
        "graders.platforms",
        "gradescope-prefill",
        "--root",
        str(root),
    ]


def test_reference_scores_full_marks_with_per_student_hidden_cases(
    bundle: Path, tmp_path: Path
) -> None:
    files = {f"{m}.py": (ROOT / f"reference/{m}.py").read_text() for m in MODULES}
    data = run_autograder(autograder_root(bundle, tmp_path, files, user=4242))
    total = points(ONLY)
    assert data["score"] == pytest.approx(total)
    assert sum(t["max_score"] for t in data["tests"]) == pytest.approx(total)
    hidden = [t for t in data["tests"] if t["name"].endswith("(hidden cases)")]
    assert hidden and {t["visibility"] for t in hidden} == {"after_due_date"}
    assert {t["visibility"] for t in data["tests"] if t not in hidden} == {"visible"}
    assert data["extra_data"]["hidden_seed_given"] is True
    assert data["extra_data"]["hidden_seed_of"] == "4242"
    assert data["stdout_visibility"] == "hidden" and data["test_output_format"] == "md"
    first = data["tests"][0]
    assert first["tags"][0] == "activations" and first["output_format"] == "md"
    assert set(first["extra_data"]) >= {"cases", "passed", "failed", "location"}


def test_template_scores_zero(bundle: Path, tmp_path: Path) -> None:
    files = {f"{m}.py": (ROOT / f"student_template/{m}.py").read_text() for m in MODULES}
    data = run_autograder(autograder_root(bundle, tmp_path, files, user=7))
    assert data["score"] == 0
    assert all("not implemented" in t["output"] for t in data["tests"])


def test_broken_submission_loses_points_on_its_item_with_the_students_seed(
    bundle: Path, tmp_path: Path
) -> None:
    files = {f"{m}.py": (ROOT / f"reference/{m}.py").read_text() for m in MODULES}
    files["activations.py"] = broken_activations()
    data = run_autograder(autograder_root(bundle, tmp_path, files, user=99))
    lost = {t["name"] for t in data["tests"] if t["score"] < t["max_score"]}
    assert lost and {n.split(" ")[0] for n in lost} == {BUG_ITEM}
    # the hidden cases were those of student 99's seed, computed independently
    seed = independent_seed(SECRET, "99")
    sub = tmp_path / "autograder/submission"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "graders",
            "grade",
            str(sub),
            "--format",
            "gradescope",
            "--only",
            BUG_ITEM,
            "--hidden-seed",
            str(seed),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    direct = {t["name"]: t for t in json.loads(out.stdout)["tests"]}
    for test in data["tests"]:
        if test["name"] in direct:
            assert test["extra_data"]["failed"] == direct[test["name"]]["extra_data"]["failed"]
            assert test["score"] == direct[test["name"]]["score"]


def test_unusable_submission_still_gets_results(bundle: Path, tmp_path: Path) -> None:
    data = run_autograder(autograder_root(bundle, tmp_path, {"notes.txt": "hello"}, user=5))
    assert data["score"] == 0
    text = data.get("output", "") + "".join(t.get("output", "") for t in data["tests"])
    assert "activations.py" in text


def test_a_broken_grader_still_writes_results(bundle: Path, tmp_path: Path) -> None:
    root = autograder_root(bundle, tmp_path, {}, user=5)
    (root / "source" / gradescope.CONFIG).write_text("{not json")
    data = run_autograder(root)
    assert data["score"] == 0 and "autograder failed" in data["output"]
    shutil.rmtree(root / "results")
    data = run_autograder(root, python="/nonexistent/python")  # cannot even start
    assert data["score"] == 0 and "could not start" in data["output"]


@pytest.mark.parametrize("course_wide", [True, False], ids=["one-hidden-seed", "per-student"])
def test_setup_fills_the_oracle_cache_so_grading_needs_no_torch(
    tmp_path: Path, course_wide: bool
) -> None:
    """After setup.sh's last step, a submission graded with torch unimportable still gets every
    point: the expected values come from the cache.  With per-student seeds only the public
    parts can be computed in advance: the hidden ones need torch (without it, a grader error:
    which also shows that the oracle would import the poisoned torch)."""
    conf = gradescope.config(
        hidden_seed=11 if course_wide else None,
        course_secret=None if course_wide else SECRET,
        only=["activations.relu*", "activations.softmax"],
    )
    zipped = gradescope.build(tmp_path / "bundle.zip", conf)
    files = {f"{m}.py": (ROOT / f"reference/{m}.py").read_text() for m in MODULES}
    root = autograder_root(zipped, tmp_path, files, user=9)
    cache = str(tmp_path / "cache")
    filled = subprocess.run(
        [sys.executable, "-m", "graders.platforms", "gradescope-prefill", "--root", str(root)],
        cwd=root / "source",
        env=clean_env(GRADER_CACHE_DIR=cache),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert filled.returncode == 0, filled.stderr
    parts = 6 if course_wide else 3  # (three items; their hidden parts too with one seed)
    assert f"{parts} parts of 3 items" in filled.stdout
    no_torch = tmp_path / "no-torch"
    (no_torch / "torch").mkdir(parents=True)
    (no_torch / "torch/__init__.py").write_text("raise ImportError('torch is not here')\n")
    data = run_autograder(root, GRADER_CACHE_DIR=cache, PYTHONPATH=str(no_torch))
    if course_wide:
        assert data["score"] == pytest.approx(points(conf["only"]))
    else:
        assert data["score"] == 0
        assert all("grader error: OracleError" in t["output"] for t in data["tests"])


# ----------------------------------------------------------------------------- Classroom
@pytest.fixture(scope="module")
def classroom_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return classroom.build(tmp_path_factory.mktemp("dist") / "classroom-template", ONLY)


def workflow_step(repo: Path, step_id: str) -> tuple[dict, dict]:
    flow = yaml.safe_load((repo / classroom.WORKFLOW).read_text())
    steps = flow["jobs"]["run-autograding-tests"]["steps"]
    grade = next(s for s in steps if s.get("id") == step_id)
    reporter = next(s for s in steps if "autograding-grading-reporter" in s.get("uses", ""))
    return grade, reporter


def run_classroom(repo: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess, dict, str]:
    """The grade step as a runner would run it; then Classroom's reporter, emulated: the
    runner ids from its input, each `<ID>_RESULTS` env value base64-decoded to JSON."""
    grade, reporter = workflow_step(repo, classroom.STEP_ID)
    output, summary = tmp_path / "github_output", tmp_path / "step_summary"
    output.write_text("")
    summary.write_text("")
    env = clean_env(
        GITHUB_OUTPUT=str(output), GITHUB_STEP_SUMMARY=str(summary), GITHUB_WORKSPACE=str(repo)
    )
    proc = subprocess.run(
        ["bash", "-e", "-c", grade["run"]], cwd=repo, env=env, capture_output=True, text=True
    )
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines())
    step_outputs = {classroom.STEP_ID: outputs}
    totals = {"totalPoints": 0.0, "maxPoints": 0.0}
    for runner in reporter["with"]["runners"].split(","):
        template = reporter["env"][f"{runner.strip().upper()}_RESULTS"]
        ref = re.fullmatch(r"\$\{\{ steps\.([\w-]+)\.outputs\.(\w+) \}\}", template)
        assert ref, template
        results = json.loads(base64.b64decode(step_outputs[ref[1]][ref[2]]))
        if results["max_score"]:  # notify-classroom.js: sum the tests' scores
            totals["maxPoints"] += results["max_score"]
            for test in results["tests"]:
                totals["totalPoints"] += test["score"]
        totals["status"] = results["status"]
        totals["results"] = results
    return proc, totals, summary.read_text()


def test_classroom_template_layout(classroom_repo: Path) -> None:
    names = {p.relative_to(classroom_repo).as_posix() for p in classroom_repo.rglob("*")}
    assert {f"{m}.py" for m in MODULES} <= names
    assert {
        "README.md",
        "Makefile",
        "requirements.txt",
        classroom.WORKFLOW,
        ".gitlab-ci.yml",
    } <= names
    assert not [
        n for n in names if n.startswith(("reference", "tests", "tools", "graders/platforms"))
    ]
    _grade, reporter = workflow_step(classroom_repo, classroom.STEP_ID)
    assert reporter["uses"] == "classroom-resources/autograding-grading-reporter@v1"
    assert reporter["with"]["runners"] == classroom.STEP_ID


def test_classroom_template_scores_zero_and_reports_it(
    classroom_repo: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"  # (grading writes its cache into the repository, as on a runner)
    shutil.copytree(classroom_repo, repo)
    proc, totals, summary = run_classroom(repo, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert totals["totalPoints"] == 0 and totals["maxPoints"] == pytest.approx(points(ONLY))
    assert totals["status"] == "fail"
    annotations = [line for line in proc.stdout.splitlines() if line.startswith("::")]
    assert 0 < len(annotations) <= 10
    assert len(registry.select(ONLY)) > 10  # so the limit was needed
    for item in registry.select(ONLY):
        assert f"`{item.name}`" in summary  # the rest are in the step summary
    assert proc.stdout.strip().splitlines()[-1] == f"Points 0/{points(ONLY):g}"


def test_classroom_gets_weighted_points_and_annotations_on_the_function(
    classroom_repo: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(classroom_repo, repo)
    for m in MODULES:
        shutil.copy(ROOT / f"reference/{m}.py", repo / f"{m}.py")
    (repo / "activations.py").write_text(broken_activations())
    proc, totals, _ = run_classroom(repo, tmp_path)
    assert proc.returncode == 0, proc.stderr
    by_name = {t["name"]: t for t in totals["results"]["tests"]}
    full, got = registry.BY_NAME[BUG_ITEM].points, by_name[BUG_ITEM]["score"]
    assert 0 < got < full
    assert totals["totalPoints"] == pytest.approx(points(ONLY) - full + got)
    # the annotation points at the def, found here by text search
    lines = (repo / "activations.py").read_text().splitlines()
    line = max(i for i, text in enumerate(lines, 1) if text.startswith("def log_softmax("))
    annotations = [a for a in proc.stdout.splitlines() if a.startswith("::")]
    assert len(annotations) == 1
    assert annotations[0].startswith(f"::warning file=activations.py,line={line},title=")
    assert by_name[BUG_ITEM]["filename"] == "activations.py"
    assert by_name[BUG_ITEM]["line_no"] == line


def test_gitlab_job_writes_a_junit_report(classroom_repo: Path, tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    repo = tmp_path / "repo"
    shutil.copytree(classroom_repo, repo)
    job = yaml.safe_load((repo / ".gitlab-ci.yml").read_text())["grade"]
    assert job["artifacts"]["reports"]["junit"] == "dlgrade-junit.xml"
    grade = [c for c in job["script"] if c.startswith("python -m graders grade")]
    assert len(grade) == 1
    env = clean_env()
    proc = subprocess.run(
        ["bash", "-c", grade[0]], cwd=repo, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    suite = ET.parse(repo / "dlgrade-junit.xml").getroot()
    assert int(suite.get("tests")) == len(registry.select(ONLY)) == int(suite.get("failures"))


# ----------------------------------------------------------------------------- student kit
@pytest.fixture(scope="module")
def kit_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return kit.build(tmp_path_factory.mktemp("dist") / "student-kit.zip")


def test_kit_unpacked_elsewhere_grades_the_template_and_the_reference(
    kit_zip: Path, tmp_path: Path
) -> None:
    with zipfile.ZipFile(kit_zip) as zf:
        names = zf.namelist()
        zf.extractall(tmp_path / "unpacked")
    assert not [n for n in names if "/reference/" in n or "hidden_seed" in n]
    assert not [n for n in names if "/graders/mistakes/" in n]  # (near-solutions)
    home = tmp_path / "unpacked" / kit.TOP
    solution = tmp_path / "elsewhere" / "mine"
    shutil.copytree(ROOT / "reference", solution, ignore=shutil.ignore_patterns("__pycache__"))
    env = clean_env()
    where = subprocess.run(
        [sys.executable, "-c", "import graders; print(graders.__file__)"],
        cwd=home,
        env=env,
        capture_output=True,
        text=True,
    )
    assert where.stdout.strip() == str(home / "graders/__init__.py")  # the kit's own grader
    for submission, expected in (("student_template", 0.0), (str(solution), points(ONLY))):
        out = subprocess.run(
            [
                "make",
                "--no-print-directory",
                "grade",
                f"PYTHON={sys.executable}",
                "SETUP=",
                f"SUBMISSION={submission}",
                "ONLY=activations",
            ],
            cwd=home,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert out.returncode == 0, out.stderr
        assert f"Score {expected:g}/{points(ONLY):g} on public cases" in out.stdout


def test_kit_readme_names_the_forbidden_imports(kit_zip: Path) -> None:
    from graders.scan import FORBIDDEN_MODULES

    readme = zipfile.ZipFile(kit_zip).read(f"{kit.TOP}/README.md").decode()
    assert "make grade" in readme and "make repro" in readme
    assert all(f"`{m}`" in readme for m in FORBIDDEN_MODULES)


# ----------------------------------------------------------------------------- no solutions
def solution_lines() -> set[str]:
    """Lines of the reference's solution blocks that occur nowhere the students may see them
    anyway (the generated template, the grader's own sources): a leak of the reference would
    bring some of these along."""
    found: set[str] = set()
    for path in sorted((ROOT / "reference").glob("*.py")):
        inside = False
        for line in path.read_text().splitlines():
            if re.match(r"\s*# BEGIN SOLUTION", line):
                inside = True
            elif re.match(r"\s*# END SOLUTION", line):
                inside = False
            elif inside and line.strip() and not line.strip().startswith("#"):
                found.add(line.strip())
    public = [  # (the catalogue of mistakes is near-solution code: never shipped, not public)
        *(ROOT / "student_template").glob("*.py"),
        *(p for p in (ROOT / "graders").rglob("*.py") if "mistakes" not in p.parts),
    ]
    seen = {line.strip() for p in public for line in p.read_text().splitlines()}
    return found - seen


def artefact_texts(path: Path) -> dict[str, str]:
    if path.is_dir():
        return {str(p): p.read_text() for p in sorted(path.rglob("*")) if p.is_file()}
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n).decode() for n in zf.namelist()}


def leaks(texts: dict[str, str], lines: set[str]) -> list[str]:
    return sorted(
        f"{name}: {line}"
        for name, text in texts.items()
        for line in lines & {t.strip() for t in text.splitlines()}
    )


def test_no_artefact_holds_solution_text(bundle: Path, classroom_repo: Path, kit_zip: Path) -> None:
    lines = solution_lines()
    assert len(lines) > 300  # the check has something to find
    for artefact in (bundle, classroom_repo, kit_zip):
        assert leaks(artefact_texts(artefact), lines) == [], artefact
    # and it would find a copied reference
    planted = {"x.py": (ROOT / "reference/activations.py").read_text()}
    assert len(leaks(planted, lines)) > 20


def test_make_targets_build_the_same_artefacts(tmp_path: Path) -> None:
    env = clean_env(GRADER_HIDDEN_SEED="12345")
    out = subprocess.run(
        [sys.executable, "-m", "graders.platforms", "gradescope", "--out", str(tmp_path / "g.zip")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    conf = json.loads(zipfile.ZipFile(tmp_path / "g.zip").read(gradescope.CONFIG))
    assert conf["hidden_seed"] == 12345 and conf["course_secret"] is None
    env.pop("GRADER_HIDDEN_SEED")
    out = subprocess.run(
        [sys.executable, "-m", "graders.platforms", "gradescope", "--out", str(tmp_path / "h.zip")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    assert "GRADER_COURSE_SECRET" in out.stderr and not (tmp_path / "h.zip").exists()
