"""Gradescope: build the autograder zip, and run it inside Gradescope's container.

The zip holds, at its root, ``setup.sh`` (Gradescope runs it once when it builds the image:
Python 3.11, torch from its CPU-only index, every other package pinned from constraints.txt, so
nothing is downloaded while grading), ``run_autograder`` (a few lines that call :func:`run`),
``requirements.txt``, the grader and :data:`CONFIG` (the hidden seed, or the course secret that
derives one per student; the selected items; when hidden cases become visible).  No
``reference/``.

:func:`run` grades ``<root>/submission`` in any form the command line accepts and always leaves
``<root>/results/results.json``, even when the submission cannot be graded or the grader fails
(then 0 points and a line saying why).  ``root`` is ``/autograder`` on Gradescope; the scripts
take ``DLGRADE_AUTOGRADER_ROOT`` (and ``DLGRADE_PYTHON``) so a test can stand in for it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from graders.platforms import (
    TORCH_INDEX,
    BuildError,
    grader_files,
    requirements,
    template,
    write_zip,
)

CONFIG = "dlgrade-config.json"
EXECUTABLES = frozenset({"setup.sh", "run_autograder"})
#: Seconds the grading may take before run() gives up and reports it (Gradescope's own limit,
#: set per assignment, is 10 minutes by default).
TIMEOUT = 480.0
VISIBILITIES = ("after_due_date", "after_published", "hidden")


def config(
    *,
    hidden_seed: int | None,
    course_secret: str | None,
    only: list[str] | None = None,
    hidden_visibility: str = "after_published",
) -> dict[str, Any]:
    """The bundle's config: exactly one of a course-wide ``hidden_seed`` and a per-student
    ``course_secret`` (seeds by HMAC of the student's Gradescope id, see graders.seeds)."""
    if (hidden_seed is None) == (not course_secret):
        raise BuildError(
            "a Gradescope bundle needs $GRADER_COURSE_SECRET (per-student hidden seeds) "
            "or $GRADER_HIDDEN_SEED (one hidden seed for the course), exactly one"
        )
    if hidden_visibility not in VISIBILITIES:
        raise BuildError(f"hidden visibility must be one of {', '.join(VISIBILITIES)}")
    if hidden_seed is not None and not 0 <= hidden_seed < 2**63:
        raise BuildError("the hidden seed must be between 0 and 2**63 - 1")
    return {
        "hidden_seed": hidden_seed,
        "course_secret": course_secret or None,
        "only": list(only or []),
        "hidden_visibility": hidden_visibility,
    }


def bundle_files(conf: dict[str, Any]) -> dict[str, bytes]:
    """Everything in the zip, by path."""
    reqs = requirements()
    files = {
        "setup.sh": template("setup.sh", torch_index=TORCH_INDEX).encode(),
        "run_autograder": template("run_autograder").encode(),
        "requirements.txt": ("\n".join(reqs) + "\n").encode(),
        CONFIG: (json.dumps(conf, indent=2, sort_keys=True) + "\n").encode(),
        **grader_files(platforms=True),
    }
    return files


def build(out: Path, conf: dict[str, Any]) -> Path:
    """Write the autograder zip to ``out``."""
    write_zip(out, bundle_files(conf), EXECUTABLES)
    return out


# ---------------------------------------------------------------------------- in the container
def _student_id(root: Path) -> str:
    """The submitters' Gradescope ids (``users[].id``), one id for a group (graders.seeds)."""
    from graders import seeds

    try:
        meta = json.loads((root / "submission_metadata.json").read_text(encoding="utf-8"))
        return seeds.group_id(u.get("id") for u in meta.get("users") or [])
    except (OSError, ValueError, AttributeError, TypeError):
        print("dlgrade: no usable submission_metadata.json; hidden seed of id 'anonymous'")
        return "anonymous"


def _hidden_seed(conf: dict[str, Any], root: Path) -> tuple[int, str]:
    """(seed, whose) for this submission."""
    from graders import seeds

    if conf.get("course_secret"):
        who = _student_id(root)
        return seeds.student_seed(conf["course_secret"], who), who
    return int(conf["hidden_seed"]), "course"


def _max_score(only: list[str]) -> float:
    try:
        from graders import registry

        return float(sum(i.points for i in registry.select(only or None)))
    except Exception:  # the failure report must not fail too
        return 0.0


def failure(message: str, max_score: float, elapsed: float) -> dict[str, Any]:
    """results.json when no grading result exists: 0 points and why."""
    return {
        "score": 0.0,
        "execution_time": round(elapsed, 3),
        "output": f"**Your submission could not be graded.**\n\n{message}",
        "output_format": "md",
        "test_output_format": "md",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [
            {
                "name": "submission",
                "number": "0",
                "score": 0.0,
                "max_score": max_score,
                "status": "failed",
                "output": message,
                "output_format": "md",
                "visibility": "visible",
            }
        ],
    }


def prefill(root: Path) -> str:
    """Run by ``setup.sh`` when Gradescope builds the image: the expected values every
    submission needs, computed into the oracle cache once (the public cases, and the hidden ones
    when the course has one hidden seed), so that grading a submission need not import torch
    for them.  Returns a line saying what it did."""
    from graders import engine, oracle, registry

    conf = json.loads((root / "source" / CONFIG).read_text(encoding="utf-8"))
    items = registry.select(list(conf.get("only") or []) or None)
    hidden = None if conf.get("course_secret") else int(conf["hidden_seed"])
    computed, _ = oracle.prefill(items, (engine.PUBLIC_SEED, hidden), "cpu", oracle.CACHE_DIR)
    which = "public and hidden" if hidden is not None else "public (hidden: per student)"
    return f"dlgrade: oracle cache filled: {computed} parts of {len(items)} items, {which} cases"


def run(root: Path, timeout: float = TIMEOUT) -> int:
    """Grade ``root/submission`` into ``root/results/results.json``; always 0 (Gradescope
    shows the results file, not the exit status)."""
    t0 = time.monotonic()
    results = root / "results" / "results.json"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.unlink(missing_ok=True)
    only: list[str] = []
    try:
        conf = json.loads((root / "source" / CONFIG).read_text(encoding="utf-8"))
        only = list(conf.get("only") or [])
        seed, who = _hidden_seed(conf, root)
        env = {k: v for k, v in os.environ.items() if k != "GRADER_COURSE_SECRET"}
        env["GRADER_HIDDEN_SEED"] = str(seed)  # (not on the command line: no `ps` shows it)
        cmd = [sys.executable, "-m", "graders", "grade", str(root / "submission")]
        cmd += ["--format", "gradescope", "--output", str(results)]
        cmd += ["--hidden-visibility", conf.get("hidden_visibility", "after_published")]
        for pattern in only:
            cmd += ["--only", pattern]
        print(f"dlgrade: grading with the hidden seed of {who}", flush=True)
        proc = subprocess.run(
            cmd,
            cwd=root / "source",
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        sys.stdout.write(proc.stdout + proc.stderr)
        if proc.returncode == 0:
            data = json.loads(results.read_text(encoding="utf-8"))
            data.setdefault("extra_data", {})["hidden_seed_of"] = who
            results.write_text(json.dumps(data, sort_keys=True) + "\n", encoding="utf-8")
            return 0
        last = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
        last = last.removeprefix("graders: error: ").replace(str(root / "submission"), "submission")
        if proc.returncode == 2:  # the submission's fault: tell the student exactly what
            message = last
        else:
            message = f"The autograder failed ({last}). Your instructors can see its log."
    except subprocess.TimeoutExpired:
        message = f"Grading took longer than {timeout:g} s and was stopped."
    except Exception as exc:  # the grader or its config is broken: still a results.json
        message = f"The autograder failed ({type(exc).__name__}: {exc})."
        print(f"dlgrade: {message}")
    data = failure(message, _max_score(only), time.monotonic() - t0)
    results.write_text(json.dumps(data, sort_keys=True) + "\n", encoding="utf-8")
    return 0
