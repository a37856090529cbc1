"""The unit of work: grade one student (paths in, a result out).

:func:`grade_student` is the one function a local pool and a Dask cluster both map over a class.
It grades one entry with the engine, in this process's *workbench*: a warm sandbox (its zygote
forks a child per chunk of cases; never a new Python per student) and a warm oracle (torch
imported once, the cache read from ``GRADER_CACHE_DIR``), created on first use and shared by the
threads of the process (both are thread-safe).  It returns a :class:`Graded`: the compact record
(:mod:`graders.batch.record`), the text feedback and the HTML page, all plain data, so a Dask
worker can send it back.  A student whose grading fails for a reason of the grader's own is a
``grader error`` result, never an exception: the class goes on.
"""

from __future__ import annotations

import atexit
import multiprocessing
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from graders import engine, oracle, registry
from graders.batch.entries import Entry
from graders.batch.record import GRADED, GRADER_ERROR, NOT_GRADED, record
from graders.registry import Item
from graders.sandbox import DEFAULT_BUDGET, Sandbox
from graders.score import SubmissionResult


@dataclass(frozen=True)
class Settings:
    """How every student of a run is graded (the same on every worker)."""

    items: tuple[str, ...]  # item names, in the registry's order
    seed: int = engine.PUBLIC_SEED
    device: str = "cpu"
    use_cache: bool = True
    #: Sandbox children running at once in each grading process (None: min(4, its cores)).
    parallel: int | None = None
    #: Whether each student gets the HTML page too.
    html: bool = True
    #: The student template (its code is boilerplate for the similarity); None: none.
    template: str | None = None
    #: Wall-clock seconds one student's code may take in all (None: no limit).
    budget: float | None = DEFAULT_BUDGET
    #: Time each plain-call item against the reference, scored with ``efficiency_weight``.
    efficiency: bool = False
    efficiency_weight: float = 0.0

    def item_list(self) -> list[Item]:
        return [registry.BY_NAME[name] for name in self.items]


@dataclass(frozen=True)
class Task:
    """One student to grade: the entry, and its hidden seed (None: public cases only).  The
    seed, not the course secret, travels to the workers."""

    entry: Entry
    hidden_seed: int | None = None


@dataclass
class Graded:
    """What grading one student gives back."""

    entry: Entry
    status: str  # graded | not graded | grader error (graders.batch.record.STATUSES)
    record: dict[str, Any]
    feedback: str  # the text report, without colours
    page: str  # the HTML page ("" when the settings ask for none)
    elapsed: float  # wall-clock seconds
    #: The code's fingerprints, per module (graders.batch.similarity); {} if not graded.
    fingerprints: dict[str, np.ndarray] = field(default_factory=dict)


# ----------------------------------------------------------------------------- the workbench
class Workbench:
    """A warm sandbox and oracle for one process, shared by its threads, and a process that
    computes the code's fingerprints (pygments' tokenising, pure Python: in this process it
    would hold the interpreter's lock that the students' threads need; in a Dask worker, a
    daemon that may not have children, they are computed in place)."""

    def __init__(self, settings: Settings) -> None:
        self.key = (settings.parallel, oracle.resolve_device(settings.device))
        self.sandbox = Sandbox(parallel=settings.parallel)
        self.oracle = oracle.Oracle(self.key[1])
        self.prints: ProcessPoolExecutor | None = None
        if not multiprocessing.current_process().daemon:
            spawn = multiprocessing.get_context("spawn")  # (this process has threads)
            self.prints = ProcessPoolExecutor(max_workers=1, mp_context=spawn)

    @property
    def alive(self) -> bool:
        return self.sandbox.proc.poll() is None

    def close(self) -> None:
        self.oracle.close()
        self.sandbox.close()
        if self.prints is not None:
            self.prints.shutdown(wait=True, cancel_futures=True)


_LOCK = threading.Lock()
_BENCH: Workbench | None = None


def workbench(settings: Settings) -> Workbench:
    """This process's workbench for ``settings`` (started on first use, and again if its
    sandbox has died or the settings need another)."""
    global _BENCH
    key = (settings.parallel, oracle.resolve_device(settings.device))
    with _LOCK:
        if _BENCH is not None and (_BENCH.key != key or not _BENCH.alive):
            _BENCH.close()
            _BENCH = None
        if _BENCH is None:
            _BENCH = Workbench(settings)
        return _BENCH


def close_workbench() -> None:
    """Stop this process's sandbox and oracle (work still running on them fails at once)."""
    global _BENCH
    with _LOCK:
        bench, _BENCH = _BENCH, None
    if bench is not None:
        bench.close()


atexit.register(close_workbench)


# ----------------------------------------------------------------------------- one student
def grade_student(task: Task, settings: Settings) -> Graded:
    """Grade one entry: a result for every entry, whatever happens to its grading."""
    t0 = time.perf_counter()
    result, status, error = _graded(task, settings)
    try:
        feedback = _feedback(result)
        page = _page(result) if settings.html else ""
    except Exception as exc:  # a renderer's bug: the scores stand, --resume renders again
        status, error = GRADER_ERROR, f"grader error: rendering: {type(exc).__name__}: {exc}"
        feedback, page = error + "\n", ""
    return Graded(
        entry=task.entry,
        status=status,
        record=record(result, task.entry.name, task.entry.student, status, error),
        feedback=feedback,
        page=page,
        elapsed=round(time.perf_counter() - t0, 3),
        fingerprints=_fingerprints(task, settings) if status == GRADED else {},
    )


def _graded(task: Task, settings: Settings) -> tuple[SubmissionResult, str, str]:
    """The engine's result, its status and the error ("" when graded)."""
    entry, items = task.entry, settings.item_list()
    try:
        bench = workbench(settings)
        result = engine.grade(
            entry.path,
            items,
            seed=settings.seed,
            hidden_seed=task.hidden_seed,
            device=settings.device,
            use_cache=settings.use_cache,
            sandbox=bench.sandbox,
            truth=bench.oracle,
            budget=settings.budget,
            efficiency=settings.efficiency,
            efficiency_weight=settings.efficiency_weight,
        )
        return result, *_item_errors(result)
    except engine.SubmissionError as exc:  # the student's: no submission to read
        status, error = NOT_GRADED, str(exc)
    except Exception as exc:  # the grader's own failure: this row says so, the class goes on
        status, error = GRADER_ERROR, grader_error(exc)
    result = engine.unusable(entry.path, items, error, settings.seed)
    result.hidden_seed_given = task.hidden_seed is not None
    return result, status, error


def _item_errors(result: SubmissionResult) -> tuple[str, str]:
    """(status, error) of a grading that finished: a grader error when the grader failed on
    some item (an oracle's or a check's error: the item has no verdict, so the row's score is
    not the student's, and --resume grades it again), else graded."""
    broken = result.grader_errors
    if not broken:
        return GRADED, ""
    first = broken[0]
    return GRADER_ERROR, f"grader error on {len(broken)} item(s), first {first.name}: " + (
        first.note.removeprefix("grader error: ")
    )


def grader_error(exc: BaseException) -> str:
    """'grader error: KeyError: 'x' (at engine.py:231)': what failed, and where."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return f"grader error: {type(exc).__name__}: {exc}{where}"


def failed(task: Task, settings: Settings, exc: BaseException) -> Graded:
    """The result of a student whose task itself failed (its worker lost, say)."""
    return ungraded(task.entry, settings, GRADER_ERROR, grader_error(exc))


def ungraded(entry: Entry, settings: Settings, status: str, error: str) -> Graded:
    """The result of an entry that was not graded at all: its ``status``, and why."""
    result = engine.unusable(entry.path, settings.item_list(), error, settings.seed)
    rec = record(result, entry.name, entry.student, status, error)
    return Graded(entry, status, rec, error + "\n", "", 0.0)


def _fingerprints(task: Task, settings: Settings) -> dict[str, np.ndarray]:
    """The code's fingerprints for the similarity, from the workbench's process where it has
    one ({} if they cannot be had: it only flags)."""
    from graders.batch import similarity

    prints = workbench(settings).prints
    try:
        if prints is None:
            return similarity.fingerprints(task.entry.path, settings.template)
        return prints.submit(similarity.fingerprints, task.entry.path, settings.template).result()
    except Exception:
        return {}


def _feedback(result: SubmissionResult) -> str:
    from graders.report import text

    return text.render(result, color=False)


def _page(result: SubmissionResult) -> str:
    from graders.report import renderer

    return renderer("html")(result)
