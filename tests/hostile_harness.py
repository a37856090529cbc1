"""How the hostile tests grade: the real command line in a subprocess, in either sandbox mode.

* ``root``: the grader runs as root (this machine's user), the sandbox's zygote is root in its
  namespaces and every child becomes ``nobody``;
* ``nonroot``: the grader runs as an ordinary user -- as root here, the test drops to uid/gid
  65534 with ``setpriv`` (no groups, no capabilities) and a Python that user can run (a venv,
  made once, of a base interpreter it can read, whose ``.pth`` adds this project's packages);
  when the suite itself is not root, as the suite's own user.  The sandbox then takes the
  ``unshare --user --map-root-user`` path and each child a nested user namespace
  (``GRADER_SUBORDINATE_IDS=0``: not the subordinate ids the next mode uses);
* ``nonroot-subids``: the same user, where it has subordinate ids (``/etc/subuid``,
  ``/etc/subgid``: ``.ci/run`` gives ``nobody`` a range) and ``newuidmap``/``newgidmap`` exist:
  the namespace maps ``nobody`` to one of them and each child becomes it, with no group.

Each grading's session directory is put under a directory of the test's own
(``$GRADER_SCRATCH``), the oracle cache is a copy the mode's user may write, and afterwards no
process may mention that directory and it must be empty.  Also here: the integrity snapshot of
everything a submission must not be able to touch (the repository, the bank, the oracle cache,
decoy sessions in /tmp and /dev/shm, decoy files owned by the children's uid in /var/lib) and the
litter check.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.processes import described, mentioning

REPO = Path(__file__).resolve().parent.parent
BANK = REPO / "tests" / "submissions" / "hostile"
NOBODY = 65534
HANG_GUARD_S = 150
MODES = ("root", "nonroot", "nonroot-subids")
#: Files a submission might leave behind on the host if the sandbox let it.
MARKERS = ["/tmp/hostile-pickle-payload-ran", "/tmp/hostile-header-eval-ran"]
LITTER_DIRS = ["/tmp", "/var/tmp", "/dev/shm", "/run/lock"]
WATCHED = ["reference", "graders", "student_template"]
SETPRIV = ("--reuid", str(NOBODY), "--regid", str(NOBODY), "--clear-groups", "--inh-caps=-all")

# Runs the real CLI, reports the session path and the grader's peak memory on stderr.
WRAPPER = """
import resource, sys
import graders.sandbox as sandbox
_start = sandbox.Sandbox._start
def _tell_start(self):
    sys.stderr.write(f"GRADER_SESSION={self.session}\\n")
    return _start(self)
sandbox.Sandbox._start = _tell_start
from graders.cli import main
try:
    code = main(sys.argv[1:])
finally:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sys.stderr.write(f"GRADER_MAXRSS_KB={rss}\\n")
sys.exit(code)
"""


@dataclass(frozen=True)
class Mode:
    """How to start the grader in one sandbox mode."""

    name: str
    prefix: tuple[str, ...] = ()
    python: str = sys.executable
    env: dict[str, str] = field(default_factory=dict)
    owner: int | None = None  # uid that must own the directories the grader writes
    home: Path | None = None  # a directory that user may write (sessions, submissions)

    def own(self, path: Path) -> Path:
        """``path`` handed to the mode's user (and readable by everyone)."""
        if self.owner is not None:
            for p in [path, *path.rglob("*")]:
                os.lchown(p, self.owner, self.owner)
        return path

    def workdir(self, tmp_path: Path, name: str) -> Path:
        """A fresh directory the grader (and, for submissions, everyone) can use."""
        base = self.home if self.home is not None else tmp_path
        path = base / f"{name}-{uuid.uuid4().hex[:8]}"
        path.mkdir(parents=True)
        path.chmod(0o755)
        return self.own(path)


def _run_as_nobody(argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``argv`` run by a process of uid 65534 (through ``env``: setpriv's own exec may still
    reach what that user cannot)."""
    return subprocess.run(
        ["setpriv", *SETPRIV, "/usr/bin/env", *argv],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd="/",
        env={"PATH": "/usr/bin:/bin", "HOME": "/"},
        check=False,
    )


def _base_pythons() -> list[str]:
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    found = [os.path.realpath(getattr(sys, "_base_executable", sys.executable))]
    found += [f"/usr/bin/python{version}", f"/usr/local/bin/python{version}"]
    return list(dict.fromkeys(p for p in found if os.path.exists(p)))


@functools.cache
def _nobody_mode() -> Mode | str:
    """The ``nonroot`` mode as uid 65534 (when the suite runs as root), or why it cannot be."""
    if shutil.which("setpriv") is None:
        return "setpriv is not installed"
    want = repr(tuple(sys.version_info[:2]))
    base = next(
        (
            p
            for p in _base_pythons()
            if _run_as_nobody(
                [p, "-c", "import sys; print(tuple(sys.version_info[:2]))"]
            ).stdout.strip()
            == want
        ),
        None,
    )
    if base is None:
        return f"no Python {want} that uid {NOBODY} can run"
    home = Path(tempfile.mkdtemp(prefix="dlgrade-nonroot-"))
    home.chmod(0o755)
    venv = home / "venv"
    subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], check=True)
    ours = next(Path(p) for p in sys.path if p.endswith("site-packages") and Path(p).is_dir())
    sites = list(venv.glob("lib/python3*/site-packages"))
    (sites[0] / "dlgrade.pth").write_text(f"import site; site.addsitedir({str(ours)!r})\n")
    cache = home / "cache"
    if (REPO / ".grader-cache").is_dir():
        shutil.copytree(REPO / ".grader-cache", cache)
    cache.mkdir(exist_ok=True)
    for p in [home, *home.rglob("*")]:
        if not p.is_symlink():
            p.chmod(p.stat().st_mode | 0o755 if p.is_dir() else p.stat().st_mode | 0o644)
    mode = Mode(
        "nonroot",
        prefix=("setpriv", *SETPRIV),
        python=str(venv / "bin" / "python"),
        env={"GRADER_CACHE_DIR": str(cache), "HOME": str(home), "GRADER_SUBORDINATE_IDS": "0"},
        owner=NOBODY,
        home=home / "work",
    )
    (home / "work").mkdir()
    mode.own(cache)
    mode.own(home / "work")
    check = _run_as_nobody([mode.python, "-c", "import numpy, graders.cli"])
    if check.returncode != 0:
        return f"uid {NOBODY} cannot import the grader: {check.stderr[-300:]}"
    return mode


def _subids_mode(plain: Mode) -> Mode | str:
    """The ``nonroot-subids`` mode: ``plain`` (the ``nonroot`` mode) letting the sandbox use
    the user's subordinate ids, or why it cannot."""
    env = {k: v for k, v in plain.env.items() if k != "GRADER_SUBORDINATE_IDS"}
    m = Mode(**{**vars(plain), "name": "nonroot-subids", "env": env})
    code = "from graders.sandbox import namespaces as n; print(n.namespace_prefix()[1])"
    argv = [m.python, "-c", code]
    said = _run_as_nobody(argv) if m.owner is not None else subprocess.run(argv, **_TEXT)
    if "subordinate uid" not in said.stdout:
        return (
            f"uid {m.owner or os.getuid()} has no subordinate ids the sandbox can map (uidmap's "
            "newuidmap/newgidmap and a range in /etc/subuid and /etc/subgid: see .ci/run)"
        )
    return m


_TEXT: dict[str, Any] = {"capture_output": True, "text": True, "check": False}


@functools.cache
def mode(name: str) -> Mode | str:
    """The mode ``name``, or why this machine cannot run it (a skip reason)."""
    if name == "root":
        return Mode("root") if os.getuid() == 0 else "the suite does not run as root"
    plain = Mode("nonroot", env={"GRADER_SUBORDINATE_IDS": "0"}) if os.getuid() else _nobody_mode()
    if name == "nonroot" or isinstance(plain, str):
        return plain
    return _subids_mode(plain)


def cleanup_modes() -> None:
    """Remove what the modes made (at the end of the session)."""
    for name in MODES:
        if mode.cache_info().currsize and isinstance(m := mode(name), Mode) and m.home:
            shutil.rmtree(m.home.parent, ignore_errors=True)


# ----------------------------------------------------------------------------- grading
@dataclass
class Graded:
    """One grading by the command line."""

    report: Any  # the parsed JSON report (or the raw text for other formats)
    stdout: str
    stderr: str
    elapsed: float
    returncode: int


def grade(
    m: Mode,
    submission: Path,
    items: list[str],
    tmp_path: Path,
    args: tuple[str, ...] = ("--format", "json"),
    command: str = "grade",
    expect_rc: int | None = 0,
    wrapper: str = WRAPPER,
) -> Graded:
    """Grade ``submission`` on ``items`` with the real CLI in mode ``m``; then check that no
    process of the grading is left and that its scratch root is empty."""
    root = m.workdir(tmp_path, "sessions")
    env = {**os.environ, "GRADER_SCRATCH": str(root), "TMPDIR": str(root), **m.env}
    cmd = [*m.prefix, m.python, "-c", wrapper, command, str(submission), *args]
    for item in items:
        cmd += ["--only", item]
    t0 = time.monotonic()
    proc = subprocess.run(
        cmd,
        cwd=REPO,
        capture_output=True,
        timeout=HANG_GUARD_S,
        stdin=subprocess.DEVNULL,
        env=env,
        check=False,
    )
    elapsed = time.monotonic() - t0
    stdout, stderr = (proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace"))
    if expect_rc is not None:
        assert proc.returncode == expect_rc, f"grader exit {proc.returncode}: {stderr[-3000:]}"
    session = re.search(r"GRADER_SESSION=(\S+)", stderr)
    assert session and session.group(1).startswith(str(root)), (
        f"the session did not live under the test's directory: {stderr[-500:]}"
    )
    deadline = time.monotonic() + 5
    while (left := [described(p) for p in mentioning(root)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"processes left behind: {left}"
    assert not list(root.iterdir()), f"session files left behind: {list(root.iterdir())}"
    report: Any = stdout
    if (
        proc.returncode == 0
        and "--format" in args
        and args[args.index("--format") + 1]
        in (
            "json",
            "gradescope",
        )
    ):
        report = json.loads(stdout)
    return Graded(report, stdout, stderr, elapsed, proc.returncode)


def made(m: Mode, tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    """A submission made here (``files``: name -> source), readable by the mode's user."""
    sub = m.workdir(tmp_path, name)
    for fname, source in files.items():
        (sub / fname).write_text(source, encoding="utf-8")
        (sub / fname).chmod(0o644)
    return m.own(sub)


# ----------------------------------------------------------------------------- integrity
def hash_tree(root: Path) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _stat_tree(root: Path) -> dict[str, tuple[int, int, int]]:
    """(size, mtime, inode) of every file: cheap enough for the oracle cache.

    Other test workers grade at the same time and write the cache atomically (a ``*.tmp``
    file renamed into place): those transient files are left out, and a file that vanishes
    between the listing and its stat is simply not there."""
    out = {}
    for path in root.rglob("*"):
        if path.suffix == ".tmp":
            continue
        try:
            st = path.lstat()
        except FileNotFoundError:
            continue
        if stat.S_ISREG(st.st_mode):
            out[str(path.relative_to(root))] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return out


def _files(root: Path) -> set[str]:
    if not root.is_dir():
        return set()
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def litter() -> list[str]:
    found = [p for p in MARKERS if os.path.lexists(p)]
    for d in LITTER_DIRS:
        with contextlib.suppress(OSError):
            found += [f"{d}/{n}" for n in os.listdir(d) if n.startswith("hostile-litter")]
    return found


def make_decoys() -> list[Path]:
    """Fake grading sessions of someone else in /tmp and /dev/shm (world-readable and
    -writable, a correct sigmoid inside), and files owned by the children's uid in a system
    directory they see (/var/lib): a child must neither use nor change any of them."""
    source = (REPO / "reference" / "activations.py").read_text(encoding="utf-8")
    paths = []
    for top in ("/tmp", "/dev/shm", "/var/lib"):
        if not os.access(top, os.W_OK):  # (as an ordinary user: /var/lib is not ours)
            continue
        root = Path(top) / f"grader-decoy-{uuid.uuid4().hex[:10]}"
        module = root / "job1" / "module"
        module.mkdir(parents=True)
        target = module / "activations.py"
        target.write_text(source, encoding="utf-8")
        (root / "owned-by-nobody.txt").write_text("the children's uid owns this file\n")
        for p in [root, *root.rglob("*")]:
            p.chmod(0o777 if p.is_dir() else 0o666)
            if top == "/var/lib" and os.getuid() == 0:
                os.lchown(p, NOBODY, NOBODY)
        paths.append(root)
    return paths


def snapshot(decoys: list[Path]) -> dict[str, Any]:
    cache = REPO / ".grader-cache"
    return {
        "files": {name: _files(REPO / name) for name in WATCHED},
        "bank": hash_tree(BANK),
        "cache": _stat_tree(cache) if cache.is_dir() else {},
        "decoys": {str(p): hash_tree(p) for p in decoys},
    }


def check_integrity(before: dict[str, Any]) -> None:
    """Nothing outside the sandbox changed (see the module's doc)."""
    for name in WATCHED:
        lost = before["files"][name] - _files(REPO / name)
        assert not lost, f"{name}/ lost {sorted(lost)}"
        for rel in _files(REPO / name):
            path = REPO / name / rel
            if path.suffix in (".py", ".txt", ".md", ".json"):
                assert b"vandalised" not in path.read_bytes(), f"{path} was modified"
    assert hash_tree(BANK) == before["bank"], "the submissions themselves were modified"
    cache = REPO / ".grader-cache"
    after = _stat_tree(cache) if cache.is_dir() else {}
    for rel, meta in before["cache"].items():
        if rel in after:  # (the grader's own cache housekeeping may remove entries)
            assert after[rel] == meta, f"{cache / rel} changed"
    for root, tree in before["decoys"].items():
        assert hash_tree(Path(root)) == tree, f"decoy {root} was touched"
    assert not litter(), f"left on the host: {litter()}"


def failing_messages(report: dict[str, Any]) -> list[str]:
    return [
        c["message"] for t in report["tests"] for c in t["extra_data"]["cases"] if not c["passed"]
    ]
