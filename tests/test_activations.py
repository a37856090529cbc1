"""reference/activations.py against torch (float64 oracle), sympy and central differences.

Expected values always come from an independent oracle -- torch.nn.functional / torch.autograd,
the sympy derivative of reference/symbolic.py, or a central difference of the torch function --
never from the module under test.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from graders.registry.activations import ACTIVATIONS as REGISTRY
from reference import activations as A
from reference.symbolic import ACTIVATIONS as SYMBOLIC

INF, NAN = math.inf, math.nan

#: Keywords tried here beyond the grader's own (negative slopes, a zero alpha, a negative beta).
EXTRA: dict[str, list[dict[str, Any]]] = {
    "leaky_relu": [{"negative_slope": -0.5}],
    "elu": [{"alpha": 2.0}, {"alpha": 0.0}],
    "softplus": [{"beta": -1.0}],
}
# name -> (torch function, hyperparameter sets: the defaults first, then every keyword varied):
# every elementwise activation of the registry (graders.registry.activations.ACTIVATIONS, one
# row per activation) with torch's function named there; the expected values are torch's.
ELEMENTWISE: dict[str, tuple[Callable[..., torch.Tensor], list[dict[str, Any]]]] = {
    a.name: (a.torch(torch), [{}, *a.hyper, *EXTRA.get(a.name, [])])
    for a in REGISTRY
    if not a.softmax
}
CASES = [
    pytest.param(name, params, id=f"{name}-{'-'.join(f'{k}={v}' for k, v in params.items())}")
    for name, (_, sets) in ELEMENTWISE.items()
    for params in sets
]
SHAPES: dict[str, tuple[int, ...]] = {
    "0d": (),
    "size1": (1,),
    "empty": (0,),
    "empty2d": (3, 0),
    "vector": (7,),
    "2d": (4, 5),
    "3d": (2, 3, 4),
}
KINDS = [*SHAPES, "strided", "transposed"]
EDGE = [0.0, -0.0, *(s * v for v in (1e-3, 1.0, 20.0, 20.01, 1000.0, INF) for s in (1, -1)), NAN]


def make_input(kind: str, seed: int, dtype: type = np.float64) -> np.ndarray:
    """Seeded N(0, 3^2) input; "strided" and "transposed" are non-contiguous views."""
    rng = np.random.default_rng(seed)
    if kind == "strided":
        return (3 * rng.standard_normal((4, 10))).astype(dtype)[:, ::2]
    if kind == "transposed":
        return (3 * rng.standard_normal((5, 4))).astype(dtype).T
    return np.asarray(3 * rng.standard_normal(SHAPES[kind]), dtype=dtype)


def to_torch(x: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(x, order="C", copy=True))


def torch_value_and_grad(
    name: str, x: np.ndarray, params: dict[str, float]
) -> tuple[torch.Tensor, torch.Tensor]:
    """The oracle: torch's activation and its elementwise derivative by autograd."""
    t = to_torch(x).requires_grad_(True)
    y = ELEMENTWISE[name][0](t, **params)
    (grad,) = torch.autograd.grad(y.sum(), t)
    return y.detach(), grad


def check(got: Any, expected: torch.Tensor, shape: tuple[int, ...], **kwargs: Any) -> None:
    """Plain ndarray, then shape, then dtype, then values."""
    assert type(got) is np.ndarray, f"returned {type(got).__name__}, not a plain np.ndarray"
    assert got.shape == shape
    assert got.dtype == torch.empty((), dtype=expected.dtype).numpy().dtype
    torch.testing.assert_close(torch.from_numpy(got), expected, **kwargs)


# --- elementwise activations and their derivatives against torch ------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("name", "params"), CASES)
def test_forward_matches_torch(name: str, params: dict[str, float], kind: str) -> None:
    x = make_input(kind, seed=len(name) + 17 * len(params))
    expected, _ = torch_value_and_grad(name, x, params)
    check(getattr(A, name)(x, **params), expected, x.shape)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("name", "params"), CASES)
def test_grad_matches_torch_autograd(name: str, params: dict[str, float], kind: str) -> None:
    x = make_input(kind, seed=len(name) + 17 * len(params) + 1)
    _, expected = torch_value_and_grad(name, x, params)
    check(getattr(A, f"{name}_grad")(x, **params), expected, x.shape)


@pytest.mark.parametrize(("name", "params"), CASES)
def test_edge_grid_matches_torch(name: str, params: dict[str, float]) -> None:
    """0, -0, tiny, +-20 (softplus' threshold), huge, +-inf and nan: equal to torch, nan for nan."""
    x = np.array(EDGE)
    value, grad = torch_value_and_grad(name, x, params)
    check(getattr(A, name)(x, **params), value, x.shape, equal_nan=True)
    check(getattr(A, f"{name}_grad")(x, **params), grad, x.shape, equal_nan=True)


@pytest.mark.parametrize(
    ("name", "params"), [("relu", {}), ("leaky_relu", {"negative_slope": 0.2})]
)
def test_signed_zero_kept_as_torch(name: str, params: dict[str, float]) -> None:
    """relu(-0.0) and leaky_relu(-0.0) are -0.0 in torch: the sign of each output equals torch's."""
    x = np.array(EDGE)
    value, _ = torch_value_and_grad(name, x, params)
    got = getattr(A, name)(x, **params)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(np.asarray(value)))


@pytest.mark.parametrize(("name", "params"), CASES)
def test_float32_kept(name: str, params: dict[str, float]) -> None:
    x = make_input("2d", seed=3, dtype=np.float32)
    value, grad = torch_value_and_grad(name, x, params)
    assert value.dtype == torch.float32
    check(getattr(A, name)(x, **params), value, x.shape)
    check(getattr(A, f"{name}_grad")(x, **params), grad, x.shape)


@pytest.mark.parametrize("name", list(ELEMENTWISE))
def test_integers_and_lists_become_float64(name: str) -> None:
    ints = np.arange(-3, 4)
    value, grad = torch_value_and_grad(name, ints.astype(np.float64), {})
    check(getattr(A, name)(ints), value, ints.shape)
    check(getattr(A, f"{name}_grad")(ints.tolist()), grad, ints.shape)
    scalar = getattr(A, name)(0.5)
    assert type(scalar) is np.ndarray and scalar.shape == () and scalar.dtype == np.float64


# name, hyperparameters, x, torch autograd's derivative there (written out, and checked on torch)
KINK_CONVENTIONS = [
    ("relu", {}, 0.0, 0.0),
    ("relu", {}, -0.0, 0.0),
    ("relu", {}, NAN, 1.0),
    ("leaky_relu", {}, 0.0, 0.01),
    ("leaky_relu", {"negative_slope": 0.2}, 0.0, 0.2),
    ("leaky_relu", {"negative_slope": 0.2}, NAN, 0.2),
    ("elu", {}, 0.0, 1.0),
    ("elu", {"alpha": 0.5}, 0.0, 0.5),
    ("elu", {"alpha": 0.5}, NAN, 1.0),
    ("softplus", {}, 20.0, 1 / (1 + math.exp(-20.0))),
    ("softplus", {}, 20.01, 1.0),
    ("softplus", {"beta": 2.0, "threshold": 5.0}, 2.5, 1 / (1 + math.exp(-5.0))),
    ("softplus", {"beta": 2.0, "threshold": 5.0}, 2.5000001, 1.0),
    ("softplus", {}, NAN, NAN),
    ("silu", {}, INF, NAN),
    ("silu", {}, -INF, NAN),
]


@pytest.mark.parametrize(("name", "params", "point", "derivative"), KINK_CONVENTIONS)
def test_kink_convention(
    name: str, params: dict[str, float], point: float, derivative: float
) -> None:
    x = np.array([point])
    _, torch_grad = torch_value_and_grad(name, x, params)
    literal = torch.tensor([derivative], dtype=torch.float64)
    torch.testing.assert_close(torch_grad, literal, equal_nan=True)
    check(getattr(A, f"{name}_grad")(x, **params), literal, (1,), equal_nan=True)


@pytest.mark.parametrize("magnitude", [1000.0, 1e4])
@pytest.mark.parametrize(("name", "params"), CASES)
def test_stable_for_large_inputs(name: str, params: dict[str, float], magnitude: float) -> None:
    x = magnitude * np.array([-1.0, -0.5, -1e-3, 0.0, 1e-3, 0.5, 1.0])
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        value = getattr(A, name)(x, **params)
        grad = getattr(A, f"{name}_grad")(x, **params)
    assert np.isfinite(value).all() and np.isfinite(grad).all()
    expected_value, expected_grad = torch_value_and_grad(name, x, params)
    check(value, expected_value, x.shape)
    check(grad, expected_grad, x.shape)


# --- gradients three ways: torch autograd (above), sympy, central difference ------------------


def smooth_points(name: str, params: dict[str, float], seed: int) -> np.ndarray:
    """Seeded points in [-6, 6] at least 1e-3 away from every kink of the activation."""
    x = np.random.default_rng(seed).uniform(-6.0, 6.0, size=200)
    kinks = [0.0]
    if name == "softplus":
        kinks.append(params.get("threshold", 20.0) / params.get("beta", 1.0))
    far = np.all([np.abs(x - k) > 1e-3 for k in kinks], axis=0)
    return x[far][:64]


SYMBOLIC_CASES = [  # (sympy where it applies: GELU's tanh form is not a sympy function here)
    c
    for c in CASES
    if c.values[0] in SYMBOLIC and set(c.values[1]) <= set(SYMBOLIC[c.values[0]].defaults)
]


def test_every_symbolic_activation_is_tested() -> None:
    assert {c.values[0] for c in SYMBOLIC_CASES} == set(SYMBOLIC)


@pytest.mark.parametrize(("name", "params"), SYMBOLIC_CASES)
def test_grad_matches_sympy_derivative(name: str, params: dict[str, float]) -> None:
    x = smooth_points(name, params, seed=11)
    expected = torch.from_numpy(SYMBOLIC[name].df(x, **params))
    check(getattr(A, f"{name}_grad")(x, **params), expected, x.shape)


@pytest.mark.parametrize(("name", "params"), CASES)
def test_grad_matches_central_difference(name: str, params: dict[str, float]) -> None:
    x = smooth_points(name, params, seed=12)
    h = 1e-6
    f = ELEMENTWISE[name][0]
    expected = (f(to_torch(x + h), **params) - f(to_torch(x - h), **params)) / (2 * h)
    check(getattr(A, f"{name}_grad")(x, **params), expected, x.shape, rtol=1e-6, atol=1e-7)


# --- softmax and log_softmax ------------------------------------------------------------------

SOFTMAX_CASES = [
    ("0d", -1), ("0d", 0), ("size1", -1), ("vector", 0), ("2d", -1), ("2d", 0), ("2d", 1),
    ("3d", 0), ("3d", 1), ("3d", 2), ("3d", -2), ("strided", 0), ("strided", -1),
    ("transposed", 1), ("empty", -1), ("empty2d", -1), ("empty2d", 0),
]  # fmt: skip
SOFTMAX_IDS = [f"{kind}-dim{dim}" for kind, dim in SOFTMAX_CASES]
TORCH_SOFTMAX = {"softmax": torch.softmax, "log_softmax": torch.log_softmax}
SOFTMAX_FAMILY = ["softmax", "log_softmax", "softmax_grad", "log_softmax_grad"]


def slice_blocks(full: np.ndarray, shape: tuple[int, ...], dim: int) -> np.ndarray:
    """The entries of torch's full Jacobian (shape S + S) in softmax_grad's layout S + (C,).

    out[k + (j,)] = full[k + k'] with k' = k but k'[dim] = j; a 0-d input is one class.
    """
    if not shape:
        return full.reshape(1)
    axis = dim % len(shape)
    out = np.zeros((*shape, shape[axis]))
    for k in np.ndindex(*shape):
        for j in range(shape[axis]):
            source = list(k)
            source[axis] = j
            out[(*k, j)] = full[(*k, *source)]
    return out


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize(("kind", "dim"), SOFTMAX_CASES, ids=SOFTMAX_IDS)
def test_softmax_forward_matches_torch(name: str, kind: str, dim: int) -> None:
    x = make_input(kind, seed=21 + dim)
    check(getattr(A, name)(x, dim=dim), TORCH_SOFTMAX[name](to_torch(x), dim), x.shape)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize(("kind", "dim"), SOFTMAX_CASES, ids=SOFTMAX_IDS)
def test_softmax_jacobian_matches_torch(name: str, kind: str, dim: int) -> None:
    x = make_input(kind, seed=31 + dim)
    c = x.shape[dim] if x.ndim else 1
    if x.size == 0:  # torch.autograd.functional.jacobian cannot stack an empty Jacobian
        expected = np.zeros((*x.shape, c))
    else:
        full = torch.autograd.functional.jacobian(
            lambda t: TORCH_SOFTMAX[name](t, dim), to_torch(x)
        ).numpy()
        expected = slice_blocks(full, x.shape, dim)
        # the entries softmax_grad leaves out (coupling different slices) are 0 in torch's
        assert np.abs(full).sum() == pytest.approx(np.abs(expected).sum(), rel=1e-12, abs=0)
    check(getattr(A, f"{name}_grad")(x, dim=dim), torch.from_numpy(expected), (*x.shape, c))


def test_softmax_grad_layout_by_hand() -> None:
    """dim=1 on (A, C, B): J[a, i, b, j] = d s[a, i, b] / d x[a, j, b], spelled out once."""
    x = make_input("3d", seed=5)  # (2, 3, 4), C = 3 along dim 1
    jac = A.softmax_grad(x, dim=1)
    assert jac.shape == (2, 3, 4, 3)
    t = to_torch(x).requires_grad_(True)
    s = torch.softmax(t, dim=1)
    (row,) = torch.autograd.grad(s[1, 2, 3], t)  # d s[1, 2, 3] / d x, every entry
    torch.testing.assert_close(torch.from_numpy(jac[1, 2, 3, :]), row[1, :, 3])
    assert torch.count_nonzero(row).item() == 3  # only x[1, :, 3] matters


def test_softmax_grad_matches_sympy_jacobian() -> None:
    from reference.symbolic import softmax_jacobian_numpy

    x = make_input("3d", seed=6)  # (2, 3, 4); slices along dim 1 have C = 3
    for name, log in [("softmax_grad", False), ("log_softmax_grad", True)]:
        jac = getattr(A, name)(x, dim=1)
        for a, b in np.ndindex(2, 4):
            expected = softmax_jacobian_numpy(3, log=log)(x[a, :, b])
            got = torch.from_numpy(jac[a, :, b, :])
            torch.testing.assert_close(got, torch.from_numpy(expected))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, 2])
def test_softmax_grad_matches_central_difference(name: str, dim: int) -> None:
    """Perturbing index j along dim in every slice at once gives column j of every block."""
    x = make_input("3d", seed=7)
    h = 1e-6
    columns = []
    for j in range(x.shape[dim]):
        step = np.zeros(x.shape[dim])
        step[j] = h
        step = step.reshape([-1 if axis == dim else 1 for axis in range(x.ndim)])
        plus = TORCH_SOFTMAX[name](to_torch(x + step), dim)
        minus = TORCH_SOFTMAX[name](to_torch(x - step), dim)
        columns.append((plus - minus) / (2 * h))
    expected = torch.stack(columns, dim=-1)
    got = getattr(A, f"{name}_grad")(x, dim=dim)
    check(got, expected, (*x.shape, x.shape[dim]), rtol=1e-6, atol=1e-7)


SOFTMAX_EDGE_ROWS = [
    [0.0, 0.0, 0.0],
    [1000.0, -1000.0, 0.0],
    [1e4, 1e4, -1e4],
    [-1e4, 20.0, 20.01],
    [INF, 1.0, 2.0],
    [-INF, 1.0, 2.0],
    [-INF, -INF, 5.0],
    [-INF, -INF, -INF],
    [NAN, 1.0, 2.0],
]


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_edge_rows_match_torch(name: str) -> None:
    x = np.array(SOFTMAX_EDGE_ROWS)
    check(getattr(A, name)(x), TORCH_SOFTMAX[name](to_torch(x), -1), x.shape, equal_nan=True)
    full = torch.autograd.functional.jacobian(lambda t: TORCH_SOFTMAX[name](t, -1), to_torch(x))
    expected = torch.from_numpy(slice_blocks(full.numpy(), x.shape, -1))
    check(getattr(A, f"{name}_grad")(x), expected, (*x.shape, 3), equal_nan=True)


@pytest.mark.parametrize("magnitude", [1000.0, 1e4])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_stable_for_large_inputs(name: str, magnitude: float) -> None:
    x = magnitude * np.array([[1.0, -1.0, 0.0], [1.0, 1.0, -1.0], [-1.0, -1.0, -0.5]])
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        value = getattr(A, name)(x, dim=0)
        jac = getattr(A, f"{name}_grad")(x, dim=0)
    assert np.isfinite(value).all() and np.isfinite(jac).all()
    check(value, TORCH_SOFTMAX[name](to_torch(x), 0), x.shape)


@pytest.mark.parametrize("name", SOFTMAX_FAMILY)
def test_softmax_family_float32_and_ints(name: str) -> None:
    x32 = make_input("2d", seed=8, dtype=np.float32)
    assert getattr(A, name)(x32, dim=0).dtype == np.float32
    assert getattr(A, name)(np.arange(6).reshape(2, 3)).dtype == np.float64
    forward = name.removesuffix("_grad")
    if forward == name:
        check(getattr(A, name)(x32, dim=0), TORCH_SOFTMAX[name](to_torch(x32), 0), x32.shape)


def test_softmax_rejects_a_dim_out_of_range() -> None:
    for x in (make_input("2d", seed=9), np.zeros((3, 0))):
        for name in SOFTMAX_FAMILY:
            with pytest.raises((IndexError, ValueError)):
                getattr(A, name)(x, dim=2)


ALL_CALLS = [
    *((name, {}) for name in ELEMENTWISE),
    *((f"{name}_grad", {}) for name in ELEMENTWISE),
    *((name, {"dim": 0}) for name in SOFTMAX_FAMILY),
]


@pytest.mark.parametrize(("name", "kwargs"), ALL_CALLS, ids=[name for name, _ in ALL_CALLS])
def test_input_is_not_modified(name: str, kwargs: dict[str, int]) -> None:
    """The notes' softmax shifts its argument in place (x -= max); the reference must not."""
    x = make_input("2d", seed=10)
    before = x.copy()
    getattr(A, name)(x, **kwargs)
    np.testing.assert_array_equal(x, before)


# --- properties (hypothesis, derandomized) ----------------------------------------------------

FINITE = st.floats(-1e4, 1e4, allow_nan=False)
PROPERTY = settings(derandomize=True, database=None, max_examples=40, deadline=None)


@PROPERTY
@given(st.lists(FINITE, min_size=1, max_size=8))
def test_sigmoid_is_symmetric(values: list[float]) -> None:
    x = np.array(values)
    s = A.sigmoid(x)
    assert ((s >= 0) & (s <= 1)).all()
    np.testing.assert_allclose(s + A.sigmoid(-x), 1.0, rtol=0, atol=1e-15)


@PROPERTY
@given(st.lists(FINITE, min_size=1, max_size=8))
def test_softplus_minus_reflection_is_identity(values: list[float]) -> None:
    x = np.array(values)
    np.testing.assert_allclose(A.softplus(x) - A.softplus(-x), x, rtol=1e-12, atol=1e-8)
    np.testing.assert_allclose(A.relu(x) - A.relu(-x), x, rtol=0, atol=0)


@PROPERTY
@given(
    st.lists(st.floats(-50, 50), min_size=1, max_size=6),
    st.floats(-1e3, 1e3),
)
def test_softmax_sums_to_one_and_ignores_shifts(values: list[float], shift: float) -> None:
    x = np.array(values)
    s = A.softmax(x)
    np.testing.assert_allclose(s.sum(), 1.0, rtol=1e-12)
    np.testing.assert_allclose(A.softmax(x + shift), s, rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(A.log_softmax(x), np.log(s), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(A.softmax_grad(x).sum(axis=0), 0.0, atol=1e-12)
