"""Phase 3, oracle: torch computes the expected outputs, in float64, never where student code
runs.

``--device`` picks where: ``cpu``, ``cuda`` or ``auto`` (CUDA when present).  On CUDA, TF32 is
switched off so float64/float32 matmuls are what they claim to be.  :class:`Oracle` hands out one
future per item: done at once from the on-disk cache (``.grader-cache/``), or computed by a
process of its own (torch's import and the oracles' Python work run beside the sandbox's
children, not in the grader's interpreter), which imports torch once and forks its workers
(:data:`WORKERS`, one per usable CPU up to two) to compute items side by side.  The cache key covers
everything that decides an expected value: torch's version, the device, the item, its cases'
inputs and every source file on the oracle's side (:data:`ORACLE_SOURCES`), so a second run of
the same grade need not import torch at all, and no change to the oracle can leave a stale
value.  Each reply carries its length and CRC-32 and is written whole, on a descriptor nothing
else in that process writes to: a reply that does not check out stops the process (its items
fail as grader errors, never judged on what arrived), and the next request starts a new one.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import pickle
import platform
import signal
import subprocess
import sys
import threading
import zlib
from concurrent.futures import Future
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from graders import cpus
from graders.sandbox.box import wire

if TYPE_CHECKING:
    import torch as torch_t

    from graders.registry import Case, Item

REPO = Path(__file__).resolve().parent.parent
CACHE_DIR = Path(os.environ.get("GRADER_CACHE_DIR", REPO / ".grader-cache"))


class DeviceError(ValueError):
    """The requested device is not available."""


@cache
def torch() -> Any:
    """Import torch on first use, configured for a strict float64 oracle."""
    import torch as t

    t.backends.cuda.matmul.allow_tf32 = False
    t.backends.cudnn.allow_tf32 = False
    t.set_num_threads(1)
    return t


def _nvidia_present() -> bool:
    return Path("/proc/driver/nvidia/version").exists() or any(Path("/dev").glob("nvidia[0-9]*"))


def resolve_device(device: str) -> str:
    """'cpu' or 'cuda' for the ``--device`` option; DeviceError if CUDA is asked for but absent."""
    if device == "cpu":
        return "cpu"
    if device not in ("cuda", "auto"):
        raise DeviceError(f"unknown device '{device}' (choose cpu, cuda or auto)")
    available = _nvidia_present() and bool(torch().cuda.is_available())
    if device == "cuda" and not available:
        raise DeviceError("--device cuda: no CUDA device is available on this machine")
    return "cuda" if available else "cpu"


def versions(device: str) -> dict[str, str]:
    """Library versions and the device, stated in every report."""
    info = {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": _torch_version(),
        "device": device,
        "platform": f"{platform.system()} {platform.machine()}",
    }
    if device == "cuda":
        t = torch()
        info["cuda"] = str(t.version.cuda)
        info["gpu"] = t.cuda.get_device_name(0)
        info["tf32"] = "off"
    return info


def tensor(x: Any, device: str, requires_grad: bool = False) -> torch_t.Tensor:
    """A float64 (or integer) torch tensor of ``x`` on ``device``."""
    t = torch()
    arr = np.asarray(x)
    if arr.dtype.kind == "f":
        out = t.tensor(arr.astype(np.float64), dtype=t.float64, device=device)
        return out.requires_grad_(requires_grad)
    if arr.dtype.kind == "b":
        return t.tensor(arr, dtype=t.bool, device=device)
    return t.tensor(arr.astype(np.int64), dtype=t.int64, device=device)


def numpy(t: torch_t.Tensor, like: Any = None) -> np.ndarray:
    """Back to NumPy; cast to ``like``'s float dtype (the student's input dtype) if given."""
    out = t.detach().cpu().numpy()
    if like is not None:
        dtype = np.asarray(like).dtype
        if dtype.kind == "f":
            out = out.astype(dtype)
    return np.asarray(out)


# --------------------------------------------------------------------------------- the cache
Expected = list[dict[str, Any]]  # an item's expected outputs, case by case
GRADERS = Path(__file__).resolve().parent
#: Every file whose content can change an expected value.
ORACLE_SOURCES: tuple[Path, ...] = (
    GRADERS / "oracle.py",
    GRADERS / "objectives.py",
    *sorted((GRADERS / "registry").rglob("*.py")),
)


@cache
def _torch_version() -> str:
    return metadata.version("torch")


@cache
def source_hash(sources: tuple[Path, ...] = ORACLE_SOURCES) -> str:
    """A hash of the oracle's source files (their names and contents)."""
    h = hashlib.sha256()
    for path in sources:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def cache_key(item: Item, cases: list[Case], device: str) -> str:
    """Identifies an item's expected outputs: torch version, device, sources, inputs."""
    h = hashlib.sha256()
    h.update(f"{_torch_version()}|{device}|{item.name}|{source_hash()}|".encode())
    for case in cases:
        h.update(case.name.encode())
        # Inputs by value (pickle is only hashed here, never loaded): C-speed and deterministic.
        h.update(pickle.dumps((case.args, case.kwargs, case.spec, case.data), protocol=5))
    return h.hexdigest()[:32]


class ExpectedCache:
    """Expected outputs of whole items on disk: one bundle (``sandbox/box/wire.py``) per item
    and inputs, case ``k``'s output ``name`` stored as ``c{k}__{name}``; no pickles."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    def _path(self, key: str) -> Path | None:
        return None if self.directory is None else self.directory / f"{key}.bundle"

    def load(self, key: str, n_cases: int) -> Expected | None:
        """The item's expected outputs, or None (absent, unreadable or not for n_cases)."""
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        try:
            arrays, _ = wire.load(path.read_bytes())
            return _unflatten(arrays, n_cases)
        except (OSError, ValueError, IndexError):
            return None

    def store(self, key: str, expected: Expected) -> None:
        path = self._path(key)
        if path is None:
            return
        arrays = _flatten(expected)
        if any(a.dtype.kind not in wire.PLAIN_KINDS for a in arrays.values()):
            return  # not cacheable; computed again next time
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(wire.dumps(arrays))
            tmp.replace(path)
        except OSError as exc:  # a read-only checkout: grading goes on without the cache
            print(f"note: could not write the oracle cache ({exc.strerror})", file=sys.stderr)


# --------------------------------------------------------------------------------- computing
def compute(
    name: str, seed: int, hidden: bool, device: str, cache_dir: str | None, timing: bool = False
) -> Expected:
    """Item ``name``'s expected outputs for its public (or hidden) cases of ``seed``, or with
    ``timing`` for the efficiency report's timed inputs made from the public ones, stored in the
    cache directory if one is given.  Runs in the oracle's process."""
    from graders import efficiency, registry

    item = registry.BY_NAME[name]
    cases = registry.build_cases(item, seed, hidden)
    if timing:
        timed = efficiency.timing_case(item, cases)
        if timed is None:
            raise ValueError(f"{name} has no timed input")
        cases = efficiency.timed_inputs(timed)
    expected = [item.oracle(case, device) for case in cases]
    ExpectedCache(Path(cache_dir) if cache_dir else None).store(
        cache_key(item, cases, device), expected
    )
    return expected


def prefill(
    items: list[Item], seeds: tuple[int, int | None], device: str, directory: Path
) -> tuple[int, int]:
    """Compute ``items``' expected values into the cache at ``directory``, in this process: the
    public cases of ``seeds[0]`` and, if ``seeds[1]`` is given, the hidden cases of that seed
    (the parts :meth:`Oracle.submit` looks up).  A grading after it with the same seeds, device
    and cache need not import torch.  Returns (parts computed, parts already there)."""
    from graders import registry

    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    if not os.access(directory, os.W_OK | os.X_OK):
        raise PermissionError(errno.EACCES, "not writable", str(directory))
    cache = ExpectedCache(directory)
    computed = present = 0
    parts = [(seeds[0], False)] + ([] if seeds[1] is None else [(seeds[1], True)])
    for item in items:
        for seed, hidden in parts:
            cases = registry.build_cases(item, seed, hidden)
            if hidden and not cases:
                continue  # (no hidden part is asked for)
            if cache.load(cache_key(item, cases, device), len(cases)) is not None:
                present += 1
            else:
                compute(item.name, seed, hidden, device, str(directory))
                computed += 1
    return computed, present


def joined(parts: list[Future[Expected]]) -> Future[Expected]:
    """One future for an item's parts (public, hidden): their outputs in order, or the first
    part's error."""
    if len(parts) == 1:
        return parts[0]
    whole: Future[Expected] = Future()
    lock = threading.Lock()

    def settle(_: Future[Expected]) -> None:
        with lock:
            if whole.done() or not all(p.done() for p in parts):
                return
            error = next((p.exception() for p in parts if p.exception()), None)
            if error is not None:
                whole.set_exception(error)
            else:
                whole.set_result([e for p in parts for e in p.result()])

    for part in parts:
        part.add_done_callback(settle)
    return whole


class Oracle:
    """Expected outputs, one future per item: from the cache, or from the oracle's process
    (``python -m graders.oracle``, started on the first item the cache lacks and kept until
    :meth:`close`).  An item's public and hidden cases are two parts, cached and computed apart
    (a new hidden seed, a student's, costs only the hidden cases).  The process computes one
    part per request and sends back its expected outputs as a bundle (as the cache stores
    them), after storing it in the cache if given."""

    def __init__(self, device: str) -> None:
        self.device = device
        self.proc: subprocess.Popen[bytes] | None = None
        self._waiting: dict[str, tuple[Future[Expected], int]] = {}  # by request key
        self._sent = 0
        self._lock = threading.Lock()  # (the process and the waiting requests)
        self._write_lock = threading.Lock()  # (one request at a time on the pipe)
        self._reader: threading.Thread | None = None
        # Whether the process's replies are being read (if not, the next request restarts it).
        self._live = False
        self._kept: dict[str, Expected] = {}  # public parts, by cache key (read-only arrays)

    def submit(
        self,
        items: list[tuple[Item, list[Case]]],
        seeds: tuple[int, int | None],
        cache: ExpectedCache,
    ) -> dict[str, Future[Expected]]:
        futures: dict[str, Future[Expected]] = {}
        for item, cases in items:
            parts = []
            for hidden in (False, True):
                part = [c for c in cases if c.hidden == hidden]
                if part or not hidden:
                    seed = seeds[1] if hidden else seeds[0]
                    parts.append(self._part(item, part, seed, hidden, cache))
            futures[item.name] = joined(parts)
        return futures

    def timing(
        self, item: Item, inputs: list[Case], seed: int, cache: ExpectedCache
    ) -> Future[Expected]:
        """torch's outputs for ``inputs``, the efficiency report's timed inputs made from the
        public cases of ``seed`` (``efficiency.timed_inputs``): a part of its own."""
        return self._part(item, inputs, seed, False, cache, timing=True)

    def _part(
        self,
        item: Item,
        cases: list[Case],
        seed: int | None,
        hidden: bool,
        cache: ExpectedCache,
        timing: bool = False,
    ) -> Future[Expected]:
        """The public or hidden part of an item (or its ``timing`` part): kept in memory (a
        public part, once read from the cache: every student of a class has it; not a timing
        part, whose answers are large), from the cache, else asked of the process."""
        future: Future[Expected] = Future()
        key = cache_key(item, cases, self.device)
        kept = self._kept.get(key)
        stored = _copy(kept) if kept is not None else cache.load(key, len(cases))
        if stored is not None:
            future.set_result(stored)
        else:
            request = {"item": item.name, "seed": seed, "hidden": hidden, "device": self.device}
            request["cache"] = None if cache.directory is None else str(cache.directory)
            request["timing"] = timing
            self._request(request, len(cases), future)
        if not (hidden or timing) and cache.directory is not None and kept is None:
            future.add_done_callback(lambda f: self._keep(key, f))
        return future

    def _keep(self, key: str, future: Future[Expected]) -> None:
        if future.exception() is None:
            self._kept[key] = _frozen(future.result())

    def _request(self, request: dict[str, Any], n_cases: int, future: Future[Expected]) -> None:
        """Send one request, its reply awaited under a key of its own.  The pipe is written
        outside the lock the reader takes: a writer blocked on a full pipe (the process busy
        writing replies) never keeps the reader from draining them."""
        with self._write_lock:
            with self._lock:
                if not self._live:
                    self._start()
                assert self.proc is not None
                self._sent += 1
                request["key"] = f"{request['item']}/{self._sent}"
                self._waiting[request["key"]] = (future, n_cases)
                stdin = self.proc.stdin
            assert stdin is not None
            try:
                stdin.write(json.dumps(request).encode() + b"\n")
                stdin.flush()
            except (OSError, ValueError):
                pass  # (the reader fails every waiting future)

    def _start(self) -> None:
        """Start the process and the thread reading its replies (lock held); a process whose
        replies are no longer read (it ended, or sent one that did not check out) is stopped
        first."""
        if self.proc is not None:
            _stop(self.proc)
        self.proc = subprocess.Popen(
            COMMAND,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # (its errors come back per item)
            start_new_session=True,  # (its workers are killed with it, as a group)
        )
        self._live = True
        self._reader = threading.Thread(
            target=self._read, args=(self.proc,), name="oracle", daemon=True
        )
        self._reader.start()

    def _read(self, proc: subprocess.Popen[bytes]) -> None:
        """Replies, each checked (:func:`reply`).  One that does not check out stops the
        process: nothing after it on the stream can be trusted.  Whatever ends the replies,
        every request still waiting fails, and the next one starts a new process."""
        assert proc.stdout is not None
        why = "the oracle's process ended"
        try:
            while line := proc.stdout.readline():
                key, status, body = reply(line, proc.stdout)
                with self._lock:
                    future, n_cases = self._waiting[key]
                if status == b"ok":
                    future.set_result(_unflatten(wire.load(body)[0], n_cases))
                else:
                    future.set_exception(OracleError(body.decode("utf-8", "replace")))
                with self._lock:
                    del self._waiting[key]
        except Exception as exc:  # (this thread must not end with a request left waiting)
            why = f"a reply of the oracle's process did not check out ({exc!r}); it was stopped"
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
        finally:
            with self._lock:
                waiting, self._waiting, self._live = self._waiting, {}, False
            for future, _ in waiting.values():
                if not future.done():
                    future.set_exception(OracleError(why))

    def close(self) -> None:
        """Stop the oracle's process: at the end of its input when no reply is awaited (it
        reaps its workers and exits), else at once, whatever it is doing; then its process
        group is killed (whatever is left of it)."""
        proc = self.proc
        if proc is None:
            return
        assert proc.stdin is not None and proc.stdout is not None
        with self._lock:
            idle = not self._waiting
        with contextlib.suppress(OSError):
            proc.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5 if idle else 0)
        _stop(proc)
        if self._reader is not None:
            self._reader.join()
        proc.stdout.close()
        self.proc = None

    def __enter__(self) -> Oracle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class OracleError(RuntimeError):
    """An oracle failed (a grader's bug, not the student's): its item is a grader error."""


#: The oracle's process (tests replace it with one that misbehaves).
COMMAND = [sys.executable, "-m", "graders.oracle"]


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Kill the process's group (the process and its workers) and reap the process."""
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def header(key: bytes, status: bytes, body: bytes) -> bytes:
    """A reply's first line: ``KEY STATUS LENGTH CRC32`` (status ``ok``: the body is a bundle
    of the expected outputs; ``error``: a message)."""
    return b"%s %s %d %08x\n" % (key, status, len(body), zlib.crc32(body))


def reply(line: bytes, stream: IO[bytes]) -> tuple[str, bytes, bytes]:
    """One reply (its :func:`header` line given, its body read off ``stream``) as (key,
    status, body); OracleError if the header is garbled or the body is short or fails its
    checksum."""
    head = line.split()
    try:
        key, status, length, crc = head[0].decode("ascii"), head[1], int(head[2]), int(head[3], 16)
    except (IndexError, ValueError):  # (UnicodeDecodeError is a ValueError)
        raise OracleError(f"a garbled reply header {line[:40]!r}") from None
    if len(head) != 4 or status not in (b"ok", b"error") or length < 0:
        raise OracleError(f"a garbled reply header {line[:40]!r}")
    body = stream.read(length)
    if len(body) != length or zlib.crc32(body) != crc:
        raise OracleError(f"the reply to {key} is not the bytes that were sent")
    return key, status, body


def _frozen(expected: Expected) -> Expected:
    """Expected outputs whose arrays cannot be changed (they are shared by every student)."""
    for case in expected:
        for value in case.values():
            if isinstance(value, np.ndarray):
                value.flags.writeable = False
    return expected


def _copy(expected: Expected) -> Expected:
    """A student's own lists and dicts over shared, read-only arrays."""
    return [dict(case) for case in expected]


def _flatten(expected: Expected) -> dict[str, np.ndarray]:
    return {f"c{k}__{n}": np.asarray(v) for k, case in enumerate(expected) for n, v in case.items()}


def _unflatten(arrays: dict[str, np.ndarray], n_cases: int) -> Expected:
    out: Expected = [{} for _ in range(n_cases)]
    for member, value in arrays.items():
        k, name = member[1:].split("__", 1)
        out[int(k)][name] = value
    return out


#: Processes computing expected values at once, forked from the oracle's process once torch is
#: imported (so it is imported once): a cold grading's expected values come from two cores
#: once the sandbox's children are done (``make bench-against``: see the README).  With one
#: usable CPU the oracle's process computes them itself (no second copy of torch's memory).
WORKERS = min(2, cpus.usable())


def answer(request: dict[str, Any]) -> tuple[bytes, bytes]:
    """One request's reply: ``ok`` and the expected outputs as a bundle, or ``error`` and a
    message naming where the oracle failed.  Runs in a worker of the oracle's process."""
    try:
        expected = compute(
            request["item"],
            request["seed"],
            request["hidden"],
            request["device"],
            request["cache"],
            request.get("timing", False),
        )
        return b"ok", wire.dumps(_flatten(expected))
    except Exception as exc:
        return _error(exc)


def _error(exc: BaseException) -> tuple[bytes, bytes]:
    """``error`` and the exception, with the file and line where it was raised."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    where = f" ({Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return b"error", f"{type(exc).__name__}: {exc}{where}".encode()


def serve(workers: int = WORKERS) -> None:
    """The oracle's process: torch imported at once, then one JSON request per line (key,
    item, seed, hidden, device, cache directory or null, timing), each answered by one of
    ``workers`` processes forked from this one, its reply written when it is ready (replies
    come in the order they finish, each under its request's key)."""
    import functools
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # (a Ctrl-C is the grader's to handle)
    # The replies get a descriptor of their own; what else writes to stdout (a library's
    # print, C code, in this process or a worker) goes to stderr, never into a reply.
    replies = os.dup(1)
    os.dup2(2, 1)
    torch()
    lock = threading.Lock()  # (replies are written by the pool's thread, requests failed by this)

    def send(key: bytes, status: bytes, body: bytes) -> None:
        with lock:
            wire.write_all(replies, header(key, status, body), body)

    def sent(key: bytes, done: Future[tuple[bytes, bytes]]) -> None:
        error = done.exception()  # (BrokenProcessPool: a worker died)
        send(key, *(done.result() if error is None else _error(error)))

    if workers <= 1:  # (one CPU: a worker would only add its memory)
        for line in sys.stdin.buffer:
            request = json.loads(line)
            send(request["key"].encode(), *answer(request))
        return

    # The workers start with torch imported; CUDA, if asked for, is first used in a worker,
    # never here (a forked process cannot use a CUDA context its parent made).
    fork = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=fork) as pool:
        for line in sys.stdin.buffer:
            request = json.loads(line)
            key = request["key"].encode()
            try:
                pool.submit(answer, request).add_done_callback(functools.partial(sent, key))
            except BrokenProcessPool as exc:  # (every request after a worker died)
                send(key, *_error(exc))


if __name__ == "__main__":  # (the module itself, not this copy run as __main__)
    from graders.oracle import serve as _serve

    _serve()
    sys.stdout.flush()
    os._exit(0)  # (its workers are reaped; the interpreter's teardown with torch takes 0.5 s)
