"""What a class run shows while it goes: a progress bar on a terminal, plain lines otherwise.

On a terminal (standard error): a rich progress bar with students done of the total, the rate
(students a minute), the time left, and the failures so far (entries not graded, grader
errors), each also printed above the bar as it happens.  Elsewhere (a log, CI): one line per
student on standard output, as it finishes.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from graders.batch.record import GRADED
from graders.batch.task import Graded
from graders.text import clean


def line(graded: Graded) -> str:
    """One student's outcome in a line: 'alice: 180/206 (hidden 40/52) in 4.1 s'.  Entry names
    and errors are the students' (a file in a drop-box folder is named by its student): escape
    sequences and control characters are taken out (``graders.text.clean``), so none reaches
    the instructor's terminal (a window title, a clipboard write) and a line stays one line."""
    rec = graded.record
    if graded.status != GRADED:
        error = rec["error"]
        said = error if error.startswith(graded.status) else f"{graded.status}: {error}"
        return clean(f"{graded.entry.name}: {said}", one_line=True)
    text = f"{graded.entry.name}: {rec['score']:g}/{rec['max_score']:g}"
    if rec["hidden"] is not None:
        text += f" (hidden {rec['hidden'][0]:g}/{rec['hidden'][1]:g})"
    return clean(f"{text} in {graded.elapsed:.1f} s", one_line=True)


class RateColumn(ProgressColumn):
    """Students a minute, over the recent ones."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed * 60:.0f}/min" if task.speed else "-/min", style="cyan")


class Lines:
    """One plain line per student (standard output)."""

    def __init__(self, total: int, done: int = 0) -> None:
        self.total, self.done = total, done
        self.width = len(str(total))

    def __enter__(self) -> Lines:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def update(self, graded: Graded) -> None:
        self.done += 1
        print(f"[{self.done:{self.width}d}/{self.total}] {line(graded)}", flush=True)

    def note(self, text: str) -> None:
        print(clean(text), flush=True)


class Bar:
    """A rich progress bar on standard error; failures printed above it."""

    def __init__(self, total: int, done: int = 0, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.failures: list[str] = []
        self.progress = Progress(
            TextColumn("[bold]grading"),
            BarColumn(),
            MofNCompleteColumn(),
            RateColumn(),
            TextColumn("eta"),
            TimeRemainingColumn(),
            TextColumn("{task.fields[failures]}", style="red", markup=False),  # (names)
            console=self.console,
            speed_estimate_period=300,
        )
        self.task = self.progress.add_task("grading", total=total, completed=done, failures="")
        self.started = time.monotonic()

    def __enter__(self) -> Bar:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def update(self, graded: Graded) -> None:
        fields: dict[str, Any] = {}
        if graded.status != GRADED:
            self.failures.append(clean(graded.entry.name, one_line=True))
            self.progress.console.print(Text(line(graded), style="red"))
            shown = ", ".join(self.failures[-3:])
            fields["failures"] = f"{len(self.failures)} failed ({shown})"
        self.progress.update(self.task, advance=1, **fields)

    def note(self, text: str) -> None:
        self.progress.console.print(Text(clean(text)))


def reporter(total: int, done: int = 0, terminal: bool | None = None) -> Lines | Bar:
    """A bar when standard error is a terminal (``terminal`` forces either), else lines."""
    tty = sys.stderr.isatty() if terminal is None else terminal
    return Bar(total, done) if tty else Lines(total, done)
