"""Grading a class (``graders batch``): every entry a row, parallel equals sequential, a resumed
or interrupted run keeps its gradebook, one student's crash is that student's row, hidden seeds
per student, and the shared sandbox holds under several students at once.

Expected scores come from the engine grading each entry alone (``engine.grade``, no batch code)
or from the class's construction (the reference earns full marks, the template nothing)."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import nbformat
import pytest

from graders import engine, registry, seeds
from graders.batch import gradebook, record, runner, task
from graders.batch.entries import Entry, class_entries
from tests.graders_cli import interruptible, run_graders

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference"
TEMPLATE = ROOT / "student_template"
ITEMS = ("activations.relu", "activations.sigmoid", "losses.mse_loss")
MODULES = ("activations", "losses")


def _copy(src: Path, dst: Path, modules: tuple[str, ...] = MODULES) -> Path:
    dst.mkdir(parents=True)
    for m in modules:
        shutil.copy(src / f"{m}.py", dst / f"{m}.py")
    return dst


#: The test class's entries and their statuses.
STATUSES = {
    "alice": "graded", "bob.zip": "graded", "carol.ipynb": "graded", "dave.py": "graded",
    "erin": "graded", "frank": "graded", "grace": "not graded", "notes.txt": "not graded",
}  # fmt: skip


def make_class(root: Path) -> None:
    """A small class with every form of entry (:data:`STATUSES`), and a file to set aside."""
    root.mkdir(parents=True)
    _copy(REFERENCE, root / "alice")
    with zipfile.ZipFile(root / "bob.zip", "w") as z:  # (wrapped in a folder, as an LMS does)
        for m in MODULES:
            z.write(REFERENCE / f"{m}.py", f"hw1/{m}.py")
    code = (REFERENCE / "activations.py").read_text(encoding="utf-8")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nbformat.write(nb, root / "carol.ipynb")  # (serves every module: losses' functions absent)
    shutil.copy(TEMPLATE / "activations.py", root / "dave.py")
    _copy(TEMPLATE, root / "erin")
    _copy(REFERENCE, root / "frank")
    (root / "frank" / "activations.py").write_text("def relu(x:\n", encoding="utf-8")
    (root / "grace").mkdir()
    (root / "grace" / "README.md").write_text("my homework\n", encoding="utf-8")
    (root / "notes.txt").write_text("not a submission\n", encoding="utf-8")
    (root / ".DS_Store").write_bytes(b"\0")


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("batch") / "class"
    make_class(root)
    return root


def settings(**kw: object) -> task.Settings:
    given: dict[str, object] = {"items": ITEMS, "parallel": 2, "template": str(TEMPLATE), **kw}
    return task.Settings(**given)  # type: ignore[arg-type]


def grade_class(root: Path, out: Path, **kw: object) -> int:
    run = runner.Run(root=root, out=out, settings=kw.pop("settings", settings()), **kw)  # type: ignore[arg-type]
    out.mkdir(exist_ok=True)
    return runner.run_class(run)


def graded_again(monkeypatch: pytest.MonkeyPatch, root: Path, out: Path, **kw: object) -> list[str]:
    """The entries a further run of the class grades (by name, in the order they start)."""
    seen: list[str] = []
    real = task.grade_student

    def spy(t: task.Task, s: task.Settings) -> task.Graded:
        seen.append(t.entry.name)
        return real(t, s)

    monkeypatch.setattr(runner, "grade_student", spy)
    grade_class(root, out, jobs=2, **kw)
    monkeypatch.undo()
    return seen


def rows(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "scores.csv", newline="", encoding="utf-8") as f:
        return {r["submission"]: r for r in csv.DictReader(f)}


def records(out: Path) -> dict[str, dict[str, object]]:
    """The records, less their timings."""
    found = {}
    for path in sorted((out / "students").glob("*.json")):
        rec = json.loads(path.read_text(encoding="utf-8"))
        rec.pop("execution_time")
        found[rec["submission"]] = rec
    return found


@pytest.fixture(scope="module")
def graded(klass: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The class graded once, sequentially (jobs=1)."""
    out = tmp_path_factory.mktemp("out") / "seq"
    grade_class(klass, out, jobs=1, settings=settings())
    return out


def test_every_entry_is_a_row_with_its_status(klass: Path, graded: Path) -> None:
    got = rows(graded)
    assert {k: r["status"] for k, r in got.items()} == STATUSES
    assert "holds none of activations.py" in got["grace"]["error"]
    assert "is not a submission" in got["notes.txt"]["error"]
    assert ".DS_Store" not in got  # (set aside, and said so: see the next test)
    for name in STATUSES:  # every entry has its three files
        for suffix in ("json", "txt", "html"):
            assert (graded / "students" / f"{name}.{suffix}").is_file(), (name, suffix)


#: Entry names a spreadsheet would run as formulas ("CSV injection"), and one with a quote.
FORMULAS = ('=HYPERLINK("x","y")', "+1+1", "-2+3", "@SUM(1)", "'quoted")


def test_no_gradebook_cell_is_a_formula_and_resume_reads_the_names_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries named like formulas: each text cell of ``scores.csv`` is written behind a quote
    (so LibreOffice or Excel shows the text, never runs it), and a resumed run reads the names
    back as they are (nothing is graded again)."""
    root = tmp_path / "class"
    for name in FORMULAS:
        _copy(REFERENCE, root / name, ("activations",))
    out = tmp_path / "out"
    one = settings(items=("activations.relu",))
    grade_class(root, out, jobs=1, settings=one)
    with open(out / "scores.csv", newline="", encoding="utf-8") as f:
        written = list(csv.DictReader(f))
    assert sorted(r["submission"] for r in written) == sorted(f"'{n}" for n in FORMULAS)
    assert all(r["student"] == r["submission"] for r in written)
    for r in written:
        for column in gradebook.TEXT_COLUMNS:
            assert not r[column].startswith(("=", "+", "-", "@", "\t", "\r")), (column, r)
    before = (out / "scores.csv").read_text(encoding="utf-8")
    seen: list[str] = []
    monkeypatch.setattr(runner, "grade_student", lambda t, s: seen.append(t.entry.name))
    grade_class(root, out, jobs=1, settings=one, resume=True)
    assert seen == []  # every name was read back: nothing to grade again
    assert (out / "scores.csv").read_text(encoding="utf-8") == before


def test_scores_match_the_engine_grading_each_entry_alone(klass: Path, graded: Path) -> None:
    items = [registry.BY_NAME[n] for n in ITEMS]
    got = rows(graded)
    for name in ("alice", "bob.zip", "carol.ipynb", "dave.py", "erin", "frank"):
        alone = engine.grade(klass / name, items)
        assert float(got[name]["score"]) == pytest.approx(alone.score), name
        for item in alone.items:
            assert float(got[name][item.name]) == pytest.approx(item.score), (name, item.name)
    assert float(got["alice"]["score"]) == float(got["alice"]["max_score"])  # the reference
    assert float(got["erin"]["score"]) == 0  # the template


def test_the_gradebook_sums_add_up(graded: Path) -> None:
    for name, r in rows(graded).items():
        items = {n: float(r[n]) for n in ITEMS}
        for m in MODULES:
            in_m = sum(v for n, v in items.items() if n.startswith(m + "."))
            assert float(r[m]) == pytest.approx(in_m), (name, m)
        assert float(r["score"]) == pytest.approx(sum(items.values()))
        assert float(r["public_score"]) == pytest.approx(float(r["score"]))  # no hidden cases
        assert r["hidden_score"] == r["hidden_max"] == ""


def test_a_record_is_compact_and_says_why(graded: Path) -> None:
    frank = json.loads((graded / "students" / "frank.json").read_text())
    relu = frank["items"]["activations.relu"]
    assert relu["score"] == 0 and relu["failed"]
    assert {c["kind"] for c in relu["failed"]} == {"syntax error"}
    erin = json.loads((graded / "students" / "erin.json").read_text())
    assert erin["items"]["activations.relu"]["status"] == "not implemented"
    assert "failed" not in erin["items"]["activations.relu"]  # (one flag, not a list of cases)
    assert "activations.relu" in (graded / "students" / "frank.txt").read_text()


def test_parallel_equals_sequential(klass: Path, graded: Path, tmp_path: Path) -> None:
    out = tmp_path / "par"
    grade_class(klass, out, jobs=3, settings=settings())
    assert (out / "scores.csv").read_text() == (graded / "scores.csv").read_text()
    assert records(out) == records(graded)


def test_set_aside_entries_are_said(
    klass: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    grade_class(klass, tmp_path / "o", jobs=2, students=("alice",))
    assert "set aside (not students): .DS_Store" in capsys.readouterr().out


def test_resume_grades_only_what_is_missing(
    klass: Path, graded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "partial"
    shutil.copytree(graded, out)
    lines = (out / "scores.csv").read_text().splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    kept = [line for line in body if line.startswith(("alice,", "erin,", "dave,"))]
    torn = next(line for line in body if line.startswith("frank,"))[:25]  # killed mid-row
    (out / "scores.csv").write_text(header + "".join(kept) + torn)
    (out / "students" / "dave.py.json").unlink()  # a row without its record is graded again
    seen = graded_again(monkeypatch, klass, out, resume=True)
    assert sorted(seen) == sorted(set(STATUSES) - {"alice", "erin"})
    assert (out / "scores.csv").read_text() == (graded / "scores.csv").read_text()
    assert records(out) == records(graded)


def test_a_grader_error_row_is_graded_again_on_resume(
    klass: Path, graded: Path, tmp_path: Path
) -> None:
    out = tmp_path / "o"
    shutil.copytree(graded, out)
    text = (
        (out / "scores.csv").read_text().replace("alice,alice,graded", "alice,alice,grader error")
    )
    (out / "scores.csv").write_text(text)
    book = gradebook.Gradebook(out, [registry.BY_NAME[n] for n in ITEMS], _manifest(klass))
    assert "alice" not in book.finished() and "erin" in book.finished()
    book.close()


def _manifest(root: Path) -> dict[str, object]:
    items = [registry.BY_NAME[n] for n in ITEMS]
    return gradebook.manifest(root, items, engine.PUBLIC_SEED, "none", "None", "cpu")


def test_a_student_is_regraded_alone(klass: Path, graded: Path, tmp_path: Path) -> None:
    root = tmp_path / "class"
    shutil.copytree(klass, root)
    out = tmp_path / "o"
    shutil.copytree(graded, out)
    _copy(REFERENCE, root / "erin2")  # (not in the gradebook: --student does not add others)
    shutil.rmtree(root / "erin")
    _copy(REFERENCE, root / "erin")  # erin hands in the reference after all
    grade_class(root, out, jobs=2, students=("erin",))
    before, after = rows(graded), rows(out)
    assert float(after["erin"]["score"]) == float(after["erin"]["max_score"]) > 0
    assert "erin2" not in after
    assert {k: v for k, v in after.items() if k != "erin"} == {
        k: v for k, v in before.items() if k != "erin"
    }


def test_a_crashing_grader_is_one_row_and_the_class_goes_on(
    klass: Path, graded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = engine.grade

    def crashing(origin: Path, *a: object, **kw: object) -> object:
        if Path(origin).name == "carol.ipynb":
            raise RuntimeError("a bug of the grader's")
        return real(origin, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(task.engine, "grade", crashing)
    out = tmp_path / "o"
    grade_class(klass, out, jobs=2)
    got, want = rows(out), rows(graded)
    assert got["carol.ipynb"]["status"] == record.GRADER_ERROR
    assert "RuntimeError: a bug of the grader's" in got["carol.ipynb"]["error"]
    assert {k: v for k, v in got.items() if k != "carol.ipynb"} == {
        k: v for k, v in want.items() if k != "carol.ipynb"
    }


def test_a_grader_error_on_one_item_makes_the_row_a_grader_error(
    klass: Path, graded: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The engine finished, but the grader failed on an item (an oracle's or a check's error):
    that item has no verdict, so the row's score is not the student's to publish; the row says
    so, and --resume grades it again."""
    from graders import judge

    real = judge.judge_item

    def broken(item: Any, *a: Any, **kw: Any) -> Any:
        if item.name == "activations.sigmoid":
            raise ValueError("a check's bug")
        return real(item, *a, **kw)

    monkeypatch.setattr(judge, "judge_item", broken)
    out = tmp_path / "o"
    grade_class(klass, out, jobs=2, students=("alice", "erin"))
    got = rows(out)
    for name in ("alice", "erin"):
        assert got[name]["status"] == record.GRADER_ERROR
        assert got[name]["error"] == (
            "grader error on 1 item(s), first activations.sigmoid: ValueError: a check's bug"
        )
    monkeypatch.setattr(judge, "judge_item", real)
    grade_class(klass, out, jobs=2, resume=True, students=("alice", "erin"))
    want = rows(graded)
    assert {k: rows(out)[k] for k in ("alice", "erin")} == {k: want[k] for k in ("alice", "erin")}


def test_hidden_cases_per_student_from_the_course_secret(klass: Path, tmp_path: Path) -> None:
    hidden = runner.Hidden("per student", secret="a course secret")
    out = tmp_path / "o"
    grade_class(klass, out, jobs=2, hidden=hidden, students=("alice", "erin", "frank"))
    got = records(out)
    items = [registry.BY_NAME[n] for n in ITEMS]
    for name in ("alice", "erin", "frank"):
        alone = engine.grade(
            klass / name, items, hidden_seed=seeds.student_seed("a course secret", name)
        )
        assert got[name]["score"] == pytest.approx(alone.score)
        hidden_part = [sum(i.part(True)[k] for i in alone.items) for k in (0, 1)]
        assert got[name]["hidden"] == pytest.approx(hidden_part)
    assert got["alice"]["hidden"][0] == got["alice"]["hidden"][1] > 0


def test_the_course_secret_gives_each_student_a_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    from graders import cli

    monkeypatch.setenv("GRADER_COURSE_SECRET", "s3cret")
    monkeypatch.setenv("GRADER_HIDDEN_SEED", "7")
    hidden = cli._batch_hidden(None)
    assert hidden.mode == "per student"
    assert hidden.seed_of("alice") == seeds.student_seed("s3cret", "alice")
    assert hidden.seed_of("alice") != hidden.seed_of("bob")
    assert cli._batch_hidden(5).seed_of("alice") == 5  # --hidden-seed: one for all
    monkeypatch.delenv("GRADER_COURSE_SECRET")
    assert cli._batch_hidden(None).seed_of("bob") == 7
    monkeypatch.delenv("GRADER_HIDDEN_SEED")
    assert cli._batch_hidden(None).mode == "none"


# ----------------------------------------------------------------------------- the command line
def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_graders("batch", *args, env={**os.environ, **(env or {})}, timeout=300)


@pytest.mark.parametrize(
    ("extra", "phrase"),
    [
        (["--jobs", "0"], "--jobs must be at least 1"),
        (["--student", "nobody"], "--student nobody: no such entry"),
        (["--template", "/no/such/template"], "--template /no/such/template: not a folder"),
    ],
)
def test_a_user_mistake_is_one_line(
    klass: Path, tmp_path: Path, extra: list[str], phrase: str
) -> None:
    out = run_cli(
        str(klass), "--output-dir", str(tmp_path / "o"), "--only", "activations.relu", *extra
    )
    assert out.returncode == 2, out.stderr
    assert out.stderr.strip().splitlines() == [out.stderr.strip()] and phrase in out.stderr


def test_a_resumed_run_must_grade_the_same_way(klass: Path, graded: Path, tmp_path: Path) -> None:
    out = tmp_path / "o"
    shutil.copytree(graded, out)
    again = run_cli(str(klass), "--output-dir", str(out), "--resume", "--only", "activations.relu")
    assert again.returncode == 2
    assert "graded with other items" in again.stderr and "Traceback" not in again.stderr
    fresh = run_cli(str(klass), "--output-dir", str(out), "--only", "activations.relu")
    assert fresh.returncode == 2 and "not empty" in fresh.stderr


def _slow_class(root: Path) -> None:
    """Six reference students whose relu sleeps a little, so that a run can be stopped."""
    root.mkdir()
    slow = "\n\nimport time as _time\n\n_relu = relu\n\n\ndef relu(x):\n    _time.sleep(0.2)\n"
    for k in range(6):
        d = _copy(REFERENCE, root / f"s{k}", ("activations",))
        code = (d / "activations.py").read_text()
        (d / "activations.py").write_text(code + slow + "    return _relu(x)\n")


@pytest.mark.slow  # (a class under load, stopped, then resumed: about 25 s)
def test_ctrl_c_keeps_the_gradebook_and_resume_finishes_it(tmp_path: Path) -> None:
    root, out, scratch = tmp_path / "class", tmp_path / "out", tmp_path / "scratch"
    _slow_class(root)
    scratch.mkdir()
    env = {**os.environ, "GRADER_SCRATCH": str(scratch)}
    args = [str(root), "--output-dir", str(out), "--only", "activations.relu", "--jobs", "1"]
    with interruptible():
        proc = subprocess.Popen(
            [sys.executable, "-m", "graders", "batch", *args],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
    scores = out / "scores.csv"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (
        not scores.exists() or len(scores.read_text().splitlines()) < 3
    ):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "continue with --resume" in err and "Traceback" not in err
    kept = rows(out)
    assert 2 <= len(kept) < 6 and all(r["status"] == "graded" for r in kept.values())
    assert not list(scratch.iterdir()), "scratch left behind"
    done = run_cli(*args, "--resume", env={"GRADER_SCRATCH": str(scratch)})
    assert done.returncode == 0, done.stderr
    final = rows(out)
    assert sorted(final) == [f"s{k}" for k in range(6)]
    assert all(float(r["score"]) == float(r["max_score"]) for r in final.values())
    assert {k: final[k] for k in kept} == kept


def test_a_students_endless_loop_is_bounded_by_the_budget(tmp_path: Path) -> None:
    """A student whose relu never returns costs at most the per-submission budget of [1/7]
    (--budget): the rest of that student's cases are not run, said in the record, and the
    honest student graded beside it gets full marks."""
    root, out = tmp_path / "class", tmp_path / "out"
    _copy(REFERENCE, root / "honest")
    looping = _copy(REFERENCE, root / "looping")
    code = (looping / "activations.py").read_text(encoding="utf-8")
    (looping / "activations.py").write_text(
        code + "\n\ndef relu(x):\n    while True:\n        pass\n", encoding="utf-8"
    )
    grade_class(root, out, jobs=2, settings=settings(budget=2.0))
    got = rows(out)
    assert float(got["honest"]["score"]) == float(got["honest"]["max_score"]) > 0
    assert float(got["looping"]["activations.relu"]) == 0
    said = (out / "students" / "looping.json").read_text(encoding="utf-8")
    assert "time budget (2 s)" in said


# ----------------------------------------------------------------------------- the shared sandbox
def test_students_graded_at_once_in_one_sandbox_get_their_own_results(tmp_path: Path) -> None:
    """Two submissions with the same items, submitted together to one sandbox and oracle,
    each get what they get alone; nothing of a finished submission stays in the session."""
    from graders import oracle
    from graders.sandbox import Sandbox

    items = [registry.BY_NAME[n] for n in ITEMS]
    ref, tmpl = _copy(REFERENCE, tmp_path / "r"), _copy(TEMPLATE, tmp_path / "t")
    alone = {p: engine.grade(p, items).score for p in (ref, tmpl)}
    got: dict[Path, float] = {}
    with Sandbox(parallel=2) as box, oracle.Oracle("cpu") as truth:

        def one(p: Path) -> None:
            for _ in range(2):
                got[p] = engine.grade(p, items, sandbox=box, truth=truth).score

        threads = [threading.Thread(target=one, args=(p,)) for p in (ref, tmpl, ref, tmpl)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert got == alone
        left = [p.name for p in box.session.iterdir() if p.name.startswith(("job", "submission"))]
        assert not left, left


def test_each_submission_has_its_own_byte_allowance(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bytes a submission's cases may return are counted per submission: a session that
    grades several (a class) gives each its own allowance."""
    from graders import sandbox
    from graders.sandbox import Sandbox

    items = registry.select(["initializers.normal_"])
    used: list[int] = []
    real = Sandbox.submit

    def submit(self: Sandbox, jobs: list[sandbox.Job], **kw: object) -> object:
        futures = real(self, jobs, **kw)  # type: ignore[arg-type]
        for f in futures.values():
            f.result()
        used.append(sandbox.MAX_SUBMISSION_BYTES - jobs[0].allowance.left)
        return futures

    monkeypatch.setattr(Sandbox, "submit", submit)
    full = engine.grade(REFERENCE, items)
    assert full.score == full.max_score and used[0] > 0
    monkeypatch.setattr(sandbox, "MAX_SUBMISSION_BYTES", used[0] * 3 // 2)
    with Sandbox(parallel=1) as box:  # three submissions, each under its allowance
        assert [engine.grade(REFERENCE, items, sandbox=box).score for _ in range(3)] == [
            full.max_score
        ] * 3
    monkeypatch.setattr(sandbox, "MAX_SUBMISSION_BYTES", used[0] // 2)
    assert engine.grade(REFERENCE, items).score < full.max_score  # (the allowance holds)


def test_error_kinds() -> None:
    kind = record.error_kind
    assert kind("timeout", "timed out after 5 s (wall clock)") == "timeout"
    assert kind("error", "the module failed to import: ForbiddenImport: import of 'torch' is "
                "not allowed") == "forbidden import"  # fmt: skip
    assert kind("error", "the module failed to import: SyntaxError: '(' was never closed") == (
        "syntax error"
    )
    assert kind(
        "error", "the module failed to import: ModuleNotFoundError: No module named 'x'"
    ) == ("import error")
    assert kind("error", "the worker process was killed by SIGKILL while running this case") == (
        "crash"
    )
    assert kind("error", "ValueError: shapes (2,) and (3,) not aligned") == "raised ValueError"
    assert kind("error", "uses sigmoid, which is not implemented yet: ...") == record.WAITING
    assert kind("failed", "student vs torch at [3]: 0.25 vs 0.5") == "wrong result"
    assert kind("not implemented", "NotImplementedError: relu") == "not implemented"


def test_class_entries_and_ids(tmp_path: Path) -> None:
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice.zip").write_bytes(b"")
    (tmp_path / "bob.ipynb").write_text("{}")
    (tmp_path / "__MACOSX").mkdir()
    (tmp_path / ".git").mkdir()
    found, aside = class_entries(tmp_path)
    assert [(e.name, e.student) for e in found] == [
        ("alice", "alice"), ("alice.zip", "alice"), ("bob.ipynb", "bob"),
    ]  # fmt: skip
    assert aside == [".git", "__MACOSX"]
    assert isinstance(found[0], Entry)
