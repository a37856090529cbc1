"""Running a class: map :func:`~graders.batch.task.grade_student` over the entries, here or on a
Dask cluster, and write each result as it completes.

:func:`run_class` is the whole run: the entries of the class folder, the ones a resumed run still
needs, the hidden seed of each student (derived here: the course secret never leaves this
process; from the student's id as the gradebook shows it, ``graders.batch.entries.shown``, so
``python -m graders seed ID`` gives it for the id in ``scores.csv``; an entry whose id gives no
seed, a blank one, is a row not graded, with why), then the results, in the order they
complete, into the gradebook and the progress display; at the end the class report.  An
interruption (Ctrl-C, SIGTERM) stops the work at once (the workbench is closed under it) and
keeps every row written so far.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from graders import seeds
from graders.batch import BatchError, classreport, entries, similarity
from graders.batch.entries import shown
from graders.batch.gradebook import REPORT, Gradebook, manifest, write_atomic
from graders.batch.progress import reporter
from graders.batch.record import NOT_GRADED
from graders.batch.task import (
    Graded,
    Settings,
    Task,
    close_workbench,
    failed,
    grade_student,
    ungraded,
)

Consume = Callable[[Graded], None]
#: Groups of alike entries whose matching regions the class report shows.
SHOWN_GROUPS = 10


@dataclass(frozen=True)
class Hidden:
    """Where each student's hidden seed comes from: 'per student' (a course secret),
    'one seed' (the same for all) or 'none' (public cases only)."""

    mode: str = "none"
    secret: str = ""
    seed: int | None = None

    def seed_of(self, student: str) -> int | None:
        """The seed of ``student`` (its id as the gradebook shows it; SeedError if blank)."""
        if self.mode == "per student":
            return seeds.student_seed(self.secret, shown(student))
        return self.seed

    @property
    def source(self) -> str:
        """What decides the seeds (kept in the manifest only as a hash)."""
        return self.secret if self.mode == "per student" else str(self.seed)


@dataclass(frozen=True)
class Run:
    """A class run, as the command line asks for it."""

    root: Path
    out: Path
    settings: Settings
    hidden: Hidden = Hidden()
    jobs: int = 1
    dask: str | None = None  # a scheduler's address
    resume: bool = False
    students: tuple[str, ...] = ()  # regrade only these (entry names or ids)


def run_local(tasks: list[Task], settings: Settings, jobs: int, consume: Consume) -> None:
    """Grade ``tasks`` here, ``jobs`` + 1 students at a time on threads sharing this process's
    warm workbench (its sandbox runs ``settings.parallel`` children at once: one student more
    than children keeps them busy while a student is planned, judged or rendered, and a student
    stuck in timeouts holds one thread, never the class); ``consume`` each result, in this
    thread, as it completes."""
    pool = ThreadPoolExecutor(max_workers=jobs + 1, thread_name_prefix="student")
    futures: dict[Future[Graded], Task] = {
        pool.submit(grade_student, task, settings): task for task in tasks
    }
    try:
        for future in as_completed(futures):
            try:
                graded = future.result()
            except Exception as exc:  # (grade_student returns its errors; this is a last resort)
                graded = failed(futures[future], settings, exc)
            consume(graded)
    finally:
        for future in futures:
            future.cancel()
        close_workbench()  # (what still runs fails at once, and its thread ends)
        pool.shutdown(wait=True)
        close_workbench()  # (one a student's thread started after the first close, if any)


def _todo(run: Run, book: Gradebook, chosen: list[entries.Entry]) -> list[entries.Entry]:
    if run.students or not run.resume:
        return chosen
    done = book.finished()
    return [e for e in chosen if shown(e.name) not in done]


def _notes(run: Run, aside: list[str], chosen: list[entries.Entry], todo: int) -> list[str]:
    notes = []
    if aside:
        notes.append(f"set aside (not students): {', '.join(aside)}")
    for sid, names in entries.shared_ids(chosen).items():
        notes.append(f"{' and '.join(names)} share the student id {sid!r} (and its hidden seed)")
    if len(chosen) > todo:
        notes.append(f"resuming: {len(chosen) - todo} of {len(chosen)} already graded")
    notes.append(f"hidden cases: {run.hidden.mode}")
    return notes


def run_class(run: Run) -> int:
    """Grade the class as ``run`` says; the number of entries graded in this run."""
    everyone, aside = entries.class_entries(run.root)
    if not everyone:
        raise BatchError(f"'{run.root}' holds no submissions")
    chosen = entries.pick(everyone, list(run.students)) if run.students else everyone
    items = run.settings.item_list()
    settings = manifest(
        run.root, items, run.settings.seed, run.hidden.mode, run.hidden.source,
        run.settings.device,
    )  # fmt: skip
    book = Gradebook(run.out, items, settings)
    todo = _todo(run, book, chosen)
    tasks, unseeded = [], []
    for e in todo:
        try:
            tasks.append(Task(e, run.hidden.seed_of(e.student)))
        except seeds.SeedError as exc:
            why = f"no hidden seed for this entry: {exc} (rename the entry)"
            unseeded.append(ungraded(e, run.settings, NOT_GRADED, why))
    t0 = time.monotonic()
    try:
        with reporter(len(chosen), len(chosen) - len(todo)) as progress:
            for note in _notes(run, aside, chosen, len(todo)):
                progress.note(note)

            def consume(graded: Graded) -> None:
                book.add(graded)
                progress.update(graded)

            for graded in unseeded:
                consume(graded)
            if run.dask:
                from graders.batch import cluster

                cluster.run_dask(tasks, run.settings, run.dask, consume)
            else:
                run_local(tasks, run.settings, run.jobs, consume)
    except BaseException:
        book.close()
        print(
            f"graders: the gradebook {book.scores} keeps {len(book.rows)} of {len(everyone)} "
            "entries; continue with --resume",
            file=sys.stderr,
        )
        raise
    book.finish([shown(e.name) for e in everyone])
    graded_in = time.monotonic() - t0
    _report(run, book, everyone)
    _summary(book, everyone, len(todo), graded_in, time.monotonic() - t0 - graded_in)
    return len(todo)


def _report(run: Run, book: Gradebook, everyone: list[entries.Entry]) -> None:
    """The class report over every entry graded so far (by shown name), with the similar
    pairs."""
    paths = {shown(e.name): e.path for e in everyone}
    names = [key for key in paths if key in book.rows]
    pairs = similarity.similar_pairs(book.fingerprints(names))
    similarity.shown(pairs, paths, run.settings.template, SHOWN_GROUPS)
    page = classreport.render(book.records(names), run.settings.item_list(), pairs, str(run.root))
    write_atomic(run.out / REPORT, page)


def _summary(
    book: Gradebook, everyone: list[entries.Entry], graded: int, seconds: float, report: float
) -> None:
    statuses = [r["status"] for r in book.rows.values()]
    failed_ = {s: statuses.count(s) for s in dict.fromkeys(statuses) if s != "graded"}
    rate = graded / seconds * 60 if seconds > 0 and graded else 0.0
    extra = "".join(f", {n} {s}" for s, n in failed_.items())
    print(
        f"{len(book.rows)} of {len(everyone)} entries in the gradebook{extra}; {graded} graded "
        f"now in {seconds:.0f} s ({rate:.0f} a minute)\n"
        f"gradebook: {book.scores}\n"
        f"class report: {book.directory / REPORT} (in {report:.0f} s)"
    )
