"""Registry entries for ``activations``: every activation and its derivative, against torch.

Each activation is one row of :data:`ACTIVATIONS`, and gives two items: ``activations.<name>``
(the value, against torch's function) and ``activations.<name>_grad`` (torch autograd's
elementwise derivative, torch's value at kinks; for softmax and log_softmax the Jacobian along
``dim``, laid out as ``x.shape + (C,)``: ``J[..., i, ..., j] = d f(x)[..., i, ...] / d x[..., j,
...]`` with ``i`` at the softmax axis's own position and ``j`` last).  Adding an activation is
one row here beside its reference function (docs/adding-a-function.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from graders import oracle
from graders.registry import Case, Category, Item

C = Category
#: Where every elementwise activation is also tried: signed zeros, the softplus threshold's
#: neighbours, |x| of 1000, the infinities and nan.
EDGE = (0.0, -0.0, 1e-3, -1e-3, 1.0, -1.0, 20.0, -20.0, 20.01, -20.01, 1000.0, -1000.0)
EDGE_SPECIAL = (np.inf, -np.inf, np.nan)
STRICT = {"errstate": "raise"}  # stability cases: no overflow / invalid / divide warnings
Torch = Callable[[Any], Callable[..., Any]]  # torch -> the function


@dataclass(frozen=True)
class Activation:
    """One activation: its points (value and derivative each), torch's function, the
    non-default keywords to try, and where its kinks are (the convention cases)."""

    name: str
    points: float
    torch: Torch
    hyper: tuple[dict[str, Any], ...] = ()
    kinks: tuple[float, ...] = (0.0, -0.0)
    softmax: bool = False  # a normalisation along ``dim``: the derivative is a Jacobian


def _functional(name: str) -> Torch:
    return lambda t: getattr(t.nn.functional, name)


ACTIVATIONS: tuple[Activation, ...] = (
    Activation("sigmoid", 2, lambda t: t.sigmoid),
    Activation("tanh", 2, lambda t: t.tanh),
    Activation("relu", 2, _functional("relu")),
    Activation(
        "leaky_relu",
        2,
        _functional("leaky_relu"),
        ({"negative_slope": 0.2}, {"negative_slope": 1.5}, {"negative_slope": 0.0}),
    ),
    Activation("elu", 2, _functional("elu"), ({"alpha": 0.5}, {"alpha": 2.5})),
    Activation("silu", 2, _functional("silu")),
    Activation(
        "softplus",
        2,
        _functional("softplus"),
        ({"beta": 2.0}, {"beta": 0.5, "threshold": 5.0}, {"threshold": 1.0}),
        kinks=(0.0, 20.0, -20.0, 19.999999, 20.000001),
    ),
    Activation(
        "softmax", 3, _functional("softmax"), ({"dim": 0}, {"dim": 1}, {"dim": -2}), softmax=True
    ),
    Activation(
        "log_softmax", 3, _functional("log_softmax"), ({"dim": 0}, {"dim": 1}), softmax=True
    ),
    Activation("gelu", 2, _functional("gelu"), ({"approximate": "tanh"},)),
    Activation("identity", 1, lambda t: t.nn.Identity()),
)


# ------------------------------------------------------------------------------------ cases
def _random(rng: np.random.Generator, shape: tuple[int, ...], scale: float = 3.0) -> np.ndarray:
    return rng.normal(0.0, scale, size=shape)


def _hidden_cases(rng: np.random.Generator, act: Activation) -> list[Case]:
    """Random shapes (1 to 3 dimensions) and hyperparameters."""
    cases = []
    for k in range(3):
        shape = tuple(int(s) for s in rng.integers(1, 7, size=int(rng.integers(1, 4))))
        cases.append(Case(f"random-{k}", C.CORRECTNESS, (_random(rng, shape),)))
    for k, kw in enumerate(act.hyper[:2]):
        cases.append(Case(f"hyper-{k}", C.HYPERPARAMETERS, (_random(rng, (5, 4)),), kw))
    return cases


def _shape_cases(rng: np.random.Generator, act: Activation) -> list[Case]:
    """Correctness on several shapes, layouts and dtypes, and the empty input."""
    shapes: list[tuple[str, tuple[int, ...]]] = [
        ("vector", (7,)),
        ("matrix", (3, 4)),
        ("batch-of-1", (1, 5)),
        ("3d", (2, 3, 5)),
    ]
    if not act.softmax:
        shapes = [("scalar", ()), ("size-1", (1,)), *shapes]
    cases = [Case(label, C.CORRECTNESS, (_random(rng, shape),)) for label, shape in shapes]
    if act.softmax:  # (last, so the other cases keep their draws) a 0-d input is one class
        cases.append(Case("scalar", C.CORRECTNESS, (np.asarray(rng.normal(0.0, 3.0)),)))
    cases.append(Case("non-contiguous-transpose", C.CORRECTNESS, (_random(rng, (6, 4)).T,)))
    cases.append(Case("non-contiguous-stride", C.CORRECTNESS, (_random(rng, (3, 8))[:, ::2],)))
    cases.append(Case("float32", C.CORRECTNESS, (_random(rng, (4, 3)).astype(np.float32),)))
    cases.append(Case("empty", C.EDGE, (np.zeros((0,) if not act.softmax else (0, 3)),)))
    return cases


def _hyper_cases(rng: np.random.Generator, act: Activation) -> list[Case]:
    cases = []
    for k, kw in enumerate(act.hyper):
        shape = (2, 3, 4) if "dim" in kw else (4, 5)
        label = "-".join(f"{n}={v}" for n, v in kw.items())
        cases.append(Case(f"hyper-{k}-{label}", C.HYPERPARAMETERS, (_random(rng, shape),), kw))
    return cases


def _stability_cases(rng: np.random.Generator, act: Activation) -> list[Case]:
    """|x| of 1000 and 1e4 with overflow an error; softmax's shift; kinks and edges."""
    big = rng.choice([-1.0, 1.0], size=(3, 4)) * rng.uniform(900, 1100, size=(3, 4))
    cases = [
        Case("stability-1000", C.STABILITY, (big,), spec=STRICT),
        Case("stability-1e4", C.STABILITY, (big * 10.0,), spec=STRICT),
    ]
    if act.softmax:
        shift = np.array([[1000.0, 1001.0, 999.0], [-1000.0, -1001.0, -999.0]])
        edge = np.array([[0.0, 1.0, -np.inf], [2.0, -np.inf, 1e-3]])
        return [
            *cases,
            Case("stability-shift", C.STABILITY, (shift,), spec=STRICT),
            Case("edge-inf", C.EDGE, (edge,)),
        ]
    kinks = np.array(act.kinks)
    cases.append(Case("edge-grid", C.EDGE, (np.array(EDGE + EDGE_SPECIAL),)))
    cases.append(Case("kinks", C.CONVENTION, (kinks,)))
    cases += [Case("kinks-hyper", C.CONVENTION, (kinks.copy(),), kw) for kw in act.hyper[:1]]
    return cases


def activation_cases(act: Activation, rng: np.random.Generator, hidden: bool) -> list[Case]:
    """Every case of an activation (the same for its value and its derivative)."""
    if hidden:
        return _hidden_cases(rng, act)
    return [*_shape_cases(rng, act), *_hyper_cases(rng, act), *_stability_cases(rng, act)]


# ------------------------------------------------------------------------------------ oracles
def _call(act: Activation, x: Any, kwargs: dict[str, Any]) -> Any:
    if act.softmax:  # torch's implicit dim is legacy; the API says -1
        kwargs = {"dim": -1, **kwargs}
    return act.torch(oracle.torch())(x, **kwargs)


def value_oracle(act: Activation, case: Case, device: str) -> dict[str, Any]:
    """torch's value, in the input's float dtype."""
    x = case.args[0]
    return {"out": oracle.numpy(_call(act, oracle.tensor(x, device), dict(case.kwargs)), like=x)}


def derivative_oracle(act: Activation, case: Case, device: str) -> dict[str, Any]:
    """torch autograd's elementwise derivative (the gradient of the sum)."""
    t = oracle.torch()
    x = case.args[0]
    xt = oracle.tensor(x, device, requires_grad=True)
    y = _call(act, xt, dict(case.kwargs))
    # A scalar objective, not grad_outputs: a tensor grad_outputs makes torch import sympy.
    (g,) = t.autograd.grad(y.sum(), xt) if xt.numel() else (t.zeros_like(xt),)
    return {"out": oracle.numpy(g, like=x)}


def jacobian_oracle(act: Activation, case: Case, device: str) -> dict[str, Any]:
    """The Jacobian along ``dim``, one autograd pass per output index ``i``."""
    t = oracle.torch()
    x = case.args[0]
    xt = oracle.tensor(x, device, requires_grad=True)
    y = _call(act, xt, dict(case.kwargs))
    if xt.ndim == 0:  # a 0-d input is a single class: J has shape (1,)
        (g,) = t.autograd.grad(y, xt)
        return {"out": oracle.numpy(g.reshape(1), like=x)}
    d = case.kwargs.get("dim", -1) % xt.ndim
    rows = []
    for i in range(xt.shape[d]):
        onehot = t.zeros_like(y)
        onehot.select(d, i).fill_(1.0)
        (g,) = t.autograd.grad((y * onehot).sum(), xt, retain_graph=True)
        rows.append(g.movedim(d, -1))  # batch... x C_j: output i's gradient
    if not rows:
        return {"out": oracle.numpy(t.zeros((*xt.shape, 0), dtype=xt.dtype), like=x)}
    # batch dims (without d), then i, then j: i goes back to position d
    return {"out": oracle.numpy(t.stack(rows, dim=-2).movedim(-2, d), like=x)}


def items(act: Activation) -> list[Item]:
    """The value item and the derivative item of an activation."""
    cases = partial(activation_cases, act)
    derivative = jacobian_oracle if act.softmax else derivative_oracle
    return [
        Item(f"activations.{act.name}", act.points, cases, partial(value_oracle, act)),
        Item(
            f"activations.{act.name}_grad",
            act.points,
            cases,
            partial(derivative, act),
            tolerance="gradient",
        ),
    ]


_BOTH = [items(act) for act in ACTIVATIONS]
ITEMS: list[Item] = [pair[0] for pair in _BOTH] + [pair[1] for pair in _BOTH]
