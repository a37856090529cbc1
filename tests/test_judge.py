"""The judge phase: worst-element messages, non-finite handling, KS p-values vs scipy."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

from graders import distribution, judge


def test_worst_element_is_named() -> None:
    exp = np.array([[0.0, 1.0], [2.0, 3.0]])
    got = exp.copy()
    got[1, 0] = 2.5
    got[0, 1] = 1.0 + 1e-9
    v = judge.compare_array("out", exp, got, 1e-7, 1e-7)
    assert not v.passed
    assert "at [1, 0]: 2.5 vs 2" in v.message
    assert v.details["index"] == [1, 0] and v.details["mismatched"] == 1


@pytest.mark.parametrize(
    ("got", "ok"),
    [
        (np.array([np.nan, np.inf, -np.inf, 1.0]), True),
        (np.array([0.0, np.inf, -np.inf, 1.0]), False),  # nan expected
        (np.array([np.nan, -np.inf, -np.inf, 1.0]), False),  # wrong sign of inf
        (np.array([np.nan, np.inf, -np.inf, np.nan]), False),  # nan where torch is finite
    ],
)
def test_non_finite_values_must_match_exactly(got: np.ndarray, ok: bool) -> None:
    exp = np.array([np.nan, np.inf, -np.inf, 1.0])
    assert judge.compare_array("out", exp, got, 1e-7, 1e-7).passed is ok


def test_type_shape_dtype_checked_before_values() -> None:
    exp = np.zeros(3)
    assert "expected numpy.ndarray" in judge.compare_array("out", exp, [0, 0, 0], 0, 0).message
    assert "shape (2,)" in judge.compare_array("out", exp, np.zeros(2), 0, 0).message
    msg = judge.compare_array("out", exp, np.zeros(3, np.float32), 0, 0).message
    assert "dtype float32" in msg


def test_tolerances_follow_torch_testing_defaults() -> None:
    import torch

    # torch.testing.assert_close's defaults for float64 and float32
    for dtype, tdtype in ((np.float64, torch.float64), (np.float32, torch.float32)):
        rtol, atol = judge.tolerance("default", np.dtype(dtype))
        x = torch.ones(1, dtype=tdtype)
        torch.testing.assert_close(x + (atol + rtol) * 0.99, x)
        with pytest.raises(AssertionError):
            torch.testing.assert_close(x + (atol + rtol) * 1.5, x)
    assert judge.tolerance("default", np.dtype("float64"), "cuda")[0] > 1e-7


@pytest.mark.parametrize("x", [0.3, 0.8, 1.0, 1.5, 2.5])
def test_kolmogorov_survival_function_matches_scipy(x: float) -> None:
    assert distribution.kolmogorov_sf(x) == pytest.approx(scipy.stats.kstwobign.sf(x), abs=1e-12)


def test_ks_test_matches_scipy_asymptotic() -> None:
    rng = np.random.default_rng(0)
    sample = rng.normal(0.1, 1.0, size=5000)
    d, p = distribution.ks_test(sample, scipy.stats.norm(0, 1).cdf)
    ref = scipy.stats.kstest(sample, "norm", method="asymp")
    assert d == pytest.approx(ref.statistic, rel=1e-12)
    assert p == pytest.approx(ref.pvalue, rel=1e-6, abs=1e-300)


def test_ndtr_matches_scipy() -> None:
    import scipy.special

    z = np.concatenate([np.linspace(-12, 12, 4801), [-40.0, -38.5, 0.0, 8.3, 40.0, np.inf]])
    got = distribution.ndtr(z.reshape(-1, 1))
    assert got.shape == (z.size, 1) and got.dtype == np.float64
    # (rtol: z / sqrt 2 rounds, and Phi amplifies that by |z|^2 in the far tail)
    np.testing.assert_allclose(got[:, 0], scipy.special.ndtr(z), rtol=1e-13, atol=1e-300)
    assert distribution.ndtr(np.float64(0.5)).shape == ()


def test_ks_test_with_the_graders_normal_cdf_matches_scipy() -> None:
    sample = np.random.default_rng(3).normal(0.0, 0.5, size=(400, 25))
    d, p = distribution.ks_test(sample, distribution._normal_cdf(0.0, 0.5))
    ref = scipy.stats.kstest(sample.ravel(), "norm", args=(0.0, 0.5), method="asymp")
    assert d == pytest.approx(ref.statistic, rel=1e-12)
    assert p == pytest.approx(ref.pvalue, rel=1e-6, abs=1e-300)


def test_fast_normal_cdf_is_within_its_stated_error() -> None:
    import scipy.special

    z = np.linspace(-40, 40, 800_001)
    err = np.abs(distribution.ndtr_fast(z) - scipy.special.ndtr(z))
    assert err.max() <= distribution.NDTR_FAST_EPS


@pytest.mark.parametrize("seed", range(12))
def test_ks_test_with_the_fast_filter_gives_exactly_the_full_result(seed: int) -> None:
    """The filter only chooses where the exact CDF is evaluated: D and p are bit-identical."""
    rng = np.random.default_rng(seed)
    n = int(rng.choice([1, 7, 500, 20_000]))
    scale = float(rng.choice([0.5, 1.0, 1.4]))  # right, and wrong by a fan-like factor
    sample = rng.normal(0.0, scale, size=n)
    if seed % 3 == 0:
        sample = np.round(sample, 2)  # many ties
    full = distribution.ks_test(sample, distribution._normal_cdf(0.0, 1.0))
    fast = distribution.ks_test(
        sample, distribution._normal_cdf(0.0, 1.0), distribution._normal_approx(0.0, 1.0)
    )
    assert fast == full
    trunc = np.clip(sample, -2.0, 2.0)
    exact = distribution._trunc_cdf(0.0, 1.0, -2.0, 2.0)
    assert distribution.ks_test(
        trunc, exact, distribution._trunc_approx(0.0, 1.0, -2.0, 2.0)
    ) == distribution.ks_test(trunc, exact)


def _outputs(t: np.ndarray) -> dict[str, np.ndarray]:
    """What the init driver returns for a well-behaved initializer that drew ``t``."""
    small = t[:6, :6]
    return {
        "tensor": t,
        "returned_is_input": np.array(True),
        "repeat_same": small,
        "repeat_again": small.copy(),
        "repeat_other": small + 1.0,
        "global_draw": np.array(0.5),
    }


def test_initializer_check_accepts_right_and_rejects_scaled_sample() -> None:
    rng = np.random.default_rng(42)
    exp = {
        "shape": np.array([2000, 50]),
        "random": True,
        "global_draw": np.array(0.5),
        "dist": "normal",
        "mean": 0.0,
        "std": 0.1,
        "fan_in": 50,
        "fan_out": 2000,
    }
    good = rng.normal(0, 0.1, size=(2000, 50))
    assert distribution.check_initializer(exp, _outputs(good), "default", "cpu", {}).passed
    bad = good * np.sqrt(2000 / 50)
    v = distribution.check_initializer(exp, _outputs(bad), "default", "cpu", {})
    assert not v.passed and "fan_out was used" in v.message


def test_initializer_check_catches_global_rng_and_ignored_generator() -> None:
    t = np.random.default_rng(1).uniform(-1, 1, size=(100, 100))
    exp = {
        "shape": np.array([100, 100]),
        "random": True,
        "global_draw": np.array(0.25),
        "dist": "uniform",
        "low": -1.0,
        "high": 1.0,
    }
    v = distribution.check_initializer(exp, _outputs(t), "default", "cpu", {})
    assert not v.passed and "global random state" in v.message
    outs = {**_outputs(t), "global_draw": np.array(0.25)}
    outs["repeat_other"] = outs["repeat_same"].copy()
    v = distribution.check_initializer(exp, outs, "default", "cpu", {})
    assert not v.passed and "generator` argument is ignored" in v.message
    outs = {**_outputs(t), "global_draw": np.array(0.25)}
    outs["repeat_again"] = outs["repeat_same"] * 2.0
    v = distribution.check_initializer(exp, outs, "default", "cpu", {})
    assert not v.passed and "same seed gave a different array" in v.message
