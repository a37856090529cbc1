"""Every form of a submission meets the same limits, before the grader reads more of it than the
limits allow: a notebook or a ``.py`` given alone is refused as it would be in a folder (the
same reason), before it is parsed; a zip larger than the limits could accept, or whose central
directory is, is refused before :mod:`zipfile` reads that directory (it parses all of it at
once: 1M members took 8 s and 508 MB)."""

from __future__ import annotations

import json
import shutil
import struct
import tempfile
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat import v4

from graders import submission
from graders.registry import MODULES
from graders.submission import (
    DEFAULT_LIMITS,
    MAX_MODULE_BYTES,
    MAX_NOTEBOOK_BYTES,
    Submission,
    SubmissionError,
    prepare,
)

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference"


def prep(origin: Path, tmp_path: Path) -> Submission:
    scratch = Path(tempfile.mkdtemp(dir=tmp_path, prefix="scratch-"))
    return prepare(origin, MODULES, scratch)


def refused(origin: Path, tmp_path: Path) -> str:
    """Why ``origin`` is refused, less its leading "submission '...'" (which names the form)."""
    with pytest.raises(SubmissionError) as info:
        prep(origin, tmp_path)
    text = str(info.value)
    assert "\n" not in text, text
    return text.removeprefix(f"submission '{origin}': ")


def alone_and_in_a_folder(path: Path, tmp_path: Path) -> tuple[Path, Path]:
    """``path`` as given, and a folder holding only a copy of it."""
    folder = tmp_path / "folder"
    folder.mkdir()
    shutil.copy(path, folder / path.name)
    return path, folder


def cells_never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading a notebook's cells fails the test."""

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("the grader read a notebook the limits refuse")

    monkeypatch.setattr(submission, "notebook_module", boom)


# ----------------------------------------------------------------------------- a file alone
@pytest.mark.parametrize("name", ["big.ipynb", f"{MODULES[0]}.ipynb"])
def test_a_notebook_given_alone_meets_the_notebook_limit_before_it_is_read(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A notebook over MAX_NOTEBOOK_BYTES given alone is refused as it is in a folder (the same
    reason), and its cells are never read (a 44.6 MiB notebook of small cells took 1.3 GB)."""
    nb = v4.new_notebook()
    nb.cells = [v4.new_code_cell((REFERENCE / f"{MODULES[0]}.py").read_text())]
    data = json.loads(nbformat.writes(nb))
    data["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout",
                                    "text": "x" * MAX_NOTEBOOK_BYTES}]  # fmt: skip
    (tmp_path / name).write_text(json.dumps(data))
    alone, folder = alone_and_in_a_folder(tmp_path / name, tmp_path)
    cells_never_read(monkeypatch)
    why = refused(alone, tmp_path)
    assert why == refused(folder, tmp_path)
    assert f"{name} is 16.0 MiB, more than the 16 MiB a notebook may have: not graded" in why


@pytest.mark.parametrize("name", ["huge.py", f"{MODULES[0]}.py"])
def test_a_py_given_alone_meets_the_module_limit_before_it_is_parsed(
    name: str, tmp_path: Path
) -> None:
    """A ``.py`` over MAX_MODULE_BYTES given alone is refused as it is in a folder (the same
    reason), so the static scan never parses it (8 MiB of ``a = b`` lines took 5.4 GB).  One
    of exactly MAX_MODULE_BYTES is graded in both forms."""
    source = (REFERENCE / f"{MODULES[0]}.py").read_text()
    path = tmp_path / name
    path.write_text(source + "#" * (MAX_MODULE_BYTES - len(source.encode())) + "\n")
    alone, folder = alone_and_in_a_folder(path, tmp_path)
    why = refused(alone, tmp_path)
    assert why == refused(folder, tmp_path)
    assert f"{name} holds 512 KiB of code, more than the 512 KiB a module may have" in why
    for p in (alone, folder / name):
        p.write_text(source + "#" * (MAX_MODULE_BYTES - len(source.encode()) - 1) + "\n")
        assert p.stat().st_size == MAX_MODULE_BYTES
    assert prep(alone, tmp_path).modules == prep(folder, tmp_path).modules != {}


# ----------------------------------------------------------------------------- zips
def directory_only(members: int, declared: int | None = None) -> bytes:
    """A zip of ``members`` empty members, their central directory entries only (what a
    zip's listing reads), whose end record declares ``declared`` members (default: all)."""
    entries = b"".join(
        struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0)
        + b"f%07d" % k
        for k in range(members)
    )
    count = min(members if declared is None else declared, 0xFFFF)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(entries), 0, 0)
    return entries + end


def as_zip64(raw: bytes, declared: int) -> bytes:
    """``raw`` (a zip with no comment) with zip64 end records declaring ``declared`` members,
    its old end record declaring 3 (zipfile takes the zip64 record's count and size)."""
    _, _, _, _, _, size, offset, _ = struct.unpack("<4s4H2LH", raw[-22:])
    body = raw[:-22]
    end64 = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, declared, declared,
                        size, offset)  # fmt: skip
    locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, len(body), 1)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 3, 3, size, offset, 0)
    return body + end64 + locator + end


@pytest.fixture
def directory_never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading a zip's central directory (zipfile's listing) fails the test."""

    def boom(self: zipfile.ZipFile) -> None:
        raise AssertionError("zipfile read the central directory")

    monkeypatch.setattr(zipfile.ZipFile, "_RealGetContents", boom)


def test_the_zip_limits_are_stated_by_the_other_limits() -> None:
    assert DEFAULT_LIMITS.max_zip_bytes == (64 << 20) + 2 * 2000 * 1024
    assert DEFAULT_LIMITS.max_zip_directory == 2000 * 1024


def test_a_zip_larger_than_the_limits_could_accept_is_refused_before_it_is_read(
    tmp_path: Path,
) -> None:
    """The reference's modules zipped (a few hundred KB) are graded, with zip64 end records too
    (some tools always write them); the same zip behind 68 MiB of other data (zipfile would
    find its members all the same) is refused by its size."""
    small = tmp_path / "small.zip"
    with zipfile.ZipFile(small, "w", zipfile.ZIP_DEFLATED) as zf:
        for m in MODULES:
            zf.write(REFERENCE / f"{m}.py", f"hw1/{m}.py")
    assert prep(small, tmp_path).problems == {}
    zip64 = tmp_path / "zip64.zip"
    zip64.write_bytes(as_zip64(small.read_bytes(), declared=len(MODULES)))
    assert prep(zip64, tmp_path).problems == {}
    padded = tmp_path / "padded.zip"
    with padded.open("wb") as f:
        f.seek(68 << 20)  # (a hole: nothing is written there)
        f.write(small.read_bytes())
    why = refused(padded, tmp_path)
    assert why.startswith("the zip is 68.") and why.endswith(
        " MiB, more than 67.9 MiB (the limit: 64 MiB of files, and headers for 2000 members)"
    )


@pytest.mark.usefixtures("directory_never_read")
@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (directory_only(2001), "the zip holds 2001 members, more than 2000 (the limit)"),
        (directory_only(100_000), "the zip holds 65535 members, more than 2000 (the limit)"),
        (
            directory_only(40_000, declared=3),
            "the zip's list of members is 2.1 MiB, more than 2.0 MiB (the limit: 1 KiB for "
            "each of 2000 members)",
        ),
        (
            as_zip64(directory_only(2001), declared=2001),
            "the zip holds 2001 members, more than 2000 (the limit)",
        ),
    ],
    ids=["2001 members", "100k members", "a lying count", "zip64"],
)
def test_a_zip_listing_too_many_members_is_refused_before_its_directory_is_read(
    raw: bytes, why: str, tmp_path: Path
) -> None:
    """The members a zip's end record declares, and the size of its central directory, are
    checked before zipfile reads that directory (which it parses whole)."""
    path = tmp_path / "many.zip"
    path.write_bytes(raw)
    assert refused(path, tmp_path) == why
