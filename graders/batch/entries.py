"""The class folder: every entry a row of the gradebook.

Each entry of the folder (a student's directory, ``.zip``, notebook or ``.py``, as
``graders.submission`` reads them) is one :class:`Entry`; an entry that is none of those is still
an entry, and its row says why it could not be graded.  Only names starting with a dot and
``__MACOSX`` (an archiver's leftovers) are set aside, and the run says which.

Convention: the student's id is the entry's name, less a file's suffix (``alice/`` and
``alice.zip`` are both ``alice``); it is what the per-student hidden seed is derived from
(``graders.seeds``), as :func:`shown` (``graders.text.printable``) shows it.

The name is the student's too (an LMS puts the upload's name into it): any bytes but ``/`` and
NUL.  Every file a run writes shows it as :func:`shown` gives it, printable and on one line, and
still one name per entry: the gradebook's key (``scores.csv``, the records, the students' files)
is the shown name, so a resumed run finds each entry again, exactly.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass
from pathlib import Path

from graders.batch import BatchError
from graders.text import printable as shown  # (the batch calls it the name as shown)

#: Entries that are never a student's: an archiver's folder (names starting with a dot, such as
#: ``.DS_Store``, are set aside too).
NOT_STUDENTS = frozenset({"__MACOSX"})


@dataclass(frozen=True)
class Entry:
    """One entry of the class folder."""

    #: The entry's name in the folder (``alice.zip``), exactly: unique (the gradebook's key is
    #: its :func:`shown` form).
    name: str
    #: Its path, as the grader opens it.
    path: Path
    #: The student's id (``alice``): the name, less a file's suffix.
    student: str


def student_id(path: Path) -> str:
    """``alice`` for ``alice/``, ``alice.zip``, ``alice.ipynb`` and ``alice.py``."""
    return path.name if path.is_dir() else path.stem or path.name


def class_entries(root: Path) -> tuple[list[Entry], list[str]]:
    """Every entry of ``root`` by name, and the names set aside (dot-names, ``__MACOSX``)."""
    entries, aside = [], []
    for path in sorted(root.iterdir(), key=lambda p: p.name):
        if path.name.startswith(".") or path.name in NOT_STUDENTS:
            aside.append(path.name)
        else:
            entries.append(Entry(path.name, path, student_id(path)))
    return entries, aside


def shared_ids(entries: list[Entry]) -> dict[str, list[str]]:
    """Student ids that more than one entry gives (``alice/`` and ``alice.zip``): they share a
    hidden seed, which the run reports."""
    by_id = collections.defaultdict(list)
    for entry in entries:
        by_id[entry.student].append(entry.name)
    return {sid: names for sid, names in by_id.items() if len(names) > 1}


def pick(entries: list[Entry], wanted: list[str]) -> list[Entry]:
    """The entries named in ``wanted`` (by entry name or student id, as they are or as
    :func:`shown` shows them); BatchError naming the first one that matches none."""
    chosen = []
    for name in wanted:
        found = [e for e in entries if name in (e.name, e.student, shown(e.name), shown(e.student))]
        if not found:
            raise BatchError(f"--student {name}: no such entry in the class folder")
        chosen += [e for e in found if e not in chosen]
    return chosen
