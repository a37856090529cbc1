"""A student's result as compact data: what the gradebook, the class report and a regrade need.

The full report (``report/gradescope.py``) keeps every case's inputs and feedback: 450-600 kB a
student.  A record keeps, per item, the score, its public and hidden parts and the failing cases
(name, category, status, the kind of error and the first line of the message); an item not
implemented is one flag, not a list of cases.  About 5-30 kB a student.

The entry's name and the student's id are the student's own: the record holds them as the run's
files show them (``graders.batch.entries.shown``: printable, one name per entry), and the error
cleaned to one line (``graders.text.clean``), so the gradebook and the class report, which are
made from records, never write a student's escape sequence, line break or undecodable byte.
"""

from __future__ import annotations

import re
from typing import Any

from graders.batch.entries import shown
from graders.score import CaseResult, ItemResult, SubmissionResult
from graders.text import clean

#: The statuses of a row: graded; not graded (the entry is no submission it can read: the
#: student's mistake, with why); grader error (the grader failed: ours, graded again by --resume).
GRADED, NOT_GRADED, GRADER_ERROR = "graded", "not graded", "grader error"
STATUSES = (GRADED, NOT_GRADED, GRADER_ERROR)
#: The kinds of failure that are the module's or another function's, not the case's own.
WAITING = "uses a function not implemented"
NOT_THE_CASE = frozenset(
    {"not implemented", WAITING, "syntax error", "import error", "forbidden import"}
)
#: Characters of a message kept in a record.
MESSAGE_CHARS = 200


#: Message prefixes, and the kind of failure each tells (the first that matches).
PREFIXES = (
    ("the module failed to import: ForbiddenImport", "forbidden import"),
    ("the module failed to import: SyntaxError", "syntax error"),
    ("the module failed to import: IndentationError", "syntax error"),
    ("the module failed to import: TabError", "syntax error"),
    ("the module failed to import: ", "import error"),
    ("the worker process", "crash"),
    ("not run: the worker", "crash"),
    ("not run:", "not run"),
    ("stopped:", "not run"),
)


def error_kind(status: str, message: str) -> str:
    """What went wrong in a failing case, in a few words (the class report counts these)."""
    if status in ("not implemented", "timeout"):
        return status
    found = next((kind for prefix, kind in PREFIXES if message.startswith(prefix)), None)
    if found is not None:
        return found
    if message.startswith("uses ") and "not implemented yet" in message:
        return WAITING
    if status == "error":
        raised = re.match(r"([A-Za-z_][\w.]*(?:Error|Exception|Warning))\b", message)
        return f"raised {raised.group(1)}" if raised else "raised an exception"
    return "wrong result"


def _first_line(text: str) -> str:
    line = text.strip().split("\n", 1)[0]
    return line if len(line) <= MESSAGE_CHARS else line[: MESSAGE_CHARS - 3] + "..."


def _case(case: CaseResult) -> dict[str, Any]:
    return {
        "case": case.name,
        "category": case.category,
        "hidden": case.hidden,
        "status": case.status,
        "kind": error_kind(case.status, case.message),
        "message": _first_line(case.message),
    }


def _item(item: ItemResult, hidden_run: bool) -> dict[str, Any]:
    public = item.part(False)
    out: dict[str, Any] = {
        "score": item.score,
        "points": item.points,
        "status": item.status,
        "public": list(public),
        "hidden": list(item.part(True)) if hidden_run else None,
        "cases": len(item.cases),
        "passed": sum(c.passed for c in item.cases),
    }
    if item.note:
        out["note"] = _first_line(item.note)
    if item.public_only:  # (every public case passed and no hidden one: ItemResult.public_only)
        out["public_only"] = True
    if item.status != "not implemented":
        out["failed"] = [_case(c) for c in item.failures]
    return out


def record(
    result: SubmissionResult, entry: str, student: str, status: str, error: str = ""
) -> dict[str, Any]:
    """The compact record of one entry (``status`` one of :data:`STATUSES`); ``entry`` and
    ``student`` are given exactly, and kept shown (see the module's doc)."""
    hidden_run = result.hidden_seed_given
    items = {i.name: _item(i, hidden_run) for i in result.items}
    public = [sum(i["public"][k] for i in items.values()) for k in (0, 1)]
    hidden = [sum(i["hidden"][k] for i in items.values()) for k in (0, 1)] if hidden_run else None
    return {
        "submission": shown(entry),
        "student": shown(student),
        "status": status,
        "error": clean(error, one_line=True),
        "score": result.score,
        "max_score": result.max_score,
        "public": [round(x, 4) for x in public],
        "hidden": [round(x, 4) for x in hidden] if hidden is not None else None,
        "hidden_not_run": result.hidden_not_run,
        "seed": result.seed,
        "items": items,
        "notes": result.notes,
        "findings": result.findings,
        "execution_time": result.execution_time,
    }
