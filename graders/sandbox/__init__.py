"""Phase 2, sandbox: run a submission's functions in isolated child processes.

The grader's side of it is one class, :class:`Sandbox`: ``submit(jobs)`` returns a future per
graded item, which completes with the item's :class:`ItemRun` (what each case returned) as soon
as the children have run all of its cases.  Behind it, one warm *zygote* per session (the package
``box``: NumPy loaded, no student code, inside ``unshare`` where the platform allows it) forks a
child per job (a chunk of cases of one student module), which confines itself before any
student code runs (``box/confine.py``: its own mount and IPC namespaces and read-only view,
another uid, no capabilities, no_new_privs, a seccomp filter); what holds is measured once by a
probe child (``box/layers.py``) and is what :attr:`Sandbox.layers` reports.  After a crash or a
timeout the remaining cases run again in a fresh child, a few times per item at most, within the
submission's wall-clock budget (``submit(budget=...)``).  A thread of this process feeds
the zygote and reads its replies.  Data crosses in one format (``box/wire.py``): a job's cases as
JSON plus a bundle of their arrays, each case's outputs as a bundle that the zygote has taken out
of the child's reach before the child may go on, read back here strictly.
"""

from __future__ import annotations

import collections
import contextlib
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from graders import cpus, policy, scratch
from graders.sandbox import namespaces
from graders.sandbox.box import wire
from graders.sandbox.box.zygote import read_plain
from graders.text import clean

HERE = Path(__file__).resolve().parent
DEFAULT_LIMITS = {
    "as": 3 << 30,  # bytes of address space
    "cpu": 60,  # seconds of CPU per child
    "fsize": 64 << 20,  # largest file a child may write
    "nofile": 64,
    # No new thread or process at all: a child has no use for one, and each would get its own
    # address-space allowance.  The count is per user, so with several children running as
    # nobody every fork and thread start fails.
    "nproc": 1,
    "core": 0,
}
MAX_RESTARTS = 3
#: Wall-clock seconds one submission's children may take in all (``submit(budget=...)``).
DEFAULT_BUDGET = 120.0
BUDGET_SPENT = "not run: the submission used up its time budget"
SKIPPED = "not run: the first timed call was slow, one more is timed only"
MAX_OUTPUTS = 40  # arrays one case may return (an optimizer trajectory records a few dozen)
MAX_CASE_BYTES = 64 << 20  # bytes one case may return
#: Bytes the cases of one ``submit`` (one submission) may return in all (kept in memory until
#: judged); a session that grades a class gives each submission its own allowance.
MAX_SUBMISSION_BYTES = 512 << 20
TAIL_BYTES = 1500
#: Modules of ``graders`` the sandbox's code uses, copied beside ``box`` into each session.
SHARED = ("policy.py", "objectives.py")
#: ``python -I -S -c BOOT SESSION PACKAGES [MOUNT_PLAN]``: no ``site`` (no .pth, no editable
#: finder: only NumPy's directory on the path); ``box`` imported with its bytecode, then the
#: session dropped from the path.
BOOT = (
    "import os, sys; sys.path[:0] = sys.argv[1:3]; import box.zygote; del sys.path[0]; "
    "box.zygote.main(sys.argv[3] if len(sys.argv) > 3 else None); sys.stdout.flush(); os._exit(0)"
)


class SandboxError(RuntimeError):
    """The sandbox itself could not run (not the student's fault)."""


@dataclass
class CaseRun:
    """What came back from the child for one case: outputs, or why there are none."""

    ok: bool
    outputs: dict[str, np.ndarray] = field(default_factory=dict)
    error: str | None = None
    stdout: str = ""  # what the case printed (Python level), and its warnings
    stderr: str = ""
    forbidden: list[str] = field(default_factory=list)  # forbidden imports it attempted
    seconds: float | None = None  # a timed job's case: from its input given to its result


@dataclass
class ItemRun:
    """Everything the sandbox learnt running one item's cases."""

    cases: list[CaseRun]
    stdout_tail: str = ""  # the chunk's file-level output (os.write, C code)
    stderr_tail: str = ""
    restarts: int = 0
    elapsed: float = 0.0
    calibration: list[float] = field(default_factory=list)  # a timed job's (box/calibration.py)


@dataclass
class Allowance:
    """What is left of one submission's :data:`MAX_SUBMISSION_BYTES` (shared by its jobs)."""

    left: int = field(default_factory=lambda: MAX_SUBMISSION_BYTES)


@dataclass
class Job:
    """A chunk of cases of one student module, and where they stand."""

    key: str
    submission: Path  # the directory holding the student's modules
    module_name: str
    cases: list[dict[str, Any]]  # encoded (``wire.encode``), each with its item and driver
    arrays: dict[str, np.ndarray]
    owners: list[str]  # the item of each case
    case_timeout: float = 5.0
    #: Hidden cases: the job starts only when no job submitted with it that is not hidden is
    #: pending or running (their children never overlap: nothing of a hidden case's child can
    #: reach a public case's result).
    hidden: bool = False
    #: A timed job (the efficiency report's calls): each case's arrays apart, by index, given
    #: to the child one case at a time and timed by the zygote (box/zygote.py); ``slow``: the
    #: seconds of a first case after which one more case only is run.
    sealed: dict[int, dict[str, np.ndarray]] | None = None
    slow: float = math.inf
    calibration: list[float] = field(default_factory=list)
    results: dict[int, CaseRun] = field(default_factory=dict)
    crashes: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0
    workdir: Path | None = None
    stdout_tail: str = ""
    stderr_tail: str = ""
    deadline: float | None = None  # (time.monotonic) the submission's budget ends
    budget: float | None = None
    allowance: Allowance = field(default_factory=Allowance)
    uid: str = ""  # unique in the session (jobs of several submissions may run at once)
    futures: dict[str, Future[ItemRun]] = field(default_factory=dict)  # per item


def _secrets() -> dict[str, str]:
    """What no child may see, by role: the reference solution and the oracle's cache (created,
    0700, if absent: the probe tests what the grading will write to)."""
    from graders.oracle import CACHE_DIR

    with contextlib.suppress(OSError):
        CACHE_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
    return {"reference": str(namespaces.REPO / "reference"), "cache": str(CACHE_DIR)}


def _tail(path: Path) -> str:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return ""
    try:
        size = os.fstat(fd).st_size
        data = os.pread(fd, TAIL_BYTES, max(0, size - TAIL_BYTES))
    finally:
        os.close(fd)
    return clean(("..." if size > TAIL_BYTES else "") + data.decode("utf-8", "replace"))


def _attempts(text: str) -> list[str]:
    """The forbidden imports a result names (only names the policy knows: it is the child's
    word, so nothing else of it is kept)."""
    names = text.split(",")
    return [n for n in names if n in policy.SHORTCUTS or n == policy.GUARD_REMOVED][:20]


def _died(reply: dict[str, Any], when: str) -> str:
    code = reply.get("status")
    if isinstance(code, int) and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the worker process was killed by {name} {when}"
    return f"the worker process ended (exit status {code}) {when}"


def readable(*tops: Path) -> None:
    """Where the children run as another uid than the grader's (:func:`namespaces.
    children_apart`), each of ``tops`` and all it holds readable, its folders searchable, by
    every uid (and writable by the grader only): a child reads its job, its submission's copy
    and the sandbox's code whatever the grader's umask (027 or 077 on a hardened machine) or the
    modes of the checkout they were copied from.  Elsewhere (the children are the grader's own
    uid) the user's umask stands.  Links are left as they are (never followed)."""
    if not namespaces.children_apart():
        return
    for top in tops:
        paths = [top, *top.rglob("*")] if top.is_dir() and not top.is_symlink() else [top]
        for path in paths:  # (rglob does not enter linked folders)
            if not path.is_symlink():
                path.chmod(0o755 if path.is_dir() else 0o644)


class Sandbox:
    """A running zygote, and the jobs it works on."""

    def __init__(self, parallel: int | None = None, limits: dict[str, int] | None = None) -> None:
        self.parallel = parallel or min(4, cpus.usable())
        self.limits = {**DEFAULT_LIMITS, **(limits or {})}
        scratch.sweep()  # (what a killed grader left)
        self.session = scratch.make("grader-")
        self.secrets = _secrets()
        self._seq = 0
        self._copies: dict[Path, Path] = {}
        self._seq_copies = 0
        self._layers: dict[str, Any] | None = None
        self._facts: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._pending: collections.deque[tuple[Job, int]] = collections.deque()
        self._inflight: dict[str, tuple[Job, int]] = {}
        self._jobs: dict[str, Job] = {}  # submitted and not finished, by uid
        self._copy_lock = threading.Lock()
        self._ready_lock = threading.Lock()
        self._reader: threading.Thread | None = None
        self.proc = self._start()

    # -- life cycle ---------------------------------------------------------------------------
    def _start(self) -> subprocess.Popen[bytes]:
        self.session.chmod(0o755)
        shutil.copytree(HERE / "box", self.session / "box", ignore=shutil.ignore_patterns("*.pyc"))
        for name in SHARED:
            shutil.copy2(HERE.parent / name, self.session / name)
        (self.session / "box" / "__pycache__").mkdir(exist_ok=True)
        for pyc in (HERE / "box" / "__pycache__").glob(f"*.{sys.implementation.cache_tag}.pyc"):
            shutil.copy2(pyc, self.session / "box" / "__pycache__" / pyc.name)
        readable(self.session / "box", *(self.session / name for name in SHARED))
        prefix, ns = namespaces.namespace_prefix()
        threads = ("OMP", "OPENBLAS", "MKL", "NUMEXPR")
        env = {
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "HOME": str(self.session),
            "TMPDIR": str(self.session),
            **{f"{lib}_NUM_THREADS": "1" for lib in threads},
            "VECLIB_MAXIMUM_THREADS": "1",
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            "GRADER_NAMESPACES": ns or "none",
            "GRADER_PROBE_HIDDEN": json.dumps(list(self.secrets.values())),
            "GRADER_LIMITS": json.dumps(self.limits),
        }
        # The interpreter by its real directory (a venv reached through a link may be covered),
        # keeping its own name so Python still finds the venv's pyvenv.cfg.
        exe = str(Path(sys.executable).parent.resolve() / Path(sys.executable).name)
        packages = os.path.realpath(Path(np.__file__).parent.parent)
        cmd: list[str] = [exe, "-I", "-S", "-c", BOOT, str(self.session), packages]
        (self.session / "scratch").mkdir()  # children's out/ and scratch/ (a tmpfs if namespaced)
        readable(self.session / "scratch")
        if prefix:
            plan = self.session / "mounts.json"
            steps = namespaces.mount_plan(self.session)
            plan.write_text(json.dumps(steps), encoding="utf-8")
            cmd = [*prefix, *cmd, str(plan)]
        with open(self.session / "zygote.log", "wb") as log:
            return subprocess.Popen(
                cmd,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env=env,
                cwd=self.session,
                start_new_session=True,
                # The session's lock, held by the zygote too (its children close it before any
                # student code runs): a grader killed outright leaves a zygote that may still
                # start or end a child in the session; no sweep removes it until that is over.
                pass_fds=(scratch.lock_of(self.session),),
            )

    def _ready(self) -> dict[str, Any]:
        """The zygote's first line (the layers it has in force), read once (by one thread:
        the next lines are replies, the dispatcher's)."""
        with self._ready_lock:
            if self._layers is None:
                assert self.proc.stdout is not None
                line = self.proc.stdout.readline()
                if not line:
                    raise SandboxError(f"the sandbox worker did not start: {self._log()}")
                hello = json.loads(line)
                self._layers, self._facts = hello["layers"], hello.get("facts", {})
            return self._layers

    @property
    def layers(self) -> dict[str, Any]:
        """The isolation layers the zygote reports as active."""
        return dict(self._ready())

    @property
    def facts(self) -> dict[str, Any]:
        """What the zygote's probe child measured (``box/layers.py``)."""
        self._ready()
        return dict(self._facts)

    @property
    def cache_safe(self) -> bool:
        """Whether the probe child could not see the oracle's cache (so using it leaks
        nothing)."""
        self._ready()
        return self._facts.get("hidden", {}).get(self.secrets["cache"]) is True

    def _log(self) -> str:
        try:
            lines = (self.session / "zygote.log").read_text(errors="replace").strip().splitlines()
        except OSError:
            lines = []
        return lines[-1][:300] if lines else "no output"

    def close(self) -> None:
        """End the zygote (on end of input it kills whatever still runs; its process group is
        killed if it has not exited within 5 s) and remove the session."""
        proc = self.proc
        if proc.poll() is None:
            timer = threading.Timer(5.0, lambda: _killpg(proc.pid))
            timer.start()
            with contextlib.suppress(OSError):
                if proc.stdin:
                    proc.stdin.close()
            proc.wait()
            timer.cancel()
        _killpg(proc.pid)  # (anything the zygote left: nothing should be)
        if self._reader is not None and self._reader is not threading.current_thread():
            self._reader.join()
        self._fail(SandboxError("the sandbox was closed"))
        scratch.remove(self.session)

    def _fail(self, error: SandboxError) -> None:
        """Every item still waiting fails with ``error``."""
        for job in list(self._jobs.values()):
            for future in job.futures.values():
                if not future.done():
                    future.set_exception(error)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- jobs -----------------------------------------------------------------------------------
    def submit(
        self, jobs: list[Job], budget: float | None = DEFAULT_BUDGET
    ) -> dict[str, Future[ItemRun]]:
        """Start running ``jobs`` (one submission's: they share its byte allowance; in this
        order, ``parallel`` children at a time); a future per item, done when all its cases
        have run.  ``budget``: wall-clock seconds all of them may take (their children are
        killed when it is spent, and what is left is not run)."""
        self._ready()
        futures = {}
        allowance = Allowance()
        deadline = None if budget is None else time.monotonic() + budget
        with self._lock:
            for job in jobs:
                job.allowance = allowance
                job.deadline, job.budget = deadline, budget
                self._prepare(job)
                job.futures = {owner: Future() for owner in dict.fromkeys(job.owners)}
                futures.update(job.futures)
                self._jobs[job.uid] = job
                self._pending.append((job, 0))
            if self._reader is None:
                self._reader = threading.Thread(target=self._read, name="sandbox", daemon=True)
                self._reader.start()
            self._pump()
        return futures

    def _prepare(self, job: Job) -> None:
        self._seq += 1
        work = self.session / f"job{self._seq}"
        job.uid = work.name
        (work / "res").mkdir(parents=True)
        (work / "cases.json").write_text(json.dumps(job.cases), encoding="utf-8")
        (work / "inputs").write_bytes(wire.dumps(job.arrays))
        readable(work)
        job.workdir = work
        if job.sealed is not None:  # (the grader's only: 0700, never made readable)
            sealed = self._sealed(job)
            sealed.mkdir(parents=True, mode=0o700)
            for index, arrays in job.sealed.items():
                fd = os.open(sealed / str(index), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                with os.fdopen(fd, "wb") as f:
                    os.fchmod(f.fileno(), 0o644)  # (whatever the umask: the child reads it)
                    f.write(wire.dumps(arrays))

    def _sealed(self, job: Job) -> Path:
        """Where a timed job's inputs wait, out of every child's sight, until the zygote
        gives each to the child."""
        return self.session / "sealed" / job.uid

    def copy_of(self, directory: Path) -> Path:
        """The session's copy of a submission directory (made on first use): the grader's own,
        bounded and link-free tree (``submission.prepare``), which the child may read but not
        write."""
        with self._copy_lock:
            if directory not in self._copies:
                self._seq_copies += 1
                copy = self.session / f"submission{self._seq_copies}"
                shutil.copytree(directory, copy, symlinks=True)
                readable(copy)
                self._copies[directory] = copy
            return self._copies[directory]

    def release(self, directory: Path) -> None:
        """Remove the session's copy of a submission whose runs are over (a session that
        grades a class keeps only the submissions in progress)."""
        with self._copy_lock:
            copy = self._copies.pop(directory, None)
        if copy is not None:
            shutil.rmtree(copy, ignore_errors=True)

    def _request(self, job: Job, start: int) -> dict[str, Any]:
        assert job.workdir is not None
        sub = self.copy_of(job.submission)
        remaining = len(job.cases) - start
        return {
            "id": job.uid,
            "job": str(job.workdir),
            "workdir": str(job.workdir),
            "submission": str(sub),
            "module": str(sub / f"{job.module_name}.py"),
            "module_name": job.module_name,
            "start": start,
            "indices": [c["index"] for c in job.cases[start:]],
            "case_timeout": job.case_timeout,
            "item_timeout": min(
                job.case_timeout * max(1, remaining) + 5.0,
                max(0.0, (job.deadline or math.inf) - time.monotonic()),
            ),
            "limits": self.limits,
            "box": str(self.session / "scratch"),
            "max_case_bytes": MAX_CASE_BYTES + wire.MAX_HEADER,
            "max_bytes": max(0, job.allowance.left),
            "timed": None
            if job.sealed is None
            else {"sealed": str(self._sealed(job)), "slow": min(job.slow, 1e9)},
        }

    def _pump(self) -> None:
        """Start pending jobs while fewer than ``parallel`` children run (lock held)."""
        assert self.proc.stdin is not None
        while len(self._inflight) < self.parallel and (found := self._startable()):
            job, start = found
            if self._spent(job):
                self._give_up(job, start, self._spent(job))
                self._complete(job)
                continue
            self._inflight[job.uid] = (job, start)
            try:
                self.proc.stdin.write((json.dumps(self._request(job, start)) + "\n").encode())
                self.proc.stdin.flush()
            except OSError:
                raise SandboxError(f"the sandbox worker died: {self._log()}") from None

    def _startable(self) -> tuple[Job, int] | None:
        """The first pending job that may start, taken from the queue: a hidden job waits
        while a job submitted with it (the same allowance) that is not hidden is pending or
        running (lock held)."""
        waiting = [j for j, _ in self._pending] + [j for j, _ in self._inflight.values()]
        for k, (job, start) in enumerate(self._pending):
            if not job.hidden or not any(
                j.allowance is job.allowance and not j.hidden for j in waiting
            ):
                del self._pending[k]
                return job, start
        return None

    def _read(self) -> None:
        """The dispatcher thread: the zygote's replies, until it ends."""
        assert self.proc.stdout is not None
        try:
            for line in self.proc.stdout:
                reply = json.loads(line)
                with self._lock:
                    job, start = self._inflight.pop(reply["id"])
                    self._finished(job, start, reply)
                    self._pump()
        except (SandboxError, ValueError, KeyError, OSError) as exc:
            error = exc if isinstance(exc, SandboxError) else SandboxError(str(exc))
        else:
            error = SandboxError(f"the sandbox worker died: {self._log()}")
        with self._lock:
            self._fail(error)

    def _finished(self, job: Job, start: int, reply: dict[str, Any]) -> None:
        """A child has ended: take its results, rerun what is left (unless the submission's
        time budget is spent), complete finished items."""
        job.elapsed += float(reply.get("elapsed", 0.0))
        nxt = self._collect(job, reply, start)
        if nxt is not None and nxt < len(job.cases):
            spent = self._spent(job)
            if spent:
                self._give_up(job, nxt, spent)
            else:
                nxt = self._after_crash(job, nxt)
                if nxt < len(job.cases):
                    self._pending.appendleft((job, nxt))
        self._complete(job)

    def _complete(self, job: Job) -> None:
        """Set the result of every item of ``job`` whose cases all have one.  A job whose
        items all have one leaves the session first: whoever waits on its last future finds
        nothing of it there."""
        runs: dict[str, ItemRun] = {}
        for owner in dict.fromkeys(job.owners):
            positions = [i for i, o in enumerate(job.owners) if o == owner]
            if not job.futures[owner].done() and all(
                job.cases[i]["index"] in job.results for i in positions
            ):
                runs[owner] = ItemRun(
                    cases=[job.results[job.cases[i]["index"]] for i in positions],
                    stdout_tail=job.stdout_tail,
                    stderr_tail=job.stderr_tail,
                    restarts=job.crashes.get(owner, 0),
                    elapsed=job.elapsed * len(positions) / max(1, len(job.cases)),
                    calibration=job.calibration,
                )
        if all(f.done() or o in runs for o, f in job.futures.items()):
            self._jobs.pop(job.uid, None)
            if job.workdir is not None:
                shutil.rmtree(job.workdir, ignore_errors=True)
            if job.sealed is not None:
                shutil.rmtree(self._sealed(job), ignore_errors=True)
        for owner, run in runs.items():
            job.futures[owner].set_result(run)

    @staticmethod
    def _spent(job: Job) -> str:
        """Why nothing more of ``job`` runs when its submission's budget is spent, else ''."""
        if job.deadline is None or time.monotonic() < job.deadline:
            return ""
        return f"{BUDGET_SPENT} ({job.budget:g} s)"

    @staticmethod
    def _give_up(job: Job, start: int, why: str) -> None:
        for case in job.cases[start:]:
            job.results.setdefault(case["index"], CaseRun(ok=False, error=why))

    def _collect(self, job: Job, reply: dict[str, Any], first: int) -> int | None:
        """Read a finished child's results; the next case index to rerun from, if any."""
        assert job.workdir is not None
        job.stdout_tail = _tail(job.workdir / "stdout.txt") or job.stdout_tail
        job.stderr_tail = _tail(job.workdir / "stderr.txt") or job.stderr_tail
        if reply.get("import_error") or not reply.get("imported"):
            run = self._read_case(job, "import")
            if self._spent(job):
                why = f"stopped: the submission used up its time budget ({job.budget:g} s)"
            elif run.ok or run.error == "no result came back":
                why = _died(reply, "while importing the module")
            else:
                why = f"the module failed to import: {run.error}"
            for case in job.cases[first:]:
                job.results[case["index"]] = CaseRun(ok=False, error=why, forbidden=run.forbidden)
            return None
        done = set(reply.get("done", []))
        seconds = self._timed(job, reply)
        for position in range(first, len(job.cases)):
            k = job.cases[position]["index"]
            if k in job.results and k not in done:
                continue  # (skipped)
            if k not in done:
                break
            job.results[k] = self._read_case(job, str(k))
            job.results[k].seconds = seconds.get(k)
        else:
            return None
        job.results[k] = CaseRun(ok=False, error=self._unfinished(job, reply, k))
        return position + 1

    def _unfinished(self, job: Job, reply: dict[str, Any], k: int) -> str:
        """Why case ``k`` never finished: it timed out or took the child down."""
        if self._spent(job) and reply.get("timed_out") == k:
            return f"stopped: the submission used up its time budget ({job.budget:g} s)"
        if reply.get("timed_out") == k:
            return f"timed out after {job.case_timeout:g} s (wall clock)"
        if k in reply.get("started", []):
            return _died(reply, "while running this case")
        return _died(reply, "before this case started")

    @staticmethod
    def _timed(job: Job, reply: dict[str, Any]) -> dict[int, float]:
        """A timed job's record (the zygote's): its calibration and skipped cases kept; the
        seconds of each case that ran."""
        job.calibration += reply.get("calibration", [])
        for k in reply.get("skipped", []):
            job.results[k] = CaseRun(ok=False, error=SKIPPED)
        return {int(k): float(s) for k, s in reply.get("seconds", {}).items()}

    def _read_case(self, job: Job, key: str) -> CaseRun:
        """A case's result as the zygote recorded it, read strictly (``wire.load``)."""
        assert job.workdir is not None
        res = os.open(job.workdir / "res", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            data = read_plain(res, key, MAX_CASE_BYTES + wire.MAX_HEADER)
            limit = min(MAX_CASE_BYTES, max(0, job.allowance.left))
            outputs, meta = wire.load(data, MAX_OUTPUTS, limit)
        except FileNotFoundError:
            return CaseRun(ok=False, error="no result came back")
        except ValueError as exc:  # (WireError too)
            return CaseRun(ok=False, error=str(exc))
        finally:
            os.close(res)
        job.allowance.left -= sum(a.nbytes for a in outputs.values())
        error = meta.get("error")
        return CaseRun(
            ok=error is None,
            outputs=outputs if error is None else {},
            error=None if error is None else clean(error, one_line=True),
            stdout=clean(meta.get("stdout", "")),
            stderr=clean(meta.get("stderr", "")),
            forbidden=_attempts(meta.get("forbidden", "")),
        )

    @staticmethod
    def _after_crash(job: Job, nxt: int) -> int:
        """Count the crash of the case before ``nxt`` against its item; past MAX_RESTARTS for
        that item, or once the job has had the time of one full run (a child that games its
        progress cannot stretch it), the rest of the item is not run.  Returns where the next
        child starts."""
        owner = job.owners[nxt - 1]
        job.crashes[owner] = job.crashes.get(owner, 0) + 1
        spent = job.elapsed >= job.case_timeout * len(job.cases) + 5.0
        if job.crashes[owner] <= MAX_RESTARTS and not spent:
            return nxt
        why = (
            f"used up the item's time ({job.elapsed:.0f} s)"
            if spent
            else f"crashed or timed out {job.crashes[owner]} times on this item"
        )
        stop = len(job.cases) if spent else nxt
        while not spent and stop < len(job.cases) and job.owners[stop] == owner:
            stop += 1
        for case in job.cases[nxt:stop]:
            job.results[case["index"]] = CaseRun(ok=False, error=f"not run: the worker {why}")
        return stop


def _killpg(pid: int) -> None:
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)
