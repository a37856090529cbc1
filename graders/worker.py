"""The sandbox's worker: a warm parent (zygote) that forks one child per graded item.

This file is copied into the grading session's private directory and run as
``python -I worker.py SESSION_DIR`` (optionally inside ``unshare``), so it imports only the
standard library and NumPy: it never sees torch, the grader or the reference.

Protocol, one JSON object per line:

* zygote -> grader, once:  ``{"ready": true, "layers": {...}}``
* grader -> zygote:        ``{"id": N, "item": ..., "module": path, "module_name": ..., "driver": path,
  "function": ..., "cases": path-to-cases.json, "workdir": dir, "start": K,
  "case_timeout": s, "item_timeout": s, "limits": {...}}``
* zygote -> grader:        ``{"id": N, "status": exit status, "imported": bool,
  "started": [...], "done": [...], "timed_out": case or null, "elapsed": s}``

A child runs the item's cases from index ``start`` on: it reports ``I`` once the student's module
is imported, ``S k`` before and ``D k`` after case ``k`` on a progress pipe the zygote watches,
writes ``out/k.json`` (status) and ``out/k.<name>.npy`` (outputs), and ends with ``os._exit``
(no ``atexit`` handler of the student's runs).  The zygote enforces the per-case and per-item
wall-clock limits with SIGKILL of the child's process group, then kills any process left behind
(it is the subreaper of everything below it).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import json
import os
import resource
import select
import signal
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

FORBIDDEN = frozenset(
    {
        "torch", "jax", "jaxlib", "tensorflow", "keras", "scipy", "sklearn", "theano", "mxnet",
        "paddle", "autograd", "cupy", "numba", "reference", "graders", "tools", "student_template",
        "ctypes", "_ctypes", "cffi", "subprocess", "_posixsubprocess", "multiprocessing",
        "pty", "socket", "_socket",
    }
)
NOBODY = 65534
#: Imported by the zygote so a child that cannot read the interpreter's files (it runs as
#: nobody, and Python may live under a private home) still has the usual modules.
PRELOAD = (
    "abc", "array", "bisect", "cmath", "collections", "collections.abc", "contextlib", "copy",
    "dataclasses", "decimal", "enum", "fractions", "functools", "heapq", "itertools", "json",
    "math", "numbers", "operator", "random", "re", "secrets", "statistics", "string", "types",
    "typing", "warnings", "numpy.typing", "numpy.linalg", "numpy.fft", "numpy.random",
    "numpy.lib.stride_tricks",
)
PR_SET_CHILD_SUBREAPER = 36


class ForbiddenImport(ImportError):
    """Raised in the child when the student imports a module the course forbids."""


class _Guard(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname.split(".")[0] in FORBIDDEN:
            raise ForbiddenImport(f"import of '{fullname}' is not allowed in a submission")
        return None


def _install_guard() -> None:
    sys.meta_path.insert(0, _Guard())
    for name in list(sys.modules):
        if name.split(".")[0] in FORBIDDEN:
            del sys.modules[name]
    # Process-spawning entry points are removed so a submission cannot start an unguarded
    # interpreter; the namespace / privilege layers back this up where the platform has them.
    for mod in (os, sys.modules.get("posix")):
        for attr in ("system", "fork", "forkpty", "popen", "posix_spawn", "posix_spawnp",
                     "execv", "execve", "execl", "execle", "execlp", "execlpe", "execvp",
                     "execvpe", "spawnv", "spawnve", "spawnl", "spawnle", "kill", "killpg"):
            if mod is not None and hasattr(mod, attr):
                try:
                    delattr(mod, attr)
                except AttributeError:
                    pass


def _set_limits(limits: dict[str, int]) -> None:
    table = {
        "as": resource.RLIMIT_AS, "cpu": resource.RLIMIT_CPU, "fsize": resource.RLIMIT_FSIZE,
        "nofile": resource.RLIMIT_NOFILE, "nproc": resource.RLIMIT_NPROC,
        "core": resource.RLIMIT_CORE,
    }
    for key, value in limits.items():
        lim = table[key]
        _soft, hard = resource.getrlimit(lim)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        hard_new = value + 1 if key == "cpu" and (hard == resource.RLIM_INFINITY or hard > value) else value
        try:
            resource.setrlimit(lim, (value, hard_new))
        except (ValueError, OSError):
            resource.setrlimit(lim, (value, value))


def _drop_privileges() -> bool:
    if os.getuid() != 0:
        return False
    try:
        os.setgroups([])
        os.setgid(NOBODY)
        os.setuid(NOBODY)
    except OSError:
        return False
    return True


def _load_driver(path: str) -> Any:
    spec = importlib.util.spec_from_file_location("_grader_driver", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write_json(path: Path, obj: dict[str, Any]) -> None:
    path.write_text(json.dumps(obj, default=str)[:60_000], encoding="utf-8")


def _error_text(exc: BaseException) -> str:
    """One line, the student's own frames only, for the feedback."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/_grader_" not in f.filename
              and not f.filename.endswith("worker.py")]
    where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    text = f"{type(exc).__name__}: {exc}"
    if len(text) > 400:
        text = text[:400] + "..."
    return text + where


def _decode(obj: Any, base: Path) -> Any:
    """Inverse of the grader's case encoding: arrays from ``.npy`` files, tuples, non-finite floats."""
    if isinstance(obj, list):
        return [_decode(v, base) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "npy" in obj:
        arr = np.load(base / obj["npy"], allow_pickle=False)
        if obj.get("view") == "T":
            arr = arr.T
        elif obj.get("view") == "step":
            arr = arr[(slice(None),) * (arr.ndim - 1) + (slice(None, None, 2),)]
        return arr
    if "tuple" in obj:
        return tuple(_decode(v, base) for v in obj["tuple"])
    if "float" in obj:
        return float(obj["float"])
    return {k: _decode(v, base) for k, v in obj.items()}


def _child(req: dict[str, Any], progress_w: int) -> None:
    """Runs in the forked child: never returns."""
    try:
        os.setsid()
        work = Path(req["workdir"])
        null = os.open(os.devnull, os.O_RDONLY)
        out = os.open(work / "stdout.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        err = os.open(work / "stderr.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(err, 2)
        sys.stdin = open(os.devnull)  # noqa: SIM115
        keep = os.dup2(progress_w, 3) if progress_w != 3 else 3
        os.closerange(4, 1 << 16)
        sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
        sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)
        progress = keep
        scratch = work / "scratch"
        os.chdir(scratch)
        os.environ["HOME"] = str(scratch)
        os.environ["TMPDIR"] = str(scratch)
        driver = _load_driver(req["driver"])
        cases = json.loads(Path(req["cases"]).read_text(encoding="utf-8"))
        outdir = work / "out"
        _set_limits(req["limits"])
        _drop_privileges()
        _install_guard()
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    except BaseException as exc:  # setup failure: report through the exit status
        sys.__stderr__.write(f"worker setup failed: {exc!r}\n")
        os._exit(70)

    def tell(msg: str) -> None:
        try:
            os.write(progress, msg.encode() + b"\n")
        except OSError:
            pass

    try:
        sys.path.insert(0, str(Path(req["module"]).parent))
        spec = importlib.util.spec_from_file_location(req["module_name"], req["module"])
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[req["module_name"]] = module
        spec.loader.exec_module(module)
    except BaseException as exc:
        _write_json(outdir / "import.json", {"error": _error_text(exc)})
        tell("E")
        os._exit(0)
    tell("I")
    for case in cases[req["start"]:]:
        k = case["index"]
        tell(f"S {k}")
        try:
            outputs = driver.run(module, req["function"], _decode(case, Path(req["cases"]).parent))
            for name, arr in outputs.items():
                if type(arr) is not np.ndarray:
                    raise TypeError(f"returned {type(arr).__module__}.{type(arr).__qualname__}, "
                                    "expected numpy.ndarray")
                if arr.dtype.hasobject:
                    raise TypeError("returned an array of Python objects")
                np.save(outdir / f"{k}.{name}.npy", arr, allow_pickle=False)
            _write_json(outdir / f"{k}.json", {"ok": True})
        except BaseException as exc:
            _write_json(outdir / f"{k}.json", {"ok": False, "error": _error_text(exc)})
        tell(f"D {k}")
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(0)


class _Running:
    def __init__(self, req: dict[str, Any], pid: int, fd: int) -> None:
        self.req, self.pid, self.fd = req, pid, fd
        self.t0 = self.case_t0 = time.monotonic()
        self.buf = b""
        self.imported = False
        self.import_error = False
        self.started: list[int] = []
        self.done: list[int] = []
        self.timed_out: int | None = None
        self.killed = False

    def deadline(self) -> float:
        item = self.t0 + float(self.req["item_timeout"])
        case = self.case_t0 + float(self.req["case_timeout"])
        return min(item, case)

    def feed(self, data: bytes) -> None:
        self.buf += data
        *lines, self.buf = self.buf.split(b"\n")
        for raw in lines[:10_000]:
            line = raw.decode("ascii", "replace").strip()
            if line == "I":
                self.imported = True
            elif line == "E":
                self.import_error = True
            elif line[:2] in ("S ", "D ") and line[2:].isdigit():
                k = int(line[2:])
                (self.started if line[0] == "S" else self.done).append(k)
                self.case_t0 = time.monotonic()

    def kill(self) -> None:
        for target in (lambda: os.killpg(self.pid, signal.SIGKILL),
                       lambda: os.kill(self.pid, signal.SIGKILL)):
            try:
                target()
            except OSError:
                pass
        self.killed = True


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            found.append(int(entry))
    return found


def _sweep(active: set[int]) -> None:
    """Kill and reap every process left below the zygote that is not a running item.

    Strays are reaped by pid, never with ``waitpid(-1)``, so the exit status of a running
    item's child is left for the main loop.
    """
    me = os.getpid()
    for _ in range(50):
        strays = [p for p in _children_of(me) if p not in active]
        for p in strays:
            for fn in (os.killpg, os.kill):
                try:
                    fn(p, signal.SIGKILL)
                except OSError:
                    pass
        for p in strays:
            try:
                os.waitpid(p, 0)
            except ChildProcessError:
                pass
        if not strays:
            return
        time.sleep(0.002)


def _layers() -> dict[str, Any]:
    root = os.getuid() == 0
    nobody_ok = False
    if root:
        try:
            import pwd

            pwd.getpwuid(NOBODY)
            nobody_ok = True
        except KeyError:
            nobody_ok = True  # the uid works without a passwd entry
    spec = importlib.util.find_spec("torch")
    torch_hidden = spec is None or spec.origin is None  # an empty mount is a namespace package
    return {
        "process": "separate process per item, python -I, scrubbed environment, stdin /dev/null",
        "rlimits": "address space, CPU, file size, open files, processes",
        "import_guard": "forbidden modules refused at import",
        "privileges": "runs as uid nobody" if nobody_ok else "same user (not root)",
        "namespaces": os.environ.get("GRADER_NAMESPACES", "none"),
        "forbidden_packages_hidden": torch_hidden,
    }


def main() -> None:
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    try:
        import ctypes  # only the zygote: become the subreaper of everything it forks

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass
    for name in [m for m in sys.modules if m.split(".")[0] == "ctypes"]:
        del sys.modules[name]
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    out = sys.stdout
    out.write(json.dumps({"ready": True, "layers": _layers()}) + "\n")
    out.flush()
    stdin_fd = sys.stdin.fileno()
    running: dict[int, _Running] = {}  # by progress fd
    inbuf = b""
    eof = False
    while not eof or running:
        timeout = None
        if running:
            timeout = max(0.0, min(r.deadline() for r in running.values()) - time.monotonic())
            timeout = min(timeout, 0.05)
        fds = [r.fd for r in running.values()] + ([] if eof else [stdin_fd])
        try:
            ready, _, _ = select.select(fds, [], [], timeout)
        except InterruptedError:
            continue
        for fd in ready:
            if fd == stdin_fd:
                chunk = os.read(stdin_fd, 1 << 16)
                if not chunk:
                    eof = True
                    continue
                inbuf += chunk
                *lines, inbuf = inbuf.split(b"\n")
                for line in lines:
                    if line.strip():
                        req = json.loads(line)
                        r, w = os.pipe()
                        pid = os.fork()
                        if pid == 0:
                            os.close(r)
                            _child(req, w)
                        os.close(w)
                        running[r] = _Running(req, pid, r)
                continue
            run = running[fd]
            data = os.read(fd, 1 << 16)
            if data:
                run.feed(data)
                continue
            # EOF on the progress pipe: the child is gone (or closed it); reap it.
            _finish(run, running, out, None)
        now = time.monotonic()
        for run in list(running.values()):
            if not run.killed and now >= run.deadline():
                run.timed_out = run.started[-1] if run.started and (
                    not run.done or run.started[-1] != run.done[-1]) else None
                run.kill()
        for run in list(running.values()):
            if run.killed:
                _finish(run, running, out, None)
                continue
            pid, status = os.waitpid(run.pid, os.WNOHANG)
            if pid:  # exited while a descendant still holds the pipe open
                _drain(run)
                _finish(run, running, out, status)


def _drain(run: _Running) -> None:
    for _ in range(64):
        if not select.select([run.fd], [], [], 0)[0]:
            return
        data = os.read(run.fd, 1 << 16)
        if not data:
            return
        run.feed(data)


def _finish(run: _Running, running: dict[int, _Running], out: Any, status: int | None) -> None:
    # Whatever way it ended, the child's process group goes with it.
    try:
        os.killpg(run.pid, signal.SIGKILL)
    except OSError:
        pass
    if status is None:
        _pid, status = os.waitpid(run.pid, 0)
    os.close(run.fd)
    del running[run.fd]
    _sweep({r.pid for r in running.values()})
    code = os.waitstatus_to_exitcode(status)
    out.write(json.dumps({
        "id": run.req["id"], "status": code, "imported": run.imported,
        "import_error": run.import_error, "started": run.started, "done": run.done,
        "timed_out": run.timed_out, "elapsed": time.monotonic() - run.t0,
    }) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
