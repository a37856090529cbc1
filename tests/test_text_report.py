"""The terminal report: colours on a terminal only, none in a file or a pipe, none with NO_COLOR."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from graders.report import text
from graders.score import CaseResult, ItemResult, SubmissionResult

ROOT = Path(__file__).resolve().parent.parent
ESC = "\x1b["


def result() -> SubmissionResult:
    case = CaseResult(
        name="basic",
        category="basic",
        weight=1.0,
        hidden=False,
        passed=False,
        status="failed",
        message="student vs torch at [0]: 1 vs 0",
    )
    ok = CaseResult(
        name="edge", category="edge", weight=1.0, hidden=False, passed=True, status="passed"
    )
    return SubmissionResult(
        submission="sub",
        items=[ItemResult(name="activations.relu", points=2.0, cases=[case, ok])],
        environment={"torch": "2.13.0", "device": "cpu", "numpy": "2", "python": "3.11"},
        sandbox={"namespaces": "on"},
        seed=1,
        hidden_seed_given=False,
    )


@pytest.fixture
def colour_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """An environment that asks for colours every other way (rich reads these)."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("FORCE_COLOR", "1")
    return monkeypatch


def test_a_terminal_gets_colours(colour_env: pytest.MonkeyPatch) -> None:
    assert ESC in text.render(result(), color=True)  # (so the tests below can fail)


@pytest.mark.parametrize("value", ["1", "true", "0"])  # any non-empty value, "0" included
def test_no_color_turns_every_escape_code_off(value: str, colour_env: pytest.MonkeyPatch) -> None:
    colour_env.setenv("NO_COLOR", value)
    out = text.render(result(), color=True)
    assert ESC not in out and "activations.relu" in out and "Score 1/2" in out


def test_an_empty_no_color_is_ignored(colour_env: pytest.MonkeyPatch) -> None:
    colour_env.setenv("NO_COLOR", "")
    assert ESC in text.render(result(), color=True)


def test_a_file_gets_no_escape_code(colour_env: pytest.MonkeyPatch) -> None:
    out = text.render(result(), color=False)
    assert ESC not in out and "\x1b" not in out and "Score 1/2" in out


def test_a_submission_named_with_escapes_is_shown_without_them() -> None:
    """In a class the submission's name is its student's (a drop-box file): the feedback's
    header shows it without escape sequences, so ``cat`` of the feedback sets no title."""
    named = result()
    named.submission = "class/evil\x1b]0;pwned\x07\x1b[31mRED\nx"
    out = text.render(named, color=False)
    assert "\x1b" not in out and "\x07" not in out
    assert out.splitlines()[0] == "Grading class/evilRED\\nx"


_RENDER = (
    "import sys; from tests.test_text_report import result; from graders.report import text; "
    "sys.stdout.write(text.render(result()))"
)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    return {**env, "TERM": "xterm-256color", "FORCE_COLOR": "1", **extra}


def test_by_default_a_pipe_gets_no_escape_code() -> None:
    out = subprocess.run(
        [sys.executable, "-c", _RENDER],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert ESC not in out.stdout and "Score 1/2" in out.stdout


@pytest.mark.parametrize(("no_color", "coloured"), [(None, True), ("1", False)])
def test_by_default_a_terminal_gets_colours_unless_no_color(
    no_color: str | None, coloured: bool
) -> None:
    leader, follower = pty.openpty()
    env = _env() if no_color is None else _env(NO_COLOR=no_color)
    proc = subprocess.Popen(
        [sys.executable, "-c", _RENDER], cwd=ROOT, env=env, stdout=follower, stderr=subprocess.PIPE
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # (EIO: the child closed the terminal)
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    assert proc.wait(timeout=120) == 0
    out = b"".join(chunks).decode()
    assert "Score 1/2" in out
    assert (ESC in out) is coloured
