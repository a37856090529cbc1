"""The reference's activations and losses against torch on the CPU, one thread each side.

Every function of ``reference/activations.py`` and ``reference/losses.py``, forward and
gradient, on inputs of about 10^6 elements (smaller where the work is not linear in the input:
the softmax Jacobians, multilabel_margin's pairs, CTC's recursion). The torch side of a
``_grad`` row is autograd (forward and backward), the equivalent each docstring names.
Run by ``make bench-reference`` (``python -m tools.bench_reference``), which prints the
numpy/torch ratio of each function; never by ``make test``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from benchmarks.harness import SIDES, Inputs, Row, autograd, bench_row
from reference import activations as A
from reference import losses as L

N = 10**6  # elements of an elementwise input
ROWS_BY_CLASSES = (10**4, 100)  # (N, C) inputs of the class losses: 10^6 logits


def normal(*shape: int, **kwargs: Any) -> Callable[[np.random.Generator], Inputs]:
    return lambda rng: ((3 * rng.standard_normal(shape),), dict(kwargs))


def two(
    make_y: Callable[[np.random.Generator, tuple[int, ...]], np.ndarray],
    shape: tuple[int, ...] = (N,),
    **kwargs: Any,
) -> Callable[[np.random.Generator], Inputs]:
    """A standard-normal input and a target from ``make_y``."""
    return lambda rng: ((rng.standard_normal(shape), make_y(rng, shape)), dict(kwargs))


def gaussian(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.standard_normal(shape)


def signs(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.choice([-1.0, 1.0], size=shape)


def bits(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.integers(0, 2, shape).astype(np.float64)


def classes(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.integers(0, shape[-1], shape[:-1])


def probabilities(rng: np.random.Generator) -> Inputs:
    return (rng.uniform(0.01, 0.99, N), rng.uniform(0, 1, N)), {}


def kl_inputs(rng: np.random.Generator) -> Inputs:
    logits = rng.standard_normal(ROWS_BY_CLASSES)
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    return (log_p, rng.dirichlet(np.ones(ROWS_BY_CLASSES[1]), ROWS_BY_CLASSES[0])), {
        "reduction": "batchmean"
    }


def poisson_inputs(rng: np.random.Generator) -> Inputs:
    return (rng.standard_normal(N), rng.poisson(2.0, N).astype(np.float64)), {"full": True}


def ranking_inputs(rng: np.random.Generator) -> Inputs:
    return (rng.standard_normal(N), rng.standard_normal(N), signs(rng, (N,))), {"margin": 0.1}


def multilabel_inputs(rng: np.random.Generator) -> Inputs:
    """(N, C) = (10^4, 20): the loss compares every target with every class, N*C*C pairs."""
    n, c = 10**4, 20
    target = np.full((n, c), -1)
    k = rng.integers(0, 5, n)
    for j in range(5):
        rows = k > j
        target[rows, j] = rng.integers(0, c, rows.sum())
    return (rng.standard_normal((n, c)), target), {}


def triplet_inputs(rng: np.random.Generator) -> Inputs:
    return tuple(rng.standard_normal(ROWS_BY_CLASSES) for _ in range(3)), {"swap": True}


def cosine_inputs(rng: np.random.Generator) -> Inputs:
    x1, x2 = rng.standard_normal(ROWS_BY_CLASSES), rng.standard_normal(ROWS_BY_CLASSES)
    return (x1, x2, signs(rng, ROWS_BY_CLASSES[:1])), {"margin": 0.2}


def ctc_inputs(rng: np.random.Generator) -> Inputs:
    """(T, N, C) = (100, 32, 20) log-probabilities, targets of 30 labels: T*N sequential steps."""
    t, n, c, s = 100, 32, 20, 30
    logits = rng.standard_normal((t, n, c))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    targets = rng.integers(1, c, (n, s))
    return (log_probs, targets, np.full(n, t), rng.integers(10, s, n)), {}


def center_inputs(rng: np.random.Generator) -> Inputs:
    m, d, k = ROWS_BY_CLASSES[0], ROWS_BY_CLASSES[1], 10
    return (rng.standard_normal((m, d)), rng.integers(0, k, m), rng.standard_normal((k, d))), {}


def torch_center_loss(
    features: torch.Tensor, labels: torch.Tensor, centers: torch.Tensor
) -> torch.Tensor:
    """The notes' L_C = 1/2 sum_i ||x_i - c_{y_i}||^2, written in torch (no torch operator)."""
    return 0.5 * ((features - centers[labels]) ** 2).sum()


def torch_ctc_of_logits(logits: torch.Tensor, *args: Any, **kwargs: Any) -> torch.Tensor:
    """CTC of log_softmax(logits): the reference's gradient is w.r.t. these logits."""
    return F.ctc_loss(F.log_softmax(logits, dim=-1), *args, **kwargs)


def softmax_jacobian(log: bool) -> Callable[[torch.Tensor, int], torch.Tensor]:
    """torch's per-row Jacobians of (log_)softmax along the last axis: vmap(jacrev(...))."""
    fn = torch.log_softmax if log else torch.softmax
    return lambda x, dim: torch.func.vmap(torch.func.jacrev(lambda row: fn(row, -1)))(x)


def activation_rows() -> list[Row]:
    torch_fns = {
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": F.relu,
        "leaky_relu": F.leaky_relu,
        "elu": F.elu,
        "silu": F.silu,
        "softplus": F.softplus,
    }
    rows = []
    for name, fn in torch_fns.items():
        rows.append(Row(name, getattr(A, name), fn, normal(N)))
        rows.append(Row(f"{name}_grad", getattr(A, f"{name}_grad"), autograd(fn), normal(N)))
    for name, fn in (("softmax", torch.softmax), ("log_softmax", torch.log_softmax)):
        rows.append(Row(name, getattr(A, name), fn, normal(*ROWS_BY_CLASSES, dim=-1), "softmax"))
        rows.append(
            Row(
                f"{name}_grad",
                getattr(A, f"{name}_grad"),
                softmax_jacobian(name == "log_softmax"),
                normal(1000, 32, dim=-1),  # 32x32 Jacobian per row: 10^6 entries out
                "jacobian",
            )
        )
    return rows


#: loss name -> (input maker, number of differentiated leading arguments, torch callable)
LOSSES: dict[str, tuple[Callable[[np.random.Generator], Inputs], int, Callable[..., Any]]] = {
    "l1_loss": (two(gaussian), 1, F.l1_loss),
    "mse_loss": (two(gaussian), 1, F.mse_loss),
    "smooth_l1_loss": (two(gaussian, beta=0.5), 1, F.smooth_l1_loss),
    "huber_loss": (two(gaussian, delta=0.5), 1, F.huber_loss),
    "cross_entropy": (two(classes, ROWS_BY_CLASSES, label_smoothing=0.1), 1, F.cross_entropy),
    "nll_loss": (two(classes, ROWS_BY_CLASSES), 1, F.nll_loss),
    "binary_cross_entropy": (probabilities, 1, F.binary_cross_entropy),
    "binary_cross_entropy_with_logits": (two(bits), 1, F.binary_cross_entropy_with_logits),
    "kl_div": (kl_inputs, 1, F.kl_div),
    "poisson_nll_loss": (poisson_inputs, 1, F.poisson_nll_loss),
    "margin_ranking_loss": (ranking_inputs, 2, F.margin_ranking_loss),
    "multilabel_margin_loss": (multilabel_inputs, 1, F.multilabel_margin_loss),
    "soft_margin_loss": (two(signs), 1, F.soft_margin_loss),
    "multilabel_soft_margin_loss": (
        two(bits, ROWS_BY_CLASSES),
        1,
        F.multilabel_soft_margin_loss,
    ),
    "multi_margin_loss": (two(classes, ROWS_BY_CLASSES), 1, F.multi_margin_loss),
    "triplet_margin_loss": (triplet_inputs, 3, F.triplet_margin_loss),
    "hinge_embedding_loss": (two(signs), 1, F.hinge_embedding_loss),
    "cosine_embedding_loss": (cosine_inputs, 2, F.cosine_embedding_loss),
    "ctc_loss": (ctc_inputs, 1, torch_ctc_of_logits),
    "center_loss": (center_inputs, 1, torch_center_loss),
}


def loss_rows() -> list[Row]:
    rows = []
    for name, (make, n_diff, fn) in LOSSES.items():
        forward = F.ctc_loss if name == "ctc_loss" else fn
        rows.append(Row(name, getattr(L, name), forward, make, "loss"))
        rows.append(
            Row(f"{name}_grad", getattr(L, f"{name}_grad"), autograd(fn, n_diff), make, "loss")
        )
    return rows


ROWS = activation_rows() + loss_rows()


def test_every_reference_function_has_a_row() -> None:
    names = {row.name for row in ROWS}
    public = {n for n in (*A.__all__, *L.__all__) if n != "center_loss_update"}
    assert public == names, public ^ names


@pytest.mark.benchmark
@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("row", ROWS, ids=str)
def test_bench(benchmark: Any, row: Row, side: str) -> None:
    bench_row(benchmark, row, side)
