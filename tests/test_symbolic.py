"""reference/symbolic.py: the notes' identities hold, its errata fail, its derivatives match torch.

Numerical expectations come from torch (autograd, torch.nn.init.calculate_gain); the symbolic
checks are sympy simplifications to zero.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable

import numpy as np
import pytest
import sympy
import torch

from graders.registry.activations import ACTIVATIONS as REGISTRY
from reference import activations, symbolic
from reference.symbolic import ACTIVATIONS, ERRATA, IDENTITIES

#: torch's function of every elementwise activation, as the registry's table names it.
TORCH: dict[str, Callable[..., torch.Tensor]] = {
    a.name: a.torch(torch) for a in REGISTRY if not a.softmax
}
# the torch.nn modules whose constructors hold torch's defaults
TORCH_MODULES = {
    "leaky_relu": torch.nn.LeakyReLU,
    "elu": torch.nn.ELU,
    "softplus": torch.nn.Softplus,
}
# defaults and non-default hyperparameters for each activation
PARAMS = {
    "leaky_relu": [{}, {"negative_slope": 0.2}, {"negative_slope": -0.5}],
    "elu": [{}, {"alpha": 0.5}, {"alpha": 2.0}],
    "softplus": [{}, {"beta": 2.0, "threshold": 5.0}, {"beta": -1.0}, {"threshold": 1.0}],
}
CASES = [
    pytest.param(name, params, id=f"{name}-{'-'.join(f'{k}={v}' for k, v in params.items())}")
    for name in TORCH
    for params in PARAMS.get(name, [{}])
]


def torch_value_and_grad(
    name: str, x: np.ndarray, params: dict[str, float]
) -> tuple[torch.Tensor, torch.Tensor]:
    t = torch.from_numpy(x.copy()).requires_grad_(True)
    y = TORCH[name](t, **params)
    (grad,) = torch.autograd.grad(y.sum(), t)
    return y.detach(), grad


# --- the registry -----------------------------------------------------------------------------


def test_registry_covers_every_elementwise_activation() -> None:
    elementwise = {
        name for name in activations.__all__ if not name.endswith("_grad") and "softmax" not in name
    }
    assert set(ACTIVATIONS) == elementwise == set(TORCH)


@pytest.mark.parametrize("name", list(TORCH))
def test_params_and_defaults_match_the_numpy_signature(name: str) -> None:
    for function in (getattr(activations, name), getattr(activations, f"{name}_grad")):
        signature = inspect.signature(function)
        defaults = {k: p.default for k, p in signature.parameters.items() if k != "x"}
        # (sympy holds the numeric hyperparameters; GELU's approximate='none' is its formula)
        numeric = {k: v for k, v in defaults.items() if not isinstance(v, str)}
        assert ACTIVATIONS[name].defaults == numeric
        module = TORCH_MODULES.get(name)
        torch_parameters = inspect.signature(module).parameters if module else {}
        assert {k: p.default for k, p in torch_parameters.items() if k != "inplace"} == (
            defaults if module else {}
        )


def test_unknown_hyperparameter_is_refused() -> None:
    with pytest.raises(TypeError, match="negative_slope"):
        ACTIVATIONS["elu"].f(np.zeros(2), negative_slope=0.1)


# --- symbolic derivatives against torch -------------------------------------------------------


def points(name: str, params: dict[str, float]) -> np.ndarray:
    """Seeded moderate points plus the kinks themselves (where the convention matters)."""
    x = np.random.default_rng(7).uniform(-8.0, 8.0, size=48)
    kinks = [0.0, -0.0]
    if name == "softplus":
        kinks.append(params.get("threshold", 20.0) / params.get("beta", 1.0))
    return np.concatenate([x, kinks])


@pytest.mark.parametrize(("name", "params"), CASES)
def test_symbolic_activation_and_derivative_match_torch(
    name: str, params: dict[str, float]
) -> None:
    x = points(name, params)
    value, grad = torch_value_and_grad(name, x, params)
    torch.testing.assert_close(torch.from_numpy(ACTIVATIONS[name].f(x, **params)), value)
    torch.testing.assert_close(torch.from_numpy(ACTIVATIONS[name].df(x, **params)), grad)


@pytest.mark.parametrize("name", [n for n, a in ACTIVATIONS.items() if a.kinks])
def test_kink_values_are_torch_conventions(name: str) -> None:
    activation = ACTIVATIONS[name]
    for point, value in activation.kinks:
        # symbolically: sympy.diff's piecewise derivative takes the declared value at the kink
        assert sympy.simplify(activation.derivative.subs(symbolic.x, point) - value) == 0
        # numerically: the declared value is torch autograd's, at defaults and varied params
        for params in PARAMS.get(name, [{}]):
            values = {**activation.defaults, **params}
            subs = {symbol: values[symbol.name] for symbol, _ in activation.params}
            at = float(point.subs(subs))
            _, grad = torch_value_and_grad(name, np.array([at]), params)
            torch.testing.assert_close(grad, torch.tensor([float(value.subs(subs))]).double())


def test_heaviside_is_not_the_convention() -> None:
    """relu'(0) is torch's 0, not sympy's Heaviside(0) = 1/2."""
    assert ACTIVATIONS["relu"].derivative.subs(symbolic.x, 0) == 0
    assert sympy.Heaviside(0) == sympy.Rational(1, 2)


# --- softmax ----------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_softmax_jacobian_is_diag_minus_outer(n: int) -> None:
    s = symbolic.softmax_vector(n)
    difference = symbolic.softmax_jacobian(n) - (sympy.diag(*s) - s * s.T)
    assert sympy.simplify(difference) == sympy.zeros(n, n)
    log_difference = symbolic.log_softmax_jacobian(n) - (sympy.eye(n) - sympy.ones(n, 1) * s.T)
    assert sympy.simplify(log_difference) == sympy.zeros(n, n)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
@pytest.mark.parametrize("log", [False, True], ids=["softmax", "log_softmax"])
def test_softmax_jacobian_matches_torch(n: int, log: bool) -> None:
    logits = np.random.default_rng(n).normal(scale=2.0, size=n)
    function = torch.log_softmax if log else torch.softmax
    expected = torch.autograd.functional.jacobian(
        lambda t: function(t, -1), torch.from_numpy(logits)
    )
    got = symbolic.softmax_jacobian_numpy(n, log=log)(logits)
    torch.testing.assert_close(torch.from_numpy(got), expected)


# --- identities and errata --------------------------------------------------------------------


@pytest.mark.parametrize("name", list(IDENTITIES))
def test_identity_holds(name: str) -> None:
    identity = IDENTITIES[name]
    assert len(identity.steps()) >= 2, "an identity needs at least two steps"
    identity.check()  # every consecutive difference simplifies to zero


@pytest.mark.parametrize("name", list(ERRATA))
def test_erratum_does_not_hold(name: str) -> None:
    with pytest.raises(AssertionError, match=name):
        ERRATA[name].check()


def test_notes_derivations_are_all_present() -> None:
    required = {
        "uniform_variance", "xavier_uniform_bound", "kaiming_std", "kaiming_variance",
        "sigmoid_derivative", "tanh_derivative", "tanh_via_sigmoid", "softmax_jacobian",
        "silu_derivative", "elu_derivative", "softplus_derivative",
    }  # fmt: skip
    table = {f"table_{row}" for row, _, _ in symbolic.DERIVATIVE_TABLE}
    assert len(table) == 12  # seed 003's table: constant ... tan
    assert required | table <= set(IDENTITIES)


@pytest.mark.parametrize("slope", [0.0, 0.01, 0.2, 1.0, math.sqrt(5.0)])
@pytest.mark.parametrize("fan", [1, 7, 300])
def test_kaiming_std_equals_torch_gain_over_sqrt_fan(slope: float, fan: int) -> None:
    """The notes' sqrt(2 / ((1 + a^2) n)) is torch's calculate_gain('leaky_relu', a) / sqrt(n)."""
    notes_std = IDENTITIES["kaiming_std"].steps()[0]
    value = float(notes_std.subs({sympy.Symbol("a", real=True): slope, symbolic._n: fan}))
    gain = torch.nn.init.calculate_gain("leaky_relu", slope)
    assert value == pytest.approx(gain / math.sqrt(fan), rel=1e-14)


def test_xavier_bound_is_torch_xavier_uniform_bound() -> None:
    bound = IDENTITIES["xavier_uniform_bound"].steps()[-1]
    fan_out, fan_in = 300, 200
    value = float(bound.subs({symbolic._n_in: fan_in, symbolic._n_out: fan_out}))
    weights = torch.nn.init.xavier_uniform_(
        torch.empty(fan_out, fan_in, dtype=torch.float64),
        generator=torch.Generator().manual_seed(0),
    )
    assert weights.abs().max().item() <= value
    assert weights.abs().max().item() > 0.999 * value  # 60 000 draws reach the edge
    assert weights.var().item() == pytest.approx(value**2 / 3, rel=0.02)


# --- LaTeX ------------------------------------------------------------------------------------

TOKENS = {
    "sigmoid": "e^{- x}",
    "tanh": r"\tanh",
    "relu": r"\begin{cases}",
    "leaky_relu": r"\text{negative\_slope}",
    "elu": r"\alpha",
    "silu": r"\operatorname{SiLU}",
    "softplus": r"\text{threshold}",
    "gelu": r"\operatorname{erf}",
    "identity": r"\operatorname{Id}",
    "softmax": r"\sum",
    "log_softmax": r"\log",
}


@pytest.mark.parametrize("name", symbolic.names())
def test_latex_renders_every_name(name: str) -> None:
    text = symbolic.latex(name)
    assert text.startswith("$$\n") and text.endswith("\n$$")
    assert text.count("$$") % 2 == 0
    assert text.count("{") == text.count("}")
    assert text.count(r"\begin{") == text.count(r"\end{")
    if name in TOKENS:
        assert TOKENS[name] in text
        assert ("'(x)" in text) or ("J" in text)
    elif name in ERRATA:
        assert r"\ne" in text
    else:
        assert r"\begin{aligned}" in text


def test_latex_unknown_name() -> None:
    with pytest.raises(KeyError, match="unknown"):
        symbolic.latex("no_such_activation")
