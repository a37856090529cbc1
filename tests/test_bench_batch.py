"""``tools.bench_batch``: the generated class has what the benchmark says (every form of entry,
a planted bug each, the loops and the syntax error), and the table's arithmetic is right.  The
timings themselves are never asserted."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.planted_bugs import BUGS
from tools import bench_batch as B


@pytest.fixture(scope="module")
def klass(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("bench") / "class"
    root.mkdir()
    return root, B.make_class(root, 60)


def test_the_class_has_every_kind_and_form(klass: tuple[Path, dict[str, str]]) -> None:
    root, kinds = klass
    assert len(kinds) == 60 == len(list(root.iterdir()))
    what = [k.split(" (")[0] for k in kinds.values()]
    assert what.count("reference") == 21 and what.count("template") == 8
    assert what.count("syntax") == 1 and what.count("one notebook") == 1
    assert sorted(w for w in what if w.startswith("loop")) == [
        "loop in activations.elu", "loop in losses.huber_loss",
    ]  # fmt: skip
    bugs = [w.removeprefix("bug ") for w in what if w.startswith("bug ")]
    assert len(bugs) == len(set(bugs)) == 27 and set(bugs) <= {b.name for b in BUGS}
    forms = {k.split(" (")[1].rstrip(")") for k in kinds.values()}
    assert forms == {"folder", "zip", "notebooks", "file"}
    zipped = next(root.glob("*.zip"))
    with zipfile.ZipFile(zipped) as z:
        assert sorted(Path(n).name for n in z.namelist()) == [f"{m}.py" for m in B.MODULES]


def test_a_looping_student_loops_in_one_function_only(klass: tuple[Path, dict[str, str]]) -> None:
    root, kinds = klass
    name = next(n for n, k in kinds.items() if k.startswith("loop in activations.elu"))
    code = (root / name / "activations.py").read_text()
    reference = (B.REFERENCE / "activations.py").read_text()
    assert code.count("while True:") == 1 and len(code) > len(reference)
    assert (root / name / "losses.py").read_text() == (B.REFERENCE / "losses.py").read_text()


def test_the_table() -> None:
    timings = {
        "batch": B.Timing(wall=60.0, cpu=120.0, n=60),  # 60 a minute
        "pytest": B.Timing(wall=600.0, cpu=1200.0, n=60),  # 6 a minute
        "floor": B.Timing(wall=40.0, cpu=60.0, n=60),  # 90 a minute
    }
    lines = B.table("hidden", timings, 2)
    assert lines[0] == "hidden cases:"
    batch = lines[2].split()
    assert batch[-5:] == ["60.0", "60.0", "2.00", "67%", "10.0x"]
    assert lines[4].split()[-3:] == ["1.00", "100%", "15.0x"]
