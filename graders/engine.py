"""The pipeline: registry -> sandbox -> oracle -> compare -> score, for one submission.

:func:`grade` is what the CLI, the tests and the batch grader call.  The sandbox's children run
while the expected outputs are loaded from the cache or computed (``graders.expected``: by an
oracle process, or in a thread of this one), and each item is judged as soon as both are in,
between the children's replies.
"""

from __future__ import annotations

import collections
import os
import queue
import shlex
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from graders import compare, oracle, scan
from graders.expected import OracleThread
from graders.registry import Case, Item, build_cases
from graders.sandbox import CaseRun, ItemRun, Job, Sandbox
from graders.score import CaseResult, ItemResult, SubmissionResult, classify

PUBLIC_SEED = 20261122


class SubmissionError(ValueError):
    """The submission cannot be graded as given (bad path, missing module): exit 2."""


@dataclass
class Plan:
    """The cases each selected item will run."""

    item: Item
    cases: list[Case]
    hidden_not_run: int


def check_submission(submission: Path, items: list[Item]) -> dict[str, Path]:
    """Paths of the modules the items need; SubmissionError with one clear line otherwise."""
    if not submission.exists():
        raise SubmissionError(f"submission '{submission}' does not exist")
    if not submission.is_dir():
        raise SubmissionError(f"submission '{submission}' is not a directory of modules")
    needed = list(dict.fromkeys(item.module for item in items))
    paths = {m: submission / f"{m}.py" for m in needed}
    missing = [f"{m}.py" for m, p in paths.items() if not p.is_file()]
    if missing:
        raise SubmissionError(
            f"submission '{submission}' has no {', '.join(missing)} (use --only to grade a subset)"
        )
    for path in paths.values():
        if not os.access(path, os.R_OK):
            raise SubmissionError(f"cannot read '{path}'")
    return paths


def plan(items: list[Item], seed: int, hidden_seed: int | None) -> list[Plan]:
    """Build every item's public cases, and hidden ones when a hidden seed is given."""
    plans = []
    for item in items:
        cases = build_cases(item, seed, hidden=False)
        hidden = build_cases(item, hidden_seed if hidden_seed is not None else 0, hidden=True)
        plans.append(
            Plan(
                item,
                cases + hidden if hidden_seed is not None else cases,
                0 if hidden_seed is not None else len(hidden),
            )
        )
    return plans


# ----------------------------------------------------------------------------- encoding
def _encode(value: Any, arrays: dict[str, np.ndarray], prefix: str) -> Any:
    if isinstance(value, np.ndarray):
        name = f"{prefix}_{len(arrays)}.npy"
        if value.flags.c_contiguous or value.ndim < 2:
            arrays[name] = np.array(value, order="C")  # (ascontiguousarray makes 0-d 1-d)
            return {"npy": name}
        if value.T.flags.c_contiguous:
            arrays[name] = np.array(value.T, order="C")
            return {"npy": name, "view": "T"}
        base = np.zeros((*value.shape[:-1], 2 * value.shape[-1]), dtype=value.dtype)
        base[..., ::2] = value
        arrays[name] = base
        return {"npy": name, "view": "step"}
    if isinstance(value, tuple):
        return {"tuple": [_encode(v, arrays, prefix) for v in value]}
    if isinstance(value, list):
        return [_encode(v, arrays, prefix) for v in value]
    if isinstance(value, dict):
        return {k: _encode(v, arrays, prefix) for k, v in value.items()}
    if isinstance(value, (float, np.floating)):
        return float(value) if np.isfinite(value) else {"float": str(float(value))}
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


#: Relative cost of one case in a child, by driver (measured on the reference: a plain call
#: about 0.3 ms, an optimizer trajectory about 2 ms, an initializer case about 4 ms with its
#: large arrays).  Used only to cut the work into chunks and to start the longest first.
CASE_COST = {"call": 1.0, "worked": 2.0, "optim": 6.0, "init": 12.0}
#: A child runs consecutive items of one module until about this much work: a child costs a
#: few milliseconds (fork, setup, the import of the module, exit), so few large chunks, the
#: costliest first, keep both cores busy best (measured side by side: 700, about ten chunks
#: for the whole course, 12% faster than 200).  Restarts are counted per item either way.
CHUNK_COST = 700.0


def _cost(p: Plan) -> float:
    return CASE_COST.get(p.item.driver, 1.0) * len(p.cases)


def make_job(key: str, items: list[tuple[Item, list[Case]]], path: Path) -> Job:
    """Encode the cases of one or more items of a module for the child: arrays to ``.npy``,
    the rest to JSON; each case names its item's function and driver."""
    arrays: dict[str, np.ndarray] = {}
    encoded: list[dict[str, Any]] = []
    owners: list[str] = []
    for item, cases in items:
        for case in cases:
            k = len(encoded)
            encoded.append(
                {
                    "index": k,
                    "args": [_encode(a, arrays, f"c{k}") for a in case.args],
                    "kwargs": {n: _encode(v, arrays, f"c{k}") for n, v in case.kwargs.items()},
                    **{n: _encode(v, arrays, f"c{k}") for n, v in case.spec.items()},
                    "_function": item.attr,
                    "_driver": item.driver,
                }
            )
            owners.append(item.name)
    first = items[0][0]
    return Job(
        key=key,
        module_path=path,
        module_name=first.module,
        function=first.attr,
        driver=first.driver,
        cases=encoded,
        arrays=arrays,
        case_timeout=max(item.case_timeout for item, _ in items),
        owners=owners,
    )


def make_jobs(plans: list[Plan], paths: dict[str, Path]) -> list[Job]:
    """Chunks of consecutive items of the same module, about CHUNK_COST of work each, the
    costliest first (so no long chunk is left to run alone at the end)."""
    chunks: list[list[Plan]] = []
    for p in plans:
        last = chunks[-1] if chunks else None
        if (
            last is not None
            and last[0].item.module == p.item.module
            and sum(_cost(q) for q in last) + _cost(p) <= CHUNK_COST
        ):
            last.append(p)
        else:
            chunks.append([p])
    chunks.sort(key=lambda chunk: -sum(_cost(p) for p in chunk))  # (stable: ties keep order)
    return [
        make_job(f"job{n}", [(p.item, p.cases) for p in chunk], paths[chunk[0].item.module])
        for n, chunk in enumerate(chunks)
    ]


def split_run(job: Job, run: ItemRun) -> dict[str, ItemRun]:
    """A chunk's run, item by item (the output tails are the chunk's)."""
    out: dict[str, ItemRun] = {}
    total = max(1, len(job.cases))
    for name in dict.fromkeys(job.owners):
        positions = [i for i, owner in enumerate(job.owners) if owner == name]
        out[name] = ItemRun(
            cases=[run.cases[i] for i in positions],
            stdout_tail=run.stdout_tail,
            stderr_tail=run.stderr_tail,
            restarts=job.crashes.get(name, 0),
            elapsed=run.elapsed * len(positions) / total,
        )
    return out


# ----------------------------------------------------------------------------- feedback
def _preview(value: Any) -> str:
    if isinstance(value, np.ndarray):
        flat = value.ravel()[:4]
        vals = ", ".join(f"{v:.6g}" if value.dtype.kind == "f" else str(v) for v in flat)
        more = ", ..." if value.size > 4 else ""
        layout = "" if value.flags.c_contiguous or value.ndim < 2 else ", non-contiguous"
        return f"{value.dtype} {tuple(value.shape)}{layout} [{vals}{more}]"
    if isinstance(value, tuple):
        return "(" + ", ".join(_preview(v) for v in value) + ")"
    return repr(value)


def describe_inputs(case: Case) -> str:
    """Shape, dtype and a few values of each input, for the report."""
    parts = [f"arg{i}: {_preview(a)}" for i, a in enumerate(case.args)]
    parts += [f"{k}={_preview(v)}" for k, v in case.kwargs.items()]
    shown = {k: v for k, v in case.spec.items() if k in ("shape", "seed", "steps", "dtype")}
    parts += [f"{k}={_preview(v)}" for k, v in shown.items()]
    return "; ".join(parts)


def repro_command(submission: Path, item: Item, case: Case, seed: int) -> str:
    """A one-line command that reruns just this case and prints everything about it."""
    sub = shlex.quote(str(submission))
    cmd = f"python -m graders repro {sub} {item.name} {shlex.quote(case.name)}"
    if seed != PUBLIC_SEED:
        cmd += f" --seed {seed}"
    if case.hidden:
        cmd += " --hidden-seed $GRADER_HIDDEN_SEED"
    return cmd


# ----------------------------------------------------------------------------- the pipeline
def judge(
    item: Item,
    case: Case,
    run: CaseRun,
    exp: dict[str, Any],
    device: str,
    submission: Path,
    seed: int,
) -> CaseResult:
    """Turn a case's run and expected outputs into a CaseResult (a failing case also gets a
    description of its inputs)."""
    common: dict[str, Any] = {
        "name": case.name,
        "category": str(case.category),
        "weight": case.weight,
        "hidden": case.hidden,
        "repro": repro_command(submission, item, case, seed),
    }
    if "raises" in exp and item.check != "raises":
        check = compare.CHECKS["raises"]
    else:
        check = compare.CHECKS[item.check]
    if not run.ok:
        if "raises" in exp and run.error and run.error.startswith(str(exp["raises"])):
            return CaseResult(passed=True, status="passed", **common)
        status = classify(run.error)
        return CaseResult(
            passed=False,
            status=status,
            message=run.error or "",
            inputs=describe_inputs(case),
            **common,
        )
    verdict = check(exp, run.outputs, case.tolerance or item.tolerance, device, case.data)
    return CaseResult(
        passed=verdict.passed,
        status="passed" if verdict.passed else "failed",
        message=verdict.message,
        details=verdict.details,
        inputs="" if verdict.passed else describe_inputs(case),
        **common,
    )


def _item_result(
    p: Plan,
    run: ItemRun,
    expected: list[dict[str, Any]],
    dev: str,
    submission: Path,
    seed: int,
) -> ItemResult:
    """Judge every case of an item and gather what the sandbox saw."""
    cases = [
        judge(p.item, case, r, exp, dev, submission, seed)
        for case, r, exp in zip(p.cases, run.cases, expected, strict=True)
    ]
    import_errors = {c.message for c in cases if c.message.startswith("the module failed")}
    return ItemResult(
        name=p.item.name,
        points=p.item.points,
        cases=cases,
        hidden_not_run=p.hidden_not_run,
        stdout_tail=run.stdout_tail,
        stderr_tail=run.stderr_tail,
        note=import_errors.pop() if import_errors else "",
        elapsed=round(run.elapsed, 3),
    )


class _Judging:
    """Items judged as soon as both their run and their expected outputs are in: in the
    sandbox's idle moments while children work, then as the oracle delivers the rest."""

    def __init__(
        self, plans: list[Plan], truth: OracleThread, device: str, submission: Path, seed: int
    ) -> None:
        self.plans, self.truth = plans, truth
        self.device, self.submission, self.seed = device, submission, seed
        self.by_name = {p.item.name: p for p in plans}
        self.runs: dict[str, ItemRun] = {}
        self.done: dict[str, ItemResult] = {}
        self.ready: collections.deque[str] = collections.deque()
        self.oracle_over = False

    def add_run(self, name: str, run: ItemRun) -> None:
        self.runs[name] = run
        if name in self.truth.expected:
            self.ready.append(name)

    def _take(self, block: bool) -> None:
        """Note the items the oracle has finished (at most one if ``block``)."""
        while not self.oracle_over:
            try:
                name = self.truth.done.get(block=block)
            except queue.Empty:
                return
            if name is None:
                self.oracle_over = True
            elif name in self.runs:
                self.ready.append(name)
            if block:
                return

    def step(self) -> bool:
        """Judge one item that is ready; False if none is (yet)."""
        self._take(block=False)
        while self.ready and self.ready[0] in self.done:
            self.ready.popleft()
        if not self.ready:
            return False
        p = self.by_name[self.ready.popleft()]
        self.done[p.item.name] = _item_result(
            p,
            self.runs[p.item.name],
            self.truth.expected[p.item.name],
            self.device,
            self.submission,
            self.seed,
        )
        return True

    def finish(self) -> list[ItemResult]:
        """Every run is in: judge the rest as the oracle delivers it; the results in plan
        order (the oracle's error, if any, raised)."""
        while True:
            while self.step():
                pass
            if self.oracle_over:
                break
            self._take(block=True)
        self.truth.finish()
        return [self.done[p.item.name] for p in self.plans]


def grade(
    submission: Path,
    items: list[Item],
    *,
    seed: int = PUBLIC_SEED,
    hidden_seed: int | None = None,
    device: str = "cpu",
    use_cache: bool = True,
    parallel: int | None = None,
    sandbox: Sandbox | None = None,
) -> SubmissionResult:
    """Grade ``submission`` on ``items``: the one entry point of the engine.

    ``sandbox``: one already started (its zygote needs about 0.1 s: the command line starts it
    before loading the rest of the grader); it is closed here either way."""
    t0 = time.perf_counter()
    try:
        submission = submission.resolve()
        paths = check_submission(submission, items)
        dev = oracle.resolve_device(device)
        if sandbox is None:
            sandbox = Sandbox(parallel=parallel)  # the zygote starts while the cases are built
        plans = plan(items, seed, hidden_seed)
    except BaseException:
        if sandbox is not None:
            sandbox.close()
        raise
    truth = OracleThread(plans, dev, oracle.CACHE_DIR if use_cache else None, (seed, hidden_seed))
    truth.start()
    judging = _Judging(plans, truth, dev, submission, seed)
    try:
        with sandbox:
            # Scanning and encoding overlap with the zygote's start-up too.
            cache_dir = oracle.CACHE_DIR if use_cache else None
            findings = [str(f) for p in paths.values() for f in scan.scan_file(p, cache_dir)]
            jobs = make_jobs(plans, paths)
            by_key = {job.key: job for job in jobs}
            truth.allow_cache(sandbox.cache_safe)

            def on_finish(key: str, run: ItemRun) -> None:
                for name, item_run in split_run(by_key[key], run).items():
                    judging.add_run(name, item_run)

            sandbox.run(jobs, between=judging.step, on_finish=on_finish)
            layers = dict(sandbox.layers)
    except BaseException:
        truth.abandon()
        raise
    results = judging.finish()
    for p, r in zip(plans, results, strict=True):  # where the student's def is, by ast
        path = paths[p.item.module]
        line = scan.function_line(path, p.item.attr)
        r.location = f"{path.relative_to(submission).as_posix()}:{line}" if line else ""
    return SubmissionResult(
        submission=str(submission),
        items=results,
        environment=oracle.versions(dev),
        sandbox=layers,
        seed=seed,
        hidden_seed_given=hidden_seed is not None,
        findings=findings,
        execution_time=round(time.perf_counter() - t0, 3),
    )
