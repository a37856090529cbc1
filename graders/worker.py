"""The sandbox's worker: a warm parent (zygote) that forks one child per job (chunk of items).

This file is copied into the grading session's private directory and its :func:`main` run by
``python -I -S -c sandbox.BOOT SESSION_DIR PACKAGES [MOUNT_PLAN]`` (inside ``unshare`` where it
works), so it imports only the standard library and NumPy: it never sees torch, the grader or
the reference.

Protocol, one JSON object per line:

* zygote -> grader, once:  ``{"ready": true, "layers": {...}}``
* grader -> zygote:        ``{"id": N, "module": path, "module_name": ..., "driver": path,
  "function": ..., "cases": path-to-cases.json, "workdir": dir, "start": K,
  "case_timeout": s, "item_timeout": s, "limits": {...}, "indices": [case index, ...],
  "box": dir, "nobody": bool, "max_outputs": n, "max_case_bytes": n, "max_bytes": n}``
* zygote -> grader:        ``{"id": N, "status": exit status, "imported": bool,
  "started": [...], "done": [...], "timed_out": case or null, "elapsed": s}``

The job's inputs are ``cases.json`` (``{"cases": [...], "arrays": {name: [offset, length]}}``)
and ``arrays.bin`` (the arrays' ``.npy`` files end to end).  A child runs the job's cases (one or
more items of a module) from index ``start`` on: it reports ``I`` once the student's module is
imported and ``D k`` after case ``k`` on a progress pipe the zygote watches (case ``k`` starts
when ``k - 1`` is acknowledged), having written the case's result to a fresh ``out/res`` (a JSON
status line, then the outputs' ``.npy`` bytes), and ends with ``os._exit`` (no ``atexit``
handler of the student's runs).  On ``D k`` the zygote checks ``out/res`` and appends it to the
job's ``res/results.bin`` (root's: the child cannot write there) and only then acknowledges on
a second pipe, which the child waits for before it calls the student's code again, so no later
student code (a later call, a thread, an ``atexit`` handler) can rewrite a finished case.  The
zygote accepts progress lines only in protocol order and ignores anything else the student
writes on the pipe.  The child's ``out/`` and ``scratch/`` live under ``box/N`` of the session, a
size-capped tmpfs when namespaced.  The zygote enforces the per-case and per-item
wall-clock limits with SIGKILL of the child's process group, then kills any process left behind
(it is the subreaper of everything below it).
"""

from __future__ import annotations

import _signal
import ast
import contextlib
import fcntl
import functools
import gc
import hashlib
import importlib
import importlib.abc
import importlib.util
import io
import json
import math
import os
import re
import resource
import select
import shutil
import signal
import stat
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np

FORBIDDEN = frozenset(
    {
        "torch",
        "jax",
        "jaxlib",
        "tensorflow",
        "keras",
        "scipy",
        "sklearn",
        "theano",
        "mxnet",
        "paddle",
        "autograd",
        "cupy",
        "numba",
        "reference",
        "graders",
        "tools",
        "student_template",
        "ctypes",
        "_ctypes",
        "cffi",
        "subprocess",
        "_posixsubprocess",
        "multiprocessing",
        "pty",
        "socket",
        "_socket",
    }
)
NOBODY = 65534
#: Imported by the zygote so a child that cannot read the interpreter's files (it runs as
#: nobody, and Python may live under a private home) still has the usual modules.
PRELOAD = (
    "abc",
    "array",
    "bisect",
    "cmath",
    "collections",
    "collections.abc",
    "contextlib",
    "copy",
    "dataclasses",
    "datetime",
    "decimal",
    "enum",
    "fractions",
    "functools",
    "glob",
    "heapq",
    "itertools",
    "json",
    "logging",
    "math",
    "numbers",
    "operator",
    "pprint",
    "random",
    "re",
    "secrets",
    "statistics",
    "string",
    "textwrap",
    "time",
    "types",
    "typing",
    "warnings",
    "numpy.typing",
    "numpy.linalg",
    "numpy.fft",
    "numpy.random",
    "numpy.lib.stride_tricks",
)
PR_SET_CHILD_SUBREAPER = 36
NICE = 5  # the zygote's and its children's scheduling niceness, relative to the grader
#: The child's stdout/stderr files keep only their last LOG_KEEP bytes once they would pass
#: LOG_CAP: the report shows only the tail, and chatty but correct code must not run into the
#: file-size limit (or fill the disk).
LOG_CAP = 1 << 20
LOG_KEEP = 64 << 10
#: Blocked from the return of the student's function until the zygote has taken the case's
#: results, so no student signal handler runs in between.
_BLOCKED = {int(n) for n in signal.valid_signals()} - {signal.SIGKILL, signal.SIGSTOP}
# The C-level mask call: signal.pthread_sigmask turns every old signal into an enum member,
# a cost paid twice per case.
_sigmask = _signal.pthread_sigmask


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
        for attr in (
            "system",
            "fork",
            "forkpty",
            "popen",
            "posix_spawn",
            "posix_spawnp",
            "execv",
            "execve",
            "execl",
            "execle",
            "execlp",
            "execlpe",
            "execvp",
            "execvpe",
            "spawnv",
            "spawnve",
            "spawnl",
            "spawnle",
            "kill",
            "killpg",
        ):
            if mod is not None and hasattr(mod, attr):
                with contextlib.suppress(AttributeError):
                    delattr(mod, attr)


def _set_limits(limits: dict[str, int]) -> None:
    table = {
        "as": resource.RLIMIT_AS,
        "cpu": resource.RLIMIT_CPU,
        "fsize": resource.RLIMIT_FSIZE,
        "nofile": resource.RLIMIT_NOFILE,
        "nproc": resource.RLIMIT_NPROC,
        "core": resource.RLIMIT_CORE,
    }
    for key, value in limits.items():
        lim = table[key]
        _soft, hard = resource.getrlimit(lim)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        hard_new = (
            value + 1
            if key == "cpu" and (hard == resource.RLIM_INFINITY or hard > value)
            else value
        )
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
    return os.getuid() == os.geteuid() == NOBODY and os.getgid() == NOBODY


class _CappedLog(io.RawIOBase):
    """The child's stdout or stderr file: cut back to its last LOG_KEEP bytes when it would
    grow past LOG_CAP."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self.fd = fd

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        data = bytes(b)
        pos = os.lseek(self.fd, 0, os.SEEK_CUR)
        if pos + len(data) > LOG_CAP:
            keep = max(0, LOG_KEEP - len(data))
            old = os.pread(self.fd, keep, max(0, pos - keep)) if keep else b""
            data = (old + data)[-LOG_KEEP:]
            os.ftruncate(self.fd, 0)
            os.lseek(self.fd, 0, os.SEEK_SET)
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view) :]
        return len(b)


def _log_stream(fd: int) -> io.TextIOWrapper:
    return io.TextIOWrapper(
        io.BufferedWriter(_CappedLog(fd)),
        encoding="utf-8",
        errors="backslashreplace",
        line_buffering=True,
    )


_DRIVERS: dict[str, Any] = {}
_CODE: dict[bytes, Any] = {}
MAX_SOURCE_BYTES = 2 << 20


def _load_driver(path: str) -> Any:
    """A driver module, loaded once in the zygote (trusted code) and inherited by each child."""
    if path not in _DRIVERS:
        spec = importlib.util.spec_from_file_location("_grader_driver", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        _DRIVERS[path] = module
    return _DRIVERS[path]


def _compiled(path: str) -> Any:
    """The student module's code object, compiled once per distinct source in the zygote
    (compiling runs nothing).  None when it cannot be compiled here: the child then imports it
    the ordinary way and reports the error itself."""
    try:
        with open(path, "rb") as f:
            source = f.read(MAX_SOURCE_BYTES + 1)
    except OSError:
        return None
    if len(source) > MAX_SOURCE_BYTES:
        return None
    key = hashlib.sha256(source).digest()
    if key not in _CODE:
        try:
            _CODE[key] = compile(source, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            _CODE[key] = None
    code = _CODE[key]
    # The file name shown in tracebacks is this job's copy, as an ordinary import would give.
    return None if code is None else code.replace(co_filename=path)


def _error_text(exc: BaseException) -> str:
    """One line, the student's own frames only, for the feedback."""
    try:  # the student's exception: its __str__ (or its traceback) may misbehave too
        frames = [
            f
            for f in traceback.extract_tb(exc.__traceback__)
            if "/_grader_" not in f.filename and not f.filename.endswith("worker.py")
        ]
        where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
        text = f"{type(exc).__name__}: {exc}"
    except BaseException:
        where, text = "", f"{type(exc).__name__} (unprintable)"
    if len(text) > 400:
        text = text[:400] + "..."
    return text + where


# ----------------------------------------------------------------------------- .npy bytes
#: Room for a result's status line (its first line), before the outputs' .npy bytes.
META_BYTES = 1 << 16


@functools.lru_cache(maxsize=1024)
def _npy_prefix(dtype: np.dtype[Any], shape: tuple[int, ...]) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": shape}
    )
    return buf.getvalue()


def npy_parts(arr: np.ndarray) -> list[Any]:
    """``arr`` as a version 1.0 ``.npy`` file in C order (what ``np.save`` writes), in two
    pieces: the header (built once per dtype and shape) and the data (the array's own buffer
    when it is C-contiguous: no copy)."""
    prefix = _npy_prefix(arr.dtype, arr.shape)
    if arr.flags.c_contiguous:
        try:
            return [prefix, arr.data.cast("B")]
        except (ValueError, TypeError):  # a dtype the buffer protocol cannot describe
            pass
    return [prefix, arr.tobytes()]


def npy_bytes(arr: np.ndarray) -> bytes:
    """``arr`` as the bytes of a version 1.0 ``.npy`` file in C order."""
    return b"".join(npy_parts(arr))


def write_all(fd: int, parts: list[Any]) -> None:
    """Write every byte of ``parts`` (bytes-like objects) to ``fd``, with as few calls as the
    kernel allows."""
    views = [memoryview(p).cast("B") for p in parts if len(p)]
    while views:
        n = os.writev(fd, views)
        while views and n >= len(views[0]):
            n -= len(views.pop(0))
        if views:
            views[0] = views[0][n:]


_INT = rb"(?:0|[1-9][0-9]*)"
#: The header NumPy writes for a plain dtype, read without ``ast`` (which compiles the text).
_PLAIN_HEADER = re.compile(
    rb"\{'descr': '([<>|=]?[a-zA-Z][0-9]*)', 'fortran_order': (True|False), "
    rb"'shape': \((|" + _INT + rb",|" + _INT + rb"(?:, " + _INT + rb")+)\), \} *\n?"
)


@functools.lru_cache(maxsize=512)
def _npy_header(header: bytes) -> tuple[tuple[int, ...], bool, np.dtype[Any]]:
    """Shape, Fortran order and dtype of a ``.npy`` header dictionary (literal, never executed);
    cached because the same few headers come back thousands of times.  NumPy's own layout for
    a plain dtype is matched directly; anything else goes through ``ast.literal_eval``."""
    plain = _PLAIN_HEADER.fullmatch(header)
    if plain is not None:
        descr, fortran, dims = plain.groups()
        try:
            dtype = np.dtype(descr.decode("ascii"))
        except (TypeError, ValueError, OverflowError) as exc:
            raise ValueError(f"malformed .npy header ({exc})") from None
        shape = tuple(int(n) for n in dims.split(b",") if n.strip())
        return shape, fortran == b"True", dtype
    try:
        d = ast.literal_eval(header.decode("latin1"))
        if not isinstance(d, dict) or set(d) != {"descr", "fortran_order", "shape"}:
            raise ValueError("the header is not a .npy header dictionary")
        shape = d["shape"]
        if not isinstance(shape, tuple) or not all(type(n) is int for n in shape):
            raise ValueError(f"bad shape {shape!r}")
        if not isinstance(d["fortran_order"], bool):
            raise ValueError("bad fortran_order")
        dtype = np.lib.format.descr_to_dtype(d["descr"])
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError) as exc:
        raise ValueError(f"malformed .npy header ({exc})") from None
    return shape, d["fortran_order"], dtype


def parse_npy(data: bytes | memoryview) -> np.ndarray:
    """Parse ``.npy`` bytes strictly: no pickles, no object dtype, header must match the size;
    the result is an owned, writable, plain ndarray."""
    if len(data) < 10 or data[:6] != b"\x93NUMPY":
        raise ValueError("malformed .npy header (not a .npy file)")
    major = data[6]
    if major == 1:
        hlen, start = int.from_bytes(data[8:10], "little"), 10
    elif major in (2, 3):
        hlen, start = int.from_bytes(data[8:12], "little"), 12
    else:
        raise ValueError(f"unsupported .npy version {(major, data[7])}")
    if hlen > 1 << 16 or start + hlen > len(data):
        raise ValueError("malformed .npy header (bad header length)")
    shape, fortran, dtype = _npy_header(bytes(data[start : start + hlen]))
    if dtype.hasobject:
        raise ValueError("the output holds Python objects (pickles are refused)")
    if any(n < 0 for n in shape):
        raise ValueError(f"the .npy header has a negative dimension {shape}")
    offset = start + hlen
    expected = offset + math.prod(shape) * dtype.itemsize
    if expected != len(data):
        raise ValueError(f"the .npy header says {expected} bytes but the file has {len(data)}")
    flat = np.frombuffer(data, dtype=dtype, offset=offset, count=math.prod(shape))
    arr = flat.reshape(shape[::-1]).T if fortran else flat.reshape(shape)
    return np.array(arr, order="C")


def _decode(obj: Any, blob: memoryview, index: dict[str, list[int]]) -> Any:
    """Inverse of the grader's case encoding: arrays from the job's ``arrays.bin`` (``.npy``
    files end to end, ``index`` gives each one's offset and length), tuples, floats."""
    if isinstance(obj, list):
        return [_decode(v, blob, index) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if "npy" in obj:
        offset, length = index[obj["npy"]]
        arr = parse_npy(blob[offset : offset + length])
        if obj.get("view") == "T":
            arr = arr.T
        elif obj.get("view") == "step":
            arr = arr[(slice(None),) * (arr.ndim - 1) + (slice(None, None, 2),)]
        return arr
    if "tuple" in obj:
        return tuple(_decode(v, blob, index) for v in obj["tuple"])
    if "float" in obj:
        return float(obj["float"])
    return {k: _decode(v, blob, index) for k, v in obj.items()}


def _write_result(out_fd: int, meta: dict[str, Any], parts: list[Any]) -> None:
    """The case's result as one file ``out/res``: a JSON status line, then the outputs' ``.npy``
    bytes end to end (the status lists each output's name and length).  A fresh file each case,
    never one the student planted; if it cannot be written the case has no result."""
    head = json.dumps(meta, default=str).encode() + b"\n"
    with contextlib.suppress(OSError):
        with contextlib.suppress(FileNotFoundError):
            os.unlink("res", dir_fd=out_fd)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
        fd = os.open("res", flags, 0o644, dir_fd=out_fd)
        try:
            write_all(fd, [head, *parts])
        finally:
            os.close(fd)


def _child(req: dict[str, Any], progress_w: int, ack_r: int, box: Path, code: Any) -> None:
    """Runs in the forked child: never returns."""
    try:
        os.setsid()
        work = Path(req["workdir"])
        null = os.open(os.devnull, os.O_RDONLY)
        out = os.open(work / "stdout.txt", os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        err = os.open(work / "stderr.txt", os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(null, 0)
        os.dup2(out, 1)
        os.dup2(err, 2)
        # Progress lines go to the zygote on fd 3; its acknowledgements come back on fd 4.
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (progress_w, ack_r)]
        os.dup2(high[0], 3)
        os.dup2(high[1], 4)
        os.closerange(5, 1 << 16)
        progress, ack = 3, 4
        sys.stdin = os.fdopen(0, "r", closefd=False)  # /dev/null: reading gives end of file
        sys.stdout = _log_stream(1)
        sys.stderr = _log_stream(2)
        scratch = box / "scratch"
        out_fd = os.open(box / "out", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        os.chdir(scratch)
        os.environ["HOME"] = str(scratch)
        os.environ["TMPDIR"] = str(scratch)
        driver = _load_driver(req["driver"])
        drivers = Path(req["driver"]).parent
        job = json.loads(Path(req["cases"]).read_text(encoding="utf-8"))
        cases, index = job["cases"], job["arrays"]
        blob = memoryview((Path(req["cases"]).parent / "arrays.bin").read_bytes())
        _set_limits(req["limits"])
        if not _drop_privileges() and req.get("nobody"):  # never run student code as root
            raise OSError("could not switch to uid nobody")
        _install_guard()
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    except BaseException as exc:  # setup failure: report through the exit status
        with contextlib.suppress(BaseException):
            os.write(2, f"worker setup failed: {exc!r}\n".encode())
        os._exit(70)

    def tell(msg: str) -> None:
        with contextlib.suppress(OSError):
            os.write(progress, msg.encode() + b"\n")

    try:
        sys.path.insert(0, str(Path(req["module"]).parent))
        spec = importlib.util.spec_from_file_location(req["module_name"], req["module"])
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[req["module_name"]] = module
        if code is not None:  # precompiled by the zygote: same module, no second compile
            exec(code, module.__dict__)
        else:
            spec.loader.exec_module(module)
    except BaseException as exc:
        _sigmask(signal.SIG_BLOCK, _BLOCKED)
        _write_result(out_fd, {"ok": False, "error": _error_text(exc)}, [])
        _flush_and_exit(progress, "E")
    tell("I")
    fds = _open_fds()
    # Usually the worker's own descriptors are exactly 5 .. top: then one close_range call per
    # case closes whatever a case left open above them.
    top = max(fds, default=4)
    fd_end = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    one_call = fds == set(range(5, top + 1)) and 0 < fd_end <= 1 << 20
    for case in cases[req["start"] :]:
        k = case["index"]
        error: str | None = None
        outputs: dict[str, Any] = {}
        blobs: list[list[Any]] = []  # each output's .npy file, in pieces
        try:
            drv = driver
            if "_driver" in case:  # a job may hold several items, each with its own driver
                drv = _load_driver(str(drivers / f"{case['_driver']}.py"))
            args = _decode(case, blob, index)
            outputs = drv.run(module, case.get("_function", req["function"]), args)
        except BaseException as exc:
            error = _error_text(exc)
        # From here until the zygote has taken the results no student code should run: no
        # signal handler, no finalizer called by the garbage collector.
        saved = _sigmask(signal.SIG_BLOCK, _BLOCKED)
        collecting = gc.isenabled()
        gc.disable()
        # Descriptors the case left open are closed, so a leak cannot starve later cases (or
        # the saving of this one) under the open-files limit.
        if one_call:
            os.closerange(top + 1, fd_end)
        else:
            for fd in _open_fds() - fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
        try:
            for arr in outputs.values() if error is None else ():
                if type(arr) is not np.ndarray:
                    raise TypeError(
                        f"returned {type(arr).__module__}.{type(arr).__qualname__}, "
                        "expected numpy.ndarray"
                    )
                if arr.dtype.hasobject:
                    raise TypeError("returned an array of Python objects")
                blobs.append(npy_parts(arr))
        except BaseException as exc:
            error = _error_text(exc)
        if error is None:
            sizes = [[n, sum(len(p) for p in b)] for n, b in zip(outputs, blobs, strict=True)]
            _write_result(out_fd, {"ok": True, "outputs": sizes}, [p for b in blobs for p in b])
        else:
            _write_result(out_fd, {"ok": False, "error": error}, [])
        tell(f"D {k}")
        try:
            acked = os.read(ack, 1)  # the zygote has copied case k's results
        except OSError:
            acked = b""
        if not acked:
            os._exit(0)
        if collecting:
            gc.enable()
        _sigmask(signal.SIG_SETMASK, saved)
        del outputs, blobs
    _sigmask(signal.SIG_BLOCK, _BLOCKED)
    _flush_and_exit(progress, None)


def _open_fds() -> set[int]:
    try:
        return {int(p.name) for p in Path("/proc/self/fd").iterdir()} - {0, 1, 2, 3, 4}
    except OSError:
        return set()


def _flush_and_exit(progress: int, last: str | None) -> None:
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:
        pass
    finally:
        if last is not None:
            with contextlib.suppress(OSError):
                os.write(progress, last.encode() + b"\n")
        os._exit(0)


def _make_box(req: dict[str, Any], n: int) -> Path:
    """The child's writable directories, ``box/N/out`` and ``box/N/scratch``."""
    box = Path(req["box"]) / str(n)
    for sub in ("out", "scratch"):
        try:
            (box / sub).mkdir(parents=True)
            if req.get("nobody"):
                os.chown(box / sub, NOBODY, NOBODY)
        except OSError:
            pass  # the child fails its setup and says so
    return box


def _check_result(data: bytes, req: dict[str, Any]) -> bytes:
    """A case's result file as the grader may take it: the status line, and when the call
    succeeded the outputs it declares, exactly filling the rest (ValueError otherwise)."""
    end = data.find(b"\n", 0, META_BYTES)
    if end < 0:
        raise ValueError("the result has no status line")
    meta = json.loads(data[:end])
    if not isinstance(meta, dict):
        raise ValueError("the result's status is not an object")
    if meta.get("ok") is not True:
        return data[: end + 1]
    outputs = meta.get("outputs")
    if not isinstance(outputs, list) or len(outputs) > int(req["max_outputs"]):
        raise ValueError(f"more than {req['max_outputs']} outputs")
    names = [o[0] if isinstance(o, list) and len(o) == 2 else None for o in outputs]
    if not all(isinstance(n, str) and n.isidentifier() for n in names):
        raise ValueError("an output has an invalid name")
    if len(set(names)) < len(names):
        raise ValueError("an output has an invalid name (a repeated one)")
    sizes = [o[1] for o in outputs]
    if not all(type(n) is int and n >= 0 for n in sizes) or sum(sizes) != len(data) - end - 1:
        raise ValueError("the outputs do not match the sizes their status declares")
    if sum(sizes) > int(req["max_case_bytes"]):
        raise ValueError(f"the outputs are larger than {req['max_case_bytes']} bytes")
    return data


def _result_files(run: _Running) -> tuple[int, int]:
    """The child's ``out/`` and a new ``res/results.bin`` to append to, opened once per child."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    out_fd = os.open(run.box / "out", flags)
    try:
        res_fd = os.open(Path(run.req["workdir"]) / "res", flags)
        try:
            results = os.open(
                "results.bin",
                os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | os.O_NOFOLLOW,
                0o644,
                dir_fd=res_fd,
            )
        finally:
            os.close(res_fd)
    except OSError:
        os.close(out_fd)
        raise
    return out_fd, results


def _freeze(run: _Running, key: int | str) -> None:
    """Take the child's ``out/res`` for case ``key`` (``"import"``: the import error), check it
    and append it, as ``KEY LENGTH\\n`` and the bytes, to ``res/results.bin``, which the child
    cannot write.  A result that is not a plain single-link file or does not match its status
    becomes an error; a missing one leaves no record (the grader then says none came back)."""
    req = run.req
    try:
        if run.dirs is None:
            run.dirs = _result_files(run)
        out_fd, results = run.dirs
        try:
            data = _check_result(
                read_plain(out_fd, "res", int(req["max_case_bytes"]) + META_BYTES), req
            )
        except FileNotFoundError:
            return
        except ValueError as exc:
            data = json.dumps({"ok": False, "error": str(exc)}).encode() + b"\n"
        if run.bytes_out + len(data) > int(req.get("max_bytes", 1 << 62)):
            data = b'{"ok": false, "error": "the outputs exceed what one grading may return"}\n'
        run.bytes_out += len(data)
        write_all(results, [f"{key} {len(data)}\n".encode(), data])
    except OSError:
        pass  # nothing (more) recorded: the grader reports that no result came back


def read_plain(dir_fd: int, name: str, limit: int) -> bytes:
    """A plain single-link file of at most ``limit`` bytes, opened without following links or
    blocking on a FIFO (ValueError otherwise; FileNotFoundError if it is missing)."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ValueError(f"{name} could not be opened safely ({exc.strerror})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError(f"{name} is not a regular file")
        if st.st_nlink != 1:  # a hard link to some other file, maybe one the child cannot read
            raise ValueError(f"{name} is a hard link")
        if st.st_size > limit:
            raise ValueError(f"{name} is larger than {limit} bytes")
        chunks, left = [], st.st_size
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


class _Running:
    def __init__(
        self, req: dict[str, Any], pid: int, fd: int, acks: tuple[int, int], box: Path
    ) -> None:
        self.req, self.pid, self.fd = req, pid, fd
        self.acks, self.box = acks, box  # (read end, kept so a write never hits EPIPE; write end)
        self.t0 = self.case_t0 = time.monotonic()
        self.buf = b""
        self.imported = False
        self.import_error = False
        self.started: list[int] = []
        self.done: list[int] = []
        self.timed_out: int | None = None
        self.killed = False
        self.expected: list[int] = [int(i) for i in req.get("indices", [])]
        self.in_case = False
        self.dirs: tuple[int, int] | None = None  # (out/, results.bin) once _freeze opened them
        self.bytes_out = 0  # result bytes recorded so far

    def deadline(self) -> float:
        item = self.t0 + float(self.req["item_timeout"])
        case = self.case_t0 + float(self.req["case_timeout"])
        return min(item, case)

    def feed(self, data: bytes) -> None:
        self.buf += data
        *lines, self.buf = self.buf.split(b"\n")
        if len(self.buf) > 64:  # no message is that long: an endless line is noise
            self.buf = b""
        for raw in lines:
            self._message(raw.strip())

    def _message(self, line: bytes) -> None:
        """Accept the protocol only, in order: ``I`` or ``E`` once, then ``D k`` for each
        expected case in turn; case ``k`` starts when the previous one is acknowledged (or at
        ``I``), so no separate start message is needed.  Anything else (the student can write
        on the pipe too) is ignored, so it can neither push the deadline back nor confuse the
        bookkeeping."""
        if not (self.imported or self.import_error):
            if line == b"I":
                self.imported = True
                self._next_case()
            elif line == b"E":
                self.import_error = True
                _freeze(self, "import")
            return
        if self.import_error or not self.in_case:
            return
        k = self.expected[len(self.done)]
        if line == f"D {k}".encode():
            _freeze(self, k)
            self.in_case = False
            self.done.append(k)
            with contextlib.suppress(OSError):
                os.write(self.acks[1], b"k")
            self._next_case()

    def _next_case(self) -> None:
        self.case_t0 = time.monotonic()
        if len(self.done) < len(self.expected):
            self.in_case = True
            self.started.append(self.expected[len(self.done)])

    def kill(self) -> None:
        for target in (
            lambda: os.killpg(self.pid, signal.SIGKILL),
            lambda: os.kill(self.pid, signal.SIGKILL),
        ):
            with contextlib.suppress(OSError):
                target()
        self.killed = True


def _children_of(pid: int) -> list[int]:
    """The direct children of ``pid`` (the kernel's list when it keeps one, else a /proc scan)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except (OSError, ValueError):
        pass
    found = []
    for entry in os.listdir("/proc"):  # noqa: PTH208
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
                with contextlib.suppress(OSError):
                    fn(p, signal.SIGKILL)
        for p in strays:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(p, 0)
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
        "rlimits": "address space, CPU, file size, open files, no new processes or threads",
        "import_guard": "forbidden modules refused at import",
        "privileges": "runs as uid nobody" if nobody_ok else "same user (not root)",
        "namespaces": os.environ.get("GRADER_NAMESPACES", "none"),
        "filesystem": os.environ.get("GRADER_FILESYSTEM", "shared with the host"),
        "forbidden_packages_hidden": torch_hidden,
    }


MS_RDONLY, MS_REMOUNT, MS_BIND = 1, 32, 4096


def apply_mounts(steps: list[list[Any]], libc: Any) -> None:
    """Carry out the grader's mount plan (``sandbox.mount_plan``) in this process's new mount
    namespace: directories to keep are opened first, then covered by tmpfs mounts and bound
    back from the open descriptors.  Any failure is raised: the zygote then does not start."""
    import ctypes

    libc.mount.argtypes = [
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_ulong,
        ctypes.c_char_p,
    ]

    def mount(
        src: str | None, target: str, fstype: str | None, flags: int, data: str | None
    ) -> None:
        enc = [None if v is None else v.encode() for v in (src, target, fstype, data)]
        if libc.mount(enc[0], enc[1], enc[2], flags, enc[3]) != 0:
            err = ctypes.get_errno()
            raise OSError(err, f"mount {fstype or 'bind'} on {target}: {os.strerror(err)}")

    kept: list[int] = []
    try:
        for step in steps:
            kind = step[0]
            if kind == "keep":
                kept.append(os.open(step[1], os.O_PATH | os.O_DIRECTORY))
            elif kind == "tmpfs":
                Path(step[1]).mkdir(parents=True, exist_ok=True)
                mount("tmpfs", step[1], "tmpfs", MS_RDONLY if step[2] else 0, step[3])
            elif kind == "bind":
                Path(step[2]).mkdir(parents=True, exist_ok=True)
                mount(f"/proc/self/fd/{kept[step[1]]}", step[2], None, MS_BIND, None)
            elif kind == "remount_ro":
                mount(None, step[1], None, MS_REMOUNT | MS_RDONLY, None)
            else:
                raise ValueError(f"unknown mount step {kind!r}")
    finally:
        for fd in kept:
            os.close(fd)


def main(mount_plan: str | None = None) -> None:
    """The zygote: apply the mount plan (a JSON file, inside the namespaces), load what every
    child needs, say ready, then serve the grader's requests until its input ends."""
    import ctypes  # only the zygote (never a child): mounts, and the subreaper flag

    libc = ctypes.CDLL(None, use_errno=True)
    if mount_plan is not None:  # inside the namespaces: the grader's mount plan comes first
        try:
            with open(mount_plan, encoding="utf-8") as f:
                apply_mounts(json.load(f), libc)
        except (OSError, ValueError) as exc:
            sys.stderr.write(f"the mount plan failed: {exc}\n")
            sys.stderr.flush()
            os._exit(1)
    for name in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    with contextlib.suppress(OSError, AttributeError):  # the subreaper of all it forks
        libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    del libc
    for name in [m for m in sys.modules if m.split(".")[0] == "ctypes"]:
        del sys.modules[name]
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    # Below the grader's priority (the children inherit it): student code, however busy, does not
    # starve the grader's bookkeeping, nor the oracle's process on a first run.
    with contextlib.suppress(OSError):
        os.nice(NICE)
    # Everything loaded so far lives as long as the zygote: the collector need not look at it
    # again, here or in the children (which also touch, and so copy, fewer inherited pages).
    gc.collect()
    gc.freeze()
    out = sys.stdout
    out.write(json.dumps({"ready": True, "layers": _layers()}) + "\n")
    out.flush()
    stdin_fd = sys.stdin.fileno()
    running: dict[int, _Running] = {}  # by progress fd
    seq = 0
    inbuf = b""
    eof = False
    last_poll = 0.0  # when children were last checked for having exited
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
                if not chunk:  # the grader is done (or gone): nobody wants what still runs
                    eof = True
                    for run in running.values():
                        run.kill()
                    continue
                inbuf += chunk
                *lines, inbuf = inbuf.split(b"\n")
                for line in lines:
                    if line.strip():
                        req = json.loads(line)
                        r, w = os.pipe()
                        ack_r, ack_w = os.pipe()
                        seq += 1
                        box = _make_box(req, seq)
                        # A driver that fails to load: the child reports it through its exit status.
                        with contextlib.suppress(Exception):
                            for path in sorted(Path(req["driver"]).parent.glob("*.py")):
                                _load_driver(str(path))
                        code = _compiled(req["module"])
                        pid = os.fork()
                        if pid == 0:
                            try:  # the child never returns into the zygote's loop
                                os.close(r)
                                os.close(ack_w)
                                _child(req, w, ack_r, box, code)
                            finally:
                                os._exit(70)
                        os.close(w)
                        os.set_blocking(ack_w, False)
                        running[r] = _Running(req, pid, r, (ack_r, ack_w), box)
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
                run.timed_out = (
                    run.started[-1]
                    if run.started and (not run.done or run.started[-1] != run.done[-1])
                    else None
                )
                run.kill()
        poll = not ready or now - last_poll >= 0.05  # (exited children: looked for when idle)
        if poll:
            last_poll = now
        for run in list(running.values()):
            if run.killed:
                _finish(run, running, out, None)
                continue
            if not poll:
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
    with contextlib.suppress(OSError):
        os.killpg(run.pid, signal.SIGKILL)
    if status is None:
        _pid, status = os.waitpid(run.pid, 0)
    for fd in (run.fd, *run.acks, *(run.dirs or ())):
        os.close(fd)
    del running[run.fd]
    _sweep({r.pid for r in running.values()})
    shutil.rmtree(run.box, ignore_errors=True)  # nothing of this child is left to write there
    code = os.waitstatus_to_exitcode(status)
    out.write(
        json.dumps(
            {
                "id": run.req["id"],
                "status": code,
                "imported": run.imported,
                "import_error": run.import_error,
                "started": run.started,
                "done": run.done,
                "timed_out": run.timed_out,
                "elapsed": time.monotonic() - run.t0,
            }
        )
        + "\n"
    )
    out.flush()
