"""pytest plugin: ``pytest --dlgrade[=SUBMISSION]`` grades a submission as tests.

Every registry item is a collector on the student's own module file and each of its cases a
test: ``student_template/activations.py::relu::correctness-1`` (a zip, notebook or single-file
submission holds the items directly: ``sub.zip::activations.relu::correctness-1``).  The first
test that runs grades every selected item at once through :func:`graders.engine.grade`, the
same engine and sandbox as ``python -m graders grade``; each test then reports its case's
verdict, and a failure shows the very lines the text report prints for that case
(:func:`graders.report.feedback.case_lines`), pointing at the line of the student's function.
Nothing of the student's runs in the pytest process.

Registered through the ``pytest11`` entry point; inactive unless ``--dlgrade`` is given.  With
``--dlgrade`` and no paths on the command line, pytest collects only the submission.  Options:
``--dlgrade-only PATTERN`` (as ``--only``), ``--dlgrade-seed N``; hidden cases are added when
``GRADER_HIDDEN_SEED`` is set.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from graders.cli import DEFAULT_SUBMISSION

_STATE = pytest.StashKey["_State"]()


class DlgradeFailure(Exception):
    """A case that did not pass: its message is the report's feedback for the case."""


class _State:
    """The submission, the selected items, and the grading result once it exists."""

    def __init__(self, submission: Path, only: list[str] | None, seed: int) -> None:
        from graders import registry

        self.submission = submission
        self.items = registry.select(only)
        self.seed = seed
        env = os.environ.get("GRADER_HIDDEN_SEED", "").strip()
        self.hidden_seed = int(env, 0) if env else None
        self.result: Any = None
        self.error: str | None = None

    def cases(self, item: Any) -> list[Any]:
        """The item's cases, as the engine plans them."""
        from graders.registry import build_cases

        cases = build_cases(item, self.seed, hidden=False)
        if self.hidden_seed is not None:
            cases += build_cases(item, self.hidden_seed, hidden=True)
        return cases

    def module_path(self, module: str) -> Path | None:
        """Where a directory submission keeps ``module``: at its top, else one folder down."""
        top = self.submission / f"{module}.py"
        if top.is_file():
            return top
        nested = sorted(self.submission.glob(f"*/{module}.py"))
        return nested[0] if len(nested) == 1 else None

    def grade(self, session: pytest.Session) -> None:
        """Grade, once, every item that has a test in this session."""
        if self.result is not None or self.error is not None:
            return
        from graders import engine

        wanted = {i.item.name for i in session.items if isinstance(i, DlgradeCase)}
        items = [item for item in self.items if item.name in wanted]
        try:
            self.result = engine.grade(
                self.submission, items, seed=self.seed, hidden_seed=self.hidden_seed
            )
        except engine.SubmissionError as exc:
            self.error = str(exc)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dlgrade", "grade a NumPy submission against PyTorch")
    group.addoption(
        "--dlgrade",
        nargs="?",
        const=str(DEFAULT_SUBMISSION),
        default=None,
        metavar="SUBMISSION",
        help="collect every graded item of SUBMISSION (default student_template/) as tests",
    )
    group.addoption(
        "--dlgrade-only",
        action="append",
        default=None,
        metavar="PATTERN",
        help="only the items matching this glob or module (repeatable)",
    )
    group.addoption("--dlgrade-seed", type=int, default=None, help="seed of the public cases")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "dlgrade(category): a case graded by the dlgrade plugin")
    value = config.getoption("dlgrade")
    if value is None:
        return
    from graders import registry
    from graders.engine import PUBLIC_SEED

    path = (config.invocation_params.dir / value).resolve()
    if not path.exists():
        raise pytest.UsageError(f"--dlgrade: submission '{value}' does not exist")
    only = config.getoption("dlgrade_only")
    if not registry.select(only):
        raise pytest.UsageError(f"--dlgrade-only {' '.join(only)} matches no item")
    seed = config.getoption("dlgrade_seed")
    try:
        state = _State(path, only, PUBLIC_SEED if seed is None else seed)
    except ValueError:
        raise pytest.UsageError("GRADER_HIDDEN_SEED must be an integer") from None
    config.stash[_STATE] = state
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        config.args[:] = [str(path)]  # no paths given: the submission is the whole session


@pytest.hookimpl(tryfirst=True)
def pytest_collect_directory(path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """The submission's folders as plain directories (never a Package: no ``__init__.py`` of
    the student's is imported here)."""
    state = parent.config.stash.get(_STATE, None)
    if state is None or not state.submission.is_dir():
        return None
    if path == state.submission or state.submission in path.parents:
        return pytest.Dir.from_parent(parent, path=path)
    return None


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Inside the submission only its graded modules are collected: no other file of the
    student's (``__init__.py``, helpers, their own tests) is imported into this process."""
    state = config.stash.get(_STATE, None)
    if state is None or not state.submission.is_dir() or collection_path.is_dir():
        return None
    if state.submission not in collection_path.parents:
        return None
    stem = collection_path.stem
    graded = any(item.module == stem for item in state.items)
    return None if graded and state.module_path(stem) == collection_path else True


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> Any:
    """A graded module (or a single-file submission) is collected by this plugin alone: the
    python plugin would import a module named on the command line into this process."""
    collectors = yield
    state = parent.config.stash.get(_STATE, None)
    if state is None:
        return collectors
    if file_path == state.submission:  # a zip, a notebook, a single .py
        return [DlgradeFile.from_parent(parent, path=file_path, module=None)]
    graded = any(item.module == file_path.stem for item in state.items)
    if graded and file_path.suffix == ".py" and state.module_path(file_path.stem) == file_path:
        return [DlgradeFile.from_parent(parent, path=file_path, module=file_path.stem)]
    return collectors


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    state = config.stash.get(_STATE, None)
    if state is None or (state.result is None and state.error is None):
        return
    from graders.report import summary_line

    line = state.error or summary_line(state.result)
    terminalreporter.write_sep("-", "dlgrade")
    terminalreporter.write_line(line)


class DlgradeFile(pytest.File):
    """A student's module (its items), or a whole single-file submission (every item)."""

    def __init__(self, *, module: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.module = module

    def collect(self) -> list[DlgradeItem]:
        state = self.config.stash[_STATE]
        return [
            DlgradeItem.from_parent(
                self, name=item.name.split(".", 1)[1] if self.module else item.name, item=item
            )
            for item in state.items
            if self.module is None or item.module == self.module
        ]


class DlgradeItem(pytest.Collector):
    """One registry item; its cases are its tests."""

    def __init__(self, *, item: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.item = item

    def collect(self) -> list[DlgradeCase]:
        state = self.config.stash[_STATE]
        return [
            DlgradeCase.from_parent(self, name=case.name, item=self.item, case=case)
            for case in state.cases(self.item)
        ]


class DlgradeCase(pytest.Item):
    """One case: passes or fails as the grader judged it."""

    def __init__(self, *, item: Any, case: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.item, self.case = item, case
        self.add_marker(pytest.mark.dlgrade(category=str(case.category)))

    def runtest(self) -> None:
        from graders.report.feedback import case_lines

        state = self.config.stash[_STATE]
        state.grade(self.session)
        if state.error is not None:
            raise DlgradeFailure(state.error)
        item = next(i for i in state.result.items if i.name == self.item.name)
        got = next(c for c in item.cases if c.name == self.case.name)
        if got.passed:
            return
        lines = case_lines(got)
        lines.append(f"  {item.name} is defined at {item.location or '(not found)'}")
        if item.note:
            lines.append(item.note)
        for label, tail in (("stdout", item.stdout_tail), ("stderr", item.stderr_tail)):
            if tail.strip():
                lines.append(f"[your code's {label}, last lines]\n{tail.rstrip()}")
        raise DlgradeFailure("\n".join(lines))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, DlgradeFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        from graders.scan import function_line

        line = function_line(self.path, self.item.attr) if self.path.suffix == ".py" else 0
        return self.path, max(line - 1, 0), f"{self.item.name}::{self.case.name}"
