"""The pipeline for one submission, top to bottom: plan the cases, run them in the sandbox, get
the expected values, judge, score.

:func:`grade` is what the command line, the tests and the batch grader call.  Two things run
beside this process's own work, each behind a future per item: the sandbox's children
(:class:`~graders.sandbox.Sandbox`) and torch's expected values
(:class:`~graders.oracle.Oracle`, from the cache or from a process of its own).  Items are judged
in the order their runs finish.
"""

from __future__ import annotations

import contextlib
import math
import shlex
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Future, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from graders import efficiency, judge, oracle, policy, scan, scratch, submission
from graders.registry import MODULES, Case, Item, build_cases, plan_cases
from graders.sandbox import (
    BUDGET_SPENT,
    DEFAULT_BUDGET,
    CaseRun,
    ItemRun,
    Job,
    Sandbox,
)
from graders.sandbox.box import wire
from graders.score import ItemResult, SubmissionResult
from graders.submission import Submission, SubmissionError
from graders.text import clean

__all__ = ["PUBLIC_SEED", "SubmissionError", "grade"]

PUBLIC_SEED = 20261122


@dataclass
class Plan:
    """The cases an item will run, and how many hidden ones were left out."""

    item: Item
    cases: list[Case]
    hidden_not_run: int


def plan(items: list[Item], seed: int, hidden_seed: int | None) -> list[Plan]:
    """Every item's public cases, and its hidden ones when a hidden seed is given."""
    return [
        Plan(
            item,
            plan_cases(item, seed, hidden_seed),
            0 if hidden_seed is not None else len(build_cases(item, 0, hidden=True)),
        )
        for item in items
    ]


def modules_of(sub: Submission, items: list[Item]) -> dict[str, str | None]:
    """For every student module: None if the submission has it, else why not (SubmissionError
    if it has none of those the items need)."""
    needed = dict.fromkeys(m for item in items for m in item.modules)
    problems = {m: sub.problems.get(m) if m not in sub.modules else None for m in MODULES}
    for m in MODULES:
        if m not in sub.modules and not problems[m]:
            problems[m] = f"{m}.py not found in the submission"
    if all(problems[m] for m in needed):
        names = ", ".join(f"{m}.py" for m in needed)
        found = [sub.problems[m] for m in needed if m in sub.problems]  # (not "not found")
        why = f" that can be graded ({'; '.join(found)})" if found else ""
        raise SubmissionError(f"'{sub.origin}' holds none of {names}{why}")
    return problems


@contextlib.contextmanager
def prepared(origin: Path) -> Iterator[Submission]:
    """The submission unpacked into a scratch directory of the grader's (removed afterwards)."""
    where = scratch.make("dlgrade-submission-")
    try:
        yield submission.prepare(origin, MODULES, where)
    finally:
        scratch.remove(where)


# ----------------------------------------------------------------------------- running
#: Relative cost of one case in a child, by driver (measured on the reference: a plain call
#: about 0.3 ms, an optimizer trajectory 2 ms, an initializer case 4 ms with its large arrays).
CASE_COST = {"call": 1.0, "worked": 2.0, "optim": 6.0, "init": 12.0}
#: A child runs items of one module up to about this much work: a child costs a
#: few milliseconds (fork, setup, importing the module, exit), so a few large chunks, the
#: costliest first, keep both cores busiest (measured: 700, about ten chunks, 12% faster than
#: 200).  Restarts after a crash are still counted per item.
CHUNK_COST = 700.0
#: What follows an item's name as the owner of its hidden cases' part in the sandbox.
HIDDEN_PART = " (hidden part)"


def _cost(p: Plan) -> float:
    return CASE_COST.get(p.item.driver, 1.0) * len(p.cases)


def make_job(
    key: str,
    plans: list[Plan],
    submission: Path,
    unavailable: dict[str, str] | None = None,
    hidden: bool = False,
    slow: float | None = None,
) -> Job:
    """The cases of items of one module, encoded for the child (``box.wire``);
    ``unavailable``: the modules the submission cannot give, and why (for the worked examples,
    which import the student's other modules).  ``hidden``: the plans hold hidden cases only;
    each case's owner is then its item's name with :data:`HIDDEN_PART`.  ``slow``: a timed
    job (``Job.sealed``), each case's arrays apart."""
    arrays: dict[str, np.ndarray] = {}
    sealed: dict[int, dict[str, np.ndarray]] = {}
    cases: list[dict[str, Any]] = []
    owners = []
    for p in plans:
        for case in p.cases:
            k = len(cases)
            into = arrays if slow is None else sealed.setdefault(k, {})
            fields = {"args": case.args, "kwargs": case.kwargs, **case.spec}
            encoded = {name: wire.encode(v, into, f"c{k}") for name, v in fields.items()}
            encoded.update(index=k, function=p.item.attr, driver=p.item.driver)
            if unavailable:
                encoded["unavailable"] = unavailable
            cases.append(encoded)
            owners.append(p.item.name + (HIDDEN_PART if hidden else ""))
    return Job(
        key=key,
        submission=submission,
        module_name=plans[0].item.module,
        cases=cases,
        arrays=arrays,
        owners=owners,
        case_timeout=max(p.item.case_timeout for p in plans),
        hidden=hidden,
        sealed=None if slow is None else sealed,
        slow=math.inf if slow is None else slow,
    )


def make_jobs(
    plans: list[Plan], submission: Path, unavailable: dict[str, str] | None = None
) -> list[Job]:
    """The public cases' jobs, then the hidden cases' (:func:`chunked` each): no child runs
    both, and the sandbox starts no hidden job before every public one of the submission has
    ended (``Job.hidden``), so nothing a hidden case's call does (what it raises, prints or
    leaves behind, whether it passes) can reach a public case's result: a student sees the
    public results at once, the hidden inputs never through them."""
    public = [Plan(p.item, [c for c in p.cases if not c.hidden], p.hidden_not_run) for p in plans]
    hidden = [Plan(p.item, [c for c in p.cases if c.hidden], 0) for p in plans]
    return [
        *chunked("job", [p for p in public if p.cases], submission, unavailable),
        *chunked("hidden", [p for p in hidden if p.cases], submission, unavailable, hidden=True),
    ]


def chunked(
    key: str,
    plans: list[Plan],
    submission: Path,
    unavailable: dict[str, str] | None = None,
    hidden: bool = False,
) -> list[Job]:
    """Chunks of items of one module (a module's worked examples with its functions: fewer
    children), about CHUNK_COST of work each, the costliest first (so no long chunk is left to
    run alone at the end)."""
    chunks: list[list[Plan]] = []
    modules = list(dict.fromkeys(p.item.module for p in plans))  # (in the plans' order)
    for p in sorted(plans, key=lambda p: modules.index(p.item.module)):
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
        make_job(f"{key}{n}", chunk, submission, unavailable, hidden)
        for n, chunk in enumerate(chunks)
    ]


def _not_run(p: Plan, why: str) -> Future[ItemRun]:
    """A run that never happened: every case fails with ``why``."""
    future: Future[ItemRun] = Future()
    future.set_result(ItemRun(cases=[CaseRun(ok=False, error=why) for _ in p.cases]))
    return future


@dataclass
class Part:
    """Some of an item's cases, its public or its hidden ones (their positions in the plan's
    cases), and their run."""

    positions: list[int]
    run: Future[ItemRun]


def run(
    box: Sandbox,
    plans: list[Plan],
    submission: Path,
    problems: dict[str, str | None],
    budget: float | None = DEFAULT_BUDGET,
) -> dict[str, list[Part]]:
    """Submit the plans whose modules the submission has (all within ``budget`` seconds of wall
    clock); the others fail with the reason.  Per item, its public part, then its hidden part
    (if it has hidden cases): they run in different children (:func:`make_jobs`)."""
    runnable = [p for p in plans if not any(problems[m] for m in p.item.modules)]
    unavailable = {m: why for m, why in problems.items() if why}
    jobs = make_jobs(runnable, submission, unavailable)
    futures = box.submit(jobs, budget=budget) if runnable else {}
    parts: dict[str, list[Part]] = {}
    for p in plans:
        why = next((problems[m] for m in p.item.modules if problems[m]), None)
        if why is not None:
            parts[p.item.name] = [Part(list(range(len(p.cases))), _not_run(p, why))]
            continue
        parts[p.item.name] = [
            Part([k for k, c in enumerate(p.cases) if c.hidden == hidden], futures[owner])
            for hidden, owner in ((False, p.item.name), (True, p.item.name + HIDDEN_PART))
            if owner in futures
        ]
    return parts


# ----------------------------------------------------------------------------- feedback
def repro_command(submission: str, item: Item, case: Case, seed: int) -> str:
    """A command, runnable as pasted, that reruns just this case and prints everything."""
    cmd = f"{shlex.quote(sys.executable)} -m graders repro {shlex.quote(submission)} "
    cmd += f"{item.name} {shlex.quote(case.name)}"
    if seed != PUBLIC_SEED:
        cmd += f" --seed {seed}"
    if case.hidden:
        cmd += " --hidden-seed $GRADER_HIDDEN_SEED"
    return cmd


def _judged(
    p: Plan,
    part: Part,
    expected: Future[oracle.Expected],
    device: str,
    shown: str,
    seed: int,
) -> ItemResult:
    """Judge a part of an item's cases; a failure of the grader itself (an oracle's error, a
    check's) fails this item alone, and says so."""
    try:
        values = expected.result()
        return judge.judge_item(
            p.item,
            [p.cases[k] for k in part.positions],
            part.run.result(),
            [values[k] for k in part.positions],
            device,
            lambda case: repro_command(shown, p.item, case, seed),
        )
    except Exception as exc:
        result = ItemResult(name=p.item.name, points=p.item.points, cases=[])
        result.note = f"grader error: {type(exc).__name__}: {exc}"
        return result


def _whole(
    p: Plan,
    parts: list[ItemResult],
    runs: list[Part],
    expected: Future[oracle.Expected],
    device: str,
) -> ItemResult:
    """The item's result from its parts' (the first grader error, if any, is the item's), the
    cases in the plan's order."""
    failed = next((r for r in parts if r.note.startswith("grader error")), None)
    if failed is not None:
        result = failed
    else:
        first = parts[0]
        placed = {
            k: c
            for part, r in zip(runs, parts, strict=True)
            for k, c in zip(part.positions, r.cases, strict=True)
        }
        result = ItemResult(
            name=p.item.name,
            points=p.item.points,
            cases=[placed[k] for k in sorted(placed)],
            stdout_tail=first.stdout_tail,  # (the public part's: the hidden part's could
            # carry the hidden inputs to the public feedback)
            stderr_tail=first.stderr_tail,
            note=next((r.note for r in parts if r.note), ""),
            elapsed=round(sum(r.elapsed for r in parts), 3),
        )
        _forbidden(result, [c for part in runs for c in part.run.result().cases])
    result.hidden_not_run = p.hidden_not_run
    _diagnose(p, result, expected, device)
    return result


def _forbidden(result: ItemResult, runs: list[CaseRun]) -> None:
    """An item during which the submission tried to import a forbidden package (the guard
    refused it, or it was found loaded) gets no points, and its note names the attempt (a
    removed guard alone is named in the submission's notes, ``_guard_note``)."""
    tried = sorted({n for case in runs for n in case.forbidden if n != policy.GUARD_REMOVED})
    if not tried:
        return
    what = ", ".join(tried)
    for case in result.cases:
        case.passed, case.status = False, "error"
        case.message = f"forbidden import attempted ({what}); {case.message}".rstrip("; ")
    result.note = f"no points: the submission tried to import {what}, which this course forbids"


def _diagnose(p: Plan, result: ItemResult, expected: Future[oracle.Expected], device: str) -> None:
    """Name the known mistake a failing item's results match (graders.mistakes; advisory: it
    never changes a score, and a failure of its own leaves the item as it is)."""
    if not result.cases or result.status == "passed":
        return
    try:
        from graders.mistakes import diagnosis
    except ImportError:  # (a copy of the grader without the catalogue)
        return
    try:
        found = diagnosis.diagnose(p.item, p.cases, result, expected.result(), device)
    except Exception:  # (advisory only)
        return
    if found is not None:
        result.mistake, result.diagnosis = found.name, found.line()


# ----------------------------------------------------------------------------- the pipeline
def grade(
    origin: Path,
    items: list[Item],
    *,
    seed: int = PUBLIC_SEED,
    hidden_seed: int | None = None,
    device: str = "cpu",
    use_cache: bool = True,
    sandbox: Sandbox | None = None,
    truth: oracle.Oracle | None = None,
    budget: float | None = DEFAULT_BUDGET,
    efficiency: bool = False,
    efficiency_weight: float = 0.0,
) -> SubmissionResult:
    """Grade the submission at ``origin`` (a folder, a zip, a notebook, a .py) on ``items``:
    the engine's one entry point.  A ``sandbox`` or an oracle (``truth``) given by the caller is
    used and left open (a class is graded in one).  ``budget``: wall-clock seconds the
    submission's code may take in all (None: no limit); what is left when it is spent is not
    run, and the report says so.  ``efficiency``: also time each plain-call item against the
    reference (graders.efficiency), scored with ``efficiency_weight``."""
    t0 = time.perf_counter()
    dev = oracle.resolve_device(device)
    with prepared(origin) as sub, contextlib.ExitStack() as stack:
        problems = modules_of(sub, items)
        plans = plan(items, seed, hidden_seed)  # 1. plan the cases
        box = sandbox or stack.enter_context(Sandbox())
        stack.callback(box.release, sub.root)  # (a shared sandbox keeps no finished copy)
        torch_side = truth or stack.enter_context(oracle.Oracle(dev))
        runs = run(box, plans, sub.root, problems, budget)  # 2. run them in the sandbox
        cache = oracle.ExpectedCache(oracle.CACHE_DIR if use_cache and box.cache_safe else None)
        expected = torch_side.submit(  # 3. the expected values, meanwhile
            [(p.item, p.cases) for p in plans], (seed, hidden_seed), cache
        )
        # While both are at work: where each function is, and the static scan (by ast).
        locations = [_location(sub, p.item, problems) for p in plans]
        findings = _findings(sub, items, problems, use_cache)
        results = judged(plans, runs, expected, dev, str(origin), seed)  # 4. judge
        _annotate(results, plans, sub, box, problems, locations)
        if efficiency or efficiency_weight:
            timed = Timed(torch_side, cache, seed, dev)
            _timings(box, sub, plans, results, problems, efficiency_weight, timed)
        layers, notes = _about(sub, box, runs, budget)
    return SubmissionResult(  # 5. score (the results hold the credit rule)
        submission=str(origin),
        items=results,
        environment=oracle.versions(dev),
        sandbox=layers,
        seed=seed,
        hidden_seed_given=hidden_seed is not None,
        findings=findings,
        notes=notes,
        execution_time=round(time.perf_counter() - t0, 3),
    )


def judged(
    plans: list[Plan],
    runs: dict[str, list[Part]],
    expected: dict[str, Future[oracle.Expected]],
    device: str,
    shown: str,
    seed: int,
) -> list[ItemResult]:
    """Every item judged part by part, each part in the order its run finishes (the expected
    values wait for none; the public parts are judged while the hidden ones run); the
    results in the plans' order."""
    owner = {part.run: (p, k, part) for p in plans for k, part in enumerate(runs[p.item.name])}
    parts: dict[str, dict[int, ItemResult]] = {p.item.name: {} for p in plans}
    done = {}
    for f in as_completed(owner):
        p, k, part = owner[f]
        name = p.item.name
        mine = runs[name]
        parts[name][k] = _judged(p, part, expected[name], device, shown, seed)
        if len(parts[name]) == len(mine):
            ordered = [parts[name][k] for k in range(len(mine))]
            done[name] = _whole(p, ordered, mine, expected[name], device)
    return [done[p.item.name] for p in plans]


def _annotate(
    results: list[ItemResult],
    plans: list[Plan],
    sub: Submission,
    box: Sandbox,
    problems: dict[str, str | None],
    locations: list[str],
) -> None:
    """What the student reads, made right: their paths (not the grader's copies), where each
    function is defined (``locations``, by plan), and which failing helper a function calls."""
    for r, location in zip(results, locations, strict=True):
        _shown(r, sub, box)
        r.location = location
    _uses_failing(sub, plans, results, problems)


def _about(
    sub: Submission,
    box: Sandbox,
    runs: dict[str, list[Part]],
    budget: float | None,
) -> tuple[dict[str, Any], list[str]]:
    """The report's context: the sandbox's layers and notes on the submission and its run."""
    layers = dict(box.layers)
    layers["budget"] = f"{budget:g} s of wall clock per submission" if budget else "none"
    notes = [
        clean(n, one_line=True) for n in (f"{sub.form}: modules found in {sub.located}", *sub.notes)
    ]
    notes += _budget_note(runs, budget) + _guard_note(runs)
    return layers, notes


def unusable(
    origin: Path, items: list[Item], why: str, seed: int = PUBLIC_SEED
) -> SubmissionResult:
    """The report of a submission that could not be graded at all: every item 0, with why (a
    platform shows this rather than "the autograder failed").  ``why`` may quote the
    submission's file and folder names: it is cleaned (``graders.text``) and put on one line,
    as every note is."""
    why = clean(why, one_line=True)
    return SubmissionResult(
        submission=str(origin),
        items=[ItemResult(name=i.name, points=i.points, cases=[], note=why) for i in items],
        environment={},
        sandbox={},
        seed=seed,
        hidden_seed_given=False,
        notes=[f"not graded: {why}"],
    )


def _budget_note(runs: dict[str, list[Part]], budget: float | None) -> list[str]:
    """A note when the time budget was spent: how many cases it left unrun."""
    left = sum(
        1
        for parts in runs.values()
        for part in parts
        for case in part.run.result().cases
        if (case.error or "").startswith((BUDGET_SPENT, "stopped: the submission used up"))
    )
    if not left:
        return []
    return [f"time budget: the submission used up its {budget:g} s; {left} cases were not run"]


def _guard_note(runs: dict[str, list[Part]]) -> list[str]:
    """A note naming the items during which the submission removed the import guard."""
    items = [
        name
        for name, parts in runs.items()
        if any(
            policy.GUARD_REMOVED in case.forbidden
            for part in parts
            for case in part.run.result().cases
        )
    ]
    if not items:
        return []
    return [f"the submission removed the sandbox's import guard (in {', '.join(sorted(items))})"]


def _shown(result: ItemResult, sub: Submission, box: Sandbox) -> ItemResult:
    """Every text the student reads, with the grader's copies of the submission named as the
    student knows them, escape sequences and invisible characters removed (``graders.text``):
    messages on one line, printed output as lines."""
    copies = [box.copy_of(sub.root)]

    def show(text: str, one_line: bool = True) -> str:
        return clean(sub.display(text, also=copies), one_line) if text else text

    for case in result.cases:
        case.message = show(case.message)
        case.details = {k: show(v) if isinstance(v, str) else v for k, v in case.details.items()}
        case.stdout, case.stderr = show(case.stdout, False), show(case.stderr, False)
    result.note = show(result.note)
    result.stdout_tail = show(result.stdout_tail, one_line=False)
    result.stderr_tail = show(result.stderr_tail, one_line=False)
    return result


@dataclass(frozen=True)
class Timed:
    """Where torch's answers for the timed inputs come from: the grading's oracle, its cache,
    the public seed, the device."""

    truth: oracle.Oracle
    cache: oracle.ExpectedCache
    seed: int
    device: str

    def answer(self, item: Item, inputs: list[Case]) -> Future[oracle.Expected]:
        """torch's outputs for each call's input (asked before the run: they come meanwhile)."""
        return self.truth.timing(item, inputs, self.seed, self.cache)

    def wrong(
        self, item: Item, inputs: list[Case], run: ItemRun, answer: Future[oracle.Expected]
    ) -> str | None:
        """Why a call's answer is not torch's (each call's whole answer, as any case's); None
        if none is (or if it cannot be told: the oracle failed, the grader's own fault)."""
        try:
            expected = answer.result()
        except Exception:  # (the grader's own failure: the speed is not withheld for it)
            return None
        for k, (case, made) in enumerate(zip(inputs, run.cases, strict=True)):
            if made.ok and made.seconds is not None:
                verdict = judge.judge_case(item, case, made, expected[k], self.device, "")
                if not verdict.passed:
                    call = "the warm-up call" if k == 0 else f"timed call {k}"
                    return f"{call}: {verdict.message}"
        return None


def _timings(
    box: Sandbox,
    sub: Submission,
    plans: list[Plan],
    results: list[ItemResult],
    problems: dict[str, str | None],
    weight: float,
    timed: Timed,
) -> None:
    """Time each plain-call item against the reference (graders.efficiency), one child at a
    time (two at once would slow each other down); a timed call must answer as torch does."""
    from graders import efficiency_table

    for p, result in zip(plans, results, strict=True):
        case = efficiency.timing_case(p.item, p.cases)
        ran = any(c.status in ("passed", "failed") for c in result.cases)  # (returned something)
        if case is None or not ran or any(problems[m] for m in p.item.modules):
            continue
        inputs = efficiency.timed_inputs(case)
        plan_ = Plan(efficiency.timing_item(p.item), inputs, 0)
        job = make_job(f"timing-{p.item.name}", [plan_], sub.root, slow=efficiency.SLOW_CALL)
        answer = timed.answer(p.item, inputs)
        run = box.submit([job])[p.item.name].result()
        for made in run.cases:
            if made.error:
                made.error = sub.display(made.error, also=[box.copy_of(sub.root)])
        wrong = timed.wrong(p.item, inputs, run, answer)
        if wrong:
            wrong = sub.display(wrong, also=[box.copy_of(sub.root)])
        reference = efficiency_table.REFERENCE.get(p.item.name)
        result.efficiency = efficiency.summary(run, case, reference, wrong)
        result.efficiency_weight = weight


def _uses_failing(
    sub: Submission, plans: list[Plan], results: list[ItemResult], problems: dict[str, str | None]
) -> None:
    """For each item that lost points, the other graded functions of its module that the
    student's function calls (``scan.calls``, by ``ast``) and that lost points too: a composite
    of the student's own making names the function to fix first."""
    lost = {
        (p.item.module, p.item.attr): r
        for p, r in zip(plans, results, strict=True)
        if r.status in ("partial", "failed")
    }
    for p, r in zip(plans, results, strict=True):
        if r.status == "passed" or problems[p.item.module] is not None:
            continue
        path = sub.root / sub.modules[p.item.module]
        called = scan.calls(path, p.item.attr)
        r.uses_failing = [f for f in called if lost.get((p.item.module, f), r) is not r]


def _location(sub: Submission, item: Item, problems: dict[str, str | None]) -> str:
    """Where the item's function is defined, as the student knows the file (by ``ast``: the
    student's code is never run here); "" when it is not found."""
    if problems[item.module] is not None:
        return ""
    rel = sub.modules[item.module]
    line = scan.function_line(sub.root / rel, item.attr)
    return sub.display(f"{rel}:{line}") if line else ""


def _findings(
    sub: Submission, items: list[Item], problems: dict[str, str | None], use_cache: bool
) -> list[str]:
    """The static scan of the graded modules (advisory: it never decides a score)."""
    cache_dir = oracle.CACHE_DIR if use_cache else None
    graded = dict.fromkeys(m for item in items for m in item.modules)
    return [
        clean(sub.display(str(f)), one_line=True)
        for m in graded
        if problems[m] is None
        for f in scan.scan_file(sub.root / sub.modules[m], cache_dir)
    ]
