"""Grading a class whose entries have hostile names (an LMS puts the student's upload name into
the entry's): any legal name is graded like any other, every file of the run shows it printable
and on one line, and ``--resume`` and ``--student`` find each entry again, exactly.

Each class is the reference under an honest name and under the hostile one, graded on one item:
both earn full marks."""

from __future__ import annotations

import csv
import hashlib
import json
import os
from pathlib import Path

import pytest

from graders import seeds
from graders.batch import gradebook, runner
from graders.batch.entries import shown
from graders.text import clean
from tests.graders_cli import run_graders
from tests.test_batch import REFERENCE, _copy, grade_class, graded_again, rows, settings

ONE = settings(items=("activations.relu",))
#: A name as long as a file name can be (235 bytes; its files' names fit in 255 bytes).
LONG = "s" * 228 + ".zipdir"
#: Longer than a student's file name may be (250 bytes: its files get a shortened name).
LONGER = "s" * 250
#: A name of 255 bytes in two-byte characters.
WIDE = "é" * 127 + "x"
#: A name that is not UTF-8 (what ``os.fsdecode`` gives for b'bad\xff\xfe').
BAD = os.fsdecode(b"bad\xff\xfe")
#: A bare carriage return, and a terminal's clear-screen sequence.
CR, ESC = "cr\rx", "esc\x1b[2Jx"


def _class(root: Path, *names: str) -> Path:
    for name in ("honest", *names):
        _copy(REFERENCE, root / name, ("activations",))
    return root


def _graded_again(monkeypatch: pytest.MonkeyPatch, root: Path, out: Path, **kw: object) -> list:
    """The entries a further run grades, on one item unless ``settings`` says otherwise."""
    return graded_again(monkeypatch, root, out, settings=kw.pop("settings", ONE), **kw)


def _full_marks(got: dict[str, dict[str, str]], names: list[str]) -> None:
    assert sorted(got) == sorted(names)
    for name, r in got.items():
        assert r["status"] == "graded" and float(r["score"]) == float(r["max_score"]) > 0, name


def _no_raw(out: Path, *chars: str) -> None:
    """No file the run wrote holds these characters, and each is UTF-8."""
    for path in [out / "scores.csv", out / "class-report.html", *(out / "students").iterdir()]:
        if path.suffix != ".npz":
            text = path.read_bytes().decode("utf-8")  # (UnicodeDecodeError: not UTF-8)
            assert not any(c in text for c in chars), path


def test_shown_names_are_printable_and_tell_every_name_apart() -> None:
    names = [
        "alice", "al ice", "é", BAD, CR, "cr\nx", "cr\\x0dx", "cr\\\\x0dx", ESC, "esc[2Jx",
        "tab\tx", "zero\u200bwidth", "rtl\u202eexe.py", "c1\x9b31m", "bad\\xff\\xfe",
    ]  # fmt: skip
    seen = [shown(n) for n in names]
    assert len(set(seen)) == len(names)
    for name, s in zip(names, seen, strict=True):
        assert clean(s, one_line=True) == s and s.isprintable(), (name, s)
    assert seen[:3] == ["alice", "al ice", "é"]  # (a plain name is shown as it is)
    assert seen[3:5] == ["bad\\xff\\xfe", "cr\\x0dx"]


def test_a_name_as_long_as_a_file_name_can_be(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Names of up to 255 bytes: each entry's files have names of at most 255 bytes (a longer
    one shortened, with a hash of the name), the same in a resumed run and for ``--student``;
    the gradebook keeps the real name.  ``LOOKALIKE`` is named like ``LONGER``'s shortened
    files: it has files of its own."""
    lookalike = "s" * 221 + "~" + hashlib.sha256(LONGER.encode()).hexdigest()[:16]
    names = [LONG, LONGER, WIDE, lookalike]
    root, out = _class(tmp_path / "class", *names), tmp_path / "out"
    grade_class(root, out, jobs=2, settings=ONE)
    _full_marks(rows(out), ["honest", *names])
    files = list((out / "students").iterdir())
    assert len(files) == 5 * 4 and all(len(os.fsencode(p.name)) <= 255 for p in files)
    for name in names:
        rec = json.loads((out / "students" / f"{gradebook.stem(name)}.json").read_text("utf-8"))
        assert rec["submission"] == name
    assert _graded_again(monkeypatch, root, out, resume=True) == []
    before = rows(out)
    assert _graded_again(monkeypatch, root, out, students=(LONGER,)) == [LONGER]
    assert rows(out) == before and len(list((out / "students").iterdir())) == 5 * 4


@pytest.mark.parametrize("html", [True, False])
def test_a_name_that_is_not_utf8(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, html: bool
) -> None:
    """Graded like any other; every file shows the undecodable bytes as ``\\xff``; a resumed
    run finds the entry again, and ``--student`` takes it by its name or as it is shown."""
    root, out = _class(tmp_path / "class", BAD), tmp_path / "out"
    one = settings(items=("activations.relu",), html=html)
    grade_class(root, out, jobs=2, settings=one)
    got = rows(out)
    _full_marks(got, ["honest", "bad\\xff\\xfe"])
    assert got["bad\\xff\\xfe"]["student"] == "bad\\xff\\xfe"
    _no_raw(out, "\ufffd", "\\udc")
    if html:
        assert "bad\\xff\\xfe" in (out / "students" / "bad\\xff\\xfe.html").read_text("utf-8")
    assert _graded_again(monkeypatch, root, out, resume=True, settings=one) == []
    for wanted in (BAD, "bad\\xff\\xfe"):
        assert _graded_again(monkeypatch, root, out, students=(wanted,), settings=one) == [BAD]
        assert rows(out) == got


def test_a_name_that_is_not_utf8_graded_alone_as_a_page(tmp_path: Path) -> None:
    """``graders grade PATH --format html``: the page shows the path, ``\\xff`` for the bytes."""
    sub = _copy(REFERENCE, tmp_path / BAD, ("activations",))
    page = tmp_path / "page.html"
    done = run_graders(
        "grade", str(sub), "--only", "activations.relu", "--format", "html", "--output", str(page)
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "bad\\xff\\xfe" in page.read_bytes().decode("utf-8")


def test_a_carriage_return_in_a_name_keeps_its_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row is one line of ``scores.csv``, read back as written: a resumed run grades
    nothing again, and regrading another student keeps it."""
    root, out = _class(tmp_path / "class", CR, "other"), tmp_path / "out"
    grade_class(root, out, jobs=2, settings=ONE)
    with open(out / "scores.csv", newline="", encoding="utf-8") as f:
        written = list(csv.reader(f))
    assert len(written) == 4 and all(len(r) == len(written[0]) for r in written)
    got = rows(out)
    _full_marks(got, ["honest", "cr\\x0dx", "other"])
    _no_raw(out, "\r")
    assert _graded_again(monkeypatch, root, out, resume=True) == []
    assert _graded_again(monkeypatch, root, out, students=("other",)) == ["other"]
    assert rows(out) == got
    assert _graded_again(monkeypatch, root, out, students=(CR,)) == [CR]
    assert rows(out) == got


def test_escape_sequences_in_a_name_reach_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The gradebook, the records, the pages and the class report (which names the two alike
    entries) show the name without its ESC; the entry is still itself for a resume."""
    title = "t\x1b]0;pwned\x07x"  # (a window title)
    root, out = _class(tmp_path / "class", ESC, title), tmp_path / "out"
    grade_class(root, out, jobs=2, settings=ONE)
    _full_marks(rows(out), ["honest", "esc\\x1b[2Jx", "t\\x1b]0;pwned\\x07x"])
    _no_raw(out, "\x1b", "\x07")
    assert "esc\\x1b[2Jx" in (out / "class-report.html").read_text("utf-8")
    assert _graded_again(monkeypatch, root, out, resume=True) == []
    assert _graded_again(monkeypatch, root, out, students=(ESC,)) == [ESC]


def test_hidden_seeds_for_any_name(tmp_path: Path) -> None:
    """With a course secret: a name that is not UTF-8 gets the seed of its id as the gradebook
    shows it (what ``graders seed ID`` prints for that id); an entry whose id is blank has no
    seed, and its row says so; the class is graded."""
    root, out = _class(tmp_path / "class", BAD, " "), tmp_path / "out"
    hidden = runner.Hidden("per student", secret="a course secret")
    grade_class(root, out, jobs=2, settings=ONE, hidden=hidden)
    got = rows(out)
    _full_marks({k: got[k] for k in ("honest", "bad\\xff\\xfe")}, ["honest", "bad\\xff\\xfe"])
    assert got[" "]["status"] == "not graded" and "student id is empty" in got[" "]["error"]
    assert all(got[k]["hidden_max"] not in ("", "0") for k in ("honest", "bad\\xff\\xfe"))
    assert hidden.seed_of(BAD) == seeds.student_seed("a course secret", "bad\\xff\\xfe")


@pytest.mark.parametrize("failing", ["class-report.html", "scores.csv"])
def test_a_full_disk_at_the_end_is_one_line_and_keeps_the_rows(
    failing: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The class report or the final rewrite of the gradebook cannot be written (a full disk):
    the run stops with one line (OutputError, exit 2 from the command line), and every row
    appended while grading is kept."""
    root = _class(tmp_path / "class")
    out = tmp_path / "out"
    real = Path.replace

    def replace(self: Path, target: str | os.PathLike[str]) -> Path:
        if Path(target).name == failing and (out / "students" / "honest.json").is_file():
            raise OSError(28, "No space left on device")
        return real(self, target)

    monkeypatch.setattr(Path, "replace", replace)
    with pytest.raises(gradebook.OutputError) as err:
        grade_class(root, out, jobs=1, settings=ONE)
    assert str(err.value) == f"cannot write {out / failing}: No space left on device"
    monkeypatch.undo()
    assert rows(out)["honest"]["status"] == "graded"
