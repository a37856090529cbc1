"""The grader's ``initializers`` items: cases, oracle, the ``init`` driver's raw outputs and the
check (``graders/registry/initializers/``).

Independent sources: torch's own initializers (their samples must pass every check, so the laws
the oracle states are torch's), torch's private fan helper (allowed in a test, not in the
grader), ``scipy.stats`` for every tail probability and the KS test, and hand-made cheats that
must fail.  The reference must pass on many hidden seeds; stubs must earn nothing.
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.fft
import scipy.stats
import torch

from graders import engine, registry
from graders.judge import check_raises
from graders.registry.initializers import INITS, cases, checks, oracle
from graders.sandbox.box.drivers import DRIVERS
from graders.sandbox.box.drivers import init as init_driver
from reference import initializers as reference

ROOT = Path(__file__).resolve().parent.parent
ITEMS = [i for i in registry.ITEMS if i.module == "initializers"]
RANDOM = [f"initializers.{init.name}" for init in INITS if init.random]
WITH_FANS = ["xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_"]


def _cases(item: registry.Item, hidden_seeds: range) -> list[registry.Case]:
    out = registry.build_cases(item, engine.PUBLIC_SEED, hidden=False)
    for seed in hidden_seeds:
        out += registry.build_cases(item, seed, hidden=True)
    return out


# --------------------------------------------------------------------------- torch's samples pass
def _torch_draw(name: str, case: registry.Case, shape: tuple[int, ...], seed: int) -> Any:
    t = torch.full(shape, float("nan"), dtype=torch.float64)
    torch.manual_seed(seed)  # sparse_ draws its zero rows from the global generator
    returned = getattr(torch.nn.init, name)(
        t, *case.args, **case.kwargs, generator=torch.Generator().manual_seed(seed)
    )
    return t.numpy(), returned is t


def torch_outputs(name: str, case: registry.Case) -> dict[str, np.ndarray]:
    """What the ``init`` driver would bring back from torch's own initializer."""
    seed, small = case.spec["seed"], tuple(case.spec["repeat_shape"])
    tensor, same = _torch_draw(name, case, tuple(case.spec["shape"]), seed)
    state = np.random.RandomState(case.spec["global_seed"])
    return {
        "tensor": tensor,
        "returned_is_input": np.array(same),
        "repeat_same": _torch_draw(name, case, small, seed)[0],
        "repeat_again": _torch_draw(name, case, small, seed)[0],
        "repeat_other": _torch_draw(name, case, small, seed + 1)[0],
        "global_draw": np.array(state.random_sample()),
    }


@pytest.mark.parametrize("name", RANDOM)
def test_torchs_own_initializer_passes_every_case(name: str) -> None:
    """The laws the oracle states (fans, gains, bounds, truncation, Haar, sparsity) are torch's:
    torch's samples pass the check on the public cases and 5 hidden seeds' cases."""
    item = registry.BY_NAME[name]
    for case in _cases(item, range(5)):
        if case.spec.get("expect_raise"):
            continue
        got = torch_outputs(item.attr, case)
        verdict = item.check(item.oracle(case, "cpu"), got, "default", "cpu", case.data)
        assert verdict.passed, (case.name, verdict.message)


# --------------------------------------------------------------------------- fans, gains, shapes
def test_fans_are_torchs_on_every_case_shape() -> None:
    """oracle.fans is torch's documented rule; torch's private helper (test only) agrees."""
    shapes = set()
    for name in ["calculate_fan_in_and_fan_out", *WITH_FANS, "orthogonal_"]:
        for case in _cases(registry.BY_NAME[f"initializers.{name}"], range(20)):
            if case.spec.get("expect_raise"):
                continue
            shapes.add(tuple(case.spec["shape"]) if "shape" in case.spec else case.args[0].shape)
    helper = torch.nn.init._calculate_fan_in_and_fan_out
    for shape in shapes:
        assert oracle.fans(shape) == helper(torch.empty(shape)), shape
    assert {len(s) for s in shapes} == {2, 3, 4, 5}


@pytest.mark.parametrize("name", [*WITH_FANS, "orthogonal_", "calculate_fan_in_and_fan_out"])
def test_public_cases_have_3d_to_5d_weights(name: str) -> None:
    """As torch's own tests do: conv1d, conv2d and conv3d weights besides linear ones."""
    item = registry.BY_NAME[f"initializers.{name}"]
    public = registry.build_cases(item, engine.PUBLIC_SEED, hidden=False)
    ranks = {
        len(c.spec["shape"]) if "shape" in c.spec else c.args[0].ndim
        for c in public
        if not c.spec.get("expect_raise")
    }
    assert {2, 3, 4, 5} <= ranks


@pytest.mark.parametrize("name", RANDOM)
def test_hidden_shapes_are_drawn_from_a_space_of_shapes(name: str) -> None:
    item = registry.BY_NAME[name]
    public = {tuple(c.spec["shape"]) for c in registry.build_cases(item, 0, hidden=False)}
    hidden = [tuple(c.spec["shape"]) for s in range(12) for c in item.cases(
        np.random.default_rng(s), True)]  # fmt: skip
    assert len(set(hidden)) >= 20  # 24 shapes, nearly all different
    assert not set(hidden) & (public | {s[::-1] for s in public})
    if item.attr in WITH_FANS:
        assert {len(s) for s in hidden} == {2, 3, 4, 5}
        assert all(max(s[0] / s[1], s[1] / s[0]) >= 3 for s in hidden)  # fan_out / fan_in
        assert all(5_000 <= math.prod(s) <= 150_000 for s in hidden)


def test_shape_spaces_keep_the_tests_powerful() -> None:
    rng = np.random.default_rng(7)
    for _ in range(300):
        law = cases.law_shape(rng)
        assert 1 <= len(law) <= 4 and 5_000 <= math.prod(law) <= 150_000
        rows, *rest = cases.orthogonal_shape(rng)
        assert max(rows, math.prod(rest)) >= 32
        r, c = cases.sparse_shape(rng)
        assert 50 <= r <= 1500 and 40 <= c <= 300


def test_the_gain_table_lives_only_in_torch() -> None:
    """No module of graders/ writes a gain next to a nonlinearity's name (but for the
    catalogue of mistakes, whose code is what students write: wrong tables of gains)."""
    gain = re.compile(r"5\.?0? ?/ ?3|3\.?0? ?/ ?4|0\.75|sqrt\(2")
    name = re.compile(r"tanh|selu|relu|sigmoid")
    mistakes = ROOT / "graders" / "mistakes"
    for path in (ROOT / "graders").rglob("*.py"):
        if mistakes in path.parents:
            code = path.read_text(encoding="utf-8").split('"""\ndef ')  # the mistakes' code
            assert not any(gain.search(part) and name.search(part) for part in code[:1]), path
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            assert not (gain.search(line) and name.search(line)), (path, line)


# --------------------------------------------------------------------------- statistics vs scipy
@pytest.mark.parametrize(
    ("law", "cdf"),
    [
        (scipy.stats.norm(0.1, 0.5), checks._normal_cdf(0.1, 0.5)),
        (
            scipy.stats.truncnorm(-1.0, 2.0, loc=0.5, scale=2.0),
            checks._trunc_cdf(0.5, 2.0, -1.5, 4.5),
        ),
        (scipy.stats.truncnorm(2.5, 4.0), checks._trunc_cdf(0.0, 1.0, 2.5, 4.0)),
        (scipy.stats.truncnorm(-4.0, -3.0, loc=1.0), checks._trunc_cdf(1.0, 1.0, -3.0, -2.0)),
    ],
    ids=["normal", "truncated", "right-tail", "left-tail"],
)
def test_ks_test_is_scipys(law: Any, cdf: checks.Cdf) -> None:
    rng = np.random.default_rng(3)
    grid = law.ppf(np.linspace(0.001, 0.999, 999))
    np.testing.assert_allclose(cdf(grid), law.cdf(grid), rtol=1e-9, atol=1e-12)
    for shift in (0.0, 0.05):  # right, and a little off
        sample = law.rvs(size=(400, 25), random_state=rng) + shift
        d, p = checks.ks_test(sample, cdf)
        ref = scipy.stats.kstest(sample.ravel(), law.cdf, method="asymp")
        assert d == pytest.approx(ref.statistic, rel=1e-9)
        assert p == pytest.approx(ref.pvalue, rel=1e-6, abs=1e-300)


@pytest.mark.parametrize(
    "mean,std,a,b",
    [(0.0, 1.0, -2.0, 2.0), (1.0, 0.5, -3.0, 2.0), (0.0, 2.0, 1.0, 9.0), (0, 1, -9, -3)],
)
def test_trunc_normal_reported_std_is_scipys(mean: float, std: float, a: float, b: float) -> None:
    kwargs = {"mean": mean, "std": std, "a": a, "b": b}
    case = registry.Case("t", registry.Category.CORRECTNESS, ((3, 4),), kwargs)
    law = scipy.stats.truncnorm((a - mean) / std, (b - mean) / std, loc=mean, scale=std)
    got = oracle._trunc_normal("trunc_normal_", case)["sample_std"]
    assert got == pytest.approx(float(law.std()), rel=1e-9)


@pytest.mark.parametrize("a,b", [(7.5, 9.0), (-9.0, -7.5), (-30.0, -29.0)])
def test_trunc_normal_reported_std_far_in_a_tail(a: float, b: float) -> None:
    """Against mpmath at 60 digits: Phi(b) - Phi(a) taken in the interval's own tail (as
    Phi(b) - Phi(a) near 1 it cancels to nothing, and the variance came out negative)."""
    import mpmath

    with mpmath.workdps(60):
        mass = mpmath.ncdf(b) - mpmath.ncdf(a)
        pa, pb = mpmath.npdf(a), mpmath.npdf(b)
        exact = float(mpmath.sqrt(1 + (a * pa - b * pb) / mass - ((pa - pb) / mass) ** 2))
    case = registry.Case("t", registry.Category.CORRECTNESS, ((3, 4),), {"a": a, "b": b})
    got = oracle._trunc_normal("trunc_normal_", case)["sample_std"]
    assert got == pytest.approx(exact, rel=1e-7)


@pytest.mark.parametrize("shape", [(40, 10), (12, 12), (200, 3), (2, 2)])
def test_haar_largest_entry_p_is_the_beta_tail(shape: tuple[int, int]) -> None:
    m, k = shape
    q = np.linalg.qr(np.random.default_rng(0).standard_normal(shape))[0]
    x, p = checks.haar_largest_entry(q)
    beta = scipy.stats.beta(0.5, (m - 1) / 2)
    assert x == np.abs(q).max()
    assert p == pytest.approx(min(1.0, m * k * beta.sf((x - checks.ROUNDING) ** 2)), rel=1e-9)
    assert checks.haar_largest_entry(np.eye(m, k))[1] < (1e-9 if m >= 4 else 1.0)


def test_haar_entries_follow_the_beta_law_the_bound_uses() -> None:
    """Entry [0, 0] of torch's orthogonal_ (40 x 10), squared, is Beta(1/2, 39/2); its diagonal
    signs are fair coins."""
    g = torch.Generator().manual_seed(5)
    draws = [torch.nn.init.orthogonal_(torch.empty(40, 10, dtype=torch.float64), generator=g)
             for _ in range(2000)]  # fmt: skip
    corner = np.array([float(q[0, 0]) for q in draws])
    assert scipy.stats.kstest(corner**2, scipy.stats.beta(0.5, 19.5).cdf).pvalue > 1e-4
    negative = sum(int((torch.diagonal(q) < 0).sum()) for q in draws)
    assert scipy.stats.binomtest(negative, 20000, 0.5).pvalue > 1e-4


@pytest.mark.parametrize("m", [2, 3, 10, 160])
def test_haar_entry_cdf_is_the_law_of_a_point_on_the_sphere(m: int) -> None:
    """A column of a Haar matrix is a uniform point of the unit sphere: a Gaussian vector over
    its norm; the first coordinates of 10^5 of them against the CDF, and scipy's beta law."""
    v = np.random.default_rng(m).standard_normal((100_000, m))
    first = v[:, 0] / np.linalg.norm(v, axis=1)
    cdf = checks.haar_entry_cdf(m)
    assert scipy.stats.kstest(first, cdf).pvalue > 1e-4
    u = np.linspace(-0.99, 0.99, 41)
    beta = scipy.stats.beta(0.5, (m - 1) / 2)
    np.testing.assert_allclose(cdf(u), 0.5 + 0.5 * np.sign(u) * beta.cdf(u**2), rtol=1e-12)


def _legendre_by_hand(z: np.ndarray) -> list[np.ndarray]:
    """P_1 .. P_4 as printed in any table (Abramowitz & Stegun 22.3.8)."""
    return [z, (3 * z**2 - 1) / 2, (5 * z**3 - 3 * z) / 2, (35 * z**4 - 30 * z**2 + 3) / 8]


def test_smooth_test_is_neymans_and_calibrated() -> None:
    """The components from the textbook formula and the p-value from scipy's chi-square;
    under the law the components are N(0, 1) (200 samples of torch's normal_)."""
    cdf = checks._normal_cdf(0.0, 1.0)
    x = np.random.default_rng(7).standard_normal(5000) * 1.05
    u, p = checks.smooth_test(cdf(x))
    z = 2 * scipy.stats.norm.cdf(x) - 1
    by_hand = [math.sqrt(2 * j + 3) * q.sum() / math.sqrt(x.size) for j, q in
               enumerate(_legendre_by_hand(z))]  # fmt: skip
    np.testing.assert_allclose(u, by_hand, rtol=1e-9)
    assert p == pytest.approx(scipy.stats.chi2.sf(np.sum(np.square(by_hand)), 4), rel=1e-9)
    g = torch.Generator().manual_seed(8)
    draws = [torch.randn(10_000, dtype=torch.float64, generator=g).numpy() for _ in range(200)]
    comps = np.array([checks.smooth_test(cdf(x))[0] for x in draws])
    for c in comps.T:
        assert scipy.stats.kstest(c, "norm").pvalue > 1e-4


def test_too_close_keeps_the_exact_false_failure_under_the_structure_alpha() -> None:
    """P(sqrt(n) D < TOO_CLOSE) for random draws, from the exact law of D (scipy.stats.kstwo),
    for every n up to 400 and a few larger ones."""
    sizes = [*range(1, 401), 1000, 10**4, 10**5, 10**6]
    worst = max(scipy.stats.kstwo.cdf(checks.TOO_CLOSE / math.sqrt(n), n) for n in sizes)
    assert worst < checks.STRUCTURE_ALPHA


def _irwin_hall(rng: np.random.Generator, size: tuple[int, ...], k: int) -> np.ndarray:
    """The sum of k uniforms, centred and scaled to variance 1 (a normal look-alike)."""
    return (rng.random((*size, k)).sum(axis=-1) - k / 2) * math.sqrt(12 / k)


@pytest.mark.parametrize(
    "make",
    [
        lambda rng, size: _irwin_hall(rng, size, 6),
        lambda rng, size: rng.standard_t(30, size) * math.sqrt(28 / 30),
        lambda rng, size: rng.standard_normal(size) * 1.02,
    ],
    ids=["sum-of-6-uniforms", "student-t30", "std-2pc-off"],
)
def test_a_law_with_the_right_moments_and_another_shape_fails(make: Callable[..., Any]) -> None:
    """KS passes these at 10^5 draws (checked); the smooth test does not; torch's draws pass."""
    exp, _ = _expected("default", "normal_")  # N(0, 1), 2000 x 50
    rng = np.random.default_rng(11)
    wrong = make(rng, (2000, 50))
    assert checks.ks_test(wrong, checks._normal_cdf(0.0, 1.0))[1] > checks.ALPHA
    verdict = _check(exp, wrong)
    assert not verdict.passed and "Neyman's smooth test does not" in verdict.message
    right = torch.randn(2000, 50, dtype=torch.float64, generator=torch.Generator().manual_seed(3))
    assert _check(exp, right.numpy()).passed


def test_kaiming_ignoring_its_negative_slope_fails() -> None:
    """The gain of leaky_relu with a = 0.2 left at sqrt(2): a std 2% too large."""
    exp, case = _expected("leaky-a", "kaiming_normal_")
    fan_in = exp["fan_in"]
    wrong = np.random.default_rng(12).normal(0, math.sqrt(2 / fan_in), case.spec["shape"])
    assert not _check(exp, wrong).passed


@pytest.mark.parametrize(
    "make",
    [
        lambda rng, n: np.modf(rng.random() + np.arange(n) * 0.6180339887498949)[0],
        lambda rng, n: rng.permutation((np.arange(n) + 0.5) / n),
    ],
    ids=["golden-ratio-sequence", "shuffled-quantiles"],
)
def test_values_computed_to_fit_the_law_fail(make: Callable[..., Any]) -> None:
    """Uniform-looking fills that use the generator (so another seed gives another array) but
    draw nothing: they fit U(0, 1) closer than random draws ever do."""
    exp, case = _expected("default", "uniform_")
    shape = tuple(case.spec["shape"])
    fill = make(np.random.default_rng(9), math.prod(shape)).reshape(shape)
    verdict = _check(exp, fill)
    assert not verdict.passed and "closer than random draws can" in verdict.message
    assert _check(exp, np.random.default_rng(9).random(shape)).passed


def test_an_output_of_another_float_dtype_fails_and_is_not_a_grader_error() -> None:
    exp, _ = _expected("default", "normal_")
    good = np.random.default_rng(1).standard_normal((2000, 50))
    for dtype in (np.longdouble, np.float32, np.float16):
        verdict = _check(exp, good.astype(dtype))
        assert not verdict.passed and "dtype changed" in verdict.message


@pytest.mark.parametrize("negative", [0, 3, 10, 17, 20])
def test_diagonal_sign_p_is_the_binomial_test(negative: int) -> None:
    tall = np.eye(30, 20)
    tall[np.arange(negative), np.arange(negative)] = -1.0
    got = checks.haar_diagonal_signs(tall)
    ref = scipy.stats.binomtest(negative, 20, 0.5).pvalue
    assert got[:2] == (negative, 20) and got[2] == pytest.approx(ref, rel=1e-9)


def test_zero_rows_spread_p_is_the_binomial_tails() -> None:
    rng = np.random.default_rng(9)
    zero = np.zeros((60, 80), dtype=bool)
    for col in range(80):
        zero[rng.permutation(60)[:15], col] = True
    row, count, p = checks.zero_rows_spread(zero, 15)
    counts, law = zero.sum(axis=1), scipy.stats.binom(80, 15 / 60)
    tails = (60 * law.sf(counts.max() - 1), 60 * law.cdf(counts.min()))
    assert p == pytest.approx(min(1.0, 2 * min(tails)), rel=1e-9)
    assert count == counts[row] and p > 1e-9
    same = np.zeros((60, 80), dtype=bool)
    same[:15] = True
    assert checks.zero_rows_spread(same, 15)[2] < 1e-40


# --------------------------------------------------------------------------- the new checks
def test_repeated_lines_along_any_axis_are_found() -> None:
    rng = np.random.default_rng(1)
    t = rng.normal(size=(6, 5, 4, 3))
    assert checks.repeated_line(t) is None
    for axis in range(4):
        tiled = t.copy()
        index = [slice(None)] * 4
        index[axis] = 1
        source = list(index)
        source[axis] = 0
        tiled[tuple(index)] = tiled[tuple(source)]  # slice 1 along ``axis`` copies slice 0
        found = checks.repeated_line(tiled)
        assert found is not None and found[0] != axis
    message = checks.check_law(np.tile(rng.normal(size=50), (40, 1)), {"dist": "normal",
                               "mean": 0.0, "std": 1.0}).message  # fmt: skip
    assert "tensor[0, :] and tensor[1, :] are identical" in message


def test_lines_of_zeros_are_not_repeats() -> None:
    """Sparse fills may share all-zero (or one-value) lines; those are not dependence."""
    t = np.random.default_rng(2).normal(size=(50, 40))
    t[:, :3] = 0.0
    t[:10, 3:] = 0.0
    t[10, 3:] = -0.0
    t[20:22, 3:] = 0.0
    t[20:22, 5] = 1.5  # one shared non-zero value
    assert checks.repeated_line(t) is None
    t[30, :] = t[31, :]
    assert checks.repeated_line(t) == (1, 30, 31)


def _expected(case_name: str, name: str) -> tuple[dict[str, Any], registry.Case]:
    item = registry.BY_NAME[f"initializers.{name}"]
    case = next(c for c in registry.build_cases(item, 0, False) if c.name == case_name)
    return item.oracle(case, "cpu"), case


def _check(exp: dict[str, Any], tensor: np.ndarray, **over: Any) -> Any:
    small = np.arange(4.0)
    got = {"tensor": tensor, "returned_is_input": np.array(True), "repeat_same": small,
           "repeat_again": small.copy(), "repeat_other": small + 1,
           "global_draw": exp["global_draw"], **over}  # fmt: skip
    return checks.check_initializer(exp, got, "default", "cpu", {})


@pytest.mark.parametrize(
    ("make", "phrase"),
    [
        (lambda g, m, k: np.eye(m)[g.permutation(m)][:, :k], "permutation or identity"),
        (lambda g, m, k: -np.eye(m, k), "permutation or identity"),
        (lambda g, m, k: np.linalg.qr(g.standard_normal((m, k)))[0], "sign(diag(R))"),
        (
            lambda g, m, k: (
                scipy.fft.dct(np.eye(m), norm="ortho", axis=0)[:, g.permutation(m)[:k]]
                * g.choice([-1.0, 1.0], k)
            ),
            "structured orthogonal matrix",
        ),
    ],
    ids=["permutation", "minus-identity", "no-sign-fix", "cosine-basis"],
)
def test_orthogonal_cheats_fail(make: Callable[..., np.ndarray], phrase: str) -> None:
    exp, _ = _expected("tall", "orthogonal_")
    verdict = _check(exp, make(np.random.default_rng(4), 400, 80))
    assert not verdict.passed and phrase in verdict.message
    q = torch.nn.init.orthogonal_(torch.empty(400, 80, dtype=torch.float64))
    assert _check(exp, q.numpy()).passed


def test_sparse_with_the_same_zero_rows_fails() -> None:
    exp, _ = _expected("tall", "sparse_")
    rng = np.random.default_rng(6)
    t = rng.normal(0.0, 0.01, size=(2000, 50))
    t[rng.permutation(2000)[:200], :] = 0.0
    verdict = _check(exp, t)
    assert not verdict.passed and "not the same rows for all" in verdict.message


def test_fan_and_gain_hints_and_randomness_messages() -> None:
    exp, _ = _expected("tall", "kaiming_normal_")  # std sqrt(2 / 50), fans 50 and 2000
    good = np.random.default_rng(42).normal(0, math.sqrt(2 / 50), size=(2000, 50))
    assert _check(exp, good).passed
    assert "fan_out was used" in _check(exp, good * math.sqrt(50 / 2000)).message
    assert "gain is missing" in _check(exp, good / math.sqrt(2)).message
    msg = _check(exp, good, global_draw=np.array(0.25)).message
    assert "global random state" in msg
    assert (
        "generator` argument is ignored" in _check(exp, good, repeat_other=np.arange(4.0)).message
    )
    assert "same seed gave a different array" in _check(exp, good, repeat_again=np.ones(4)).message
    assert "not written" in _check(exp, np.full((2000, 50), np.nan)).message
    assert "in place" in _check(exp, good, returned_is_input=np.array(False)).message


# --------------------------------------------------------------------------- the driver: raw
def _module(source: str) -> Any:
    import types

    mod = types.ModuleType("initializers")
    exec(compile("import math\nimport numpy as np\n" + textwrap.dedent(source), "x", "exec"),
         mod.__dict__)  # fmt: skip
    return mod


def _spec(case: registry.Case) -> dict[str, Any]:
    return {"args": list(case.args), "kwargs": dict(case.kwargs), **case.spec}


def test_driver_returns_raw_outputs_only() -> None:
    item = registry.BY_NAME["initializers.normal_"]
    case = registry.build_cases(item, 0, hidden=False)[0]
    got = init_driver.run(reference, "normal_", _spec(case))
    assert set(got) == {"tensor", "returned_is_input", "repeat_same", "repeat_again",
                        "repeat_other", "global_draw"}  # fmt: skip
    assert all(type(v) is np.ndarray for v in got.values())
    assert got["tensor"].shape == tuple(case.spec["shape"])
    assert got["repeat_same"].shape == tuple(case.spec["repeat_shape"]) == (6, 6)
    np.testing.assert_array_equal(got["repeat_same"], got["repeat_again"])
    assert not np.array_equal(got["repeat_same"], got["repeat_other"])
    expected = np.random.RandomState(case.spec["global_seed"]).random_sample()
    assert got["global_draw"] == expected and got["returned_is_input"]


def test_driver_deterministic_fill_gets_no_generator() -> None:
    item = registry.BY_NAME["initializers.constant_"]
    case = registry.build_cases(item, 0, hidden=False)[0]
    got = init_driver.run(reference, "constant_", _spec(case))
    assert set(got) == {"tensor", "returned_is_input", "global_draw"}
    np.testing.assert_array_equal(got["tensor"], case.kwargs["val"])


def test_driver_measures_the_global_generator_even_if_a_submission_rebinds_it() -> None:
    """A submission that restores NumPy's global state leaves global_draw right, but its draws
    no longer follow the generator: raw outputs show it, the check says so."""
    item = registry.BY_NAME["initializers.uniform_"]
    case = registry.build_cases(item, 0, hidden=False)[0]
    seed = np.random.seed
    try:
        cheat = _module("""
            np.random.seed = lambda *a, **k: None  # rebinding does not fool the driver
            def uniform_(tensor, a=0.0, b=1.0, generator=None):
                state = np.random.get_state()
                tensor[...] = np.random.uniform(a, b, size=tensor.shape)
                np.random.set_state(state)
                return tensor
        """)
        got = init_driver.run(cheat, "uniform_", _spec(case))
    finally:
        np.random.seed = seed
    expected = np.random.RandomState(case.spec["global_seed"]).random_sample()
    assert got["global_draw"] == expected
    np.testing.assert_array_equal(got["repeat_same"], got["repeat_other"])
    verdict = item.check(item.oracle(case, "cpu"), got, "default", "cpu", case.data)
    assert "generator` argument is ignored" in verdict.message


def test_driver_reports_what_a_must_raise_case_raised() -> None:
    item = registry.BY_NAME["initializers.eye_"]
    case = next(
        c for c in registry.build_cases(item, 0, hidden=False) if c.spec.get("expect_raise")
    )
    got = init_driver.run(reference, "eye_", _spec(case))
    assert "ValueError" in list(got["raised"])
    assert check_raises(item.oracle(case, "cpu"), got, "default", "cpu", {}).passed


# --------------------------------------------------------------------------- the reference
def _grade_in_process(hidden_seeds: range) -> list[str]:
    """Every initializer case (public and hidden), oracle and driver in this process."""
    failures = []
    for item in ITEMS:
        for case in _cases(item, hidden_seeds):
            exp = item.oracle(case, "cpu")
            got = DRIVERS[item.driver].run(reference, item.attr, _spec(case))
            check = check_raises if "raises" in exp else item.check
            verdict = check(exp, got, "default", "cpu", case.data)
            if not verdict.passed:
                failures.append(f"{item.name} {case.name}: {verdict.message}")
    return failures


def test_reference_passes_public_cases_and_twenty_hidden_seeds() -> None:
    """No false failure of any check (the structural ones included) on 20 hidden draws."""
    assert _grade_in_process(range(100, 120)) == []


# --------------------------------------------------------------------------- stubs earn nothing
STUB_BODIES = {
    "identity": ("return args[0]", "return args[0]", "return args[0]"),
    "zeros": ("args[0][...] = 0\n    return args[0]", "return 0.0", "return 0, 0"),
    "constant": ("args[0][...] = 0.5\n    return args[0]", "return 0.5", "return 0.5, 0.5"),
    "raises": ('raise ValueError("stub")',) * 3,
}


def _stub(kind: str, directory: Path) -> Path:
    fill, gain, fans = STUB_BODIES[kind]
    body = {"calculate_gain": gain, "calculate_fan_in_and_fan_out": fans}
    source = "".join(
        f"def {name}(*args, **kwargs):\n    {body.get(name, fill)}\n\n\n"
        for name in reference.__all__
    )
    directory.mkdir()
    (directory / "initializers.py").write_text(source, encoding="utf-8")
    return directory


def _stub_result(kind: str, tmp_path: Path) -> Any:
    sub = _stub(kind, tmp_path / kind)
    return engine.grade(sub, registry.select(["initializers"]), hidden_seed=5)


@pytest.mark.parametrize("kind", ["identity", "zeros", "constant"])
def test_stub_scores_zero_on_every_item(kind: str, tmp_path: Path) -> None:
    """A zero fill is zeros_'s right answer, so that item alone is earned by the zero stub."""
    result = _stub_result(kind, tmp_path)
    earned = {i.name: i.score for i in result.items if i.score}
    assert earned == ({"initializers.zeros_": 1.0} if kind == "zeros" else {})


def test_raising_stub_earns_only_must_raise_edge_cases(tmp_path: Path) -> None:
    result = _stub_result("raises", tmp_path)
    passed = {(i.name, c.name, c.category) for i in result.items for c in i.cases if c.passed}
    assert passed == {
        ("initializers.calculate_gain", "unknown-nonlinearity", "edge"),
        ("initializers.calculate_gain", "bad-slope", "edge"),
        ("initializers.calculate_fan_in_and_fan_out", "1d-raises", "edge"),
        ("initializers.eye_", "3d-raises", "edge"),
        ("initializers.dirac_", "2d-raises", "edge"),
    }


def test_raising_stub_scores_zero(tmp_path: Path) -> None:
    assert _stub_result("raises", tmp_path).score == 0
