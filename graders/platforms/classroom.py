"""GitHub Classroom (and any GitHub Actions CI): a template repository that grades on push.

``dist/classroom-template/`` is the student kit (:mod:`graders.platforms.kit`) with the modules
at the root, plus ``.github/workflows/classroom.yml``: it installs the pinned grader and runs
``python -m graders grade . --format github`` in a step of its own (id ``dlgrade``), which
writes annotations, the job summary and ``result=<base64 JSON>`` to ``$GITHUB_OUTPUT``; the
workflow hands that result to ``classroom-resources/autograding-grading-reporter`` as
``DLGRADE_RESULTS``, and Classroom records the weighted points.  ``.gitlab-ci.yml`` does the
same on GitLab, as a JUnit report.  Public cases only: a student repository can hold no
secret from its student.
"""

from __future__ import annotations

import shlex
from pathlib import Path

from graders.platforms import TORCH_INDEX, student_files, template, write_tree
from graders.platforms.kit import kit_files

WORKFLOW = ".github/workflows/classroom.yml"
GITLAB = ".gitlab-ci.yml"
STEP_ID = "dlgrade"


def template_files(only: list[str] | None = None) -> dict[str, bytes]:
    """The repository's files, by path."""
    flags = "".join(f" --only {shlex.quote(p)}" for p in only or [])
    workflow = template(
        "classroom.yml", torch_index=TORCH_INDEX, grade_flags=flags, step_id=STEP_ID
    )
    gitlab = template("gitlab-ci.yml", torch_index=TORCH_INDEX, grade_flags=flags)
    return {
        **kit_files("."),
        **student_files(""),
        WORKFLOW: workflow.encode(),
        GITLAB: gitlab.encode(),
    }


def build(out: Path, only: list[str] | None = None) -> Path:
    """Write the template repository to the directory ``out`` (replacing it)."""
    write_tree(out, template_files(only), frozenset())
    return out
