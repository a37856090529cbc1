"""``make bench-reference``: the reference's speed against torch, function by function.

Runs the pytest-benchmark suite in ``benchmarks/`` (every ``test_bench_*.py``: one group per
function, a ``numpy`` and a ``torch`` side, torch on one thread) and prints, per function, the
median time of each side and their ratio numpy/torch, with the target of the function's kind.
``--save`` keeps pytest-benchmark's JSON; ``--compare`` adds the ratio of an earlier saved run
(a "before" column). Timings only: nothing here asserts a speed, and the exit status is 0 unless
a benchmark fails to run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
#: numpy/torch ratio each kind of row should stay within (None: no target, reported only).
TARGETS: dict[str, float | None] = {
    "elementwise": 1.5,
    "softmax": 1.5,
    "loss": 1.5,
    "layer": 3.0,
    "jacobian": None,
}
ONE_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def run_benchmarks(json_path: Path, select: str | None, max_time: float) -> None:
    """pytest-benchmark over ``benchmarks/``, its JSON report written to ``json_path``."""
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "benchmarks",
        "-q",
        "-m",
        "benchmark",
        "-p",
        "no:xdist",
        "-p",
        "no:cacheprovider",
        f"--benchmark-json={json_path}",
        f"--benchmark-max-time={max_time}",
        "--benchmark-min-rounds=5",
        "--benchmark-disable-gc",
        "--benchmark-columns=median",
        "--benchmark-sort=name",
    ]
    if select:
        cmd += ["-k", select]
    proc = subprocess.run(cmd, cwd=ROOT, env={**os.environ, **ONE_THREAD}, capture_output=True)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).decode(errors="replace")[-3000:]
        raise SystemExit(f"bench-reference: the benchmarks failed:\n{tail}")


def medians(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``{group: {"kind": ..., "numpy": seconds, "torch": seconds}}`` from a JSON report."""
    table: dict[str, dict[str, Any]] = {}
    for bench in report["benchmarks"]:
        side = bench["params"]["side"]
        entry = table.setdefault(bench["group"], {"kind": bench["extra_info"].get("kind", "")})
        entry[side] = bench["stats"]["median"]
    return table


def ratio(entry: dict[str, Any]) -> float | None:
    if "numpy" in entry and "torch" in entry:
        return float(entry["numpy"] / entry["torch"])
    return None


def render(table: dict[str, dict[str, Any]], before: dict[str, dict[str, Any]] | None) -> str:
    head = f"{'function':40s} {'kind':12s} {'numpy ms':>9s} {'torch ms':>9s} {'ratio':>6s}"
    head += f" {'before':>6s}" if before is not None else ""
    lines = [head + "  target", "-" * len(head + "  target")]
    order = sorted(
        table,
        key=lambda g: (
            list(TARGETS).index(table[g]["kind"]) if table[g]["kind"] in TARGETS else len(TARGETS),
            g,
        ),
    )
    for group in order:
        entry = table[group]
        r = ratio(entry)
        target = TARGETS.get(entry["kind"])
        mark = "" if target is None or r is None else ("ok" if r <= target else "SLOWER")
        cells = [
            f"{group:40s} {entry['kind']:12s}",
            f"{1e3 * entry.get('numpy', float('nan')):9.2f}",
            f"{1e3 * entry.get('torch', float('nan')):9.2f}",
            f"{r:6.2f}" if r is not None else f"{'-':>6s}",
        ]
        if before is not None:
            old = ratio(before.get(group, {}))
            cells.append(f"{old:6.2f}" if old is not None else f"{'-':>6s}")
        cells.append(f" {'-' if target is None else f'<= {target:g}':7s} {mark}")
        lines.append(" ".join(cells).rstrip())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench_reference", description=__doc__)
    parser.add_argument("-k", dest="select", help="pytest -k expression (a subset of rows)")
    parser.add_argument("--max-time", type=float, default=0.5, help="seconds per benchmark")
    parser.add_argument("--save", type=Path, help="keep pytest-benchmark's JSON report here")
    parser.add_argument("--compare", type=Path, help="an earlier --save report: 'before' column")
    args = parser.parse_args(argv)
    before = None
    if args.compare is not None:
        try:
            before = medians(json.loads(args.compare.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError) as exc:
            raise SystemExit(f"bench-reference: cannot read {args.compare}: {exc}") from None
    with tempfile.TemporaryDirectory(prefix="bench-reference-") as tmp:
        json_path = args.save.resolve() if args.save else Path(tmp) / "report.json"
        run_benchmarks(json_path, args.select, args.max_time)
        report = json.loads(json_path.read_text(encoding="utf-8"))
    print("reference vs torch on the CPU, one thread each; median of each side; ratio numpy/torch")
    print(render(medians(report), before))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
