"""Tests of ``reference/symbolic_losses.py``: sympy's derivatives against torch autograd.

The symbolic module is an oracle for the reference's gradients, so it is itself checked here
against torch (float64 autograd) at random points and at the kinks where a convention is chosen,
its stated identities must hold symbolically, and every derivation must render as LaTeX.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from reference import symbolic_losses as S

Points = Callable[[np.random.Generator], tuple[np.ndarray, np.ndarray]]


def _normal(r: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    return r.standard_normal(12), r.standard_normal(12)


#: name -> (torch elementwise loss of (x, y), sympy/reference params, sample points)
TORCH: dict[
    str, tuple[Callable[[torch.Tensor, torch.Tensor], torch.Tensor], dict[str, float], Points]
] = {
    "l1": (lambda x, y: F.l1_loss(x, y, reduction="none"), {}, _normal),
    "mse": (lambda x, y: F.mse_loss(x, y, reduction="none"), {}, _normal),
    "smooth_l1": (
        lambda x, y: F.smooth_l1_loss(x, y, reduction="none", beta=0.6),
        {"beta": 0.6},
        _normal,
    ),
    "huber": (
        lambda x, y: F.huber_loss(x, y, reduction="none", delta=0.6),
        {"delta": 0.6},
        _normal,
    ),
    "bce": (
        lambda x, y: F.binary_cross_entropy(x, y, reduction="none"),
        {},
        lambda r: (r.uniform(0.05, 0.95, 12), r.uniform(0, 1, 12)),
    ),
    "bce_with_logits": (
        lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction="none"),
        {},
        lambda r: (3 * r.standard_normal(12), r.uniform(0, 1, 12)),
    ),
    "bce_with_logits_pos_weight": (
        lambda x, y: F.binary_cross_entropy_with_logits(
            x, y, reduction="none", pos_weight=torch.tensor(2.5, dtype=torch.float64)
        ),
        {"pos_weight": 2.5},
        lambda r: (3 * r.standard_normal(12), r.uniform(0, 1, 12)),
    ),
    "soft_margin": (
        lambda x, y: F.soft_margin_loss(x, y, reduction="none"),
        {},
        lambda r: (3 * r.standard_normal(12), r.choice([-1.0, 1.0], 12)),
    ),
    "poisson_log_input": (
        lambda x, y: F.poisson_nll_loss(x, y, log_input=True, reduction="none"),
        {},
        lambda r: (r.standard_normal(12), r.poisson(2.0, 12).astype(float)),
    ),
    "poisson": (
        lambda x, y: F.poisson_nll_loss(x, y, log_input=False, eps=1e-3, reduction="none"),
        {"eps": 1e-3},
        lambda r: (r.uniform(0.1, 3.0, 12), r.poisson(2.0, 12).astype(float)),
    ),
    "kl_div": (
        lambda x, y: F.kl_div(x, y, reduction="none"),
        {},
        lambda r: (r.standard_normal(12), r.uniform(0.01, 1.0, 12)),
    ),
    "kl_div_log_target": (
        lambda x, y: F.kl_div(x, y, reduction="none", log_target=True),
        {},
        lambda r: (r.standard_normal(12), r.standard_normal(12)),
    ),
}


def torch_value_and_grad(name: str, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    fn = TORCH[name][0]
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    out = fn(tx, torch.tensor(y, dtype=torch.float64))
    (g,) = torch.autograd.grad(out.sum(), tx)
    return out.detach().numpy(), g.numpy()


def test_every_derivation_has_a_torch_oracle() -> None:
    assert set(TORCH) == set(S.ELEMENTWISE)


@pytest.mark.parametrize("name", sorted(S.ELEMENTWISE))
def test_symbolic_loss_and_derivative_match_torch_autograd(name: str) -> None:
    _, params, points = TORCH[name]
    x, y = points(np.random.default_rng(zlib.crc32(name.encode())))
    loss, grad = S.numeric(name)
    expected_loss, expected_grad = torch_value_and_grad(name, x, y)
    np.testing.assert_allclose(loss(x, y, **params), expected_loss, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad(x, y, **params), expected_grad, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    ("name", "x", "y"),
    [
        ("l1", [0.0, 1.0, -1.0], [0.0, 0.0, 0.0]),  # sign(0) = 0, as torch
        ("smooth_l1", [0.6, -0.6, 0.0], [0.0, 0.0, 0.0]),  # |d| = beta and d = 0
        ("huber", [0.6, -0.6, 0.0], [0.0, 0.0, 0.0]),  # |d| = delta and d = 0
        ("mse", [1.0, 1.0], [1.0, 1.0]),
    ],
)
def test_symbolic_derivative_takes_torch_value_at_kinks(name: str, x: Any, y: Any) -> None:
    _, params, _ = TORCH[name]
    xa, ya = np.asarray(x), np.asarray(y)
    _, expected = torch_value_and_grad(name, xa, ya)
    np.testing.assert_array_equal(S.numeric(name)[1](xa, ya, **params), expected)


@pytest.mark.parametrize("name", sorted(S.ELEMENTWISE))
def test_stated_closed_form_equals_sympy_derivative(name: str) -> None:
    assert S.closed_form_holds(name)


def test_bce_with_logits_derivative_is_sigmoid_minus_target() -> None:
    """Seed 004's "σ(z) − y": the closed form, checked by sympy, not typed into the oracle."""
    d = S.ELEMENTWISE["bce_with_logits"]
    assert d.closed_form is not None
    assert str(d.closed_form) == "-y + 1/(1 + exp(-x))"
    assert S.closed_form_holds("bce_with_logits")


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("smoothing", [False, True])
def test_cross_entropy_identity_holds(n_classes: int, smoothing: bool) -> None:
    assert S.cross_entropy_identity(n_classes, label_smoothing=smoothing)


@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
def test_cross_entropy_grad_numeric_matches_torch_autograd(label_smoothing: float) -> None:
    rng = np.random.default_rng(3)
    x, t = 2 * rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
    tx = torch.tensor(x, requires_grad=True)
    loss = F.cross_entropy(
        tx, torch.from_numpy(t), reduction="sum", label_smoothing=label_smoothing
    )
    (expected,) = torch.autograd.grad(loss, tx)
    got = S.cross_entropy_grad_numeric(3)(x, t, label_smoothing)
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", S.NAMES)
def test_latex_renders_every_derivation(name: str) -> None:
    text = S.latex(name)
    assert text.strip()
    assert text.count("$$") >= 4 and text.count("$$") % 2 == 0
    assert "\\frac{\\partial \\ell}" in text


def test_latex_rejects_an_unknown_name() -> None:
    with pytest.raises(KeyError, match="unknown derivation"):
        S.latex("no_such_loss")
