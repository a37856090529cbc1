"""Speed of ``reference/layers.py`` against torch on the CPU, one thread each, side by side.

A batch of 64 images 3×64×64 (float32): ``conv2d`` with 16 filters 3×3 (bias), ``max_pool2d``
and ``avg_pool2d`` with 2×2 windows, stride 2; forward, and backward (the ``_grad`` function
against torch's forward plus ``autograd.grad``: both recompute the forward). One pytest-benchmark
group per function and direction, ``numpy`` beside ``torch``; at the end the median ratios
numpy/torch are printed (the target is within 3×). Nothing here asserts on time.

Run: ``.venv/bin/python -m pytest benchmarks/test_bench_layers.py -m benchmark`` (``make test``
never collects ``benchmarks/`` and deselects the ``benchmark`` marker).
"""

from __future__ import annotations

import os
import sys
import warnings

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before NumPy and torch load their BLAS
if "numpy" in sys.modules:  # pragma: no cover - depends on what imported NumPy first
    warnings.warn("NumPy was imported first: BLAS may use several threads", stacklevel=1)

from collections.abc import Callable, Iterator  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from reference import layers as L  # noqa: E402

torch.set_num_threads(1)

SHAPE = (64, 3, 64, 64)
FILTERS = (16, 3, 3, 3)
IMPLS = ("numpy", "torch")
MEDIANS: dict[str, dict[str, float]] = {}


def _data() -> dict[str, Any]:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(SHAPE, dtype=np.float32)
    w = rng.standard_normal(FILTERS, dtype=np.float32)
    b = rng.standard_normal(FILTERS[0], dtype=np.float32)
    return {
        "x": x,
        "w": w,
        "b": b,
        "g_conv": rng.standard_normal((64, 16, 62, 62), dtype=np.float32),
        "g_pool": rng.standard_normal((64, 3, 32, 32), dtype=np.float32),
    }


DATA = _data()


def _torch_backward(
    fn: Callable[..., torch.Tensor], arrays: list[np.ndarray], g: np.ndarray
) -> Any:
    leaves = [torch.from_numpy(a).requires_grad_(True) for a in arrays]
    grad_output = torch.from_numpy(g)

    def run() -> Any:
        return torch.autograd.grad(fn(*leaves), leaves, grad_output)

    return run


def _cases() -> dict[str, dict[str, Callable[[], Any]]]:
    x, w, b = DATA["x"], DATA["w"], DATA["b"]
    tx, tw, tb = (torch.from_numpy(a) for a in (x, w, b))
    gc, gp = DATA["g_conv"], DATA["g_pool"]

    def no_grad(f: Callable[[], torch.Tensor]) -> Callable[[], torch.Tensor]:
        def run() -> torch.Tensor:
            with torch.no_grad():
                return f()

        return run

    return {
        "conv2d-forward": {
            "numpy": lambda: L.conv2d(x, w, b),
            "torch": no_grad(lambda: F.conv2d(tx, tw, tb)),
        },
        "conv2d-backward": {
            "numpy": lambda: L.conv2d_grad(x, w, b, grad_output=gc),
            "torch": _torch_backward(F.conv2d, [x, w, b], gc),
        },
        "max_pool2d-forward": {
            "numpy": lambda: L.max_pool2d(x, 2),
            "torch": no_grad(lambda: F.max_pool2d(tx, 2)),
        },
        "max_pool2d-backward": {
            "numpy": lambda: L.max_pool2d_grad(x, 2, grad_output=gp),
            "torch": _torch_backward(lambda a: F.max_pool2d(a, 2), [x], gp),
        },
        "avg_pool2d-forward": {
            "numpy": lambda: L.avg_pool2d(x, 2),
            "torch": no_grad(lambda: F.avg_pool2d(tx, 2)),
        },
        "avg_pool2d-backward": {
            "numpy": lambda: L.avg_pool2d_grad(x, 2, grad_output=gp),
            "torch": _torch_backward(lambda a: F.avg_pool2d(a, 2), [x], gp),
        },
    }


CASES = _cases()


@pytest.fixture(scope="module", autouse=True)
def _ratio_table(request: pytest.FixtureRequest) -> Iterator[None]:
    """After the module: one line per group, the median times and numpy/torch."""
    yield
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is None or capture is None or not MEDIANS:
        return
    lines = ["", f"{'median (ms)':22} {'numpy':>9} {'torch':>9} {'numpy/torch':>12}"]
    for group, times in MEDIANS.items():
        if set(times) == set(IMPLS):
            ratio = times["numpy"] / times["torch"]
            numpy_ms, torch_ms = times["numpy"] * 1e3, times["torch"] * 1e3
            lines.append(f"{group:22} {numpy_ms:9.2f} {torch_ms:9.2f} {ratio:12.2f}")
    with capture.global_and_fixture_disabled():
        for line in lines:
            reporter.write_line(line)


def _bench(benchmark: Any, group: str, side: str) -> None:
    benchmark.group = group
    benchmark.extra_info["kind"] = "layer"  # (make bench-reference's target: within 3x)
    benchmark.pedantic(CASES[group][side], rounds=15, iterations=1, warmup_rounds=2)
    MEDIANS.setdefault(group, {})[side] = benchmark.stats.stats.median


@pytest.mark.benchmark
@pytest.mark.parametrize("side", IMPLS)
@pytest.mark.parametrize("group", list(CASES))
def test_layer_speed(benchmark: Any, group: str, side: str) -> None:
    _bench(benchmark, group, side)


@pytest.mark.benchmark
def test_numpy_and_torch_compute_the_same() -> None:
    """The timed calls agree (float32 tolerance), so the table compares like with like."""
    for group, impls in CASES.items():
        ours, theirs = impls["numpy"](), impls["torch"]()
        ours = ours if isinstance(ours, tuple) else (ours,)
        theirs = theirs if isinstance(theirs, tuple) else (theirs,)
        for a, t in zip(ours, theirs, strict=True):
            want = t.numpy()  # float32 sums of up to 246 016 terms: tolerance by the scale
            scale = float(np.abs(want).max())
            np.testing.assert_allclose(a, want, rtol=1e-4, atol=1e-5 * scale, err_msg=group)
