"""The output folder of a class run: the gradebook, written as students finish.

Layout::

    batch.json            how the class is graded (a resumed run must grade it the same way)
    scores.csv            the gradebook: a row per entry of the class folder
    students/NAME.json    the compact record of each entry (graders.batch.record)
    students/NAME.txt     the feedback the student reads (the text report, no colours)
    students/NAME.html    the same as a page (``--format html``)
    students/NAME.fingerprints.npz   the code's fingerprints (graders.batch.similarity)
    class-report.html     the class report, once every student is graded

An entry is known by its name as the run's files show it (``graders.batch.entries.shown``:
printable, one line, one name per entry): the ``submission`` cell of its row and the ``NAME`` of
its files.  A file name may have at most 255 bytes (the file system's limit, ``.fingerprints.npz``
included): a shown name whose UTF-8 is longer than :data:`STEM_MAX` bytes, or one that ends like
a shortened one, is cut to fit and ends in ``~`` and 16 hexadecimal digits of its SHA-256
(:func:`stem`), the same in every run, so ``--resume`` and ``--student`` find its files again;
temporary files have short names of their own.

``scores.csv`` has, per entry: the student's id, the entry's name, the status (graded, not
graded, grader error), the score and its maximum, the public and hidden parts, a column per module
and per item (its score; the maxima are in ``batch.json``), and the error.  Each row is appended
and flushed as its student finishes, after the student's files, so an interrupted run keeps
every finished student; a row cut short (the run was killed while writing it) is dropped when
the gradebook is opened again, and the last row of an entry wins (a regrade appends).  At the
end of a run the file is rewritten in the entries' order.  A text cell that a spreadsheet would
take for a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return: an
entry named ``=HYPERLINK(...)``) is written behind a quote, ``'``, as OWASP advises against CSV
injection; so is one that starts with a quote, and reading takes one off again.  No cell holds
a line break (the names are shown, the error cleaned to one line: ``graders.batch.record``), so
each row is one line, read back as written.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import os
import re
from pathlib import Path
from typing import IO, Any

from graders.batch import similarity
from graders.batch.entries import shown
from graders.batch.record import GRADER_ERROR, STATUSES
from graders.batch.task import Graded
from graders.output import OutputError
from graders.registry import Item

MANIFEST, SCORES, STUDENTS, REPORT = "batch.json", "scores.csv", "students", "class-report.html"
#: Manifest fields that must match for ``--resume`` (the class folder may have moved), and how
#: a refusal names a difference.
SAME_FOR_RESUME = {
    "items": "other items (--only)",
    "seed": "another public seed (--seed)",
    "hidden": "other hidden cases",
    "hidden_check": "another course secret or hidden seed",
    "device": "another device",
}


#: The gradebook's text columns (the others hold numbers), and what makes a cell a formula.
TEXT_COLUMNS = frozenset({"student", "submission", "status", "error"})
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")
#: The longest stem of a student's file name, in bytes (255, the file system's limit, less the
#: longest suffix), and how a shortened one ends.
STEM_MAX = 255 - len(".fingerprints.npz")
_SHORTENED = re.compile(r"~[0-9a-f]{16}\Z")


def _guarded(r: dict[str, str]) -> dict[str, str]:
    """``r`` as written: a text cell a spreadsheet would run (or one starting with ``'``) behind
    a quote."""
    return {
        k: "'" + v if k in TEXT_COLUMNS and v.startswith(FORMULA_START) else v for k, v in r.items()
    }


def _unguarded(r: dict[str, str]) -> dict[str, str]:
    """``r`` as it was before :func:`_guarded`."""
    return {k: v[1:] if k in TEXT_COLUMNS and v.startswith("'") else v for k, v in r.items()}


def columns(items: list[Item]) -> list[str]:
    """The gradebook's header."""
    modules = list(dict.fromkeys(i.module for i in items))
    totals = ["score", "max_score", "public_score", "public_max", "hidden_score", "hidden_max"]
    return ["student", "submission", "status", *totals, *modules, *(i.name for i in items), "error"]


def number(x: float | None) -> str:
    """A score as the gradebook writes it: at most 4 decimals, no trailing zeros."""
    return "" if x is None else f"{x:.4f}".rstrip("0").rstrip(".")


def row(rec: dict[str, Any], items: list[Item]) -> dict[str, str]:
    """An entry's row of the gradebook, from its record."""
    scores = {name: r["score"] for name, r in rec["items"].items()}
    hidden = rec["hidden"] or [None, None]
    out = {
        "student": rec["student"],
        "submission": rec["submission"],
        "status": rec["status"],
        "score": number(rec["score"]),
        "max_score": number(rec["max_score"]),
        "public_score": number(rec["public"][0]),
        "public_max": number(rec["public"][1]),
        "hidden_score": number(hidden[0]),
        "hidden_max": number(hidden[1]),
        "error": rec["error"],
    }
    modules: dict[str, float] = {}
    for item in items:
        modules[item.module] = modules.get(item.module, 0.0) + scores.get(item.name, 0.0)
        out[item.name] = number(scores.get(item.name, 0.0))
    return {**out, **{m: number(v) for m, v in modules.items()}}


def manifest(
    root: Path, items: list[Item], seed: int, hidden: str, hidden_source: str, device: str
) -> dict[str, Any]:
    """What ``batch.json`` says: ``hidden`` is 'per student' (a course secret), 'one seed' or
    'none'; ``hidden_source`` (the secret or the seed) is kept only as a hash, so a resumed
    run can check it is the same."""
    check = hashlib.sha256(f"dlgrade-batch:{hidden_source}".encode()).hexdigest()[:16]
    return {
        "class": str(root),
        "items": [i.name for i in items],
        "points": {i.name: i.points for i in items},
        "seed": seed,
        "hidden": hidden,
        "hidden_check": check if hidden != "none" else "",
        "device": device,
    }


def stem(key: str) -> str:
    """The name of an entry's files, less their suffix, for the entry shown as ``key``: ``key``
    itself, or, when its UTF-8 is longer than :data:`STEM_MAX` bytes or it ends like a shortened
    one, its first bytes and ``~`` and 16 hexadecimal digits of its SHA-256 (so two entries never
    share a file)."""
    data = key.encode("utf-8")
    if len(data) <= STEM_MAX and not _SHORTENED.search(key):
        return key
    digest = hashlib.sha256(data).hexdigest()[:16]
    return data[: STEM_MAX - 17].decode("utf-8", "ignore") + "~" + digest


def write_atomic(path: Path, text: str) -> None:
    """``text`` into ``path`` through a temporary file of a short name (a surrogate, which no
    text of the run should hold, written as its escape rather than stopping the class);
    OutputError, one line, when it cannot be written (a full disk, a read-only folder)."""
    tmp = path.with_name(f".{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8", errors="backslashreplace")
        tmp.replace(path)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


class Gradebook:
    """The output folder of a run (one writer: the process that collects the results)."""

    def __init__(self, directory: Path, items: list[Item], settings: dict[str, Any]) -> None:
        self.directory = directory
        self.items = items
        self.header = columns(items)
        self.students = directory / STUDENTS
        self.scores = directory / SCORES
        self._check_manifest(settings)
        self.students.mkdir(exist_ok=True)
        self.rows = self._read_rows()
        write_atomic(self.scores, self._csv(self.rows.values()))  # (rows cut short dropped)
        self._file: IO[str] | None = open(  # noqa: SIM115
            self.scores, "a", newline="", encoding="utf-8", errors="backslashreplace"
        )

    # -- reading --------------------------------------------------------------------------------
    def _check_manifest(self, settings: dict[str, Any]) -> None:
        path = self.directory / MANIFEST
        if path.exists():
            try:
                old = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                why = f"{path} cannot be read ({exc}): use a new --output-dir"
                raise OutputError(why) from None
            for key, what in SAME_FOR_RESUME.items():
                if old.get(key) != settings[key]:
                    raise OutputError(
                        f"{self.directory} was graded with {what} ({MANIFEST}): grade it the "
                        "same way, or use a new --output-dir"
                    )
        write_atomic(path, json.dumps(settings, indent=1) + "\n")

    def _read_rows(self) -> dict[str, dict[str, str]]:
        """The complete rows of an existing gradebook, by entry (its shown name, as written; the
        last row of each)."""
        try:
            text = self.scores.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise OutputError(
                f"{self.scores} cannot be read ({exc}): use a new --output-dir"
            ) from None
        if not text.endswith("\n"):  # the last row was cut short
            text = text[: text.rfind("\n") + 1]
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if reader.fieldnames is not None and list(reader.fieldnames) != self.header:
            raise OutputError(
                f"{self.scores} has other columns (other items?): grade with the same --only, "
                "or use a new --output-dir"
            )
        rows = {}
        for written in reader:
            if None in written or None in written.values():
                continue
            r = _unguarded(written)
            if r["status"] in STATUSES:
                rows[r["submission"]] = r
        return rows

    def finished(self) -> set[str]:
        """Entries (shown names) a resumed run need not grade again: a complete row that is not
        a grader error, and the student's record on disk."""
        return {
            key
            for key, r in self.rows.items()
            if r["status"] != GRADER_ERROR and self.file_of(key, "json").is_file()
        }

    def file_of(self, key: str, suffix: str) -> Path:
        """The entry's file (``key``: its shown name) of this suffix."""
        return self.students / f"{stem(key)}.{suffix}"

    def fingerprints(self, entries: list[str]) -> dict[str, similarity.Fingerprints]:
        """The fingerprints kept for these entries (shown names; those graded)."""
        found = {name: similarity.load(self.file_of(name, "fingerprints.npz")) for name in entries}
        return {name: fp for name, fp in found.items() if fp}

    def records(self, entries: list[str]) -> list[dict[str, Any]]:
        """The records of these entries (shown names) that have a row, in this order."""
        out = []
        for name in entries:
            if name in self.rows:
                with contextlib.suppress(OSError, ValueError):
                    out.append(json.loads(self.file_of(name, "json").read_text(encoding="utf-8")))
        return out

    # -- writing --------------------------------------------------------------------------------
    def _csv(self, rows: Any) -> str:
        buf = io.StringIO(newline="")
        writer = csv.DictWriter(buf, fieldnames=self.header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(map(_guarded, rows))
        return buf.getvalue()

    def add(self, graded: Graded) -> None:
        """A student's files, then its row, appended and flushed (OutputError, one line, when
        they cannot be written)."""
        key = shown(graded.entry.name)
        new = row(graded.record, self.items)
        assert self._file is not None
        try:
            write_atomic(self.file_of(key, "json"), json.dumps(graded.record, indent=1) + "\n")
            write_atomic(self.file_of(key, "txt"), graded.feedback)
            if graded.page:
                write_atomic(self.file_of(key, "html"), graded.page)
            if graded.fingerprints:
                similarity.save(self.file_of(key, "fingerprints.npz"), graded.fingerprints)
            writer = csv.DictWriter(self._file, fieldnames=self.header, lineterminator="\n")
            writer.writerow(_guarded(new))
            self._file.flush()
        except OSError as exc:
            raise OutputError(
                f"cannot write {exc.filename or self.scores}: {exc.strerror or exc}"
            ) from None
        self.rows[key] = new

    def finish(self, order: list[str]) -> None:
        """The gradebook rewritten in the class folder's order (shown names), one row per
        entry."""
        ranked = {name: k for k, name in enumerate(order)}
        rows = sorted(self.rows.values(), key=lambda r: ranked.get(r["submission"], len(ranked)))
        self.close()
        write_atomic(self.scores, self._csv(rows))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
