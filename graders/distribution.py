"""Phase 4, compare (initializers): exact parts and seeded statistical tests.

An initializer is called by the ``init`` driver on an array of NaNs with a seeded generator.  The
check requires: the array filled in place and returned; every element written; the same seed
giving the same array and another seed another array; NumPy's global RNG untouched; then the
exact parts (bounds, eye, dirac, orthogonality, zeros per column) and a Kolmogorov-Smirnov test
at a very small significance level on a large sample, so a fan or gain mistake (a factor of
sqrt(2) or more in the scale) is rejected while a correct initializer is not.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from graders.judge import Verdict, compare_array, tolerance

ALPHA = 1e-6  # per test; sample sizes are >= 1e4 so real mistakes give p-values << ALPHA


def kolmogorov_sf(x: float) -> float:
    """P(K > x) for the Kolmogorov distribution (the asymptotic KS p-value)."""
    if x < 0.2:
        return 1.0
    k = np.arange(1, 101)
    return float(min(1.0, max(0.0, 2.0 * np.sum((-1.0) ** (k - 1) * np.exp(-2.0 * k**2 * x**2)))))


def ks_test(sample: np.ndarray, cdf: Any, approx: Any = None) -> tuple[float, float]:
    """One-sample KS statistic D = max_i max(i/n - F(x_(i)), F(x_(i)) - (i-1)/n) and its
    asymptotic p-value.

    ``approx``, if given, is ``(G, eps)``: a cheap CDF with |G - F| <= eps everywhere.  D is
    then found with G, and F evaluated only at the order statistics whose term is within
    2 eps of G's maximum: the term that is D's is among them, so D is exactly what F alone
    gives (scipy.stats.kstest(..., method="asymp") in the tests)."""
    x = np.sort(sample.ravel())
    n = x.size
    upper, lower = np.arange(1, n + 1) / n, np.arange(n) / n
    if approx is not None and n:
        cheap, eps = approx
        g = cheap(x)
        terms = np.maximum(upper - g, g - lower)
        keep = np.flatnonzero(terms >= terms.max() - 2.0 * eps - 1e-12)
        x, upper, lower = x[keep], upper[keep], lower[keep]
    f = cdf(x)
    d = max(float(np.max(upper - f)), float(np.max(f - lower)))
    return d, kolmogorov_sf(math.sqrt(n) * d)


def ndtr(z: Any) -> np.ndarray:
    """Standard normal CDF, elementwise: Phi(z) = erfc(-z / sqrt 2) / 2 with ``math.erfc``
    (accurate in both tails; spares the grader importing scipy; ``map`` over a list is the
    fastest way to call it)."""
    z = np.asarray(z, dtype=np.float64)
    flat = (z / -math.sqrt(2.0)).ravel().tolist()
    erfc = np.fromiter(map(math.erfc, flat), dtype=np.float64, count=len(flat))
    return 0.5 * erfc.reshape(z.shape)


#: Abramowitz & Stegun 7.1.26: erf(x) = 1 - t (a1 + t (a2 + ...)) exp(-x^2), t = 1 / (1 + p x),
#: for x >= 0, with |error| <= 1.5e-7; NDTR_FAST_EPS bounds the error of Phi built from it.
_AS_P = 0.3275911
_AS_A = (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)
NDTR_FAST_EPS = 1e-7


def ndtr_fast(z: Any) -> np.ndarray:
    """Phi(z) to within NDTR_FAST_EPS, vectorised (a filter for :func:`ks_test`, never a
    verdict by itself)."""
    z = np.asarray(z, dtype=np.float64)
    x = np.abs(z) / math.sqrt(2.0)
    t = 1.0 / (1.0 + _AS_P * x)
    poly = t * (_AS_A[0] + t * (_AS_A[1] + t * (_AS_A[2] + t * (_AS_A[3] + t * _AS_A[4]))))
    half_tail = 0.5 * poly * np.exp(-x * x)  # = (1 - erf(|z| / sqrt 2)) / 2
    return np.where(z >= 0, 1.0 - half_tail, half_tail)


def _normal_cdf(mean: float, std: float) -> Any:
    return lambda x: ndtr((x - mean) / std)


def _normal_approx(mean: float, std: float) -> tuple[Any, float]:
    return (lambda x: ndtr_fast((x - mean) / std)), NDTR_FAST_EPS


def _trunc_cdf(mean: float, std: float, a: float, b: float, phi: Any = ndtr) -> Any:
    lo, hi = ndtr((a - mean) / std), ndtr((b - mean) / std)
    return lambda x: np.clip((phi((x - mean) / std) - lo) / (hi - lo), 0.0, 1.0)


def _trunc_approx(mean: float, std: float, a: float, b: float) -> tuple[Any, float]:
    mass = float(ndtr((b - mean) / std) - ndtr((a - mean) / std))
    return _trunc_cdf(mean, std, a, b, ndtr_fast), NDTR_FAST_EPS / mass


def _scale_hint(got_scale: float, want_scale: float, exp: dict[str, Any]) -> str:
    ratio = got_scale / want_scale if want_scale else float("inf")
    hints = []
    fan_in, fan_out = exp.get("fan_in"), exp.get("fan_out")
    gain = exp.get("gain")
    if (
        fan_in
        and fan_out
        and fan_in != fan_out
        and any(
            math.isclose(ratio, math.sqrt(r), rel_tol=0.05)
            for r in (fan_in / fan_out, fan_out / fan_in)
        )
    ):
        hints.append("looks like fan_out was used where fan_in is meant (or vice versa)")
    if gain and gain != 1 and math.isclose(ratio, 1 / gain, rel_tol=0.05):
        hints.append("looks like the gain is missing")
    if math.isclose(ratio, math.sqrt(3), rel_tol=0.05):
        hints.append("looks like the uniform bound was used as the normal std")
    if want_scale < 1 and math.isclose(got_scale, want_scale**2, rel_tol=0.05):
        hints.append("looks like the variance was used as the std")
    return ("; " + "; ".join(hints)) if hints else ""


def _dist_check(t: np.ndarray, exp: dict[str, Any]) -> Verdict:
    kind = exp["dist"]
    what = exp.get("what", "")
    if kind == "uniform":
        lo, hi = float(exp["low"]), float(exp["high"])
        eps = 1e-12 * max(1.0, abs(lo), abs(hi))
        if t.min() < lo - eps or t.max() > hi + eps:
            return Verdict(
                False,
                f"values in [{t.min():.6g}, {t.max():.6g}] but {what}U({lo:.6g}, "
                f"{hi:.6g}) was expected"
                + _scale_hint(float(np.max(np.abs(t))), max(abs(lo), abs(hi)), exp),
            )
        d, p = ks_test(t, lambda x: np.clip((x - lo) / (hi - lo), 0.0, 1.0))
        label = f"U({lo:.6g}, {hi:.6g})"
        scale, want = float(t.std()), (hi - lo) / math.sqrt(12)
    elif kind in ("normal", "trunc_normal"):
        mean, std = float(exp["mean"]), float(exp["std"])
        if kind == "trunc_normal":
            a, b = float(exp["a"]), float(exp["b"])
            if t.min() < a or t.max() > b:
                return Verdict(
                    False,
                    f"values in [{t.min():.6g}, {t.max():.6g}] fall outside the "
                    f"truncation [{a:.6g}, {b:.6g}]",
                )
            d, p = ks_test(t, _trunc_cdf(mean, std, a, b), _trunc_approx(mean, std, a, b))
            label = f"N({mean:.6g}, {std:.6g}^2) truncated to [{a:.6g}, {b:.6g}]"
            scale, want = float(t.std()), float(exp.get("sample_std", std))
        else:
            d, p = ks_test(t, _normal_cdf(mean, std), _normal_approx(mean, std))
            label = f"N({mean:.6g}, {std:.6g}^2)"
            scale, want = float(t.std()), std
    else:
        raise ValueError(f"unknown distribution {kind}")
    details = {
        "ks_statistic": d,
        "p_value": p,
        "alpha": ALPHA,
        "sample_std": scale,
        "expected_std": want,
        "n": int(t.size),
    }
    if p < ALPHA:
        return Verdict(
            False,
            f"sample does not follow {what}{label}: KS D={d:.4g}, p={p:.3g} "
            f"< {ALPHA:g} (sample std {scale:.6g}, expected {want:.6g})"
            + _scale_hint(scale, want, exp),
            details,
        )
    return Verdict(True, details=details)


def _flag(got: dict[str, np.ndarray], name: str) -> bool:
    """A 0-d boolean output that is True (anything else counts as False)."""
    value = got.get(name)
    return type(value) is np.ndarray and value.shape == () and value.dtype == bool and bool(value)


def check_initializer(
    expected: dict[str, Any],
    got: dict[str, np.ndarray],
    tol: str,
    device: str,
    case_data: dict[str, Any],
) -> Verdict:
    """In place, every element written, seeded, global RNG untouched, then exact or KS."""
    exp = {
        k: (v.item() if isinstance(v, np.ndarray) and v.ndim == 0 else v)
        for k, v in expected.items()
    }
    t = got.get("tensor")
    if type(t) is not np.ndarray or "returned_is_input" not in got:
        return Verdict(False, "no array came back")
    if t.shape != tuple(np.asarray(exp["shape"]).tolist()):
        return Verdict(False, f"the array changed shape to {t.shape}")
    if not _flag(got, "returned_is_input"):
        return Verdict(
            False,
            "did not return the array it was given (fill `tensor` in place "
            "and return it, as torch.nn.init does)",
        )
    if t.dtype.kind != "f":
        return Verdict(False, f"the array's dtype changed to {t.dtype}")
    if np.isnan(t).any() and exp["dist"] != "exact":
        return Verdict(False, f"{int(np.isnan(t).sum())} of {t.size} elements were not written")
    if "global_draw" in got and not np.array_equal(got["global_draw"], exp["global_draw"]):
        return Verdict(
            False,
            "used NumPy's global random state (np.random.*); draw from the "
            "`generator` argument instead",
        )
    if exp.get("random"):
        same, again, other = (got.get(k) for k in ("repeat_same", "repeat_again", "repeat_other"))
        if not all(type(a) is np.ndarray for a in (same, again, other)):
            return Verdict(False, "the repeated calls returned no array")
        if not np.array_equal(same, again, equal_nan=True):
            return Verdict(
                False,
                "the same seed gave a different array: draw only from the `generator` argument",
            )
        if same.shape == other.shape and np.array_equal(same, other, equal_nan=True):
            return Verdict(
                False, "another seed gave the same array: the `generator` argument is ignored"
            )
    dist = exp["dist"]
    if dist == "exact":
        rtol, atol = tolerance("default", np.dtype("float64"), "cpu")
        return compare_array("tensor", np.asarray(expected["value"]), t, rtol, atol)
    if dist == "orthogonal":
        rows = t.shape[0]
        flat = t.reshape(rows, -1)
        gram = flat.T @ flat if rows >= flat.shape[1] else flat @ flat.T
        target = float(exp["gain"]) ** 2 * np.eye(gram.shape[0])
        v = compare_array("gram", target, gram, 1e-9, 1e-9)
        if not v.passed:
            return Verdict(
                False,
                "not orthogonal (scaled by gain): Q^T Q differs from gain^2 I "
                + v.message.split("student vs torch", 1)[-1],
                v.details,
            )
        return Verdict(True)
    if dist == "sparse":
        zeros = (t == 0).sum(axis=0)
        want = int(exp["zeros_per_column"])
        if not np.all(zeros == want):
            col = int(np.argmax(zeros != want))
            return Verdict(
                False,
                f"column {col} has {int(zeros[col])} zeros; torch zeroes "
                f"ceil(sparsity * rows) = {want} in every column",
            )
        return _dist_check(t[t != 0], {**exp, "dist": "normal", "mean": 0.0})
    return _dist_check(t, exp)
