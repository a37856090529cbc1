"""A table-driven NumPy-vs-torch benchmark: one :class:`Row` per function, one group per row.

A row names a function, the reference (NumPy) callable, the torch callable and an input maker.
The maker returns seeded NumPy ``(args, kwargs)``; the torch side receives the same values as
tensors (floating arrays as float64 tensors sharing memory, integer arrays as int64 tensors;
anything else as is). :func:`bench_row` times one side of one row with pytest-benchmark, in the
group ``row.name``, so ``numpy`` and ``torch`` sit side by side. torch runs on one thread.

To add functions, write a ``benchmarks/test_bench_<topic>.py`` with its own ``ROWS`` and::

    @pytest.mark.benchmark
    @pytest.mark.parametrize("side", SIDES)
    @pytest.mark.parametrize("row", ROWS, ids=str)
    def test_bench(benchmark, row, side):
        bench_row(benchmark, row, side)

``python -m tools.bench_reference`` runs every file here and prints the numpy/torch ratios.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

torch.set_num_threads(1)

SIDES = ("numpy", "torch")
Inputs = tuple[tuple[Any, ...], dict[str, Any]]


@dataclass(frozen=True)
class Row:
    """One benchmarked function.

    ``kind`` groups rows in the report and selects their ratio target (``TARGETS`` of
    ``tools.bench_reference``): ``"elementwise"``, ``"softmax"``, ``"jacobian"``, ``"loss"``.
    """

    name: str
    reference: Callable[..., Any]
    torch: Callable[..., Any]
    make: Callable[[np.random.Generator], Inputs]
    kind: str = "elementwise"

    def __str__(self) -> str:
        return self.name


def to_torch(a: Any) -> Any:
    """The torch view of one argument (see the module docstring)."""
    if isinstance(a, np.ndarray):
        if a.dtype.kind in "iub":
            return torch.from_numpy(a.astype(np.int64))
        return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float64))
    if isinstance(a, list):
        return [to_torch(v) for v in a]
    return a


def autograd(fn: Callable[..., torch.Tensor], n_diff: int = 1) -> Callable[..., Any]:
    """``torch.autograd.grad(fn(*args, **kwargs).sum(), args[:n_diff])``: forward and backward.

    The torch equivalent each ``_grad`` docstring names (``.sum()`` makes the upstream gradient
    ones; a reduced loss is already a scalar).
    """

    def grad(*args: Any, **kwargs: Any) -> Any:
        leaves = [a.detach().requires_grad_() for a in args[:n_diff]]
        return torch.autograd.grad(fn(*leaves, *args[n_diff:], **kwargs).sum(), leaves)

    return grad


def bench_row(benchmark: Any, row: Row, side: str, seed: int = 0) -> None:
    """Time ``row``'s ``side`` (``"numpy"`` or ``"torch"``) on the row's seeded inputs."""
    args, kwargs = row.make(np.random.default_rng(seed))
    benchmark.group = row.name
    benchmark.extra_info["kind"] = row.kind
    benchmark.extra_info["elements"] = int(
        sum(np.size(a) for a in args if isinstance(a, np.ndarray))
    )
    if side == "numpy":
        benchmark(row.reference, *args, **kwargs)
    else:
        targs = tuple(to_torch(a) for a in args)
        benchmark(row.torch, *targs, **{k: to_torch(v) for k, v in kwargs.items()})
