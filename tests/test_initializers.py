"""Tests of ``reference/initializers.py`` against independent oracles.

Expected values never come from the code under test: the deterministic parts (gains, fans, eye,
dirac, error messages, sparse zero counts) are compared with ``torch.nn.init`` itself; the random
ones with the closed-form laws (the formula, with ``torch.nn.init.calculate_gain`` and torch's
fan computation) through ``scipy.stats``. One helper, :func:`verdict`, judges a fill function; it
is applied unchanged to the reference, to torch (which checks the oracle formulas) and to
planted buggy variants, which it must reject. Every random draw uses a fixed seed.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from reference import initializers as ri

Fill = Callable[[np.ndarray, np.random.Generator], np.ndarray]

#: Significance level of every KS test; a planted bug must give p below it.
ALPHA = 1e-3
#: Moment checks: sample mean and std within this many standard errors of the law's.
MAX_Z = 5.0
#: Large, strongly non-square shapes (fan_in != fan_out by 40x) and a conv weight.
TALL, WIDE, CONV = (2000, 50), (50, 2000), (64, 32, 3, 3)
SHAPES = [TALL, WIDE, CONV]

NONLINEARITIES = [
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "selu",
]


# ---------------------------------------------------------------------------------------------
# oracles
# ---------------------------------------------------------------------------------------------


def torch_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """torch's own fan computation."""
    return torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


def torch_gain(nonlinearity: str, param: float | None = None) -> float:
    return float(torch.nn.init.calculate_gain(nonlinearity, param))  # type: ignore[arg-type]


def xavier_std(shape: tuple[int, ...], gain: float = 1.0) -> float:
    fan_in, fan_out = torch_fans(shape)
    return gain * math.sqrt(2.0 / (fan_in + fan_out))


def kaiming_std(
    shape: tuple[int, ...], a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu"
) -> float:
    fan_in, fan_out = torch_fans(shape)
    fan = fan_in if mode == "fan_in" else fan_out
    return torch_gain(nonlinearity, a) / math.sqrt(fan)


def uniform_law(bound: float) -> Any:
    return stats.uniform(loc=-bound, scale=2 * bound)


def torch_fill(fn: Callable[..., torch.Tensor], **kwargs: Any) -> Fill:
    """Run a ``torch.nn.init`` function on the array's memory, seeded from ``rng``."""

    def fill(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        g = torch.Generator().manual_seed(int(rng.integers(2**31)))
        with warnings.catch_warnings():  # torch warns on tail-only trunc_normal_ bounds
            warnings.filterwarnings("ignore", "mean is more than 2 std", UserWarning)
            fn(torch.from_numpy(w), generator=g, **kwargs)
        return w

    return fill


def ref_fill(fn: Callable[..., np.ndarray], **kwargs: Any) -> Fill:
    def fill(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return fn(w, generator=rng, **kwargs)

    return fill


# ---------------------------------------------------------------------------------------------
# the one statistical check
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """KS p-value and moment z-scores of one seeded fill against its expected law."""

    ks_pvalue: float
    mean_z: float
    std_z: float

    @property
    def passed(self) -> bool:
        return self.ks_pvalue >= ALPHA and abs(self.mean_z) <= MAX_Z and abs(self.std_z) <= MAX_Z


def verdict(fill: Fill, shape: tuple[int, ...], law: Any, seed: int) -> Verdict:
    """Fill a NaN array of ``shape`` with ``fill`` seeded by ``seed``; judge it against ``law``.

    ``law`` is a frozen ``scipy.stats`` distribution. The standard error of the sample std is
    sigma * sqrt((excess kurtosis + 2) / (4 n)), which holds for any law with a fourth moment.
    """
    w = np.full(shape, np.nan)
    out = fill(w, np.random.default_rng(seed))
    assert out is w, "the fill must return the array it was given"
    x = w.ravel()
    assert np.isfinite(x).all(), "the fill left elements unset"
    n = x.size
    sigma = float(law.std())
    kurt = float(law.stats(moments="k"))
    mean_z = (x.mean() - float(law.mean())) / (sigma / math.sqrt(n))
    std_z = (x.std(ddof=1) - sigma) / (sigma * math.sqrt((kurt + 2.0) / (4.0 * n)))
    ks = float(stats.kstest(x, law.cdf).pvalue)
    return Verdict(ks_pvalue=ks, mean_z=float(mean_z), std_z=float(std_z))


def assert_passes(v: Verdict) -> None:
    assert v.passed, f"a correct initializer was rejected: {v}"


# ---------------------------------------------------------------------------------------------
# exact: gains and fans
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NONLINEARITIES)
def test_gain_matches_torch(name: str) -> None:
    assert ri.calculate_gain(name) == pytest.approx(torch_gain(name), rel=1e-15)


@pytest.mark.parametrize("param", [None, 0, 0.0, 0.01, 0.2, 1, 3, -0.3, math.sqrt(5)])
def test_leaky_relu_gain_matches_torch(param: float | None) -> None:
    expected = torch_gain("leaky_relu", param)
    assert ri.calculate_gain("leaky_relu", param) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("name", ["relu", "tanh", "selu", "linear"])
def test_gain_ignores_param_outside_leaky_relu(name: str) -> None:
    assert ri.calculate_gain(name, 0.5) == pytest.approx(torch_gain(name, 0.5), rel=1e-15)


@pytest.mark.parametrize(
    ("name", "param"),
    [
        ("leaky_relu", True),
        ("leaky_relu", "0.1"),
        ("leaky_relu", [0.1]),
        ("softmax", None),
        ("gelu", None),
        ("ReLU", None),
        ("", None),
    ],
)
def test_gain_errors_match_torch(name: str, param: Any) -> None:
    with pytest.raises(ValueError) as torch_err:
        torch.nn.init.calculate_gain(name, param)  # type: ignore[arg-type]
    with pytest.raises(ValueError) as ref_err:
        ri.calculate_gain(name, param)
    assert str(ref_err.value) == str(torch_err.value)


@pytest.mark.parametrize(
    "shape",
    [(3, 5), (5, 3), (1, 1), (7, 4, 3), (64, 32, 3, 3), (8, 4, 3, 5), (2, 3, 2, 3, 4), (4, 0, 3)],
)
def test_fans_match_torch(shape: tuple[int, ...]) -> None:
    assert ri.calculate_fan_in_and_fan_out(np.empty(shape)) == torch_fans(shape)


@settings(max_examples=60, derandomize=True, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=2, max_size=5))
def test_fans_match_torch_any_shape(shape: list[int]) -> None:
    assert ri.calculate_fan_in_and_fan_out(np.empty(shape)) == torch_fans(tuple(shape))


def test_conv_fan_in_is_the_notes_kxkxc() -> None:
    c_out, c, k = 16, 3, 5
    fan_in, fan_out = ri.calculate_fan_in_and_fan_out(np.empty((c_out, c, k, k)))
    assert (fan_in, fan_out) == (k * k * c, k * k * c_out)


@pytest.mark.parametrize("shape", [(), (5,)])
def test_fans_need_two_dims(shape: tuple[int, ...]) -> None:
    with pytest.raises(ValueError) as torch_err:
        torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    with pytest.raises(ValueError) as ref_err:
        ri.calculate_fan_in_and_fan_out(np.empty(shape))
    assert str(ref_err.value) == str(torch_err.value)


# ---------------------------------------------------------------------------------------------
# exact: constants, eye, dirac
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref_fn", "torch_fn", "args"),
    [
        (ri.constant_, torch.nn.init.constant_, (0.77,)),
        (ri.constant_, torch.nn.init.constant_, (-3.0,)),
        (ri.ones_, torch.nn.init.ones_, ()),
        (ri.zeros_, torch.nn.init.zeros_, ()),
    ],
)
@pytest.mark.parametrize("shape", [(4, 6), (2, 3, 4), (5,), ()])
def test_constant_fills_match_torch(
    ref_fn: Callable[..., np.ndarray],
    torch_fn: Callable[..., torch.Tensor],
    args: tuple[float, ...],
    shape: tuple[int, ...],
) -> None:
    expected = torch_fn(torch.full(shape, np.nan, dtype=torch.float64), *args).numpy()
    w = np.full(shape, np.nan)
    np.testing.assert_array_equal(ref_fn(w, *args), expected)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4), (1, 6), (0, 3)])
def test_eye_matches_torch(shape: tuple[int, int]) -> None:
    expected = torch.nn.init.eye_(torch.full(shape, np.nan, dtype=torch.float64)).numpy()
    np.testing.assert_array_equal(ri.eye_(np.full(shape, np.nan)), expected)


@pytest.mark.parametrize(
    ("shape", "groups"),
    [
        ((4, 4, 3), 1),
        ((4, 2, 3), 2),
        ((6, 3, 3, 3), 1),
        ((6, 3, 3, 3), 2),
        ((6, 3, 3, 3), 3),
        ((8, 2, 5, 5), 2),
        ((3, 16, 5, 5), 1),
        ((4, 4, 2, 2), 1),
        ((4, 6, 3, 3, 3), 1),
        ((4, 6, 3, 3, 3), 2),
        ((2, 2, 4, 1, 2), 2),
    ],
)
def test_dirac_matches_torch(shape: tuple[int, ...], groups: int) -> None:
    expected = torch.nn.init.dirac_(torch.full(shape, np.nan, dtype=torch.float64), groups)
    np.testing.assert_array_equal(ri.dirac_(np.full(shape, np.nan), groups), expected.numpy())


@settings(max_examples=40, derandomize=True, deadline=None)
@given(
    st.integers(1, 4),
    st.integers(1, 4),
    st.integers(1, 5),
    st.lists(st.integers(1, 4), min_size=1, max_size=3),
)
def test_dirac_matches_torch_any_shape(
    groups: int, per_group: int, c_in: int, kernel: list[int]
) -> None:
    shape = (groups * per_group, c_in, *kernel)
    expected = torch.nn.init.dirac_(torch.zeros(shape, dtype=torch.float64), groups)
    np.testing.assert_array_equal(ri.dirac_(np.full(shape, np.nan), groups), expected.numpy())


@pytest.mark.parametrize(
    ("ref_call", "torch_call"),
    [
        (lambda: ri.eye_(np.empty((2, 3, 4))), lambda: torch.nn.init.eye_(torch.empty(2, 3, 4))),
        (lambda: ri.eye_(np.empty(3)), lambda: torch.nn.init.eye_(torch.empty(3))),
        (lambda: ri.dirac_(np.empty((3, 3))), lambda: torch.nn.init.dirac_(torch.empty(3, 3))),
        (
            lambda: ri.dirac_(np.empty((2, 2, 2, 2, 2, 2))),
            lambda: torch.nn.init.dirac_(torch.empty(2, 2, 2, 2, 2, 2)),
        ),
        (
            lambda: ri.dirac_(np.empty((6, 3, 3, 3)), groups=4),
            lambda: torch.nn.init.dirac_(torch.empty(6, 3, 3, 3), groups=4),
        ),
        (
            lambda: ri.kaiming_normal_(np.empty((4, 3)), mode="fan_avg"),
            lambda: torch.nn.init.kaiming_normal_(torch.empty(4, 3), mode="fan_avg"),  # type: ignore[arg-type]
        ),
        (
            lambda: ri.kaiming_uniform_(np.empty((4, 3)), nonlinearity="gelu"),
            lambda: torch.nn.init.kaiming_uniform_(torch.empty(4, 3), nonlinearity="gelu"),  # type: ignore[arg-type]
        ),
        (
            lambda: ri.orthogonal_(np.empty(5)),
            lambda: torch.nn.init.orthogonal_(torch.empty(5)),
        ),
        (
            lambda: ri.sparse_(np.empty((2, 3, 4)), 0.5),
            lambda: torch.nn.init.sparse_(torch.empty(2, 3, 4), 0.5),
        ),
        (
            lambda: ri.xavier_uniform_(np.empty(5)),
            lambda: torch.nn.init.xavier_uniform_(torch.empty(5)),
        ),
    ],
)
def test_errors_match_torch(ref_call: Callable[[], Any], torch_call: Callable[[], Any]) -> None:
    with pytest.raises(ValueError) as torch_err:
        torch_call()
    with pytest.raises(ValueError) as ref_err:
        ref_call()
    assert str(ref_err.value) == str(torch_err.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda: ri.uniform_(np.empty(4), 1.0, 0.0),
        lambda: ri.normal_(np.empty(4), 0.0, -1.0),
        lambda: ri.trunc_normal_(np.empty(4), a=1.0, b=-1.0),
        lambda: ri.trunc_normal_(np.empty(4), std=0.0),
        lambda: ri.sparse_(np.empty((4, 3)), 1.5),
        lambda: ri.sparse_(np.empty((4, 3)), -0.1),
        lambda: ri.dirac_(np.empty((4, 4, 3)), groups=0),
    ],
)
def test_bad_arguments_raise_value_error(call: Callable[[], Any]) -> None:
    with pytest.raises(ValueError):
        call()


def test_kaiming_mode_is_case_insensitive_as_torch() -> None:
    w = ri.kaiming_uniform_(np.empty(TALL), mode="FAN_OUT", generator=np.random.default_rng(0))
    t = torch.nn.init.kaiming_uniform_(torch.empty(TALL), mode="FAN_OUT")  # type: ignore[arg-type]
    assert np.abs(w).max() == pytest.approx(t.abs().max().item(), rel=1e-3)


@pytest.mark.parametrize("fn", [ri.kaiming_uniform_, ri.kaiming_normal_])
@pytest.mark.parametrize("shape", [(0, 5), (3, 0, 2), (0,)])
def test_kaiming_zero_element_warns_and_is_a_no_op(
    fn: Callable[..., np.ndarray], shape: tuple[int, ...]
) -> None:
    torch_fn = getattr(torch.nn.init, fn.__name__)
    with pytest.warns(UserWarning) as torch_record:
        torch_fn(torch.empty(shape))
    w = np.empty(shape)
    with pytest.warns(UserWarning) as ref_record:
        assert fn(w) is w
    assert str(ref_record[0].message) == str(torch_record[0].message)


@pytest.mark.parametrize(
    "fn", [ri.xavier_uniform_, ri.xavier_normal_, ri.orthogonal_, ri.uniform_, ri.normal_]
)
def test_zero_element_is_a_no_op(fn: Callable[..., np.ndarray]) -> None:
    w = np.empty((0, 5))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fn(w) is w


# ---------------------------------------------------------------------------------------------
# exact: bounds of the uniform variance-scaling inits, orthogonality, sparsity
# ---------------------------------------------------------------------------------------------


def assert_hits_bound(w: np.ndarray, bound: float) -> None:
    """All |w| <= bound, and the largest is within 0.5 % of it (n >= 18432 draws)."""
    top = float(np.abs(w).max())
    assert top <= bound * (1 + 1e-12), f"max |w| = {top} exceeds the bound {bound}"
    assert top >= bound * (1 - 5e-3), f"max |w| = {top} is far below the bound {bound}"


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("gain", [1.0, math.sqrt(2.0), 5.0 / 3, 0.5])
def test_xavier_uniform_bound(shape: tuple[int, ...], gain: float) -> None:
    w = ri.xavier_uniform_(np.empty(shape), gain=gain, generator=np.random.default_rng(1))
    assert_hits_bound(w, math.sqrt(3.0) * xavier_std(shape, gain))


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize(
    ("nonlinearity", "a"),
    [
        ("leaky_relu", 0),
        ("leaky_relu", 0.2),
        ("leaky_relu", math.sqrt(5)),
        ("relu", 0),
        ("tanh", 0),
        ("linear", 0),
        ("selu", 0),
    ],
)
def test_kaiming_uniform_bound(
    shape: tuple[int, ...], mode: str, nonlinearity: str, a: float
) -> None:
    w = ri.kaiming_uniform_(
        np.empty(shape), a=a, mode=mode, nonlinearity=nonlinearity,
        generator=np.random.default_rng(2),
    )  # fmt: skip
    assert_hits_bound(w, math.sqrt(3.0) * kaiming_std(shape, a, mode, nonlinearity))


def test_torch_default_linear_init_is_kaiming_uniform_sqrt5() -> None:
    """nn.Linear's default weight law is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), not Xavier."""
    layer = torch.nn.Linear(50, 2000)
    torch_top = layer.weight.detach().abs().max().item()
    w = ri.kaiming_uniform_(np.empty(TALL), a=math.sqrt(5), generator=np.random.default_rng(3))
    assert_hits_bound(w, 1 / math.sqrt(50))
    assert torch_top == pytest.approx(1 / math.sqrt(50), rel=5e-3)
    assert torch_top > 1.5 * math.sqrt(3.0) * xavier_std(TALL)


@pytest.mark.parametrize(
    "shape", [(2000, 50), (50, 2000), (30, 30), (64, 32, 3, 3), (300, 4, 3, 3), (1, 7), (7, 1)]
)
@pytest.mark.parametrize("gain", [1.0, 2.0, math.sqrt(2.0)])
def test_orthogonal_is_orthogonal(shape: tuple[int, ...], gain: float) -> None:
    w = ri.orthogonal_(np.empty(shape), gain=gain, generator=np.random.default_rng(4))
    m = w.reshape(shape[0], -1)
    rows, cols = m.shape
    gram = m.T @ m if rows >= cols else m @ m.T
    np.testing.assert_allclose(gram, gain**2 * np.eye(min(rows, cols)), atol=1e-10)


def test_orthogonal_float32() -> None:
    w = ri.orthogonal_(np.empty((40, 60), dtype=np.float32), generator=np.random.default_rng(5))
    assert w.dtype == np.float32
    np.testing.assert_allclose(w @ w.T, np.eye(40), atol=1e-5)


@pytest.mark.parametrize(
    ("shape", "sparsity"),
    [((100, 300), 0.07), ((10, 7), 0.35), ((50, 20), 0.0), ((50, 20), 1.0), ((13, 40), 0.5)],
)
def test_sparse_zeros_per_column(shape: tuple[int, int], sparsity: float) -> None:
    t = torch.nn.init.sparse_(torch.empty(shape, dtype=torch.float64), sparsity)
    torch_counts = (t == 0).sum(0).numpy()
    w = ri.sparse_(np.empty(shape), sparsity, generator=np.random.default_rng(6))
    counts = (w == 0).sum(0)
    np.testing.assert_array_equal(counts, torch_counts)
    np.testing.assert_array_equal(counts, math.ceil(sparsity * shape[0]))


def test_sparse_ceil_quirk_as_torch() -> None:
    """0.07 * 100 == 7.000000000000001 in binary floating point: 8 zeros, not 7."""
    assert math.ceil(0.07 * 100) == 8
    w = ri.sparse_(np.empty((100, 5)), 0.07, generator=np.random.default_rng(7))
    assert ((w == 0).sum(0) == 8).all()


# ---------------------------------------------------------------------------------------------
# in place, seeding, global state, dtypes
# ---------------------------------------------------------------------------------------------

RANDOM_CALLS: list[tuple[str, Callable[..., np.ndarray], dict[str, Any]]] = [
    ("uniform_", ri.uniform_, {"a": -1.0, "b": 2.0}),
    ("normal_", ri.normal_, {"mean": 1.0, "std": 2.0}),
    ("trunc_normal_", ri.trunc_normal_, {"std": 0.5}),
    ("xavier_uniform_", ri.xavier_uniform_, {}),
    ("xavier_normal_", ri.xavier_normal_, {"gain": 2.0}),
    ("kaiming_uniform_", ri.kaiming_uniform_, {"nonlinearity": "relu"}),
    ("kaiming_normal_", ri.kaiming_normal_, {"mode": "fan_out"}),
    ("orthogonal_", ri.orthogonal_, {}),
    ("sparse_", ri.sparse_, {"sparsity": 0.3}),
]
IN_PLACE_CALLS: list[tuple[str, Callable[[np.ndarray], np.ndarray], tuple[int, ...]]] = [
    *[
        (name, lambda w, fn=fn, kw=kw: fn(w, generator=np.random.default_rng(8), **kw), (4, 3))
        for name, fn, kw in RANDOM_CALLS
    ],
    ("constant_", lambda w: ri.constant_(w, 0.5), (4, 3)),
    ("ones_", ri.ones_, (4, 3)),
    ("zeros_", ri.zeros_, (4, 3)),
    ("eye_", ri.eye_, (4, 3)),
    ("dirac_", lambda w: ri.dirac_(w, groups=2), (4, 3, 3)),
]


@pytest.mark.parametrize(
    ("name", "call", "shape"), IN_PLACE_CALLS, ids=[c[0] for c in IN_PLACE_CALLS]
)
def test_in_place_and_returns_the_input(
    name: str, call: Callable[[np.ndarray], np.ndarray], shape: tuple[int, ...]
) -> None:
    w = np.full(shape, np.nan)
    out = call(w)
    assert out is w
    assert np.shares_memory(out, w)
    assert not np.isnan(w).any()


@pytest.mark.parametrize(("name", "fn", "kwargs"), RANDOM_CALLS, ids=[c[0] for c in RANDOM_CALLS])
def test_fills_a_strided_view_only(
    name: str, fn: Callable[..., np.ndarray], kwargs: dict[str, Any]
) -> None:
    parent = np.full((40, 20), np.nan)
    view = parent[:, ::2]
    assert fn(view, generator=np.random.default_rng(9), **kwargs) is view
    assert not np.isnan(parent[:, ::2]).any()
    assert np.isnan(parent[:, 1::2]).all()


@pytest.mark.parametrize(("name", "fn", "kwargs"), RANDOM_CALLS, ids=[c[0] for c in RANDOM_CALLS])
def test_same_seed_same_array(
    name: str, fn: Callable[..., np.ndarray], kwargs: dict[str, Any]
) -> None:
    first = fn(np.empty((30, 20)), generator=np.random.default_rng(10), **kwargs)
    again = fn(np.empty((30, 20)), generator=np.random.default_rng(10), **kwargs)
    other = fn(np.empty((30, 20)), generator=np.random.default_rng(11), **kwargs)
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_global_numpy_random_state_untouched() -> None:
    np.random.seed(12345)  # noqa: NPY002 -- the legacy global state is what is checked
    before = np.random.get_state(legacy=False)  # noqa: NPY002
    fresh = []
    for _, fn, kwargs in RANDOM_CALLS:
        fresh.append(fn(np.empty((30, 20)), **kwargs))  # generator=None: a fresh default_rng
        fn(np.empty((30, 20)), generator=np.random.default_rng(13), **kwargs)
    after = np.random.get_state(legacy=False)  # noqa: NPY002
    np.testing.assert_array_equal(after["state"]["key"], before["state"]["key"])
    assert after["state"]["pos"] == before["state"]["pos"]
    assert (after["has_gauss"], after["gauss"]) == (before["has_gauss"], before["gauss"])
    # generator=None is a fresh generator, not a fixed seed
    again = ri.normal_(np.empty((30, 20)))
    assert not np.array_equal(fresh[1], again)


@pytest.mark.parametrize(("name", "fn", "kwargs"), RANDOM_CALLS, ids=[c[0] for c in RANDOM_CALLS])
def test_float32_kept_and_integers_refused(
    name: str, fn: Callable[..., np.ndarray], kwargs: dict[str, Any]
) -> None:
    w = fn(np.empty((30, 20), dtype=np.float32), generator=np.random.default_rng(14), **kwargs)
    assert w.dtype == np.float32
    with pytest.raises(TypeError):
        fn(np.zeros((30, 20), dtype=np.int64), generator=np.random.default_rng(14), **kwargs)


def test_generator_must_be_a_numpy_generator() -> None:
    with pytest.raises(TypeError):
        ri.normal_(np.empty(3), generator=np.random.RandomState(0))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ri.normal_(np.empty(3), generator=0)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# statistical: the reference and torch both pass the one check
# ---------------------------------------------------------------------------------------------

KAIMING_SETTINGS = [
    ("leaky_relu", 0),
    ("leaky_relu", 0.2),
    ("relu", 0),
    ("tanh", 0),
    ("linear", 0),
    ("selu", 0),
]


def law_cases() -> list[Any]:
    """(id, shape, law, reference fill, torch fill): each law from the formula alone."""
    cases: list[Any] = []
    for shape in SHAPES:
        sid = "x".join(map(str, shape))
        for gain in (1.0, 5.0 / 3):
            std = xavier_std(shape, gain)
            cases.append(
                pytest.param(
                    shape, uniform_law(math.sqrt(3) * std),
                    ref_fill(ri.xavier_uniform_, gain=gain),
                    torch_fill(torch.nn.init.xavier_uniform_, gain=gain),
                    id=f"xavier_uniform-gain{gain:.3g}-{sid}",
                )
            )  # fmt: skip
            cases.append(
                pytest.param(
                    shape, stats.norm(0, std),
                    ref_fill(ri.xavier_normal_, gain=gain),
                    torch_fill(torch.nn.init.xavier_normal_, gain=gain),
                    id=f"xavier_normal-gain{gain:.3g}-{sid}",
                )
            )  # fmt: skip
        for mode in ("fan_in", "fan_out"):
            for nl, a in KAIMING_SETTINGS:
                std = kaiming_std(shape, a, mode, nl)
                kw = {"a": a, "mode": mode, "nonlinearity": nl}
                tag = f"{nl}{a}-{mode}-{sid}"
                cases.append(
                    pytest.param(
                        shape, uniform_law(math.sqrt(3) * std),
                        ref_fill(ri.kaiming_uniform_, **kw),
                        torch_fill(torch.nn.init.kaiming_uniform_, **kw),
                        id=f"kaiming_uniform-{tag}",
                    )
                )  # fmt: skip
                cases.append(
                    pytest.param(
                        shape, stats.norm(0, std),
                        ref_fill(ri.kaiming_normal_, **kw),
                        torch_fill(torch.nn.init.kaiming_normal_, **kw),
                        id=f"kaiming_normal-{tag}",
                    )
                )  # fmt: skip
    cases.append(
        pytest.param(
            TALL, stats.uniform(-0.5, 2.5),
            ref_fill(ri.uniform_, a=-0.5, b=2.0), torch_fill(torch.nn.init.uniform_, a=-0.5, b=2.0),
            id="uniform-(-0.5,2)",
        )
    )  # fmt: skip
    cases.append(
        pytest.param(
            TALL, stats.uniform(0, 1),
            ref_fill(ri.uniform_), torch_fill(torch.nn.init.uniform_), id="uniform-default",
        )
    )  # fmt: skip
    cases.append(
        pytest.param(
            CONV, stats.norm(0.3, 0.02),
            ref_fill(ri.normal_, mean=0.3, std=0.02),
            torch_fill(torch.nn.init.normal_, mean=0.3, std=0.02),
            id="normal-(0.3,0.02)",
        )
    )  # fmt: skip
    for mean, std, a, b in [
        (0.0, 1.0, -2.0, 2.0),  # the defaults
        (0.0, 0.02, -2.0, 2.0),  # ViT style: bounds 100 std away, effectively untruncated
        (0.5, 2.0, -1.0, 3.0),
        (0.0, 1.0, 0.0, 5.0),  # half-normal
        (0.0, 1.0, 2.5, 4.0),  # right tail only
        (1.0, 0.5, -1.0, 0.0),  # left tail, mean outside [a, b]
        (0.0, 1.0, -0.2, 0.3),  # narrow, around the mean
    ]:
        law = stats.truncnorm((a - mean) / std, (b - mean) / std, loc=mean, scale=std)
        kw = {"mean": mean, "std": std, "a": a, "b": b}
        cases.append(
            pytest.param(
                TALL, law, ref_fill(ri.trunc_normal_, **kw),
                torch_fill(torch.nn.init.trunc_normal_, **kw),
                id=f"trunc_normal-{mean}-{std}-[{a},{b}]",
            )
        )  # fmt: skip
    return cases


LAW_CASES = law_cases()


@pytest.mark.parametrize(("shape", "law", "ref", "oracle"), LAW_CASES)
def test_distribution_matches_law(
    shape: tuple[int, ...], law: Any, ref: Fill, oracle: Fill
) -> None:
    assert_passes(verdict(ref, shape, law, seed=2024))
    # the same check accepts torch's own sampler: the law we test against is torch's
    assert_passes(verdict(oracle, shape, law, seed=2024))


def test_trunc_normal_degenerate_interval_is_the_bound() -> None:
    w = ri.trunc_normal_(np.empty(10), 0.0, 1.0, 0.5, 0.5, generator=np.random.default_rng(15))
    np.testing.assert_array_equal(w, 0.5)


def test_trunc_normal_stays_in_bounds() -> None:
    w = ri.trunc_normal_(np.empty(TALL), 0.0, 1.0, 2.5, 4.0, generator=np.random.default_rng(15))
    assert w.min() >= 2.5 and w.max() <= 4.0


def test_trunc_normal_far_tail_is_exact() -> None:
    """30 std into the tail: the mean of N(0,1) | Z > 30 is phi(30)/Q(30) = 30.0333..."""
    w = ri.trunc_normal_(np.empty(20000), 0.0, 1.0, 30.0, 31.0, generator=np.random.default_rng(16))
    law = stats.truncnorm(30.0, 31.0)
    assert w.min() >= 30.0 and w.max() <= 31.0
    assert abs(w.mean() - law.mean()) < MAX_Z * law.std() / math.sqrt(w.size)


def test_sparse_nonzeros_are_normal_and_zero_rows_uniform() -> None:
    rows, cols, sparsity, std = 100, 2000, 0.07, 0.05
    w = ri.sparse_(np.empty((rows, cols)), sparsity, std=std, generator=np.random.default_rng(17))
    assert stats.kstest(w[w != 0], stats.norm(0, std).cdf).pvalue > ALPHA
    zeros_per_row = (w == 0).sum(1)  # each row is zero in ~8 % of the columns
    assert stats.chisquare(zeros_per_row).pvalue > ALPHA


@pytest.mark.parametrize("shape", [TALL, WIDE, (30, 30), CONV])
def test_orthogonal_entries_are_haar(shape: tuple[int, ...]) -> None:
    """Rows (or columns) of a Haar Q are uniform on the sphere S^{m-1}: w² ~ Beta(1/2, (m-1)/2)."""
    w = ri.orthogonal_(np.empty(shape), generator=np.random.default_rng(18))
    m = max(shape[0], w.size // shape[0])
    x = w.ravel()
    assert abs(x.mean()) < MAX_Z * math.sqrt(1 / m) / math.sqrt(x.size)
    assert stats.kstest(x**2, stats.beta(0.5, (m - 1) / 2).cdf).pvalue > ALPHA


def orthogonal_no_sign_fix(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Planted bug: Q straight from LAPACK, without multiplying by sign(diag R)."""
    q, _ = np.linalg.qr(rng.standard_normal(w.shape))
    w[...] = q
    return w


def diagonal_sign_pvalue(fill: Fill, seed: int) -> float:
    """Binomial test that the diagonal of a Haar Q is positive half the time."""
    rng = np.random.default_rng(seed)
    diag = np.concatenate([np.diag(fill(np.empty((60, 20)), rng)) for _ in range(5)])
    return float(stats.binomtest(int((diag > 0).sum()), diag.size).pvalue)


def test_orthogonal_sign_fix_is_applied() -> None:
    assert diagonal_sign_pvalue(ref_fill(ri.orthogonal_), 19) > ALPHA
    assert diagonal_sign_pvalue(torch_fill(torch.nn.init.orthogonal_), 19) > ALPHA
    assert diagonal_sign_pvalue(orthogonal_no_sign_fix, 19) < ALPHA


# ---------------------------------------------------------------------------------------------
# statistical: the notes' MSRA formula (seed 001)
# ---------------------------------------------------------------------------------------------


def test_notes_msra_is_kaiming_normal_linear_not_relu() -> None:
    """Seed 001's MSRA, W ~ N(0, sqrt(1/(K*K*C))), is kaiming_normal_ with gain 1."""
    c_out, c, k = 64, 32, 3
    notes_law = stats.norm(0, math.sqrt(1 / (k * k * c)))
    shape = (c_out, c, k, k)
    for nl, a in [("linear", 0), ("sigmoid", 0), ("conv2d", 0), ("leaky_relu", 1)]:
        assert_passes(
            verdict(ref_fill(ri.kaiming_normal_, a=a, nonlinearity=nl), shape, notes_law, 20)
        )
    # He et al.'s ReLU rule has twice the variance: the notes' law rejects it
    relu = verdict(ref_fill(ri.kaiming_normal_, nonlinearity="relu"), shape, notes_law, 20)
    assert relu.ks_pvalue < ALPHA
    he_law = stats.norm(0, math.sqrt(2 / (k * k * c)))
    assert_passes(verdict(ref_fill(ri.kaiming_normal_, nonlinearity="relu"), shape, he_law, 20))


# ---------------------------------------------------------------------------------------------
# planted bugs: the same check must reject each, on a shape where the error is large
# ---------------------------------------------------------------------------------------------


def _fans(w: np.ndarray) -> tuple[int, int]:
    receptive = math.prod(w.shape[2:])
    return w.shape[1] * receptive, w.shape[0] * receptive


def bug_kaiming_normal_fan_out(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """mode='fan_in' asked, fan_out used."""
    w[...] = rng.normal(0, math.sqrt(2) / math.sqrt(_fans(w)[1]), w.shape)
    return w


def bug_kaiming_uniform_fan_out(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    bound = math.sqrt(3) * math.sqrt(2) / math.sqrt(_fans(w)[1])
    w[...] = rng.uniform(-bound, bound, w.shape)
    return w


def bug_kaiming_normal_bound_as_std(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The uniform bound gain*sqrt(3/fan) used as the normal's std."""
    w[...] = rng.normal(0, math.sqrt(2) * math.sqrt(3 / _fans(w)[0]), w.shape)
    return w


def bug_xavier_normal_bound_as_std(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    fan_in, fan_out = _fans(w)
    w[...] = rng.normal(0, math.sqrt(6 / (fan_in + fan_out)), w.shape)
    return w


def bug_kaiming_normal_missing_gain(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """nonlinearity='relu' asked, gain left out: std = 1/sqrt(fan_in) (the notes' MSRA)."""
    w[...] = rng.normal(0, 1 / math.sqrt(_fans(w)[0]), w.shape)
    return w


def bug_xavier_uniform_missing_gain(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    fan_in, fan_out = _fans(w)
    bound = math.sqrt(6 / (fan_in + fan_out))
    w[...] = rng.uniform(-bound, bound, w.shape)
    return w


def bug_kaiming_normal_variance_as_std(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """std = gain²/fan: the variance formula used as the standard deviation."""
    w[...] = rng.normal(0, 2 / _fans(w)[0], w.shape)
    return w


def bug_xavier_normal_variance_as_std(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    fan_in, fan_out = _fans(w)
    w[...] = rng.normal(0, 2 / (fan_in + fan_out), w.shape)
    return w


def bug_kaiming_uniform_std_as_bound(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """bound = gain/sqrt(fan): the sqrt(3) between std and bound forgotten."""
    bound = math.sqrt(2) / math.sqrt(_fans(w)[0])
    w[...] = rng.uniform(-bound, bound, w.shape)
    return w


def bug_xavier_uniform_sampled_normal(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Right variance, wrong law: only the KS test can see it."""
    fan_in, fan_out = _fans(w)
    w[...] = rng.normal(0, math.sqrt(2 / (fan_in + fan_out)), w.shape)
    return w


def bug_trunc_normal_clamped(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Out-of-range draws clamped to the bounds instead of redrawn."""
    w[...] = np.clip(rng.normal(0, 1, w.shape), -2, 2)
    return w


def bug_trunc_normal_bounds_in_std(w: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Bounds read as multiples of std: truncated at +-std*1 instead of +-1 (std = 0.5)."""
    x = rng.normal(0, 0.5, w.size)
    while (bad := np.abs(x) > 0.5).any():
        x[bad] = rng.normal(0, 0.5, bad.sum())
    w[...] = x.reshape(w.shape)
    return w


_RELU = {"nonlinearity": "relu"}
_TANH_GAIN = 5.0 / 3

PLANTED_BUGS = [
    pytest.param(
        bug_kaiming_normal_fan_out, ref_fill(ri.kaiming_normal_), TALL,
        stats.norm(0, kaiming_std(TALL)), id="kaiming_normal-fan_out-for-fan_in-2000x50",
    ),
    pytest.param(
        bug_kaiming_normal_fan_out, ref_fill(ri.kaiming_normal_), CONV,
        stats.norm(0, kaiming_std(CONV)), id="kaiming_normal-fan_out-for-fan_in-conv",
    ),
    pytest.param(
        bug_kaiming_uniform_fan_out, ref_fill(ri.kaiming_uniform_), TALL,
        uniform_law(math.sqrt(3) * kaiming_std(TALL)), id="kaiming_uniform-fan_out-for-fan_in",
    ),
    pytest.param(
        bug_kaiming_normal_bound_as_std, ref_fill(ri.kaiming_normal_), WIDE,
        stats.norm(0, kaiming_std(WIDE)), id="kaiming_normal-bound-as-std",
    ),
    pytest.param(
        bug_xavier_normal_bound_as_std, ref_fill(ri.xavier_normal_), WIDE,
        stats.norm(0, xavier_std(WIDE)), id="xavier_normal-bound-as-std",
    ),
    pytest.param(
        bug_kaiming_normal_missing_gain, ref_fill(ri.kaiming_normal_, **_RELU), TALL,
        stats.norm(0, kaiming_std(TALL, nonlinearity="relu")), id="kaiming_normal-missing-gain",
    ),
    pytest.param(
        bug_xavier_uniform_missing_gain, ref_fill(ri.xavier_uniform_, gain=_TANH_GAIN), CONV,
        uniform_law(math.sqrt(3) * xavier_std(CONV, _TANH_GAIN)), id="xavier_uniform-missing-gain",
    ),
    pytest.param(
        bug_kaiming_normal_variance_as_std, ref_fill(ri.kaiming_normal_), TALL,
        stats.norm(0, kaiming_std(TALL)), id="kaiming_normal-variance-as-std",
    ),
    pytest.param(
        bug_xavier_normal_variance_as_std, ref_fill(ri.xavier_normal_), WIDE,
        stats.norm(0, xavier_std(WIDE)), id="xavier_normal-variance-as-std",
    ),
    pytest.param(
        bug_kaiming_uniform_std_as_bound, ref_fill(ri.kaiming_uniform_), TALL,
        uniform_law(math.sqrt(3) * kaiming_std(TALL)), id="kaiming_uniform-std-as-bound",
    ),
    pytest.param(
        bug_xavier_uniform_sampled_normal, ref_fill(ri.xavier_uniform_), TALL,
        uniform_law(math.sqrt(3) * xavier_std(TALL)), id="xavier_uniform-sampled-normal",
    ),
    pytest.param(
        bug_trunc_normal_clamped, ref_fill(ri.trunc_normal_), TALL,
        stats.truncnorm(-2, 2), id="trunc_normal-clamped",
    ),
    pytest.param(
        bug_trunc_normal_bounds_in_std, ref_fill(ri.trunc_normal_, std=0.5, a=-1.0, b=1.0), TALL,
        stats.truncnorm(-2, 2, scale=0.5), id="trunc_normal-bounds-in-std",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("bug", "ref", "shape", "law"), PLANTED_BUGS)
def test_planted_bug_is_rejected(bug: Fill, ref: Fill, shape: tuple[int, ...], law: Any) -> None:
    assert_passes(verdict(ref, shape, law, seed=7))
    caught = verdict(bug, shape, law, seed=7)
    assert caught.ks_pvalue < ALPHA, f"the KS test missed the bug: {caught}"
    assert not caught.passed
