"""Phase 0, submission: find and unpack what a student handed in.

:func:`prepare` turns what the user names (a folder, a ``.zip``, a notebook or a ``.py`` file)
into a :class:`Submission`: a bounded copy the grader owns, holding one ``<module>.py`` per
module it found, at its top, beside the student's helper files.  It runs in the grader's
(possibly root) process on hostile input, so it reads without following links out of the
submission, never opens a device, FIFO or socket, and stops at :class:`Limits`.

Forms (``Submission.form``, the container the user gave):

``directory`` / ``nested directory``
    The modules at the top of the folder, or one folder down (an LMS download wraps them:
    ``hw1/activations.py``; folders holding a single folder are unwrapped first).  If several
    folders hold modules, the one holding most wins (the top one on a tie with a subfolder;
    two subfolders tied is refused) and a note names the others.  The chosen folder is copied
    whole (helper modules, packages), less hidden entries, ``__MACOSX`` and ``__pycache__``.
``zip``
    Checked before anything is extracted (the zip file's own size and its central directory's,
    before :mod:`zipfile` reads it; then member count, total size, compression ratio, no
    absolute path or ``..``, no encryption), extracted, then located as a folder.  Links among
    the members are skipped with a note; a zip inside is not unpacked (a note says so).
``notebook``
    A ``.ipynb``: its code cells, in order, become the module (IPython magics, ``!shell``
    lines and ``get_ipython()`` statements commented out, each with a note).  Named after a
    module (``losses.ipynb``) it is that module; otherwise it serves as every module.
``single file``
    A ``.py``: named after a module it is that module; otherwise it serves as every module.

A notebook or ``.py`` given alone is held to the limits it would meet in a folder
(:data:`MAX_NOTEBOOK_BYTES`, :data:`MAX_MODULE_BYTES`), checked before it is read, with the same
message.

Inside a folder, a module is ``<module>.py``, else ``<module>.ipynb``, else the folder's one
notebook named after no module (it serves every module not found otherwise); a folder holding
no module file and no notebook but exactly one ``.py`` uses it for every module.

Links: a link inside a folder that leads to a regular file inside the submission is copied as
that file (what an ordinary import would read); a link leading out of the submission, to a
folder, or nowhere is skipped with a note (a module skipped so is that module's problem).
Devices, FIFOs and sockets are skipped with a note, never opened.  A module that cannot be read
is not copied at all: it is that module's problem (``Submission.problems``), with the reason.
"""

from __future__ import annotations

import ast
import contextlib
import os
import re
import stat
import struct
import threading
import tokenize
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

#: Entries never looked at or copied (besides every name starting with a dot).
IGNORED = frozenset({"__MACOSX", "__pycache__"})
#: Cell magics whose body is Python run in the user's namespace: the body is kept.
PYTHON_CELL_MAGICS = frozenset({"time", "capture"})


class SubmissionError(ValueError):
    """The submission is unusable as a whole: one line for the user."""


@dataclass(frozen=True)
class Limits:
    """Bounds on what :func:`prepare` reads and writes.  A legitimate submission is well
    under each (the reference's four modules are 180 kB); a notebook with plots a few MB."""

    #: Total bytes copied (for a zip: the members' declared uncompressed size, before
    #: extracting, and the bytes actually written).
    max_bytes: int = 64 << 20
    #: Files and folders seen in the submission (for a zip: its members).
    max_files: int = 2000
    #: Folders below the submission's top.
    max_depth: int = 12
    #: A zip's total uncompressed size over its compressed size (zip bombs) ...
    max_ratio: float = 100.0
    #: ... checked once the uncompressed total is over this (tiny files compress oddly).
    ratio_floor: int = 1 << 20

    @property
    def max_zip_bytes(self) -> int:
        """The largest zip file these limits could accept (67.9 MiB by default): the members'
        data (compressed, never usefully more than :attr:`max_bytes`), and a local header and a
        central directory entry of :data:`ZIP_ENTRY_BYTES` each for every member."""
        return self.max_bytes + 2 * self.max_files * ZIP_ENTRY_BYTES

    @property
    def max_zip_directory(self) -> int:
        """The largest central directory of a zip within the limits (2000 KiB by default):
        :data:`ZIP_ENTRY_BYTES` for each member."""
        return self.max_files * ZIP_ENTRY_BYTES


#: Bytes of a zip's header for one member (its name, extra fields and comment included: a
#: real zip's take a few tens of bytes each).  Reading a zip's central directory takes about
#: 500 bytes of memory and 8 microseconds per member: 1M members took 8 s and 508 MB.
ZIP_ENTRY_BYTES = 1 << 10


DEFAULT_LIMITS = Limits()

#: Bytes of one graded module (a ``.py``, or the code cells of a notebook).  The grader parses
#: each module in its own process (the static scan, where each function is, which others it
#: calls), and parsing takes about 750 times the source in memory (512 KiB of ``a = b`` lines:
#: 380 MB): a 21 MB module took 7 GB.  The reference's largest module is 83 kB.
MAX_MODULE_BYTES = 512 << 10
#: Bytes of a notebook file (its outputs included: plots make a few MB).  Reading one takes about
#: 20 times its size in memory (35 MB of small cells: 740 MB).
MAX_NOTEBOOK_BYTES = 16 << 20

#: Line map of a generated module: for each of its lines, (cell, line in cell), 1-based; (0, 0)
#: for a line the grader wrote.
LineMap = tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Submission:
    """What :func:`prepare` found."""

    #: A directory the grader owns: ``<module>.py`` for each module found, helpers beside.
    root: Path
    #: What the user gave, as given.
    origin: Path
    #: 'directory' | 'nested directory' | 'zip' | 'notebook' | 'single file'.
    form: str
    #: Where the modules were found, relative to the origin ('./', 'hw1/', 'solution.ipynb').
    located: str
    #: module -> its file in ``root`` (relative), for the modules found.
    modules: dict[str, str]
    #: module -> where it came from, relative to the origin ('hw1/activations.ipynb').
    sources: dict[str, str]
    #: module -> why the items needing it score 0, for the modules not usable.
    problems: dict[str, str]
    #: What the report should say about how the submission was read.
    notes: tuple[str, ...]
    _lines: dict[str, LineMap] = field(default_factory=dict, repr=False, compare=False)

    def display(self, text: str, also: Iterable[Path] = ()) -> str:
        """``text`` with the grader's copies (``root``, and ``also``: other copies of it such
        as the sandbox's) replaced by the submission as the student knows it; a place in a
        module made from a notebook becomes its cell and line."""
        roots = sorted(
            {f(r) for r in (self.root, *also) for f in (str, os.path.abspath, os.path.realpath)},
            key=len,
            reverse=True,
        )
        alt = "(?<![\\w.\\-])(?:" + "|".join(re.escape(r) for r in roots) + ")"
        for module, rel in self.modules.items():
            source = self.sources[module]
            if source == _join(self.located, rel):
                continue  # the student's own file: only its folder needs replacing
            shown = self._shown(source)
            lines = self._lines.get(module)
            name = re.escape(rel)
            with_line = re.compile(
                rf"(?P<q>[\"']?)(?:(?:{alt})/|(?<![\w./\-])){name}(?P=q)"
                r"(?P<sep>:|, line )(?P<n>\d+)"
            )

            def place(m: re.Match[str], shown: str = shown, lines: LineMap | None = lines) -> str:
                n = int(m["n"])
                if lines is None:
                    return f"{m['q']}{shown}{m['q']}{m['sep']}{n}"
                cell, line = lines[n - 1] if 0 < n <= len(lines) else (0, 0)
                where = f", cell {cell}, line {line}" if cell else ""
                return f"{m['q']}{shown}{m['q']}{where}"

            text = with_line.sub(place, text)
            text = re.sub(rf"(?:{alt})/{name}(?![\w.])", _literal(shown), text)
        top = self._shown(self.located).rstrip("/") or "."
        return re.sub(rf"(?:{alt})(?![\w.\-])", _literal(top), text)

    def _shown(self, rel: str) -> str:
        """``rel`` (relative to the origin) as the student knows it."""
        if self.form in ("notebook", "single file"):
            return str(self.origin)
        rel = "" if rel == "./" else rel
        if self.form == "zip":
            return f"{self.origin}:{rel}" if rel else str(self.origin)
        return (
            str(self.origin / rel) + ("/" if rel.endswith("/") else "") if rel else str(self.origin)
        )


def _literal(text: str) -> Callable[[re.Match[str]], str]:
    """A replacement for ``re.sub`` that is ``text`` as it is (backslashes included)."""
    return lambda _: text


def _join(folder: str, name: str) -> str:
    return name if folder in ("./", "") else folder + name


# ----------------------------------------------------------------------------- reading safely
class _Budget:
    """Counts what a copy has taken so far against the limits."""

    def __init__(self, limits: Limits, what: str) -> None:
        self.limits, self.what = limits, what
        self.files = 0
        self.bytes = 0

    def entry(self) -> None:
        self.files += 1
        if self.files > self.limits.max_files:
            raise SubmissionError(
                f"{self.what} holds more than {self.limits.max_files} files and folders (the limit)"
            )

    def depth(self, depth: int, rel: str) -> None:
        if depth > self.limits.max_depth:
            raise SubmissionError(
                f"{self.what} nests folders more than {self.limits.max_depth} deep "
                f"(the limit), at {rel}"
            )

    def left(self) -> int:
        return self.limits.max_bytes - self.bytes

    def take(self, n: int) -> None:
        self.bytes += n
        if self.bytes > self.limits.max_bytes:
            raise SubmissionError(
                f"{self.what} is larger than {_size(self.limits.max_bytes)} (the limit)"
            )


def _size(n: int) -> str:
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20} MiB"
    return f"{n >> 10} KiB" if n >= 1 << 10 and n % (1 << 10) == 0 else f"{n} bytes"


def _about(n: int) -> str:
    """A size in words, rounded: '20.2 MiB', '586 KiB'."""
    return f"{n / (1 << 20):.1f} MiB" if n >= 1 << 20 else f"{n >> 10} KiB"


def too_large(shown: str, size: int) -> str | None:
    """Why a module of ``size`` bytes is not graded, or None (:data:`MAX_MODULE_BYTES`)."""
    if size <= MAX_MODULE_BYTES:
        return None
    return (
        f"{shown} holds {_about(size)} of code, more than the {_size(MAX_MODULE_BYTES)} a module "
        "may have: not graded (a module of this course is a few tens of kB)"
    )


def notebook_too_large(shown: str, size: int) -> str | None:
    """Why a notebook file of ``size`` bytes is not graded, or None (:data:`MAX_NOTEBOOK_BYTES`)."""
    if size <= MAX_NOTEBOOK_BYTES:
        return None
    return (
        f"{shown} is {_about(size)}, more than the {_size(MAX_NOTEBOOK_BYTES)} a notebook may "
        "have: not graded (clear its outputs: Kernel > Restart & Clear Output, then save)"
    )


def _none_usable(what: str, problems: dict[str, str]) -> SubmissionError:
    """The error when none of the modules can be used: each module's reason, once."""
    reasons = "; ".join(dict.fromkeys(problems.values()))
    return SubmissionError(f"{what}: none of the modules can be used ({reasons})")


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a link"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _read_fd(fd: int, budget: _Budget) -> bytes:
    """All of an open regular file, within the budget (nothing on an error half way)."""
    chunks: list[bytes] = []
    while True:
        chunk = os.read(fd, min(1 << 20, budget.left() + 1))
        if not chunk:
            return b"".join(chunks)
        budget.take(len(chunk))
        chunks.append(chunk)


def _open_regular(
    name: str, dir_fd: int | None, expect: os.stat_result | None = None, follow: bool = False
) -> int:
    """Open a regular file for reading without following a link (unless ``follow``: the
    path the user gave), blocking on a FIFO or taking a terminal; OSError if it is not (or no
    longer) the regular file ``expect``."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
    flags |= 0 if follow else os.O_NOFOLLOW
    fd = os.open(name, flags, dir_fd=dir_fd)
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or (
        expect is not None and (st.st_dev, st.st_ino) != (expect.st_dev, expect.st_ino)
    ):
        os.close(fd)
        raise OSError(0, "not a regular file" if expect is None else "it changed meanwhile")
    return fd


def _write_new(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _ignored(name: str) -> bool:
    return name.startswith(".") or name in IGNORED


@contextlib.contextmanager
def _opendir(name: str | Path, dir_fd: int | None = None, follow: bool = False) -> Iterator[int]:
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC | (0 if follow else os.O_NOFOLLOW)
    fd = os.open(name, flags, dir_fd=dir_fd)
    try:
        yield fd
    finally:
        os.close(fd)


def _listing(fd: int, budget: _Budget) -> dict[str, str]:
    """name -> 'dir' | 'file' | 'link' | 'other' for the entries not ignored (links are not
    followed), sorted by name."""
    out: dict[str, str] = {}
    with os.scandir(fd) as it:
        for entry in it:
            budget.entry()
            if _ignored(entry.name):
                continue
            if entry.is_symlink():
                out[entry.name] = "link"
            elif entry.is_dir(follow_symlinks=False):
                out[entry.name] = "dir"
            elif entry.is_file(follow_symlinks=False):
                out[entry.name] = "file"
            else:
                out[entry.name] = "other"
    return dict(sorted(out.items()))


class _Copier:
    """Copies a folder of the submission into one the grader owns, within the limits."""

    def __init__(self, top_real: Path, budget: _Budget) -> None:
        self.top_real = top_real  # the submission's top, links resolved: links stay inside it
        self.budget = budget
        self.skipped: dict[str, str] = {}  # rel path -> why it was not copied

    def tree(self, fd: int, real: Path, dst: Path, rel: str, depth: int) -> None:
        self.budget.depth(depth, rel or "./")
        for name in _listing(fd, self.budget):
            path = rel + name
            try:
                st = os.stat(name, dir_fd=fd, follow_symlinks=False)
            except OSError as exc:
                self.skipped[path] = f"{path} could not be read: {_reason(exc)}"
                continue
            if stat.S_ISDIR(st.st_mode):
                try:
                    with _opendir(name, fd) as sub:
                        (dst / name).mkdir(mode=0o755)
                        self.tree(sub, real / name, dst / name, path + "/", depth + 1)
                except OSError as exc:
                    self.skipped[path + "/"] = f"{path}/ could not be read: {_reason(exc)}"
            elif stat.S_ISREG(st.st_mode):
                self.file(name, fd, st, dst / name, path)
            elif stat.S_ISLNK(st.st_mode):
                self.link(name, fd, real, dst / name, path)
            else:
                self.skipped[path] = f"{path} is {_kind(st.st_mode)}: skipped, never opened"

    def file(self, name: str, dir_fd: int, st: os.stat_result, dst: Path, rel: str) -> None:
        try:
            fd = _open_regular(name, dir_fd, st)
            try:
                data = _read_fd(fd, self.budget)
            finally:
                os.close(fd)
        except OSError as exc:
            self.skipped[rel] = f"{rel} could not be read: {_reason(exc)}"
            return
        _write_new(dst, data)

    def link(self, name: str, dir_fd: int, real: Path, dst: Path, rel: str) -> None:
        """A link to a regular file inside the submission is copied as that file."""
        try:
            target = (real / os.readlink(name, dir_fd=dir_fd)).resolve()
        except (OSError, RuntimeError) as exc:
            why = _reason(exc) if isinstance(exc, OSError) else "a loop of links"
            self.skipped[rel] = f"{rel} is a link that could not be followed: {why}"
            return
        if target == self.top_real or not target.is_relative_to(self.top_real):
            self.skipped[rel] = f"{rel} is a link leading out of the submission: not followed"
            return
        parts = target.relative_to(self.top_real).parts
        try:
            # Every component of the resolved path, opened without following a link: a link
            # swapped in meanwhile fails here rather than being followed.
            with contextlib.ExitStack() as stack:
                fd = stack.enter_context(_opendir(self.top_real, follow=True))
                for part in parts[:-1]:
                    fd = stack.enter_context(_opendir(part, fd))
                st = os.stat(parts[-1], dir_fd=fd, follow_symlinks=False)
                if not stat.S_ISREG(st.st_mode):
                    what = "a folder" if stat.S_ISDIR(st.st_mode) else _kind(st.st_mode)
                    self.skipped[rel] = f"{rel} is a link to {what}: not followed"
                    return
                self.file(parts[-1], fd, st, dst, rel)
        except OSError as exc:
            self.skipped[rel] = f"{rel} is a link that could not be followed: {_reason(exc)}"


# ----------------------------------------------------------------------------- zip
def _member_parts(name: str) -> list[str]:
    """A member's path components ('\\' is a separator too: some Windows tools write it);
    SubmissionError for an absolute path or '..'."""
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or "\0" in name:
        raise SubmissionError(f"the zip holds an absolute path ({name!r}): refused")
    parts = [p for p in re.split(r"[/\\]", name) if p not in ("", ".")]
    if ".." in parts:
        raise SubmissionError(f"the zip holds a path leading out of it ({name!r}): refused")
    return parts


def _extract(origin: Path, dst: Path, limits: Limits) -> dict[str, str]:
    """Check the zip as a whole, then extract it into ``dst``; the members skipped -> why."""
    skipped: dict[str, str] = {}
    try:
        fd = _open_regular(str(origin), None, follow=True)
    except OSError as exc:
        raise SubmissionError(f"cannot read '{origin}': {_reason(exc)}") from None
    try:
        with os.fdopen(fd, "rb") as f:
            _check_zip_file(f, limits)  # (before zipfile reads its central directory)
            with zipfile.ZipFile(f) as zf:
                members = _check_zip(zf.infolist(), limits)
                written = _Budget(limits, "the zip")
                for info, parts in members:
                    _extract_member(zf, info, parts, dst, written, skipped)
    except SubmissionError:
        raise
    except zipfile.BadZipFile as exc:
        raise SubmissionError(f"'{origin}' is not a valid zip: {exc}") from None
    except (NotImplementedError, RuntimeError, EOFError, ValueError, zlib.error) as exc:
        raise SubmissionError(f"'{origin}' cannot be unpacked: {exc}") from None
    except OSError as exc:
        raise SubmissionError(f"'{origin}' cannot be unpacked: {_reason(exc)}") from None
    return skipped


#: The zip's end of central directory record (22 bytes, then a comment of up to 64 KiB), the
#: zip64 end record's locator (20 bytes, just before it) and the zip64 end record (56 bytes).
_END = struct.Struct("<4s4H2LH")
_END64_LOCATOR = struct.Struct("<4sLQL")
_END64 = struct.Struct("<4sQ2H2L4Q")


def _check_zip_file(f: BinaryIO, limits: Limits) -> None:
    """Refuse a zip file larger than the limits could accept (:attr:`Limits.max_zip_bytes`),
    or whose end record declares more members than :attr:`Limits.max_files` or a central
    directory larger than :attr:`Limits.max_zip_directory`, before :mod:`zipfile` reads (and
    parses, all of it at once) the central directory."""
    size = os.fstat(f.fileno()).st_size
    if size > limits.max_zip_bytes:
        raise SubmissionError(
            f"the zip is {_about(size)}, more than {_about(limits.max_zip_bytes)} (the limit: "
            f"{_size(limits.max_bytes)} of files, and headers for {limits.max_files} members)"
        )
    members, directory = _zip_directory(f, size)
    if members > limits.max_files:
        raise SubmissionError(
            f"the zip holds {members} members, more than {limits.max_files} (the limit)"
        )
    if directory > limits.max_zip_directory:
        raise SubmissionError(
            f"the zip's list of members is {_about(directory)}, more than "
            f"{_about(limits.max_zip_directory)} (the limit: {_size(ZIP_ENTRY_BYTES)} for each "
            f"of {limits.max_files} members)"
        )


def _zip_directory(f: BinaryIO, size: int) -> tuple[int, int]:
    """The most members and central directory bytes the zip's end records declare, found where
    :mod:`zipfile` looks: the end record at the very end, else the last one in the final
    64 KiB; a zip64 end record just before its locator, or where the locator points.  (0, 0)
    when there is no end record (zipfile then refuses the file)."""
    f.seek(max(0, size - _END.size - (1 << 16)))
    tail = f.read()
    at = len(tail) - _END.size
    if not (at >= 0 and tail[at : at + 4] == b"PK\x05\x06" and tail[-2:] == b"\0\0"):
        at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < _END.size:
        return 0, 0
    end = _END.unpack_from(tail, at)
    where = size - len(tail) + at  # the end record's offset in the file
    zip64 = [(0, 0)]  # (members, bytes) of each zip64 end record found
    if where >= _END64_LOCATOR.size:
        f.seek(where - _END64_LOCATOR.size)
        locator = _END64_LOCATOR.unpack(f.read(_END64_LOCATOR.size))
        if locator[0] == b"PK\x06\x07":
            for offset in (where - _END64_LOCATOR.size - _END64.size, locator[2]):
                f.seek(max(0, offset))
                record = f.read(_END64.size)
                if offset >= 0 and len(record) == _END64.size and record[:4] == b"PK\x06\x06":
                    zip64.append(_END64.unpack(record)[7:9])
    if len(zip64) > 1:  # (its 16- and 32-bit fields may then hold 0xFFFF and 0xFFFFFFFF)
        return max(m for m, _ in zip64), max(d for _, d in zip64)
    return end[4], end[5]


def _check_zip(
    infos: list[zipfile.ZipInfo], limits: Limits
) -> list[tuple[zipfile.ZipInfo, list[str]]]:
    """The members to extract, once the archive as a whole is within the limits (from its
    central directory, before anything is extracted)."""
    if len(infos) > limits.max_files:
        raise SubmissionError(
            f"the zip holds {len(infos)} members, more than {limits.max_files} (the limit)"
        )
    total = sum(i.file_size for i in infos)
    if total > limits.max_bytes:
        raise SubmissionError(
            f"the zip unpacks to {total} bytes, more than {_size(limits.max_bytes)} (the limit)"
        )
    packed = max(1, sum(i.compress_size for i in infos))
    if total > limits.ratio_floor and total > limits.max_ratio * packed:
        raise SubmissionError(
            f"the zip unpacks to {total / packed:.0f} times its size, more than "
            f"{limits.max_ratio:g} times (the limit against zip bombs)"
        )
    members = []
    for info in infos:
        parts = _member_parts(info.filename)
        if len(parts) - (0 if info.is_dir() else 1) > limits.max_depth:
            raise SubmissionError(
                f"the zip nests folders more than {limits.max_depth} deep (the limit), "
                f"at {info.filename}"
            )
        if info.flag_bits & 0x1:
            raise SubmissionError("the zip is encrypted: hand in an unencrypted one")
        if parts and not any(_ignored(p) for p in parts):
            members.append((info, parts))
    return members


def _extract_member(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    parts: list[str],
    dst: Path,
    budget: _Budget,
    skipped: dict[str, str],
) -> None:
    """One member, as a new regular file or folder (never a link, never over a file)."""
    rel = "/".join(parts)
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        skipped[rel] = f"{rel} is a link in the zip: not followed"
        return
    if not info.is_dir() and stat.S_IFMT(mode) not in (0, stat.S_IFREG):
        skipped[rel] = f"{rel} is {_kind(mode)} in the zip: skipped"
        return
    try:
        if info.is_dir():
            dst.joinpath(*parts).mkdir(mode=0o755, parents=True, exist_ok=True)
            return
        folder = dst.joinpath(*parts[:-1])
        folder.mkdir(mode=0o755, parents=True, exist_ok=True)
        with zf.open(info) as src:
            data = src.read(info.file_size + 1)  # the header's size, checked (and the CRC)
        if len(data) != info.file_size:
            raise SubmissionError(f"the zip's member {rel} is not the size its header says")
        budget.take(len(data))
        _write_new(folder / parts[-1], data)
    except (FileExistsError, NotADirectoryError):
        raise SubmissionError(f"the zip holds {rel} twice (as a file and a folder?)") from None


# ----------------------------------------------------------------------------- notebooks
_MAGIC = re.compile(r"^\s*(?:%|!|\?)|^\s*[\w.]+\?{1,2}\s*$|^\s*[\w.,\s\[\]]+=\s*[%!]")


def _neutral(line: str, why: str) -> str:
    indent = line[: len(line) - len(line.lstrip())]
    # (indented: a `pass` keeps the block it was in a block)
    return f"{indent}pass  # [{why}] {line.strip()}" if indent else f"# [{why}] {line}"


def _describe(line: str) -> str:
    s = line.strip()
    if s.startswith("%%"):
        return f"IPython cell magic '{s}'"
    if s.startswith("!") or re.match(r"^[\w.,\s\[\]]+=\s*!", s):
        return f"shell command '{s}'"
    if "?" in s and not s.startswith("%"):
        return f"IPython help '{s}'"
    return f"IPython magic '{s}'"


def _cell_lines(source: str, where: str, notes: list[str]) -> tuple[list[str], list[str]]:
    """A code cell's lines with IPython syntax commented out (a note each, in ``notes``), and
    the ``__future__`` features its top imports (moved by the caller to the top)."""
    lines = source.splitlines()
    found: list[tuple[int, str]] = []  # (line, note)
    if not _cell_magic(lines, where, notes, found):  # a cell of shell, HTML...: not run
        return ["# [grader: cell magic] " + line if line.strip() else line for line in lines], []
    if not _parses("\n".join(lines)):
        for k, line in enumerate(lines):
            if _MAGIC.match(line) and not line.lstrip().startswith("#"):
                found.append((k + 1, f"{where}, line {k + 1}: {_describe(line)} neutralised"))
                lines[k] = _neutral(line, "grader: IPython")
    tree = _parses("\n".join(lines))
    features: list[str] = []
    if tree is not None:  # (else the student's syntax error, reported at import)
        _ipython_calls(tree, lines, where, found)
        features = _future_imports(tree, lines)
    notes += [note for _, note in sorted(found)]
    return lines, features


def _cell_magic(
    lines: list[str], where: str, notes: list[str], found: list[tuple[int, str]]
) -> bool:
    """Neutralise a ``%%magic`` first line; False if the cell is not Python at all."""
    first = next((k for k, line in enumerate(lines) if line.strip()), None)
    if first is None or not lines[first].lstrip().startswith("%%"):
        return True
    magic = lines[first].strip()[2:].split(maxsplit=1)
    name = magic[0] if magic else ""
    what = f"{where}, line {first + 1}: {_describe('%%' + name)} neutralised"
    if name not in PYTHON_CELL_MAGICS:
        notes.append(f"{what} (the cell is not run)")
        return False
    found.append((first + 1, f"{what} (the cell's code is kept)"))
    lines[first] = _neutral(lines[first], "grader: cell magic")
    return True


def _ipython_calls(
    tree: ast.Module, lines: list[str], where: str, found: list[tuple[int, str]]
) -> None:
    """Comment out the simple statements that call ``get_ipython()``."""
    for stmt in ast.walk(tree):
        if not isinstance(stmt, ast.stmt) or isinstance(getattr(stmt, "body", 0), list):
            continue  # (compound statements: their simple statements are visited too)
        if _calls_ipython(stmt):
            call = lines[stmt.lineno - 1].strip()
            note = f"{where}, line {stmt.lineno}: get_ipython() call '{call}' neutralised"
            found.append((stmt.lineno, note))
            lines[stmt.lineno - 1] = _neutral(lines[stmt.lineno - 1], "grader: IPython")
            for k in range(stmt.lineno, stmt.end_lineno or stmt.lineno):
                lines[k] = "# " + lines[k]


def _future_imports(tree: ast.Module, lines: list[str]) -> list[str]:
    """The ``from __future__`` features the cell imports at its top (commented out here: the
    caller puts them at the top of the module)."""
    features: list[str] = []
    for k, stmt in enumerate(tree.body):
        if k == 0 and isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # a docstring may precede a __future__ import
        if not (isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__"):
            break
        features += [a.name for a in stmt.names]
        for n in range(stmt.lineno - 1, stmt.end_lineno or stmt.lineno):
            lines[n] = "# [grader: moved to the top] " + lines[n]
    return features


def _parses(text: str) -> ast.Module | None:
    try:
        return parse(text)
    except (SyntaxError, ValueError):
        return None


#: CPython 3.11 keeps the depth counter of its AST conversion in state that threads share: two
#: threads parsing at once can fail with "SystemError: AST constructor recursion depth
#: mismatch".  A class graded on threads (``graders batch``) parses a student's code under this.
_AST_LOCK = threading.Lock()


def source_text(path: Path) -> str:
    """A ``.py`` file's text decoded as Python decodes it (``tokenize.open``: a UTF-8 byte order
    mark, as Windows editors write, or a PEP 263 ``coding`` line; UTF-8 otherwise).  Raises
    ``OSError``, ``UnicodeDecodeError`` or ``SyntaxError`` (an unknown encoding)."""
    with tokenize.open(path) as f:
        return f.read()


def parse(source: str, filename: str = "<unknown>") -> ast.Module:
    """``ast.parse`` that is safe from several threads at once (see :data:`_AST_LOCK`).  Code
    nested deeper than CPython's parser or compiler can follow (``-`` repeated 10^5 times, ten
    thousand brackets) raises ``MemoryError`` ("parser stack overflow") or ``RecursionError``
    there: it is a ``SyntaxError`` here, as it is for the student's interpreter."""
    with _AST_LOCK:
        try:
            return ast.parse(source, filename=filename)
        except (MemoryError, RecursionError) as exc:
            raise SyntaxError(f"too deeply nested to parse ({type(exc).__name__})") from None


def _calls_ipython(stmt: ast.stmt) -> bool:
    return any(
        isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "get_ipython"
        for n in ast.walk(stmt)
    )


def notebook_module(text: str, shown: str, notes: list[str]) -> tuple[str, LineMap]:
    """The Python module a notebook's code cells make, in order, and its line map (cells are
    numbered from 1 among all cells, markdown included: their place from the top).

    ValueError with one line if ``text`` is not a notebook nbformat can read."""
    import warnings

    import nbformat
    from nbformat import reader

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = nbformat.convert(reader.reads(text), 4)
        cells = list(nb["cells"])
        sources = [(c["cell_type"], str(c.get("source", ""))) for c in cells]
    except Exception as exc:  # nbformat raises many kinds for a malformed file
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ValueError(f"{shown} is not a valid notebook: {first[:160]}") from None
    why = too_large(
        f"{shown} (its code cells)", sum(len(t.encode()) for k, t in sources if k == "code")
    )
    if why is not None:
        raise ValueError(why)
    body: list[str] = []
    lines: list[tuple[int, int]] = []
    features: list[str] = []
    for number, (kind, source) in enumerate(sources, start=1):
        if kind != "code":
            continue
        cell, future = _cell_lines(source, f"{shown} cell {number}", notes)
        features += future
        body.append(f"# %% {shown}, cell {number}")
        lines.append((0, 0))
        body += cell
        lines += [(number, k + 1) for k in range(len(cell))]
    head = [f"# The code cells of {shown}, in order (written by the grader)."]
    if features:
        head.append(f"from __future__ import {', '.join(dict.fromkeys(features))}")
    return "\n".join(head + body) + "\n", tuple([(0, 0)] * len(head) + lines)


# ----------------------------------------------------------------------------- locating
@dataclass
class _Folder:
    """What one candidate folder offers."""

    rel: str  # relative to the top, '' or 'hw1/'
    entries: dict[str, str]
    named: dict[str, str]  # module -> its file name in the folder
    catch_all: str | None  # a file serving every module not named
    ambiguous: list[str]  # several notebooks that could each be the catch-all


def _offer(rel: str, entries: dict[str, str], modules: Sequence[str]) -> _Folder:
    named: dict[str, str] = {}
    for m in modules:
        for name in (f"{m}.py", f"{m}.ipynb"):
            if name in entries and entries[name] != "dir":
                named[m] = name
                break
    stems = set(modules)
    notebooks = [
        n for n, k in entries.items() if n.endswith(".ipynb") and k != "dir" and n[:-6] not in stems
    ]
    catch: str | None = None
    if len(notebooks) == 1:
        catch = notebooks[0]
    elif not notebooks and not named:
        pys = [n for n, k in entries.items() if n.endswith(".py") and k != "dir"]
        catch = pys[0] if len(pys) == 1 else None
    return _Folder(rel, entries, named, catch, notebooks if len(notebooks) > 1 else [])


def _locate(
    top_fd: int, modules: Sequence[str], budget: _Budget, what: str
) -> tuple[_Folder, list[str]]:
    """The folder holding the modules (the top, or one folder down), and notes."""
    notes: list[str] = []
    candidates = _candidates(top_fd, modules, budget, what, notes)
    holding = [c for c in candidates if c.named]
    if holding:
        return _most_modules(holding, candidates[0], what, notes), notes
    serving = [c for c in candidates if c.catch_all]
    if serving and (serving[0] is candidates[0] or len(serving) == 1):
        return serving[0], notes
    _refuse(candidates, serving, modules, what)
    raise AssertionError("unreachable")  # (_refuse always raises)


def _candidates(
    top_fd: int, modules: Sequence[str], budget: _Budget, what: str, notes: list[str]
) -> list[_Folder]:
    """The top folder (after unwrapping folders that hold a single folder) and each folder
    in it, as places the modules may be."""
    rel, entries = "", _listing(top_fd, budget)
    if not entries:
        raise SubmissionError(f"{what} is empty")
    with contextlib.ExitStack() as stack:
        fd, depth = top_fd, 0
        # A folder holding a single folder (and nothing else) is a wrapper: look inside.
        while len(entries) == 1 and next(iter(entries.values())) == "dir":
            name = next(iter(entries))
            budget.depth(depth := depth + 1, rel + name + "/")
            fd = stack.enter_context(_opendir(name, fd))
            rel, entries = rel + name + "/", _listing(fd, budget)
        candidates = [_offer(rel, entries, modules)]
        for name in [n for n, kind in entries.items() if kind == "dir"]:
            try:
                with _opendir(name, fd) as sub:
                    candidates.append(_offer(rel + name + "/", _listing(sub, budget), modules))
            except OSError as exc:
                notes.append(f"{rel}{name}/ could not be read: {_reason(exc)}")
    return candidates


def _most_modules(holding: list[_Folder], top: _Folder, what: str, notes: list[str]) -> _Folder:
    """The folder holding the most modules (the top one on a tie with a subfolder)."""
    best = max(len(c.named) for c in holding)
    tied = [c for c in holding if len(c.named) == best]
    if len(tied) > 1 and tied[0] is not top:
        names = " and ".join(c.rel for c in tied)
        raise SubmissionError(
            f"{what}: {names} each hold {best} of the modules; hand in one folder"
        )
    chosen = tied[0]
    others = [c for c in holding if c is not chosen]
    if others:
        notes.append(
            f"modules taken from {chosen.rel or './'} ({len(chosen.named)} of them); "
            + "; ".join(f"{c.rel} ({len(c.named)}) ignored" for c in others)
        )
    return chosen


def _refuse(
    candidates: list[_Folder], serving: list[_Folder], modules: Sequence[str], what: str
) -> None:
    """Why no folder holds the modules, as a SubmissionError."""
    if len(serving) > 1:
        names = " and ".join(c.rel + (c.catch_all or "") for c in serving)
        raise SubmissionError(f"{what}: {names} could each be the submission; hand in one")
    ambiguous = next((c for c in candidates if c.ambiguous), None)
    if ambiguous is not None:
        names = ", ".join(ambiguous.rel + n for n in ambiguous.ambiguous)
        raise SubmissionError(
            f"{what} holds several notebooks ({names}) and none is named after a module: "
            "hand in one notebook, or one per module named "
            + ", ".join(f"{m}.ipynb" for m in modules)
        )
    zips = [c.rel + n for c in candidates for n in c.entries if n.lower().endswith(".zip")]
    if zips:
        raise SubmissionError(
            f"{what} holds {', '.join(zips)}: a zip inside the submission is not unpacked; "
            "hand in the zip itself"
        )
    wanted = ", ".join(f"{m}.py" for m in modules)
    raise SubmissionError(f"{what} holds none of {wanted} (nor a notebook)")


# ----------------------------------------------------------------------------- prepare
def prepare(
    origin: Path, modules: Sequence[str], scratch: Path, limits: Limits = DEFAULT_LIMITS
) -> Submission:
    """Find the modules in what the user gave and copy them, with the student's helper files,
    into ``scratch / 'submission'`` (``scratch`` must exist; the grader owns it).

    A module missing or unreadable is a problem of that module only; SubmissionError (one
    line) when none of the modules can be used or the submission breaks a limit."""
    origin = Path(origin)
    modules = list(dict.fromkeys(modules))
    root = scratch / "submission"
    root.mkdir(mode=0o755)
    what = f"submission '{origin}'"
    try:
        st = origin.stat()
    except FileNotFoundError:
        raise SubmissionError(f"{what} does not exist") from None
    except OSError as exc:
        raise SubmissionError(f"cannot read {what}: {_reason(exc)}") from None
    suffix = origin.suffix.lower()
    if stat.S_ISDIR(st.st_mode):
        return _from_folder(origin, origin, modules, root, limits, what, skipped={})
    if not stat.S_ISREG(st.st_mode):
        raise SubmissionError(f"{what} is {_kind(st.st_mode)}, not a submission")
    if suffix == ".zip":
        unpacked = scratch / "unpacked"
        unpacked.mkdir(mode=0o755)
        skipped = _extract(origin, unpacked, limits)
        return _from_folder(unpacked, origin, modules, root, limits, what, skipped=skipped)
    if suffix in (".ipynb", ".py"):
        return _from_file(origin, modules, root, limits, what)
    raise SubmissionError(
        f"{what} is not a submission: give a folder, a .zip, a notebook (.ipynb) or a .py file"
    )


def _from_file(
    origin: Path, modules: list[str], root: Path, limits: Limits, what: str
) -> Submission:
    """A single notebook or ``.py``: one module if named after it, else every module.  It is
    held to the limits of the same file in a folder (:data:`MAX_NOTEBOOK_BYTES`, or
    :data:`MAX_MODULE_BYTES`), before it is read, and refused with the same reasons."""
    serves = [origin.stem] if origin.stem in modules else modules
    notebook = origin.suffix.lower() == ".ipynb"

    def refuse(why: str) -> SubmissionError:
        missing = {m: f"{m}.py not found in the submission" for m in modules}
        return _none_usable(what, {**missing, **dict.fromkeys(serves, why)})

    def check(size: int) -> None:
        why = (notebook_too_large if notebook else too_large)(origin.name, size)
        if why is not None:
            raise refuse(why)

    try:
        fd = _open_regular(str(origin), None, follow=True)
        try:
            check(os.fstat(fd).st_size)
            data = _read_fd(fd, _Budget(limits, what))
        finally:
            os.close(fd)
    except OSError as exc:
        raise SubmissionError(f"cannot read {what}: {_reason(exc)}") from None
    check(len(data))  # (what was read, should the file have grown meanwhile)
    notes: list[str] = []
    lines: dict[str, LineMap] = {}
    if notebook:
        try:
            text, line_map = notebook_module(_decode(data, origin.name), origin.name, notes)
        except ValueError as exc:
            raise refuse(str(exc)) from None
        data = text.encode()
        lines = dict.fromkeys(serves, line_map)
    for m in serves:
        _write_new(root / f"{m}.py", data)
    return Submission(
        root=root,
        origin=origin,
        form="notebook" if notebook else "single file",
        located=origin.name,
        modules={m: f"{m}.py" for m in serves},
        sources=dict.fromkeys(serves, origin.name),
        problems={m: f"{m}.py not found in the submission" for m in modules if m not in serves},
        notes=tuple(notes),
        _lines=lines,
    )


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"{name} is not a valid notebook: it is not UTF-8 text") from None


def _from_folder(
    top: Path,
    origin: Path,
    modules: list[str],
    root: Path,
    limits: Limits,
    what: str,
    skipped: dict[str, str],
) -> Submission:
    """A folder (the user's, or a zip's unpacked): locate the modules, copy that folder into
    ``root``, and make each module's ``<module>.py`` there.  ``skipped``: what the zip's
    extraction left out (path -> why)."""
    notes: list[str] = []
    top_real = top.resolve()
    try:
        with _opendir(top, follow=True) as top_fd:
            folder, found = _locate(top_fd, modules, _Budget(limits, what), what)
            copier = _Copier(top_real, _Budget(limits, what))
            with contextlib.ExitStack() as stack:
                fd = top_fd
                for part in folder.rel.split("/")[:-1]:
                    fd = stack.enter_context(_opendir(part, fd))
                copier.tree(fd, top_real / folder.rel, root, "", 0)
    except OSError as exc:
        raise SubmissionError(f"cannot read {what}: {_reason(exc)}") from None
    # Everything left out, as the student knows it (relative to the origin's top).
    for rel, why in copier.skipped.items():
        skipped[folder.rel + rel] = why.replace(rel, folder.rel + rel, 1)
    made = _Modules(folder, root, modules, skipped)
    for m in modules:
        made.make(m)
    if not made.found:
        raise _none_usable(what, made.problems)
    used = set(made.sources.values()) | {
        folder.rel + f"{m}.py" for m in made.problems
    }  # (a module's own problem is reported as that, not again as a note)
    notes += found + [why for rel, why in skipped.items() if rel not in used] + made.notes
    notes += [
        f"{folder.rel}{n} was not unpacked (a zip inside the submission never is)"
        for n in folder.entries
        if n.lower().endswith(".zip")
    ]
    return Submission(
        root=root,
        origin=origin,
        form="zip" if top != origin else "nested directory" if folder.rel else "directory",
        located=folder.rel or "./",
        modules=made.found,
        sources=made.sources,
        problems=made.problems,
        notes=tuple(dict.fromkeys(notes)),
        _lines=made.lines,
    )


class _Modules:
    """Makes ``<module>.py`` in the copy for each module, from the file that provides it."""

    def __init__(
        self, folder: _Folder, root: Path, modules: list[str], skipped: dict[str, str]
    ) -> None:
        self.folder, self.root, self.skipped = folder, root, skipped
        self.found: dict[str, str] = {}
        self.sources: dict[str, str] = {}
        self.problems: dict[str, str] = {}
        self.lines: dict[str, LineMap] = {}
        self.notes: list[str] = []
        self._notebooks: dict[str, tuple[bytes, LineMap] | str] = {}

    def make(self, m: str) -> None:
        rel = self.folder.rel
        name = self.folder.named.get(m) or self.folder.catch_all
        if name is None:
            # (a zip's member left out at extraction never reached the folder's listing)
            why = self.skipped.get(f"{rel}{m}.py")
            self.problems[m] = why or f"{m}.py not found in the submission"
            return
        if rel + name in self.skipped:
            self.problems[m] = self.skipped[rel + name]
            return
        target = self.root / f"{m}.py"
        if not (self.root / name).is_file() or (name != target.name and target.exists()):
            self.problems[m] = f"{rel}{m}.py is not a regular file"
            return
        big = (
            None
            if name.endswith(".ipynb")
            else too_large(rel + name, (self.root / name).stat().st_size)
        )
        if big is not None:
            self.problems[m] = big
            return
        if name.endswith(".ipynb"):
            made = self._notebook(name)
            if isinstance(made, str):
                self.problems[m] = made
                return
            _write_new(target, made[0])
            self.lines[m] = made[1]
        elif name != target.name:
            _write_new(target, (self.root / name).read_bytes())
        self.found[m] = target.name
        self.sources[m] = rel + name

    def _notebook(self, name: str) -> tuple[bytes, LineMap] | str:
        """The module a notebook makes (once, however many modules it serves), or why not."""
        if name not in self._notebooks:
            shown = self.folder.rel + name
            big = notebook_too_large(shown, (self.root / name).stat().st_size)
            if big is not None:
                self._notebooks[name] = big
                return big
            try:
                text = _decode((self.root / name).read_bytes(), shown)
                source, line_map = notebook_module(text, shown, self.notes)
                self._notebooks[name] = (source.encode(), line_map)
            except ValueError as exc:
                self._notebooks[name] = str(exc)
        return self._notebooks[name]
