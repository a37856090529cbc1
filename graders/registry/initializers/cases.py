"""Cases of the ``initializers`` items: the public rows of each initializer, and the spaces its
hidden cases are drawn from.

A fill case calls ``module.<name>(tensor, *args, **kwargs, generator=Generator(PCG64(seed)))``
on an array of NaNs of ``spec["shape"]`` through the ``init`` driver.  Public shapes are large
and strongly non-square (a fan_in/fan_out mix-up changes the scale by sqrt(40) or more) and
include 3-D to 5-D weights for everything that computes fans, as torch's own tests do.  Hidden
shapes and hyperparameters are drawn afresh from a space of shapes for each hidden seed (never a
fixed transform of the public ones): any rank from 2 to 5 for the fan-based initializers with
fan_out / fan_in at least 3 either way, 1 to 4 for the plain laws, 10^4 to 10^5 elements so the
statistical tests keep their power.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graders.registry import Case, Category

C = Category
Rng = np.random.Generator
Shape = tuple[int, ...]
TALL, WIDE = (2000, 50), (50, 2000)
CONV1D, CONV2D, CONV3D = (256, 8, 9), (64, 32, 3, 3), (64, 4, 3, 5, 5)
#: Names ``calculate_gain`` accepts (the cases' inputs; the gains themselves come from torch).
NONLINEARITIES = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "selu",
)


@dataclass(frozen=True)
class Fill:
    """One call of an initializer: its label, category, the array's shape and the arguments
    after the array (``sparse_``'s sparsity is positional)."""

    label: str
    category: Category
    shape: Shape
    kwargs: dict[str, Any] = field(default_factory=dict)
    args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class Init:
    """An initializer item: ``initializers.<name>``, its points, its public fills, how its
    hidden fills are drawn, whether its result is random, and its cases that must raise."""

    name: str
    points: float
    public: tuple[Fill, ...]
    hidden: Callable[[Rng], list[Fill]]
    random: bool = True
    raises: tuple[tuple[str, Shape], ...] = ()


def _name(shape: Shape) -> str:
    return "shape-" + "x".join(map(str, shape))


def _round(x: float, digits: int = 3) -> float:
    return float(np.round(x, digits))


def init_cases(init: Init, rng: Rng, hidden: bool) -> list[Case]:
    """The fills of ``init`` (drawn when hidden), each with its own generator seed, then the
    shapes that must raise ``ValueError`` (public only)."""
    seed = int(rng.integers(1 << 30))
    fills = init.hidden(rng) if hidden else list(init.public)
    cases = []
    for k, fill in enumerate(fills):
        spec: dict[str, Any] = {"shape": list(fill.shape), "global_seed": (seed + k) % 10007}
        if init.random:
            spec["seed"] = seed + 1000 * k
            spec["repeat_shape"] = [min(n, 6) for n in fill.shape]  # the repeated calls: small
        cases.append(
            Case(
                fill.label,
                fill.category,
                fill.args,
                dict(fill.kwargs),
                spec=spec,
                data={"random": init.random},
            )
        )
    if not hidden:
        cases += [
            Case(label, C.EDGE, (np.zeros(shape),), spec={"expect_raise": True})
            for label, shape in init.raises
        ]
    return cases


# --------------------------------------------------------------------------- scalar helpers
def gain_cases(rng: Rng, hidden: bool) -> list[Case]:
    """Every nonlinearity, leaky_relu's slope, tanh ignoring its param, two errors."""
    scalar = {"returns": "scalar"}
    if hidden:
        slope = _round(rng.uniform(0.01, 0.5))
        name = str(rng.choice(["relu", "tanh", "selu", "sigmoid", "conv2d"]))
        return [
            Case("leaky_relu-random", C.HYPERPARAMETERS, ("leaky_relu", slope), spec=scalar),
            Case(f"{name}-random-param", C.CONVENTION, (name, slope), spec=scalar),
        ]
    cases = [Case(n, C.CORRECTNESS, (n,), spec=scalar) for n in NONLINEARITIES]
    cases += [
        Case(f"leaky_relu-param-{p}", C.HYPERPARAMETERS, ("leaky_relu", p), spec=scalar)
        for p in (0.2, 0.0, 1.0)
    ]
    cases += [Case("tanh-param-ignored", C.CONVENTION, ("tanh", 0.5), spec=scalar)]
    return [
        *cases,
        Case("unknown-nonlinearity", C.EDGE, ("swishy",), spec={"expect_raise": True}),
        Case("bad-slope", C.EDGE, ("leaky_relu", "x"), spec={"expect_raise": True}),
    ]


def fan_cases(rng: Rng, hidden: bool) -> list[Case]:
    """Weights of rank 2 to 5 (linear, conv1d/2d/3d), a zero-size one, and a 1-D one that
    must raise."""
    if hidden:
        ranks = rng.integers(2, 6, size=2)
        shapes = [tuple(int(s) for s in rng.integers(1, 9, size=int(r))) for r in ranks]
    else:
        shapes = [(3, 5), (1, 1), TALL, CONV2D, (16, 8, 5), (8, 4, 2, 3, 3), (7, 0)]
    spec = {"returns": "tuple", "outputs": ["fan_in", "fan_out"], "scalars": True}
    cases = [Case(_name(s), C.CORRECTNESS, (np.zeros(s),), spec=spec) for s in shapes]
    if not hidden:
        cases.append(Case("1d-raises", C.EDGE, (np.zeros(5),), spec={"expect_raise": True}))
    return cases


# --------------------------------------------------------------------------- the shape spaces
def _loguniform(rng: Rng, low: float, high: float) -> float:
    return float(np.exp(rng.uniform(math.log(low), math.log(high))))


def law_shape(rng: Rng) -> Shape:
    """Any rank from 1 to 4, 10^4 to 10^5 elements split at random among the dimensions."""
    ndim = int(rng.integers(1, 5))
    numel = _loguniform(rng, 1e4, 1e5)
    weights = rng.dirichlet(np.ones(ndim))
    shape = [max(1, round(numel**w)) for w in weights]
    shape[int(np.argmax(shape))] = max(2, round(numel / math.prod(shape) * max(shape)))
    return tuple(int(s) for s in shape)


def fan_shape(rng: Rng) -> Shape:
    """A weight of rank 2 to 5 (``(out, in, *kernel)``, kernel sides 1 to 5) with about 10^4
    to 10^5 elements and out / in (= fan_out / fan_in) between 3 and 30, either way round."""
    ndim = int(rng.integers(2, 6))
    kernel = [int(k) for k in rng.integers(1, 6, size=ndim - 2)]
    numel, ratio = _loguniform(rng, 1e4, 1e5), _loguniform(rng, 3.0, 30.0)
    small = max(1, round(math.sqrt(numel / (math.prod(kernel) * ratio))))
    big = max(3 * small, round(small * ratio))
    out, inp = (big, small) if rng.random() < 0.5 else (small, big)
    return (out, inp, *kernel)


def orthogonal_shape(rng: Rng) -> Shape:
    """A weight of rank 2 to 5 whose flattened (rows, numel / rows) matrix has sides of 1 to
    about 240 and a longer side of at least 32 (so a permutation is told from a rotation)."""
    while True:
        ndim = int(rng.integers(2, 6))
        kernel = [int(k) for k in rng.integers(1, 5, size=ndim - 2)]
        rows = round(_loguniform(rng, 4, 240))
        inp = max(1, round(_loguniform(rng, 4, 240) / math.prod(kernel)))
        if max(rows, inp * math.prod(kernel)) >= 32:
            return (rows, inp, *kernel)


def sparse_shape(rng: Rng) -> Shape:
    """(rows, cols) with 50 to 1500 rows and 40 to 300 columns."""
    return (round(_loguniform(rng, 50, 1500)), round(_loguniform(rng, 40, 300)))


def small_shape(rng: Rng) -> Shape:
    """Rank 1 to 4, sides 1 to 6 (the deterministic fills)."""
    return tuple(int(s) for s in rng.integers(1, 7, size=int(rng.integers(1, 5))))


# --------------------------------------------------------------------------- the hidden fills
def hidden_uniform(rng: Rng) -> list[Fill]:
    a = _round(rng.uniform(-2.0, 1.0))
    b = _round(a + _loguniform(rng, 0.1, 5.0))
    return [
        Fill("random", C.CORRECTNESS, law_shape(rng)),
        Fill("random-a-b", C.HYPERPARAMETERS, law_shape(rng), {"a": a, "b": b}),
    ]


def hidden_normal(rng: Rng) -> list[Fill]:
    kwargs = {"mean": _round(rng.uniform(-2.0, 2.0)), "std": _round(_loguniform(rng, 0.01, 3.0))}
    return [
        Fill("random", C.CORRECTNESS, law_shape(rng)),
        Fill("random-mean-std", C.HYPERPARAMETERS, law_shape(rng), kwargs),
    ]


def hidden_trunc_normal(rng: Rng) -> list[Fill]:
    """Bounds at alpha, beta standard deviations from the mean, -2.5 <= alpha <= 0.5,
    alpha + 0.5 <= beta <= 3 (so the interval keeps at least 1.7 % of the mass)."""
    mean, std = _round(rng.uniform(-1.0, 1.0)), _round(_loguniform(rng, 0.1, 2.0))
    alpha = rng.uniform(-2.5, 0.5)
    beta = rng.uniform(alpha + 0.5, 3.0)
    kwargs = {"mean": mean, "std": std, "a": _round(mean + std * alpha)}
    kwargs["b"] = max(_round(mean + std * beta), kwargs["a"] + 0.01)
    return [
        Fill("random", C.CORRECTNESS, law_shape(rng)),
        Fill("random-bounds", C.HYPERPARAMETERS, law_shape(rng), kwargs),
    ]


def hidden_xavier(rng: Rng) -> list[Fill]:
    gain = _round(rng.uniform(0.5, 3.0))
    return [
        Fill("random", C.CORRECTNESS, fan_shape(rng)),
        Fill("random-gain", C.HYPERPARAMETERS, fan_shape(rng), {"gain": gain}),
    ]


def hidden_kaiming(rng: Rng) -> list[Fill]:
    kwargs = {
        "a": _round(rng.uniform(0.0, 0.5)),
        "mode": str(rng.choice(["fan_in", "fan_out"])),
        "nonlinearity": str(rng.choice(["leaky_relu", "relu", "tanh", "selu", "linear"])),
    }
    return [
        Fill("random", C.CORRECTNESS, fan_shape(rng)),
        Fill("random-args", C.HYPERPARAMETERS, fan_shape(rng), kwargs),
    ]


def hidden_orthogonal(rng: Rng) -> list[Fill]:
    gain = _round(rng.uniform(0.5, 3.0))
    return [
        Fill("random", C.CORRECTNESS, orthogonal_shape(rng)),
        Fill("random-gain", C.HYPERPARAMETERS, orthogonal_shape(rng), {"gain": gain}),
    ]


def hidden_sparse(rng: Rng) -> list[Fill]:
    sparsity = [_round(rng.uniform(0.05, 0.5), 2) for _ in range(2)]
    std = _round(_loguniform(rng, 0.005, 2.0), 4)
    return [
        Fill("random", C.CORRECTNESS, sparse_shape(rng), args=(sparsity[0],)),
        Fill("random-std", C.HYPERPARAMETERS, sparse_shape(rng), {"std": std}, (sparsity[1],)),
    ]


def hidden_constant(rng: Rng) -> list[Fill]:
    return [Fill("random", C.CORRECTNESS, small_shape(rng), {"val": _round(rng.normal())})]


def hidden_fill(rng: Rng) -> list[Fill]:
    return [Fill("random", C.CORRECTNESS, small_shape(rng))]


def hidden_eye(rng: Rng) -> list[Fill]:
    return [Fill("random", C.CORRECTNESS, tuple(int(s) for s in rng.integers(1, 9, size=2)))]


def hidden_dirac(rng: Rng) -> list[Fill]:
    """Rank 3 to 5 with kernel sides 1 to 5, and the same with 2 or 3 groups."""
    fills = []
    for label, groups in (("random", 1), ("random-groups", int(rng.integers(2, 4)))):
        kernel = [int(k) for k in rng.integers(1, 6, size=int(rng.integers(1, 4)))]
        shape = (groups * int(rng.integers(1, 6)), int(rng.integers(1, 6)), *kernel)
        kwargs = {"groups": groups} if groups > 1 else {}
        category = C.HYPERPARAMETERS if groups > 1 else C.CORRECTNESS
        fills.append(Fill(label, category, shape, kwargs))
    return fills
