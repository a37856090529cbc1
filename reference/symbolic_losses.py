"""Symbolic derivations of the course's loss formulas (sympy), lambdified to NumPy.

Instructor-only: backs the hand-written gradients of :mod:`reference.losses` with a third
oracle (besides torch autograd and central differences) and renders each derivation as LaTeX
for the handbook.

* :data:`ELEMENTWISE` holds the per-element losses :math:`\\ell(x, y)` of
  ``torch.nn.functional`` (input ``x``, target ``y``, hyperparameters as extra symbols); the
  derivative is taken by sympy, never typed in. Where the notes or the reference state a closed
  form (e.g. BCE-with-logits' :math:`\\sigma(x) - y`, seed 004), :func:`closed_form_holds`
  checks it symbolically.
* :func:`cross_entropy_identity` checks :math:`\\partial\\,\\mathrm{CE}/\\partial z =
  \\operatorname{softmax}(z) - q` for a small number of classes, with :math:`q` the one-hot
  target or, with label smoothing :math:`\\varepsilon`, :math:`(1-\\varepsilon)\\,\\mathrm{onehot}
  + \\varepsilon/C`; torch's form of the smoothed loss is checked equal to :math:`-\\sum_c q_c
  \\log\\operatorname{softmax}(z)_c` on the way.
* :func:`numeric` and :func:`cross_entropy_grad_numeric` lambdify the results to NumPy;
  :func:`latex` renders them (``$$...$$`` blocks, GitHub-friendly).

Conventions match torch: ``sign(0) = 0`` for L1 (sympy's ``sign``), the SmoothL1/Huber branches
switch at ``|x - y| < beta`` / ``< delta`` (their derivatives are continuous there), and the
Poisson NLL's Stirling term (``full=True``) is omitted because it does not depend on ``x``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import sympy as sp

__all__ = [
    "ELEMENTWISE",
    "NAMES",
    "Derivation",
    "closed_form_holds",
    "cross_entropy_grad_numeric",
    "cross_entropy_identity",
    "latex",
    "numeric",
]

x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)
beta = sp.Symbol("beta", positive=True)
delta = sp.Symbol("delta", positive=True)
pos_weight = sp.Symbol("p", positive=True)
eps = sp.Symbol("epsilon", positive=True)


def _sigmoid(v: sp.Expr) -> sp.Expr:
    return 1 / (1 + sp.exp(-v))


@dataclass(frozen=True)
class Derivation:
    """One per-element loss: its formula, hyperparameters and (optionally) a stated derivative.

    ``params`` name the hyperparameter symbols and the keyword each maps to in
    :mod:`reference.losses`; ``closed_form`` is a derivative stated by the notes or the
    reference, which :func:`closed_form_holds` checks against sympy's own derivative.
    """

    name: str
    title: str
    torch: str
    loss: sp.Expr
    params: tuple[tuple[sp.Symbol, str], ...] = ()
    closed_form: sp.Expr | None = None

    @property
    def grad(self) -> sp.Expr:
        """:math:`\\partial \\ell / \\partial x`, derived by sympy."""
        return sp.diff(self.loss, x)


_D = x - y

ELEMENTWISE: dict[str, Derivation] = {
    d.name: d
    for d in (
        Derivation("l1", "L1 (MAE)", "l1_loss", sp.Abs(_D), closed_form=sp.sign(_D)),
        Derivation("mse", "MSE", "mse_loss", _D**2, closed_form=2 * _D),
        Derivation(
            "smooth_l1",
            "SmoothL1",
            "smooth_l1_loss",
            sp.Piecewise((_D**2 / (2 * beta), sp.Abs(_D) < beta), (sp.Abs(_D) - beta / 2, True)),
            params=((beta, "beta"),),
        ),
        Derivation(
            "huber",
            "Huber",
            "huber_loss",
            sp.Piecewise((_D**2 / 2, sp.Abs(_D) < delta), (delta * (sp.Abs(_D) - delta / 2), True)),
            params=((delta, "delta"),),
        ),
        Derivation(
            "bce",
            "binary cross-entropy",
            "binary_cross_entropy",
            -(y * sp.log(x) + (1 - y) * sp.log(1 - x)),
            closed_form=(x - y) / (x * (1 - x)),
        ),
        Derivation(
            "bce_with_logits",
            "binary cross-entropy with logits",
            "binary_cross_entropy_with_logits",
            -(y * sp.log(_sigmoid(x)) + (1 - y) * sp.log(1 - _sigmoid(x))),
            closed_form=_sigmoid(x) - y,
        ),
        Derivation(
            "bce_with_logits_pos_weight",
            "binary cross-entropy with logits and pos_weight",
            "binary_cross_entropy_with_logits",
            -(pos_weight * y * sp.log(_sigmoid(x)) + (1 - y) * sp.log(1 - _sigmoid(x))),
            params=((pos_weight, "pos_weight"),),
            closed_form=(1 + (pos_weight - 1) * y) * _sigmoid(x) - pos_weight * y,
        ),
        Derivation(
            "soft_margin",
            "soft margin",
            "soft_margin_loss",
            sp.log(1 + sp.exp(-y * x)),
            closed_form=-y * _sigmoid(-y * x),
        ),
        Derivation(
            "poisson_log_input",
            "Poisson NLL (log_input=True)",
            "poisson_nll_loss",
            sp.exp(x) - y * x,
            closed_form=sp.exp(x) - y,
        ),
        Derivation(
            "poisson",
            "Poisson NLL (log_input=False)",
            "poisson_nll_loss",
            x - y * sp.log(x + eps),
            params=((eps, "eps"),),
            closed_form=1 - y / (x + eps),
        ),
        Derivation(
            "kl_div",
            "KL divergence",
            "kl_div",
            y * (sp.log(y) - x),
            closed_form=-y,
        ),
        Derivation(
            "kl_div_log_target",
            "KL divergence (log_target=True)",
            "kl_div",
            sp.exp(y) * (y - x),
            closed_form=-sp.exp(y),
        ),
    )
}

#: Every name :func:`latex` renders: the elementwise losses and the two cross-entropy identities.
NAMES: tuple[str, ...] = (*ELEMENTWISE, "cross_entropy", "cross_entropy_label_smoothing")


@cache
def closed_form_holds(name: str) -> bool:
    """True if sympy's derivative of ``ELEMENTWISE[name]`` equals its stated closed form.

    Piecewise losses have no stated form (their derivative is shown, not asserted): True.
    """
    d = ELEMENTWISE[name]
    if d.closed_form is None:
        return True
    return bool(sp.simplify(d.grad - d.closed_form) == 0)


@cache
def numeric(name: str) -> tuple[Callable[..., np.ndarray], Callable[..., np.ndarray]]:
    """``(loss, grad)`` lambdified to NumPy, each called as ``f(x, y, **params)``.

    ``params`` use :mod:`reference.losses` keyword names (``beta``, ``delta``, ``pos_weight``,
    ``eps``). ``sign`` maps to ``numpy.sign`` (sign(0) = 0), ``Piecewise`` to ``numpy.select``.
    """
    d = ELEMENTWISE[name]
    symbols = [x, y, *(s for s, _ in d.params)]
    keywords = [k for _, k in d.params]
    raw_loss = sp.lambdify(symbols, d.loss, modules="numpy")
    raw_grad = sp.lambdify(symbols, d.grad, modules="numpy")

    def wrap(f: Callable[..., Any]) -> Callable[..., np.ndarray]:
        def call(xv: Any, yv: Any, **params: float) -> np.ndarray:
            xa, ya = np.broadcast_arrays(np.asarray(xv, np.float64), np.asarray(yv, np.float64))
            out = f(xa, ya, *(params[k] for k in keywords))
            return np.broadcast_to(np.asarray(out, dtype=np.float64), xa.shape).copy()

        return call

    return wrap(raw_loss), wrap(raw_grad)


def _cross_entropy_symbols(
    n_classes: int,
) -> tuple[tuple[sp.Symbol, ...], sp.Symbol, list[sp.Expr], list[sp.Expr]]:
    """Logit symbols, the smoothing symbol, softmax and log-softmax for ``n_classes``."""
    z = sp.symbols(f"z_0:{n_classes}", real=True)
    smoothing = sp.Symbol("varepsilon", nonnegative=True)
    total = sum(sp.exp(zj) for zj in z)
    softmax = [sp.exp(zj) / total for zj in z]
    log_softmax = [zj - sp.log(total) for zj in z]
    return tuple(z), smoothing, softmax, log_softmax


def _cross_entropy_torch_form(n_classes: int, target: int, smoothed: bool) -> sp.Expr:
    """torch's smoothed CE: (1-ε)·(-log softmax_k) + ε/C·Σ_c (-log softmax_c) (ε = 0 if not)."""
    _, smoothing, _, log_softmax = _cross_entropy_symbols(n_classes)
    e = smoothing if smoothed else sp.Integer(0)
    return (1 - e) * -log_softmax[target] + e / n_classes * sum(-lp for lp in log_softmax)


@cache
def cross_entropy_identity(n_classes: int = 3, label_smoothing: bool = False) -> bool:
    r"""Check :math:`\partial\ell/\partial z_j = \operatorname{softmax}(z)_j - q_j` symbolically.

    For every target class k of ``n_classes``: :math:`q = \mathrm{onehot}(k)`, or with
    ``label_smoothing`` :math:`q = (1-\varepsilon)\,\mathrm{onehot}(k) + \varepsilon/C` for a
    symbolic :math:`\varepsilon`; torch's form of the loss is also checked equal to
    :math:`-\sum_c q_c \log\operatorname{softmax}(z)_c`. Returns True when all identities hold.
    """
    z, smoothing, softmax, log_softmax = _cross_entropy_symbols(n_classes)
    e = smoothing if label_smoothing else sp.Integer(0)
    for k in range(n_classes):
        q = [(1 - e) * int(j == k) + e / n_classes for j in range(n_classes)]
        loss = _cross_entropy_torch_form(n_classes, k, label_smoothing)
        as_cross_entropy = -sum(qj * lp for qj, lp in zip(q, log_softmax, strict=True))
        if sp.simplify(sp.expand(loss - as_cross_entropy)) != 0:
            return False
        for j in range(n_classes):
            if sp.simplify(sp.diff(loss, z[j]) - (softmax[j] - q[j])) != 0:
                return False
    return True


@cache
def cross_entropy_grad_numeric(n_classes: int) -> Callable[..., np.ndarray]:
    r"""NumPy ``grad(logits (N, C), target (N,), label_smoothing=0.0) -> (N, C)``, from sympy.

    Each row is sympy's :math:`\partial\ell/\partial z` of torch's (smoothed) cross-entropy for
    that row's target class, lambdified; no closed form is assumed.
    """
    z, smoothing, _, _ = _cross_entropy_symbols(n_classes)
    rows = []
    for k in range(n_classes):
        loss = _cross_entropy_torch_form(n_classes, k, smoothed=True)
        grads = [sp.diff(loss, zj) for zj in z]
        rows.append(sp.lambdify([*z, smoothing], grads, modules="numpy"))

    def grad(logits: Any, target: Any, label_smoothing: float = 0.0) -> np.ndarray:
        zs = np.asarray(logits, dtype=np.float64).reshape(-1, n_classes)
        ts = np.asarray(target).reshape(-1)
        out = np.empty_like(zs)
        for i, (row, k) in enumerate(zip(zs, ts, strict=True)):
            out[i] = rows[int(k)](*row, label_smoothing)
        return out

    return grad


def latex(name: str) -> str:
    """The derivation of ``name`` (one of :data:`NAMES`) as GitHub-friendly ``$$...$$`` LaTeX."""
    if name in ELEMENTWISE:
        d = ELEMENTWISE[name]
        derived = d.grad if d.grad.has(sp.Piecewise) else sp.simplify(d.grad)
        rhs = sp.latex(derived)
        if d.closed_form is not None and sp.latex(d.closed_form) != rhs:
            rhs += f" = {sp.latex(d.closed_form)}"
        lines = [
            f"**{d.title}** (`torch.nn.functional.{d.torch}`)",
            f"$$\\ell(x, y) = {sp.latex(d.loss)}$$",
            f"$$\\frac{{\\partial \\ell}}{{\\partial x}} = {rhs}$$",
        ]
        return "\n\n".join(lines) + "\n"
    if name in ("cross_entropy", "cross_entropy_label_smoothing"):
        smoothed = name == "cross_entropy_label_smoothing"
        n_classes = 3
        z, smoothing, softmax, _ = _cross_entropy_symbols(n_classes)
        loss = _cross_entropy_torch_form(n_classes, 0, smoothed)
        q0 = (1 - smoothing) + smoothing / n_classes if smoothed else sp.Integer(1)
        title = "cross-entropy" + (" with label smoothing" if smoothed else "")
        general = (
            r"\operatorname{softmax}(z)_j - \bigl((1-\varepsilon)[j = k] + \varepsilon / C\bigr)"
            if smoothed
            else r"\operatorname{softmax}(z)_j - [j = k]"
        )
        return (
            "\n\n".join(
                [
                    f"**{title}** (`torch.nn.functional.cross_entropy`), C = 3, target k = 0",
                    f"$$\\ell(z) = {sp.latex(loss)}$$",
                    f"$$\\frac{{\\partial \\ell}}{{\\partial z_0}} = "
                    f"{sp.latex(sp.simplify(sp.diff(loss, z[0])))} = "
                    f"{sp.latex(softmax[0])} - {sp.latex(q0)}$$",
                    f"$$\\frac{{\\partial \\ell}}{{\\partial z_j}} = {general}$$",
                ]
            )
            + "\n"
        )
    raise KeyError(f"unknown derivation {name!r}; expected one of {', '.join(NAMES)}")
