"""Command line: ``python -m graders grade|repro|batch|list|seed``.

Exit 0 whenever grading completed, whatever the score (1 with ``--fail-under`` when the score
is below it; 3 with ``--fail-on-grader-error`` when the grader failed on some item); 2 with one
line on stderr for a user's mistake (missing path, unreadable file, unknown option, bad seed, no
course secret); never a traceback for those.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from graders import cpus

if TYPE_CHECKING:
    from graders.score import SubmissionResult

DEFAULT_SUBMISSION = Path(__file__).resolve().parent.parent / "student_template"


class UsageError(Exception):
    """A user's mistake: reported in one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(
            f"{message} (see python -m graders {self.prog.split()[-1]} --help)"
            if self.prog.split()[-1] != "graders"
            else f"{message} (see python -m graders --help)"
        )


def _seed(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be an integer, not {text!r}") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError("seed must be between 0 and 2**63 - 1")
    return value


def _weight(text: str) -> float:
    """``--efficiency-weight``: a share of the points, 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"a weight from 0 to 1, not {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"a weight from 0 to 1, not {text!r}")
    return value


def _fail_under(text: str) -> tuple[float, bool]:
    """``--fail-under``: points (``150``) or a percentage of the maximum (``75%``)."""
    percent = text.strip().endswith("%")
    try:
        value = float(text.strip().rstrip("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--fail-under takes points or a percentage (150, 75%), not {text!r}"
        ) from None
    if not 0 <= value < float("inf") or (percent and value > 100):
        raise argparse.ArgumentTypeError(f"--fail-under {text!r} is out of range")
    return value, percent


def _budget(text: str) -> float | None:
    """``--budget``: positive seconds, or 0 for none."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--budget takes seconds, not {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"--budget {text!r} is out of range")
    return value or None


def _add_budget(p: argparse.ArgumentParser) -> None:
    from graders.sandbox import DEFAULT_BUDGET

    p.add_argument(
        "--budget",
        type=_budget,
        default=DEFAULT_BUDGET,
        metavar="SECONDS",
        help="wall-clock seconds a submission's code may take in all (default "
        f"{DEFAULT_BUDGET:g}; 0: no limit)",
    )


def _parser() -> argparse.ArgumentParser:
    top = _Parser(prog="graders", description="Grade a NumPy submission against PyTorch.")
    sub = top.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _grade_parser(sub)
    r = sub.add_parser("repro", help="rerun one case and print everything about it")
    r.add_argument("submission", type=Path)
    r.add_argument("item")
    r.add_argument("case")
    _common(r)
    _per_student(r)
    _batch_parser(sub)
    sub.add_parser("list", help="list the graded items and their points")
    f = sub.add_parser(
        "prefill",
        help="compute the expected values into the oracle cache now, so that later gradings "
        "(same seeds and device) need not import torch",
    )
    _only(f)
    _per_student(f)
    _seeds_and_device(f)
    s = sub.add_parser(
        "seed", help="instructors: print students' hidden seeds (needs $GRADER_COURSE_SECRET)"
    )
    s.add_argument("student_ids", nargs="+", metavar="STUDENT_ID")
    return top


def _common(p: argparse.ArgumentParser) -> None:
    """Seeds, device, cache and budget: every command that grades takes them."""
    _seeds_and_device(p)
    p.add_argument("--no-cache", action="store_true", help="ignore the oracle cache")
    _add_budget(p)


def _seeds_and_device(p: argparse.ArgumentParser) -> None:
    from graders.engine import PUBLIC_SEED

    p.add_argument("--seed", type=_seed, default=PUBLIC_SEED, help="seed of the public cases")
    p.add_argument(
        "--hidden-seed",
        type=_seed,
        default=None,
        help="seed of the hidden cases (default: $GRADER_HIDDEN_SEED)",
    )
    p.add_argument(
        "--device",
        default="cpu",
        choices=("cpu", "cuda", "auto"),
        help="where torch computes the expected values",
    )


def _speed(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--efficiency",
        action="store_true",
        help="also time each function against the reference on a large input (reported)",
    )
    p.add_argument(
        "--efficiency-weight",
        type=_weight,
        default=0.0,
        metavar="W",
        help="instructors: the share of each timed item's points that needs speed within "
        "10x of the reference's (0 to 1; implies --efficiency; default 0)",
    )


def _per_student(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--hidden-seed-from",
        metavar="STUDENT_ID",
        default=None,
        help="derive the hidden seed from this student's id and $GRADER_COURSE_SECRET",
    )


def _only(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--only",
        action="append",
        default=None,
        metavar="PATTERN",
        help="grade only items matching this glob or module (repeatable)",
    )


def _grade_parser(sub: Any) -> None:
    from graders.report import FORMATS

    g = sub.add_parser(
        "grade", help="grade a submission (a folder, a .zip, a notebook or a single .py)"
    )
    g.add_argument("submission", nargs="?", type=Path, default=DEFAULT_SUBMISSION)
    g.add_argument("--format", default="text", choices=FORMATS)
    g.add_argument(
        "--output", default="-", help="write the report here (default: standard output, '-')"
    )
    g.add_argument(
        "--fail-under",
        type=_fail_under,
        default=None,
        metavar="SCORE",
        help="exit 1 when the score is below SCORE points (or SCORE%% of the maximum)",
    )
    g.add_argument(
        "--fail-on-grader-error",
        action="store_true",
        help="exit 3 when the grader failed on some item (its fault, not the submission's: "
        "a CI job then fails instead of publishing the score); the report is written first",
    )
    g.add_argument(
        "--hidden-visibility",
        default="after_published",
        choices=("after_published", "after_due_date", "hidden", "visible"),
        help="gradescope format: when students see the hidden cases' tests",
    )
    _per_student(g)
    _only(g)
    _common(g)
    _speed(g)


def _hidden_seed(value: int | None, student_id: str | None = None) -> int | None:
    """The hidden seed: --hidden-seed, else one derived from --hidden-seed-from, else
    $GRADER_HIDDEN_SEED, else None (hidden cases not run)."""
    if value is not None and student_id is not None:
        raise UsageError("give --hidden-seed or --hidden-seed-from, not both")
    if value is not None:
        return value
    if student_id is not None:
        from graders import seeds

        try:
            return seeds.student_seed(seeds.course_secret(), student_id)
        except seeds.SeedError as exc:
            raise UsageError(f"--hidden-seed-from: {exc}") from None
    env = os.environ.get("GRADER_HIDDEN_SEED", "").strip()
    if not env:
        return None
    try:
        return _seed(env)
    except argparse.ArgumentTypeError as exc:
        raise UsageError(f"GRADER_HIDDEN_SEED: {exc}") from None


def cmd_grade(args: argparse.Namespace) -> int:
    from graders import engine, output, registry
    from graders.report import renderer

    items = registry.select(args.only)
    if not items:
        raise UsageError(
            f"--only {' '.join(args.only)} matches no item (see python -m graders list)"
        )
    dest = output.destination(args.output, protect=[args.submission])
    hidden_seed = _hidden_seed(args.hidden_seed, args.hidden_seed_from)
    try:
        result = engine.grade(
            args.submission,
            items,
            seed=args.seed,
            hidden_seed=hidden_seed,
            device=args.device,
            use_cache=not args.no_cache,
            sandbox=args.sandbox,
            budget=args.budget,
            efficiency=args.efficiency,
            efficiency_weight=args.efficiency_weight,
        )
    except engine.SubmissionError as exc:  # still a valid report (score 0, and why), exit 2
        if args.format == "github":  # Classroom gets a result: 0 points, and why
            from graders.report import github

            github.write_error(str(exc), sum(item.points for item in items))
        elif args.output != "-":
            dest.write(renderer(args.format)(engine.unusable(args.submission, items, str(exc))))
        raise
    if args.format == "text":
        from graders.report import text

        dest.write(text.render(result, color=dest.isatty))
    elif args.format == "gradescope":
        render = renderer(args.format)
        dest.write(render(result, hidden_visibility=args.hidden_visibility))  # type: ignore[call-arg]
    else:
        dest.write(renderer(args.format)(result))
    _say_grader_errors(result)
    status = 0
    if args.fail_under is not None:
        value, percent = args.fail_under
        threshold = value * result.max_score / 100 if percent else value
        if result.score < threshold:
            print(
                f"graders: score {result.score:g}/{result.max_score:g} is below --fail-under "
                f"{value:g}{'%' if percent else ''}",
                file=sys.stderr,
            )
            status = 1
    if args.fail_on_grader_error and result.grader_errors:
        status = 3  # the grader's failure first: the score itself is not to be trusted
    return status


def _say_grader_errors(result: SubmissionResult) -> None:
    """One line on stderr when the grader failed on some item (its points are lost, through
    no fault of the submission's): whoever reads the job's log sees it, whatever the format."""
    broken = [i.name for i in result.grader_errors]
    if broken:
        shown = ", ".join(broken[:5]) + (f" and {len(broken) - 5} more" if len(broken) > 5 else "")
        print(
            f"graders: the grader failed on {len(broken)} item(s) ({shown}): a fault of the "
            "grader's, not the submission's; the report says why",
            file=sys.stderr,
        )


def cmd_repro(args: argparse.Namespace) -> int:
    """One case, run again, with everything about it (``graders.report.repro``)."""
    from graders import engine, judge, oracle, registry
    from graders.registry import build_cases
    from graders.report import repro as repro_report
    from graders.sandbox import Sandbox

    item = registry.BY_NAME.get(args.item)
    if item is None:
        raise UsageError(f"unknown item '{args.item}' (see python -m graders list)")
    hidden = args.case.startswith("hidden/")
    hseed = _hidden_seed(args.hidden_seed, args.hidden_seed_from)
    if hidden and hseed is None:
        raise UsageError(
            "a hidden case needs --hidden-seed, --hidden-seed-from or GRADER_HIDDEN_SEED"
        )
    cases = build_cases(item, hseed if hidden else args.seed, hidden=hidden)  # type: ignore[arg-type]
    case = next((c for c in cases if c.name == args.case), None)
    if case is None:
        names = ", ".join(c.name for c in cases)
        raise UsageError(f"{item.name} has no case '{args.case}' (cases: {names})")
    dev = oracle.resolve_device(args.device)
    p = engine.Plan(item, [case], 0)
    with engine.prepared(args.submission) as sub, Sandbox(parallel=1) as box:
        problems = engine.modules_of(sub, [item])
        got = engine.run(box, [p], sub.root, problems)[item.name][0].run.result().cases[0]
        copies = [box.copy_of(sub.root)]
        got.error = sub.display(got.error, also=copies) if got.error else None
        got.stdout, got.stderr = (sub.display(t, also=copies) for t in (got.stdout, got.stderr))
    exp = item.oracle(case, dev)
    repro = engine.repro_command(str(args.submission), item, case, args.seed)
    result = judge.judge_case(item, case, got, exp, dev, repro)
    sys.stdout.write(repro_report.render(item, case, exp, got, result, dev))
    return 0


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--jobs takes a number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("--jobs must be at least 1")
    return value


def _batch_parser(sub: Any) -> None:
    from graders.engine import PUBLIC_SEED

    b = sub.add_parser(
        "batch",
        help="grade a class: every entry of ROOT (folders, zips, notebooks, .py files)",
        description="Grade every entry of a class folder into a gradebook (scores.csv, a "
        "record, the feedback and a page per student) and a class report.  Hidden cases "
        "per student when $GRADER_COURSE_SECRET is set (else --hidden-seed or "
        "$GRADER_HIDDEN_SEED for all, else public cases only).",
    )
    b.add_argument("root", type=Path, help="the class folder: one entry per student")
    b.add_argument("--output-dir", type=Path, required=True, help="where the gradebook goes")
    b.add_argument(
        "--jobs", type=_jobs, default=cpus.usable(), help="cores to grade on (default: "
        "the CPUs this grader may use, a container's quota counted): students' code runs in "
        "as many sandbox children, one student more in flight",
    )  # fmt: skip
    b.add_argument("--resume", action="store_true", help="continue a partial --output-dir")
    b.add_argument(
        "--student", action="append", default=None, metavar="NAME",
        help="grade (again) only this entry or student id (repeatable); the rest of the "
        "gradebook stays",
    )  # fmt: skip
    b.add_argument(
        "--dask", metavar="ADDRESS", default=None,
        help="grade on this Dask scheduler (tcp://host:8786) instead of this machine",
    )  # fmt: skip
    b.add_argument(
        "--template", type=Path, default=DEFAULT_SUBMISSION,
        help="the student template, left out of the code similarity (default: %(default)s)",
    )  # fmt: skip
    b.add_argument("--no-html", action="store_true", help="no HTML page per student")
    b.add_argument("--only", action="append", default=None, metavar="PATTERN")
    b.add_argument("--seed", type=_seed, default=PUBLIC_SEED, help="seed of the public cases")
    b.add_argument(
        "--hidden-seed", type=_seed, default=None,
        help="one hidden seed for every student (default: per student from "
        "$GRADER_COURSE_SECRET, else $GRADER_HIDDEN_SEED)",
    )  # fmt: skip
    b.add_argument("--device", default="cpu", choices=("cpu", "cuda", "auto"))
    b.add_argument("--no-cache", action="store_true", help="ignore the oracle cache")
    _add_budget(b)
    _speed(b)


def _batch_hidden(value: int | None) -> Any:
    """Each student's hidden seed: --hidden-seed for all; else per student from the course
    secret; else $GRADER_HIDDEN_SEED for all; else none."""
    from graders import seeds
    from graders.batch.runner import Hidden

    if value is not None:
        return Hidden("one seed", seed=value)
    with contextlib.suppress(seeds.SeedError):
        return Hidden("per student", secret=seeds.course_secret())
    env = _hidden_seed(None)
    return Hidden("one seed", seed=env) if env is not None else Hidden()


def _batch_needs(dask: bool) -> None:
    """The batch extra's packages, checked before anything is graded."""
    import importlib.util

    wanted = ["copydetect", "matplotlib", *(["distributed"] if dask else [])]
    missing = [name for name in wanted if importlib.util.find_spec(name) is None]
    if missing:
        raise UsageError(f"graders batch needs {', '.join(missing)}: pip install 'dlgrade[batch]'")


def cmd_batch(args: argparse.Namespace) -> int:
    """Grade every entry of ``root`` (a folder, a zip, a notebook or a .py: every entry is a row
    of ``scores.csv``, with its error if it cannot be graded); see graders/batch/."""
    from graders import oracle, output, registry
    from graders.batch import BatchError, runner
    from graders.batch.task import Settings

    if not args.root.is_dir():
        raise UsageError(f"'{args.root}' is not a directory of submissions")
    items = registry.select(args.only)
    if not items:
        raise UsageError(f"--only {' '.join(args.only)} matches no item")
    _batch_needs(args.dask is not None)
    if args.template != DEFAULT_SUBMISSION and not args.template.is_dir():
        raise UsageError(f"--template {args.template}: not a folder")
    oracle.resolve_device(args.device)  # (a missing GPU is said now, not per student)
    again = args.resume or bool(args.student)
    out = output.output_dir(args.output_dir, resume=again, protect=[args.root])
    settings = Settings(
        items=tuple(i.name for i in items),
        seed=args.seed,
        device=args.device,
        use_cache=not args.no_cache,
        parallel=None if args.dask else args.jobs,
        html=not args.no_html,
        template=str(args.template.resolve()) if args.template.exists() else None,
        budget=args.budget,
        efficiency=args.efficiency,
        efficiency_weight=args.efficiency_weight,
    )
    run = runner.Run(
        root=args.root,
        out=out,
        settings=settings,
        hidden=_batch_hidden(args.hidden_seed),
        jobs=args.jobs,
        dask=args.dask,
        resume=args.resume,
        students=tuple(args.student or ()),
    )
    try:
        runner.run_class(run)
    except BatchError as exc:
        raise UsageError(str(exc)) from None
    return 0


def cmd_prefill(args: argparse.Namespace) -> int:
    """The selected items' expected values (public, and hidden of the hidden seed if one is
    given) computed into the oracle cache, by torch in this process (no student code runs)."""
    from graders import oracle, registry

    items = registry.select(args.only)
    if not items:
        raise UsageError(
            f"--only {' '.join(args.only)} matches no item (see python -m graders list)"
        )
    seeds = (args.seed, _hidden_seed(args.hidden_seed, args.hidden_seed_from))
    device = oracle.resolve_device(args.device)
    try:
        computed, present = oracle.prefill(items, seeds, device, oracle.CACHE_DIR)
    except OSError as exc:
        why = exc.strerror or str(exc)
        raise UsageError(f"cannot write the oracle cache {oracle.CACHE_DIR}: {why}") from None
    hidden = "public and hidden" if seeds[1] is not None else "public"
    print(
        f"graders: oracle cache {oracle.CACHE_DIR}: {len(items)} items ({hidden} cases, "
        f"{device}): {computed} parts computed, {present} already there"
    )
    return 0


def cmd_list(_: argparse.Namespace) -> int:
    from graders import registry

    for item in registry.ITEMS:
        print(f"{item.name:50s} {item.points:g}")
    print(f"{'total':50s} {sum(i.points for i in registry.ITEMS):g}")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    """One line per student: the id, a tab, the hidden seed (for a regrade or a repro)."""
    from graders import seeds

    try:
        secret = seeds.course_secret()
        rows = [(sid, seeds.student_seed(secret, sid)) for sid in args.student_ids]
    except seeds.SeedError as exc:
        raise UsageError(str(exc)) from None
    for sid, value in rows:
        print(f"{sid}\t{value}")
    return 0


def _early_sandbox(argv: list[str]) -> Any:
    """For ``grade``, the sandbox started before the rest of the grader is even imported (its
    zygote needs about 0.1 s to be ready); None otherwise or if it cannot start here (then the
    engine starts one and reports why not)."""
    if argv[:1] != ["grade"] or {"-h", "--help"} & set(argv):
        return None
    from graders.sandbox import Sandbox

    try:
        return Sandbox()
    except Exception:
        return None


class Stopped(BaseException):
    """SIGTERM, SIGHUP (or SIGINT, as KeyboardInterrupt): unwind, cleaning up on the way."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, frame: object) -> None:
    raise Stopped(signum)


def main(argv: list[str] | None = None) -> int:
    """The command line.  A signal that ends a CI job (SIGTERM, SIGHUP, SIGINT) unwinds the
    grading: the sandbox's children and zygote, the oracle's process and its workers and every
    scratch copy are removed, and the exit status is 128 + the signal's number."""
    argv = sys.argv[1:] if argv is None else list(argv)
    for stopping in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stopping, _stop)
    early = _early_sandbox(argv)
    from graders.oracle import DeviceError
    from graders.output import OutputError
    from graders.sandbox import SandboxError
    from graders.submission import SubmissionError

    try:
        args = _parser().parse_args(argv)
        args.sandbox = early
        commands = {
            "grade": cmd_grade,
            "repro": cmd_repro,
            "batch": cmd_batch,
            "list": cmd_list,
            "prefill": cmd_prefill,
            "seed": cmd_seed,
        }
        return commands[args.command](args)
    except (UsageError, SubmissionError, DeviceError, OutputError) as exc:
        from graders.text import clean  # (a message may quote a submission's file names)

        print(f"graders: error: {clean(str(exc), one_line=True)}", file=sys.stderr)
        return 2
    except SandboxError as exc:
        print(f"graders: sandbox failure: {exc}", file=sys.stderr)
        return 3
    except (KeyboardInterrupt, Stopped) as exc:
        signum = exc.signum if isinstance(exc, Stopped) else int(signal.SIGINT)
        print(f"graders: stopped by {signal.Signals(signum).name}", file=sys.stderr)
        return 128 + signum
    except BrokenPipeError:  # the reader went away (`... | head`): say nothing more
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    finally:
        if early is not None:  # (a no-op once the engine has closed it)
            early.close()
