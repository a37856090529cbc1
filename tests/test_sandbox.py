"""Unit tests of the sandbox's parts that stand between student code and the grader: the strict
reading of result bundles (``box.wire.load``), of the files a child leaves (``read_plain``), the
zygote's progress protocol and its recording of results (``Running``), the seccomp filter, the
mount plan (packages from an allow-list, capped tmpfs mounts) and the time budget."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graders import policy
from graders.sandbox import BUDGET_SPENT, CaseRun, Job, Sandbox, SandboxError, namespaces
from graders.sandbox.box import seccomp, wire, zygote

MAGIC = wire.MAGIC
MARKERS = ["/tmp/hostile-pickle-payload-ran", "/tmp/hostile-header-eval-ran"]
needs_namespaces = pytest.mark.skipif(
    not namespaces.namespace_prefix()[0], reason="no namespaces here (unshare unavailable)"
)


# ----------------------------------------------------------------------------- wire.load
def _bundle(header: bytes | dict[str, Any], body: bytes = b"", size: int | None = None) -> bytes:
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return MAGIC + (len(raw) if size is None else size).to_bytes(8, "little") + raw + body


def _rows(*rows: list[Any], meta: Any = None) -> dict[str, Any]:
    return {"arrays": list(rows), "meta": meta or {}}


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
        np.array([b"x"]),
        np.zeros(3, dtype=">f8"),
        np.array([1 + 2j]),
    ],
)
def test_a_bundle_round_trips_plain_arrays(arr: np.ndarray) -> None:
    arrays, meta = wire.load(wire.dumps({"out": arr}, {"stdout": "hi"}))
    got = arrays["out"]
    assert type(got) is np.ndarray and got.dtype == arr.dtype and got.flags.writeable
    np.testing.assert_array_equal(got, arr)
    assert meta == {"stdout": "hi"}


REFUSED = {
    "empty": b"",
    "magic-only": MAGIC,
    "not-a-bundle": b"root:x:0:0:root:/root:/bin/bash\n",
    "header-past-the-end": _bundle(_rows(["out", "<f8", [1], 0, 8]), b"\0" * 8, size=1 << 20),
    "header-1-GiB": _bundle(_rows(["out", "<f8", [1], 0, 8]), b"\0" * 8, size=1 << 30),
    "header-2**62": MAGIC + (1 << 62).to_bytes(8, "little"),
    "deep-json": _bundle(b"[" * 100_000 + b"]" * 100_000),
    "deep-index": _bundle(b'{"arrays": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"),
    "5000-digits": _bundle(b'{"arrays": [["out", "<f8", [' + b"9" * 5000 + b"], 0, 8]]}"),
    "nan-dim": _bundle(b'{"arrays": [["out", "<f8", [NaN], 0, 8]], "meta": {}}', b"\0" * 8),
    "shape-bigger-than-data": _bundle(_rows(["out", "<f8", [1 << 40], 0, 8 << 40]), b"\0" * 64),
    "data-bigger-than-shape": _bundle(_rows(["out", "<f8", [2], 0, 16]), b"\0" * 24),
    "offset-out-of-order": _bundle(_rows(["out", "<f8", [2], 8, 16]), b"\0" * 24),
    "negative-dim": _bundle(_rows(["out", "<f8", [-1], 0, 8]), b"\0" * 8),
    "float-dim": _bundle(_rows(["out", "<f8", [1.0], 0, 8]), b"\0" * 8),
    "bool-dim": _bundle(_rows(["out", "<f8", [True], 0, 8]), b"\0" * 8),
    "path-name": _bundle(_rows(["../../x", "<f8", [1], 0, 8]), b"\0" * 8),
    "repeated-name": _bundle(_rows(["o", "<f8", [1], 0, 8], ["o", "<f8", [1], 8, 8]), b"\0" * 16),
    "object": _bundle(_rows(["out", "|O", [1], 0, 8]), b"\0" * 8),
    "void": _bundle(_rows(["out", "|V8", [1], 0, 8]), b"\0" * 8),
    "huge-void": _bundle(_rows(["out", "V1099511627776", [0], 0, 0])),
    "structured": _bundle(_rows(["out", "[('a', '<f8')]", [1], 0, 8]), b"\0" * 8),
    "datetime": _bundle(_rows(["out", "<M8[D]", [1], 0, 8]), b"\0" * 8),
    "subarray": _bundle(_rows(["out", "('<f8', (2,))", [1], 0, 16]), b"\0" * 16),
    "code-as-dtype": _bundle(_rows(["out", "__import__('os').system('touch /tmp/x')", [1], 0, 8])),
    "meta-not-strings": _bundle(_rows(meta={"error": ["a"]})),
    "index-not-a-list": _bundle({"arrays": {"out": 1}}),
    "row-too-short": _bundle(_rows(["out", "<f8", [1], 0])),
    "33-dims": _bundle(_rows(["out", "<f8", [1] * 33, 0, 8]), b"\0" * 8),
    "41-arrays": _bundle(_rows(*[[f"a{i}", "<f8", [0], 0, 0] for i in range(41)])),
}


@pytest.mark.parametrize("data", list(REFUSED.values()), ids=list(REFUSED))
def test_wire_load_refuses(data: bytes) -> None:
    with pytest.raises(wire.WireError):
        wire.load(data, max_arrays=40, max_bytes=64 << 20)
    assert not [m for m in MARKERS if os.path.exists(m)], "a payload ran"


def test_wire_load_caps_the_bytes_it_accepts() -> None:
    data = wire.dumps({"a": np.zeros(1000), "b": np.zeros(1000)})
    assert set(wire.load(data, max_bytes=16_000)[0]) == {"a", "b"}
    with pytest.raises(wire.WireError, match="larger than"):
        wire.load(data, max_bytes=15_999)


# ----------------------------------------------------------------------------- read_plain
def _dir_fd(path: Path) -> int:
    return os.open(path, os.O_RDONLY | os.O_DIRECTORY)


def test_read_plain_reads_a_plain_file(tmp_path: Path) -> None:
    (tmp_path / "result").write_bytes(b"x" * 100)
    fd = _dir_fd(tmp_path)
    try:
        assert zygote.read_plain(fd, "result", 100) == b"x" * 100
        with pytest.raises(FileNotFoundError):
            zygote.read_plain(fd, "missing", 100)
    finally:
        os.close(fd)


def _plant(kind: str, target: Path, secret: Path) -> None:
    if kind == "symlink":
        target.symlink_to(secret)
    elif kind == "dangling-symlink":
        target.symlink_to(secret.parent / "nowhere")
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


@pytest.mark.parametrize(
    "kind",
    ["symlink", "dangling-symlink", "fifo", "oversized", "hardlink", "directory", "dev-null-link"],
)
def test_read_plain_refuses(kind: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0\n")
    target = tmp_path / "out" / "result"
    target.parent.mkdir()
    _plant(kind, target, secret)
    fd = _dir_fd(target.parent)
    t0 = time.monotonic()
    try:
        with pytest.raises(ValueError):
            zygote.read_plain(fd, target.name, 1 << 20)
    finally:
        os.close(fd)
    assert time.monotonic() - t0 < 5, "blocked on the file"


# ----------------------------------------------------------------------------- zygote protocol
def _running(
    tmp_path: Path, indices: list[int], max_bytes: int = 1 << 30, timed: Any = None
) -> tuple[Any, int]:
    work = tmp_path / "job"
    (work / "res").mkdir(parents=True)
    box = tmp_path / "box"
    (box / "out").mkdir(parents=True)
    req = {
        "id": "job0",
        "indices": indices,
        "workdir": str(work),
        "max_case_bytes": 1 << 20,
        "max_bytes": max_bytes,
        "item_timeout": 60,
        "case_timeout": 5,
        "start": 0,
        "timed": timed,
    }
    r, w = os.pipe()
    return zygote.Running(req, pid=0, fd=-1, ack_w=w, box=box), r


def test_progress_protocol_ignores_forgeries(tmp_path: Path) -> None:
    run, acks = _running(tmp_path, [3, 4, 5])
    run.feed(b"D 3\nI\n")  # nothing before the import report; case 3 starts at I
    assert run.imported and run.started == [3] and run.done == []
    run.feed(b"E\nD 4\nD 5\nS 3\n")  # out of order, an unknown line, noise
    assert run.started == [3] and run.done == [] and not run.import_error
    run.feed(b"D 3\nD 3\nD 5\nD 4\n" + b"9" * 100_000)  # repeats, an endless line at the end
    assert run.started == [3, 4, 5] and run.done == [3, 4]
    assert len(run.buf) <= 64
    run.feed(b"9999\nD 5\nD 6\n")
    assert run.done == [3, 4, 5] and run.started == [3, 4, 5]
    assert os.read(acks, 16) == b"kkk"  # one acknowledgement per finished case
    os.close(acks)
    os.close(run.ack_w)


def test_freeze_records_plain_results_only_and_for_good(tmp_path: Path) -> None:
    """Each case's ``out/result`` is copied to ``res/k`` (root's) when the child says the case
    is done: links, hard links, FIFOs, directories and oversized files become a refusal; a
    missing result records nothing; a later rewrite never reaches ``res/``."""
    kinds = ["good", "symlink", "hardlink", "fifo", "directory", "oversized", "none", "good"]
    run, acks = _running(tmp_path, list(range(len(kinds))))
    out, res = run.box / "out", Path(run.req["workdir"]) / "res"
    good = wire.dumps({"out": np.arange(3.0)})
    (tmp_path / "elsewhere").write_bytes(good)
    run.feed(b"I\n")
    for k, kind in enumerate(kinds):
        target = out / "result"
        if target.is_dir() and not target.is_symlink():
            target.rmdir()
        elif target.is_symlink() or target.exists():
            target.unlink()
        if kind == "good":
            target.write_bytes(good)
        elif kind != "none":
            _plant(kind, target, tmp_path / "elsewhere")
        run.feed(f"D {k}\n".encode())
        if k == 0:  # a later rewrite of a recorded case does not reach res/
            target.write_bytes(wire.dumps({}, {"error": "rewritten"}))
    recorded = {p.name: p.read_bytes() for p in res.iterdir()}
    assert sorted(recorded) == ["0", "1", "2", "3", "4", "5", "7"]
    assert recorded["0"] == good == recorded["7"]
    reasons = {k: wire.load(recorded[k])[1]["error"] for k in ("1", "2", "3", "4", "5")}
    assert "could not be opened safely" in reasons["1"]
    assert "hard link" in reasons["2"]
    assert "not a regular file" in reasons["3"] and "not a regular file" in reasons["4"]
    assert "larger than" in reasons["5"]
    os.close(acks)
    for fd in (run.ack_w, run.out_fd):
        os.close(fd)


def test_freeze_caps_what_one_grading_may_return(tmp_path: Path) -> None:
    run, acks = _running(tmp_path, [0, 1], max_bytes=300)
    data = wire.dumps({"out": np.zeros(20)})  # 160 bytes of data, about 250 in all
    run.feed(b"I\n")
    for k in (0, 1):
        (run.box / "out" / "result").write_bytes(data)
        run.feed(f"D {k}\n".encode())
    res = Path(run.req["workdir"]) / "res"
    assert (res / "0").read_bytes() == data
    assert "exceed" in wire.load((res / "1").read_bytes())[1]["error"]
    os.close(acks)
    for fd in (run.ack_w, run.out_fd):
        os.close(fd)


def test_a_timed_job_gets_its_inputs_one_at_a_time_and_is_timed_here(tmp_path: Path) -> None:
    """A timed job's input k leaves ``sealed/`` for the job's directory only when case k
    starts (after ``I``, or the previous case's ``D``), with an acknowledgement each time; each
    case's seconds are recorded; the result is taken once; after a slow first case only one
    more runs (the rest are skipped)."""
    for slow, ran in ((60.0, [0, 1, 2]), (-1.0, [0, 1])):
        case_dir = tmp_path / f"slow{slow}"
        sealed = case_dir / "sealed"
        sealed.mkdir(parents=True)
        for k in range(3):
            (sealed / str(k)).write_bytes(wire.dumps({"x": np.full(2, float(k))}))
        run, acks = _running(case_dir, [0, 1, 2], timed={"sealed": str(sealed), "slow": slow})
        work, out = Path(run.req["workdir"]), run.box / "out"
        run.feed(b"I\n")
        assert os.read(acks, 16) == b"k" and sorted(p.name for p in work.glob("input-*")) == [
            "input-0"
        ]
        for k in ran:
            (out / "result").write_bytes(wire.dumps({"out": np.zeros(1)}))
            run.feed(f"D {k}\n".encode())
            assert not (out / "result").exists()  # (taken once)
            given = sorted(p.name for p in work.glob("input-*"))
            assert given == [f"input-{j}" for j in ran[: ran.index(k) + 2]], given
        assert os.read(acks, 16) == b"k" * len(ran)
        assert sorted(run.seconds) == ran and all(s >= 0 for s in run.seconds.values())
        assert run.skipped == [k for k in range(3) if k not in ran]
        reply = run.reply(0)
        assert reply["seconds"] == run.seconds and reply["skipped"] == run.skipped
        os.close(acks)
        for fd in (run.ack_w, run.out_fd):
            os.close(fd)


# ----------------------------------------------------------------------------- seccomp
@pytest.mark.parametrize("arch", sorted(seccomp.ARCHES))
def test_the_filter_is_a_whole_number_of_instructions(arch: str) -> None:
    program = seccomp.program(1234, arch)
    assert program is not None and len(program) % 8 == 0 and len(program) // 8 < 4096
    assert seccomp.program(1234, "sparc64") is None


FILTERED = """
import errno, os, signal, socket, sys, threading
from graders.sandbox.box import kernel, seccomp
np_init = __import__("numpy").__file__
kernel.load()
kernel.prctl(kernel.PR_SET_NO_NEW_PRIVS, 1)
kernel.load_seccomp(seccomp.program(os.getpid()))
results = {}
def attempt(name, fn):
    try:
        fn()
        results[name] = "allowed"
    except OSError as exc:
        results[name] = errno.errorcode.get(exc.errno, str(exc.errno))
attempt("unshare", lambda: kernel.unshare(0))
attempt("mount", lambda: kernel.mount("tmpfs", "/mnt", "tmpfs", 0, None))
attempt("kill 1", lambda: os.kill(1, 0))
attempt("kill parent", lambda: os.kill(os.getppid(), 0))
attempt("kill -1", lambda: os.kill(-1, 0))
attempt("kill self", lambda: os.kill(os.getpid(), 0))
attempt("pidfd_open", lambda: os.pidfd_open(os.getppid()))
attempt("execv", lambda: os.execv("/bin/true", ["true"]))
attempt("socket inet", lambda: socket.socket(socket.AF_INET).close())
attempt("socket unix", lambda: socket.socket(socket.AF_UNIX).close())
attempt("socketpair", lambda: [x.close() for x in socket.socketpair()])
attempt("dumpable", lambda: kernel.prctl(kernel.PR_SET_DUMPABLE, 1))
import resource
parent, me, nofile = os.getppid(), os.getpid(), resource.RLIMIT_NOFILE
attempt("prlimit parent", lambda: resource.prlimit(parent, nofile))
attempt("prlimit self", lambda: resource.prlimit(me, nofile))
attempt("prlimit 0", lambda: resource.prlimit(0, nofile, resource.getrlimit(nofile)))
attempt("setpriority parent", lambda: os.setpriority(os.PRIO_PROCESS, parent, 19))
attempt("setpriority user", lambda: os.setpriority(os.PRIO_USER, 0, 19))
attempt("setpriority group", lambda: os.setpriority(os.PRIO_PGRP, 0, 19))
attempt("nice", lambda: os.nice(1))
attempt("affinity parent", lambda: os.sched_setaffinity(parent, os.sched_getaffinity(0)))
attempt("affinity self", lambda: os.sched_setaffinity(0, os.sched_getaffinity(0)))
idle = os.sched_param(0)
attempt("scheduler parent", lambda: os.sched_setscheduler(parent, os.SCHED_IDLE, idle))
attempt("scheduler self", lambda: os.sched_setscheduler(me, os.SCHED_BATCH, idle))
import fcntl
r, w = os.pipe()
attempt("F_SETOWN", lambda: fcntl.fcntl(r, fcntl.F_SETOWN, os.getppid()))
import ctypes, struct
shared = os.open(np_init, os.O_RDONLY)
folder = os.open(os.path.dirname(np_init), os.O_RDONLY)
lock = struct.pack("hhqqi4x", fcntl.F_RDLCK, 0, 0, 0, 0)  # struct flock: a read lock, all
attempt("flock", lambda: fcntl.flock(shared, fcntl.LOCK_SH | fcntl.LOCK_NB))
attempt("F_SETLK", lambda: fcntl.fcntl(shared, fcntl.F_SETLK, lock))
attempt("F_GETLK", lambda: fcntl.fcntl(shared, fcntl.F_GETLK, lock))
attempt("F_OFD_SETLK", lambda: fcntl.fcntl(shared, fcntl.F_OFD_SETLK, lock))
attempt("F_NOTIFY", lambda: fcntl.fcntl(folder, fcntl.F_NOTIFY, fcntl.DN_ACCESS))
attempt("F_SETLEASE", lambda: fcntl.fcntl(shared, fcntl.F_SETLEASE, fcntl.F_RDLCK))
attempt("F_GETFL", lambda: fcntl.fcntl(shared, fcntl.F_GETFL))
libc = ctypes.CDLL(None, use_errno=True)
def raw(rc):
    if rc < 0:
        raise OSError(ctypes.get_errno(), "")
attempt("inotify_init1", lambda: raw(libc.inotify_init1(0)))
attempt("statvfs", lambda: os.statvfs(os.path.dirname(np_init)))
attempt("fstatvfs", lambda: os.fstatvfs(shared))
attempt("fstat", lambda: os.fstat(shared))
t = threading.Thread(target=lambda: results.setdefault("thread", "ran"))
t.start(); t.join()
signal.signal(signal.SIGUSR1, lambda *a: results.setdefault("raise", "handled"))
signal.raise_signal(signal.SIGUSR1)
import numpy as np
results["numpy"] = float(np.linalg.inv(np.eye(3)).sum())
print(__import__("json").dumps(results))
"""


@pytest.mark.skipif(
    sys.platform != "linux" or seccomp.machine() not in seccomp.ARCHES,
    reason="the filter is for Linux on x86-64 and AArch64",
)
def test_the_filter_refuses_what_it_says_and_nothing_a_graded_function_needs() -> None:
    out = subprocess.run(
        [sys.executable, "-c", FILTERED], capture_output=True, text=True, timeout=60, check=True
    )
    got = json.loads(out.stdout)
    refused = ["unshare", "mount", "kill 1", "kill parent", "kill -1", "pidfd_open", "execv"]
    refused += ["socket inet", "socket unix", "dumpable", "F_SETOWN", "prlimit parent"]
    refused += ["setpriority parent", "setpriority user", "setpriority group"]
    refused += ["affinity parent", "scheduler parent"]
    refused += ["flock", "F_SETLK", "F_GETLK", "F_OFD_SETLK", "F_NOTIFY", "F_SETLEASE"]
    refused += ["inotify_init1", "statvfs", "fstatvfs"]
    assert {k: got[k] for k in refused} == dict.fromkeys(refused, "EPERM")
    allowed = ["kill self", "socketpair", "prlimit self", "prlimit 0", "nice", "affinity self"]
    allowed += ["scheduler self", "F_GETFL", "fstat"]
    assert {k: got[k] for k in allowed} == dict.fromkeys(allowed, "allowed")
    assert got["thread"] == "ran" and got["raise"] == "handled" and got["numpy"] == 3.0


# ----------------------------------------------------------------------------- the mount plan
def test_the_mount_plan_builds_packages_from_an_allow_list(tmp_path: Path) -> None:
    """Every package directory in sight is covered; only NumPy is bound back (at its own path);
    every tmpfs caps its size and its inodes; what is bound back was opened first."""
    steps = namespaces.mount_plan(tmp_path)
    tmpfs = [s for s in steps if s[0] == "tmpfs"]
    assert all("size=" in s[3] and "nr_inodes=" in s[3] for s in tmpfs)
    covered = {s[1] for s in tmpfs}
    import numpy

    site = os.path.realpath(Path(numpy.__file__).parent.parent)
    assert site in covered or any(site.startswith(c + "/") for c in covered)
    kept = [s[1] for s in steps if s[0] == "keep"]
    bound = {kept[s[1]] for s in steps if s[0] == "bind"}
    assert os.path.realpath(Path(numpy.__file__).parent) in bound or site not in covered
    for name in policy.SHORTCUTS:
        assert not any(Path(b).name == name for b in bound)
    first = next(i for i, s in enumerate(steps) if s[0] != "keep")
    assert all(s[0] != "keep" for s in steps[first:])
    assert str(tmp_path) in kept and steps[-1][1] == str(tmp_path / "scratch")


def test_the_mount_plan_covers_the_hosts_services_and_devices(tmp_path: Path) -> None:
    """/run (the docker daemon's socket, D-Bus buses, users' runtime directories), /var (logs,
    mail, state) and /dev are covered; only the five harmless devices are bound back, and the
    scratch places in them (/run/lock, /var/tmp, /dev/shm) get a tmpfs of their own."""
    from graders.sandbox.box import confine

    steps = namespaces.mount_plan(tmp_path)
    covered = {s[1] for s in steps if s[0] == "tmpfs"}
    kept = [s[1] for s in steps if s[0] == "keep"]
    bound = {kept[s[1]] for s in steps if s[0] == "bind"}
    for top in ("/run", "/var", "/dev"):
        if Path(top).is_dir() and not Path(top).is_symlink():
            assert top in covered, top
    assert {b for b in bound if b.startswith("/dev/")} == {
        d for d in confine.DEVICES if Path(d).exists()
    }
    for scratch in namespaces.SCRATCH_DIRS:
        if Path(scratch).is_dir():
            assert os.path.realpath(scratch) in covered, scratch


def test_the_probe_leaves_the_way_to_the_session_out_of_what_it_reports(tmp_path: Path) -> None:
    """A session under /run (``GRADER_SCRATCH=/run/user/1000``) is in sight by design: the way to
    it is not reported as something /run shows."""
    from graders.sandbox.box import layers

    for name in ("user", "other"):
        (tmp_path / name).mkdir()
    session = tmp_path / "user" / "1000" / "grader-x"
    assert layers._listing(str(tmp_path), str(session)) == ["other"]
    assert layers._listing(str(tmp_path / "missing"), str(session)) is None


def test_every_tmpfs_of_a_child_caps_its_size_and_inodes() -> None:
    from graders.sandbox.box import confine

    for opts in (confine.PRIVATE_TMPFS, confine.SCRATCH_TMPFS, confine.COVER_TMPFS):
        assert "size=" in opts and "nr_inodes=" in opts


@needs_namespaces
def test_a_failing_mount_stops_the_sandbox(monkeypatch: pytest.MonkeyPatch) -> None:
    """The zygote applies the plan before anything else; a step that fails ends it, with the
    reason, rather than leaving a half-covered file system."""
    monkeypatch.setattr(
        namespaces,
        "mount_plan",
        lambda session: [["tmpfs", "/proc/1/nonexistent", False, "size=4k"]],
    )
    with (
        pytest.raises(SandboxError, match=r"did not start: the mount plan failed: .*/proc/1"),
        Sandbox(parallel=1) as box,
    ):
        assert box.layers  # (waits for the zygote)


# ----------------------------------------------------------------------------- the time budget
def _job(tmp_path: Path, n: int) -> Job:
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "activations.py").write_text(
        "import time\nimport numpy as np\n\ndef sigmoid(x):\n    time.sleep(1)\n"
        "    return 1 / (1 + np.exp(-np.asarray(x)))\n"
    )
    arrays: dict[str, np.ndarray] = {}
    cases = [
        {"args": [wire.encode(np.zeros(2), arrays, f"c{k}")], "index": k, "function": "sigmoid"}
        | {"driver": "call"}
        for k in range(n)
    ]
    return Job("job0", sub, "activations", cases, arrays, ["activations.sigmoid"] * n, 5.0)


@needs_namespaces
def test_the_budget_ends_a_submission_and_says_why(tmp_path: Path) -> None:
    """Ten one-second cases under a 2.5 s budget: two or three run, the one running when it is
    spent is stopped, the others are not run; each says so."""
    with Sandbox(parallel=1) as box:
        runs = box.submit([_job(tmp_path, 10)], budget=2.5)["activations.sigmoid"].result()
    errors = [c.error or "" for c in runs.cases]
    assert 1 <= sum(c.ok for c in runs.cases) <= 3, errors
    assert sum(e.startswith(BUDGET_SPENT) for e in errors) >= 6, errors
    assert all(c.ok or "time budget (2.5 s)" in (c.error or "") for c in runs.cases), errors


@needs_namespaces
def test_a_finished_job_has_left_the_session_when_its_result_is_set(tmp_path: Path) -> None:
    """Whoever waits on an item's result wakes to a session without its job's files (they were
    removed after the result was set, and a class's grading could see them there)."""
    seen: list[bool] = []
    with Sandbox(parallel=1) as box:
        future = box.submit([_job(tmp_path, 1)])["activations.sigmoid"]
        future.add_done_callback(lambda _: seen.append(any(box.session.glob("job*"))))
        assert future.result().cases[0].ok
    assert seen == [False]


def test_case_runs_keep_only_the_forbidden_names_the_policy_knows() -> None:
    from graders.sandbox import _attempts

    assert _attempts("torch,sympy,evil\x1b[2J,import-guard-removed") == [
        "torch",
        "sympy",
        "import-guard-removed",
    ]
    assert CaseRun(ok=True).forbidden == []


def _facts(**changed: object) -> dict[str, object]:
    """What a probe child measures where every layer holds (``layers.facts``' keys)."""
    facts: dict[str, object] = {
        "done": ["identity", "mount_ns", "read_only"], "failed": {}, "uid": 65534, "groups": 0,
        "mode": "nobody", "caps_empty": True, "bounding_empty": True, "no_new_privs": True,
        "seccomp": True, "sockets_refused": True,
        "listings": {"/dev": ["full", "null", "random", "shm", "urandom", "zero"],
                     "/run": ["lock"], "/var": ["tmp"]},
        "read_only": True, "private_dirs": {"/tmp": [16 << 20, 1024]},
        "scratch": [64 << 20, 4096], "out": [66 << 20, 1024], "dumpable": 0,
        "other_processes": 0, "hidden": {"/repo/reference": True}, "forbidden_reachable": [],
        "unexpected_modules": [], "limits": {}, "oom_score_adj": 1000,
    }  # fmt: skip
    return {**facts, **changed}


def test_the_report_states_each_new_layer_only_where_it_was_measured(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sandbox section from the probe's facts: sockets, /dev, /run and /var, the output
    directory and the grader's groups are claimed where measured, else listed as missing."""
    from graders.sandbox.box import layers

    monkeypatch.setenv("GRADER_NAMESPACES", "net, pid, mount, ipc, uts")
    held = layers.statements(_facts())
    assert "missing" not in held, held
    assert held["seccomp"] == seccomp.SUMMARY
    for words in ("of /dev only full, null, random, urandom, zero", "/run and /var out of sight",
                  "its output directory a tmpfs of its own (66 MiB)"):  # fmt: skip
        assert words in held["filesystem"]
    assert held["limits"].endswith("the first process the kernel kills when memory runs out")
    listings = {"/dev": ["null", "tty"], "/run": ["docker.sock", "lock"], "/var": ["tmp"]}
    lost = layers.statements(
        _facts(sockets_refused=False, groups=2, listings=listings, out=None, oom_score_adj=0)
    )
    assert "kills" not in lost["limits"]
    assert lost["seccomp"] == seccomp.SUMMARY_WITHOUT_SOCKETS
    assert "socket" not in lost["seccomp"].split(";")[-1]
    assert "of /dev only" not in lost["filesystem"] and "tmpfs of its own" not in lost["filesystem"]
    missing = " | ".join(lost["missing"])
    expected = [
        "seccomp: a socket can still be opened",
        "a /dev of its own: sees null, tty",
        "/run and /var covered: sees /run: docker.sock",
        "an output directory of its own",
        "the grader's (2) stay with the child",
        "the first to go when memory runs out: oom_score_adj 0",
    ]
    for words in expected:
        assert words in missing, missing


# ----------------------------------------------------------------------------- subordinate ids
def test_the_last_id_of_the_users_first_subordinate_range_is_taken(tmp_path: Path) -> None:
    """``/etc/subuid``'s format (``user:first:count``, by name or uid): the first range given
    to the user, its last id; empty ranges, other users and malformed lines are passed over."""
    table = tmp_path / "subuid"
    table.write_text(
        "alice:100000:65536\nbob:0:0\nbob:x:10\n1001:300000:10\nbob:200000:65536\nbob:1:1\n"
    )
    assert namespaces._last_subordinate(str(table), {"bob", "1002"}) == 265535
    assert namespaces._last_subordinate(str(table), {"carol", "1001"}) == 300009
    assert namespaces._last_subordinate(str(table), {"carol"}) is None
    assert namespaces._last_subordinate(str(tmp_path / "absent"), {"bob"}) is None


def test_subordinate_ids_are_not_used_when_turned_off_or_unmappable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GRADER_SUBORDINATE_IDS", "0")
    assert namespaces.subordinate_ids() is None
    monkeypatch.delenv("GRADER_SUBORDINATE_IDS")
    monkeypatch.setenv("PATH", "/nonexistent")  # no newuidmap, no newgidmap
    assert namespaces.subordinate_ids() is None
