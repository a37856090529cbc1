"""Writing reports: through devices and FIFOs, atomically over regular files, never over anything
else; every refusal is one line, before grading, and again at the write."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from graders.output import OutputError, destination, output_dir
from tests.stopped import read_while_stopping

ROOT = Path(__file__).resolve().parent.parent
TEXT = "Score 37.5/70 — ünïcode\n" * 3


def refusal(call, *args, **kw) -> str:
    with pytest.raises(OutputError) as info:
        call(*args, **kw)
    assert "\n" not in str(info.value)
    return str(info.value)


def _reader(fifo: Path, got: list[bytes]) -> threading.Thread:
    def read() -> None:
        with open(fifo, "rb") as f:
            got.append(f.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


# ----------------------------------------------------------------------------- written through
def test_dev_null_stays_a_character_device(tmp_path: Path) -> None:
    """First a private copy of /dev/null (where this process may make one), so that a
    regression replaces that copy and fails before /dev/null itself is written."""
    clone = tmp_path / "null"
    with contextlib.suppress(OSError):
        os.mknod(clone, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    for device in ([clone] if clone.exists() else []) + [Path("/dev/null")]:
        assert stat.S_ISCHR(os.stat(device).st_mode)
        dest = destination(device)
        assert (dest.kind, dest.isatty) == ("device", False)
        dest.write(TEXT)
        assert stat.S_ISCHR(os.stat(device).st_mode), device  # (replaced: a regular file)


def test_a_link_to_dev_null_is_written_through(tmp_path: Path) -> None:
    (tmp_path / "sink").symlink_to("/dev/null")
    destination(tmp_path / "sink").write(TEXT)
    assert (tmp_path / "sink").is_symlink() and stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_fifo_with_a_reader_gets_the_text(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    dest = destination(fifo)  # (checking opens nothing: a reader would see an end of file)
    got: list[bytes] = []
    reader = _reader(fifo, got)
    dest.write(TEXT)
    reader.join(60)
    assert got == [TEXT.encode()] and stat.S_ISFIFO(fifo.lstat().st_mode)


def test_a_fifo_without_a_reader_is_an_error_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    dest = destination(fifo)
    assert refusal(dest.write, TEXT, fifo_wait=0) == f"--output {fifo}: the FIFO has no reader"
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_dash_is_standard_output(capsys: pytest.CaptureFixture[str]) -> None:
    dest = destination("-")
    assert dest.kind == "stdout"
    dest.write(TEXT)
    assert capsys.readouterr().out == TEXT


def test_standard_output_gets_every_byte_when_the_grader_is_stopped_and_continued(
    tmp_path: Path,
) -> None:
    """An unbuffered Python (``PYTHONUNBUFFERED``, as many images set) stopped and continued
    while it writes a report into a full pipe: the whole report arrives, in order."""
    report = tmp_path / "report.txt"
    report.write_text("".join(f"line {k}: ünïcode\n" for k in range(40000)), encoding="utf-8")
    code = (
        "import sys\nfrom pathlib import Path\nfrom graders.output import destination\n"
        "destination('-').write(Path(sys.argv[1]).read_text(encoding='utf-8'))\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(report)], stdout=subprocess.PIPE, cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True,
    )  # fmt: skip
    assert read_while_stopping(proc) == report.read_bytes()
    assert proc.returncode == 0


@pytest.mark.parametrize("redirect", [">", ">>"])
def test_dev_stdout_redirected_to_a_file_is_written_through(redirect: str, tmp_path: Path) -> None:
    """``--output /dev/stdout > file``: the shell's file gets the text (appended after ``>>``),
    never replaced by another."""
    out = tmp_path / "out.txt"
    out.write_text("before\n")
    inode = out.stat().st_ino
    code = (
        "import sys; from graders.output import destination; destination(sys.argv[1]).write('x\\n')"
    )
    with open(out, "a" if redirect == ">>" else "w") as f:
        subprocess.run([sys.executable, "-c", code, "/dev/stdout"], stdout=f, cwd=ROOT, check=True)
    assert out.read_text() == ("before\nx\n" if redirect == ">>" else "x\n")
    assert out.stat().st_ino == inode


# ----------------------------------------------------------------------------- regular files
def test_a_new_file_gets_the_umask_permissions_and_no_temporary_is_left(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    destination(target).write(TEXT)
    assert target.read_text(encoding="utf-8") == TEXT
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


def test_an_existing_file_is_replaced_atomically_keeping_its_permissions(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    target.write_text("Grading an earlier submission\n")
    target.chmod(0o640)
    inode = target.stat().st_ino
    dest = destination(target)
    dest.write(TEXT)
    assert target.read_text(encoding="utf-8") == TEXT
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.stat().st_ino != inode  # a new file renamed over it: never half written


def test_a_link_to_a_file_writes_the_file_and_keeps_the_link(tmp_path: Path) -> None:
    (tmp_path / "real.txt").write_text("")
    (tmp_path / "link.txt").symlink_to("real.txt")
    destination(tmp_path / "link.txt").write(TEXT)
    assert (tmp_path / "link.txt").is_symlink()
    assert (tmp_path / "real.txt").read_text(encoding="utf-8") == TEXT


def test_a_file_that_is_no_report_of_the_grader_is_never_replaced(tmp_path: Path) -> None:
    """A user's file is refused and left as it was, through a link too; an empty file and a
    JSON object with ``tests`` and ``score`` (Gradescope's results.json) may be replaced."""
    mine = tmp_path / "notes.md"
    mine.write_text("# my notes\nScore of the game: 3-1\n")
    (tmp_path / "link.txt").symlink_to("notes.md")
    for given in (mine, tmp_path / "link.txt"):
        text = refusal(destination, given)
        assert text.endswith("is a file that is not a report of this grader: not replaced "
                             "(remove it, or choose another name)"), text  # fmt: skip
    assert mine.read_text() == "# my notes\nScore of the game: 3-1\n"
    for content in ("", json.dumps({"score": 0, "tests": []}), "Grading x\n"):
        (tmp_path / "r.json").write_text(content)
        destination(tmp_path / "r.json").write(TEXT)
        assert (tmp_path / "r.json").read_text(encoding="utf-8") == TEXT
    for content in ('{"score": 1}', "[1, 2]", "{" * 100_000, "not json {"):
        (tmp_path / "r.json").write_text(content)
        assert "not a report of this grader" in refusal(destination, tmp_path / "r.json")


# ----------------------------------------------------------------------------- refusals
def _refused_place(t: Path, kind: str) -> tuple[str, list[Path]]:
    sub = t / "submission"
    sub.mkdir()
    (sub / "activations.py").write_text("x = 1\n")
    if kind == "folder":
        return str(t), []
    if kind == "socket":
        s = socket.socket(socket.AF_UNIX)
        s.bind(str(t / "sock"))
        return str(t / "sock"), []
    if kind == "missing-folder":
        return str(t / "no" / "report.txt"), []
    if kind == "file-as-folder":
        (t / "f").write_text("")
        return str(t / "f" / "report.txt"), []
    if kind == "broken-link":
        (t / "l").symlink_to(t / "nowhere" / "x")
        return str(t / "l"), []
    if kind == "py":
        return str(t / "report.py"), []
    if kind == "ipynb":
        return str(t / "notes.ipynb"), []
    if kind == "inside":
        return str(sub / "report.txt"), [sub]
    if kind == "submission-itself":
        return str(sub), [sub]
    if kind == "link-into":
        (sub / "notes.txt").write_text("mine\n")
        (t / "l").symlink_to(sub / "notes.txt")
        return str(t / "l"), [sub]
    if kind == "link-to-code":
        (t / "l.txt").symlink_to(sub / "activations.py")
        return str(t / "l.txt"), []
    if kind == "empty":
        return "", []
    raise AssertionError(kind)


@pytest.mark.parametrize(
    ("kind", "phrase"),
    [
        ("folder", "is a folder"),
        ("socket", "is a socket"),
        ("missing-folder", "does not exist"),
        ("file-as-folder", "a part of the path is not a folder"),
        ("broken-link", "is a broken link"),
        ("py", "is a .py file: a report never replaces code"),
        ("ipynb", "is a .ipynb file"),
        ("inside", "is inside the submission being graded"),
        ("submission-itself", "is a folder"),
        ("link-into", "is inside the submission being graded"),
        ("link-to-code", "is a .py file"),
        ("empty", "--output needs a path"),
    ],
)
def test_refusals_are_one_line(kind: str, phrase: str, tmp_path: Path) -> None:
    given, protect = _refused_place(tmp_path, kind)
    text = refusal(destination, given, protect=protect)
    assert phrase in text and text.startswith("--output")
    assert (tmp_path / "submission" / "activations.py").read_text() == "x = 1\n"


def test_a_block_device_is_refused(tmp_path: Path) -> None:
    try:
        os.mknod(tmp_path / "disk", stat.S_IFBLK | 0o600, os.makedev(7, 0))
    except OSError:
        pytest.skip("cannot make a block device node here (no CAP_MKNOD)")
    assert "is a block device" in refusal(destination, tmp_path / "disk")


def test_the_write_checks_again(tmp_path: Path) -> None:
    """Checked as a new file, then a folder, a FIFO or a link to /dev/null takes its place:
    the write refuses and leaves it as it is."""
    target = tmp_path / "report.txt"
    for swap in ("folder", "fifo", "device-link"):
        dest = destination(target)
        if swap == "folder":
            target.mkdir()
        elif swap == "fifo":
            os.mkfifo(target)
        else:
            target.symlink_to("/dev/null")
        assert "changed since it was checked" in refusal(dest.write, TEXT)
        kind = target.lstat().st_mode
        assert {"folder": stat.S_ISDIR, "fifo": stat.S_ISFIFO, "device-link": stat.S_ISLNK}[swap](
            kind
        )
        target.rmdir() if swap == "folder" else target.unlink()
    assert not list(tmp_path.iterdir())


# ----------------------------------------------------------------------------- unwritable places
_AS_NOBODY = """
import json, sys
sys.path.insert(0, sys.argv[1])
from graders.output import OutputError, destination, output_dir
out = {}
for name, call, arg in [("new", destination, sys.argv[2]), ("existing", destination, sys.argv[3]),
                        ("dir", output_dir, sys.argv[4])]:
    try:
        call(arg)
        out[name] = "accepted"
    except OutputError as exc:
        out[name] = str(exc)
print(json.dumps(out))
"""


def test_unwritable_places_are_refused(tmp_path: Path) -> None:
    """As root, permissions do not stop writing: the check runs as ``nobody`` (setpriv)."""
    unprivileged = os.geteuid() != 0
    if not unprivileged and shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is needed to check permissions as root")
    place = Path(tempfile.mkdtemp(prefix="dlgrade-out-", dir="/tmp"))
    try:
        place.chmod(0o755)  # (nobody may look, not write)
        (place / "open").mkdir(mode=0o777)
        (place / "open").chmod(0o777)
        (place / "open" / "theirs.txt").write_text("keep\n")
        (place / "open" / "theirs.txt").chmod(0o644)
        args = [str(place / "new.txt"), str(place / "open" / "theirs.txt"), str(place / "out")]
        cmd = (
            [sys.executable]
            if unprivileged
            else ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable]
        )
        out = subprocess.run(
            [*cmd, "-c", _AS_NOBODY, str(ROOT), *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert out.returncode == 0, out.stderr
        got = json.loads(out.stdout)
        assert (place / "open" / "theirs.txt").read_text() == "keep\n"
    finally:
        shutil.rmtree(place)
    assert got == {
        "new": f"--output {args[0]}: cannot write in folder {place} (permission denied)",
        "existing": f"--output {args[1]}: cannot write to this file (permission denied)",
        "dir": f"--output-dir {args[2]} cannot be created: permission denied",
    }


_READ_ONLY = """
import sys
sys.path.insert(0, sys.argv[1])
from graders.output import OutputError, destination
try:
    destination(sys.argv[2] + "/report.txt")
except OutputError as exc:
    print(exc)
"""


def test_a_read_only_file_system_is_refused(tmp_path: Path) -> None:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare to mount a read-only file system")
    mount = tmp_path / "ro"
    mount.mkdir()
    script = f'mount -t tmpfs -o ro none "{mount}" && exec "$0" -c "$1" "$2" "$3"'
    out = subprocess.run(
        [
            "unshare",
            "--mount",
            "sh",
            "-c",
            script,
            sys.executable,
            _READ_ONLY,
            str(ROOT),
            str(mount),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if "mount" in out.stderr:
        pytest.skip(f"cannot mount here: {out.stderr.strip()}")
    assert (
        out.stdout.strip()
        == f"--output {mount}/report.txt: cannot write in folder {mount} (read-only file system)"
    )


# ----------------------------------------------------------------------------- --output-dir
def test_output_dir_is_created_or_refused(tmp_path: Path) -> None:
    made = output_dir(tmp_path / "a" / "b")
    assert made == tmp_path / "a" / "b" and made.is_dir()
    assert output_dir(made) == made  # (empty: fine)
    (made / "alice.json").write_text("{}")
    assert refusal(output_dir, made) == f"--output-dir {made} exists and is not empty"
    assert output_dir(made, resume=True) == made
    (tmp_path / "file").write_text("")
    assert (
        refusal(output_dir, tmp_path / "file")
        == f"--output-dir {tmp_path / 'file'} exists and is not a folder"
    )
    assert "a part of the path is not a folder" in refusal(output_dir, tmp_path / "file" / "sub")
    subs = tmp_path / "submissions"
    subs.mkdir()
    assert "inside the submission" in refusal(output_dir, subs / "results", protect=[subs])
    assert not (subs / "results").exists()


def test_every_format_of_the_grader_is_recognised_as_its_report(tmp_path: Path) -> None:
    """A report the grader wrote, in any format (a graded submission's or an unusable one's),
    may be replaced by the next: ``is_report`` checked on what the renderers write."""
    from graders import engine, registry
    from graders.output import is_report
    from graders.report import FORMATS, renderer

    items = [registry.BY_NAME["activations.relu"]]
    graded = engine.grade(ROOT / "reference", items)
    unusable = engine.unusable(tmp_path, items, "holds none of activations.py")
    for result in (graded, unusable):
        for fmt in FORMATS:
            target = tmp_path / f"report.{fmt}"
            target.write_text(renderer(fmt)(result), encoding="utf-8")
            assert is_report(target), (fmt, target.read_text()[:200])
