"""What a class run shows: a line per student in a log, a progress bar with the failures on a
terminal."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from graders.batch import progress
from graders.batch.entries import Entry
from graders.batch.task import Graded


def _graded(name: str, status: str, score: float, hidden: list[float] | None = None) -> Graded:
    rec = {"score": score, "max_score": 10, "hidden": hidden, "error": "" if status == "graded"
           else "submission 'x.pdf' is not a submission"}  # fmt: skip
    return Graded(Entry(name, Path(name), name), status, rec, "", "", 1.25)


def test_plain_lines(capsys: pytest.CaptureFixture[str]) -> None:
    shown = progress.reporter(12, done=2, terminal=False)
    assert isinstance(shown, progress.Lines)
    with shown:
        shown.update(_graded("alice", "graded", 7.5, [2, 4]))
        shown.update(_graded("x.pdf", "not graded", 0))
    assert capsys.readouterr().out.splitlines() == [
        "[ 3/12] alice: 7.5/10 (hidden 2/4) in 1.2 s",
        "[ 4/12] x.pdf: not graded: submission 'x.pdf' is not a submission",
    ]


def test_the_bar_counts_and_names_the_failures() -> None:
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=140, color_system=None)
    bar = progress.Bar(3, console=console)
    with bar:
        bar.update(_graded("alice", "graded", 10))
        bar.update(_graded("x.pdf", "not graded", 0))
    task = bar.progress.tasks[0]
    assert (task.completed, task.total) == (2, 3)
    assert task.fields["failures"] == "1 failed (x.pdf)"
    assert "x.pdf: not graded: submission 'x.pdf' is not a submission" in buf.getvalue()


#: A student's entry name: a window title, a colour, a clear screen, a new line, rich markup.
EVIL = "evil\x1b]0;pwned\x07\x1b[31mRED\x1b[2J\nline[/x]"


def test_a_students_name_reaches_the_log_without_escapes(
    capsys: pytest.CaptureFixture[str],
) -> None:
    shown = progress.reporter(2, terminal=False)
    with shown:
        shown.update(_graded(EVIL, "graded", 7.5))
        shown.note(f"set aside: {EVIL}")
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert out.splitlines()[0] == "[1/2] evilRED\\nline[/x]: 7.5/10 in 1.2 s"


def test_the_bar_shows_a_students_name_as_text() -> None:
    """Not as rich markup (a name's ``[blink]`` would style the bar; a closing ``[/x]``, which no
    file name can hold, would raise ``MarkupError``) and without escape sequences."""
    buf = io.StringIO()
    console = Console(file=buf, force_terminal=True, width=140, color_system=None)
    bar = progress.Bar(2, console=console)
    with bar:
        bar.note(f"set aside: {EVIL}")
        bar.update(_graded(EVIL, "not graded", 0))
    out = buf.getvalue()
    assert "[/x]" in out and "evilRED" in out
    assert "\x1b[31m" not in out and "\x1b[2J" not in out and "\x07" not in out
