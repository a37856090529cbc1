"""Finding and unpacking what a student hands in: every form gives the same module files; every
hostile or broken input is one line (or one module's problem), never a hang or a read outside."""

from __future__ import annotations
import __future__

import ast
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import traceback
import zipfile
from pathlib import Path

import nbformat
import pytest
from nbformat import v4

from graders.registry import MODULES
from graders.submission import (
    MAX_MODULE_BYTES,
    MAX_NOTEBOOK_BYTES,
    Limits,
    Submission,
    SubmissionError,
    prepare,
)

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference"


# ----------------------------------------------------------------------------- helpers
def prep(origin: Path, tmp_path: Path, modules=MODULES, **kw) -> Submission:
    scratch = Path(tempfile.mkdtemp(dir=tmp_path, prefix="scratch-"))
    return prepare(origin, modules, scratch, **kw)


def refused(origin: Path, tmp_path: Path, modules=MODULES, **kw) -> str:
    with pytest.raises(SubmissionError) as info:
        prep(origin, tmp_path, modules, **kw)
    text = str(info.value)
    assert "\n" not in text and str(tmp_path / "scratch") not in text, text
    return text


def write_modules(folder: Path, modules=MODULES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for m in modules:
        shutil.copy(REFERENCE / f"{m}.py", folder / f"{m}.py")
    return folder


def zip_folder(folder: Path, dest: Path, prefix: str = "") -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.rglob("*")):
            zf.write(path, prefix + path.relative_to(folder).as_posix())
    return dest


def module_source(m: str) -> str:
    return (REFERENCE / f"{m}.py").read_text(encoding="utf-8")


def notebook(path: Path, cells: list[tuple[str, str]]) -> Path:
    nb = v4.new_notebook()
    nb.cells = [
        v4.new_code_cell(s) if kind == "code" else v4.new_markdown_cell(s) for kind, s in cells
    ]
    nbformat.write(nb, str(path))
    return path


def top_level(path: Path) -> tuple[dict[str, str], bool]:
    """Top-level functions, classes and assigned names -> their source (``__all__`` left out:
    each module has its own); and whether ``from __future__ import annotations`` is in force."""
    text = path.read_text(encoding="utf-8")
    code = compile(text, str(path), "exec", dont_inherit=True)
    lines = text.splitlines(keepends=True)
    out: dict[str, str] = {}
    for node in ast.parse(text).body:
        first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
        names: list[str] = []
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef)):
            names = [node.name]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
        for name in names:
            if name != "__all__":
                out[name] = "".join(lines[first - 1 : node.end_lineno])
    return out, bool(code.co_flags & __future__.annotations.compiler_flag)


REFERENCE_NAMES = {m: top_level(REFERENCE / f"{m}.py")[0] for m in MODULES}


# ----------------------------------------------------------------------------- the forms
def _as_directory(tmp: Path) -> Path:
    return REFERENCE


def _as_nested(tmp: Path) -> Path:
    write_modules(tmp / "download" / "hw1")
    (tmp / "download" / "__MACOSX").mkdir()
    (tmp / "download" / "__MACOSX" / "._activations.py").write_bytes(b"\0\5\26\7junk")
    return tmp / "download"


def _as_zip(tmp: Path) -> Path:
    return zip_folder(write_modules(tmp / "src"), tmp / "hw1.zip", prefix="hw1/")


def _as_notebook(tmp: Path) -> Path:
    cells = [("markdown", "# Homework 1"), ("code", "%matplotlib inline\n!pip install numpy")]
    for m in MODULES:
        cells += [("markdown", f"## {m}"), ("code", module_source(m))]
    return notebook(tmp / "solution.ipynb", cells)


def _as_notebooks(tmp: Path) -> Path:
    (tmp / "nbs").mkdir()
    for m in MODULES:
        notebook(
            tmp / "nbs" / f"{m}.ipynb",
            [("code", "%load_ext autoreload"), ("code", module_source(m))],
        )
    return tmp / "nbs"


def _as_single_py(tmp: Path) -> Path:
    body = []
    for m in MODULES:  # (a __future__ import must come first: once, at the top)
        body.append(module_source(m).replace("from __future__ import annotations\n", ""))
    (tmp / "everything.py").write_text("from __future__ import annotations\n" + "\n".join(body))
    return tmp / "everything.py"


FORMS = {
    "directory": (_as_directory, "directory", "./"),
    "nested directory": (_as_nested, "nested directory", "hw1/"),
    "zip": (_as_zip, "zip", "hw1/"),
    "notebook": (_as_notebook, "notebook", "solution.ipynb"),
    "notebooks": (_as_notebooks, "directory", "./"),
    "single file": (_as_single_py, "single file", "everything.py"),
}


@pytest.mark.parametrize("form", FORMS)
def test_every_form_gives_the_reference_functions(form: str, tmp_path: Path) -> None:
    """The reference handed in six ways: each module file in the copy defines exactly the
    reference's functions (the same source), with the same __future__ behaviour."""
    make, expected_form, located = FORMS[form]
    sub = prep(make(tmp_path), tmp_path)
    assert (sub.form, sub.located, sub.problems) == (expected_form, located, {})
    assert sub.modules == {m: f"{m}.py" for m in MODULES}
    for m in MODULES:
        got, future = top_level(sub.root / sub.modules[m])
        assert future, m
        if form in ("notebook", "single file"):  # one file serves as every module
            assert {k: got[k] for k in REFERENCE_NAMES[m]} == REFERENCE_NAMES[m]
            assert set(got) == set().union(*map(set, REFERENCE_NAMES.values()))
        else:
            assert got == REFERENCE_NAMES[m], m


def test_a_directory_is_copied_whole_less_hidden_and_system_entries(tmp_path: Path) -> None:
    src = write_modules(tmp_path / "sub")
    (src / "utils.py").write_text("HELP = 1\n")
    (src / "mylib" / "deep").mkdir(parents=True)
    (src / "mylib" / "__init__.py").write_text("")
    (src / "mylib" / "deep" / "x.py").write_text("X = 2\n")
    for ignored in (".git", "__pycache__", "__MACOSX", ".ipynb_checkpoints"):
        (src / ignored).mkdir()
        (src / ignored / "junk.py").write_text("junk\n")
    (src / ".env").write_text("SECRET=1\n")
    sub = prep(src, tmp_path)
    copied = sorted(p.relative_to(sub.root).as_posix() for p in sub.root.rglob("*"))
    assert copied == sorted(
        [f"{m}.py" for m in MODULES]
        + ["utils.py", "mylib", "mylib/__init__.py", "mylib/deep", "mylib/deep/x.py"]
    )
    assert (sub.root / "mylib/deep/x.py").read_text() == "X = 2\n"
    assert sub.notes == ()


def test_folders_holding_one_folder_are_unwrapped(tmp_path: Path) -> None:
    write_modules(tmp_path / "export" / "alice" / "hw1")
    sub = prep(tmp_path / "export", tmp_path)
    assert (sub.form, sub.located, sub.problems) == ("nested directory", "alice/hw1/", {})


def test_of_two_folders_the_one_holding_more_modules_wins_with_a_note(tmp_path: Path) -> None:
    write_modules(tmp_path / "sub" / "final")
    write_modules(tmp_path / "sub" / "draft", MODULES[:2])
    sub = prep(tmp_path / "sub", tmp_path)
    assert sub.located == "final/" and sub.problems == {}
    assert any("final/" in n and "draft/ (2) ignored" in n for n in sub.notes), sub.notes


def test_two_folders_holding_as_many_modules_are_refused(tmp_path: Path) -> None:
    write_modules(tmp_path / "sub" / "v1")
    write_modules(tmp_path / "sub" / "v2")
    text = refused(tmp_path / "sub", tmp_path)
    assert f"v1/ and v2/ each hold {len(MODULES)} of the modules; hand in one folder" in text


def test_the_top_folder_wins_a_tie_with_a_subfolder(tmp_path: Path) -> None:
    write_modules(tmp_path / "sub")
    write_modules(tmp_path / "sub" / "backup")
    sub = prep(tmp_path / "sub", tmp_path)
    assert sub.located == "./" and f"backup/ ({len(MODULES)}) ignored" in " ".join(sub.notes)
    assert (sub.root / "backup" / "activations.py").is_file()  # (a helper folder, copied)


def test_a_single_py_named_after_a_module_is_that_module_only(tmp_path: Path) -> None:
    shutil.copy(REFERENCE / "losses.py", tmp_path / "losses.py")
    sub = prep(tmp_path / "losses.py", tmp_path)
    assert sub.modules == {"losses": "losses.py"}
    assert sub.problems == {
        m: f"{m}.py not found in the submission" for m in MODULES if m != "losses"
    }


def test_a_notebook_named_after_a_module_is_that_module_only(tmp_path: Path) -> None:
    notebook(tmp_path / "losses.ipynb", [("code", module_source("losses"))])
    sub = prep(tmp_path / "losses.ipynb", tmp_path)
    assert (sub.form, list(sub.modules), sub.sources) == (
        "notebook",
        ["losses"],
        {"losses": "losses.ipynb"},
    )
    assert top_level(sub.root / "losses.py")[0] == REFERENCE_NAMES["losses"]


def test_py_modules_and_notebooks_mix_in_a_folder(tmp_path: Path) -> None:
    src = write_modules(tmp_path / "sub", MODULES[:2])
    notebook(src / f"{MODULES[2]}.ipynb", [("code", module_source(MODULES[2]))])
    notebook(src / "rest.ipynb", [("code", module_source(MODULES[3]))])  # serves the rest
    sub = prep(src, tmp_path)
    assert sub.problems == {}
    assert sub.sources == {
        MODULES[0]: f"{MODULES[0]}.py",
        MODULES[1]: f"{MODULES[1]}.py",
        MODULES[2]: f"{MODULES[2]}.ipynb",
        **dict.fromkeys(MODULES[3:], "rest.ipynb"),
    }
    assert top_level(sub.root / f"{MODULES[3]}.py")[0] == REFERENCE_NAMES[MODULES[3]]


def test_notebooks_per_module_inside_a_zip(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for m in MODULES:
        notebook(src / f"{m}.ipynb", [("code", module_source(m))])
    sub = prep(zip_folder(src, tmp_path / "hw.zip", prefix="hw1/"), tmp_path)
    assert (sub.form, sub.located, sub.problems) == ("zip", "hw1/", {})
    assert sub.sources == {m: f"hw1/{m}.ipynb" for m in MODULES}


def test_a_folder_with_one_py_and_no_module_uses_it_for_every_module(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    shutil.copy(_as_single_py(tmp_path), tmp_path / "sub" / "hw.py")
    sub = prep(tmp_path / "sub", tmp_path)
    assert sub.problems == {} and set(sub.sources.values()) == {"hw.py"}


# ----------------------------------------------------------------------------- missing modules
def test_a_missing_module_is_that_modules_problem(tmp_path: Path) -> None:
    src = write_modules(tmp_path / "sub", [m for m in MODULES if m != "losses"])
    sub = prep(src, tmp_path)
    assert sub.problems == {"losses": "losses.py not found in the submission"}
    assert "losses" not in sub.modules and not (sub.root / "losses.py").exists()


def test_the_module_names_are_a_parameter(tmp_path: Path) -> None:
    src = write_modules(tmp_path / "sub")
    (src / "layers.py").write_text("def linear(x):\n    return x\n")
    sub = prep(src, tmp_path, modules=(*MODULES, "layers", "attention"))
    assert sub.modules["layers"] == "layers.py"
    assert sub.problems == {"attention": "attention.py not found in the submission"}


def _unusable(t: Path, kind: str) -> Path:
    """A submission of kind ``kind`` that cannot be graded at all."""
    if kind == "missing":
        return t / "no" / "such"
    if kind in ("empty", "only-hidden", "no-module"):
        (t / "d").mkdir()
        if kind == "only-hidden":
            (t / "d" / ".DS_Store").write_text("")
            (t / "d" / "__MACOSX").mkdir()
        if kind == "no-module":
            (t / "d" / "notes.txt").write_text("x")
            (t / "d" / "utils.py").write_text("x")
            (t / "d" / "lib.py").write_text("x")
        return t / "d"
    if kind == "fifo":
        os.mkfifo(t / "f.zip")
        return t / "f.zip"
    name, data = {
        "txt": ("a.txt", b"x"),
        "tar.gz": ("a.tar.gz", b"\x1f\x8b\x08"),
        "bad-zip": ("bad.zip", b"PK not really"),
        "bad-notebook": ("bad.ipynb", b"{not json"),
        "not-a-notebook": ("bad.ipynb", b'{"nbformat": 4, "nbformat_minor": 5, "cells": 3}'),
        "binary-notebook": ("bad.ipynb", b"\xff\xfe\x00"),
    }[kind]
    (t / name).write_bytes(data)
    return t / name


@pytest.mark.parametrize(
    ("kind", "phrase"),
    [
        ("missing", "does not exist"),
        ("empty", "is empty"),
        ("only-hidden", "is empty"),
        ("no-module", "holds none of activations.py"),
        ("txt", "is not a submission: give a folder, a .zip, a notebook (.ipynb) or a .py file"),
        ("tar.gz", "is not a submission"),
        ("bad-zip", "is not a valid zip"),
        ("bad-notebook", "bad.ipynb is not a valid notebook: Notebook does not appear to be JSON"),
        ("not-a-notebook", "bad.ipynb is not a valid notebook"),
        ("binary-notebook", "bad.ipynb is not a valid notebook: it is not UTF-8 text"),
        ("fifo", "is a FIFO, not a submission"),
    ],
)
def test_an_unusable_submission_is_one_line(kind: str, phrase: str, tmp_path: Path) -> None:
    assert phrase in refused(_unusable(tmp_path, kind), tmp_path)


def test_several_notebooks_named_after_no_module_are_refused(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    notebook(tmp_path / "sub" / "a.ipynb", [("code", "x = 1")])
    notebook(tmp_path / "sub" / "b.ipynb", [("code", "x = 2")])
    text = refused(tmp_path / "sub", tmp_path)
    assert "several notebooks (a.ipynb, b.ipynb)" in text and "activations.ipynb" in text


def test_an_invalid_notebook_is_its_modules_problem(tmp_path: Path) -> None:
    src = write_modules(tmp_path / "sub", MODULES[1:])
    (src / f"{MODULES[0]}.ipynb").write_text('{"nbformat": 4, "nbformat_minor": 5}')
    sub = prep(src, tmp_path)
    assert list(sub.problems) == [MODULES[0]]
    assert sub.problems[MODULES[0]].startswith(f"{MODULES[0]}.ipynb is not a valid notebook: ")
    assert set(sub.modules) == set(MODULES[1:])


def test_a_module_too_large_to_parse_safely_is_that_modules_problem(tmp_path: Path) -> None:
    """The grader parses each module in its own process (about 750 times the source in
    memory): a module over MAX_MODULE_BYTES, a ``.py`` or a notebook's code cells, is not
    graded, with why; one just under it is; the other modules are graded either way."""
    src = write_modules(tmp_path / "sub", MODULES[2:])
    padding = "\n".join(f"a{k} = {k}" for k in range(MAX_MODULE_BYTES // 8))
    (src / f"{MODULES[0]}.py").write_text(module_source(MODULES[0]) + padding)
    notebook(src / f"{MODULES[1]}.ipynb", [("code", module_source(MODULES[1])), ("code", padding)])
    sub = prep(src, tmp_path)
    assert set(sub.problems) == set(MODULES[:2]) and set(sub.modules) == set(MODULES[2:])
    size = (src / f"{MODULES[0]}.py").stat().st_size
    assert sub.problems[MODULES[0]] == (
        f"{MODULES[0]}.py holds {size >> 10} KiB of code, more than the 512 KiB a module may "
        "have: not graded (a module of this course is a few tens of kB)"
    )
    assert sub.problems[MODULES[1]].startswith(f"{MODULES[1]}.ipynb (its code cells) holds ")
    fits = MAX_MODULE_BYTES - len(module_source(MODULES[0]).encode()) - 1
    (src / f"{MODULES[0]}.py").write_text(module_source(MODULES[0]) + "#" * fits + "\n")
    assert (src / f"{MODULES[0]}.py").stat().st_size == MAX_MODULE_BYTES
    assert MODULES[0] in prep(src, tmp_path).modules


def test_a_notebook_too_large_to_read_safely_is_its_modules_problem(tmp_path: Path) -> None:
    """A notebook over MAX_NOTEBOOK_BYTES (its outputs: reading one takes about 20 times its
    size) is not graded, and the student is told how to make it smaller."""
    src = write_modules(tmp_path / "sub", MODULES[1:])
    nb = notebook(src / f"{MODULES[0]}.ipynb", [("code", module_source(MODULES[0]))])
    data = json.loads(nb.read_text())
    data["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout",
                                    "text": "x" * MAX_NOTEBOOK_BYTES}]  # fmt: skip
    nb.write_text(json.dumps(data))
    sub = prep(src, tmp_path)
    assert set(sub.problems) == {MODULES[0]} and set(sub.modules) == set(MODULES[1:])
    assert sub.problems[MODULES[0]].startswith(f"{MODULES[0]}.ipynb is 16.0 MiB, more than the ")
    assert sub.problems[MODULES[0]].endswith(
        "(clear its outputs: Kernel > Restart & Clear Output, then save)"
    )


def test_a_zip_inside_is_not_unpacked(tmp_path: Path) -> None:
    inner = zip_folder(write_modules(tmp_path / "src"), tmp_path / "hw1.zip")
    (tmp_path / "outer").mkdir()
    shutil.copy(inner, tmp_path / "outer" / "hw1.zip")
    assert "hw1.zip: a zip inside the submission is not unpacked" in refused(
        tmp_path / "outer", tmp_path
    )
    outer = zip_folder(tmp_path / "outer", tmp_path / "outer.zip")
    assert "a zip inside the submission is not unpacked" in refused(outer, tmp_path)
    write_modules(tmp_path / "outer")
    sub = prep(tmp_path / "outer", tmp_path)
    assert "hw1.zip was not unpacked (a zip inside the submission never is)" in sub.notes


# ----------------------------------------------------------------------------- notebooks
def test_ipython_syntax_is_neutralised_and_reported(tmp_path: Path) -> None:
    nb = notebook(
        tmp_path / "hw.ipynb",
        [
            ("markdown", "# title"),
            ("code", "%matplotlib inline\nimport numpy as np\n!pip install torch\nfiles = !ls"),
            ("code", "%%time\ndef relu(x):\n    return np.maximum(x, 0)"),
            ("code", "%%bash\n  rm -rf ~\necho done"),
            (
                "code",
                "get_ipython().run_line_magic('load_ext', 'autoreload')\n"
                "for k in range(2):\n    %time relu(np.ones(3))\nsigmoid?",
            ),
            ("code", "%%capture out\nLEAK = relu(np.array([-1.0, 2.0]))"),
            ("code", "remainder = (7\n% 4)"),  # Python: a % operator on a continuation line
        ],
    )
    sub = prep(nb, tmp_path)
    assert sub.notes == (
        "hw.ipynb cell 2, line 1: IPython magic '%matplotlib inline' neutralised",
        "hw.ipynb cell 2, line 3: shell command '!pip install torch' neutralised",
        "hw.ipynb cell 2, line 4: shell command 'files = !ls' neutralised",
        "hw.ipynb cell 3, line 1: IPython cell magic '%%time' neutralised "
        "(the cell's code is kept)",
        "hw.ipynb cell 4, line 1: IPython cell magic '%%bash' neutralised (the cell is not run)",
        "hw.ipynb cell 5, line 1: get_ipython() call "
        "'get_ipython().run_line_magic('load_ext', 'autoreload')' neutralised",
        "hw.ipynb cell 5, line 3: IPython magic '%time relu(np.ones(3))' neutralised",
        "hw.ipynb cell 5, line 4: IPython help 'sigmoid?' neutralised",
        "hw.ipynb cell 6, line 1: IPython cell magic '%%capture' neutralised "
        "(the cell's code is kept)",
    )
    namespace: dict[str, object] = {}
    path = sub.root / f"{MODULES[0]}.py"
    exec(compile(path.read_text(), str(path), "exec"), namespace)  # valid Python, runs
    assert namespace["LEAK"].tolist() == [0.0, 2.0]  # type: ignore[attr-defined]
    assert namespace["remainder"] == 3 and "rm -rf" not in str(namespace)


def test_a_notebook_error_is_shown_at_its_cell_and_line(tmp_path: Path) -> None:
    nb = notebook(
        tmp_path / "hw.ipynb",
        [
            ("markdown", "intro"),
            ("code", "%matplotlib inline\nimport math"),
            ("markdown", "x"),
            ("code", "def f(x):\n    y = 2\n    return math.log(x)  # cell 4, line 3"),
        ],
    )
    sub = prep(nb, tmp_path)
    path = sub.root / "losses.py"
    namespace: dict[str, object] = {}
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    with pytest.raises(ValueError) as info:
        namespace["f"](-1.0)  # type: ignore[operator]
    frame = traceback.extract_tb(info.value.__traceback__)[-1]
    assert sub.display(
        f"ValueError: math domain error (at {Path(frame.filename).name}:{frame.lineno})"
    ) == (f"ValueError: math domain error (at {nb}, cell 4, line 3)")
    shown = sub.display("".join(traceback.format_exception(info.value)))
    assert f'File "{nb}", cell 4, line 3, in f' in shown and str(sub.root) not in shown


# ----------------------------------------------------------------------------- display
def test_display_shows_the_origin_never_the_copy(tmp_path: Path) -> None:
    src = write_modules(tmp_path / "dl" / "hw1")
    (src / "utils.py").write_text("")
    sub = prep(tmp_path / "dl", tmp_path)
    for root in (sub.root, sub.root.resolve()):
        assert (
            sub.display(f"see {root}/utils.py, line 3")
            == f"see {tmp_path / 'dl' / 'hw1'}/utils.py, line 3"
        )
    elsewhere = tmp_path / "sandbox-copy"
    assert (
        sub.display(f"'{elsewhere}/losses.py'", also=[elsewhere])
        == f"'{tmp_path / 'dl' / 'hw1'}/losses.py'"
    )
    assert sub.display("the module failed to import: NameError (at losses.py:7)") == (
        "the module failed to import: NameError (at losses.py:7)"
    )


def test_display_in_a_zip_and_a_single_file(tmp_path: Path) -> None:
    sub = prep(_as_zip(tmp_path), tmp_path)
    assert sub.display(f"{sub.root}/losses.py:3") == f"{tmp_path / 'hw1.zip'}:hw1/losses.py:3"
    single = prep(_as_single_py(tmp_path), tmp_path)
    assert single.display("ZeroDivisionError (at losses.py:12)") == (
        f"ZeroDivisionError (at {tmp_path / 'everything.py'}:12)"
    )
    assert single.display("not about my_losses.py:12") == "not about my_losses.py:12"


# ----------------------------------------------------------------------------- links and specials
def test_links_inside_are_copied_as_files_and_links_out_are_skipped(tmp_path: Path) -> None:
    src = write_modules(tmp_path / "sub", MODULES[1:])
    (src / "mylib").mkdir()
    (src / "mylib" / "real.py").write_text("REAL = 1\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.py").write_text("SECRET = 1\n")
    links = {
        "helpers.py": "mylib/real.py",  # inside: copied as the file
        "chain.py": "helpers.py",  # a link to a link inside: the file
        "mylib/up.py": "../mylib/real.py",
        "passwd.txt": "/etc/passwd",
        "sneaky.py": "../outside/secret.py",
        "alias": "mylib",  # a folder: not followed
        "usr": "/usr",
        "loop.py": "loop.py",
        "dangling.py": "nowhere.py",
        f"{MODULES[0]}.py": "/etc/passwd",  # a module leading out: the module's problem
    }
    for name, target in links.items():
        (src / name).symlink_to(target)
    sub = prep(src, tmp_path)
    for name in ("helpers.py", "chain.py", "mylib/up.py"):
        path = sub.root / name
        assert not path.is_symlink() and path.read_text() == "REAL = 1\n", name
    assert not any(p.is_symlink() for p in sub.root.rglob("*"))
    copied = {p.relative_to(sub.root).as_posix() for p in sub.root.rglob("*")}
    assert not {"passwd.txt", "sneaky.py", "alias", "usr", "loop.py", "dangling.py"} & copied
    assert not any(
        b"root:" in p.read_bytes() or b"SECRET" in p.read_bytes()
        for p in sub.root.rglob("*")
        if p.is_file()
    )
    assert sub.problems == {
        MODULES[0]: f"{MODULES[0]}.py is a link leading out of the submission: not followed"
    }
    notes = "\n".join(sub.notes)
    for phrase in (
        "passwd.txt is a link leading out of the submission",
        "sneaky.py is a link leading out of the submission",
        "usr is a link leading out of the submission",
        "alias is a link to a folder: not followed",
        "loop.py is a link that could not be followed",
        "dangling.py is a link that could not be followed",
    ):
        assert phrase in notes, (phrase, notes)
    assert f"{MODULES[0]}.py" not in notes  # (reported once: as the module's problem)


def test_a_fifo_a_socket_or_a_device_inside_is_never_opened(tmp_path: Path) -> None:
    src = write_modules(tmp_path / "s", MODULES[1:])
    os.mkfifo(src / "pipe")
    os.mkfifo(src / f"{MODULES[0]}.py")  # opened for reading, it would block forever
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(src / "sock"))
    device = True
    try:
        os.mknod(src / "null", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except OSError:
        device = False  # (no CAP_MKNOD here)
    result: list[Submission] = []
    worker = threading.Thread(target=lambda: result.append(prep(src, tmp_path)), daemon=True)
    worker.start()
    worker.join(120)  # (a guard against a hang, not a timing)
    sock.close()
    assert not worker.is_alive(), "prepare blocked on a FIFO"
    sub = result[0]
    assert sub.problems == {MODULES[0]: f"{MODULES[0]}.py is a FIFO: skipped, never opened"}
    assert "pipe is a FIFO: skipped, never opened" in sub.notes
    assert "sock is a socket: skipped, never opened" in sub.notes
    if device:
        assert "null is a device: skipped, never opened" in sub.notes
    assert sorted(p.name for p in sub.root.iterdir()) == sorted(f"{m}.py" for m in MODULES[1:])


# ----------------------------------------------------------------------------- limits
def test_a_tree_too_deep_is_refused(tmp_path: Path) -> None:
    src = write_modules(tmp_path / "sub")
    deep = src.joinpath(*["d"] * 13)
    deep.mkdir(parents=True)
    (deep / "x.py").write_text("")
    assert "nests folders more than 12 deep (the limit)" in refused(src, tmp_path)
    shutil.rmtree(src / "d" / "d")
    assert prep(src, tmp_path).problems == {}


def test_too_many_files_or_bytes_are_refused(tmp_path: Path) -> None:
    src = write_modules(tmp_path / "sub")
    for k in range(20):
        (src / f"f{k}.txt").write_text("x")
    assert "more than 10 files and folders (the limit)" in refused(
        src, tmp_path, limits=Limits(max_files=10)
    )
    assert "is larger than 1000 bytes (the limit)" in refused(
        src, tmp_path, limits=Limits(max_bytes=1000)
    )


def _hostile_zip(path: Path, members: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in members:
            zf.writestr(info, data)
    return path


def _modules_as_members(prefix: str = "") -> list[tuple[zipfile.ZipInfo | str, bytes]]:
    return [(f"{prefix}{m}.py", module_source(m).encode()) for m in MODULES]


@pytest.mark.parametrize(
    ("name", "phrase"),
    [
        ("/etc/cron.d/evil", "absolute path ('/etc/cron.d/evil')"),
        ("../../evil.py", "a path leading out of it ('../../evil.py')"),
        ("hw1/../../evil.py", "a path leading out of it"),
        ("..\\evil.py", "a path leading out of it"),
        ("C:/evil.py", "absolute path"),
    ],
)
def test_a_zip_member_leading_out_is_refused_before_extracting(
    name: str, phrase: str, tmp_path: Path
) -> None:
    z = _hostile_zip(tmp_path / "h.zip", [*_modules_as_members(), (zipfile.ZipInfo(name), b"x")])
    assert phrase in refused(z, tmp_path)
    assert not (tmp_path / "evil.py").exists() and not list(tmp_path.glob("scratch-*/unpacked/*"))


def test_a_link_in_a_zip_is_skipped(tmp_path: Path) -> None:
    link = zipfile.ZipInfo(f"{MODULES[0]}.py")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    other = zipfile.ZipInfo("data")
    other.external_attr = (stat.S_IFLNK | 0o777) << 16
    z = _hostile_zip(
        tmp_path / "h.zip", [*_modules_as_members()[1:], (link, b"/etc/passwd"), (other, b"/")]
    )
    sub = prep(z, tmp_path)
    assert sub.problems == {MODULES[0]: f"{MODULES[0]}.py is a link in the zip: not followed"}
    assert sub.notes == ("data is a link in the zip: not followed",)
    assert not (sub.root / f"{MODULES[0]}.py").exists() and not (sub.root / "data").exists()


def test_zip_bombs_are_refused_before_extracting(tmp_path: Path) -> None:
    many = _hostile_zip(tmp_path / "many.zip", [(f"f{k}", b"") for k in range(2001)])
    assert "holds 2001 members, more than 2000 (the limit)" in refused(many, tmp_path)
    big = _hostile_zip(tmp_path / "big.zip", [*_modules_as_members(), ("big.bin", bytes(65 << 20))])
    assert "more than 64 MiB (the limit)" in refused(big, tmp_path)
    dense = _hostile_zip(
        tmp_path / "dense.zip", [*_modules_as_members(), ("zeros.bin", bytes(20 << 20))]
    )
    assert "more than 100 times (the limit against zip bombs)" in refused(dense, tmp_path)
    assert not list(tmp_path.glob("scratch-*/unpacked/*"))
    deep = _hostile_zip(
        tmp_path / "deep.zip", [*_modules_as_members(), ("/".join(["d"] * 13) + "/x", b"")]
    )
    assert "nests folders more than 12 deep (the limit)" in refused(deep, tmp_path)


def test_a_zip_member_larger_than_its_header_says_is_refused(tmp_path: Path) -> None:
    z = tmp_path / "liar.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:
        for name, data in _modules_as_members():
            zf.writestr(name, data)
        zf.writestr("payload.bin", b"A" * 5000)
    raw = bytearray(z.read_bytes())
    central = raw.rfind(b"PK\x01\x02")  # the last member's central directory entry
    raw[central + 24 : central + 28] = (10).to_bytes(4, "little")  # uncompressed size: 10
    z.write_bytes(bytes(raw))
    assert "is not a valid zip" in refused(z, tmp_path)
    assert not list(tmp_path.glob("scratch-*/unpacked/payload.bin"))


# ----------------------------------------------------------------------------- permissions
_AS_NOBODY = """
import json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from graders.submission import prepare
sub = prepare(Path(sys.argv[2]), json.loads(sys.argv[4]), Path(sys.argv[3]))
print(json.dumps({"modules": sub.modules, "problems": sub.problems, "notes": sub.notes,
                  "copied": sorted(p.name for p in sub.root.iterdir())}))
"""


def test_an_unreadable_module_is_that_modules_problem(tmp_path: Path) -> None:
    """As root, permissions do not stop reading: the check runs as ``nobody`` (setpriv), on a
    copy in a folder nobody can reach."""
    unprivileged = os.geteuid() != 0
    if not unprivileged and shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is needed to check permissions as root")
    place = Path(tempfile.mkdtemp(prefix="dlgrade-perm-", dir="/tmp"))
    try:
        place.chmod(0o755)
        src = write_modules(place / "sub")
        (src / "utils.py").write_text("X = 1\n")
        (src / "private").mkdir()
        for path in (src / f"{MODULES[0]}.py", src / "utils.py", src / "private"):
            path.chmod(0o000)
        scratch = place / "scratch"
        scratch.mkdir()
        if unprivileged:
            cmd = [sys.executable]
        else:
            os.chown(scratch, 65534, 65534)
            cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable]
        out = subprocess.run(
            [*cmd, "-c", _AS_NOBODY, str(ROOT), str(src), str(scratch), json.dumps(MODULES)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert out.returncode == 0, out.stderr
        got = json.loads(out.stdout)
    finally:
        for path in place.rglob("*"):
            if not path.is_symlink():
                path.chmod(0o755)
        shutil.rmtree(place)
    assert got["problems"] == {MODULES[0]: f"{MODULES[0]}.py could not be read: Permission denied"}
    assert set(got["modules"]) == set(MODULES[1:])
    assert f"{MODULES[0]}.py" not in got["copied"] and "utils.py" not in got["copied"]
    assert got["notes"] == [
        "private/ could not be read: Permission denied",
        "utils.py could not be read: Permission denied",
    ]


def test_zip_quirks_backslashes_duplicates_encryption(tmp_path: Path) -> None:
    windows = _hostile_zip(
        tmp_path / "w.zip", [(f"hw1\\{name}", data) for name, data in _modules_as_members()]
    )
    sub = prep(windows, tmp_path)  # (some Windows tools write '\' between folders)
    assert (sub.located, sub.problems) == ("hw1/", {})
    with pytest.warns(UserWarning, match="Duplicate name"):
        twice = _hostile_zip(tmp_path / "d.zip", [*_modules_as_members(), ("losses.py", b"x = 1")])
    assert "the zip holds losses.py twice" in refused(twice, tmp_path)
    encrypted = _hostile_zip(tmp_path / "e.zip", [*_modules_as_members(), ("secret.py", b"x")])
    raw = bytearray(encrypted.read_bytes())
    central = raw.rfind(b"PK\x01\x02")  # secret.py's central directory entry: its flags
    raw[central + 8] |= 0x1  # (zipfile cannot write an encrypted member)
    encrypted.write_bytes(bytes(raw))
    assert "the zip is encrypted" in refused(encrypted, tmp_path)
