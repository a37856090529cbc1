r"""The check of every fill item: what the ``init`` driver brought back, judged grader-side.

The driver returns raw outputs only: ``tensor`` (the array after the call, seed s),
``returned_is_input``, ``repeat_same``/``repeat_again``/``repeat_other`` (three calls on a small
array with seeds s, s, s + 1) and ``global_draw`` (NumPy's global generator's next draw after all
the calls).  :func:`check_initializer` decides, in this order (the first failure is the message):

1. the contract of an in-place fill: an array came back, same shape, the very array given,
   still float64, every element written;
2. the randomness: NumPy's global generator untouched, the same seed the same draw, another seed
   another draw (a generator ignored, or one seeded inside the function, gives the same);
3. the values:

   * exact fills (eye_, dirac_, constant_, ...): element by element against torch;
   * random laws (uniform_, normal_, trunc_normal_, xavier_*, kaiming_*): no two identical
     lines (:func:`repeated_line`), the support, then the one-sample Kolmogorov-Smirnov test
     (:func:`ks_test`) at :data:`ALPHA`, with a hint when the scale is off by a fan ratio, the
     gain, sqrt(3) or a square; a fit closer than random draws give (:data:`TOO_CLOSE`: values
     computed, not drawn); Neyman's smooth test (:func:`smooth_test`) at :data:`ALPHA`, which
     sees a scale a few percent off, or a law with the right mean and variance but other
     tails, where KS does not;
   * orthogonal_: :math:`Q^\top Q = \text{gain}^2 I`, then three statistics of a random
     (Haar) orthogonal matrix: its largest entry (:func:`haar_largest_entry`), the signs of
     its diagonal (:func:`haar_diagonal_signs`) and the law of its entries (KS against
     :func:`haar_entry_cdf` at ALPHA: a structured basis with random signs fails);
   * sparse_: ``ceil(sparsity * rows)`` zeros in every column, zero rows drawn independently
     per column (:func:`zero_rows_spread`), no identical lines, the law of the non-zeros.

False failures: the KS and smooth tests reject a correct sample with probability :data:`ALPHA`
= 1e-6 each per case (its sample sizes, 10^4 to 10^5, make a fan or gain mistake give p-values
far below that; the entries of an orthogonal matrix are not independent, and their KS p-values
were checked uniform on 3000 of torch's matrices).  Every structural test rejects a correct
initializer with probability at most :data:`STRUCTURE_ALPHA` = 1e-9 per case: each computes an
exact tail probability (or a bound on it) and a union bound over what it looks at, and fails
only below 1e-9.  scipy gives the normal CDF, the Kolmogorov, beta, binomial and chi-square
tails (``scipy.special``, imported when a check first needs it: the grader starts without it).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from graders.judge import Verdict, compare_array, tolerance

ALPHA = 1e-6  # per KS test
STRUCTURE_ALPHA = 1e-9  # per structural test (a bound on its false-failure probability)
#: Slack on |entry| / gain for rounding in a student's QR and in the multiplication by the gain.
ROUNDING = 1e-9
Cdf = Callable[[np.ndarray], np.ndarray]
_GOLDEN = 0x9E3779B97F4A7C15  # an odd 64-bit multiplier (2^64 / golden ratio)


# --------------------------------------------------------------------------- statistics
def ks_test(sample: np.ndarray, cdf: Cdf) -> tuple[float, float]:
    """One-sample two-sided KS: ``D = max_i max(i/n - F(x_(i)), F(x_(i)) - (i-1)/n)`` over the
    sorted sample and its asymptotic p-value ``P(K > sqrt(n) D)`` (``scipy.special.kolmogorov``);
    both as ``scipy.stats.kstest(sample, cdf, method="asymp")`` gives them."""
    return ks_uniform(np.sort(cdf(np.ravel(sample))))


def ks_uniform(f: np.ndarray) -> tuple[float, float]:
    """:func:`ks_test` of the sorted values ``f = F(x_(i))`` (uniform under the law; F is
    monotone, so sorting F(x) is F of the sorted x)."""
    from scipy.special import kolmogorov

    n = f.size
    d = max(float(np.max(np.arange(1, n + 1) / n - f)), float(np.max(f - np.arange(n) / n)))
    return d, float(kolmogorov(math.sqrt(n) * d))


#: A sample whose KS statistic has ``sqrt(n) D`` below this fits its law closer than random
#: draws do with probability at most 6.4e-10 for every n (the most at n = 11; 5e-13 for large
#: n: the exact law of D, ``scipy.stats.kstwo``), under STRUCTURE_ALPHA.  A grid of quantiles
#: or a low-discrepancy sequence has ``D`` near ``1 / n``: ``sqrt(n) D`` near ``1 / sqrt(n)``.
TOO_CLOSE = 0.2


#: The components of the smooth test, in order (each answers mostly to one of these).
SMOOTH_COMPONENTS = ("centre", "spread", "skew", "tails")


def smooth_test(f: np.ndarray) -> tuple[np.ndarray, float]:
    r"""Neyman's smooth test of order 4 (Neyman 1937; Rayner & Best, *Smooth Tests of Goodness
    of Fit*) of ``f``, the values :math:`u_i = F(x_i)` (uniform under the law): the components

    .. math:: U_j = n^{-1/2} \sum_i \sqrt{2j + 1}\, P_j(2 u_i - 1), \qquad j = 1..4,

    (:math:`P_j` Legendre's polynomials, ``numpy.polynomial.legendre``) are independent and
    N(0, 1) under the law, and answer to a shift, a scale, a skew and tails heavier or lighter
    than the law's; ``(U, p)`` with p the chi-square tail of :math:`\sum_j U_j^2` on 4 degrees
    of freedom (``scipy.special.chdtrc``).  Where KS sees the largest gap between the CDFs,
    this sees the moments: a std 2% off, or a law with the right mean and variance but other
    tails (a sum of a few uniforms, a Student t), fails it at 10^5 draws where KS passes."""
    from numpy.polynomial import legendre
    from scipy.special import chdtrc

    z = 2.0 * np.ravel(f) - 1.0
    order = len(SMOOTH_COMPONENTS)
    norms = np.sqrt(2.0 * np.arange(1, order + 1) + 1.0)
    u = norms * legendre.legvander(z, order)[:, 1:].sum(axis=0) / math.sqrt(z.size)
    return u, float(chdtrc(order, float(u @ u)))


def _probability(p: float) -> str:
    return f"{p:.1e}" if p >= 1e-300 else "below 1e-300"


def _lines(t: np.ndarray, axis: int) -> np.ndarray:
    """The 1-D slices of ``t`` along ``axis``, one per row, C-contiguous."""
    return np.ascontiguousarray(np.moveaxis(t, axis, -1).reshape(-1, t.shape[axis]))


def repeated_line(t: np.ndarray) -> tuple[int, int, int] | None:
    """``(axis, i, j)``: lines ``i < j`` along ``axis`` that are identical (byte for byte) and
    hold at least two non-zero values; None if there are none.

    Bound: in a correct fill the non-zero values are independent draws of a continuous law in
    float64, two of which coincide with probability p <= 2^-40 (NumPy's and torch's draws
    carry 52 or 53 random bits); two lines agreeing on two independent non-zero values has
    probability <= p^2 = 2^-80, and a tensor of n <= 10^6 elements has at most ndim * n^2 / 2
    <= 2.5 * 10^12 pairs of lines: at most 2.1e-12 in all, below STRUCTURE_ALPHA.
    """
    for axis in range(t.ndim):
        if t.shape[axis] < 2 or t.size < 2 * t.shape[axis]:
            continue
        bits = _lines(t, axis).view(f"u{t.itemsize}").astype(np.uint64)
        mix = np.arange(1, 2 * bits.shape[1], 2, dtype=np.uint64) * np.uint64(_GOLDEN)
        hashes = (bits * mix).sum(axis=1)  # a hash of each line's bytes (modulo 2^64)
        order = np.argsort(hashes, kind="stable")
        k = np.flatnonzero(hashes[order[1:]] == hashes[order[:-1]])
        first, second = bits[order[k]], bits[order[k + 1]]
        # equal bytes, and at least 2 values that are not +-0 (the sign bit shifted out)
        found = np.all(first == second, axis=1) & (np.count_nonzero(first << 1, axis=1) >= 2)
        if found.any():
            pair = order[k[np.argmax(found)]], order[k[np.argmax(found)] + 1]
            return axis, int(min(pair)), int(max(pair))
    return None


def _where(shape: tuple[int, ...], axis: int, line: int) -> str:
    """``tensor[3, :, 1]`` for line 3 * shape[2] + 1 along axis 1."""
    others = [s for k, s in enumerate(shape) if k != axis]
    index = [str(int(i)) for i in np.unravel_index(line, others)] if others else []
    index.insert(axis, ":")
    return f"tensor[{', '.join(index)}]"


def haar_largest_entry(tall: np.ndarray) -> tuple[float, float]:
    r"""``(x, p)``: the largest ``|entry|`` of ``tall`` (m x k, orthonormal columns) and the
    probability that a random orthogonal matrix of that shape has an entry at least that
    large, bounded by the union over its m k entries.

    Each column of a Haar matrix is uniform on the unit sphere of R^m, so each entry u has
    :math:`u^2 \sim \text{Beta}(1/2, (m-1)/2)` and
    :math:`P(|u| \ge x) = I_{1-x^2}((m-1)/2, 1/2)` (``scipy.special.betainc``).  ``x`` is
    lowered by :data:`ROUNDING` first, so a correct matrix fails with probability at most the
    bound: below STRUCTURE_ALPHA whenever this p is.  A (signed) permutation or identity has
    x = 1: p is 6e-13 for a 4 x 4 one, 3e-64 for 16 x 16."""
    from scipy.special import betainc

    m, k = tall.shape
    x = float(np.max(np.abs(tall)))
    if m < 2:
        return x, 1.0
    s = min(1.0, max(0.0, x - ROUNDING))
    return x, min(1.0, m * k * float(betainc((m - 1) / 2, 0.5, 1.0 - s * s)))


def haar_entry_cdf(m: int) -> Cdf:
    r"""The CDF of one entry of a random (Haar) orthogonal matrix with columns of length m:
    :math:`u^2 \sim \text{Beta}(1/2, (m-1)/2)` (see :func:`haar_largest_entry`) and u is
    symmetric, so :math:`F(u) = (1 + \operatorname{sign}(u)\, I_{u^2}(1/2, (m-1)/2)) / 2`
    (``scipy.special.betainc``); about N(0, 1/m) for large m."""
    from scipy.special import betainc

    return lambda u: 0.5 + 0.5 * np.sign(u) * betainc(0.5, (m - 1) / 2, np.minimum(u * u, 1.0))


def haar_diagonal_signs(tall: np.ndarray) -> tuple[int, int, float]:
    """``(negative, k, p)``: how many of the k diagonal entries of ``tall`` are negative, and
    the two-sided binomial p-value of that count under Bin(k, 1/2).

    A Haar matrix Q (m x k) has the law of Q D for every diagonal D of signs, so the signs of
    its diagonal are independent fair coins: the count is exactly Bin(k, 1/2)
    (``scipy.special.bdtr``/``bdtrc``).  A QR without torch's sign fix (Q times
    sign(diag R)) leaves about 80 % to 95 % of them negative."""
    from scipy.special import bdtr, bdtrc

    k = min(tall.shape)
    negative = int(np.count_nonzero(np.diagonal(tall) < 0))
    tail = min(float(bdtr(negative, k, 0.5)), float(bdtrc(negative - 1, k, 0.5)))
    return negative, k, min(1.0, 2.0 * tail)


def zero_rows_spread(zero: np.ndarray, per_column: int) -> tuple[int, int, float]:
    """``(row, count, p)`` for a boolean (rows, cols) mask with ``per_column`` zeros per
    column: the row whose number of zeros across the columns is the most extreme, that number,
    and the probability of a count that extreme in any row.

    torch draws each column's zero rows independently and uniformly, so row i is zero in
    Z_i ~ Bin(cols, per_column / rows) columns.  Each tail is tested at half the level:
    ``p = 2 min(rows P(Z >= max Z_i), rows P(Z <= min Z_i))`` (binomial tails, a union bound
    over rows), so P(p < alpha) <= alpha.  The same zero rows in every column give Z_i = cols:
    p ~ 2 rows (per_column / rows)^cols."""
    from scipy.special import bdtr, bdtrc

    rows, cols = zero.shape
    if per_column in (0, rows) or cols == 0:
        return 0, 0, 1.0
    counts = np.count_nonzero(zero, axis=1)
    q = per_column / rows
    hi, lo = int(np.argmax(counts)), int(np.argmin(counts))
    p_hi = rows * float(bdtrc(int(counts[hi]) - 1, cols, q))
    p_lo = rows * float(bdtr(int(counts[lo]), cols, q))
    row = hi if p_hi <= p_lo else lo
    return row, int(counts[row]), min(1.0, 2.0 * min(p_hi, p_lo))


# --------------------------------------------------------------------------- laws
def _normal_cdf(mean: float, std: float) -> Cdf:
    from scipy.special import ndtr

    return lambda x: ndtr((x - mean) / std)


def _trunc_cdf(mean: float, std: float, a: float, b: float) -> Cdf:
    """(Phi(z) - Phi(alpha)) / (Phi(beta) - Phi(alpha)), written with the upper tails when the
    interval lies above the mean (no cancellation far out)."""
    from scipy.special import ndtr

    alpha, beta = (a - mean) / std, (b - mean) / std
    if alpha > 0:
        top, mass = ndtr(-alpha), ndtr(-alpha) - ndtr(-beta)
        return lambda x: np.clip((top - ndtr(-(x - mean) / std)) / mass, 0.0, 1.0)
    low, mass = ndtr(alpha), ndtr(beta) - ndtr(alpha)
    return lambda x: np.clip((ndtr((x - mean) / std) - low) / mass, 0.0, 1.0)


def _law(exp: dict[str, Any]) -> tuple[Cdf, str, float, tuple[float, float] | None]:
    """(CDF, label, the law's std, the support to check first) of a uniform, normal or
    truncated normal law."""
    kind = exp["dist"]
    if kind == "uniform":
        lo, hi = float(exp["low"]), float(exp["high"])
        cdf = lambda x: np.clip((x - lo) / (hi - lo), 0.0, 1.0)  # noqa: E731
        return cdf, f"U({lo:.6g}, {hi:.6g})", (hi - lo) / math.sqrt(12), (lo, hi)
    mean, std = float(exp["mean"]), float(exp["std"])
    if kind == "normal":
        return _normal_cdf(mean, std), f"N({mean:.6g}, {std:.6g}^2)", std, None
    a, b = float(exp["a"]), float(exp["b"])
    label = f"N({mean:.6g}, {std:.6g}^2) truncated to [{a:.6g}, {b:.6g}]"
    return _trunc_cdf(mean, std, a, b), label, float(exp["sample_std"]), (a, b)


def _scale_hint(got_scale: float, want_scale: float, exp: dict[str, Any]) -> str:
    ratio = got_scale / want_scale if want_scale else float("inf")
    hints = []
    fan_in, fan_out, gain = exp.get("fan_in"), exp.get("fan_out"), exp.get("gain")
    if fan_in and fan_out and fan_in != fan_out:
        swapped = (math.sqrt(fan_in / fan_out), math.sqrt(fan_out / fan_in))
        if any(math.isclose(ratio, r, rel_tol=0.05) for r in swapped):
            hints.append("looks like fan_out was used where fan_in is meant (or vice versa)")
    if gain and gain != 1 and math.isclose(ratio, 1 / gain, rel_tol=0.05):
        hints.append("looks like the gain is missing")
    if math.isclose(ratio, math.sqrt(3), rel_tol=0.05):
        hints.append("looks like the uniform bound was used as the normal std")
    if want_scale < 1 and math.isclose(got_scale, want_scale**2, rel_tol=0.05):
        hints.append("looks like the variance was used as the std")
    return ("; " + "; ".join(hints)) if hints else ""


def _outside(t: np.ndarray, exp: dict[str, Any], support: tuple[float, float]) -> Verdict | None:
    lo, hi = support
    what = exp.get("what", "")
    if exp["dist"] == "trunc_normal":
        if t.min() >= lo and t.max() <= hi:
            return None
        return Verdict(False, f"values in [{t.min():.6g}, {t.max():.6g}] fall outside the "
                       f"truncation [{lo:.6g}, {hi:.6g}]")  # fmt: skip
    eps = 1e-12 * max(1.0, abs(lo), abs(hi))
    if t.min() >= lo - eps and t.max() <= hi + eps:
        return None
    hint = _scale_hint(float(np.max(np.abs(t))), max(abs(lo), abs(hi)), exp)
    return Verdict(False, f"values in [{t.min():.6g}, {t.max():.6g}] but {what}U({lo:.6g}, "
                   f"{hi:.6g}) was expected" + hint)  # fmt: skip


def _independent(t: np.ndarray) -> Verdict | None:
    found = repeated_line(t)
    if found is None:
        return None
    axis, i, j = found
    return Verdict(
        False,
        f"{_where(t.shape, axis, i)} and {_where(t.shape, axis, j)} are identical: a correct "
        "initializer draws every element independently (identical lines happen with "
        f"probability below {STRUCTURE_ALPHA:g}); do not tile or repeat a smaller draw",
    )


def check_law(t: np.ndarray, exp: dict[str, Any]) -> Verdict:
    """No identical lines, the support, then the law: KS at ALPHA, a fit too close to be drawn
    at random (:data:`TOO_CLOSE`), Neyman's smooth test at ALPHA."""
    cdf, label, want, support = _law(exp)
    bad = _independent(t) or (_outside(t, exp, support) if support else None)
    if bad:
        return bad
    f = np.sort(cdf(np.ravel(t)))  # (F once: KS and the smooth test both read it)
    d, p = ks_uniform(f)
    scale = float(t.std())
    law = f"{exp.get('what', '')}{label}"
    details: dict[str, Any] = dict(
        ks_statistic=d, p_value=p, alpha=ALPHA, sample_std=scale, expected_std=want, n=t.size
    )
    if p < ALPHA:
        return Verdict(
            False,
            f"sample does not follow {law}: KS D={d:.4g}, p={p:.3g} < {ALPHA:g} (sample std "
            f"{scale:.6g}, expected {want:.6g})" + _scale_hint(scale, want, exp),
            details,
        )
    if math.sqrt(t.size) * d < TOO_CLOSE:
        return Verdict(
            False,
            f"the sample fits {law} closer than random draws can (KS D={d:.4g}: sqrt(n) D below "
            f"{TOO_CLOSE}, probability under {STRUCTURE_ALPHA:g}): its values look computed (a "
            "grid of quantiles, a low-discrepancy sequence), not drawn from the `generator`",
            details,
        )
    u, p_smooth = smooth_test(f)
    details |= {"smooth_components": [round(float(c), 4) for c in u], "smooth_p_value": p_smooth}
    if p_smooth >= ALPHA:
        return Verdict(True, details=details)
    parts = ", ".join(f"{name} {c:.3g}" for name, c in zip(SMOOTH_COMPONENTS, u, strict=True))
    return Verdict(
        False,
        f"sample does not follow {law}: KS passes (p={p:.3g}) but Neyman's smooth test does "
        f"not (p={p_smooth:.3g} < {ALPHA:g}; its components, each about N(0, 1) for draws of "
        f"the law: {parts}); sample std {scale:.6g}, expected {want:.6g}"
        + _scale_hint(scale, want, exp),
        details,
    )


# --------------------------------------------------------------------------- structured fills
def check_orthogonal(t: np.ndarray, exp: dict[str, Any]) -> Verdict:
    """Q^T Q = gain^2 I (on the flattened matrix, transposed when wide), then the Haar
    matrix's largest entry, diagonal signs and the law of its entries."""
    gain = abs(float(exp["gain"]))
    flat = t.reshape(t.shape[0], -1)
    tall = flat if flat.shape[0] >= flat.shape[1] else flat.T
    gram = compare_array("gram", gain**2 * np.eye(tall.shape[1]), tall.T @ tall, 1e-9, 1e-9)
    if not gram.passed:
        return Verdict(False, "not orthogonal (scaled by gain): Q^T Q differs from gain^2 I "
                       + gram.message.split("student vs torch", 1)[-1], gram.details)  # fmt: skip
    x, p = haar_largest_entry(tall / gain)
    if p < STRUCTURE_ALPHA:
        return Verdict(
            False,
            f"an entry is {x:.6g} * gain; a random orthogonal matrix of this shape has one "
            f"that large with probability {_probability(p)}: this looks like a (signed) "
            "permutation or identity, not the Q of a Gaussian matrix's QR",
        )
    negative, k, p = haar_diagonal_signs(tall)
    if p < STRUCTURE_ALPHA:
        return Verdict(
            False,
            f"{negative} of the {k} diagonal entries are negative (probability {p:.1e} for a "
            "random orthogonal matrix, whose signs are fair coins): multiply Q by "
            "sign(diag(R)) after the QR, as torch does",
        )
    if tall.shape[0] < 2:
        return Verdict(True)
    d, p = ks_test(tall / gain, haar_entry_cdf(tall.shape[0]))
    if p < ALPHA:
        return Verdict(
            False,
            f"the entries of Q / gain do not follow a random orthogonal matrix's (KS D={d:.4g}, "
            f"p={p:.3g} < {ALPHA:g}; each entry of one has u^2 ~ Beta(1/2, (m-1)/2)): a "
            "structured orthogonal matrix (a cosine or Hadamard basis, a few rotations of the "
            "identity) with random signs or columns is not the Q of a Gaussian matrix's QR",
        )
    return Verdict(True)


def check_sparse(t: np.ndarray, exp: dict[str, Any]) -> Verdict:
    """ceil(sparsity * rows) zeros per column, drawn per column; the rest N(0, std^2)."""
    zero = t == 0
    want = int(exp["zeros_per_column"])
    per_column = zero.sum(axis=0)
    if not np.all(per_column == want):
        col = int(np.argmax(per_column != want))
        return Verdict(False, f"column {col} has {int(per_column[col])} zeros; torch zeroes "
                       f"ceil(sparsity * rows) = {want} in every column")  # fmt: skip
    row, count, p = zero_rows_spread(zero, want)
    if p < STRUCTURE_ALPHA:
        return Verdict(
            False,
            f"row {row} is zero in {count} of {t.shape[1]} columns (probability "
            f"{_probability(p)}): torch draws the zero rows of each column independently, "
            "not the same rows for all",
        )
    return _independent(t) or check_law(t[~zero], {**exp, "dist": "normal", "mean": 0.0})


# --------------------------------------------------------------------------- the check
def _flag(got: dict[str, np.ndarray], name: str) -> bool:
    """A 0-d boolean output that is True (anything else counts as False)."""
    value = got.get(name)
    return type(value) is np.ndarray and value.shape == () and value.dtype == bool and bool(value)


def _contract(t: Any, exp: dict[str, Any], got: dict[str, np.ndarray]) -> Verdict | None:
    """An array came back, same shape, the very array given, still float64, every element
    written."""
    if type(t) is not np.ndarray or "returned_is_input" not in got:
        return Verdict(False, "no array came back")
    if t.shape != tuple(np.asarray(exp["shape"]).tolist()):
        return Verdict(False, f"the array changed shape to {t.shape}")
    if not _flag(got, "returned_is_input"):
        return Verdict(False, "did not return the array it was given (fill `tensor` in place "
                       "and return it, as torch.nn.init does)")  # fmt: skip
    if t.dtype != np.float64:  # (the array given is float64, as torch's is in the oracle)
        return Verdict(False, f"the array's dtype changed to {t.dtype}")
    if np.isnan(t).any() and exp["dist"] != "exact":
        return Verdict(False, f"{int(np.isnan(t).sum())} of {t.size} elements were not written")
    return None


def _randomness(exp: dict[str, Any], got: dict[str, np.ndarray]) -> Verdict | None:
    """Global generator untouched; for a random fill, the same seed the same draw and another
    seed another draw."""
    if not np.array_equal(np.asarray(got.get("global_draw")), exp["global_draw"]):
        return Verdict(False, "used NumPy's global random state (np.random.*); draw from the "
                       "`generator` argument instead")  # fmt: skip
    if not exp.get("random"):
        return None
    repeats = [got.get(k) for k in ("repeat_same", "repeat_again", "repeat_other")]
    if not all(type(a) is np.ndarray for a in repeats):
        return Verdict(False, "the repeated calls returned no array")
    same, again, other = (np.asarray(a) for a in repeats)
    if not np.array_equal(same, again, equal_nan=True):
        return Verdict(False, "the same seed gave a different array: draw only from the "
                       "`generator` argument")  # fmt: skip
    if np.array_equal(same, other, equal_nan=True):
        return Verdict(False, "another seed gave the same array: the `generator` argument is "
                       "ignored (a generator seeded inside the function, or NumPy's global "
                       "one, does not follow it)")  # fmt: skip
    return None


def check_initializer(
    expected: dict[str, Any],
    got: dict[str, np.ndarray],
    tol: str,
    device: str,
    case_data: dict[str, Any],
) -> Verdict:
    """In place, every element written, seeded, global RNG untouched, then the values: exact,
    orthogonal, sparse or a law (see the module's docstring)."""
    exp = {
        k: (v.item() if isinstance(v, np.ndarray) and v.ndim == 0 else v)
        for k, v in expected.items()
    }
    t = got.get("tensor")
    bad = _contract(t, exp, got) or _randomness(exp, got)
    if bad:
        return bad
    assert isinstance(t, np.ndarray)
    if exp["dist"] == "exact":
        rtol, atol = tolerance("default", np.dtype("float64"), "cpu")
        return compare_array("tensor", np.asarray(expected["value"]), t, rtol, atol)
    if exp["dist"] == "orthogonal":
        return check_orthogonal(t, exp)
    if exp["dist"] == "sparse":
        return check_sparse(t, exp)
    return check_law(t, exp)
