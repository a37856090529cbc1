"""The oracle on CUDA: TF32 off, device stated in the report, the reference still full marks.

Marked ``cuda``: skipped cleanly on a machine without a GPU (see tests/conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from graders import engine, oracle, registry

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.cuda


def test_cuda_is_resolved_and_tf32_is_off() -> None:
    assert oracle.resolve_device("auto") == "cuda"
    t = oracle.torch()
    assert t.backends.cuda.matmul.allow_tf32 is False
    assert t.backends.cudnn.allow_tf32 is False
    info = oracle.versions("cuda")
    assert info["device"] == "cuda" and info["gpu"] and info["tf32"] == "off"


def test_cuda_oracle_agrees_with_cpu_oracle() -> None:
    for item in registry.ITEMS:
        if item.check != "allclose":
            continue
        for case in registry.build_cases(item, engine.PUBLIC_SEED, hidden=False)[:4]:
            cpu, gpu = item.oracle(case, "cpu"), item.oracle(case, "cuda")
            for name, value in cpu.items():
                np.testing.assert_allclose(
                    np.asarray(gpu[name], dtype=float),
                    np.asarray(value, dtype=float),
                    rtol=1e-6,
                    atol=1e-9,
                    equal_nan=True,
                    err_msg=f"{item.name} {case.name}",
                )


def test_reference_scores_full_marks_on_cuda() -> None:
    result = engine.grade(
        ROOT / "reference", list(registry.ITEMS), device="cuda", hidden_seed=11, use_cache=False
    )
    failing = {
        i.name: [c.message for c in i.failures][:2] for i in result.items if i.score != i.points
    }
    assert not failing
    assert result.environment["device"] == "cuda"
