"""Hostile submissions against the sandbox (tests/submissions/hostile/<name>/activations.py).

Each submission is graded by the real command line in a subprocess, on ``activations.sigmoid``
(``simultaneous_exit`` adds ``activations.tanh``), and must leave the grader standing:

* the run ends (``subprocess.run(timeout=...)`` is a hang guard, not a speed assertion) with exit
  status 0 and a JSON report;
* the score is what an honest grader gives: full marks when the values are right however noisy
  or hostile the rest of the code is, 0 when they are wrong or never come back ("canary"
  submissions return the right values only if their attack worked);
* nothing is left running: no process whose command line, environment or working directory
  mentions the grading session (each run's session is put under its own ``tmp_path`` by a small
  wrapper, so other people's gradings on the same machine cannot confuse the check);
* nothing outside the sandbox changed: the repository's reference/, graders/ and
  student_template/ lose no file and gain no vandal's mark (other people may be editing them, so
  no byte-for-byte hash there), this bank is byte-for-byte the same, cached oracle files are
  unchanged (size, mtime, inode), and decoy "grading sessions" planted in /tmp and /dev/shm
  (world-readable and -writable, holding a correct sigmoid) were neither used nor touched; no
  marker or litter file appeared in /tmp, /var/tmp, /dev/shm or /run/lock.

The bank (expectation: ``full`` = full marks, ``zero`` = 0):

=====================  ==========  ===========================================================
submission             expected    what it does
=====================  ==========  ===========================================================
loop_function          zero        ``while True: pass`` in the function (restart cap: 4 runs)
loop_import            zero        infinite loop at import time
sleep_forever          zero        ``time.sleep(10**6)`` in the function (slow)
sigterm_ignored        zero        ignores SIGTERM/SIGINT/SIGHUP/SIGXCPU, then spins (slow)
memory_bomb            zero        reserves memory until refused, 64 GiB list, 1 TiB array
fork_bomb              full        os.fork, fresh ``posix`` module, subprocess, multiprocessing,
                                   _posixsubprocess (guard removed); correct values
daemon_grandchild      full        double fork + setsid, grandchild sleeps forever; correct
exit_in_function       zero        ``os._exit(0)`` in the function
exit_at_import         zero        ``os._exit(0)`` at import
sysexit_at_import      zero        ``sys.exit(0)`` at import
always_equal           zero        returns an object whose ``__eq__`` is always True
array_protocol         zero        returns a non-ndarray with ``__array__`` (right values)
lying_subclass         zero        ndarray subclass of zeros that lies about equality
patch_numpy            zero        patches np.allclose/isclose/testing/ndarray.__eq__/np.save
frame_gc_inspection    zero        hunts expected values in frames and gc.get_objects()
atexit_fake_results    zero        always raises; forges ok-results for every case at import,
                                   in each call (rewriting finished cases) and at exit
symlink_fifo_outputs   zero        wrong result; plants symlinks (to correct values and to
                                   /etc/passwd), a FIFO, a hard link, a directory as outputs
pickle_payload         zero        object arrays; plants crafted pickle .npy (marker file)
lying_header           full        correct; plants .npy files whose headers lie (shape, size,
                                   version, dtype, code) and overwrites finished outputs
sparse_outputs         full        correct; plants 31 sparse 64 MiB ".npy outputs" per case
weird_dtypes           zero        str/bytes/complex/structured/datetime/void/bool/f16/'>f8'
import_torch           zero        canary: uses torch if any import route reaches it
print_10mb             full        prints 10 MB at import and 10 MB per call; correct values
read_stdin             full        reads stdin (must be empty); correct values
delete_files           zero        deletes/modifies its scratch, the repo, sessions, caches
network                zero        canary: right values only if a connection succeeds
read_reference         zero        canary: reference/, .git objects, other sessions, /proc
kill_parent            full        kill(getppid), kill(-1), pids 1..63, pidfd; correct values
raise_rlimits          zero        canary: right values only if a limit could be raised
threads_after_return   full        background threads spinning after return; correct values
progress_forgery       zero        forges progress lines on the zygote's pipe, floods it
exec_replace           zero        execv of a shell / an unguarded Python (slow)
litter_tmp             full        leaves files in /tmp, /var/tmp, /dev/shm, /run/lock; correct
simultaneous_exit      full        sigmoid + tanh children (and grandchildren) end together
symlink_to_reference   zero        (made here) activations.py is a symlink to the reference
no_new_tasks           full        (made here) canary: right only if no thread or fork starts
=====================  ==========  ===========================================================

Unit tests for ``sandbox.parse_npy`` and ``worker.read_plain`` and for the zygote's
progress-protocol parsing follow the bank.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graders import sandbox, worker

REPO = Path(__file__).resolve().parent.parent
BANK = REPO / "tests" / "submissions" / "hostile"
FULL, ZERO = "full", "zero"
EXPECTED: dict[str, str] = {
    "loop_function": ZERO,
    "loop_import": ZERO,
    "sleep_forever": ZERO,
    "sigterm_ignored": ZERO,
    "memory_bomb": ZERO,
    "fork_bomb": FULL,
    "daemon_grandchild": FULL,
    "exit_in_function": ZERO,
    "exit_at_import": ZERO,
    "sysexit_at_import": ZERO,
    "always_equal": ZERO,
    "array_protocol": ZERO,
    "lying_subclass": ZERO,
    "patch_numpy": ZERO,
    "frame_gc_inspection": ZERO,
    "atexit_fake_results": ZERO,
    "symlink_fifo_outputs": ZERO,
    "pickle_payload": ZERO,
    "lying_header": FULL,
    "sparse_outputs": FULL,
    "weird_dtypes": ZERO,
    "import_torch": ZERO,
    "print_10mb": FULL,
    "read_stdin": FULL,
    "delete_files": ZERO,
    "network": ZERO,
    "read_reference": ZERO,
    "kill_parent": FULL,
    "raise_rlimits": ZERO,
    "threads_after_return": FULL,
    "progress_forgery": ZERO,
    "exec_replace": ZERO,
    "litter_tmp": FULL,
    "simultaneous_exit": FULL,
}
#: Each of these spends 4 x 5 s in timeouts, like loop_function, which stays in the default run.
SLOW = {"sleep_forever", "sigterm_ignored", "exec_replace"}
ITEMS = {"simultaneous_exit": ["activations.sigmoid", "activations.tanh"]}
HANG_GUARD_S = 120
#: Files a submission might leave behind on the host if the sandbox let it.
MARKERS = ["/tmp/hostile-pickle-payload-ran", "/tmp/hostile-header-eval-ran"]
LITTER_DIRS = ["/tmp", "/var/tmp", "/dev/shm", "/run/lock"]
WATCHED = ["reference", "graders", "student_template"]
#: The bank runs only where the sandbox has its namespaces: without them (and without root to
#: drop to nobody) the hostile code could really damage this working tree.
needs_sandbox = pytest.mark.skipif(
    not sandbox.namespace_prefix()[0],
    reason="no namespaces here (unshare unavailable): hostile code would run unconfined",
)

# Runs the real CLI with the session under a directory of the test's own, reports the session
# path and the grader's peak memory on stderr.
WRAPPER = """
import os, resource, sys
root = sys.argv[1]
os.environ["TMPDIR"] = root
import graders.sandbox as sandbox
sandbox._scratch_root = lambda: root
_start = sandbox.Sandbox._start
def _tell_start(self):
    sys.stderr.write(f"GRADER_SESSION={self.session}\\n")
    _start(self)
sandbox.Sandbox._start = _tell_start
from graders.cli import main
try:
    code = main(sys.argv[2:])
finally:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    sys.stderr.write(f"GRADER_MAXRSS_KB={rss}\\n")
sys.exit(code)
"""


# ----------------------------------------------------------------------------- helpers
def _hash_tree(root: Path) -> dict[str, str]:
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _stat_tree(root: Path) -> dict[str, tuple[int, int, int]]:
    """(size, mtime, inode) of every file: cheap enough for the 40 MB oracle cache."""
    out = {}
    for path in root.rglob("*"):
        st = path.lstat()
        if path.is_file():
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


def _mentions(needle: str) -> list[str]:
    """Processes whose command line, environment or working directory mention ``needle``."""
    found = []
    me = os.getpid()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        texts = []
        for name in ("cmdline", "environ"):
            with contextlib.suppress(OSError):
                texts.append(Path(f"/proc/{entry}/{name}").read_bytes().decode(errors="replace"))
        with contextlib.suppress(OSError):
            texts.append(os.readlink(f"/proc/{entry}/cwd"))
        if any(needle in t for t in texts):
            found.append(f"{entry}: {texts[0][:200]!r}" if texts else entry)
    return found


def _litter() -> list[str]:
    found = [m for m in MARKERS if os.path.lexists(m)]
    for d in LITTER_DIRS:
        with contextlib.suppress(OSError):
            found += [f"{d}/{n}" for n in os.listdir(d) if n.startswith("hostile-litter")]
    return found


@pytest.fixture(scope="session")
def decoys() -> Any:
    """Fake grading sessions of someone else, world-readable and -writable, holding a correct
    sigmoid: visible to a child only if /tmp or /dev/shm is shared with the host."""
    source = (REPO / "reference" / "activations.py").read_text(encoding="utf-8")
    paths = []
    for top in ("/tmp", "/dev/shm"):
        if not os.path.isdir(top):
            continue
        root = Path(top) / f"grader-decoy-{uuid.uuid4().hex[:10]}"
        module = root / "job1" / "module"
        module.mkdir(parents=True)
        target = module / "activations.py"
        target.write_text(source, encoding="utf-8")
        for d in (root, root / "job1", module):
            d.chmod(0o777)
        target.chmod(0o666)
        paths.append(root)
    before = {str(p): _hash_tree(p) for p in paths}
    yield before
    for p in paths:
        shutil.rmtree(p, ignore_errors=True)


def _grade(
    submission: Path,
    items: list[str],
    tmp_path: Path,
    timeout: float = HANG_GUARD_S,
) -> tuple[dict[str, Any], str, float]:
    root = tmp_path / "sessions"
    root.mkdir()
    cmd = [sys.executable, "-c", WRAPPER, str(root), "grade", str(submission), "--format", "json"]
    for item in items:
        cmd += ["--only", item]
    t0 = time.monotonic()
    proc = subprocess.run(
        cmd, cwd=REPO, capture_output=True, timeout=timeout, stdin=subprocess.DEVNULL
    )
    elapsed = time.monotonic() - t0
    stderr = proc.stderr.decode(errors="replace")
    assert proc.returncode == 0, f"grader exit status {proc.returncode}: {stderr[-2000:]}"
    session = re.search(r"GRADER_SESSION=(\S+)", stderr)
    assert session and session.group(1).startswith(str(root)), (
        f"the session did not live under the test's directory: {stderr[-500:]}"
    )
    # Nothing of the session is left running, and its directory is gone.
    deadline = time.monotonic() + 5
    while (left := _mentions(str(root))) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"processes left behind: {left}"
    assert not list(root.iterdir()), f"session files left behind: {list(root.iterdir())}"
    return json.loads(proc.stdout), stderr, elapsed


# ----------------------------------------------------------------------------- the bank
def _params() -> list[Any]:
    names = sorted(p.name for p in BANK.iterdir() if (p / "activations.py").is_file())
    return [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in names]


def test_bank_is_complete() -> None:
    on_disk = {p.name for p in BANK.iterdir() if (p / "activations.py").is_file()}
    assert on_disk == set(EXPECTED), "every bank entry needs an expectation, and vice versa"
    assert len(on_disk) >= 20


def _check_integrity(before: dict[str, Any], decoys: dict[str, dict[str, str]]) -> None:
    for name in WATCHED:
        lost = before["files"][name] - _files(REPO / name)
        assert not lost, f"{name}/ lost {sorted(lost)}"
        for rel in _files(REPO / name):
            path = REPO / name / rel
            if path.suffix in (".py", ".txt", ".md", ".json"):
                assert b"vandalised" not in path.read_bytes(), f"{path} was modified"
    assert _hash_tree(BANK) == before["bank"], "the submissions themselves were modified"
    cache = REPO / ".grader-cache"
    after = _stat_tree(cache) if cache.is_dir() else {}
    for rel, meta in before["cache"].items():
        if rel in after:  # (the grader's own cache housekeeping may remove entries)
            assert after[rel] == meta, f"{cache / rel} changed"
    for root, tree in decoys.items():
        assert _hash_tree(Path(root)) == tree, f"decoy session {root} was touched"
    assert not _litter(), f"left on the host: {_litter()}"


def _snapshot() -> dict[str, Any]:
    cache = REPO / ".grader-cache"
    return {
        "files": {name: _files(REPO / name) for name in WATCHED},
        "bank": _hash_tree(BANK),
        "cache": _stat_tree(cache) if cache.is_dir() else {},
    }


def _check_score(name: str, report: dict[str, Any]) -> None:
    expected = EXPECTED[name]
    want = report["max_score"] if expected == FULL else 0.0
    cases = [
        f"{c['name']}: {c['status']}: {c['message'][:160]}"
        for t in report["tests"]
        for c in t["extra_data"]["cases"]
        if (c["passed"] if expected == ZERO else not c["passed"])
    ]
    assert report["score"] == pytest.approx(want), (
        f"{name}: score {report['score']} / {report['max_score']}, expected {expected}; "
        f"offending cases: {cases[:6]}"
    )


@needs_sandbox
@pytest.mark.parametrize("name", _params())
def test_hostile_submission(name: str, tmp_path: Path, decoys: dict[str, dict[str, str]]) -> None:
    assert not _litter(), f"litter from an earlier run: {_litter()}"
    before = _snapshot()
    report, stderr, elapsed = _grade(
        BANK / name, ITEMS.get(name, ["activations.sigmoid"]), tmp_path
    )
    _check_score(name, report)
    _check_integrity(before, decoys)
    if name == "loop_function":  # every run times out on its first case: 1 + MAX_RESTARTS runs
        statuses = [c["status"] for c in report["tests"][0]["extra_data"]["cases"]]
        assert statuses.count("timeout") == sandbox.MAX_RESTARTS + 1, statuses
        assert all(s in ("timeout", "error") for s in statuses)
    if name == "print_10mb":  # the report carries a tail, not the 150 MB
        assert len(json.dumps(report)) < 64_000
    if name == "sparse_outputs":  # 28 GiB of "outputs" on offer: nobody may read them
        rss_kb = int(re.search(r"GRADER_MAXRSS_KB=(\d+)", stderr).group(1))  # type: ignore[union-attr]
        assert rss_kb < 1_500_000, f"the grader grew to {rss_kb // 1024} MiB"
    if name == "progress_forgery":  # forged progress lines cannot stretch the item's time
        assert elapsed < 60, f"took {elapsed:.0f} s"


@needs_sandbox
def test_symlink_to_reference(tmp_path: Path, decoys: dict[str, dict[str, str]]) -> None:
    """A submission whose activations.py is a symbolic link to the reference solution."""
    sub = tmp_path / "symlink_to_reference"
    sub.mkdir()
    (sub / "activations.py").symlink_to(REPO / "reference" / "activations.py")
    (sub / "helpers.py").symlink_to(REPO / "reference" / "activations.py")
    before = _snapshot()
    report, _stderr, _elapsed = _grade(sub, ["activations.sigmoid"], tmp_path)
    assert report["score"] == 0.0, report["tests"][0]["extra_data"]["cases"][0]["message"]
    _check_integrity(before, decoys)


#: A correct sigmoid, for the submissions made here (``_good``, as in the bank).
GOOD_SIGMOID = """
def _good(x):
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)
"""

NO_NEW_TASKS = """
import importlib.machinery, importlib.util, threading
import numpy as np

def _spawned():  # True if this child could start a thread or a process (it must not)
    try:
        threading.Thread(target=lambda: None).start()
        return True
    except RuntimeError:
        pass
    posix = importlib.util.module_from_spec(importlib.machinery.BuiltinImporter.find_spec("posix"))
    try:
        pid = posix.fork()
    except OSError:
        return False
    if pid == 0:
        posix._exit(0)
    return True

def sigmoid(x):
    if _spawned():
        raise RuntimeError("a thread or a process could be started")
    return _good(x)
"""

LEAKS_DESCRIPTORS = """
import os
import numpy as np

_leaked = []

def sigmoid(x):
    for _ in range(12):  # never closed: 14 cases x 12 > the open-files limit of 64
        _leaked.append(open(os.devnull))
        _leaked.append(os.dup(0))
    return _good(x)
"""


LOWER_PRIORITY = f"""
import os
import numpy as np

def sigmoid(x):  # right only below the grader's priority
    if os.getpriority(os.PRIO_PROCESS, 0) <= {os.getpriority(os.PRIO_PROCESS, 0)}:
        raise RuntimeError("the child runs at the grader's priority")
    return _good(x)
"""


def _full_marks_for(name: str, source: str, tmp_path: Path) -> None:
    """Grade a one-file submission made here (with GOOD_SIGMOID) on sigmoid: full marks."""
    sub = tmp_path / name
    sub.mkdir()
    (sub / "activations.py").write_text(source + GOOD_SIGMOID, encoding="utf-8")
    report, _stderr, _elapsed = _grade(sub, ["activations.sigmoid"], tmp_path)
    assert report["score"] == report["max_score"], [
        c["message"] for c in report["tests"][0]["extra_data"]["cases"] if not c["passed"]
    ][:3]


@needs_sandbox
def test_children_start_no_thread_or_process(tmp_path: Path) -> None:
    """The process limit leaves a child no new task at all (a fork bomb's copies would each get
    their own address-space allowance); this submission is right only if both attempts fail."""
    _full_marks_for("no_new_tasks", NO_NEW_TASKS, tmp_path)


@needs_sandbox
def test_children_run_below_the_graders_priority(tmp_path: Path) -> None:
    """Student code, however busy, does not starve the grader (or a first run's oracle)."""
    _full_marks_for("lower_priority", LOWER_PRIORITY, tmp_path)


@needs_sandbox
def test_descriptors_left_open_are_closed_after_each_case(tmp_path: Path) -> None:
    """A correct submission that leaks descriptors every call: the worker closes what a case
    left open, so later cases (and the saving of their results) still have descriptors."""
    _full_marks_for("leaks_descriptors", LEAKS_DESCRIPTORS, tmp_path)


# ----------------------------------------------------------------------------- parse_npy
def _npy(arr: np.ndarray) -> bytes:
    f = io.BytesIO()
    np.save(f, arr, allow_pickle=True)
    return f.getvalue()


def _raw_npy(header: str, body: bytes, version: bytes = b"\x01\x00") -> bytes:
    header = header + " " * (63 - (10 + len(header)) % 64) + "\n"
    size = len(header).to_bytes(2 if version == b"\x01\x00" else 4, "little")
    return b"\x93NUMPY" + version + size + header.encode() + body


class _Boom:
    def __reduce__(self) -> Any:
        return (os.system, ("touch /tmp/hostile-pickle-payload-ran",))


def test_parse_npy_accepts_plain_arrays() -> None:
    for arr in (
        np.arange(6.0).reshape(2, 3),
        np.float32(1.5) * np.ones(()),
        np.zeros((0, 3)),
        np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        np.array(["a", "bc"]),
    ):
        got = sandbox.parse_npy(_npy(arr))
        assert type(got) is np.ndarray and got.dtype == arr.dtype
        np.testing.assert_array_equal(got, arr)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(_npy(np.array([1, "x", None], dtype=object)), id="object-dtype"),
        pytest.param(_npy(np.array([_Boom()], dtype=object)), id="pickle-payload"),
        pytest.param(
            _raw_npy(
                "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", pickle.dumps([_Boom()])
            ),
            id="crafted-pickle",
        ),
        pytest.param(
            _raw_npy(
                "{'descr': [('a', '<f8'), ('b', '|O')], 'fortran_order': False, 'shape': (1,), }",
                b"\0" * 16,
            ),
            id="object-field",
        ),
        pytest.param(
            _raw_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1 << 40,), }", b"\0" * 64),
            id="shape-bigger-than-data",
        ),
        pytest.param(
            _raw_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", b"\0" * 24),
            id="data-bigger-than-shape",
        ),
        pytest.param(
            _raw_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (-2, -4), }", b"\0" * 64),
            id="negative-dims",
        ),
        pytest.param(
            _raw_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (-1, 0), }", b""),
            id="negative-empty",
        ),
        pytest.param(_npy(np.arange(10.0))[:-8], id="truncated-body"),
        pytest.param(_npy(np.arange(10.0))[:20], id="truncated-header"),
        pytest.param(b"\x93NUMPY\x01\x00", id="magic-only"),
        pytest.param(b"", id="empty"),
        pytest.param(b"root:x:0:0:root:/root:/bin/bash\n", id="not-npy"),
        pytest.param(
            _raw_npy(
                "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }",
                b"\0" * 8,
                version=b"\x09\x00",
            ),
            id="bad-version",
        ),
        pytest.param(
            _raw_npy("__import__('os').system('touch /tmp/hostile-header-eval-ran')", b"\0" * 8),
            id="code-in-header",
        ),
        pytest.param(
            _raw_npy(
                "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }" + " " * (1 << 20),
                b"\0" * 8,
                version=b"\x02\x00",
            ),
            id="huge-header",
        ),
    ],
)
def test_parse_npy_refuses(data: bytes) -> None:
    with pytest.raises(ValueError):
        sandbox.parse_npy(data)
    assert not [m for m in MARKERS if os.path.exists(m)], "a payload ran"


# ----------------------------------------------------------------------------- read_plain
def _dir_fd(path: Path) -> int:
    return os.open(path, os.O_RDONLY | os.O_DIRECTORY)


def test_open_regular_reads_a_plain_file(tmp_path: Path) -> None:
    (tmp_path / "a.npy").write_bytes(b"x" * 100)
    fd = _dir_fd(tmp_path)
    try:
        assert worker.read_plain(fd, "a.npy", 100) == b"x" * 100
        with pytest.raises(FileNotFoundError):
            worker.read_plain(fd, "missing.npy", 100)
    finally:
        os.close(fd)


@pytest.mark.parametrize(
    "kind",
    ["symlink", "dangling-symlink", "fifo", "oversized", "hardlink", "directory", "dev-null-link"],
)
def test_open_regular_refuses(kind: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0\n")
    target = tmp_path / "out" / "0.out.npy"
    target.parent.mkdir()
    if kind == "symlink":
        target.symlink_to(secret)
    elif kind == "dangling-symlink":
        target.symlink_to(tmp_path / "nowhere")
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "oversized":
        with open(target, "wb") as f:
            f.truncate(1 << 30)  # sparse: costs nothing
    elif kind == "hardlink":
        os.link(secret, target)
    elif kind == "directory":
        target.mkdir()
    else:
        target.symlink_to("/dev/null")
    fd = _dir_fd(target.parent)
    t0 = time.monotonic()
    try:
        with pytest.raises(ValueError):
            worker.read_plain(fd, target.name, 1 << 20)
    finally:
        os.close(fd)
    assert time.monotonic() - t0 < 5, "blocked on the file"


# ----------------------------------------------------------------------------- zygote protocol
def _running(tmp_path: Path, indices: list[int]) -> Any:
    work = tmp_path / "job"
    (work / "res").mkdir(parents=True)
    box = tmp_path / "box"
    (box / "out").mkdir(parents=True)
    req = {
        "indices": indices,
        "workdir": str(work),
        "max_outputs": 32,
        "max_case_bytes": 1 << 20,
        "item_timeout": 60,
        "case_timeout": 5,
    }
    r, w = os.pipe()
    return worker._Running(req, pid=0, fd=-1, acks=(r, w), box=box)


def test_progress_protocol_ignores_forgeries(tmp_path: Path) -> None:
    run = _running(tmp_path, [3, 4, 5])
    run.feed(b"D 3\nI\n")  # nothing before the import report; case 3 starts at I
    assert run.imported and run.started == [3] and run.done == []
    run.feed(b"E\nD 4\nD 5\nS 3\n")  # out of order, an old-style start line, noise
    assert run.started == [3] and run.done == [] and not run.import_error
    run.feed(b"D 3\nD 3\nD 5\nD 4\n" + b"9" * 100_000)  # repeats, an endless line at the end
    assert run.started == [3, 4, 5] and run.done == [3, 4]
    assert len(run.buf) <= 64
    run.feed(b"9999\nD 5\nD 6\n")
    assert run.done == [3, 4, 5] and run.started == [3, 4, 5]
    assert os.read(run.acks[0], 16) == b"kkk"  # one acknowledgement per finished case
    for fd in run.acks:
        os.close(fd)


def _result(meta: dict[str, Any], *blobs: bytes) -> bytes:
    return json.dumps(meta).encode() + b"\n" + b"".join(blobs)


def _recorded(res: Path) -> dict[str, bytes]:
    return {k: bytes(v) for k, v in sandbox._records((res / "results.bin").read_bytes()).items()}


def test_freeze_records_checked_plain_results_only(tmp_path: Path) -> None:
    run = _running(tmp_path, [0, 1, 2, 3, 4, 5, 6, 7, 8])
    out, res = run.box / "out", Path(run.req["workdir"]) / "res"
    good = _npy(np.arange(3.0))
    plan: list[Any] = [
        _result({"ok": True, "outputs": [["out", len(good)]]}, good),
        "symlink",
        _result({"ok": True, "outputs": [["out", len(good)]]}, good, b"junk"),  # size mismatch
        "hardlink",
        _result({"ok": True, "outputs": [["../x", len(good)]]}, good),
        _result({"ok": False, "error": "ValueError: nope"}),
        None,  # no result file at all
        "oversized",
        _result({"ok": True, "outputs": [["out", len(good)], ["out", len(good)]]}, good, good),
    ]
    (tmp_path / "elsewhere").write_bytes(plan[0])
    for k, what in enumerate(plan):
        (out / "res").unlink(missing_ok=True)
        if what == "symlink":
            (out / "res").symlink_to(tmp_path / "elsewhere")
        elif what == "hardlink":
            os.link(tmp_path / "elsewhere", out / "res")
        elif what == "oversized":
            with open(out / "res", "wb") as f:
                f.truncate(2 << 20)  # sparse: costs nothing
        elif isinstance(what, bytes):
            (out / "res").write_bytes(what)
        run.feed(b"I\n" if k == 0 else b"")
        run.feed(f"D {k}\n".encode())
        if k == 0:  # a later rewrite of a recorded case does not reach res/
            (out / "res").write_bytes(_result({"ok": False, "error": "rewritten"}))
    got = _recorded(res)
    assert sorted(got) == ["0", "1", "2", "3", "4", "5", "7", "8"] and run.done == list(range(9))
    assert got["0"] == plan[0]
    assert "could not be opened safely" in json.loads(got["1"])["error"]  # (a link)
    assert "do not match" in json.loads(got["2"])["error"]
    assert "hard link" in json.loads(got["3"])["error"]
    assert "invalid name" in json.loads(got["4"])["error"]
    assert json.loads(got["5"]) == {"ok": False, "error": "ValueError: nope"}
    assert "larger than" in json.loads(got["7"])["error"]
    assert "repeated" in json.loads(got["8"])["error"]
    for fd in (*run.acks, *run.dirs):
        os.close(fd)


@pytest.mark.parametrize(
    "arr",
    [
        np.arange(6.0).reshape(2, 3),
        np.array(1.5, dtype=np.float32),
        np.zeros((0, 3), np.int16),
        np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        np.arange(12.0).reshape(3, 4)[:, ::2],
        np.array([True, False]),
        np.array(["a", "bc"]),
        np.zeros(3, dtype=">f8"),
    ],
)
def test_npy_bytes_is_what_numpy_saves(arr: np.ndarray) -> None:
    f = io.BytesIO()
    np.save(f, np.array(arr, order="C"), allow_pickle=False)  # (C order, 0-d kept 0-d)
    assert worker.npy_bytes(arr) == f.getvalue()
    assert worker.npy_bytes(arr) == worker.npy_bytes(arr)  # (the cached header again)


@pytest.mark.parametrize(
    "arr",
    [
        np.zeros(3),
        np.zeros(()),
        np.zeros((2, 3, 4), ">i8"),
        np.asfortranarray(np.zeros((2, 3))),
        np.array(["ab"]),
        np.array([True]),
        np.zeros((10, 1), np.float16),
        np.zeros(2, dtype=[("a", "<f8")]),  # (not the plain layout: the ast path)
        np.zeros(2, "M8[D]"),
    ],
)
def test_npy_header_reads_what_numpy_reads(arr: np.ndarray) -> None:
    f = io.BytesIO()
    np.save(f, arr)
    data = f.getvalue()
    f.seek(0)
    assert np.lib.format.read_magic(f) == (1, 0)
    want = np.lib.format.read_array_header_1_0(f)
    header = data[10 : 10 + int.from_bytes(data[8:10], "little")]
    assert worker._npy_header.__wrapped__(header) == want


def test_result_records_round_trip_through_the_grader() -> None:
    a, b = np.arange(6.0).reshape(2, 3), np.array(True)
    ok = _result(
        {"ok": True, "outputs": [["a", len(_npy(a))], ["b", len(_npy(b))]]}, _npy(a), _npy(b)
    )
    data = b"".join(f"{k} {len(r)}\n".encode() + r for k, r in [("0", ok), ("1", b"{}\n")])
    records = sandbox._records(data)
    budget = [1 << 20]
    run = sandbox._read_case(records["0"], budget)
    assert (
        run.ok
        and set(run.outputs) == {"a", "b"}
        and budget[0] == (1 << 20) - len(ok) + ok.index(b"\n") + 1
    )
    np.testing.assert_array_equal(run.outputs["a"], a)
    assert not sandbox._read_case(records["1"], budget).ok
    assert sandbox._read_case(None, budget).error == "no result came back"
    assert "larger than" in str(sandbox._read_case(records["0"], [10]).error)


# ----------------------------------------------------------------------------- mount plan
@needs_sandbox
def test_a_failing_mount_stops_the_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """The zygote applies the plan before anything else; a step that fails ends it, with the
    reason, rather than leaving a half-covered file system."""
    monkeypatch.setattr(
        sandbox, "mount_plan", lambda session: [["tmpfs", "/proc/1/nonexistent", False, "size=4k"]]
    )
    with (
        pytest.raises(
            sandbox.SandboxError, match=r"did not start: the mount plan failed: .*/proc/1"
        ),
        sandbox.Sandbox(parallel=1) as box,
    ):
        assert box.layers  # (waits for the zygote)


def test_mount_plan_covers_the_repository_and_keeps_the_session(tmp_path: Path) -> None:
    steps = sandbox.mount_plan(tmp_path)
    covered = {s[1] for s in steps if s[0] == "tmpfs"}
    kept = [s[1] for s in steps if s[0] == "keep"]
    bound = {s[2] for s in steps if s[0] == "bind"}
    assert "/tmp" in covered and str(tmp_path / "box") in covered
    assert os.path.realpath(REPO) in covered or any(
        os.path.realpath(REPO).startswith(p) for p in (sys.prefix, sys.base_prefix)
    )
    assert bound == set(kept) and str(tmp_path) in kept  # the session is put back
    firsts = [i for i, s in enumerate(steps) if s[0] != "keep"]
    assert all(s[0] == "keep" for s in steps[: firsts[0]])  # kept before anything is covered
