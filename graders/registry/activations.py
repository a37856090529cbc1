"""Registry entries for ``activations``: every activation and its derivative, against torch.

Forward items compare with ``torch.nn.functional``; gradient items with torch autograd (the
elementwise derivative, torch's value at kinks) or the Jacobian for softmax/log_softmax, laid out
as ``x.shape + (C,)``: ``J[..., i, ..., j] = d f(x)[..., i, ...] / d x[..., j, ...]`` with ``i``
at the softmax axis's own position and ``j`` last.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from graders import oracle
from graders.registry import Case, Category, Item

EDGE = np.array(
    [
        0.0,
        -0.0,
        1e-3,
        -1e-3,
        1.0,
        -1.0,
        20.0,
        -20.0,
        20.01,
        -20.01,
        1000.0,
        -1000.0,
        np.inf,
        -np.inf,
        np.nan,
    ]
)
KINKS = np.array([0.0, -0.0])


def _random(rng: np.random.Generator, shape: tuple[int, ...], scale: float = 3.0) -> np.ndarray:
    return rng.normal(0.0, scale, size=shape)


def _shapes_cases(
    rng: np.random.Generator,
    hidden: bool,
    hyper: list[dict[str, Any]],
    kinks: np.ndarray,
    softmax: bool = False,
) -> list[Case]:
    """Correctness on several shapes and layouts, hyperparameters, stability, kinks, edges."""
    c = Category
    cases: list[Case] = []
    if hidden:
        for k in range(3):
            shape = tuple(int(s) for s in rng.integers(1, 7, size=int(rng.integers(1, 4))))
            cases.append(Case(f"random-{k}", c.CORRECTNESS, (_random(rng, shape),)))
        for k, kw in enumerate(hyper[:2]):
            cases.append(Case(f"hyper-{k}", c.HYPERPARAMETERS, (_random(rng, (5, 4)),), kw))
        return cases
    shapes: list[tuple[str, tuple[int, ...]]] = [
        ("vector", (7,)),
        ("matrix", (3, 4)),
        ("batch-of-1", (1, 5)),
        ("3d", (2, 3, 5)),
    ]
    if not softmax:
        shapes = [("scalar", ()), ("size-1", (1,)), *shapes]
    for label, shape in shapes:
        cases.append(Case(label, c.CORRECTNESS, (_random(rng, shape),)))
    cases.append(Case("non-contiguous-transpose", c.CORRECTNESS, (_random(rng, (6, 4)).T,)))
    cases.append(Case("non-contiguous-stride", c.CORRECTNESS, (_random(rng, (3, 8))[:, ::2],)))
    cases.append(Case("float32", c.CORRECTNESS, (_random(rng, (4, 3)).astype(np.float32),)))
    cases.append(Case("empty", c.EDGE, (np.zeros((0,) if not softmax else (0, 3)),)))
    for k, kw in enumerate(hyper):
        shape = (2, 3, 4) if "dim" in kw else (4, 5)
        label = "-".join(f"{n}={v}" for n, v in kw.items())
        cases.append(Case(f"hyper-{k}-{label}", c.HYPERPARAMETERS, (_random(rng, shape),), kw))
    big = rng.choice([-1.0, 1.0], size=(3, 4)) * rng.uniform(900, 1100, size=(3, 4))
    strict = {"errstate": "raise"}  # no overflow / invalid warnings allowed
    cases.append(Case("stability-1000", c.STABILITY, (big,), spec=strict))
    cases.append(Case("stability-1e4", c.STABILITY, (big * 10.0,), spec=strict))
    if softmax:
        cases.append(
            Case(
                "stability-shift",
                c.STABILITY,
                (np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1001.0, -999.0]]),),
                spec=strict,
            )
        )
        cases.append(
            Case("edge-inf", c.EDGE, (np.array([[0.0, 1.0, -np.inf], [2.0, -np.inf, 1e-3]]),))
        )
    else:
        cases.append(Case("edge-grid", c.EDGE, (EDGE.copy(),)))
        cases.append(Case("kinks", c.CONVENTION, (kinks.copy(),)))
        for kw in hyper[:1]:
            cases.append(Case("kinks-hyper", c.CONVENTION, (kinks.copy(),), kw))
    return cases


def _forward_oracle(fname: str, case: Case, device: str) -> dict[str, Any]:
    t = oracle.torch()
    x = case.args[0]
    fn = getattr(t.nn.functional, fname) if fname not in ("sigmoid", "tanh") else getattr(t, fname)
    kwargs = dict(case.kwargs)
    if fname in ("softmax", "log_softmax"):
        kwargs.setdefault("dim", -1)  # torch's implicit dim is legacy; the API says -1
    y = fn(oracle.tensor(x, device), **kwargs)
    return {"out": oracle.numpy(y, like=x)}


def _grad_oracle(fname: str, case: Case, device: str) -> dict[str, Any]:
    t = oracle.torch()
    x = case.args[0]
    fn = getattr(t.nn.functional, fname) if fname not in ("sigmoid", "tanh") else getattr(t, fname)
    xt = oracle.tensor(x, device, requires_grad=True)
    y = fn(xt, **case.kwargs)
    # A scalar objective, not grad_outputs: a tensor grad_outputs makes torch import sympy.
    (g,) = t.autograd.grad(y.sum(), xt) if xt.numel() else (t.zeros_like(xt),)
    return {"out": oracle.numpy(g, like=x)}


def _jacobian_oracle(fname: str, case: Case, device: str) -> dict[str, Any]:
    """Jacobian along the softmax axis via one autograd pass per output index ``i``."""
    t = oracle.torch()
    x = case.args[0]
    dim = case.kwargs.get("dim", -1)
    xt = oracle.tensor(x, device, requires_grad=True)
    y = getattr(t.nn.functional, fname)(xt, dim=dim)
    n = xt.shape[dim] if xt.ndim else 1
    d = dim % xt.ndim
    rows = []
    for i in range(n):
        onehot = t.zeros_like(y)
        onehot.select(d, i).fill_(1.0)
        (g,) = t.autograd.grad((y * onehot).sum(), xt, retain_graph=True)
        rows.append(g.movedim(d, -1))  # batch... x C_j, the i-th output's gradient
    jac = t.stack(rows, dim=-2) if rows else t.zeros((*xt.shape, n), dtype=xt.dtype)
    # jac has batch dims (without d), then i, then j: move i back to position d.
    if rows:
        jac = jac.movedim(-2, d)
    return {"out": oracle.numpy(jac, like=x)}


def _item(
    name: str,
    points: float,
    cases: Callable[..., list[Case]],
    oracle_fn: Callable[..., dict[str, Any]],
    tolerance: str = "default",
) -> Item:
    return Item(
        name=f"activations.{name}",
        points=points,
        cases=cases,
        oracle=oracle_fn,
        tolerance=tolerance,
    )


HYPER: dict[str, list[dict[str, Any]]] = {
    "sigmoid": [],
    "tanh": [],
    "relu": [],
    "silu": [],
    "leaky_relu": [{"negative_slope": 0.2}, {"negative_slope": 1.5}, {"negative_slope": 0.0}],
    "elu": [{"alpha": 0.5}, {"alpha": 2.5}],
    "softplus": [{"beta": 2.0}, {"beta": 0.5, "threshold": 5.0}, {"threshold": 1.0}],
    "softmax": [{"dim": 0}, {"dim": 1}, {"dim": -2}],
    "log_softmax": [{"dim": 0}, {"dim": 1}],
}
POINTS = {
    "sigmoid": 2,
    "tanh": 2,
    "relu": 2,
    "leaky_relu": 2,
    "elu": 2,
    "silu": 2,
    "softplus": 2,
    "softmax": 3,
    "log_softmax": 3,
}
SOFTPLUS_KINKS = np.array([0.0, 20.0, -20.0, 19.999999, 20.000001])


def _kinks(name: str) -> np.ndarray:
    return SOFTPLUS_KINKS if name == "softplus" else KINKS


ITEMS: list[Item] = []
for _name, _pts in POINTS.items():
    _sm = _name in ("softmax", "log_softmax")
    _build = partial(
        lambda rng, hidden, n, sm: _shapes_cases(rng, hidden, HYPER[n], _kinks(n), softmax=sm),
        n=_name,
        sm=_sm,
    )
    ITEMS.append(_item(_name, _pts, _build, partial(_forward_oracle, _name)))
for _name, _pts in POINTS.items():
    _sm = _name in ("softmax", "log_softmax")
    _build = partial(
        lambda rng, hidden, n, sm: _shapes_cases(rng, hidden, HYPER[n], _kinks(n), softmax=sm),
        n=_name,
        sm=_sm,
    )
    _oracle = partial(_jacobian_oracle if _sm else _grad_oracle, _name)
    ITEMS.append(_item(f"{_name}_grad", _pts, _build, _oracle, tolerance="gradient"))
