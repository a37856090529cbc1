"""Platform adapters: what a course hands to Gradescope, GitHub Classroom and its students.

Each builder is a thin function from the repository to one artefact under ``dist/``:

* :mod:`~graders.platforms.gradescope`: the autograder zip (``setup.sh``, ``run_autograder``,
  the grader, the pinned requirements and a config holding the hidden seed or course secret),
  and ``run``, what ``run_autograder`` calls inside Gradescope's container;
* :mod:`~graders.platforms.classroom`: a template repository with the workflow that grades on
  every push and reports weighted points to GitHub Classroom;
* :mod:`~graders.platforms.kit`: the student kit (template, grader with public cases only,
  Makefile, README).

No artefact holds ``reference/`` or ``tools/``.  Builds are reproducible: files in sorted order,
zips with fixed timestamps and permissions.  This module holds what the builders share.
"""

from __future__ import annotations

import re
import shutil
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
TEMPLATES = Path(__file__).resolve().parent / "templates"
#: The CPU-only wheels of torch: no CUDA libraries (gigabytes) in an image that has no GPU.
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"
#: A fixed time for every zip entry (the earliest a zip can hold), so builds are byte-identical.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
#: The student's modules, in teaching order (the files of student_template/ but __init__.py).
STUDENT_MODULES = ("activations", "initializers", "losses", "optimizers", "layers")


class BuildError(ValueError):
    """A build cannot be made as asked (one line, exit 2)."""


def template(name: str, **values: str) -> str:
    """A file of ``templates/`` with each ``{{key}}`` replaced; every placeholder must be given."""
    text = (TEMPLATES / name).read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    left = re.findall(r"\{\{\w+\}\}", text)
    if left:
        raise BuildError(f"template {name}: no value for {', '.join(sorted(set(left)))}")
    return text


def grader_files(platforms: bool, mistakes: bool = False) -> dict[str, bytes]:
    """The grader's sources (``graders/**/*.py``), by path; ``platforms`` adds this package,
    ``mistakes`` the catalogue of known mistakes (left out of every artefact: its code is the
    reference's with one line wrong, so it holds solution text; without it the grader names no
    known mistake, and grades the same)."""
    base = ROOT / "graders"
    files = {}
    left_out = ([] if platforms else ["graders/platforms/"]) + (
        [] if mistakes else ["graders/mistakes/"]
    )
    for path in sorted(base.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if "__pycache__" in rel or rel.startswith(tuple(left_out)):
            continue
        files[rel] = path.read_bytes()
    return files


def student_files(prefix: str) -> dict[str, bytes]:
    """The generated template's modules, under ``prefix`` ('' for a repository's root)."""
    return {
        f"{prefix}{m}.py": (ROOT / "student_template" / f"{m}.py").read_bytes()
        for m in STUDENT_MODULES
    }


def _constraints() -> dict[str, str]:
    """Canonical name -> ``name==version`` line of constraints.txt."""
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if "==" in line:
            name = line.split("==", 1)[0].strip()
            pins[_canonical(name)] = line
    return pins


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirements(extra: tuple[str, ...] = ()) -> list[str]:
    """Every package the grader needs at run time (the project's dependencies and ``extra``,
    with everything they require, as installed here for Python 3.11 on Linux), pinned as in
    constraints.txt and sorted; torch is left out (it comes from :data:`TORCH_INDEX`)."""
    from importlib import metadata

    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    marker_env = {
        "python_version": "3.11",
        "python_full_version": "3.11.0",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "platform_machine": "x86_64",
        "os_name": "posix",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "extra": "",
    }
    todo = [Requirement(r) for r in [*project["project"]["dependencies"], *extra]]
    seen: set[str] = set()
    while todo:
        req = todo.pop()
        name = _canonical(req.name)
        if name in seen or (req.marker is not None and not req.marker.evaluate(marker_env)):
            continue
        seen.add(name)
        try:
            todo.extend(Requirement(r) for r in metadata.requires(req.name) or [])
        except metadata.PackageNotFoundError:
            raise BuildError(f"{req.name} is not installed here (make .venv/.installed)") from None
    pins = _constraints()
    missing = sorted(n for n in seen if n not in pins)
    if missing:
        raise BuildError(f"constraints.txt pins no version of {', '.join(missing)}")
    return sorted((pins[n] for n in seen if n != "torch"), key=str.lower)


def write_zip(path: Path, files: dict[str, bytes], executables: frozenset[str]) -> None:
    """A byte-reproducible zip: sorted entries, fixed time, 0755 for ``executables``, else 0644."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # unix, so the permissions below are honoured
            info.external_attr = (0o100755 if name in executables else 0o100644) << 16
            zf.writestr(info, files[name])
    tmp.replace(path)


def write_tree(directory: Path, files: dict[str, bytes], executables: frozenset[str]) -> None:
    """Replace ``directory`` by exactly ``files`` (``executables`` get mode 0755)."""
    if directory.exists():
        shutil.rmtree(directory)
    for name in sorted(files):
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(files[name])
        target.chmod(0o755 if name in executables else 0o644)
