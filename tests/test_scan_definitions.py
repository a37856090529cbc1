"""Where a function is defined (``scan.function_line``), found once per file by ``ast``."""

from __future__ import annotations

from pathlib import Path

from graders import scan

SOURCE = """\
def relu(x):
    return x


class Adam:
    def step(self):
        pass

    def zero_grad(self):
        pass


def relu(x):  # a later definition wins, as at run time
    return x


class SGD:
    def step(self):
        pass


class SGD:  # redefined without step: SGD.step is gone
    pass
"""


def test_function_lines(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(SOURCE)
    line = lambda name: scan.function_line(path, name)  # noqa: E731
    assert line("relu") == 13
    assert (line("Adam"), line("Adam.step"), line("Adam.zero_grad")) == (5, 6, 9)
    assert line("Adam.nope") == 5  # the enclosing class when only it is found
    assert line("SGD.step") == 22
    assert line("missing") == 0


def test_a_file_that_does_not_parse_has_no_lines(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text("def relu(x:\n")
    assert scan.function_line(path, "relu") == 0
    assert scan.function_line(tmp_path / "absent.py", "relu") == 0
