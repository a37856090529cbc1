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


def test_a_source_is_read_as_python_reads_it(tmp_path: Path) -> None:
    """A UTF-8 byte order mark (Notepad writes one) or a PEP 263 ``coding`` line is how Python
    decodes a file: the scan reads it the same way -- no "syntax error" or "unreadable" finding
    for a file Python imports, and its definitions are found."""
    text = "def relu(x):\n    '''caf\u00e9'''\n    return x\n"
    files = {
        "bom.py": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "latin.py": ("# -*- coding: latin-1 -*-\n" + text).encode("latin-1"),
    }
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        compile(data, name, "exec")  # (Python itself reads both)
        assert scan.scan_file(path) == [], name
        assert scan.function_line(path, "relu") == (2 if name == "latin.py" else 1), name
    bad = tmp_path / "bad.py"
    bad.write_bytes(text.encode("utf-8") + b"# \xff\n")
    (finding,) = scan.scan_file(bad)
    assert finding.what.startswith("unreadable:")
