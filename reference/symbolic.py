"""Symbolic activations, derivatives and the notes' derivations, in sympy (instructor only).

This module is the second, independent oracle behind :mod:`reference.activations`: each
elementwise activation is written once as a sympy expression, its derivative comes from
``sympy.diff`` and both are lambdified to NumPy on first use. It also checks the notes'
derivations as sympy identities and renders everything as LaTeX for the handbook.

* :data:`ACTIVATIONS` -- one :class:`SymbolicActivation` per elementwise activation, keyed by the
  name of the function in :mod:`reference.activations`; ``ACTIVATIONS["elu"].df(x, alpha=0.5)``.
* :func:`softmax_jacobian` / :func:`log_softmax_jacobian` -- the ``n``-class Jacobians.
* :data:`IDENTITIES` -- the notes' derivations (seeds 000, 001, 003), each a chain of steps that
  must be equal; ``IDENTITIES["sigmoid_derivative"].check()``.
* :data:`ERRATA` -- formulas the notes state that are wrong; each must *fail* to hold.
* :func:`latex` -- any of the above as GitHub-Markdown math (``$$`` blocks).

Kinks follow torch autograd, not the Heaviside convention ``H(0) = 1/2``: every ``Piecewise`` is
written with the conditions torch's backward kernels test (``x > 0`` against ``x <= 0``), so the
piecewise derivative from ``sympy.diff`` takes torch's value at the kink; each kink's value is
also declared in :attr:`SymbolicActivation.kinks` and checked when the registry is built.

The lambdified functions are plain transcriptions, meant for moderate finite inputs
(``|x| <~ 30``); the hardened implementations are in :mod:`reference.activations`.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy
from numpy.typing import ArrayLike

__all__ = [
    "ACTIVATIONS",
    "ERRATA",
    "IDENTITIES",
    "Identity",
    "SymbolicActivation",
    "latex",
    "log_softmax_jacobian",
    "names",
    "numpy_function",
    "softmax_jacobian",
    "softmax_jacobian_numpy",
    "softmax_vector",
]

#: The input variable of every elementwise activation.
x = sympy.Symbol("x", real=True)
negative_slope = sympy.Symbol("negative_slope", real=True)
alpha = sympy.Symbol("alpha", real=True)
beta = sympy.Symbol("beta", real=True, nonzero=True)
threshold = sympy.Symbol("threshold", real=True)

#: How symbols are written in LaTeX (as torch's documentation writes them).
SYMBOL_LATEX: dict[sympy.Basic, str] = {
    negative_slope: r"\text{negative\_slope}",
    threshold: r"\text{threshold}",
}


def _tex(expr: Any) -> str:
    """LaTeX for a sympy object; a ``str`` is taken to be LaTeX already."""
    return expr if isinstance(expr, str) else sympy.latex(expr, symbol_names=SYMBOL_LATEX)


# ----------------------------------------------------------------------------------------------
# Elementwise activations
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SymbolicActivation:
    """One elementwise activation: its formula, ``sympy.diff`` derivative and torch equivalent.

    ``params`` pairs each hyperparameter symbol with its default (torch's); ``kinks`` pairs each
    point where the derivative jumps with torch autograd's value there; ``display`` is the name
    used in LaTeX. :meth:`f` and :meth:`df` evaluate on NumPy arrays: ``f(x, **params)``.
    """

    name: str
    display: str
    expr: sympy.Expr
    derivative: sympy.Expr
    torch: str
    params: tuple[tuple[sympy.Symbol, float], ...] = ()
    kinks: tuple[tuple[sympy.Expr, sympy.Expr], ...] = ()

    @property
    def defaults(self) -> dict[str, float]:
        """Hyperparameter names and torch's defaults, e.g. ``{"alpha": 1.0}``."""
        return {symbol.name: default for symbol, default in self.params}

    def f(self, x: ArrayLike, **params: float) -> np.ndarray:
        """The activation, lambdified, on a NumPy array (float64)."""
        return self._evaluate(numpy_function(self.name), x, params)

    def df(self, x: ArrayLike, **params: float) -> np.ndarray:
        """Its derivative by ``sympy.diff``, lambdified, on a NumPy array (float64)."""
        return self._evaluate(numpy_function(self.name, derivative=True), x, params)

    def _evaluate(
        self, function: Callable[..., Any], x: ArrayLike, params: Mapping[str, float]
    ) -> np.ndarray:
        unknown = set(params) - set(self.defaults)
        if unknown:
            raise TypeError(f"{self.name}: unexpected hyperparameter(s) {sorted(unknown)}")
        values = {**self.defaults, **params}
        xs = np.asarray(x, dtype=np.float64)
        out = function(xs, *(values[symbol.name] for symbol, _ in self.params))
        return np.broadcast_to(np.asarray(out, dtype=np.float64), xs.shape).copy()


def _activation(
    name: str,
    display: str,
    expr: sympy.Expr,
    torch: str,
    params: tuple[tuple[sympy.Symbol, float], ...] = (),
    kinks: tuple[tuple[Any, Any], ...] = (),
) -> SymbolicActivation:
    """Differentiate ``expr`` and check torch's value at each kink against ``sympy.diff``'s."""
    derivative = sympy.diff(expr, x)
    for point, value in kinks:
        at_kink = derivative.subs(x, point)
        if sympy.simplify(at_kink - value) != 0:  # pragma: no cover - a wrong table entry
            raise ValueError(f"{name}: derivative at x = {point} is {at_kink}, torch has {value}")
    kinks = tuple((sympy.sympify(p), sympy.sympify(v)) for p, v in kinks)
    return SymbolicActivation(name, display, expr, derivative, torch, params, kinks)


def _sigmoid(t: Any) -> sympy.Expr:
    return 1 / (1 + sympy.exp(-t))


#: Every elementwise activation of :mod:`reference.activations`, keyed by its function name.
ACTIVATIONS: dict[str, SymbolicActivation] = {
    a.name: a
    for a in (
        _activation("sigmoid", r"\sigma", _sigmoid(x), "torch.sigmoid(x)"),
        _activation("tanh", r"\operatorname{Tanh}", sympy.tanh(x), "torch.tanh(x)"),
        _activation(
            "relu",
            r"\operatorname{ReLU}",
            sympy.Piecewise((x, x > 0), (0, True)),
            "torch.nn.functional.relu(x)",
            kinks=((0, 0),),
        ),
        _activation(
            "leaky_relu",
            r"\operatorname{LeakyReLU}",
            sympy.Piecewise((x, x > 0), (negative_slope * x, True)),
            "torch.nn.functional.leaky_relu(x, negative_slope)",
            params=((negative_slope, 0.01),),
            kinks=((0, negative_slope),),
        ),
        _activation(
            "elu",
            r"\operatorname{ELU}",
            sympy.Piecewise((x, x > 0), (alpha * (sympy.exp(x) - 1), True)),
            "torch.nn.functional.elu(x, alpha)",
            params=((alpha, 1.0),),
            kinks=((0, alpha),),
        ),
        _activation("silu", r"\operatorname{SiLU}", x * _sigmoid(x), "torch.nn.functional.silu(x)"),
        _activation(
            "gelu",
            r"\operatorname{GELU}",
            x / 2 * (1 + sympy.erf(x / sympy.sqrt(2))),
            "torch.nn.functional.gelu(x)",
        ),
        _activation("identity", r"\operatorname{Id}", x, "torch.nn.Identity()(x)"),
        _activation(
            "softplus",
            r"\operatorname{Softplus}",
            sympy.Piecewise(
                (x, beta * x > threshold), (sympy.log(1 + sympy.exp(beta * x)) / beta, True)
            ),
            "torch.nn.functional.softplus(x, beta, threshold)",
            params=((beta, 1.0), (threshold, 20.0)),
            kinks=((threshold / beta, _sigmoid(threshold)),),
        ),
    )
}


_ERF = np.vectorize(math.erf, otypes=[np.float64])


@functools.cache
def numpy_function(name: str, derivative: bool = False) -> Callable[..., Any]:
    """``ACTIVATIONS[name]``'s formula (or derivative) lambdified with ``modules="numpy"``.

    The callable takes ``(x, *params)`` positionally, in the order of ``params``.
    """
    activation = ACTIVATIONS[name]
    expr = activation.derivative if derivative else activation.expr
    symbols = (x, *(symbol for symbol, _ in activation.params))
    # NumPy has no erf (GELU): the C library's, elementwise
    return sympy.lambdify(symbols, expr, modules=[{"erf": _ERF}, "numpy"])


# ----------------------------------------------------------------------------------------------
# Softmax
# ----------------------------------------------------------------------------------------------


def _logits(n: int) -> list[sympy.Symbol]:
    return list(sympy.symbols(f"x_0:{n}", real=True))


def softmax_vector(n: int) -> sympy.Matrix:
    r"""The ``n``-class softmax as a column vector, :math:`s_i = e^{x_i} / \sum_k e^{x_k}`."""
    xs = _logits(n)
    total = sum(sympy.exp(xk) for xk in xs)
    return sympy.Matrix([sympy.exp(xi) / total for xi in xs])


def softmax_jacobian(n: int) -> sympy.Matrix:
    r"""The ``n x n`` Jacobian :math:`J_{ij} = \partial s_i / \partial x_j` by ``sympy.diff``.

    It equals :math:`\operatorname{diag}(s) - s s^\top` (identity ``softmax_jacobian``).
    """
    return softmax_vector(n).jacobian(_logits(n))


def log_softmax_jacobian(n: int) -> sympy.Matrix:
    r"""The ``n x n`` Jacobian of :math:`\log s_i` by ``sympy.diff``; it is :math:`I - 1 s^\top`."""
    log_s = softmax_vector(n).applyfunc(lambda e: sympy.expand_log(sympy.log(e), force=True))
    return log_s.jacobian(_logits(n))


@functools.cache
def softmax_jacobian_numpy(n: int, log: bool = False) -> Callable[[ArrayLike], np.ndarray]:
    """``softmax_jacobian(n)`` (or the log one) lambdified: logits ``(n,)`` to ``(n, n)``."""
    jacobian = log_softmax_jacobian(n) if log else softmax_jacobian(n)
    function = sympy.lambdify([_logits(n)], jacobian, modules="numpy")

    def evaluate(logits: ArrayLike) -> np.ndarray:
        return np.asarray(function(np.asarray(logits, dtype=np.float64)), dtype=np.float64)

    return evaluate


# ----------------------------------------------------------------------------------------------
# The notes' derivations
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """A derivation from the notes: a chain of steps, each equal to the next.

    ``build()`` returns the steps (sympy expressions or matrices; ``Derivative`` and ``Integral``
    may be left unevaluated so that they render). ``premise`` is LaTeX stating the assumptions,
    ``lhs`` an optional LaTeX name for the first step, ``show`` an optional compact version of
    the steps for LaTeX only. :meth:`residuals` are the simplified differences of consecutive
    steps: all zero for an identity that holds.
    """

    name: str
    title: str
    source: str
    build: Callable[[], tuple[Any, ...]] = field(repr=False)
    premise: str = ""
    lhs: str = ""
    show: Callable[[], tuple[Any, ...]] | None = field(default=None, repr=False)

    def steps(self) -> tuple[Any, ...]:
        """The derivation's steps."""
        return self.build()

    def residuals(self) -> tuple[Any, ...]:
        """``simplify(step[k] - step[k + 1])`` for each consecutive pair, definitions expanded."""
        steps = [_expand(step) for step in self.steps()]
        return tuple(_simplified(a - b) for a, b in itertools.pairwise(steps))

    def holds(self) -> bool:
        """Whether every residual simplifies to zero."""
        return all(_is_zero(r) for r in self.residuals())

    def check(self) -> None:
        """Raise ``AssertionError`` naming the first step that does not follow."""
        for k, residual in enumerate(self.residuals()):
            if not _is_zero(residual):
                raise AssertionError(f"{self.name}: step {k + 1} differs by {residual}")


#: Named functions used in the steps, expanded before checking (they render compactly).
sigma = sympy.Function("sigma")
silu = sympy.Function("silu")
_t = sympy.Symbol("t")
_DEFINITIONS: dict[sympy.Basic, sympy.Lambda] = {
    sigma: sympy.Lambda(_t, _sigmoid(_t)),
    silu: sympy.Lambda(_t, _t * _sigmoid(_t)),
}


def _expand(step: Any) -> Any:
    step = sympy.sympify(step)
    for function, definition in _DEFINITIONS.items():
        if step.has(function):
            step = step.subs(function, definition)
    return step.doit()


def _simplified(difference: Any) -> Any:
    if isinstance(difference, sympy.MatrixBase):
        return difference.applyfunc(_simplified)
    if difference.has(sympy.tanh, sympy.tan, sympy.sec):  # in exponentials, simplify is quick
        in_exponentials = sympy.simplify(difference.rewrite(sympy.exp))
        if in_exponentials == 0:
            return in_exponentials
    return sympy.simplify(difference)


def _is_zero(residual: Any) -> bool:
    if isinstance(residual, sympy.MatrixBase):
        return all(entry == 0 for entry in residual)
    return bool(residual == 0)


#: The notes' derivations that hold, keyed by name.
IDENTITIES: dict[str, Identity] = {}
#: Formulas in the notes that are wrong: each ``Identity`` here must NOT hold.
ERRATA: dict[str, Identity] = {}


_Steps = Callable[[], tuple[Any, ...]]


def _derivation(
    name: str,
    title: str,
    source: str,
    premise: str = "",
    lhs: str = "",
    *,
    show: _Steps | None = None,
    erratum: bool = False,
) -> Callable[[_Steps], _Steps]:
    """Register the decorated step builder as an :class:`Identity` (or an erratum)."""

    def register(build: _Steps) -> _Steps:
        identity = Identity(name, title, source, build, premise, lhs, show)
        (ERRATA if erratum else IDENTITIES)[name] = identity
        return build

    return register


def _noeval_sub(a: Any, b: Any) -> sympy.Expr:
    """``a - b`` kept as written (for rendering a step the way the notes write it)."""
    return sympy.Add(a, sympy.Mul(-1, b, evaluate=False), evaluate=False)


def _noeval_div(a: Any, b: Any) -> sympy.Expr:
    """``a / b`` kept as written."""
    return sympy.Mul(a, sympy.Pow(b, -1, evaluate=False), evaluate=False)


def _noeval_sqrt(a: Any) -> sympy.Expr:
    """``sqrt(a)`` kept as written."""
    return sympy.Pow(a, sympy.Rational(1, 2), evaluate=False)


def _probabilities(n: int) -> sympy.Matrix:
    """Symbols ``s_0 .. s_{n-1}`` standing for the softmax outputs, as a column (for display)."""
    return sympy.Matrix(sympy.symbols(f"s_0:{n}", positive=True))


def _softmax_jacobian_in_s(n: int) -> sympy.Matrix:
    """``s_i (delta_ij - s_j)`` written in the symbols ``s_i`` (for display)."""
    s = _probabilities(n)
    return sympy.Matrix(n, n, lambda i, j: s[i] * (int(i == j) - s[j]))


# --- activations ------------------------------------------------------------------------------


@_derivation("sigmoid_derivative", r"\sigma' = \sigma(1 - \sigma)", "seed 003; seed 001 code")
def _sigmoid_derivative() -> tuple[Any, ...]:
    e = sympy.exp(-x)
    return (
        sympy.Derivative(1 / (1 + e), x),
        e / (1 + e) ** 2,
        _noeval_sub(1 + e, 1) / (1 + e) ** 2,
        _noeval_sub(_noeval_div(1 + e, (1 + e) ** 2), (1 / (1 + e)) ** 2),
        sigma(x) - sigma(x) ** 2,
        sigma(x) * (1 - sigma(x)),
    )


@_derivation("tanh_derivative", r"\tanh' = 1 - \tanh^2", "seed 003; seed 001 code")
def _tanh_derivative() -> tuple[Any, ...]:
    p, m = sympy.exp(x) + sympy.exp(-x), sympy.exp(x) - sympy.exp(-x)
    return (
        sympy.Derivative(m / p, x),
        _noeval_sub(p * p, m * m) / p**2,
        1 - m**2 / p**2,
        1 - sympy.tanh(x) ** 2,
    )


@_derivation("tanh_via_sigmoid", r"\tanh(x) = 2\sigma(2x) - 1", "seed 003")
def _tanh_via_sigmoid() -> tuple[Any, ...]:
    return (
        sympy.tanh(x),
        (sympy.exp(x) - sympy.exp(-x)) / (sympy.exp(x) + sympy.exp(-x)),
        2 * sigma(2 * x) - 1,
    )


@_derivation("softplus_derivative", r"\operatorname{softplus}' = \sigma", "seed 004 (SoftPlus)")
def _softplus_derivative() -> tuple[Any, ...]:
    return (
        sympy.Derivative(sympy.log(1 + sympy.exp(x)), x),
        sympy.exp(x) / (1 + sympy.exp(x)),
        sigma(x),
    )


@_derivation(
    "silu_derivative",
    r"\operatorname{silu}' = \operatorname{silu} + \sigma(1 - \operatorname{silu})",
    "seed 001 (Swish_grad)",
)
def _silu_derivative() -> tuple[Any, ...]:
    return (
        sympy.Derivative(x * sigma(x), x),
        sigma(x) + x * sigma(x) * (1 - sigma(x)),
        silu(x) + sigma(x) * (1 - silu(x)),
    )


@_derivation(
    "elu_derivative",
    r"\operatorname{elu}'(x) = \operatorname{elu}(x) + \alpha \text{ for } x \le 0",
    "seed 001 (ELU_grad)",
    premise=r"x \le 0",
)
def _elu_derivative() -> tuple[Any, ...]:
    negative = alpha * (sympy.exp(x) - 1)
    return (sympy.Derivative(negative, x), alpha * sympy.exp(x), negative + alpha)


@_derivation(
    "softmax_jacobian",
    r"\partial s_i / \partial x_j = s_i(\delta_{ij} - s_j)",
    "seed 003 (softmax derivative); seed 001 (softmax_grad)",
    premise=r"n = 3,\quad s_i = e^{x_i} / \textstyle\sum_k e^{x_k}",
    lhs=r"J",
    show=lambda: (
        sympy.Matrix(3, 3, lambda i, j: sympy.Derivative(sympy.Symbol(f"s_{i}"), f"x_{j}")),
        _softmax_jacobian_in_s(3),
        r"\operatorname{diag}(s) - s s^\top",
    ),
)
def _softmax_jacobian() -> tuple[Any, ...]:
    s = softmax_vector(3)
    return (softmax_jacobian(3), sympy.diag(*s) - s * s.T)


@_derivation(
    "softmax_jacobian_diagonal",
    r"i = j:\ \partial p_i / \partial a_j = p_i(1 - p_j)",
    "seed 003 (quotient rule)",
    premise=r"n = 3,\ i = j = 0,\ \Sigma = \textstyle\sum_k e^{x_k}",
)
def _softmax_jacobian_diagonal() -> tuple[Any, ...]:
    xs, s = _logits(3), softmax_vector(3)
    total = sum(sympy.exp(xk) for xk in xs)
    e0 = sympy.exp(xs[0])
    return (
        sympy.Derivative(e0 / total, xs[0]),
        _noeval_sub(e0 * total, e0 * e0) / total**2,
        s[0] * (1 - s[0]),
    )


@_derivation(
    "softmax_jacobian_offdiagonal",
    r"i \ne j:\ \partial p_i / \partial a_j = -p_j p_i",
    "seed 003 (quotient rule)",
    premise=r"n = 3,\ i = 0,\ j = 1",
)
def _softmax_jacobian_offdiagonal() -> tuple[Any, ...]:
    xs, s = _logits(3), softmax_vector(3)
    total = sum(sympy.exp(xk) for xk in xs)
    e0, e1 = sympy.exp(xs[0]), sympy.exp(xs[1])
    return (sympy.Derivative(e0 / total, xs[1]), -e1 * e0 / total**2, -s[1] * s[0])


@_derivation(
    "log_softmax_jacobian",
    r"\partial \log s_i / \partial x_j = \delta_{ij} - s_j",
    "seed 004 (CrossEntropy = LogSoftmax + NLLLoss)",
    premise=r"n = 3",
    lhs=r"J",
    show=lambda: (
        sympy.Matrix(3, 3, lambda i, j: int(i == j) - _probabilities(3)[j]),
        r"I - \mathbf{1} s^\top",
    ),
)
def _log_softmax_jacobian() -> tuple[Any, ...]:
    s = softmax_vector(3)
    return (log_softmax_jacobian(3), sympy.eye(3) - sympy.ones(3, 1) * s.T)


# --- seed 003's table of derivatives ----------------------------------------------------------

_a = sympy.Symbol("a", positive=True)
_xp = sympy.Symbol("x", positive=True)  # where sqrt and log need it
_c = sympy.Symbol("c", real=True)
#: seed 003 "常见函数梯度": (row name, function, derivative as the table gives it).
DERIVATIVE_TABLE: tuple[tuple[str, Any, Any], ...] = (
    ("constant", _c, 0),
    ("line", x, 1),
    ("linear", _a * x, _a),
    ("square", x**2, 2 * x),
    ("square_root", sympy.sqrt(_xp), sympy.Rational(1, 2) * _xp ** sympy.Rational(-1, 2)),
    ("exponential", sympy.exp(x), sympy.exp(x)),
    ("power_of_a", _a**x, sympy.log(_a) * _a**x),
    ("logarithm", sympy.log(_xp), 1 / _xp),
    ("logarithm_base_a", sympy.log(_xp, _a), 1 / (_xp * sympy.log(_a))),
    ("sin", sympy.sin(x), sympy.cos(x)),
    ("cos", sympy.cos(x), -sympy.sin(x)),
    ("tan", sympy.tan(x), sympy.sec(x) ** 2),
)


def _table_row(function: Any, derivative: Any) -> _Steps:
    variable = _xp if function.has(_xp) else x

    def steps() -> tuple[Any, ...]:
        return (sympy.Derivative(function, variable), derivative)

    return steps


for _row, _function, _derivative in DERIVATIVE_TABLE:
    _title = rf"\frac{{d}}{{dx}} {_tex(_function)} = {_tex(_derivative)}"
    _derivation(f"table_{_row}", _title, "seed 003 (常见函数梯度 table)")(
        _table_row(_function, _derivative)
    )


# --- initialization (seed 000; seed 001 Xavier/MSRA) ------------------------------------------

_n, _n_in, _n_out = sympy.symbols("n n_in n_out", positive=True)
_w = sympy.Symbol("w", real=True)
_slope = sympy.Symbol("a", real=True)  # leaky relu's negative slope, as seed 000 names it
_std = sympy.Symbol("sigma", positive=True)


@_derivation(
    "uniform_variance",
    r"D(W) = a^2/3 \text{ for } W \sim U[-a, a]",
    "seed 000 (Xavier)",
    premise=r"W \sim U[-a, a],\ a > 0,\ \text{density } 1/(2a)",
    lhs=r"D(W)",
)
def _uniform_variance() -> tuple[Any, ...]:
    density = 1 / (2 * _a)
    return (
        sympy.Integral(_w**2 * density, (_w, -_a, _a))
        - sympy.Integral(_w * density, (_w, -_a, _a)) ** 2,
        sympy.Mul(_noeval_sub(-_a, _a) ** 2, sympy.Rational(1, 12), evaluate=False),
        _a**2 / 3,
    )


@_derivation(
    "xavier_uniform_bound",
    r"a = \sqrt{6 / (n_i + n_{i+1})}",
    "seed 000 (Xavier); seed 001 (Xavier uniform)",
    premise=r"\frac{2}{n_{in} + n_{out}} = \frac{a^2}{3},\ a > 0",
    lhs="a",
)
def _xavier_uniform_bound() -> tuple[Any, ...]:
    (solution,) = sympy.solve(sympy.Eq(2 / (_n_in + _n_out), _a**2 / 3), _a)
    return (_noeval_sqrt(sympy.Mul(3, 2 / (_n_in + _n_out), evaluate=False)), solution)


@_derivation(
    "leaky_relu_second_moment",
    r"E[\operatorname{LeakyReLU}(y)^2] = (1 + a^2)\,\sigma^2 / 2",
    "He et al., 2015 (behind seed 000's Kaiming formula)",
    premise=r"y \sim N(0, \sigma^2),\ \text{slope } a \text{ for } y < 0",
)
def _leaky_relu_second_moment() -> tuple[Any, ...]:
    density = sympy.exp(-(_w**2) / (2 * _std**2)) / sympy.sqrt(2 * sympy.pi * _std**2)
    return (
        sympy.Integral(_w**2 * density, (_w, 0, sympy.oo))
        + _slope**2 * sympy.Integral(_w**2 * density, (_w, -sympy.oo, 0)),
        (1 + _slope**2) * _std**2 / 2,
    )


@_derivation(
    "kaiming_variance",
    r"D(W) = 2 / ((1 + a^2)\,n)",
    "seed 000 (Kaiming)",
    premise=r"n \cdot D(W) \cdot \frac{1 + a^2}{2} = 1",
    lhs=r"D(W)",
)
def _kaiming_variance() -> tuple[Any, ...]:
    var = sympy.Symbol("V", positive=True)
    (solution,) = sympy.solve(sympy.Eq(_n * var * (1 + _slope**2) / 2, 1), var)
    half = sympy.Mul(1 + _slope**2, sympy.Pow(2, -1, evaluate=False), evaluate=False)
    return (sympy.Pow(sympy.Mul(_n, half, evaluate=False), -1, evaluate=False), solution)


@_derivation(
    "kaiming_std",
    r"\sqrt{2 / ((1 + a^2) n)} = \operatorname{gain}(a) / \sqrt{n}",
    "seed 000 (Kaiming); torch.nn.init.calculate_gain('leaky_relu', a)",
    premise=r"\operatorname{gain}(a) = \sqrt{2 / (1 + a^2)}",
    lhs=r"\operatorname{std}(W)",
)
def _kaiming_std() -> tuple[Any, ...]:
    gain = sympy.sqrt(2 / (1 + _slope**2))
    return (
        _noeval_sqrt(2 / ((1 + _slope**2) * _n)),
        _noeval_div(_noeval_sqrt(2 / (1 + _slope**2)), _noeval_sqrt(_n)),
        gain / sympy.sqrt(_n),
    )


@_derivation(
    "kaiming_uniform_bound",
    r"\text{bound} = \sqrt{3}\,\operatorname{std} = \operatorname{gain}\sqrt{3 / n}",
    "torch.nn.init.kaiming_uniform_ (from D(U[-b, b]) = b^2/3)",
    premise=r"b^2 / 3 = g^2 / n,\ b > 0,\ g = \operatorname{gain}",
    lhs="b",
)
def _kaiming_uniform_bound() -> tuple[Any, ...]:
    gain = sympy.Symbol("g", positive=True)
    (solution,) = sympy.solve(sympy.Eq(_a**2 / 3, gain**2 / _n), _a)
    return (_noeval_sqrt(sympy.Mul(3, gain**2 / _n, evaluate=False)), solution)


_mx, _my = sympy.symbols("mu_X mu_Y", real=True)
_sx, _sy = sympy.symbols("sigma_X sigma_Y", positive=True)


@_derivation(
    "variance_of_product",
    r"D(XY) = D(X)D(Y) + D(X)E[Y]^2 + E[X]^2 D(Y)",
    "seed 000 (梯度消失与爆炸; the notes drop the mean terms)",
    premise=r"X, Y \text{ independent};\ E[X^2] = \sigma_X^2 + \mu_X^2",
    lhs=r"D(XY)",
)
def _variance_of_product() -> tuple[Any, ...]:
    return (
        (_sx**2 + _mx**2) * (_sy**2 + _my**2) - (_mx * _my) ** 2,
        _sx**2 * _sy**2 + _sx**2 * _my**2 + _mx**2 * _sy**2,
    )


# --- errata: what the notes say, against what is right ----------------------------------------


@_derivation(
    "seed004_tanh_derivative",
    r"\text{claimed } \tanh' = -\tanh^2 \text{ (right: } 1 - \tanh^2)",
    "seed 004, 3.4.3 table",
    erratum=True,
)
def _erratum_tanh() -> tuple[Any, ...]:
    return (-(sympy.tanh(x) ** 2), sympy.Derivative(sympy.tanh(x), x))


@_derivation(
    "seed003_relu_derivative",
    r"\text{claimed } \operatorname{ReLU}'(x) = x \text{ for } x \ge 0"
    r" \text{ (right: 1 for } x > 0)",
    "seed 003, ReLU",
    erratum=True,
)
def _erratum_relu() -> tuple[Any, ...]:
    return (
        sympy.Piecewise((0, x < 0), (x, True)),
        sympy.Derivative(ACTIVATIONS["relu"].expr, x),
    )


@_derivation(
    "seed001_leaky_relu_grad_at_zero",
    r"\text{claimed } \operatorname{LeakyReLU}'(0) = 0 \text{ (torch: negative\_slope)}",
    "seed 001, leaky_relu_grad code",
    erratum=True,
)
def _erratum_leaky_relu_grad() -> tuple[Any, ...]:
    notes = sympy.Piecewise((1, x > 0), (negative_slope, x < 0), (0, True))
    return (notes, ACTIVATIONS["leaky_relu"].derivative)


@_derivation(
    "seed001_leaky_relu_max_form",
    r"\max(\alpha x, x) \ne \operatorname{LeakyReLU}(x) \text{ for } \alpha > 1",
    "seed 001, Leaky ReLU (right only for alpha <= 1)",
    premise=r"\alpha = 2",
    erratum=True,
)
def _erratum_leaky_relu_max() -> tuple[Any, ...]:
    return (sympy.Max(2 * x, x), ACTIVATIONS["leaky_relu"].expr.subs(negative_slope, 2))


@_derivation(
    "seed004_softmax_denominator",
    r"\text{claimed } P(i) = e^{\theta_i^T x} / \textstyle\sum_k e^{\theta_i^T x} = 1/K",
    "seed 004, 3.4.9 (the sum must run over theta_k)",
    premise=r"K = 3,\ z_k = \theta_k^T x",
    erratum=True,
)
def _erratum_softmax_denominator() -> tuple[Any, ...]:
    z0 = _logits(3)[0]
    return (sympy.exp(z0) / (3 * sympy.exp(z0)), softmax_vector(3)[0])


@_derivation(
    "seed000_variance_of_product",
    r"\text{claimed } D(XY) = D(X)D(Y) \text{ (needs } E[X] = E[Y] = 0)",
    "seed 000, 梯度消失与爆炸",
    erratum=True,
)
def _erratum_variance_of_product() -> tuple[Any, ...]:
    return (_sx**2 * _sy**2, _variance_of_product()[0])


@_derivation(
    "seed001_msra_std",
    r"\text{claimed MSRA std} = \sqrt{1/n} \text{ (He et al.: } \sqrt{2/n} \text{ for ReLU)}",
    "seed 001, MSRA 初始化",
    erratum=True,
)
def _erratum_msra() -> tuple[Any, ...]:
    return (sympy.sqrt(1 / _n), _kaiming_std()[0].subs(_slope, 0))


# ----------------------------------------------------------------------------------------------
# LaTeX
# ----------------------------------------------------------------------------------------------

_VECTOR_LATEX = {
    "softmax": (
        r"\operatorname{Softmax}(x)_i = \frac{e^{x_i}}{\sum_j e^{x_j}}"
        r" = \frac{e^{x_i - \max_k x_k}}{\sum_j e^{x_j - \max_k x_k}}",
        r"\frac{\partial s_i}{\partial x_j} = s_i(\delta_{ij} - s_j),"
        r"\qquad J = \operatorname{diag}(s) - s s^\top",
    ),
    "log_softmax": (
        r"\operatorname{LogSoftmax}(x)_i = x_i - \log \sum_j e^{x_j}",
        r"\frac{\partial \log s_i}{\partial x_j} = \delta_{ij} - s_j,"
        r"\qquad J = I - \mathbf{1} s^\top",
    ),
}


def names() -> list[str]:
    """Every name :func:`latex` renders: activations, then identities, then errata."""
    return [*ACTIVATIONS, *_VECTOR_LATEX, *IDENTITIES, *ERRATA]


def _block(body: str) -> str:
    return f"$$\n{body}\n$$"


def _activation_latex(activation: SymbolicActivation) -> str:
    f = f"{activation.display}(x)"
    blocks = [
        _block(f"{f} = {_tex(activation.expr)}"),
        _block(f"{activation.display}'(x) = {_tex(activation.derivative)}"),
    ]
    for point, value in activation.kinks:
        kink = f"{activation.display}'\\left({_tex(point)}\\right) = {_tex(value)}"
        blocks.append(_block(rf"\text{{at the kink (torch autograd): }} {kink}"))
    return "\n\n".join(blocks)


def _identity_latex(identity: Identity) -> str:
    steps = identity.show() if identity.show is not None else identity.steps()
    head, *tail = [_tex(step) for step in steps]
    if identity.lhs:
        head, tail = identity.lhs, [head, *tail]
    relation = r"\ne" if identity.name in ERRATA else "="
    lines = [f"{head} &{relation} {tail[0]}"] + [f"&{relation} {step}" for step in tail[1:]]
    parts = [_block(identity.title)]
    if identity.premise:
        parts.append(_block(rf"\text{{given }} {identity.premise}"))
    parts.append(_block("\\begin{aligned}\n" + " \\\\\n".join(lines) + "\n\\end{aligned}"))
    return "\n\n".join(parts)


def latex(name: str) -> str:
    """GitHub-Markdown math (``$$`` blocks) for an activation, identity or erratum by name.

    An activation gives its formula, its derivative and the value at each kink; an identity gives
    its title, premise and the aligned chain of steps (``\\ne`` for an erratum).
    """
    if name in ACTIVATIONS:
        return _activation_latex(ACTIVATIONS[name])
    if name in _VECTOR_LATEX:
        return "\n\n".join(_block(line) for line in _VECTOR_LATEX[name])
    identity = IDENTITIES.get(name) or ERRATA.get(name)
    if identity is None:
        raise KeyError(f"latex: unknown name {name!r}; known: {', '.join(names())}")
    return _identity_latex(identity)
