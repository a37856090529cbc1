"""The terminal report (rich): a table of items, then what to fix, then the total."""

from __future__ import annotations

import io
import os
import sys

from rich.console import Console
from rich.table import Table
from rich.text import Text

from graders.report.feedback import item_text
from graders.score import SLOW_FACTOR, ItemResult, SubmissionResult
from graders.text import clean, indented

STYLE = {"passed": "green", "partial": "yellow", "failed": "red", "not implemented": "dim"}


def use_color(terminal: bool) -> bool:
    """Colours only on a terminal, and never when ``NO_COLOR`` is set to anything but the
    empty string (https://no-color.org)."""
    return terminal and not os.environ.get("NO_COLOR")


def render(result: SubmissionResult, color: bool | None = None) -> str:
    """The report; ``color``: whether it goes to a terminal (default: whether standard output
    is one).  Without colours it holds no escape code at all (``NO_COLOR`` wins)."""
    from graders.report import summary_line

    buf = io.StringIO()
    tty = use_color(sys.stdout.isatty() if color is None else color)
    console = Console(
        file=buf,
        width=110,
        force_terminal=tty,
        color_system="auto" if tty else None,
        highlight=False,
        soft_wrap=True,
    )
    _header(console, result)
    _table(console, result)
    _todo(console, result)
    _speed(console, [i for i in result.items if {"measured", "failed"} & i.efficiency.keys()])
    if result.findings:
        console.print(Text("\nstatic scan:", style="bold"))
        for finding in result.findings:
            console.print("  " + clean(finding, one_line=True), markup=False)
    console.print(Text("\n" + summary_line(result), style="bold"))
    return buf.getvalue()


def _header(console: Console, result: SubmissionResult) -> None:
    """What was graded, against what, in which sandbox."""
    env = result.environment
    # (in a class, the submission's name is its student's: no escape sequence reaches a terminal)
    console.print(Text(f"Grading {clean(str(result.submission), one_line=True)}", style="bold"))
    console.print(
        f"oracle: torch {env.get('torch')} float64 on {env.get('device')}"
        + (f" ({env['gpu']}, CUDA {env.get('cuda')}, TF32 off)" if "gpu" in env else "")
        + f"; numpy {env.get('numpy')}; python {env.get('python')}"
    )
    console.print("sandbox:" if result.sandbox else "sandbox: none")
    for key, value in result.sandbox.items():
        shown = "; ".join(value) if isinstance(value, list) else str(value)
        console.print(f"  {key}: {shown}", markup=False)


def _table(console: Console, result: SubmissionResult) -> None:
    """One line per item: its score and status."""
    table = Table(show_edge=False, pad_edge=False, box=None)
    table.add_column("item")
    table.add_column("score", justify="right")
    table.add_column("status")
    for item in result.items:
        status = Text(item.status, style=STYLE.get(item.status, ""))
        table.add_row(item.name, f"{item.score:g}/{item.points:g}", status)
    console.print(table)


def _todo(console: Console, result: SubmissionResult) -> None:
    """What to fix: the feedback of every item that lost points, then the items not written
    yet and those waiting for them."""
    todo = [i for i in result.items if i.status not in ("passed",)]
    waiting = [i for i in todo if i.waiting_on]
    for item in [i for i in todo if i.status != "not implemented" and not i.waiting_on]:
        console.print(Text(f"\n{item.name}  ({item.score:g}/{item.points:g})", style="bold"))
        console.print(indented(item_text(item), "  "), markup=False)  # (no line at column 0)
    missing = [i.name for i in todo if i.status == "not implemented"]
    if missing:
        console.print(
            Text(f"\nnot implemented yet ({len(missing)}): ", style="bold")
            + Text(", ".join(missing), style="dim")
        )
    if waiting:
        blocked = ", ".join(f"{i.name} (uses {', '.join(i.waiting_on)})" for i in waiting)
        console.print(
            Text(f"\nwaiting for functions not implemented yet ({len(waiting)}): ", style="bold")
            + Text(blocked, style="dim")
        )


def _speed(console: Console, timed: list[ItemResult]) -> None:
    """The items timed (grade --efficiency): those whose timed call failed or answered wrong
    first, then the slowest against the reference."""
    from graders.efficiency import line

    if not timed:
        return
    slow = sorted(timed, key=lambda i: (i.speed_credit, -i.efficiency.get("slower", 0.0)))
    flagged = [i for i in slow if not i.speed_credit]
    items = f"{len(timed)} item{'s' if len(timed) != 1 else ''}"
    console.print(Text(f"\nspeed ({items} timed on a large input):", style="bold"))
    for item in flagged or slow[:3]:
        console.print(f"  {item.name}: " + line(item.efficiency).removeprefix("speed: "))
    if not flagged:
        console.print(f"  (no item is {SLOW_FACTOR:g} times slower than the reference or more)")
