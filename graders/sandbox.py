"""Phase 2, sandbox: run a submission's functions in isolated child processes.

One warm *zygote* (``worker.py``: Python ``-I -S``, NumPy loaded, no student code) is started
per grading session, inside ``unshare`` (no network, own pid/mount/ipc namespaces, the
forbidden packages and the grader's own files hidden under empty mounts; the zygote applies
:func:`mount_plan` itself) where the platform allows.  It forks one child per job (a chunk of
items of one module), which runs the job's cases; after a crash or a timeout the remaining
cases are rerun in a fresh child.  Inputs go in as ``.npy`` bytes (one ``arrays.bin`` per job);
each case's outputs come back as ``.npy`` bytes in the job's ``results.bin``, which this module
opens without following links and parses strictly (header against size, no pickles).  The
child never sees an expected value.

Inside the namespaces the child also finds the whole repository hidden (only the virtualenv is
put back), a fresh, small ``/tmp``, ``/var/tmp``, ``/dev/shm`` and ``/run/lock`` (nothing it
leaves there outlives the session, and it cannot see other sessions), and its writable
directories on a size-capped tmpfs of the session.  The zygote records each finished case's
results out of the child's reach before the child may go on (see ``worker.py``), so later
student code cannot rewrite them.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import queue
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np

from graders.worker import META_BYTES, npy_bytes, parse_npy, read_plain

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
NOBODY = 65534
#: Packages a submission must not reach; hidden from the child where namespaces allow.
HIDDEN_PACKAGES = ("torch", "scipy", "jax", "jaxlib", "tensorflow", "sklearn", "sympy", "functorch")
MAX_OUTPUT_BYTES = 64 << 20
TAIL_BYTES = 1500
DEFAULT_LIMITS = {
    "as": 3 << 30,  # bytes of address space
    "cpu": 60,  # seconds of CPU per child
    "fsize": 64 << 20,  # largest file a child may write
    "nofile": 64,
    # No new thread or process at all: a child has no use for one, and each would get its own
    # address-space allowance (a fork bomb could otherwise take 64 x 3 GiB).  The count is per
    # user, so with several children running as nobody every fork and thread start fails.
    "nproc": 1,
    "core": 0,
}
MAX_RESTARTS = 3
MAX_OUTPUTS = 32
#: Output bytes one case may return (all its .npy files together); the grader keeps every
#: accepted output in memory until judging, so a session as a whole gets MAX_SESSION_OUTPUT_BYTES.
MAX_CASE_BYTES = MAX_OUTPUT_BYTES
MAX_SESSION_OUTPUT_BYTES = 512 << 20
#: World-writable places that get a fresh, private, small tmpfs inside the namespace.
SCRATCH_DIRS = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")
SCRATCH_SIZE = "16m"
#: Top-level directories a child keeps seeing (the system's programs and libraries); every
#: other one (/work, /home, /root, /opt, /srv, ...) is covered, so no other checkout of the
#: course -- an instructor's reference, a classmate's submission -- is within reach.
SYSTEM_DIRS = frozenset(
    {
        "bin",
        "dev",
        "etc",
        "lib",
        "lib32",
        "lib64",
        "libx32",
        "proc",
        "run",
        "sbin",
        "sys",
        "usr",
        "var",
        "tmp",
    }
)
#: Size of the session's tmpfs holding the children's out/ and scratch/ directories (memory).
BOX_SIZE = "512m"


def _scratch_root() -> str | None:
    """Memory-backed /dev/shm when usable (thousands of small files), else the default tmp."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK):
        return str(shm)
    return None


#: The zygote's command line (``python -I -S -c BOOT SESSION PACKAGES [MOUNT_PLAN]``): no
#: ``site`` (no .pth files, no editable-install finder: only NumPy's directory, PACKAGES, on
#: the path); the worker imported as a module, so its compiled bytecode is used, then its
#: directory dropped from the path.
BOOT = (
    "import os, sys; sys.path[:0] = sys.argv[1:3]; import worker; del sys.path[0]; "
    "worker.main(sys.argv[3] if len(sys.argv) > 3 else None); sys.stdout.flush(); os._exit(0)"
)


class SandboxError(RuntimeError):
    """The sandbox itself could not run (not the student's fault)."""


@dataclass
class CaseRun:
    """What came back from the child for one case."""

    ok: bool
    outputs: dict[str, np.ndarray] = field(default_factory=dict)
    error: str | None = None  # the student's exception, or why nothing came back


@dataclass
class ItemRun:
    """Everything the sandbox learnt running one item's cases."""

    cases: list[CaseRun]
    stdout_tail: str = ""
    stderr_tail: str = ""
    restarts: int = 0
    elapsed: float = 0.0


@dataclass
class Job:
    """An item's work for the sandbox: the encoded cases and where they run."""

    key: str
    module_path: Path
    module_name: str
    function: str
    driver: str
    cases: list[dict[str, Any]]
    arrays: dict[str, np.ndarray]
    case_timeout: float = 5.0
    results: dict[int, CaseRun] = field(default_factory=dict)
    restarts: int = 0
    elapsed: float = 0.0
    workdir: Path | None = None
    module_copy: Path | None = None
    #: The item each case belongs to (a job may run several items of one module), and the
    #: crashes or timeouts counted against each item.
    owners: list[str] = field(default_factory=list)
    crashes: dict[str, int] = field(default_factory=dict)
    stdout_tail: str = ""
    stderr_tail: str = ""


def _within(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def _hidden_paths(repo_covered: bool = False) -> list[str]:
    """The forbidden packages' directories, and the grader's own unless the repo is covered."""
    paths = []
    for name in HIDDEN_PACKAGES:
        try:
            spec = find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is not None and spec.origin:
            paths.append(os.path.realpath(Path(spec.origin).parent))
    if not repo_covered:
        for name in ("reference", "graders", "tools", "tests", ".grader-cache", "student_template"):
            if (REPO / name).is_dir():
                paths.append(str(REPO / name))
    return paths


def mount_plan(session: Path) -> list[list[Any]]:
    """What the zygote mounts, as (namespace) root in its new mount namespace, before anything
    else (``worker.apply_mounts``; a list of JSON-able steps):

    * every place in SCRATCH_DIRS gets a fresh, small tmpfs: what a child writes there dies with
      the namespace, and other sessions (their submissions, their outputs) are out of sight;
    * every top-level directory but the system's (SYSTEM_DIRS) is covered by an empty tmpfs:
      other checkouts of the course on the machine are out of sight too;
    * the repository is covered by an empty read-only tmpfs (its .git, caches and any directory
      added later included), unless the interpreter itself lives inside it;
    * the session directory and the interpreter's trees, if covered, are put back by bind
      mounts of directories opened before covering (``["keep", path]``, then ``["bind", n,
      path]`` for the n-th kept one);
    * the forbidden packages are covered; ``<session>/box`` gets a size-capped tmpfs for the
      children's writable directories.
    """
    real = os.path.realpath
    covers: list[tuple[str, str]] = []  # (path, tmpfs options), outermost first
    for d in SCRATCH_DIRS:
        p = real(d)
        if Path(p).is_dir() and all(p != c for c, _ in covers):
            covers.append((p, f"size={SCRATCH_SIZE},mode=1777"))
    for entry in sorted(os.scandir("/"), key=lambda e: e.name):
        if entry.name not in SYSTEM_DIRS and entry.is_dir(follow_symlinks=False):
            covers.append((entry.path, "size=64k,mode=755"))
    repo = real(REPO)
    prefixes = {real(sys.prefix), real(sys.base_prefix)}
    # A source checkout is covered; a package installed in the interpreter's own tree is not.
    repo_covered = not any(_within(repo, p) for p in prefixes)
    if repo_covered:
        covers.append((repo, "size=64k,mode=755"))
    covers.sort(key=lambda c: c[0].count("/"))
    wanted = list(dict.fromkeys([real(session), *sorted(prefixes)]))
    keeps = [
        k
        for k in wanted
        if any(_within(k, c) and k != c for c, _ in covers)
        and not any(_within(k, o) and k != o for o in wanted)
    ]
    steps: list[list[Any]] = [["keep", k] for k in keeps]
    steps += [["tmpfs", path, False, opts] for path, opts in covers]
    steps += [["bind", i, k] for i, k in enumerate(keeps)]
    if repo_covered:
        steps.append(["remount_ro", repo])
    steps += [["tmpfs", p, True, "size=4k"] for p in _hidden_paths(repo_covered)]
    steps.append(["tmpfs", str(session / "box"), False, f"size={BOX_SIZE},mode=755"])
    return steps


@cache
def namespace_prefix() -> tuple[tuple[str, ...], str]:
    """The ``unshare`` command line that works here, and a description of it ('' if none)."""
    base = ("--fork", "--pid", "--mount-proc", "--net", "--mount", "--ipc", "--uts", "--kill-child")
    unshare = shutil.which("unshare")
    if unshare is None or os.environ.get("GRADER_NO_NAMESPACES"):
        return (), ""
    variants: list[tuple[tuple[str, ...], str]] = [((unshare, *base), "net, pid, mount, ipc, uts")]
    if os.getuid() != 0:
        variants = [
            (
                (unshare, "--user", "--map-root-user", *base),
                "user (mapped root), net, pid, mount, ipc, uts",
            )
        ]
    for prefix, text in variants:
        try:
            ok = (
                subprocess.run(
                    [*prefix, "true"], stdin=subprocess.DEVNULL, capture_output=True, timeout=10
                ).returncode
                == 0
            )
        except (OSError, subprocess.TimeoutExpired):
            ok = False
        if ok:
            return prefix, text
    return (), ""


def _read_tail(dir_fd: int, name: str) -> str:
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    except OSError:
        return ""
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return ""
        os.lseek(fd, max(0, st.st_size - TAIL_BYTES), os.SEEK_SET)
        data = os.read(fd, TAIL_BYTES)
    finally:
        os.close(fd)
    text = data.decode("utf-8", "replace")
    return ("..." if st.st_size > TAIL_BYTES else "") + text


def _records(data: bytes) -> dict[str, memoryview]:
    """The records of a ``results.bin`` the zygote wrote: ``KEY LENGTH\\n`` then the bytes
    (views into ``data``, not copies)."""
    view, out, pos = memoryview(data), {}, 0
    while pos < len(data):
        end = data.find(b"\n", pos, pos + 64)
        if end < 0:
            break
        key, length = data[pos:end].decode("ascii").split()
        out[key] = view[end + 1 : end + 1 + int(length)]
        pos = end + 1 + int(length)
    return out


def _collect(job: Job, reply: dict[str, Any], first: int, budget: list[int]) -> int | None:
    """Read the results of a finished child; return the next case index to rerun from, if any.

    Results are read from ``res/results.bin``, where the zygote recorded each case as it
    finished; ``budget`` holds the output bytes the session may still accept.
    """
    assert job.workdir is not None
    res_fd = os.open(job.workdir / "res", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    work_fd = os.open(job.workdir, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        job.stdout_tail = _read_tail(work_fd, "stdout.txt") or job.stdout_tail
        job.stderr_tail = _read_tail(work_fd, "stderr.txt") or job.stderr_tail
        try:
            limit = max(0, budget[0]) + (len(job.cases) + 1) * (META_BYTES + 64)
            records = _records(read_plain(res_fd, "results.bin", limit))
        except (FileNotFoundError, ValueError):
            records = {}
        if reply.get("import_error") or not reply.get("imported"):
            try:
                meta = json.loads(_status_line(records["import"]))
                why = f"the module failed to import: {meta.get('error', '?')}"
            except (KeyError, ValueError, AttributeError):
                why = _died(reply, "while importing the module")
            for case in job.cases[first:]:
                job.results[case["index"]] = CaseRun(ok=False, error=why)
            return None
        done = set(reply.get("done", []))
        for case in job.cases[first:]:
            k = case["index"]
            if k not in done:
                break
            job.results[k] = _read_case(records.get(str(k)), budget)
        else:
            return None
        # Case k never finished: it timed out or took the child down.
        k = case["index"]
        if reply.get("timed_out") == k:
            why = f"timed out after {job.case_timeout:g} s (wall clock)"
        elif k in reply.get("started", []):
            why = _died(reply, "while running this case")
        else:
            why = _died(reply, "before this case started")
        job.results[k] = CaseRun(ok=False, error=why)
        return job.cases.index(case) + 1
    finally:
        os.close(res_fd)
        os.close(work_fd)


def _died(reply: dict[str, Any], when: str) -> str:
    code = reply.get("status")
    if isinstance(code, int) and code < 0:
        import signal

        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the worker process was killed by {name} {when}"
    return f"the worker process ended (exit status {code}) {when}"


def _status_line(record: memoryview) -> bytes:
    """The first line of a result (its JSON status); ValueError if there is none."""
    for size in (1024, META_BYTES):  # (status lines are short: copy little to find the end)
        head = bytes(record[:size])
        end = head.find(b"\n")
        if end >= 0:
            return head[:end]
    raise ValueError("the result has no status line")


def _read_case(record: memoryview | None, budget: list[int]) -> CaseRun:
    """A case's result as the zygote recorded it: the status line, then the declared outputs'
    ``.npy`` bytes, each parsed strictly."""
    if record is None:
        return CaseRun(ok=False, error="no result came back")
    try:
        line = _status_line(record)
        meta = json.loads(line)
    except ValueError:
        line, meta = b"", None
    if not isinstance(meta, dict) or meta.get("ok") is not True:
        err = meta.get("error") if isinstance(meta, dict) else None
        return CaseRun(ok=False, error=str(err)[:600] if err else "the call failed")
    declared = meta.get("outputs")
    if not isinstance(declared, list):
        return CaseRun(ok=False, error="the case's status does not list its outputs")
    outputs: dict[str, np.ndarray] = {}
    pos, left = len(line) + 1, min(MAX_CASE_BYTES, budget[0])
    for name, size in declared[:MAX_OUTPUTS]:
        if size > left:
            return CaseRun(ok=False, error=f"the outputs are larger than {left} bytes")
        try:
            outputs[name] = parse_npy(record[pos : pos + size])
        except ValueError as exc:
            return CaseRun(ok=False, error=f"output {name}: {exc}")
        pos, left = pos + size, left - size
        budget[0] -= size
    return CaseRun(ok=True, outputs=outputs)


class Sandbox:
    """A running zygote and the jobs it is working on."""

    def __init__(self, parallel: int | None = None, limits: dict[str, int] | None = None) -> None:
        self.parallel = parallel or max(1, min(4, os.cpu_count() or 1))
        self.limits = {**DEFAULT_LIMITS, **(limits or {})}
        self.session = Path(tempfile.mkdtemp(prefix="grader-", dir=_scratch_root()))
        self.root = os.getuid() == 0
        self._seq = 0
        self._replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._layers: dict[str, Any] | None = None
        self._copies: dict[Path, Path] = {}
        self.proc: subprocess.Popen[bytes] | None = None
        self._start()

    # -- life cycle ---------------------------------------------------------------------------
    def _start(self) -> None:
        self.session.chmod(0o755)
        shutil.copy2(HERE / "worker.py", self.session / "worker.py")
        shutil.copytree(HERE / "drivers", self.session / "drivers")
        # Compiled bytecode goes along (copy2 keeps the sources' times, so Python accepts it and
        # the zygote compiles nothing); none is written in the session.
        cached = HERE / "__pycache__" / f"worker.{sys.implementation.cache_tag}.pyc"
        if cached.is_file():
            (self.session / "__pycache__").mkdir()
            shutil.copy2(cached, self.session / "__pycache__" / cached.name)
        prefix, ns = namespace_prefix()
        env = {
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "HOME": str(self.session),
            "TMPDIR": str(self.session),
            "OMP_NUM_THREADS": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "NUMEXPR_NUM_THREADS": "1",
            "VECLIB_MAXIMUM_THREADS": "1",
            "PYTHONHASHSEED": "0",
            "PYTHONDONTWRITEBYTECODE": "1",
            "GRADER_NAMESPACES": ns or "none",
        }
        if prefix:
            env["GRADER_FILESYSTEM"] = (
                "repository and non-system top-level directories hidden, private /tmp "
                "/var/tmp /dev/shm /run/lock, writable space on a capped tmpfs"
            )
        # The interpreter by its real directory (a venv reached through a link may be covered),
        # keeping its own name so Python still finds the venv's pyvenv.cfg.
        exe = str(Path(sys.executable).parent.resolve() / Path(sys.executable).name)
        packages = os.path.realpath(Path(np.__file__).parent.parent)
        cmd: list[str] = [exe, "-I", "-S", "-c", BOOT, str(self.session), packages]
        (self.session / "box").mkdir()  # the children's out/ and scratch/ (a tmpfs if namespaced)
        if prefix:
            plan = self.session / "mounts.json"
            plan.write_text(json.dumps(mount_plan(self.session)), encoding="utf-8")
            cmd = [*prefix, *cmd, str(plan)]
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=open(self.session / "zygote.log", "wb"),  # noqa: SIM115
            env=env,
            cwd=self.session,
            start_new_session=True,
        )
        # The zygote starts (Python, NumPy, namespaces) while the caller builds its jobs;
        # _ready() waits for its first line.

    def _ready(self) -> None:
        if self._layers is not None:
            return
        assert self.proc is not None and self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            log = (self.session / "zygote.log").read_text(errors="replace").strip()
            last = log.splitlines()[-1][-300:] if log else "no output"
            raise SandboxError(f"the sandbox worker did not start: {last}")
        self._layers = json.loads(line)["layers"]
        threading.Thread(target=self._reader, daemon=True).start()

    @property
    def layers(self) -> dict[str, Any]:
        """The isolation layers the zygote reports as active."""
        self._ready()
        assert self._layers is not None
        return self._layers

    @property
    def cache_safe(self) -> bool:
        """Whether a child is unable to read the oracle cache (so using it leaks nothing)."""
        layers = self.layers
        return (self.root and "nobody" in str(layers.get("privileges"))) or bool(
            layers.get("forbidden_packages_hidden")
        )

    def _reader(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                self._replies.put(json.loads(line))
            except ValueError:
                continue
        self._replies.put(None)

    def _death(self) -> str:
        try:
            log = (self.session / "zygote.log").read_text(errors="replace").strip()
        except OSError:
            log = ""
        return "the sandbox worker died" + (f": {log.splitlines()[-1][:300]}" if log else "")

    def close(self) -> None:
        """End the zygote and remove the session.  On end of input the zygote kills whatever
        still runs and exits; if it has not within 5 s its process group is killed.  (A blocking
        wait and a timer: ``Popen.wait(timeout)`` would poll.)"""
        if self.proc is not None:
            proc = self.proc

            def kill() -> None:
                with contextlib.suppress(OSError):
                    os.killpg(proc.pid, 9)

            timer = threading.Timer(5.0, kill)
            timer.start()
            with contextlib.suppress(OSError):
                if proc.stdin:
                    proc.stdin.close()
            proc.wait()
            timer.cancel()
            self.proc = None
        shutil.rmtree(self.session, ignore_errors=True)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- jobs -----------------------------------------------------------------------------------
    def _prepare(self, job: Job) -> None:
        self._seq += 1
        work = self.session / f"job{self._seq}"
        (work / "in").mkdir(parents=True)
        index, blobs, offset = {}, [], 0
        for name, arr in job.arrays.items():
            blobs.append(npy_bytes(arr))
            index[name] = [offset, len(blobs[-1])]
            offset += len(blobs[-1])
        (work / "in" / "arrays.bin").write_bytes(b"".join(blobs))
        (work / "in" / "cases.json").write_text(
            json.dumps({"cases": job.cases, "arrays": index}), encoding="utf-8"
        )
        job.workdir = work
        job.module_copy = self._copy_submission(job.module_path.parent) / job.module_path.name

    def _copy_submission(self, directory: Path) -> Path:
        """The submission's ``*.py`` files, copied once per session into a root-owned directory.

        Links are copied as links, never followed: this process may read what the child must
        not (``activations.py -> /work/main/reference/activations.py`` would be the reference);
        inside the sandbox a link leads only where the child itself may go."""
        if directory not in self._copies:
            sub = self.session / f"submission{len(self._copies)}"
            sub.mkdir()
            for path in directory.glob("*.py"):
                if path.is_symlink() or path.is_file():
                    shutil.copy2(path, sub / path.name, follow_symlinks=False)
            self._copies[directory] = sub
        return self._copies[directory]

    def _request(self, job: Job, start: int, budget: int) -> dict[str, Any]:
        assert job.workdir is not None
        work = job.workdir
        # res/: where the zygote copies each finished case's results (root's; the child's own
        # out/ and scratch/ are made by the zygote under box/).
        res = work / "res"
        if res.exists():
            shutil.rmtree(res)
        res.mkdir()
        remaining = len(job.cases) - start
        return {
            "id": job.key,
            "module": str(job.module_copy),
            "module_name": job.module_name,
            "function": job.function,
            "driver": str(self.session / "drivers" / f"{job.driver}.py"),
            "cases": str(work / "in" / "cases.json"),
            "workdir": str(work),
            "start": start,
            "case_timeout": job.case_timeout,
            "item_timeout": job.case_timeout * max(1, remaining) + 5.0,
            "limits": self.limits,
            "indices": [c["index"] for c in job.cases[start:]],
            "box": str(self.session / "box"),
            "nobody": self.root,
            "max_outputs": MAX_OUTPUTS,
            "max_case_bytes": MAX_CASE_BYTES,
            "max_bytes": max(0, budget),
        }

    @staticmethod
    def _after_crash(job: Job, nxt: int) -> int:
        """Count the crash of the case before ``nxt`` against its item; once an item has
        crashed or timed out more than MAX_RESTARTS times, or the job has had the time of one
        full run (a child that games its progress reports cannot stretch it), the rest of that
        item is not run.  Returns where the next child starts."""
        job.restarts += 1
        owner = job.owners[nxt - 1] if job.owners else job.key
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
        while not spent and stop < len(job.cases) and job.owners and job.owners[stop] == owner:
            stop += 1
        for case in job.cases[nxt:stop]:
            job.results[case["index"]] = CaseRun(ok=False, error=f"not run: the worker {why}")
        return stop

    def run(
        self, jobs: list[Job], between: Any = None, on_finish: Any = None
    ) -> dict[str, ItemRun]:
        """Run every job.  ``between()`` is called whenever no child's reply is waiting: it does
        a little of the caller's work and says whether it did any (if not, this blocks until the
        next reply).  ``on_finish(key, run)`` is called as soon as a job's last case is in, the
        freed child's next job already started."""
        self._ready()
        assert self.proc is not None and self.proc.stdin is not None
        pending = collections.deque((job, 0) for job in jobs)
        inflight: dict[str, tuple[Job, int]] = {}
        finished: dict[str, ItemRun] = {}
        budget = [MAX_SESSION_OUTPUT_BYTES]  # output bytes this session may still accept

        def pump() -> None:
            assert self.proc is not None and self.proc.stdin is not None
            while pending and len(inflight) < self.parallel:
                job, start = pending.popleft()
                if job.workdir is None:
                    self._prepare(job)
                inflight[job.key] = (job, start)
                try:
                    request = self._request(job, start, budget[0])
                    self.proc.stdin.write((json.dumps(request) + "\n").encode())
                    self.proc.stdin.flush()
                except OSError:
                    raise SandboxError(self._death()) from None

        pump()
        while inflight:
            try:
                reply = self._replies.get_nowait()
            except queue.Empty:
                if between is not None and between():
                    continue
                reply = self._replies.get()
            if reply is None:
                raise SandboxError(self._death())
            job, start = inflight.pop(reply["id"])
            job.elapsed += float(reply.get("elapsed", 0.0))
            nxt = _collect(job, reply, start, budget)
            if nxt is not None and nxt < len(job.cases):
                nxt = self._after_crash(job, nxt)
                if nxt < len(job.cases):
                    pending.appendleft((job, nxt))
            if job.key not in inflight and all(c["index"] in job.results for c in job.cases):
                finished[job.key] = ItemRun(
                    cases=[job.results[c["index"]] for c in job.cases],
                    stdout_tail=job.stdout_tail,
                    stderr_tail=job.stderr_tail,
                    restarts=job.restarts,
                    elapsed=job.elapsed,
                )
                if job.workdir is not None:
                    shutil.rmtree(job.workdir, ignore_errors=True)
                pump()  # keep the children busy while the caller looks at the results
                if on_finish is not None:
                    on_finish(job.key, finished[job.key])
            pump()
        return finished
