"""Where reports go: validated before grading, written without ever doing harm.

:func:`destination` checks ``--output`` when the command line is parsed and returns a
:class:`Destination` to write with later (the write checks again: the target may have
changed meanwhile).  :func:`output_dir` does the same for ``batch --output-dir``.

What ``--output`` may name, and how it is written:

- ``-``: standard output.
- a new name in an existing folder, or a regular file that is empty or an earlier report of this
  grader (in any format, :func:`is_report`): replaced atomically (a temporary file in the same
  folder, then ``rename``), keeping an existing file's permissions (and owner, when this process
  may set it); a new file gets ``0666`` less the umask, as ``open`` would give.  Any other file
  is the user's, and is never replaced.
- a link to a regular file: that file is written (as above); the link stays.
- a character device (``/dev/null``, a terminal) or a FIFO: written *through*, never replaced:
  opened write-only, without creating or truncating.  A FIFO with no reader is an error, not a
  hang (it is opened non-blocking, retried for ``fifo_wait`` seconds).
- a file reached through ``/proc`` (``/dev/stdout`` when the shell redirected it to a file,
  ``/dev/fd/3``): written through too, appending (what the shell's redirection opened).

Refused with one line (:class:`OutputError`): a folder, a socket, a block device, a broken
link, a missing or unwritable folder, a read-only file system, a ``.py`` or ``.ipynb`` file, a
file that is not a report of this grader, and anything inside the paths to protect (the
submission being graded).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import stat
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from graders.sandbox.box import wire

#: Files a report never replaces, whatever their place: the student's code.
CODE_SUFFIXES = (".py", ".ipynb")
#: How long a write waits for a FIFO's reader to appear, by default.
FIFO_WAIT = 5.0


class OutputError(ValueError):
    """The report cannot be written there: one line for the user."""


@dataclass(frozen=True)
class Destination:
    """A checked place to write a report."""

    #: What the user gave, as given ('-' for standard output).
    given: str
    #: 'stdout' | 'file' (replaced atomically) | 'device' | 'fifo' | 'stream' (written through).
    kind: str
    #: The path written: the regular file (links resolved) or the device, FIFO or stream as
    #: given; None for standard output.
    path: Path | None
    #: Whether the report goes to a terminal (colours are for terminals only).
    isatty: bool
    #: Paths a report must never be written into.
    protect: tuple[Path, ...] = ()

    def write(self, text: str, fifo_wait: float = FIFO_WAIT) -> None:
        """Write ``text`` (UTF-8), checking the place again first."""
        data = text.encode("utf-8")
        if self.kind == "stdout":
            _to_stdout(text, data)
            return
        try:
            kind, path = _classify(self.given, self.protect)
        except OutputError as exc:
            raise OutputError(f"{exc} (it changed since it was checked; nothing written)") from None
        if (kind, path) != (self.kind, self.path):
            raise OutputError(f"--output {self.given} changed since it was checked: not written")
        assert path is not None
        if kind == "file":
            _replace(path, data, self.given)
        else:
            _write_through(path, data, kind, self.given, fifo_wait)


def destination(given: str | Path, protect: Iterable[Path] = ()) -> Destination:
    """Check ``--output given`` before grading; OutputError (one line) if a report cannot or
    must not be written there.  ``protect``: the submission (nothing inside it is written)."""
    given = str(given)
    if given == "-":
        return Destination(given, "stdout", None, sys.stdout.isatty())
    guarded = tuple(Path(os.path.realpath(p)) for p in protect)
    kind, path = _classify(given, guarded)
    isatty = False
    if kind == "device":  # opened (not written) now: a terminal, and that it can be opened
        fd = _open_through(path, given, "device", 0.0)
        isatty = os.isatty(fd)
        os.close(fd)
    return Destination(given, kind, path, isatty, guarded)


def output_dir(given: str | Path, resume: bool = False, protect: Iterable[Path] = ()) -> Path:
    """Check ``batch --output-dir given`` and create it; the folder (links resolved).

    Refused: an existing file, a folder that is not empty (unless ``resume``: a batch goes on
    where it stopped), one that cannot be written or created, or one inside ``protect``."""
    path = Path(given)
    what = f"--output-dir {given}"
    try:
        st = path.stat()
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"{what}: {_reason(exc)}") from None
    real = Path(os.path.realpath(path))
    _guard(real, (Path(os.path.realpath(p)) for p in protect), what)
    if st is None:
        try:
            path.mkdir(parents=True)
        except OSError as exc:
            raise OutputError(f"{what} cannot be created: {_reason(exc)}") from None
        return real
    if not stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{what} exists and is not a folder")
    if not os.access(path, os.W_OK | os.X_OK):
        raise OutputError(f"{what}: cannot write in this folder")
    if not resume:
        with os.scandir(path) as entries:
            if next(entries, None) is not None:
                raise OutputError(f"{what} exists and is not empty")
    return real


# ----------------------------------------------------------------------------- checking
def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOTDIR:
        return "a part of the path is not a folder"
    if exc.errno == errno.EISDIR:
        return "it is a folder"
    return (exc.strerror or type(exc).__name__).lower()


def _guard(real: Path, protect: Iterable[Path], what: str) -> None:
    for p in protect:
        if real == p or p in real.parents:
            raise OutputError(f"{what} is inside the submission being graded: not written there")


#: File types an output never goes to, and how a refusal names them.
REFUSED_TYPES = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISBLK, "a block device"),
)


def _classify(given: str, protect: tuple[Path, ...]) -> tuple[str, Path]:
    """What ``given`` is now, as (kind, path to write); OutputError if it must not be written."""
    what = f"--output {given}"
    if not given:
        raise OutputError("--output needs a path")
    path = Path(given)
    try:
        st = path.stat()  # (follows links: what a link leads to is what would be written)
    except FileNotFoundError:
        if path.is_symlink():
            raise OutputError(f"{what} is a broken link") from None
        return "file", _new_file(path, protect, what)
    except OSError as exc:
        raise OutputError(f"{what}: {_reason(exc)}") from None
    for test, name in REFUSED_TYPES:
        if test(st.st_mode):
            raise OutputError(f"{what} is {name}")
    real = Path(os.path.realpath(path))
    if stat.S_ISCHR(st.st_mode):
        return "device", path
    if stat.S_ISFIFO(st.st_mode):
        _guard(real, protect, what)
        if not os.access(path, os.W_OK):
            raise OutputError(f"{what}: cannot write to this FIFO (permission denied)")
        return "fifo", path
    if not stat.S_ISREG(st.st_mode):  # (nothing else exists on Linux)
        raise OutputError(f"{what} is not a regular file")
    if _names_an_open_file(path):
        return "stream", path
    _writable_file(real, path, protect, what)
    return "file", real


def _writable_file(real: Path, path: Path, protect: tuple[Path, ...], what: str) -> None:
    """OutputError unless the regular file ``real`` may be replaced by a report."""
    _code_or_guarded(real, path, protect, what)
    if not os.access(real, os.W_OK):
        raise OutputError(f"{what}: cannot write to this file ({_access_reason(real)})")
    if not os.access(real.parent, os.W_OK | os.X_OK):
        raise OutputError(
            f"{what}: cannot write in its folder {real.parent} ({_access_reason(real.parent)})"
        )
    if not is_report(real):
        raise OutputError(
            f"{what} is a file that is not a report of this grader: not replaced (remove it, "
            "or choose another name)"
        )


#: Paths naming a file this process has open (``/dev/stdout`` -> ``/proc/self/fd/1``).
STREAMS = ("/proc/", "/dev/fd/", "/dev/stdout", "/dev/stderr")


def _names_an_open_file(path: Path) -> bool:
    """Whether ``path`` (or a link it leads through) is one of STREAMS: an open file of
    this process, which the shell's ``>`` or ``>>`` opened; it is written through."""
    current = Path.cwd() / path  # (path itself if absolute)
    for _ in range(40):  # (the kernel's own limit on links followed)
        if os.path.normpath(current).startswith(STREAMS):
            return True
        if not current.is_symlink():
            return False
        current = current.parent / current.readlink()
    return False


def _new_file(path: Path, protect: tuple[Path, ...], what: str) -> Path:
    parent = path.parent
    if not parent.is_dir():
        if parent.exists():
            raise OutputError(f"{what}: {parent} is not a folder")
        raise OutputError(f"{what}: folder {parent} does not exist")
    real = Path(os.path.realpath(parent)) / path.name
    _code_or_guarded(real, path, protect, what)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{what}: cannot write in folder {parent} ({_access_reason(parent)})")
    return real


#: How a report of each format begins: text, GitHub, JUnit, HTML (JSON is read whole).
REPORT_STARTS = (
    re.compile(rb"Grading "),
    re.compile(rb"Score [0-9.]+/[0-9.]+\s|::(?:error|warning|notice)[ :]"),
    re.compile(rb'<\?xml version="1\.0" encoding="utf-8"\?>\s*<testsuite name="graders" '),
    re.compile(rb"<!doctype html>\s*<html lang='en'><head>.{0,400}?<title>dlgrade: ", re.S),
)
#: A JSON report larger than this is no report of this grader's (a large one is a few MB).
MAX_JSON_REPORT = 64 << 20


def is_report(path: Path) -> bool:
    """Whether the regular file ``path`` may be replaced by a report: it is empty, or it is a
    report of this grader in one of its formats (for JSON, an object with ``tests`` and
    ``score``: Gradescope's ``results.json`` too).  Unreadable: not a report."""
    try:
        with path.open("rb") as f:
            head = f.read(1024)
            if not head:
                return True
            if head.lstrip().startswith(b"{") and os.fstat(f.fileno()).st_size <= MAX_JSON_REPORT:
                f.seek(0)
                data = json.loads(f.read())
                return isinstance(data, dict) and {"tests", "score"} <= data.keys()
    except (OSError, ValueError, RecursionError):
        return False
    return any(start.match(head) for start in REPORT_STARTS)


def _code_or_guarded(real: Path, given: Path, protect: Iterable[Path], what: str) -> None:
    if real.suffix.lower() in CODE_SUFFIXES or given.suffix.lower() in CODE_SUFFIXES:
        suffix = real.suffix or given.suffix
        raise OutputError(f"{what} is a {suffix} file: a report never replaces code")
    _guard(real, protect, what)


def _access_reason(path: Path) -> str:
    """Why ``access(W_OK)`` said no: a read-only file system or the permissions."""
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return "read-only file system"
    except OSError:
        pass
    return "permission denied"


# ----------------------------------------------------------------------------- writing
def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _replace(target: Path, data: bytes, given: str) -> None:
    """Atomically replace (or create) the regular file ``target`` with ``data``."""
    try:
        old: os.stat_result | None = target.lstat()
    except FileNotFoundError:
        old = None
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    except OSError as exc:
        raise OutputError(f"--output {given}: {_reason(exc)}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if old is None:
                os.fchmod(f.fileno(), 0o666 & ~_umask())
            else:
                os.fchmod(f.fileno(), stat.S_IMODE(old.st_mode))
                with contextlib.suppress(PermissionError):
                    os.fchown(f.fileno(), old.st_uid, old.st_gid)
        # The last look before the rename: only a regular file (or nothing) is ever replaced.
        with contextlib.suppress(FileNotFoundError):
            if not stat.S_ISREG(target.lstat().st_mode):
                raise OutputError(f"--output {given} changed since it was checked: not written")
        Path(tmp).replace(target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        if isinstance(exc, OSError):
            raise OutputError(f"--output {given}: {_reason(exc)}") from None
        raise


def _open_through(path: Path, given: str, kind: str, fifo_wait: float) -> int:
    """Open a device, FIFO or stream for writing: never created, truncated or made a
    controlling terminal; not blocking on a FIFO without a reader."""
    flags = os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK | os.O_CLOEXEC
    flags |= os.O_APPEND if kind == "stream" else 0
    deadline = time.monotonic() + fifo_wait
    while True:
        try:
            fd = os.open(path, flags)
            break
        except OSError as exc:
            if kind == "fifo" and exc.errno == errno.ENXIO:
                if time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                raise OutputError(f"--output {given}: the FIFO has no reader") from None
            raise OutputError(f"--output {given}: {_reason(exc)}") from None
    mode = os.fstat(fd).st_mode
    expected = {"device": stat.S_ISCHR, "fifo": stat.S_ISFIFO}.get(kind, stat.S_ISREG)
    if not expected(mode):
        os.close(fd)
        raise OutputError(f"--output {given} changed since it was checked: not written")
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    return fd


def _to_stdout(text: str, data: bytes) -> None:
    """``text`` (``data`` in UTF-8) on stdout, every byte: through its descriptor when it has
    one (``sys.stdout`` of an unbuffered Python, ``PYTHONUNBUFFERED``, drops what a pipe does
    not take at once when the process is stopped and continued), else as the stream takes it
    (a test's capture)."""
    sys.stdout.flush()
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # (io.UnsupportedOperation is both)
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    wire.write_all(fd, data)


def _write_through(path: Path, data: bytes, kind: str, given: str, fifo_wait: float) -> None:
    fd = _open_through(path, given, kind, fifo_wait)
    try:
        wire.write_all(fd, data)
    except BrokenPipeError:
        raise OutputError(f"--output {given}: the reader went away") from None
    except OSError as exc:
        raise OutputError(f"--output {given}: {_reason(exc)}") from None
    finally:
        os.close(fd)
