"""Code similarity across a class: a copy (even with every name changed) is flagged with its
matching regions, independent work is not, and the template every student starts from is
boilerplate, so two students who wrote nothing are not alike."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from graders.batch import similarity

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "student_template"

#: Activations written independently of the reference (another structure, other helpers).
OWN = """
import numpy as np


def _as_float(x):
    arr = np.asarray(x)
    return arr if arr.dtype.kind == "f" else arr.astype(np.float64)


def sigmoid(x):
    z = _as_float(x)
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    e = np.exp(z[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def tanh(x):
    return np.tanh(_as_float(x))


def relu(x):
    z = _as_float(x)
    return np.where(z > 0, z, np.zeros_like(z))


def leaky_relu(x, negative_slope=0.01):
    z = _as_float(x)
    return np.where(z > 0, z, z * negative_slope)


def sigmoid_grad(x):
    s = sigmoid(x)
    return s * (1 - s)


def tanh_grad(x):
    t = tanh(x)
    return 1 - t * t


def relu_grad(x):
    z = _as_float(x)
    return (z > 0).astype(z.dtype)
"""


def _renamed(code: str) -> str:
    """The same code with every local name changed (what a copier does first)."""
    for old, new in (
        ("arr", "values"),
        ("z", "inp"),
        ("out", "result"),
        ("pos", "mask"),
        ("e", "expo"),
        ("s", "sg"),
        ("t", "th"),
        ("_as_float", "_to_float"),
    ):
        code = re.sub(rf"\b{old}\b", new, code)  # fmt: skip
    return code


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("class")
    paths = {}
    for name in ("ann", "ben", "cat", "dan", "eve"):
        paths[name] = root / name
        shutil.copytree(TEMPLATE, paths[name], ignore=shutil.ignore_patterns("__pycache__"))
    template = (TEMPLATE / "activations.py").read_text()
    (paths["ann"] / "activations.py").write_text(template + OWN)
    (paths["ben"] / "activations.py").write_text(template + _renamed(OWN))  # ann's, renamed
    reference = (ROOT / "reference" / "activations.py").read_text()
    (paths["cat"] / "activations.py").write_text(reference)  # independent of ann's
    return paths  # dan and eve hand in the template as it is


def test_a_copy_is_flagged_and_nothing_else(klass: dict[str, Path]) -> None:
    template = str(TEMPLATE)
    prints = {name: similarity.fingerprints(path, template) for name, path in klass.items()}
    pairs = similarity.similar_pairs(prints)
    assert [(p.a, p.b) for p in pairs] == [("ann", "ben")]
    assert pairs[0].similarity == (1.0, 1.0)  # (names do not count: they are normalised)
    assert similarity.groups(pairs) == [["ann", "ben"]]
    others = similarity.compare("ann", prints["ann"], "cat", prints["cat"])
    assert others.top < similarity.THRESHOLD
    # the template is boilerplate: what dan and eve share is not theirs
    blank = similarity.compare("dan", prints["dan"], "eve", prints["eve"])
    assert blank.shared < similarity.MIN_SHARED


def test_the_matching_regions_are_marked(klass: dict[str, Path]) -> None:
    template = str(TEMPLATE)
    prints = {name: similarity.fingerprints(klass[name], template) for name in ("ann", "ben")}
    pairs = similarity.similar_pairs(prints)
    similarity.shown(pairs, klass, template, most=5)
    (region,) = [r for r in pairs[0].regions if r.module == "activations"]
    ann, ben = region.marked
    assert "<mark>" in ann and "<mark>" in ben
    assert "_as_float" in ann and "_to_float" in ben
    assert "<script" not in ann  # (escaped)


def test_fingerprints_round_trip(klass: dict[str, Path], tmp_path: Path) -> None:
    prints = similarity.fingerprints(klass["ann"], str(TEMPLATE))
    similarity.save(tmp_path / "ann.npz", prints)
    back = similarity.load(tmp_path / "ann.npz")
    assert back is not None and back.keys() == prints.keys()
    assert all((back[m] == prints[m]).all() for m in prints)
    assert similarity.load(tmp_path / "missing.npz") is None
