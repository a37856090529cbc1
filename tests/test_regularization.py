"""The L1/L2 penalties of ``reference/losses.py`` (seed 000: Obj = Cost + Regularization).

Oracles: torch autograd of ``lam * w.abs().sum()`` and ``0.5 * lam * (w ** 2).sum()``; central
differences; ``torch.optim``: one step with ``weight_decay=lam`` equals one step on the cost plus
``l2_penalty`` for SGD and Adam, and differs for AdamW (decoupled decay).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

from reference import losses as L

RTOL, ATOL = 1e-12, 1e-14
F64 = torch.float64

PENALTIES: dict[str, Callable[[torch.Tensor, float], torch.Tensor]] = {
    "l1_penalty": lambda w, lam: lam * w.abs().sum(),
    "l2_penalty": lambda w, lam: 0.5 * lam * (w**2).sum(),
}
SHAPES = [(), (0,), (7,), (3, 4), (2, 3, 4)]


def weights(shape: tuple[int, ...], seed: int) -> np.ndarray:
    w = np.random.default_rng(seed).standard_normal(shape)
    if w.size > 2:
        w.flat[1] = 0.0  # a kink of |w|: the subgradient convention is exercised
    return w


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(PENALTIES))
@pytest.mark.parametrize("lam", [0.0, 0.01, 2.5])
def test_penalty_and_gradient_match_torch(name: str, shape: tuple[int, ...], lam: float) -> None:
    w = weights(shape, len(shape) + int(lam * 100))
    upstream = 0.7
    t = torch.tensor(w, dtype=F64, requires_grad=True)
    value = PENALTIES[name](t, lam)
    (grad,) = torch.autograd.grad(value, t, torch.tensor(upstream, dtype=F64))
    ours = getattr(L, name)(w, lam)
    assert type(ours) is np.ndarray and ours.shape == () and ours.dtype == np.float64
    np.testing.assert_allclose(ours, value.item(), rtol=RTOL, atol=ATOL)
    got = getattr(L, f"{name}_grad")(w, lam, grad_output=upstream)
    assert got.shape == w.shape
    np.testing.assert_allclose(got, grad.numpy(), rtol=RTOL, atol=ATOL)
    default = getattr(L, f"{name}_grad")(w, lam)  # grad_output omitted: 1
    np.testing.assert_allclose(default * upstream, got, rtol=RTOL, atol=ATOL)


def test_l1_subgradient_at_zero_is_zero() -> None:
    w = np.array([-1.0, 0.0, 2.0])
    t = torch.tensor(w, requires_grad=True)
    (0.3 * t.abs().sum()).backward()
    assert t.grad is not None and t.grad[1].item() == 0.0  # torch's abs backward: sign(0) = 0
    np.testing.assert_array_equal(L.l1_penalty_grad(w, 0.3), [-0.3, 0.0, 0.3])


@pytest.mark.parametrize("name", sorted(PENALTIES))
def test_float32_is_kept(name: str) -> None:
    w = weights((4, 5), 3).astype(np.float32)
    assert getattr(L, name)(w, 0.1).dtype == np.float32
    assert getattr(L, f"{name}_grad")(w, 0.1).dtype == np.float32
    want = PENALTIES[name](torch.from_numpy(w), 0.1).item()
    np.testing.assert_allclose(getattr(L, name)(w, 0.1), want, rtol=1e-6)


@pytest.mark.parametrize("name", sorted(PENALTIES))
def test_gradient_against_central_differences(name: str) -> None:
    w = np.random.default_rng(5).uniform(0.2, 1.0, (3, 3)) * np.sign(np.arange(9) - 4.5).reshape(
        3, 3
    )
    lam, h = 0.8, 1e-6
    want = np.empty_like(w)
    for idx in np.ndindex(w.shape):
        up, down = w.copy(), w.copy()
        up[idx] += h
        down[idx] -= h
        want[idx] = (getattr(L, name)(up, lam) - getattr(L, name)(down, lam)) / (2 * h)
    np.testing.assert_allclose(getattr(L, f"{name}_grad")(w, lam), want, rtol=1e-6, atol=1e-8)


def test_grad_output_must_be_a_scalar() -> None:
    with pytest.raises(ValueError, match="scalar"):
        L.l2_penalty_grad(np.ones(3), 0.1, grad_output=np.ones(3))


# --------------------------------------------------------------------------------------------
# weight decay in torch.optim: an L2 penalty for SGD and Adam, not for AdamW
# --------------------------------------------------------------------------------------------

W0 = np.array([[0.5, -1.5, 2.0], [0.1, -0.3, 1.2]])
X = np.array([[1.0, -2.0, 0.5], [0.3, 0.8, -1.0], [2.0, 0.1, 0.4], [-0.5, 1.0, 1.5]])
Y = np.array([[0.2, -1.0], [1.0, 0.0], [0.5, 0.5], [-1.0, 2.0]])
LAM = 0.3


def cost(w: torch.Tensor) -> torch.Tensor:
    """A least-squares cost (the notes' Cost = mean of the losses) of a linear layer."""
    return torch.nn.functional.mse_loss(torch.from_numpy(X) @ w.T, torch.from_numpy(Y))


def torch_steps(name: str, kwargs: dict[str, Any], penalty: bool, steps: int = 3) -> np.ndarray:
    """Parameters after ``steps`` torch.optim steps on the cost, with the reference L2 penalty's
    gradient added to torch's gradient of the cost when ``penalty``."""
    w = torch.tensor(W0, dtype=F64, requires_grad=True)
    opt = getattr(torch.optim, name)([w], foreach=False, **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        cost(w).backward()
        if penalty:
            assert w.grad is not None
            extra = L.l2_penalty_grad(w.detach().numpy(), LAM)
            w.grad += torch.from_numpy(extra)
        opt.step()
    return w.detach().numpy().copy()


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("SGD", {"lr": 0.1}),
        ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
        ("Adam", {"lr": 0.1}),
        ("RMSprop", {"lr": 0.01}),
        ("Adagrad", {"lr": 0.1}),
    ],
)
def test_weight_decay_is_the_l2_penalty(name: str, kwargs: dict[str, Any]) -> None:
    decayed = torch_steps(name, {**kwargs, "weight_decay": LAM}, penalty=False)
    penalised = torch_steps(name, kwargs, penalty=True)
    np.testing.assert_allclose(decayed, penalised, rtol=1e-12, atol=1e-14)
    assert not np.allclose(decayed, torch_steps(name, kwargs, penalty=False))  # decay matters


def test_one_sgd_step_on_cost_plus_penalty_by_autograd() -> None:
    """The same for one SGD step, with the penalty differentiated by torch itself."""
    decayed = torch_steps("SGD", {"lr": 0.1, "weight_decay": LAM}, penalty=False, steps=1)
    w = torch.tensor(W0, dtype=F64, requires_grad=True)
    (cost(w) + PENALTIES["l2_penalty"](w, LAM)).backward()
    assert w.grad is not None
    np.testing.assert_allclose(decayed, W0 - 0.1 * w.grad.numpy(), rtol=1e-12)
    value = float(cost(torch.from_numpy(W0))) + float(L.l2_penalty(W0, LAM))
    assert np.isclose(value, float(cost(torch.from_numpy(W0)) + 0.5 * LAM * (W0**2).sum()))


def test_adamw_decay_is_not_the_l2_penalty() -> None:
    adamw = torch_steps("AdamW", {"lr": 0.1, "weight_decay": LAM}, penalty=False)
    adam_l2 = torch_steps("Adam", {"lr": 0.1}, penalty=True)
    assert not np.allclose(adamw, adam_l2, rtol=1e-3, atol=1e-3)
    # AdamW: θ ← θ − γλθ, then the plain Adam step on the cost's gradient alone
    w = torch.tensor(W0, dtype=F64, requires_grad=True)
    opt = torch.optim.Adam([w], lr=0.1, foreach=False)
    for _ in range(3):
        opt.zero_grad()
        cost(w).backward()
        with torch.no_grad():
            w.mul_(1 - 0.1 * LAM)
        opt.step()
    np.testing.assert_allclose(adamw, w.detach().numpy(), rtol=1e-12, atol=1e-14)
