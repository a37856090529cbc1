"""The oracle's side: expected values from the cache or from the oracle's own process, the same
either way; nothing stored where a child could read it; a key that covers every oracle source;
an oracle that fails costs its item, not the grading; no process left behind."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graders import engine, oracle, registry, sandbox
from graders.registry import Case, Category, Item
from graders.report import gradescope
from graders.sandbox import ItemRun
from graders.sandbox.box import wire
from tests.graders_cli import run_graders
from tests.stopped import read_while_stopping

ROOT = Path(__file__).resolve().parent.parent
#: One item of each driver, hidden cases included.
ITEMS = [
    "activations.softmax",
    "initializers.kaiming_normal_",
    "losses.cross_entropy",
    "optimizers.Adam",
    "optimizers.worked_gradient_descent",
]
BLANK = re.compile(r"\"execution_time\":\s*[0-9.e+-]+")


def _grade(**kwargs: object) -> str:
    items = registry.select(ITEMS)
    result = engine.grade(ROOT / "reference", items, hidden_seed=5, **kwargs)  # type: ignore[arg-type]
    assert result.score == result.max_score
    return BLANK.sub("", gradescope.render(result))


@pytest.fixture(scope="module")
def uncached() -> str:
    """The verdicts with every expected value computed afresh, no cache."""
    return _grade(use_cache=False)


def test_expected_values_are_the_same_from_the_process_and_the_cache(
    uncached: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setattr(oracle, "CACHE_DIR", cache)
    assert _grade() == uncached
    stored = sorted(cache.glob("*.bundle"))
    parts = len(ITEMS) + sum(  # (public and hidden parts apart; the scan keeps its own files)
        bool(registry.build_cases(item, 5, hidden=True)) for item in registry.select(ITEMS)
    )
    assert len(stored) == parts
    assert _grade() == uncached  # and from the cache, now warm
    for path in stored[:2]:
        path.unlink()
    assert _grade() == uncached  # (computing only what the cache lacks)
    assert len(list(cache.glob("*.bundle"))) == parts


def test_a_warm_cache_starts_no_oracle_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oracle, "CACHE_DIR", tmp_path / "cache")
    _grade()
    with oracle.Oracle("cpu") as truth:
        _grade(truth=truth)
        assert truth.proc is None  # torch was not even imported


def test_prefill_computes_what_a_grading_then_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``graders prefill`` (public and hidden parts of the given seed) leaves a cache from which
    the same grading starts no oracle process; run again it computes nothing; a cache it
    cannot write is one line and exit 2."""
    cache = tmp_path / "cache"
    env = {**os.environ, "GRADER_CACHE_DIR": str(cache)}
    only = [a for name in ITEMS for a in ("--only", name)]
    first = run_graders("prefill", "--hidden-seed", "5", *only, env=env)
    assert first.returncode == 0, first.stderr
    parts = len(ITEMS) + sum(
        bool(registry.build_cases(item, 5, hidden=True)) for item in registry.select(ITEMS)
    )
    assert f"{parts} parts computed, 0 already there" in first.stdout
    assert len(list(cache.glob("*.bundle"))) == parts
    monkeypatch.setattr(oracle, "CACHE_DIR", cache)
    with oracle.Oracle("cpu") as truth:
        _grade(truth=truth)  # (full marks: asserted there)
        assert truth.proc is None
    again = run_graders("prefill", "--hidden-seed", "5", *only, env=env)
    assert f"0 parts computed, {parts} already there" in again.stdout
    (tmp_path / "file").write_text("")
    env["GRADER_CACHE_DIR"] = str(tmp_path / "file" / "cache")
    bad = run_graders("prefill", "--only", ITEMS[0], env=env)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.startswith("graders: error: cannot write the oracle cache")
    assert len(bad.stderr.splitlines()) == 1


def test_nothing_is_stored_where_a_child_could_read_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setattr(oracle, "CACHE_DIR", cache)
    monkeypatch.setattr(sandbox.Sandbox, "cache_safe", property(lambda self: False))
    _grade()
    assert not list(cache.glob("*.bundle")), "expected values were written where a child may look"


def test_the_cache_key_covers_every_oracle_source(tmp_path: Path) -> None:
    assert oracle.ORACLE_SOURCES, "no oracle sources listed"
    names = {p.name for p in oracle.ORACLE_SOURCES}
    assert {"oracle.py", "objectives.py", "__init__.py", "activations.py"} <= names
    copies = []
    for n, path in enumerate(oracle.ORACLE_SOURCES):
        copy = tmp_path / f"{n}-{path.name}"
        shutil.copy(path, copy)
        copies.append(copy)
    base = oracle.source_hash(tuple(copies))
    for copy in copies:  # a change to any one of them changes the key
        text = copy.read_bytes()
        copy.write_bytes(text + b"\n# changed\n")
        oracle.source_hash.cache_clear()
        assert oracle.source_hash(tuple(copies)) != base, copy.name
        copy.write_bytes(text)
    oracle.source_hash.cache_clear()
    assert oracle.source_hash(tuple(copies)) == base


def test_the_cache_round_trips_every_dtype_and_shape(tmp_path: Path) -> None:
    store = oracle.ExpectedCache(tmp_path)
    expected = [
        {"out": np.arange(6.0).reshape(2, 3), "fan_in": np.array(3.0)},
        {"raised": np.array(["ValueError", "Exception"]), "flags": np.array([True, False])},
        {},
        {"x": np.zeros((0, 4), np.float32), "i": np.array([1, 2], np.int64)},
    ]
    store.store("k", expected)
    back = store.load("k", len(expected))
    assert back is not None and len(back) == len(expected)
    for want, got in zip(expected, back, strict=True):
        assert list(want) == list(got)
        for name in want:
            assert got[name].dtype == want[name].dtype and got[name].shape == want[name].shape
            np.testing.assert_array_equal(got[name], want[name])
    assert store.load("k", 2) is None  # not for these cases
    assert store.load("missing", 1) is None
    (tmp_path / "bad.bundle").write_bytes(b"not a zip")
    assert store.load("bad", 1) is None


def _broken_oracle(case: Case, device: str) -> dict[str, np.ndarray]:
    raise RuntimeError("the oracle is broken")


def test_an_item_whose_oracle_fails_is_a_grader_error_and_the_rest_is_graded() -> None:
    item = Item("activations.relu", 2, lambda rng, hidden: [], _broken_oracle)
    p = engine.Plan(item, [Case("x", Category.CORRECTNESS, (np.zeros(2),))], 0)
    run: Future[ItemRun] = Future()
    run.set_result(ItemRun(cases=[sandbox.CaseRun(ok=True, outputs={"out": np.zeros(2)})]))
    expected: Future[oracle.Expected] = Future()
    expected.set_exception(RuntimeError("the oracle is broken"))
    result = engine._judged(p, run, expected, "cpu", "sub", engine.PUBLIC_SEED)
    assert result.score == 0 and result.note.startswith("grader error: RuntimeError")


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _children(pid: int) -> list[int]:
    return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_closing_the_oracle_stops_its_process_and_its_workers(tmp_path: Path) -> None:
    if oracle.WORKERS < 2:
        pytest.skip("one usable CPU: the oracle forks no worker")
    truth = oracle.Oracle("cpu")
    items = registry.select(["optimizers.LBFGS", "optimizers.Adam", "optimizers.SGD"])
    plans = engine.plan(items, engine.PUBLIC_SEED, None)
    futures = truth.submit(
        [(p.item, p.cases) for p in plans], (engine.PUBLIC_SEED, None), oracle.ExpectedCache(None)
    )
    assert truth.proc is not None
    proc = truth.proc
    deadline = time.monotonic() + 60
    while len(_children(proc.pid)) < oracle.WORKERS and time.monotonic() < deadline:
        time.sleep(0.05)  # (the workers are forked once torch is imported)
    workers = _children(proc.pid)
    assert proc.poll() is None and len(workers) >= oracle.WORKERS
    truth.close()
    assert proc.poll() is not None
    deadline = time.monotonic() + 10
    while any(_running(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_running(w) for w in workers), "a worker of the oracle outlived it"
    assert all(f.done() for f in futures.values())  # (failed: nobody is left waiting)


def test_an_idle_oracle_ends_by_itself_and_reaps_its_workers() -> None:
    """Closed with no reply awaited, the process exits at the end of its input (status 0, not
    killed), its workers waited for (so their CPU time is counted in its own)."""
    truth = oracle.Oracle("cpu")
    items = registry.select(["optimizers.SGD", "activations.relu"])
    plans = engine.plan(items, engine.PUBLIC_SEED, None)
    futures = truth.submit(
        [(p.item, p.cases) for p in plans], (engine.PUBLIC_SEED, None), oracle.ExpectedCache(None)
    )
    assert all(len(f.result(timeout=120)) == len(p.cases) for f, p in zip(futures.values(), plans))
    assert truth.proc is not None
    proc, workers = truth.proc, _children(truth.proc.pid)
    truth.close()
    assert proc.returncode == 0
    assert not any(Path(f"/proc/{w}").exists() for w in workers)


def test_a_worker_that_dies_fails_its_requests_not_the_oracle() -> None:
    """Every request gets a reply (an error naming the broken pool) and the process ends
    cleanly at the end of its input."""
    code = (
        "import os\nfrom graders import oracle\n"
        "oracle.compute = lambda *a: os._exit(1)\noracle.serve(workers=2)\n"
    )
    requests = "".join(
        json.dumps({"key": f"k{n}", "item": ITEMS[0], "seed": 1, "hidden": False,
                    "device": "cpu", "cache": None}) + "\n"
        for n in range(3)
    )  # fmt: skip
    proc = subprocess.run(
        [sys.executable, "-c", code], input=requests.encode(), capture_output=True, cwd=ROOT,
        timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    replies, stream = {}, io.BytesIO(proc.stdout)
    while line := stream.readline():
        key, status, body = oracle.reply(line, stream)
        replies[key] = (status, body)
    assert sorted(replies) == ["k0", "k1", "k2"]
    for status, body in replies.values():
        assert status == b"error" and body.startswith(b"BrokenProcessPool: "), body


def _requests(names: list[str], seeds: range) -> list[dict[str, Any]]:
    return [
        {"key": f"{name}/{seed}", "item": name, "seed": seed, "hidden": True, "device": "cpu",
         "cache": None}
        for seed in seeds
        for name in names
    ]  # fmt: skip


def _expected(request: dict[str, Any]) -> list[dict[str, np.ndarray]]:
    """What torch gives for the request, computed here (not by the oracle's process)."""
    item = registry.BY_NAME[request["item"]]
    return [item.oracle(c, "cpu") for c in registry.build_cases(item, request["seed"], True)]


def _same(got: oracle.Expected, want: list[dict[str, np.ndarray]]) -> bool:
    return len(got) == len(want) and all(
        g.keys() == w.keys() and all(np.array_equal(g[k], w[k], equal_nan=True) for k in g)
        for g, w in zip(got, want, strict=True)
    )


@pytest.mark.slow  # (the oracle stopped and continued while it replies: about 19 s)
def test_replies_are_whole_when_the_process_is_stopped_and_continued() -> None:
    """Stopped and continued while it writes into a full pipe (Ctrl-Z and fg, a debugger, a
    paused container), an unbuffered Python (``PYTHONUNBUFFERED``, as many images set) writes
    only part of a reply; the rest must follow, never be dropped.  (Before: the stream lost
    bytes, and the grader judged on values that were not torch's.)"""
    names = ["optimizers.Adam", "optimizers.AdamW", "optimizers.Rprop", "optimizers.ASGD"]
    requests = _requests(names, range(1, 7))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "graders.oracle"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL, cwd=ROOT, env=env, start_new_session=True,
    )  # fmt: skip
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("".join(json.dumps(r) + "\n" for r in requests).encode())
    proc.stdin.close()
    stream = io.BytesIO(read_while_stopping(proc))
    replies = {}
    while line := stream.readline():
        key, status, body = oracle.reply(line, stream)
        assert status == b"ok", body[:200]
        replies[key] = wire.load(body)[0]
    assert sorted(replies) == sorted(r["key"] for r in requests)
    for r in requests:
        want = _expected(r)
        assert _same(oracle._unflatten(replies[r["key"]], len(want)), want), r["key"]


FAKE = """
import os, sys
from graders import oracle, registry
first = not os.path.exists(sys.argv[1])
open(sys.argv[1], "a").close()
if sys.argv[2] in ("garble", "not-a-bundle") and first:
    key = sys.stdin.buffer.readline().split(b'"key": "')[1].split(b'"')[0]
    body = b"abd" if sys.argv[2] == "garble" else b"abc"  # (not what its header says, or no bundle)
    sys.stdout.buffer.write(oracle.header(key, b"ok", b"abc") + body)
    sys.stdout.buffer.flush()
    sys.stdin.buffer.read()
elif sys.argv[2] == "print":  # an oracle that prints, in the process and in its workers
    imported = oracle.torch
    def loud():
        print("stray output while importing torch", flush=True)
        return imported()
    oracle.torch = loud
    item = registry.BY_NAME["optimizers.Adam"]
    real = item.oracle
    def noisy(case, device):
        print("HELLO 0 ok 3 0", flush=True)
        os.write(1, b"more from C code\\n")
        return real(case, device)
    object.__setattr__(item, "oracle", noisy)
    oracle.serve()
else:
    oracle.serve()
"""


def _hidden_part(truth: oracle.Oracle, request: dict[str, Any]) -> Future[oracle.Expected]:
    """The request's item and hidden seed asked of ``truth`` (no cache): its hidden part."""
    item = registry.BY_NAME[request["item"]]
    hidden = registry.build_cases(item, request["seed"], True)
    return truth._part(item, hidden, request["seed"], True, oracle.ExpectedCache(None))


def _fake(tmp_path: Path, how: str) -> list[str]:
    script = tmp_path / "fake_oracle.py"
    script.write_text(FAKE)
    return [sys.executable, str(script), str(tmp_path / "started"), how]


@pytest.mark.parametrize("how", ["garble", "not-a-bundle"])
def test_a_reply_that_does_not_check_out_fails_and_the_next_request_restarts_the_oracle(
    how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Garbled bytes are never judged: the item fails as a grader error, its process is
    stopped, and the next request gets a new process that answers.  (Before: a garbled
    header ended the thread reading replies, and every later request waited for ever.)"""
    monkeypatch.setattr(oracle, "COMMAND", _fake(tmp_path, how))
    item = registry.BY_NAME["optimizers.Adam"]
    (request,) = _requests([item.name], range(3, 4))
    with oracle.Oracle("cpu") as truth:
        with pytest.raises(oracle.OracleError, match="did not check out"):
            _hidden_part(truth, request).result(timeout=60)
        assert _same(_hidden_part(truth, request).result(timeout=120), _expected(request))


def test_what_an_oracle_prints_never_enters_a_reply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Output of the oracle's process or its workers (a library's print, C code writing to
    descriptor 1) goes to stderr, not into the replies."""
    monkeypatch.setattr(oracle, "COMMAND", _fake(tmp_path, "print"))
    with oracle.Oracle("cpu") as truth:
        for r in _requests(["optimizers.Adam"], range(1, 4)):
            assert _same(_hidden_part(truth, r).result(timeout=120), _expected(r))


@pytest.mark.slow  # (two gradings of the reference with hidden cases: about 19 s)
def test_a_new_hidden_seed_computes_only_the_hidden_part(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Public and hidden cases are cached apart: a class with a hidden seed per student
    computes the public values once."""
    cache = tmp_path / "cache"
    monkeypatch.setattr(oracle, "CACHE_DIR", cache)
    items = registry.select(ITEMS)
    engine.grade(ROOT / "reference", items, hidden_seed=5)
    before = set(cache.glob("*.bundle"))
    result = engine.grade(ROOT / "reference", items, hidden_seed=6)
    assert result.score == result.max_score
    new = set(cache.glob("*.bundle")) - before
    assert len(new) == sum(bool(registry.build_cases(i, 6, hidden=True)) for i in items)


def test_public_parts_are_read_once_and_cannot_be_changed(
    uncached: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(oracle, "CACHE_DIR", tmp_path / "cache")
    _grade()  # (fills the cache)
    with oracle.Oracle("cpu") as truth:
        assert _grade(truth=truth) == uncached
        assert _grade(truth=truth) == uncached  # from the values kept in memory
        kept = [v for part in truth._kept.values() for case in part for v in case.values()]
        arrays = [v for v in kept if isinstance(v, np.ndarray)]
        assert arrays and not any(a.flags.writeable for a in arrays)
