"""The student kit: the template, the grader with its public cases only, a Makefile, a README.

``dist/student-kit.zip`` unpacks to ``dlgrade-student-kit/``: ``student_template/`` (the
student's modules), ``graders/`` (no hidden seed exists anywhere in it; no ``reference/``),
``requirements.txt`` (pinned; torch comes from its CPU index), a ``Makefile`` (``setup``,
``grade``, ``repro``, ``pytest``), a ``pyproject.toml`` that turns the pytest plugin on for IDEs,
and a one-page ``README.md``.  The GitHub Classroom template (:mod:`graders.platforms.classroom`)
is the same kit with the modules at the repository's root.
"""

from __future__ import annotations

from pathlib import Path

from graders.platforms import (
    TORCH_INDEX,
    grader_files,
    requirements,
    student_files,
    template,
    write_zip,
)

TOP = "dlgrade-student-kit"
#: What a student needs beyond the grader's own packages: pytest, for the plugin; matplotlib,
#: for the pictures of the HTML report.
STUDENT_EXTRA = ("pytest", "matplotlib")


def _forbidden() -> str:
    from graders.scan import FORBIDDEN_MODULES

    names = [f"`{m}`" for m in sorted(FORBIDDEN_MODULES)]
    return ", ".join(names[:-1]) + " and " + names[-1]


def kit_files(submission: str) -> dict[str, bytes]:
    """The kit's files (no top folder); ``submission`` is where the student's modules are
    (``student_template`` in the kit, ``.`` in a Classroom repository)."""
    reqs = requirements(STUDENT_EXTRA)
    return {
        "Makefile": template("kit.mk", submission=submission, torch_index=TORCH_INDEX).encode(),
        "README.md": template(
            "student-README.md", submission=submission, forbidden=_forbidden()
        ).encode(),
        "pyproject.toml": template("kit-pyproject.toml", submission=submission).encode(),
        "requirements.txt": ("\n".join(reqs) + "\n").encode(),
        ".gitignore": b".venv/\n__pycache__/\n.grader-cache/\n.pytest_cache/\ndlgrade-junit.xml\n",
        **grader_files(platforms=False),
    }


def build(out: Path) -> Path:
    """Write ``dist/student-kit.zip``."""
    files = {**kit_files("student_template"), **student_files("student_template/")}
    write_zip(out, {f"{TOP}/{name}": data for name, data in files.items()}, frozenset())
    return out
