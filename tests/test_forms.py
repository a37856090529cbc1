"""Every form a student hands in gets the same verdicts: the reference scores full marks as a
folder, a wrapped folder, a zip, one notebook, notebooks per module and a single .py; a buggy
submission loses exactly the same cases in each form; helper packages are importable; a missing
or unreadable module costs its own items (and the worked examples that need it) with one reason.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from nbformat import v4

from graders import engine, registry
from graders.registry import MODULES
from tests.planted_bugs import BUGS

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference"
#: A few items of every module, and worked examples that import the others.
ITEMS = [
    "activations.softmax",
    "activations.relu_grad",
    "initializers.kaiming_uniform_",
    "losses.cross_entropy",
    "losses.mse_loss_grad",
    "optimizers.Adam",
    "activations.worked_backprop_forward",
    "optimizers.worked_backprop_sgd_step",
]


def _copy(src: Path, dst: Path) -> Path:
    dst.mkdir(parents=True)
    for m in MODULES:
        shutil.copy(src / f"{m}.py", dst / f"{m}.py")
    return dst


def _notebook(path: Path, sources: list[str]) -> Path:
    nb = v4.new_notebook()
    nb.cells = [v4.new_markdown_cell("# Homework"), v4.new_code_cell("%matplotlib inline")]
    nb.cells += [v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, str(path))
    return path


def as_directory(src: Path, tmp: Path) -> Path:
    return _copy(src, tmp / "folder")


def as_nested(src: Path, tmp: Path) -> Path:
    _copy(src, tmp / "download" / "hw1")
    return tmp / "download"


def as_zip(src: Path, tmp: Path) -> Path:
    folder = _copy(src, tmp / "src")
    with zipfile.ZipFile(tmp / "hw1.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.iterdir()):
            zf.write(path, f"hw1/{path.name}")
    return tmp / "hw1.zip"


def _body(src: Path, m: str) -> str:
    return (src / f"{m}.py").read_text().replace("from __future__ import annotations\n", "")


def as_notebook(src: Path, tmp: Path) -> Path:
    return _notebook(tmp / "solution.ipynb", [_body(src, m) for m in MODULES])


def as_notebooks(src: Path, tmp: Path) -> Path:
    (tmp / "nbs").mkdir()
    for m in MODULES:
        _notebook(tmp / "nbs" / f"{m}.ipynb", [_body(src, m)])
    return tmp / "nbs"


def as_single_py(src: Path, tmp: Path) -> Path:
    body = "\n".join(_body(src, m) for m in MODULES)
    (tmp / "everything.py").write_text("from __future__ import annotations\n" + body)
    return tmp / "everything.py"


FORMS: dict[str, Callable[[Path, Path], Path]] = {
    "directory": as_directory,
    "nested": as_nested,
    "zip": as_zip,
    "notebook": as_notebook,
    "notebooks": as_notebooks,
    "single .py": as_single_py,
}


def _verdicts(origin: Path, items: list[str] | None = None) -> dict[str, list[str]]:
    result = engine.grade(origin, registry.select(items or ITEMS))
    return {i.name: [c.name for c in i.cases if not c.passed] for i in result.items}


@pytest.mark.parametrize("form", FORMS)
def test_the_reference_scores_full_marks_in_every_form(form: str, tmp_path: Path) -> None:
    origin = FORMS[form](REFERENCE, tmp_path)
    result = engine.grade(origin, list(registry.ITEMS))
    assert result.score == result.max_score, [i.name for i in result.items if i.failures]
    assert result.notes and result.submission == str(origin)


def test_a_buggy_submission_loses_the_same_cases_in_every_form(tmp_path: Path) -> None:
    bug = next(b for b in BUGS if b.module == "activations" and b.function == "softmax")
    src = bug.write(tmp_path / "buggy")
    verdicts = {}
    for n, (form, build) in enumerate(FORMS.items()):
        (tmp_path / str(n)).mkdir()
        verdicts[form] = _verdicts(build(src, tmp_path / str(n)))
    assert verdicts["directory"]["activations.softmax"], "the planted bug was not caught"
    for form, got in verdicts.items():
        assert got == verdicts["directory"], form


def test_helper_modules_and_packages_are_importable(tmp_path: Path) -> None:
    sub = _copy(REFERENCE, tmp_path / "sub")
    (sub / "mylib").mkdir()
    (sub / "mylib" / "__init__.py").write_text("")
    (sub / "mylib" / "core.py").write_text(
        "import numpy as np\n\ndef relu(x):\n    return np.maximum(x, 0.0)\n"
    )
    (sub / "utils.py").write_text("from mylib.core import relu\n")
    source = (sub / "activations.py").read_text()
    (sub / "activations.py").write_text(source + "\n\nfrom utils import relu  # noqa\n")
    assert _verdicts(sub, ["activations.relu"]) == {"activations.relu": []}


def test_a_missing_module_costs_only_its_items_with_one_reason(tmp_path: Path) -> None:
    sub = _copy(REFERENCE, tmp_path / "sub")
    (sub / "losses.py").unlink()
    result = engine.grade(sub, registry.select(ITEMS))
    by_name = {i.name: i for i in result.items}
    for name in ("losses.cross_entropy", "losses.mse_loss_grad"):
        assert by_name[name].score == 0
        assert {c.message for c in by_name[name].cases} == {"losses.py not found in the submission"}
    for name in ("activations.softmax", "initializers.kaiming_uniform_", "optimizers.Adam"):
        assert by_name[name].score == by_name[name].points
    # the worked example that needs losses says the same, case by case
    needing = [c for c in by_name["activations.worked_backprop_forward"].cases if not c.passed]
    assert needing and all("losses.py not found in the submission" in c.message for c in needing)


def test_a_submission_with_no_module_still_gets_a_valid_zero_report(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("nothing here")
    out = tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "graders", "grade", str(tmp_path / "empty"), "--format",
         "gradescope", "--output", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    report = json.loads(out.read_text())
    assert report["score"] == 0 and sum(t["max_score"] for t in report["tests"]) > 0
    assert "holds none of" in report["output"] or "no module" in report["output"]
