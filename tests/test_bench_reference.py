"""``tools.bench_reference``: the ratio table it prints from pytest-benchmark's JSON report.

The timings themselves are never asserted (benchmarks only print); these tests feed the table a
hand-written report and check the arithmetic and the marks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tools import bench_reference as B


def report(rows: dict[str, tuple[str, float, float]]) -> dict[str, Any]:
    """A minimal pytest-benchmark JSON report: group -> (kind, numpy median, torch median)."""
    benchmarks = [
        {
            "group": group,
            "params": {"side": side},
            "extra_info": {"kind": kind},
            "stats": {"median": seconds},
        }
        for group, (kind, numpy_s, torch_s) in rows.items()
        for side, seconds in (("numpy", numpy_s), ("torch", torch_s))
    ]
    return {"benchmarks": benchmarks}


def test_medians_pair_the_two_sides_of_each_group() -> None:
    table = B.medians(report({"sigmoid": ("elementwise", 3e-3, 2e-3)}))
    assert table == {"sigmoid": {"kind": "elementwise", "numpy": 3e-3, "torch": 2e-3}}
    assert B.ratio(table["sigmoid"]) == pytest.approx(1.5)
    assert B.ratio({"kind": "loss", "numpy": 1.0}) is None


def test_render_marks_each_row_against_its_kind_target() -> None:
    table = B.medians(
        report(
            {
                "fast": ("elementwise", 1e-3, 1e-3),
                "slow_loss": ("loss", 4e-3, 1e-3),
                "jac": ("jacobian", 9e-3, 1e-3),
            }
        )
    )
    lines = {line.split()[0]: line for line in B.render(table, None).splitlines()[2:]}
    assert lines["fast"].endswith("ok") and " 1.00 " in lines["fast"]
    assert lines["slow_loss"].endswith("SLOWER") and " 4.00 " in lines["slow_loss"]
    assert lines["jac"].split()[-1] == "-"  # no target for the Jacobians


def test_render_compare_adds_the_earlier_ratio() -> None:
    now = B.medians(report({"relu": ("elementwise", 1e-3, 1e-3)}))
    before = B.medians(report({"relu": ("elementwise", 3e-3, 1e-3)}))
    header, _, row = B.render(now, before).splitlines()
    assert "before" in header
    assert row.split()[4:6] == ["1.00", "3.00"]


def test_unreadable_compare_file_is_one_clear_line(tmp_path: Path) -> None:
    bad = tmp_path / "old.json"
    bad.write_text(json.dumps({"no": "benchmarks"}))
    with pytest.raises(SystemExit, match=r"^bench-reference: cannot read .*old\.json"):
        B.main(["--compare", str(bad)])


def test_every_benchmark_file_speaks_the_tables_language() -> None:
    """Each timed test of ``benchmarks/`` is parametrised by ``side`` (numpy, torch), and a kind
    written in a file is one the table has a target entry for (the files were written apart)."""
    import ast

    root = Path(B.ROOT) / "benchmarks"
    for path in sorted(root.glob("test_bench_*.py")):
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        timed = [
            f
            for f in tree.body
            if isinstance(f, ast.FunctionDef)
            and f.name.startswith("test_")
            and "benchmark" in [a.arg for a in f.args.args]
        ]
        assert timed, path.name
        for f in timed:
            names = [
                d.args[0].value
                for d in f.decorator_list
                if isinstance(d, ast.Call)
                and getattr(d.func, "attr", "") == "parametrize"
                and isinstance(d.args[0], ast.Constant)
            ]
            assert "side" in names, f"{path.name}:{f.name} is not parametrised by side"
        kinds = {
            n.value.value
            for n in ast.walk(tree)
            if isinstance(n, ast.Assign)
            and isinstance(n.value, ast.Constant)
            and any(
                isinstance(t, ast.Subscript)
                and isinstance(t.slice, ast.Constant)
                and t.slice.value == "kind"
                for t in n.targets
            )
        }
        assert kinds <= set(B.TARGETS), f"{path.name}: kinds {kinds - set(B.TARGETS)} unknown"
