"""Hostile submissions against the sandbox (tests/submissions/hostile/<name>/), in both modes.

Each submission is graded by the real command line in a subprocess (``hostile_harness.grade``),
in the ``root`` mode and in the ``nonroot`` mode (the grader run by an ordinary user: here uid
65534 through ``setpriv``), on ``activations.sigmoid`` unless said otherwise, and must leave the
grader standing:

* the run ends (a hang guard, not a speed assertion) with exit status 0 and a JSON report;
* the score is what an honest grader gives: full marks when the values are right however noisy
  or hostile the rest of the code is, 0 when they are wrong or never come back ("canary"
  submissions return the right values only if their attack worked; for those marked below, every
  failing case must carry the canary's own "the attack failed" message, so the 0 comes from the
  sandbox holding and from nothing else);
* nothing is left running, and the grading's scratch directory is empty;
* nothing outside the sandbox changed: the repository's reference/, graders/ and
  student_template/, this bank, the oracle cache, decoy sessions planted in /tmp and /dev/shm and
  decoy files owned by the children's uid in /var/lib (all world-writable; /var is now covered
  too, so these stay as a second line); no marker or litter file appeared in /tmp, /var/tmp,
  /dev/shm or /run/lock.

The bank (``full`` = full marks, ``zero`` = 0):

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
atexit_fake_results    zero        always raises; forges correct result bundles (out/result)
                                   and the zygote's records (res/<k>) at import, in each call
                                   and at exit
symlink_fifo_outputs   zero        wrong result; plants symlinks, a FIFO, a hard link, a
                                   directory as out/result, forges "case done"
pickle_payload         zero        object arrays; plants bundles of pickles (marker file),
                                   forges "case done" for this case and the next ones
lying_header           full        correct; plants bundles whose headers lie (sizes, offsets,
                                   1 GiB header, 100 000-deep JSON, NaN, dtypes O/V/M/struct)
sparse_outputs         full        correct; plants 31 sparse 64 MiB files per case and a sparse
                                   result declaring 64 MiB
weird_dtypes           zero        str/bytes/complex/structured/datetime/void/bool/f16/'>f8'
import_torch           zero        canary: uses torch if any import route reaches it
print_10mb             full        prints 10 MB at import and 10 MB per call; correct values
read_stdin             full        reads stdin (must be empty); correct values
delete_files           zero        deletes/modifies its scratch, the repo, sessions, caches
network                zero        canary: right values only if a connection succeeds
harm_classmates        full        lowers the limits, priority, policy and affinity of every
                                   pid it can name (a batch's classmates), 3 s at import;
                                   correct values (and in a batch beside an honest student)
fill_box               full        fills its out/, scratch and working directory at import,
                                   holds them 3 s; correct values (and in a batch likewise)
host_services          zero        canary: right only if it opens a socket (AF_UNIX included),
                                   connects to a Unix socket in sight (one is served in /run,
                                   mode 0666), opens a device but the five harmless ones, or
                                   sees anything in /run or /var but lock and tmp
read_reference         zero        canary: reference/, .git objects, other sessions, /proc
copy_classmate         zero        canary: walks everything in sight (and /proc's roots) for
                                   another working sigmoid, alone and in a batch beside an
                                   honest classmate graded at the same time
signal_classmates      zero        canary: right only if it can lock, lease or watch a file
                                   every child sees (flock, fcntl and OFD locks, F_GETLK,
                                   F_NOTIFY, inotify) or read its folder's file-system usage
                                   (statvfs): channels to a classmate's children, alone and in
                                   a batch
carry_hidden_inputs    zero        remembers every input (memory, files in every writable
                                   place), prints and raises with the others' first values:
                                   with hidden cases, no public result may carry a hidden one
kill_parent            full        kill(getppid), kill(-1), pids 1..63, pidfd; correct values
raise_rlimits          zero        canary: right values only if a limit could be raised
threads_after_return   full        background threads spinning after return; correct values
progress_forgery       zero        forges progress lines on the zygote's pipe, floods it (slow)
exec_replace           zero        execv of a shell / an unguarded Python (slow)
litter_tmp             full        leaves files in /tmp, /var/tmp, /dev/shm, /run/lock; correct
simultaneous_exit      full        sigmoid + tanh children (and grandchildren) end together
umount_covers          zero        canary: through ctypes (guard put back), umount every mount,
                                   remount / read-write, unshare/setns/chroot, then look for the
                                   reference and torch
forge_records          zero        wrong values; writes correct bundles into its job's res/,
                                   every job's res/, inputs and cases (as the zygote would)
read_memory            zero        canary: /proc/<pid>/mem, process_vm_readv and ptrace of the
                                   zygote and every pid 1..64
signal_raw             full        raw kill/tkill/tgkill/rt_sigqueueinfo/pidfd_send_signal and
                                   an F_SETOWN SIGIO at the zygote and every pid; correct values
capabilities           zero        canary: right only if a capability, uid 0, setuid(0), an
                                   extra uid mapping, dumpable, unshare or mount is had
own_files              full        appends to every file and creates files in every directory
                                   it owns or may write, the decoys included; correct values
import_sympy           zero        canary: sympy/scipy by computed names, importlib, sys.path
                                   edits, the base prefix, by file; the report names them
site_walk              zero        canary: right only if any package but NumPy can be found on
                                   or around sys.path
deep_json_result       zero        writes results whose headers are 100 000 lists deep, hold
                                   50 000 arrays or 5000-digit numbers; forges "case done"
inode_flood            full        creates files until refused in every writable place; correct
forged_report          zero        prints and raises ANSI escapes, carriage returns, a fake
                                   score line, workflow commands, XML-invalid characters,
                                   HTML, lone surrogates (tests/test_report_safety.py too)
void_init              zero        (initializers.uniform_) turns the filled tensor's dtype into
                                   V8, S8, M8, U2 in place
forge_timing           full        (activations.relu) right, a Python loop on large inputs;
                                   rebinds every clock it can reach to leave its own calls out,
                                   computes ahead every large input it finds (frames, gc,
                                   files): with a speed weight, no speed credit
structured_orthogonal  zero        (initializers.orthogonal_) a cosine basis, the generator
                                   picking its columns and signs: orthogonal, no QR
computed_fill          zero        (initializers.uniform_) one draw, then a golden-ratio
                                   sequence: seeded, but computed, not drawn
lookalike_law          zero        (initializers.normal_) a sum of six uniforms, scaled: the
                                   right mean and std, KS passes it, its tails are too light
symlink_to_reference   refused     (made here) activations.py is a symlink to the reference
no_new_tasks           full        (made here) canary: right only if no thread or fork starts
oom_first              full        (made here) right only if its oom_score_adj is 1000 and it
                                   cannot lower it to -1000
half_import            partial     (made here) losses.py defines everything, patches the import
                                   system to serve itself, then raises: the worked items' values
                                   that need it fail
huge_module            zero        (made here) activations.py of 8 MiB: not graded, with why
memorised              public      (made here) answers from a table for the public inputs, zeros
                                   elsewhere: the public share only, each item flagged
=====================  ==========  ===========================================================
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from graders.sandbox import MAX_RESTARTS, namespaces
from graders.score import SLOW_FACTOR
from tests import hostile_harness as h

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
    "forge_timing": FULL,
    "read_stdin": FULL,
    "delete_files": ZERO,
    "network": ZERO,
    "read_reference": ZERO,
    "copy_classmate": ZERO,
    "carry_hidden_inputs": ZERO,
    "kill_parent": FULL,
    "raise_rlimits": ZERO,
    "threads_after_return": FULL,
    "progress_forgery": ZERO,
    "exec_replace": ZERO,
    "litter_tmp": FULL,
    "simultaneous_exit": FULL,
    "umount_covers": ZERO,
    "forge_records": ZERO,
    "read_memory": ZERO,
    "signal_raw": FULL,
    "capabilities": ZERO,
    "own_files": FULL,
    "import_sympy": ZERO,
    "site_walk": ZERO,
    "deep_json_result": ZERO,
    "inode_flood": FULL,
    "forged_report": ZERO,
    "void_init": ZERO,
    "host_services": ZERO,
    "harm_classmates": FULL,
    "fill_box": FULL,
    "signal_classmates": ZERO,
    "structured_orthogonal": ZERO,
    "computed_fill": ZERO,
    "lookalike_law": ZERO,
}
#: Each of these spends 4 x 5 s in timeouts, like loop_function, which stays in the default run
#: (``make test`` near 10 minutes: these run in ``make test-slow``, in every mode).
SLOW = {"sleep_forever", "sigterm_ignored", "exec_replace", "progress_forgery"}
ITEMS = {
    "simultaneous_exit": ["activations.sigmoid", "activations.tanh"],
    "void_init": ["initializers.uniform_"],
    "forge_timing": ["activations.relu"],
    "structured_orthogonal": ["initializers.orthogonal_"],
    "computed_fill": ["initializers.uniform_"],
    "lookalike_law": ["initializers.normal_"],
}
#: Canaries whose every failing case must say that the attack failed (their own message).
CANARY = {
    "umount_covers": "the covers held",
    "read_memory": "no memory of another process could be read",
    "capabilities": "confined",
    "site_walk": "nothing but NumPy in reach",
    "network": "no network",
    "host_services": "no host service in reach",
    "raise_rlimits": "no limit could be raised",
    "read_reference": "no reference in sight",
    "copy_classmate": "no classmate's sigmoid in sight",
    "signal_classmates": "no shared file can be locked or watched",
    "import_torch": "torch is out of reach",
    "import_sympy": "out of reach",
}
#: Submissions whose report must name the forbidden packages they tried to import.
NAMED = {"import_torch": ["torch"], "import_sympy": ["scipy", "sympy"]}


@pytest.fixture(scope="session")
def decoys() -> Any:
    paths = h.make_decoys()
    yield paths
    for p in paths:
        shutil.rmtree(p, ignore_errors=True)


@pytest.fixture(scope="session")
def host_service() -> Any:
    """A Unix socket anyone may connect to, served in /run while the session lasts (as root;
    None otherwise): where the docker daemon's socket or a D-Bus bus is on a real machine."""
    path = Path(f"/run/dlgrade-hostile-service-{os.getpid()}.sock")
    if os.getuid() != 0 or not path.parent.is_dir():
        yield None
        return
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        path.unlink(missing_ok=True)
        server.bind(str(path))
        path.chmod(0o666)
    except OSError:  # (a read-only /run: the canary still tries every other route)
        server.close()
        yield None
        return
    server.listen(64)
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            with contextlib.suppress(OSError):
                server.accept()[0].close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield path
    stop.set()
    thread.join()
    server.close()
    path.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def _modes() -> Any:
    """What the modes make (a venv and a cache for uid 65534) is removed at the end."""
    yield
    h.cleanup_modes()


def _mode(name: str) -> h.Mode:
    """The sandbox mode ``name`` (skipped where this machine cannot run it, or without
    namespaces: the hostile code would then run unconfined and could really damage this working
    tree)."""
    m = h.mode(name)
    if isinstance(m, str):
        pytest.skip(m)
    if not namespaces.namespace_prefix()[0]:
        pytest.skip("no namespaces here (unshare unavailable): hostile code would run unconfined")
    return m


#: The modes every test of the bank runs in: the subordinate ids' mode in ``make test-slow``
#: (in ``make test``, the submissions of SUBIDS_FAST only).
MODE_PARAMS = [*h.MODES[:2], pytest.param(h.MODES[2], marks=pytest.mark.slow)]
#: What the subordinate ids change: the child's uid on the host, its groups, whom it may reach.
SUBIDS_FAST = ["capabilities", "own_files", "read_memory", "signal_raw", "harm_classmates"]


@pytest.fixture(params=MODE_PARAMS)
def mode(request: pytest.FixtureRequest, _modes: None) -> h.Mode:
    return _mode(request.param)


#: A class graded together (about 15 s a test): as root in ``make test``, the other modes in
#: ``make test-slow``.
BATCH_MODE_PARAMS = [h.MODES[0], *(pytest.param(m, marks=pytest.mark.slow) for m in h.MODES[1:])]


@pytest.fixture(params=BATCH_MODE_PARAMS)
def batch_mode(request: pytest.FixtureRequest, _modes: None) -> h.Mode:
    return _mode(request.param)


# ----------------------------------------------------------------------------- the bank
def _params() -> list[Any]:
    names = sorted(p.name for p in h.BANK.iterdir() if p.is_dir())
    return [pytest.param(n, marks=pytest.mark.slow) if n in SLOW else n for n in names]


def test_bank_is_complete() -> None:
    on_disk = {p.name for p in h.BANK.iterdir() if p.is_dir()}
    assert on_disk == set(EXPECTED), "every bank entry needs an expectation, and vice versa"
    assert set(CANARY) <= set(EXPECTED) and set(NAMED) <= set(EXPECTED)


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
    if name in CANARY:
        other = [m for m in h.failing_messages(report) if CANARY[name] not in m]
        assert not other, f"{name}: cases failed for another reason than the canary's: {other[:3]}"


def _check_named(name: str, report: dict[str, Any]) -> None:
    """The report names the forbidden packages the submission tried to import."""
    for package in NAMED.get(name, []):
        notes = [t["extra_data"].get("note", "") for t in report["tests"]]
        text = json.dumps(report)
        assert "tried to import" in text and package in text, f"{package} not named: {notes}"


def test_the_host_services_canary_reaches_them_unconfined(host_service: Path | None) -> None:
    """Run by a plain Python (no sandbox), the canary's routes reach what the sandbox hides -- a
    socket, the served Unix socket, /run and /var's files -- so its 0 in the sandbox comes from
    the sandbox holding."""
    code = (
        f"import sys; sys.path.insert(0, {str(h.BANK / 'host_services')!r}); import socket; "
        "import activations as a; "
        "print(a._ctypes_socket(), a._connected(socket), a._state_files())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    opened, connected, state = out.stdout.split()
    assert opened == "True" and state == "True", out.stdout
    if host_service is not None:
        assert connected == "True", out.stdout


def test_the_signal_canary_finds_its_channels_unconfined() -> None:
    """Run by a plain Python (no sandbox), the canary locks and watches NumPy's files, so its 0
    in the sandbox comes from the sandbox refusing each route."""
    code = (
        f"import sys; sys.path.insert(0, {str(h.BANK / 'signal_classmates')!r}); "
        "import activations as a; print(' '.join(a.channels()))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    worked = set(out.stdout.split())
    routes = {"flock", "F_SETLK", "F_GETLK", "F_OFD_SETLK", "F_NOTIFY", "inotify", "statvfs"}
    assert routes <= worked, worked


@pytest.mark.parametrize("name", _params())
def test_hostile_submission(
    name: str, mode: h.Mode, tmp_path: Path, decoys: Any, host_service: Path | None
) -> None:
    assert not h.litter(), f"litter from an earlier run: {h.litter()}"
    before = h.snapshot(decoys)
    items = ITEMS.get(name, ["activations.sigmoid"])
    graded = h.grade(mode, h.BANK / name, items, tmp_path)
    report = graded.report
    _check_score(name, report)
    _check_named(name, report)
    h.check_integrity(before)
    if name == "loop_function":  # every run times out on its first case: 1 + MAX_RESTARTS runs
        statuses = [c["status"] for c in report["tests"][0]["extra_data"]["cases"]]
        assert statuses.count("timeout") == MAX_RESTARTS + 1, statuses
        assert all(s in ("timeout", "error") for s in statuses)
    if name == "print_10mb":  # the report carries a tail, not the 150 MB
        assert len(json.dumps(report)) < 64_000
    if name == "sparse_outputs":  # 28 GiB of "outputs" on offer: nobody may read them
        rss_kb = int(re.search(r"GRADER_MAXRSS_KB=(\d+)", graded.stderr).group(1))  # type: ignore[union-attr]
        assert rss_kb < 1_500_000, f"the grader grew to {rss_kb // 1024} MiB"
    if name == "progress_forgery":  # forged progress lines cannot stretch the item's time
        assert graded.elapsed < 60, f"took {graded.elapsed:.0f} s"
    if name == "void_init":  # refused as a plain-number bundle, never a crash of the check
        messages = h.failing_messages(report)
        assert messages and all("dtype" in m or "grader error" in m for m in messages), messages


def test_a_timed_call_cannot_be_forged(mode: h.Mode, tmp_path: Path) -> None:
    """Graded with a speed weight, a loop that stops the clocks and works ahead gets its right
    answers' points and no speed credit: the zygote times each call on an input the child sees
    only when the call starts (with the timing driver of the old design, inside the child, it
    was credited in full)."""
    args = ("--format", "json", "--efficiency-weight", "0.5")
    report = h.grade(mode, h.BANK / "forge_timing", ["activations.relu"], tmp_path, args).report
    (relu,) = report["tests"]
    speed = relu["extra_data"]["efficiency"]
    assert speed["measured"] and not speed.get("failed"), speed
    assert speed["slower"] >= SLOW_FACTOR, speed
    assert relu["score"] == pytest.approx(relu["max_score"] / 2), relu


def _pyc(_dir: str, names: list[str]) -> list[str]:
    return [n for n in names if n == "__pycache__"]


# ----------------------------------------------------------------------------- made here
@pytest.mark.usefixtures("decoys")
def test_symlink_to_reference(mode: h.Mode, tmp_path: Path, decoys: Any) -> None:
    """A submission whose activations.py is a symbolic link to the reference solution: not
    followed (one line, exit 2: nothing can be graded)."""
    sub = mode.workdir(tmp_path, "symlink_to_reference")
    (sub / "activations.py").symlink_to(h.REPO / "reference" / "activations.py")
    (sub / "helpers.py").symlink_to(h.REPO / "reference" / "activations.py")
    before = h.snapshot(decoys)
    graded = h.grade(mode, sub, ["activations.sigmoid"], tmp_path, expect_rc=2)
    assert "a link leading out of the submission: not followed" in graded.stderr
    h.check_integrity(before)


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


def _lower_priority() -> str:
    return f"""
import os
import numpy as np

def sigmoid(x):  # right only below the grader's priority
    if os.getpriority(os.PRIO_PROCESS, 0) <= {os.getpriority(os.PRIO_PROCESS, 0)}:
        raise RuntimeError("the child runs at the grader's priority")
    return _good(x)
"""


OOM_FIRST = """
import numpy as np

def sigmoid(x):
    with open("/proc/self/oom_score_adj") as f:
        score = int(f.read())
    if score != 1000:
        raise RuntimeError(f"oom_score_adj is {score}: the child is not the first to go")
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("-1000")
    except OSError:
        pass
    else:
        raise RuntimeError("the child lowered its oom_score_adj to -1000")
    return _good(x)
"""

MADE_HERE_FULL = ["no_new_tasks", "leaks_descriptors", "lower_priority", "oom_first"]


@pytest.mark.parametrize("name", MADE_HERE_FULL, ids=str)
def test_made_here_full_marks(name: str, mode: h.Mode, tmp_path: Path) -> None:
    """no_new_tasks: the process limit leaves a child no new task at all (a fork bomb's copies
    would each get their own address-space allowance); leaks_descriptors: what a case leaves
    open is closed, so later cases (and the saving of their results) still have descriptors;
    lower_priority: student code, however busy, does not starve the grader; oom_first: when
    memory runs out, the kernel's OOM killer takes a child before the grader (its
    oom_score_adj is 1000, and it cannot lower it to -1000)."""
    source = {
        "no_new_tasks": NO_NEW_TASKS,
        "leaks_descriptors": LEAKS_DESCRIPTORS,
        "lower_priority": _lower_priority(),
        "oom_first": OOM_FIRST,
    }[name]
    sub = h.made(mode, tmp_path, name, {"activations.py": source + GOOD_SIGMOID})
    report = h.grade(mode, sub, ["activations.sigmoid"], tmp_path).report
    assert report["score"] == report["max_score"], h.failing_messages(report)[:3]


HALF_IMPORT = """
import importlib, sys

_me = sys.modules[__name__]


class _Finder:  # serve this half-imported module to any later import of it
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name == __name__:
            import importlib.util
            spec = importlib.util.spec_from_loader(name, loader=None)
            return spec
        return None


_original = importlib.import_module
importlib.import_module = lambda name, package=None: (
    _me if name == __name__ else _original(name, package))
sys.meta_path.insert(1, _Finder)
raise RuntimeError("losses.py stops half-way on purpose")
"""


def test_a_module_that_failed_to_import_is_never_reused(mode: h.Mode, tmp_path: Path) -> None:
    """losses.py defines every function (the reference's), patches the import system to hand
    out its half-imported self, then raises: every worked-example value that needs losses fails
    with the import error (the others still pass)."""
    files = {
        "activations.py": (h.REPO / "reference" / "activations.py").read_text(),
        "losses.py": (h.REPO / "reference" / "losses.py").read_text() + HALF_IMPORT,
    }
    sub = h.made(mode, tmp_path, "half_import", files)
    items = ["activations.worked_backprop_forward"]
    report = h.grade(mode, sub, items, tmp_path).report
    cases = report["tests"][0]["extra_data"]["cases"]
    failed = [c for c in cases if not c["passed"]]
    assert failed and all("stops half-way on purpose" in c["message"] for c in failed), failed
    honest = dict(files, **{"losses.py": (h.REPO / "reference" / "losses.py").read_text()})
    control = h.grade(mode, h.made(mode, tmp_path, "control", honest), items, tmp_path).report
    assert control["score"] == control["max_score"]


#: The key of a call in the memorising submission's table: the function, then each argument's
#: dtype, shape and bytes (its repr if not an array), keyword arguments by name.
MEMO_KEY = """
import hashlib
import numpy as np


def _part(h, value):
    if isinstance(value, np.ndarray):
        h.update(f"{value.dtype.str}{value.shape}".encode())
        h.update(np.ascontiguousarray(value).tobytes())
    else:
        h.update(repr(value).encode())


def _key(name, args, kwargs):
    h = hashlib.sha256(name.encode())
    for value in args:
        _part(h, value)
    for k in sorted(kwargs):
        h.update(k.encode())
        _part(h, kwargs[k])
    return h.hexdigest()
"""

MEMORISED = """
import pathlib, pickle

_TABLE = pickle.loads(pathlib.Path(__file__).with_name("answers.pkl").read_bytes())


def _answering(name):
    def answer(*args, **kwargs):
        kind, value = _TABLE.get(_key(name, args, kwargs), ("zeros", None))
        if kind == "raise":
            raise value
        if kind == "zeros":  # an input it has no answer for
            first = next((a for a in args if isinstance(a, np.ndarray)), np.zeros(1))
            return np.zeros_like(first)
        return value
    return answer


for _name in {names!r}:
    globals()[_name] = _answering(_name)
"""


def _memorised_answers(items: list[Any]) -> dict[str, tuple[str, Any]]:
    """What a student can build beside torch: every public case's inputs (the grader's own case
    builders and public seed, as the sandbox hands them over) and the right outputs for them
    (here a friend's: the reference's), or the error they raise."""
    import importlib

    from graders.engine import PUBLIC_SEED
    from graders.registry import build_cases
    from graders.sandbox.box import wire

    space: dict[str, Any] = {}
    exec(MEMO_KEY, space)  # (the submission's own key)
    reference = importlib.import_module("reference.activations")
    table = {}
    for item in items:
        for case in build_cases(item, PUBLIC_SEED, hidden=False):
            arrays: dict[str, Any] = {}
            fields = {"a": case.args, "k": case.kwargs}
            sent = {n: wire.encode(v, arrays, "c0") for n, v in fields.items()}
            args, kwargs = (wire.decode(sent, arrays)[n] for n in fields)
            key = space["_key"](item.attr, args, kwargs)
            try:
                table[key] = ("value", getattr(reference, item.attr)(*args, **kwargs))
            except Exception as exc:
                table[key] = ("raise", exc)
    return table


def test_answers_written_in_for_the_public_cases_are_flagged(mode: h.Mode, tmp_path: Path) -> None:
    """activations.py answers each of its functions' public cases from a table (made with the
    public inputs, which anyone can build) and returns zeros for any other input: it earns the
    public correctness cases' share (its edge and convention cases do not count: the gate of
    [1/7] sees the hidden correctness cases fail), nothing of the hidden ones, and every item
    is flagged as passing the public cases only, in the report's data and in its feedback."""
    import pickle

    from graders import registry

    items = [i for i in registry.select(["activations"]) if i.driver == "call"]
    source = MEMO_KEY + MEMORISED.format(names=sorted({i.attr for i in items}))
    sub = h.made(mode, tmp_path, "memorised", {"activations.py": source})
    (sub / "answers.pkl").write_bytes(pickle.dumps(_memorised_answers(items)))
    (sub / "answers.pkl").chmod(0o644)
    mode.own(sub)
    args = ("--format", "json", "--hidden-seed", "424242")
    report = h.grade(mode, sub, [i.name for i in items], tmp_path, args).report
    tests = {(t["name"].removesuffix(" (hidden cases)"), "hidden" in t["name"]): t
             for t in report["tests"]}  # fmt: skip
    for item in items:
        public, hidden = tests[(item.name, False)], tests[(item.name, True)]
        assert all(c["passed"] for c in public["extra_data"]["cases"]), item.name
        assert public["score"] <= public["max_score"], item.name  # (gated ones: not counted)
        assert hidden["score"] == 0 < hidden["max_score"], item.name
        assert hidden["extra_data"]["public_only"], (item.name, hidden["output"][:300])
        assert "It passes every public case and none of the hidden ones" in hidden["output"]
    publics = sum(t["score"] for (_, is_hidden), t in tests.items() if not is_hidden)
    assert report["score"] == pytest.approx(publics)


def test_no_public_result_carries_a_hidden_input(mode: h.Mode, tmp_path: Path) -> None:
    """carry_hidden_inputs graded with hidden cases on three functions and the worked example
    that calls two of them: the hidden cases run in children of their own, after the public
    ones, so no public case's message, printed output or test output names a hidden input.
    (Before, a module's items shared children, public and hidden cases in turn: the worked
    example's public case listed sigmoid's hidden inputs.)"""
    sub = mode.workdir(tmp_path, "carry")
    shutil.copytree(h.BANK / "carry_hidden_inputs", sub, dirs_exist_ok=True, ignore=_pyc)
    mode.own(sub)
    items = ["activations.sigmoid", "activations.tanh", "activations.relu",
             "activations.worked_derivatives"]  # fmt: skip
    args = ("--format", "json", "--hidden-seed", "5")
    report = h.grade(mode, sub, items, tmp_path, args).report
    cases = [c for t in report["tests"] for c in t["extra_data"]["cases"]]
    hidden = {
        m.group(1)
        for c in cases
        if c["hidden"]
        for m in [re.search(r"now (<\S+>)", c["message"])]
        if m
    }
    assert len(hidden) >= 9, [c["message"][:80] for c in cases if c["hidden"]]
    public = [json.dumps(c) for c in cases if not c["hidden"]]
    public += [t["output"] for t in report["tests"] if "(hidden cases)" not in t["name"]]
    public.append(report["output"])
    carried = [tag for tag in hidden if any(tag in text for text in public)]
    assert not carried, carried
    assert any("remembered <" in text for text in public), "it remembered nothing: no test"


def test_a_module_too_large_to_parse_is_not_graded(mode: h.Mode, tmp_path: Path) -> None:
    """activations.py padded to 8 MiB of ``a = b`` lines beside a sound losses.py (the
    grader's own parses of a module take about 750 times its size: 21 MB took 7 GB, and a
    submission may hold 64 MiB): not graded, with why, in both modes."""
    padding = "".join(f"a{k} = {k}\n" for k in range(4 << 17))
    files = {
        "activations.py": (h.REPO / "reference" / "activations.py").read_text() + padding,
        "losses.py": (h.REPO / "reference" / "losses.py").read_text(),
    }
    sub = h.made(mode, tmp_path, "huge_module", files)
    graded = h.grade(mode, sub, ["activations.sigmoid", "losses.mse_loss"], tmp_path)
    tests = {t["name"]: t for t in graded.report["tests"]}
    assert tests["losses.mse_loss"]["score"] == tests["losses.mse_loss"]["max_score"] > 0
    failing = h.failing_messages({"tests": [tests["activations.sigmoid"]]})
    assert failing and all("a module may have: not graded" in m for m in failing), failing
    assert graded.report["score"] == tests["losses.mse_loss"]["score"]
    alone = h.grade(mode, sub, ["activations.sigmoid"], tmp_path, expect_rc=2)
    assert "holds 8.3 MiB of code, more than the 512 KiB" in alone.stderr


SLEEPY = """
import time
import numpy as np

def sigmoid(x):
    time.sleep(3)
    return _good(x)
"""


def test_the_time_budget_stops_a_submission_and_says_so(mode: h.Mode, tmp_path: Path) -> None:
    """A correct but slow sigmoid (3 s a case, within the 5 s case timeout; 14 cases) under
    ``--budget 8``: a few cases pass, the rest are reported as not run for the budget, the
    report's notes and sandbox section say so."""
    sub = h.made(mode, tmp_path, "sleepy", {"activations.py": SLEEPY + GOOD_SIGMOID})
    args = ("--format", "json", "--budget", "8")
    report = h.grade(mode, sub, ["activations.sigmoid"], tmp_path, args=args).report
    cases = report["tests"][0]["extra_data"]["cases"]
    passed = [c for c in cases if c["passed"]]
    budget = [c for c in cases if "time budget (8 s)" in c["message"]]
    assert passed and budget and len(passed) + len(budget) == len(cases), cases
    assert "used up its 8 s" in report["output"]
    assert report["extra_data"]["sandbox"]["budget"].startswith("8 s")


def test_batch_records_a_failing_student_and_goes_on(mode: h.Mode, tmp_path: Path) -> None:
    """``graders batch`` over a class: hostile students (results that cannot be parsed, an
    endless import), one the grader itself fails on (a wrapper makes the engine raise for
    it), and honest ones after them: every student is a row of scores.csv."""
    root = mode.workdir(tmp_path, "class")
    for name in ("deep_json_result", "loop_import"):
        shutil.copytree(h.BANK / name, root / f"a_{name}")
    shutil.copytree(h.REPO / "reference", root / "b_broken_grader", ignore=_pyc)
    shutil.copytree(h.REPO / "reference", root / "c_honest", ignore=_pyc)
    mode.own(root)
    out = mode.workdir(tmp_path, "out") / "results"
    wrapper = h.WRAPPER.replace(
        "from graders.cli import main", FAIL_ON_B + "from graders.cli import main"
    )
    graded = h.grade(
        mode,
        root,
        ["activations.sigmoid"],
        tmp_path,
        args=("--output-dir", str(out)),
        command="batch",
        wrapper=wrapper,
    )
    rows = {r["submission"]: r for r in csv.DictReader((out / "scores.csv").open())}
    assert set(rows) == {"a_deep_json_result", "a_loop_import", "b_broken_grader", "c_honest"}
    assert rows["b_broken_grader"]["error"].startswith("grader error: RuntimeError")
    assert float(rows["c_honest"]["score"]) == float(rows["c_honest"]["max_score"]) > 0
    assert float(rows["a_deep_json_result"]["score"]) == 0.0
    assert "b_broken_grader: grader error" in graded.report  # (the progress lines)


@pytest.mark.parametrize(
    "name", ["harm_classmates", "fill_box", "copy_classmate", "signal_classmates"]
)
def test_a_student_cannot_harm_a_classmate_in_a_batch(
    name: str, batch_mode: h.Mode, tmp_path: Path
) -> None:
    """In a batch, every student's children share the sandbox (one zygote, one pid namespace,
    one uid, one file system under their boxes): a hostile student graded beside an honest one,
    attacking while the honest one's children run, takes nothing from it, and a canary gets
    nothing of it (the copier scores what it scores alone).  (Before the seccomp filter confined
    ``prlimit64`` and the scheduler calls to the caller, and before each child's ``out/`` was a
    tmpfs of its own, the honest copy of the reference lost 240 of 240 points to the first and
    211 to the second.)"""
    root = batch_mode.workdir(tmp_path, "class")
    shutil.copytree(h.BANK / name, root / f"a_{name}")
    shutil.copytree(h.REPO / "reference", root / "b_honest", ignore=_pyc)
    batch_mode.own(root)
    out = batch_mode.workdir(tmp_path, "out") / "results"
    args = ("--output-dir", str(out), "--jobs", "2")
    h.grade(batch_mode, root, [], tmp_path, args=args, command="batch")
    rows = {r["submission"]: r for r in csv.DictReader((out / "scores.csv").open())}
    honest = rows["b_honest"]
    assert float(honest["score"]) == float(honest["max_score"]) > 0, honest
    if name in CANARY:
        hostile = rows[f"a_{name}"]
        assert float(hostile["score"]) == 0, hostile


#: Makes the engine raise for the student ``b_broken_grader`` (a failure of the grader's own).
FAIL_ON_B = """
import graders.engine as engine
_grade = engine.grade
def _failing(origin, *a, **k):
    if origin.name == "b_broken_grader":
        raise RuntimeError("a grader failure on this student")
    return _grade(origin, *a, **k)
engine.grade = _failing
"""


# ----------------------------------------------------------------------------- the report's layers
def test_the_report_states_the_layers_measured(mode: h.Mode, tmp_path: Path) -> None:
    """Grading the reference: full marks, and a sandbox section that states every layer the
    probe measured (nothing missing on this machine), as each mode gets it."""
    sub = mode.workdir(tmp_path, "reference")
    shutil.copytree(h.REPO / "reference", sub, dirs_exist_ok=True, ignore=_pyc)
    mode.own(sub)
    report = h.grade(mode, sub, ["activations.sigmoid", "losses.mse_loss"], tmp_path).report
    assert report["score"] == report["max_score"]
    layers = report["extra_data"]["sandbox"]
    assert "missing" not in layers, layers["missing"]
    assert layers["identity"].startswith("uid nobody (65534), no capabilities")
    assert ("nested user namespace" in layers["identity"]) == (mode.name == "nonroot")
    assert ("user (" in layers["namespaces"]) == (mode.name != "root")
    subordinate = "a subordinate uid of the grader's user, no groups)"
    assert (subordinate in layers["identity"]) == (mode.name == "nonroot-subids")
    for key in ("seccomp", "no_new_privs", "filesystem", "processes", "packages", "limits"):
        assert layers.get(key), key
    assert layers["packages"] == "only the standard library and NumPy importable"
    assert "of /dev only full, null, random, urandom, zero" in layers["filesystem"]
    assert "/run and /var out of sight" in layers["filesystem"]
    assert "its output directory a tmpfs of its own (66 MiB)" in layers["filesystem"]
    assert layers["seccomp"].endswith("no sockets (not even AF_UNIX)")


GROUP_READER = """
import numpy as np


def sigmoid(x):
    try:
        open({path!r}).read()
    except OSError:
        raise RuntimeError("the group's file could not be read")
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.exp(-np.abs(x))
    return np.asarray(np.where(x >= 0, 1 / (1 + e), e / (1 + e)), dtype=x.dtype)
"""


@pytest.mark.parametrize("name", ["nonroot", "nonroot-subids"])
def test_a_graders_group_reaches_the_child_only_without_subordinate_ids(
    name: str, tmp_path: Path, _modes: None
) -> None:
    """Graded by an ordinary user who has a supplementary group (a GitHub runner's user is in
    ``docker``): without subordinate ids the child keeps the group -- no user namespace of the
    user's uid alone can drop one -- and reads a file in sight that only the group may read (the
    report says so under ``missing``); with them, the child is a subordinate uid with no group
    and cannot (a canary: right values only if it reads the file)."""
    m = _mode(name)
    if "--clear-groups" not in m.prefix:
        pytest.skip("the suite is not root: no group to give")
    decoy = Path("/etc") / f"dlgrade-group-decoy-{os.getpid()}"
    prefix = tuple("--groups=100" if a == "--clear-groups" else a for a in m.prefix)
    grouped = h.Mode(**{**vars(m), "prefix": prefix})
    sub = m.workdir(tmp_path, "grouped")
    (sub / "activations.py").write_text(GROUP_READER.format(path=str(decoy)))
    m.own(sub)
    try:
        decoy.write_text("for group 100 only\n")
        os.chown(decoy, 0, 100)
        decoy.chmod(0o640)
        report = h.grade(grouped, sub, ["activations.sigmoid"], tmp_path).report
    finally:
        decoy.unlink(missing_ok=True)
    layers = report["extra_data"]["sandbox"]
    missing = " ".join(layers.get("missing", []))
    if name == "nonroot":
        assert report["score"] == report["max_score"], h.failing_messages(report)[:3]
        assert "no supplementary groups: the grader's (1) stay with the child" in missing, missing
    else:
        assert report["score"] == 0
        assert all("could not be read" in msg for msg in h.failing_messages(report))
        assert "supplementary" not in missing and "subordinate uid" in layers["identity"]


@pytest.mark.parametrize("name", SUBIDS_FAST)
def test_hostile_submission_with_subordinate_ids(
    name: str, tmp_path: Path, decoys: Any, host_service: Path | None, _modes: None
) -> None:
    """In ``make test``, the submissions that attack by uid, group or process, graded where the
    children take a subordinate uid (the whole bank in that mode: ``make test-slow``)."""
    test_hostile_submission(name, _mode("nonroot-subids"), tmp_path, decoys, host_service)


def test_without_namespaces_grading_works_and_the_report_says_what_is_missing(
    mode: h.Mode, tmp_path: Path
) -> None:
    """Where ``unshare`` is unavailable (``GRADER_NO_NAMESPACES``), an honest submission is still
    graded, and the report lists the layers it could not have (never claims them)."""
    sub = mode.workdir(tmp_path, "reference")
    shutil.copytree(h.REPO / "reference", sub, dirs_exist_ok=True, ignore=_pyc)
    mode.own(sub)
    plain = h.Mode(**{**vars(mode), "env": {**mode.env, "GRADER_NO_NAMESPACES": "1"}})
    report = h.grade(plain, sub, ["activations.sigmoid"], tmp_path).report
    assert report["score"] == report["max_score"]
    layers = report["extra_data"]["sandbox"]
    assert layers["namespaces"] == "none"
    missing = " ".join(layers["missing"])
    assert "namespaces" in missing and "a /dev of its own" in missing
    if mode.name != "root":  # an ordinary user: no other uid, no mount namespace
        assert "another uid" in missing and "read-only view" in missing
        assert "a private /tmp and scratch" in missing and "filesystem" not in layers
    else:  # root still gives each child its own mount namespace and uid nobody
        assert layers["identity"].startswith("uid nobody")
    assert layers["seccomp"] and layers["no_new_privs"]
