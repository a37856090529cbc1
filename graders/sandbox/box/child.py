"""A sandbox child: import the student's module, then call its functions case by case and write
back what they returned.  It computes no verdict: every comparison is the grader's.

Forked by the zygote (``zygote.py``) for one job (a chunk of cases of one student module), it
confines itself (``confine.py``), imports the module, and for each case calls its driver
(``drivers/``), writes the outputs to a fresh ``out/result`` (a bundle, ``wire.py``), tells the
zygote ``D k`` on the progress pipe (fd 3) and waits for the acknowledgement (fd 4) that the
zygote has taken the result out of its reach before any student code runs again.  ``I`` (the
module imported) and ``E`` (it failed to import) come first.  Python-level printing and warnings
are captured per case (the result's ``stdout`` and ``stderr``).  A timed job's child reads each
case's input from ``input-k`` once the zygote has put it there and acknowledged (after ``I``
too), and ends where there is none.
"""

from __future__ import annotations

import _signal
import contextlib
import errno
import fcntl
import gc
import importlib.util
import io
import json
import os
import shutil
import signal
import sys
import traceback
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from . import confine, wire
from .drivers import DRIVERS

try:
    from graders import policy
except ImportError:  # in a sandbox session, a copy beside the box package
    import policy  # type: ignore[no-redef]

#: Blocked from the return of the student's function until the zygote has taken the case's
#: result, so no student signal handler runs in between.
BLOCKED = {int(n) for n in signal.valid_signals()} - {signal.SIGKILL, signal.SIGSTOP}
_sigmask = _signal.pthread_sigmask  # (the C-level call: no enum conversion twice per case)
PROGRESS, ACK = 3, 4


class Capture(io.TextIOBase):
    """What the student's code prints during one case: its last ``wire.MAX_TEXT`` characters."""

    def __init__(self) -> None:
        super().__init__()
        self.text = ""

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        self.text = (self.text + str(s))[-wire.MAX_TEXT :]
        return len(s)

    def take(self) -> str:
        text, self.text = self.text, ""
        return text


def error_text(exc: BaseException) -> str:
    """One line for the feedback: the exception and where in the student's own code, with the
    function that raised it ("... (at activations.py:57 in sigmoid)")."""
    try:  # the student's exception: its __str__ (or its traceback) may misbehave too
        where = ""
        tb = exc.__traceback__
        while tb is not None:
            code = tb.tb_frame.f_code
            if "/box/" not in code.co_filename and not code.co_filename.startswith("<"):
                name = Path(code.co_filename).name
                where = f" (at {name}:{tb.tb_lineno} in {code.co_qualname})"
            tb = tb.tb_next
        text = f"{type(exc).__name__}: {exc}"
    except BaseException:
        where, text = "", f"{type(exc).__name__} (unprintable)"
    if len(text) > 400:
        text = text[:400] + "..."
    return text + where


def outputs_of(result: dict[str, Any]) -> dict[str, np.ndarray]:
    """The driver's outputs, each a plain ndarray (TypeError otherwise: the wire carries only
    arrays, and a subclass or a list must not pass for one)."""
    for name, arr in result.items():
        if type(arr) is not np.ndarray:
            kind = f"{type(arr).__module__}.{type(arr).__qualname__}"
            raise TypeError(f"{name}: returned {kind}, expected numpy.ndarray")
        if arr.dtype.hasobject:
            raise TypeError(f"{name}: returned an array of Python objects")
    return result


def write_result(out_fd: int, arrays: dict[str, np.ndarray], meta: dict[str, str]) -> None:
    """The case's result as a fresh ``out/result`` (never a file the student planted).  ``out/``
    is a tmpfs with room for one result: where files the student left there take that room,
    they are removed and the result written again."""
    for attempt in (1, 2):
        try:
            _write_fresh(out_fd, arrays, meta)
            return
        except OSError as exc:
            if attempt == 2 or exc.errno not in (errno.ENOSPC, errno.EDQUOT):
                return
        for name in os.listdir(out_fd):
            try:
                os.unlink(name, dir_fd=out_fd)
            except IsADirectoryError:
                shutil.rmtree(name, ignore_errors=True, dir_fd=out_fd)
            except OSError:
                pass


def _write_fresh(out_fd: int, arrays: dict[str, np.ndarray], meta: dict[str, str]) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink("result", dir_fd=out_fd)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
    fd = os.open("result", flags, 0o644, dir_fd=out_fd)
    try:
        wire.write(fd, arrays, meta)
    finally:
        os.close(fd)


def tried(at_import: list[str], mark: int) -> dict[str, str]:
    """``{"forbidden": names}`` for the forbidden imports of the module's import and of this
    case (from ``mark`` on in the guard's record), forbidden modules that got loaded anyway, and
    a removed guard; ``{}`` when there are none."""
    names = [*at_import, *confine.ATTEMPTS[mark:]]
    names += [n for n in policy.SHORTCUTS if n in sys.modules]
    if not confine.guard_in_place():
        names.append(policy.GUARD_REMOVED)
    return {"forbidden": ",".join(dict.fromkeys(names))} if names else {}


def tell(msg: str) -> None:
    with contextlib.suppress(OSError):
        os.write(PROGRESS, msg.encode() + b"\n")


def exit_now(last: str | None = None) -> NoReturn:
    """End the child without running anything of the student's (no atexit, no finalizers)."""
    _sigmask(signal.SIG_BLOCK, BLOCKED)
    if last is not None:
        tell(last)
    os._exit(0)


def _setup(
    req: dict[str, Any], progress_w: int, ack_r: int, box: Path, required: frozenset[str]
) -> int:
    """Descriptors, limits, confinement (``confine.enter``: no descriptor of a directory is
    open across it, so none leads back to the zygote's view), the guard; the open ``out/``."""
    os.setsid()
    work = Path(req["workdir"])
    null = os.open(os.devnull, os.O_RDONLY)
    out = os.open(work / "stdout.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    err = os.open(work / "stderr.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    for fd, target in ((null, 0), (out, 1), (err, 2)):
        os.dup2(fd, target)
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (progress_w, ack_r)]
    os.dup2(high[0], PROGRESS)
    os.dup2(high[1], ACK)
    os.closerange(ACK + 1, 1 << 16)
    sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
    confine.set_limits(req["limits"])
    confine.first_to_go()
    confine.enter(box, [str(work), req["submission"]], required)
    out_fd = os.open(box / "out", os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    os.chdir(box / "scratch")
    os.environ["HOME"] = os.environ["TMPDIR"] = str(box / "scratch")
    confine.install_guard()
    return out_fd


def _import(req: dict[str, Any], code: Any) -> Any:
    """The student's module (from the zygote's compiled code when it has it)."""
    sys.path.insert(0, req["submission"])
    spec = importlib.util.spec_from_file_location(req["module_name"], req["module"])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[req["module_name"]] = module
    try:
        if code is not None:
            exec(code, module.__dict__)
        else:
            spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[req["module_name"]]  # (never reused half-imported)
        raise
    return module


def _run_case(
    module: Any, case: dict[str, Any], inputs: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    try:
        args = wire.decode(case, inputs)
        return outputs_of(DRIVERS[case["driver"]].run(module, case["function"], args)), {}
    except BaseException as exc:
        return {}, {"error": wire.text(error_text(exc))}


def main(
    req: dict[str, Any],
    progress_w: int,
    ack_r: int,
    box: Path,
    code: Any,
    required: frozenset[str] = frozenset(),
) -> None:
    """Runs in the forked child; never returns."""
    try:
        out_fd = _setup(req, progress_w, ack_r, box, required)
        job = Path(req["job"])
        cases = json.loads((job / "cases.json").read_text(encoding="utf-8"))
        inputs, _ = wire.load((job / "inputs").read_bytes())
        stdout, stderr = Capture(), Capture()
        sys.stdout, sys.stderr = stdout, stderr
    except BaseException as exc:  # setup failure: reported through the exit status
        with contextlib.suppress(BaseException):
            os.write(2, f"sandbox child setup failed: {exc!r}\n{traceback.format_exc()}".encode())
        os._exit(70)
    try:
        module = _import(req, code)
    except BaseException as exc:
        _sigmask(signal.SIG_BLOCK, BLOCKED)
        meta = {"error": wire.text(error_text(exc)), **tried([], 0)}
        write_result(out_fd, {}, meta)
        exit_now("E")
    tell("I")
    timed = req.get("timed") is not None
    if timed and not _acked():
        os._exit(0)
    top = max(_open_fds(), default=ACK)  # the child's own descriptors: up to here
    at_import = list(confine.ATTEMPTS)
    for case in cases[req["start"] :]:
        if timed:
            inputs = _given(job, case["index"])
        mark = len(confine.ATTEMPTS)
        arrays, meta = _run_case(module, case, inputs)
        # Until the zygote has the result no student code may run: no signal handler, no
        # finalizer from the collector; descriptors the case left open are closed.
        saved = _sigmask(signal.SIG_BLOCK, BLOCKED)
        collecting = gc.isenabled()
        gc.disable()
        os.closerange(top + 1, 1 << 16)
        for name, capture in (("stdout", stdout), ("stderr", stderr)):
            printed = capture.take()
            if printed:
                meta[name] = wire.text(printed)
        meta.update(tried(at_import, mark))
        write_result(out_fd, arrays, meta)
        tell(f"D {case['index']}")
        if not _acked():
            os._exit(0)
        if collecting:
            gc.enable()
        _sigmask(signal.SIG_SETMASK, saved)
        del arrays, meta
    exit_now()


def _given(job: Path, index: int) -> dict[str, np.ndarray]:
    """A timed case's input, only now in the job's directory (none: the zygote ended the job
    there, and the child ends)."""
    try:
        return wire.load((job / f"input-{index}").read_bytes())[0]
    except FileNotFoundError:
        exit_now()


def _acked() -> bool:
    """Wait for the zygote's acknowledgement (False: it closed the pipe)."""
    try:
        return bool(os.read(ACK, 1))
    except OSError:
        return False


def _open_fds() -> set[int]:
    try:
        return {int(p.name) for p in Path("/proc/self/fd").iterdir()}
    except OSError:
        return set(range(ACK + 1))
