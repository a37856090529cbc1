"""The objectives optimizers are graded on: the one definition the sandbox, the oracle and the
docs share.  NumPy only (it is copied into every sandbox session).

Each objective is a :class:`Objective`: ``value(xs, k, data, xp)`` is written once with
operations NumPy arrays and torch tensors share (``xp`` is ``numpy`` or ``torch``; ``k`` the step,
for objectives whose data changes per step), so torch differentiates exactly the function the
sandbox evaluates; ``grad(xs, k, data)`` is its gradient in NumPy (checked against torch autograd
in the tests).  ``xs`` is the list of parameters; a gradient of ``None`` means the parameter is
unused (its ``grad`` stays None).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

Grads = list[Any]


@dataclass(frozen=True)
class Objective:
    """A differentiable test function: its formula, value and NumPy gradient."""

    formula: str
    value: Callable[[list[Any], int, dict[str, Any], Any], Any]
    grad: Callable[[list[np.ndarray], int, dict[str, Any]], Grads]


def _quadratic_value(xs: list[Any], k: int, d: dict[str, Any], xp: Any) -> Any:
    x = xs[0]
    return 0.5 * x @ d["a"] @ x - d["b"] @ x


def _quadratic_grad(xs: list[np.ndarray], k: int, d: dict[str, Any]) -> Grads:
    return [d["a"] @ xs[0] - d["b"]]


def _rosenbrock_value(xs: list[Any], k: int, d: dict[str, Any], xp: Any) -> Any:
    x = xs[0]  # (summed over the first axis only: a stack of points gives a value per point)
    return (5 * (x[1:] - x[:-1] ** 2) ** 2 + 0.05 * (1 - x[:-1]) ** 2).sum(0)


def _rosenbrock_grad(xs: list[np.ndarray], k: int, d: dict[str, Any]) -> Grads:
    x = xs[0]
    r = x[1:] - x[:-1] ** 2
    g = np.zeros_like(x)
    g[:-1] = -20 * x[:-1] * r - 0.1 * (1 - x[:-1])
    g[1:] += 10 * r
    return [g]


def _mlp_value(xs: list[Any], k: int, d: dict[str, Any], xp: Any) -> Any:
    w1, b1, w2, b2 = xs
    out = xp.tanh(d["x"] @ w1.T + b1) @ w2.T + b2
    return ((out - d["y"]) ** 2).mean()


def _mlp_grad(xs: list[np.ndarray], k: int, d: dict[str, Any]) -> Grads:
    w1, b1, w2, b2 = xs
    h = np.tanh(d["x"] @ w1.T + b1)
    out = h @ w2.T + b2
    dout = 2 * (out - d["y"]) / out.size
    dz = (dout @ w2) * (1 - h**2)
    return [dz.T @ d["x"], dz.sum(0), dout.T @ h, dout.sum(0)]


def _embedding_value(xs: list[Any], k: int, d: dict[str, Any], xp: Any) -> Any:
    return 0.5 * ((xs[0][d["index"][k]] - d["target"][k]) ** 2).sum()


def _embedding_grad(xs: list[np.ndarray], k: int, d: dict[str, Any]) -> Grads:
    diff = xs[0][d["index"][k]] - d["target"][k]
    g = np.zeros_like(xs[0])
    np.add.at(g, d["index"][k], diff)
    return [g]


def _logistic_value(xs: list[Any], k: int, d: dict[str, Any], xp: Any) -> Any:
    w = xs[0]
    z = d["x"] @ w
    return (xp.logaddexp(z, 0 * z) - d["y"] * z).mean() + 0.05 * w @ w


def _logistic_grad(xs: list[np.ndarray], k: int, d: dict[str, Any]) -> Grads:
    w = xs[0]
    s = 0.5 * (1 + np.tanh(d["x"] @ w / 2))  # sigmoid, without overflow
    return [d["x"].T @ (s - d["y"]) / len(d["y"]) + 0.1 * w]


OBJECTIVES: dict[str, Objective] = {
    "quadratic": Objective("f(x) = 1/2 x^T A x - b^T x", _quadratic_value, _quadratic_grad),
    "rosenbrock": Objective(
        "f(x) = sum_i 5 (x_{i+1} - x_i^2)^2 + 0.05 (1 - x_i)^2 (1/20 of the usual Rosenbrock)",
        _rosenbrock_value,
        _rosenbrock_grad,
    ),
    "mlp": Objective(
        "mean squared error of tanh(X W1^T + b1) W2^T + b2 against Y",
        _mlp_value,
        _mlp_grad,
    ),
    "embedding": Objective(
        "1/2 sum (W[idx_k] - T_k)^2: the rows of a table that step k's batch looks up",
        _embedding_value,
        _embedding_grad,
    ),
    "logistic": Objective(
        "mean(softplus(X w) - y X w) + 0.05 |w|^2 (L2-regularised logistic regression)",
        _logistic_value,
        _logistic_grad,
    ),
}


def get(name: str) -> Objective:
    """The objective ``name``; ``NAME+unused`` adds unused parameters after the first."""
    return OBJECTIVES[name.split("+", 1)[0]]


def value(name: str, xs: list[Any], k: int, data: dict[str, Any], xp: Any = np) -> Any:
    """The objective's value at ``xs`` (only the parameters it uses)."""
    return get(name).value(xs[:1] if name.endswith("+unused") else xs, k, data, xp)


def grad(name: str, xs: list[np.ndarray], k: int, data: dict[str, Any]) -> Grads:
    """NumPy gradients at ``xs``; ``None`` for the unused parameters of ``NAME+unused``."""
    if name.endswith("+unused"):
        return get(name).grad(xs[:1], k, data) + [None] * (len(xs) - 1)
    return get(name).grad(xs, k, data)
