"""Tests of ``reference/layers.py`` against independent oracles only.

* torch in float64: every value (``torch.nn.functional.linear / conv2d / max_pool2d /
  avg_pool2d``) and every gradient (autograd with the same seeded random ``grad_output``), over
  a grid of stride, padding, dilation, groups, bias, ceil_mode and count_include_pad;
* central differences of the reference's own forward on small shapes;
* sympy: the Jacobian of a symbolic matrix product for ``linear``;
* torch's refusals: every argument torch rejects raises ``ValueError`` here;
* the planted bugs of ``tests/planted_bugs_layers.py`` each disagree with torch somewhere.
"""

from __future__ import annotations

import itertools
import types
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import sympy
import torch
import torch.nn.functional as F

from reference import layers as L
from tests.planted_bugs import BUGS as BANK

#: the layers' planted bugs (tests/planted_bugs_layers.py, through the bank that grades them)
BUGS = [bug for bug in BANK if bug.module == "layers"]

RTOL, ATOL = 1e-10, 1e-12  # float64 against torch float64: summation order only
F32 = {"rtol": 2e-5, "atol": 2e-5}  # float32 against torch float32
FD_STEP, FD_RTOL, FD_ATOL = 1e-6, 1e-6, 1e-7  # central differences: every layer is piecewise linear

Arrays = list[np.ndarray | None]


def rng_for(name: str) -> np.random.Generator:
    """A generator seeded by the test's name: each case has its own, stable draws."""
    return np.random.default_rng(zlib.crc32(name.encode()))


def _tensors(arrays: Arrays) -> list[torch.Tensor | None]:
    return [None if a is None else torch.tensor(np.array(a), requires_grad=True) for a in arrays]


def torch_value_and_grads(
    fn: str, arrays: Arrays, kwargs: dict[str, Any], grad_output: np.ndarray | None
) -> tuple[np.ndarray, list[np.ndarray | None]]:
    """torch's output and the gradients of every array argument (None stays None)."""
    tensors = _tensors(arrays)
    out = getattr(F, fn)(*tensors, **kwargs)
    leaves = [t for t in tensors if t is not None]
    g = torch.ones_like(out) if grad_output is None else torch.from_numpy(grad_output)
    grads = iter(torch.autograd.grad(out, leaves, g))
    return out.detach().numpy(), [None if t is None else next(grads).numpy() for t in tensors]


def reference_grads(fn: str, arrays: Arrays, kwargs: dict[str, Any], g: Any) -> list[Any]:
    got = getattr(L, f"{fn}_grad")(*arrays, **kwargs, grad_output=g)
    return list(got) if isinstance(got, tuple) else [got]


def assert_matches_torch(
    fn: str,
    arrays: Arrays,
    kwargs: dict[str, Any],
    rng: np.random.Generator,
    tol: dict[str, float] | None = None,
) -> None:
    """Value, dtype and every gradient (random grad_output) of ``fn`` agree with torch."""
    tol = tol or {"rtol": RTOL, "atol": ATOL}
    ours = getattr(L, fn)(*arrays, **kwargs)
    g = None
    want, _ = torch_value_and_grads(fn, arrays, kwargs, None)
    assert type(ours) is np.ndarray
    assert ours.shape == want.shape and ours.dtype == want.dtype, (ours.shape, want.shape)
    np.testing.assert_allclose(ours, want, **tol)
    g = rng.standard_normal(want.shape).astype(want.dtype)
    _, want_grads = torch_value_and_grads(fn, arrays, kwargs, g)
    got_grads = reference_grads(fn, arrays, kwargs, g)
    assert len(got_grads) == len(arrays) if fn in ("linear", "conv2d") else len(got_grads) == 1
    for k, (got, exp) in enumerate(zip(got_grads, want_grads, strict=False)):
        if exp is None:
            assert got is None, f"gradient {k} should be None"
            continue
        assert type(got) is np.ndarray and got.shape == exp.shape and got.dtype == exp.dtype
        np.testing.assert_allclose(got, exp, **tol, err_msg=f"gradient {k}")


def ties(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Random floats with many ties (small integers), so max pooling's tie rule is exercised."""
    return rng.integers(-3, 4, size=shape).astype(np.float64)


# --------------------------------------------------------------------------------------------
# torch, over grids of arguments
# --------------------------------------------------------------------------------------------

CONV_GRID = [
    (stride, padding, dilation, groups, bias)
    for stride, padding, dilation, groups, bias in itertools.product(
        [1, 2, (2, 1)], [0, 1, (2, 0), "same", "valid"], [1, (2, 1)], [1, 2], [True, False]
    )
    if not (padding == "same" and stride != 1)
]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize(("stride", "padding", "dilation", "groups", "bias"), CONV_GRID)
def test_conv2d_matches_torch(
    stride: Any, padding: Any, dilation: Any, groups: int, bias: bool, request: Any
) -> None:
    rng = rng_for(request.node.name)
    x = rng.standard_normal((2, 4, 7, 6))
    w = rng.standard_normal((6, 4 // groups, 3, 2))
    b = rng.standard_normal(6) if bias else None
    kwargs = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
    assert_matches_torch("conv2d", [x, w, b], kwargs, rng)


POOL_KERNELS = [2, 3, (3, 2)]
POOL_STRIDES = [None, 1, 2, (2, 3)]
POOL_PADDINGS = [0, 1, (1, 0)]


def _both_refuse_or_neither(fn: str, x: np.ndarray, kwargs: dict[str, Any]) -> bool:
    """True when torch accepts the arguments; when it refuses, the reference must refuse too."""
    try:
        getattr(F, fn)(torch.from_numpy(x), **kwargs)
    except RuntimeError:
        with pytest.raises(ValueError, match=fn):
            getattr(L, fn)(x, **kwargs)
        return False
    return True


@pytest.mark.parametrize(
    ("kernel_size", "stride", "padding", "dilation", "ceil_mode"),
    list(itertools.product(POOL_KERNELS, POOL_STRIDES, POOL_PADDINGS, [1, 2], [False, True])),
)
def test_max_pool2d_matches_torch(
    kernel_size: Any, stride: Any, padding: Any, dilation: int, ceil_mode: bool, request: Any
) -> None:
    rng = rng_for(request.node.name)
    x = ties(rng, (2, 3, 9, 8))
    kwargs = {
        "kernel_size": kernel_size,
        "stride": stride,
        "padding": padding,
        "dilation": dilation,
        "ceil_mode": ceil_mode,
    }
    if _both_refuse_or_neither("max_pool2d", x, kwargs):
        assert_matches_torch("max_pool2d", [x], kwargs, rng)


@pytest.mark.parametrize(
    ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"),
    list(
        itertools.product(POOL_KERNELS, POOL_STRIDES, POOL_PADDINGS, [False, True], [True, False])
    ),
)
def test_avg_pool2d_matches_torch(
    kernel_size: Any,
    stride: Any,
    padding: Any,
    ceil_mode: bool,
    count_include_pad: bool,
    request: Any,
) -> None:
    rng = rng_for(request.node.name)
    x = rng.standard_normal((2, 3, 9, 8))
    kwargs = {
        "kernel_size": kernel_size,
        "stride": stride,
        "padding": padding,
        "ceil_mode": ceil_mode,
        "count_include_pad": count_include_pad,
    }
    if _both_refuse_or_neither("avg_pool2d", x, kwargs):
        assert_matches_torch("avg_pool2d", [x], kwargs, rng)


@pytest.mark.parametrize("divisor_override", [1, 3, 7])
@pytest.mark.parametrize("ceil_mode", [False, True])
def test_avg_pool2d_divisor_override(divisor_override: int, ceil_mode: bool, request: Any) -> None:
    rng = rng_for(request.node.name)
    kwargs = {
        "kernel_size": 3,
        "stride": 2,
        "padding": 1,
        "ceil_mode": ceil_mode,
        "divisor_override": divisor_override,
    }
    assert_matches_torch("avg_pool2d", [rng.standard_normal((2, 2, 8, 7))], kwargs, rng)


LINEAR_SHAPES = [
    ("batch", (5, 3), (4, 3), (4,)),
    ("no-bias", (5, 3), (4, 3), None),
    ("leading-axes", (2, 5, 3), (4, 3), (4,)),
    ("one-sample", (3,), (4, 3), (4,)),
    ("scalar-bias", (5, 3), (4, 3), ()),
    ("vector-weight", (5, 3), (3,), None),
    ("vector-weight-vector-input", (3,), (3,), None),
    ("one-feature", (6, 1), (2, 1), (2,)),
]


@pytest.mark.parametrize(("name", "x", "w", "b"), LINEAR_SHAPES, ids=[c[0] for c in LINEAR_SHAPES])
def test_linear_matches_torch(name: str, x: Any, w: Any, b: Any) -> None:
    rng = rng_for(name)
    arrays = [rng.standard_normal(x), rng.standard_normal(w)]
    arrays.append(None if b is None else np.asarray(rng.standard_normal(b)))
    assert_matches_torch("linear", arrays, {}, rng)


# --------------------------------------------------------------------------------------------
# unbatched, float32, non-contiguous, omitted grad_output
# --------------------------------------------------------------------------------------------

Make = Callable[[np.random.Generator], tuple[Arrays, dict[str, Any]]]


def normals(r: np.random.Generator, *shapes: tuple[int, ...]) -> Arrays:
    return [r.standard_normal(shape) for shape in shapes]


POOL = {"kernel_size": 3, "stride": 2, "padding": 1}
LAYER_CASES: dict[str, Make] = {
    "linear": lambda r: (normals(r, (6, 5), (3, 5), (3,)), {}),
    "conv2d": lambda r: (
        normals(r, (2, 4, 8, 7), (6, 2, 3, 3), (6,)),
        {"stride": 2, "padding": 1, "groups": 2},
    ),
    "max_pool2d": lambda r: ([ties(r, (2, 3, 8, 7))], POOL),
    "avg_pool2d": lambda r: (normals(r, (2, 3, 8, 7)), {**POOL, "ceil_mode": True}),
}


@pytest.mark.parametrize("fn", ["conv2d", "max_pool2d", "avg_pool2d"])
def test_unbatched_inputs(fn: str) -> None:
    rng = rng_for(f"unbatched-{fn}")
    arrays, kwargs = LAYER_CASES[fn](rng)
    arrays[0] = arrays[0][1]  # (C, H, W)
    assert arrays[0] is not None and arrays[0].ndim == 3
    assert_matches_torch(fn, arrays, kwargs, rng)
    batched = getattr(L, fn)(arrays[0][None], *arrays[1:], **kwargs)
    np.testing.assert_array_equal(getattr(L, fn)(*arrays, **kwargs), batched[0])


@pytest.mark.parametrize("fn", sorted(LAYER_CASES))
def test_float32_is_kept(fn: str) -> None:
    rng = rng_for(f"float32-{fn}")
    arrays, kwargs = LAYER_CASES[fn](rng)
    arrays32 = [None if a is None else a.astype(np.float32) for a in arrays]
    assert_matches_torch(fn, arrays32, kwargs, rng, tol=F32)  # checks every dtype is float32


@pytest.mark.parametrize("fn", sorted(LAYER_CASES))
def test_non_contiguous_inputs(fn: str) -> None:
    rng = rng_for(f"strided-{fn}")
    arrays, kwargs = LAYER_CASES[fn](rng)
    views: Arrays = []
    for a in arrays:
        if a is None:
            views.append(None)
            continue
        big = np.zeros((*a.shape[:-1], 2 * a.shape[-1]))
        big[..., ::2] = a[..., ::-1]
        view = big[..., ::2][..., ::-1]  # every other column, reversed twice: strides -16
        assert not view.flags.c_contiguous and np.array_equal(view, a)
        views.append(view)
    assert_matches_torch(fn, views, kwargs, rng)
    same = getattr(L, fn)(*arrays, **kwargs)
    np.testing.assert_array_equal(getattr(L, fn)(*views, **kwargs), same)


@pytest.mark.parametrize("fn", sorted(LAYER_CASES))
def test_omitted_grad_output_is_ones(fn: str) -> None:
    rng = rng_for(f"ones-{fn}")
    arrays, kwargs = LAYER_CASES[fn](rng)
    _, want = torch_value_and_grads(fn, arrays, kwargs, None)
    got = reference_grads(fn, arrays, kwargs, None)
    for g, w in zip(got, want, strict=False):
        np.testing.assert_allclose(g, w, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("fn", sorted(LAYER_CASES))
def test_grad_output_of_the_wrong_shape_is_refused(fn: str) -> None:
    arrays, kwargs = LAYER_CASES[fn](rng_for(fn))
    out = getattr(L, fn)(*arrays, **kwargs)
    with pytest.raises(ValueError, match="grad_output"):
        reference_grads(fn, arrays, kwargs, np.ones((*out.shape, 1)))


def test_integer_arrays_are_computed_in_float64() -> None:
    x = np.arange(2 * 1 * 4 * 4).reshape(2, 1, 4, 4)
    w = np.ones((1, 1, 2, 2), dtype=np.int64)
    y = L.conv2d(x, w)
    assert y.dtype == np.float64
    want = F.conv2d(torch.from_numpy(x).double(), torch.ones(1, 1, 2, 2, dtype=torch.float64))
    np.testing.assert_array_equal(y, want.numpy())
    assert L.max_pool2d(x, 2).dtype == np.float64 and L.avg_pool2d(x, 2).dtype == np.float64
    # an integer array takes the floating dtype of the other arguments
    mixed = L.linear(np.ones((2, 3), dtype=np.int32), np.ones((4, 3), np.float32))
    assert mixed.dtype == np.float32


# --------------------------------------------------------------------------------------------
# max pooling's routing: ties, nan, all -inf windows, overlapping windows
# --------------------------------------------------------------------------------------------

ROUTING = {
    "ties": (np.array([[[1.0, 3.0, 3.0], [3.0, 0.0, 3.0], [1.0, 1.0, 1.0]]]), (2, 1, 0)),
    "all-equal-overlapping": (np.ones((1, 5, 5)), (3, 1, 1)),
    "nan": (np.array([[[np.nan, 1.0, np.nan], [2.0, np.nan, 0.0], [1.0, 1.0, 1.0]]]), (2, 1, 0)),
    "all-minus-inf-padded": (np.full((1, 3, 3), -np.inf), (2, 2, 1)),
    "minus-inf-and-ties-dilated": (
        np.array([[[-np.inf, 2.0, -np.inf, 2.0, 0.0]] * 5]),
        (3, 1, 1),
    ),
}


@pytest.mark.parametrize("name", sorted(ROUTING))
@pytest.mark.parametrize("dilation", [1, 2])
def test_max_pool2d_routes_like_torch(name: str, dilation: int) -> None:
    x, (k, s, p) = ROUTING[name]
    kwargs = {"kernel_size": k, "stride": s, "padding": p, "dilation": dilation}
    if not _both_refuse_or_neither("max_pool2d", x, kwargs):
        return
    t = torch.tensor(x, requires_grad=True)
    out = F.max_pool2d(t, **kwargs)
    g = torch.arange(1.0, out.numel() + 1, dtype=torch.float64).reshape(out.shape)
    (want,) = torch.autograd.grad(out, t, g)  # distinct upstream values: routing is visible
    np.testing.assert_array_equal(L.max_pool2d(x, **kwargs), out.detach().numpy())
    np.testing.assert_array_equal(L.max_pool2d_grad(x, **kwargs, grad_output=g.numpy()), want)


def test_first_maximum_gets_the_gradient() -> None:
    """The tie rule stated plainly: the first maximum in row-major order wins."""
    x = np.array([[[5.0, 5.0], [5.0, 5.0]]])
    np.testing.assert_array_equal(L.max_pool2d_grad(x, 2), [[[1.0, 0.0], [0.0, 0.0]]])


# --------------------------------------------------------------------------------------------
# central differences
# --------------------------------------------------------------------------------------------


def central_difference_vjp(f: Callable[[], np.ndarray], a: np.ndarray, g: np.ndarray) -> np.ndarray:
    """d(Σ g·f)/da by central differences, perturbing ``a`` in place one element at a time."""
    out = np.empty_like(a)
    for idx in np.ndindex(a.shape):
        keep = a[idx]
        a[idx] = keep + FD_STEP
        up = float(np.sum(g * f()))
        a[idx] = keep - FD_STEP
        down = float(np.sum(g * f()))
        a[idx] = keep
        out[idx] = (up - down) / (2 * FD_STEP)
    return out


def separated(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Distinct values at least 0.1 apart: no tie moves under a step of 1e-6."""
    return rng.permutation(np.prod(shape)).reshape(shape) * 0.1 + rng.uniform(0, 0.01, shape)


FD_CASES: dict[str, tuple[str, Make]] = {
    "linear": ("linear", lambda r: (normals(r, (3, 4), (2, 4), (2,)), {})),
    "conv2d-groups-dilation": (
        "conv2d",
        lambda r: (
            normals(r, (1, 4, 6, 5), (2, 2, 2, 2), (2,)),
            {"stride": (2, 1), "padding": 1, "dilation": (1, 2), "groups": 2},
        ),
    ),
    "conv2d-same": (
        "conv2d",
        lambda r: ([*normals(r, (2, 2, 4, 4), (3, 2, 2, 3)), None], {"padding": "same"}),
    ),
    "max_pool2d": (
        "max_pool2d",
        lambda r: ([separated(r, (1, 2, 6, 5))], {**POOL, "ceil_mode": True}),
    ),
    "max_pool2d-dilated": (
        "max_pool2d",
        lambda r: ([separated(r, (2, 1, 7, 6))], {"kernel_size": 2, "stride": 1, "dilation": 2}),
    ),
    "avg_pool2d": (
        "avg_pool2d",
        lambda r: (
            normals(r, (1, 2, 6, 5)),
            {**POOL, "kernel_size": (3, 2), "ceil_mode": True, "count_include_pad": False},
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(FD_CASES))
def test_gradients_against_central_differences(case: str) -> None:
    fn, make = FD_CASES[case]
    rng = rng_for(f"fd-{case}")
    arrays, kwargs = make(rng)
    g = rng.standard_normal(getattr(L, fn)(*arrays, **kwargs).shape)
    got = reference_grads(fn, arrays, kwargs, g)
    for k, a in enumerate(arrays):
        if a is None:
            assert got[k] is None
            continue
        want = central_difference_vjp(lambda: getattr(L, fn)(*arrays, **kwargs), a, g)
        np.testing.assert_allclose(got[k], want, rtol=FD_RTOL, atol=FD_ATOL, err_msg=f"arg {k}")


# --------------------------------------------------------------------------------------------
# sympy: linear is a matrix product
# --------------------------------------------------------------------------------------------


def test_linear_against_the_jacobian_of_a_symbolic_matrix_product() -> None:
    """Y = X Wᵀ + 1 bᵀ in sympy; the VJP of each argument is vec(G)ᵀ ∂vec(Y)/∂vec(·)."""
    n, i, o = 2, 3, 2
    xs = sympy.Matrix(n, i, lambda r, c: sympy.Symbol(f"x{r}{c}"))
    ws = sympy.Matrix(o, i, lambda r, c: sympy.Symbol(f"w{r}{c}"))
    bs = sympy.Matrix(1, o, lambda _, c: sympy.Symbol(f"b{c}"))
    ys = xs * ws.T + sympy.ones(n, 1) * bs
    rng = rng_for("sympy-linear")
    x, w, b, g = (rng.standard_normal(s) for s in ((n, i), (o, i), (o,), (n, o)))
    values = dict(zip(xs, x.ravel(), strict=True))
    values.update(zip(ws, w.ravel(), strict=True))
    values.update(zip(bs, b, strict=True))
    want = np.array(ys.subs(values), dtype=float)
    np.testing.assert_allclose(L.linear(x, w, b), want, rtol=1e-12)
    vec_y = ys.reshape(n * o, 1)
    got = L.linear_grad(x, w, b, grad_output=g)
    for symbols, grad in ((xs, got[0]), (ws, got[1]), (bs, got[2])):
        jac = vec_y.jacobian(list(symbols))  # (n·o) × (number of symbols), row-major vec
        vjp = np.array((sympy.Matrix(g.reshape(1, -1)) * jac).subs(values), dtype=float)
        np.testing.assert_allclose(grad, vjp.reshape(grad.shape), rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------------------------
# refusals: torch rejects the arguments, the reference raises ValueError
# --------------------------------------------------------------------------------------------

R = np.random.default_rng(0)
N = R.standard_normal
X4, W4 = N((2, 3, 6, 6)), N((4, 3, 3, 3))
W3 = N((4, 3))
ERRORS: list[tuple[str, str, tuple[Any, ...], dict[str, Any]]] = [
    ("linear-0d-input", "linear", (np.float64(1.0), W3), {}),
    ("linear-features", "linear", (N((5, 3)), N((4, 2))), {}),
    ("linear-3d-weight", "linear", (N((5, 3)), N((2, 4, 3))), {}),
    ("linear-bias", "linear", (N((5, 3)), W3, N(3)), {}),
    ("linear-bias-of-input-shape", "linear", (N((2, 5, 3)), W3, N((10, 4))), {}),
    ("linear-vector-weight-bias", "linear", (N((5, 3)), N(3), np.float64(1)), {}),
    ("linear-dtypes", "linear", (N((5, 3)).astype(np.float32), W3), {}),
    ("conv-2d-input", "conv2d", (X4[0, 0], W4), {}),
    ("conv-5d-input", "conv2d", (X4[None], W4), {}),
    ("conv-3d-weight", "conv2d", (X4, W4[0]), {}),
    ("conv-channels", "conv2d", (X4, N((4, 2, 3, 3))), {}),
    ("conv-groups-channels", "conv2d", (X4, N((4, 1, 3, 3))), {"groups": 2}),
    ("conv-groups-out", "conv2d", (N((1, 4, 5, 5)), N((3, 2, 3, 3))), {"groups": 2}),
    ("conv-groups-zero", "conv2d", (X4, W4), {"groups": 0}),
    ("conv-stride-zero", "conv2d", (X4, W4), {"stride": 0}),
    ("conv-stride-3", "conv2d", (X4, W4), {"stride": (1, 1, 1)}),
    ("conv-padding-negative", "conv2d", (X4, W4), {"padding": -1}),
    ("conv-padding-string", "conv2d", (X4, W4), {"padding": "full"}),
    ("conv-same-strided", "conv2d", (X4, W4), {"padding": "same", "stride": 2}),
    ("conv-dilation-zero", "conv2d", (X4, W4), {"dilation": 0}),
    ("conv-kernel-too-big", "conv2d", (X4, N((4, 3, 7, 7))), {}),
    ("conv-dilated-too-big", "conv2d", (X4, W4), {"dilation": 3}),
    ("conv-bias-shape", "conv2d", (X4, W4, N(3)), {}),
    ("conv-dtypes", "conv2d", (X4, W4.astype(np.float32)), {}),
    ("max-2d-input", "max_pool2d", (X4[0, 0], 2), {}),
    ("max-kernel-zero", "max_pool2d", (X4, 0), {"stride": 1}),
    ("max-kernel-3", "max_pool2d", (X4, (2, 2, 2)), {}),
    ("max-stride-zero", "max_pool2d", (X4, 2, 0), {}),
    ("max-stride-negative", "max_pool2d", (X4, 2, -1), {}),
    ("max-padding-half", "max_pool2d", (X4, 3, 1, 2), {}),
    ("max-padding-negative", "max_pool2d", (X4, 3, 1, -1), {}),
    ("max-padding-dilated", "max_pool2d", (X4, 3, 1, 2, 2), {}),
    ("max-dilation-zero", "max_pool2d", (X4, 3, 1, 0, 0), {}),
    ("max-output-empty", "max_pool2d", (X4, 7), {}),
    ("max-no-channels", "max_pool2d", (np.ones((1, 0, 4, 4)), 2), {}),
    ("max-float-kernel", "max_pool2d", (X4, 2.0), {}),
    ("avg-2d-input", "avg_pool2d", (X4[0, 0], 2), {}),
    ("avg-kernel-zero", "avg_pool2d", (X4, 0), {"stride": 1}),
    ("avg-stride-3", "avg_pool2d", (X4, 2, (1, 1, 1)), {}),
    ("avg-padding-half", "avg_pool2d", (X4, 2, 2, 2), {}),
    ("avg-output-empty", "avg_pool2d", (X4, 7), {}),
    ("avg-divisor-zero", "avg_pool2d", (X4, 2), {"divisor_override": 0}),
]


@pytest.mark.parametrize(("name", "fn", "args", "kwargs"), ERRORS, ids=[e[0] for e in ERRORS])
def test_invalid_arguments_raise_value_error(
    name: str, fn: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    numeric = np.ndarray | np.floating
    torch_args = [torch.from_numpy(np.asarray(a)) if isinstance(a, numeric) else a for a in args]
    with pytest.raises((RuntimeError, ValueError, IndexError, TypeError)):
        getattr(F, fn)(*torch_args, **kwargs)
    for function in (getattr(L, fn), getattr(L, f"{fn}_grad")):
        with pytest.raises(ValueError) as info:
            function(*args, **kwargs)
        message = str(info.value)
        assert message and "\n" not in message, message


# --------------------------------------------------------------------------------------------
# the planted bugs are catchable
# --------------------------------------------------------------------------------------------

#: inputs the bugs must be caught on: a case per public function, each as torch computes it
CEIL_DROPS_LAST = {"kernel_size": 2, "stride": 3, "padding": 1, "ceil_mode": True}
PROBES: dict[str, list[tuple[Arrays, dict[str, Any]]]] = {
    "linear": [LAYER_CASES["linear"](rng_for("probe-linear"))],
    "conv2d": [
        LAYER_CASES["conv2d"](rng_for("probe-conv2d")),
        ([*normals(R, (2, 3, 7, 7), (2, 3, 3, 3)), None], {"stride": 2}),
    ],
    "max_pool2d": [
        ([ties(rng_for("probe-max"), (2, 3, 8, 7)) - 5.0], POOL),
        ([ties(rng_for("probe-max-ceil"), (1, 2, 4, 4))], CEIL_DROPS_LAST),
    ],
    "avg_pool2d": [
        (normals(R, (2, 3, 7, 7)), {**POOL, "count_include_pad": False}),
        (normals(R, (1, 2, 4, 4)), CEIL_DROPS_LAST),
    ],
}


def _load_module(name: str, source: str) -> types.ModuleType:
    """A fresh copy of a module, executed from ``source``."""
    module = types.ModuleType(name)
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    return module


def _disagrees(module: types.ModuleType, fn: str, arrays: Arrays, kwargs: dict[str, Any]) -> bool:
    """Whether ``module``'s ``fn`` (the layer, or its ``_grad``) differs from torch here."""
    rng = rng_for(f"disagree-{fn}")
    name = fn.removesuffix("_grad")
    want, _ = torch_value_and_grads(name, arrays, kwargs, None)
    g = rng.standard_normal(want.shape)
    _, want_grads = torch_value_and_grads(name, arrays, kwargs, g)
    try:
        if fn == name:
            got: list[Any] = [getattr(module, fn)(*arrays, **kwargs)]
            expected: list[Any] = [want]
        else:
            result = getattr(module, fn)(*arrays, **kwargs, grad_output=g)
            got = list(result) if isinstance(result, tuple) else [result]
            expected = want_grads if isinstance(result, tuple) else want_grads[:1]
    except Exception:
        return True  # a crash on a valid input is a disagreement too
    for a, b in zip(got, expected, strict=True):
        if (a is None) != (b is None):
            return True
        if a is not None and (
            np.shape(a) != b.shape or not np.allclose(a, b, rtol=1e-7, atol=1e-9)
        ):
            return True
    return False


def test_reference_agrees_on_every_probe() -> None:
    for name, probes in PROBES.items():
        for arrays, kwargs in probes:
            for fn in (name, f"{name}_grad"):
                assert not _disagrees(L, fn, arrays, kwargs), (fn, kwargs)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # a bug may divide by zero
@pytest.mark.parametrize("bug", BUGS, ids=[b.name for b in BUGS])
def test_planted_bug_disagrees_with_torch(bug: Any) -> None:
    assert bug.module == "layers"
    module = _load_module(f"layers_{bug.name}", bug.patched())
    for item in bug.loses - {i for i in bug.loses if ".worked_" in i}:  # (graded items only)
        fn = item.removeprefix("layers.")
        caught = any(
            _disagrees(module, fn, arrays, kwargs)
            for arrays, kwargs in PROBES[fn.removesuffix("_grad")]
        )
        assert caught, f"{bug.name}: {fn} agrees with torch on every probe"
