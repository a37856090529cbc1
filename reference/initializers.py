r"""Weight initializers: ``torch.nn.init`` in NumPy, filling an array in place.

Every function takes a NumPy array ``tensor``, overwrites its elements and returns the *same*
object, exactly as ``torch.nn.init.<name>`` does with a tensor. Random fills draw from
``generator`` (a :class:`numpy.random.Generator`); when it is ``None`` a fresh
``np.random.default_rng()`` is used, never the global ``np.random`` state.

Shapes follow torch's weight layout: ``(out_features, in_features)`` for a linear layer and
``(out_channels, in_channels / groups, *kernel)`` for a convolution, so that

.. math::

    \text{fan\_in} = \text{shape}[1] \prod_{i \ge 2} \text{shape}[i], \qquad
    \text{fan\_out} = \text{shape}[0] \prod_{i \ge 2} \text{shape}[i].

The notes (seeds 000-002) write :math:`n_i` (or :math:`K \times K \times C`) for fan_in and
:math:`n_{i+1}` for fan_out, and :math:`D(W)` for the variance. The ``gain`` of every function
multiplies the *standard deviation*; the variance scales by ``gain**2``.

Conventions shared by all functions:

* Samples are drawn in float64 and cast to ``tensor.dtype`` on assignment; random fills need a
  floating ``tensor`` (``TypeError`` otherwise), deterministic fills accept any dtype.
* The same generator state gives the same array; values are *not* bit-equal to torch's, whose
  random streams differ. Only the distributions are the contract.
* Invalid arguments raise ``ValueError`` with torch's message where torch has one.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

__all__ = [
    "calculate_fan_in_and_fan_out",
    "calculate_gain",
    "constant_",
    "dirac_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "orthogonal_",
    "sparse_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]


# ---------------------------------------------------------------------------------------------
# private helpers: argument checks and the random source
# ---------------------------------------------------------------------------------------------


def _rng(generator: np.random.Generator | None) -> np.random.Generator:
    """The generator to draw from: ``generator`` itself, or a fresh ``np.random.default_rng()``.

    Convention: never the global ``np.random`` state; a legacy ``RandomState`` or an integer
    seed is refused with ``TypeError`` (use ``np.random.default_rng(seed)``).
    """
    # BEGIN SOLUTION
    if generator is None:
        return np.random.default_rng()
    if not isinstance(generator, np.random.Generator):
        raise TypeError(
            "generator must be a numpy.random.Generator or None, "
            f"got {type(generator).__name__} (use numpy.random.default_rng(seed))"
        )
    return generator
    # END SOLUTION


def _check_array(tensor: np.ndarray, name: str, *, floating: bool) -> None:
    """Raise ``TypeError`` unless ``tensor`` is an ndarray (of a real floating dtype if asked).

    Convention: random fills refuse integer arrays instead of silently truncating the samples.
    """
    # BEGIN SOLUTION
    if not isinstance(tensor, np.ndarray):
        raise TypeError(f"{name}: tensor must be a numpy.ndarray, got {type(tensor).__name__}")
    if floating and not np.issubdtype(tensor.dtype, np.floating):
        raise TypeError(f"{name}: tensor must have a floating dtype, got {tensor.dtype}")
    # END SOLUTION


# ---------------------------------------------------------------------------------------------
# gain and fans
# ---------------------------------------------------------------------------------------------


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    r"""Recommended gain for a nonlinearity: the factor on the weights' standard deviation.

    .. math::

        \text{gain} = \begin{cases}
            1 & \text{linear, conv\{1,2,3\}d, conv\_transpose\{1,2,3\}d, sigmoid} \\
            5/3 & \text{tanh} \\
            \sqrt{2} & \text{relu} \\
            \sqrt{2 / (1 + \text{negative\_slope}^2)} & \text{leaky\_relu} \\
            3/4 & \text{selu}
        \end{cases}

    ``param`` is leaky_relu's negative_slope (default 0.01) and is ignored otherwise.
    Scales the std, so the variance is multiplied by :math:`\text{gain}^2` (He et al. 2015
    for relu/leaky_relu; the selu value is torch's empirical choice).
    Matches ``torch.nn.init.calculate_gain(nonlinearity, param)``.

    Convention: returns a float (torch returns the int ``1`` for the gain-1 names); a
    leaky_relu ``param`` must be a real number and not a bool, as in torch, with NumPy real
    scalars also accepted. Unknown names raise ``ValueError("Unsupported nonlinearity ...")``.
    """
    # BEGIN SOLUTION
    gain_one = (
        "linear",
        "conv1d",
        "conv2d",
        "conv3d",
        "conv_transpose1d",
        "conv_transpose2d",
        "conv_transpose3d",
        "sigmoid",
    )
    if nonlinearity in gain_one:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif isinstance(param, bool | np.bool_) or not isinstance(
            param, int | float | np.integer | np.floating
        ):
            raise ValueError(f"negative_slope {param} not a valid number")
        else:
            negative_slope = float(param)
        return math.sqrt(2.0 / (1 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")
    # END SOLUTION


def calculate_fan_in_and_fan_out(tensor: np.ndarray) -> tuple[int, int]:
    r"""Number of inputs and outputs each weight connects, from the weight's shape.

    .. math::

        \text{receptive} = \prod_{i \ge 2} \text{shape}[i], \quad
        \text{fan\_in} = \text{shape}[1] \cdot \text{receptive}, \quad
        \text{fan\_out} = \text{shape}[0] \cdot \text{receptive}

    ``tensor``: at least 2-D, ``(out, in)`` or ``(out, in / groups, *kernel)``; for a
    ``(C_out, C, K, K)`` conv weight fan_in is the notes' :math:`K \times K \times C`.
    Matches ``torch.nn.init._calculate_fan_in_and_fan_out(tensor)``.

    Convention: a ``(in, out)`` matrix used as ``x @ w`` must be passed transposed, as in torch.
    """
    # BEGIN SOLUTION
    if tensor.ndim < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"
        )
    receptive_field_size = math.prod(int(s) for s in tensor.shape[2:])
    fan_in = int(tensor.shape[1]) * receptive_field_size
    fan_out = int(tensor.shape[0]) * receptive_field_size
    return fan_in, fan_out
    # END SOLUTION


def _calculate_correct_fan(tensor: np.ndarray, mode: str) -> int:
    """fan_in or fan_out of ``tensor`` as ``mode`` asks (case-insensitive, as in torch)."""
    # BEGIN SOLUTION
    if not isinstance(mode, str):
        raise ValueError(f"Mode {mode} not supported, please use one of ['fan_in', 'fan_out']")
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out
    # END SOLUTION


# ---------------------------------------------------------------------------------------------
# plain distributions and constants
# ---------------------------------------------------------------------------------------------


def uniform_(
    tensor: np.ndarray,
    a: float = 0.0,
    b: float = 1.0,
    generator: np.random.Generator | None = None,
) -> np.ndarray:
    r"""Fill ``tensor`` in place with draws from the uniform distribution on [a, b).

    .. math:: W \sim U[a, b), \qquad E[W] = \frac{a + b}{2}, \quad D(W) = \frac{(b-a)^2}{12}

    Any shape. Matches ``torch.nn.init.uniform_(tensor, a, b, generator)``.

    Convention: the defaults give U[0, 1): all-positive weights, not a zero-mean init;
    ``a > b`` or a non-finite bound raises ``ValueError`` (torch raises RuntimeError).
    """
    # BEGIN SOLUTION
    _check_array(tensor, "uniform_", floating=True)
    rng = _rng(generator)
    if not (math.isfinite(a) and math.isfinite(b)):
        raise ValueError(f"uniform_: bounds must be finite, got a={a}, b={b}")
    if a > b:
        raise ValueError(
            f"uniform_ expects to return a [from, to) range, but found from={a} > to={b}"
        )
    tensor[...] = rng.uniform(a, b, size=tensor.shape)
    return tensor
    # END SOLUTION


def normal_(
    tensor: np.ndarray,
    mean: float = 0.0,
    std: float = 1.0,
    generator: np.random.Generator | None = None,
) -> np.ndarray:
    r"""Fill ``tensor`` in place with draws from the normal distribution N(mean, std²).

    .. math:: W \sim \mathcal{N}(\text{mean}, \text{std}^2)

    Any shape; ``std`` is the standard deviation, not the variance.
    Matches ``torch.nn.init.normal_(tensor, mean, std, generator)``.

    Convention: ``std < 0`` raises ``ValueError``; ``std == 0`` fills with ``mean``.
    """
    # BEGIN SOLUTION
    _check_array(tensor, "normal_", floating=True)
    rng = _rng(generator)
    if not std >= 0:
        raise ValueError(f"normal expects std >= 0.0, but found std {std}")
    tensor[...] = rng.normal(mean, std, size=tensor.shape)
    return tensor
    # END SOLUTION


def _truncated_standard_normal(
    lo: float, hi: float, n: int, rng: np.random.Generator
) -> np.ndarray:
    r"""``n`` exact draws of Z ~ N(0, 1) conditioned on lo <= Z <= hi (lo < hi; ±inf allowed).

    .. math:: p(z) \propto e^{-z^2/2} \, [\text{lo} \le z \le \text{hi}]

    Rejection sampling (Robert 1995): plain normal proposals when the interval holds >= 30 % of
    the mass (torch's rule), uniform proposals on a narrow interval, and translated-exponential
    proposals with rate :math:`\lambda = (\text{lo} + \sqrt{\text{lo}^2 + 4}) / 2` in a far
    tail. Every branch is exact; the choice only sets the acceptance rate (>= about 0.3).
    """
    # BEGIN SOLUTION
    if hi <= 0.0:  # mirror a left-tail interval into the right tail
        return -_truncated_standard_normal(-hi, -lo, n, rng)
    root2 = math.sqrt(2.0)
    if lo >= 0.0:  # right tail: erfc keeps the mass accurate far out
        mass = 0.5 * (math.erfc(lo / root2) - math.erfc(hi / root2))
    else:
        mass = 0.5 * (math.erf(hi / root2) - math.erf(lo / root2))
    if mass >= 0.3:
        method = "normal"
    elif lo <= 0.0:
        method = "uniform"  # narrow interval around 0: |lo|, |hi| < 0.85, acceptance > 0.69
    else:
        h = math.hypot(lo, 2.0)  # sqrt(lo^2 + 4) without overflow
        # Robert's switch, (lo^2 - lo*h)/4 written stably as -lo/(lo + h)
        switch = 2.0 * math.sqrt(math.e) / (lo + h) * math.exp(-lo / (lo + h))
        method = "uniform" if hi - lo < switch else "exponential"
    peak = max(lo, 0.0)  # where the density is largest on [lo, hi] (hi > 0 here)
    lam = 0.5 * (lo + math.hypot(lo, 2.0))
    lo_minus_lam = -2.0 / (lo + math.hypot(lo, 2.0)) if lo > 0 else lo - lam

    out = np.empty(n, dtype=np.float64)
    pending = np.arange(n)
    while pending.size:
        k = pending.size
        if method == "normal":
            z = rng.standard_normal(k)
            accept = (z >= lo) & (z <= hi)
        elif method == "uniform":
            z = rng.uniform(lo, hi, size=k)
            # density ratio exp((peak^2 - z^2)/2) <= 1, factored to avoid overflow
            accept = rng.random(k) < np.exp(-0.5 * (z - peak) * (z + peak))
        else:
            e = rng.standard_exponential(k) / lam
            z = lo + e
            accept = (z <= hi) & (rng.random(k) < np.exp(-0.5 * (lo_minus_lam + e) ** 2))
        out[pending[accept]] = z[accept]
        pending = pending[~accept]
    return out
    # END SOLUTION


def trunc_normal_(
    tensor: np.ndarray,
    mean: float = 0.0,
    std: float = 1.0,
    a: float = -2.0,
    b: float = 2.0,
    generator: np.random.Generator | None = None,
) -> np.ndarray:
    r"""Fill ``tensor`` in place with N(mean, std²) draws conditioned on lying in [a, b].

    .. math::

        p(w) = \frac{\varphi\big(\frac{w - \text{mean}}{\text{std}}\big) / \text{std}}
                    {\Phi\big(\frac{b - \text{mean}}{\text{std}}\big)
                     - \Phi\big(\frac{a - \text{mean}}{\text{std}}\big)},
        \qquad a \le w \le b

    Any shape; ``a`` and ``b`` are absolute bounds (not multiples of ``std``), so the default
    [-2, 2] is only "two standard deviations" when ``std == 1``.
    Matches ``torch.nn.init.trunc_normal_(tensor, mean, std, a, b, generator)``.

    Convention: exact rejection sampling for any ``mean`` (so no torch-style warning when
    ``mean`` is far outside [a, b]); ``a == b`` fills with ``a``; ``a > b`` or ``std <= 0``
    raises ``ValueError`` (torch raises RuntimeError / ZeroDivisionError there).
    """
    # BEGIN SOLUTION
    _check_array(tensor, "trunc_normal_", floating=True)
    rng = _rng(generator)
    if not (std > 0 and math.isfinite(std)):
        raise ValueError(f"trunc_normal_: std must be positive and finite, got {std}")
    if math.isnan(a) or math.isnan(b) or math.isnan(mean) or a > b:
        raise ValueError(f"trunc_normal_: need a <= b, got a={a}, b={b}")
    if a == b:
        tensor[...] = a
        return tensor
    lo, hi = (a - mean) / std, (b - mean) / std
    z = _truncated_standard_normal(lo, hi, int(tensor.size), rng)
    values = np.clip(mean + std * z, a, b)  # clip only absorbs rounding in mean + std*z
    tensor[...] = values.reshape(tensor.shape)
    return tensor
    # END SOLUTION


def constant_(tensor: np.ndarray, val: float) -> np.ndarray:
    r"""Fill ``tensor`` in place with the value ``val``.

    .. math:: W_{ij\ldots} = \text{val}

    Any shape and dtype. Matches ``torch.nn.init.constant_(tensor, val)``.
    Every unit of a layer then computes the same function and gets the same gradient: a
    constant init does not break symmetry.
    """
    # BEGIN SOLUTION
    _check_array(tensor, "constant_", floating=False)
    tensor[...] = val
    return tensor
    # END SOLUTION


def ones_(tensor: np.ndarray) -> np.ndarray:
    r"""Fill ``tensor`` in place with ones.

    .. math:: W_{ij\ldots} = 1

    Any shape and dtype. Matches ``torch.nn.init.ones_(tensor)``.
    """
    # BEGIN SOLUTION
    _check_array(tensor, "ones_", floating=False)
    tensor[...] = 1
    return tensor
    # END SOLUTION


def zeros_(tensor: np.ndarray) -> np.ndarray:
    r"""Fill ``tensor`` in place with zeros.

    .. math:: W_{ij\ldots} = 0

    Any shape and dtype. Matches ``torch.nn.init.zeros_(tensor)``; the usual init for biases.
    """
    # BEGIN SOLUTION
    _check_array(tensor, "zeros_", floating=False)
    tensor[...] = 0
    return tensor
    # END SOLUTION


def eye_(tensor: np.ndarray) -> np.ndarray:
    """Fill the 2-D ``tensor`` in place with the (rectangular) identity matrix.

    .. math:: W_{ij} = [i = j]

    ``tensor``: shape ``(out, in)``, not necessarily square; a linear layer with it passes the
    first ``min(out, in)`` inputs through unchanged. Matches ``torch.nn.init.eye_(tensor)``.
    """
    # BEGIN SOLUTION
    _check_array(tensor, "eye_", floating=False)
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    tensor[...] = np.eye(tensor.shape[0], tensor.shape[1])
    return tensor
    # END SOLUTION


def dirac_(tensor: np.ndarray, groups: int = 1) -> np.ndarray:
    r"""Fill a 3-, 4- or 5-D conv weight in place with the Dirac delta (identity convolution).

    .. math::

        W[g \cdot \tfrac{C_\text{out}}{\text{groups}} + d,\; d,\;
          \lfloor k_1/2 \rfloor, \ldots] = 1, \quad
        0 \le d < \min(\tfrac{C_\text{out}}{\text{groups}}, C_\text{in}),
        \; 0 \le g < \text{groups}; \text{ zero elsewhere}

    ``tensor``: ``(C_out, C_in / groups, *kernel)`` with 1 to 3 kernel dims; each group keeps
    the identity of as many of its input channels as it can.
    Matches ``torch.nn.init.dirac_(tensor, groups)``.

    Convention: ``groups`` must be a positive int dividing ``C_out`` (``ValueError``
    otherwise); an array with a zero-sized dimension is only zero-filled.
    """
    # BEGIN SOLUTION
    _check_array(tensor, "dirac_", floating=False)
    if tensor.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    if isinstance(groups, bool) or not isinstance(groups, int | np.integer) or groups < 1:
        raise ValueError(f"groups must be a positive integer, got {groups!r}")
    sizes = tensor.shape
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    tensor[...] = 0
    if tensor.size == 0:
        return tensor
    out_chans_per_grp = sizes[0] // groups
    min_dim = min(out_chans_per_grp, sizes[1])
    d = np.arange(min_dim)
    out_idx = (np.arange(groups)[:, None] * out_chans_per_grp + d).ravel()
    in_idx = np.tile(d, groups)
    centre = tuple(s // 2 for s in sizes[2:])
    tensor[(out_idx, in_idx, *centre)] = 1
    return tensor
    # END SOLUTION


# ---------------------------------------------------------------------------------------------
# variance-scaling initializers: Xavier (Glorot) and Kaiming (He)
# ---------------------------------------------------------------------------------------------


def xavier_uniform_(
    tensor: np.ndarray,
    gain: float = 1.0,
    generator: np.random.Generator | None = None,
) -> np.ndarray:
    r"""Fill ``tensor`` in place with Glorot's uniform init, variance gain² · 2/(fan_in + fan_out).

    .. math::

        W \sim U[-\text{bound}, \text{bound}], \quad
        \text{bound} = \text{gain} \sqrt{\frac{6}{\text{fan\_in} + \text{fan\_out}}}
        = \sqrt{3} \cdot \text{std}

    ``tensor``: at least 2-D (fans from :func:`calculate_fan_in_and_fan_out`).
    Glorot & Bengio (2010), "Understanding the difficulty of training deep feedforward neural
    networks": D(W) = 2/(n_i + n_{i+1}) is the compromise between the forward condition
    n_i D(W) = 1 and the backward one n_{i+1} D(W) = 1, and U[-a, a] has variance a²/3.
    Matches ``torch.nn.init.xavier_uniform_(tensor, gain, generator)``.

    Convention: bound computed as torch does, sqrt(3) · gain · sqrt(2/(fan_in + fan_out));
    a zero-element tensor is returned untouched.
    """
    # BEGIN SOLUTION
    _check_array(tensor, "xavier_uniform_", floating=True)
    rng = _rng(generator)
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    if tensor.size == 0:
        return tensor
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    tensor[...] = rng.uniform(-bound, bound, size=tensor.shape)
    return tensor
    # END SOLUTION


def xavier_normal_(
    tensor: np.ndarray,
    gain: float = 1.0,
    generator: np.random.Generator | None = None,
) -> np.ndarray:
    r"""Fill ``tensor`` in place with Glorot's normal init, N(0, std²) with the Xavier std.

    .. math::

        W \sim \mathcal{N}(0, \text{std}^2), \quad
        \text{std} = \text{gain} \sqrt{\frac{2}{\text{fan\_in} + \text{fan\_out}}}

    ``tensor``: at least 2-D. Glorot & Bengio (2010) (the paper samples uniformly; this is
    the normal distribution with the same variance).
    Matches ``torch.nn.init.xavier_normal_(tensor, gain, generator)``.

    Convention: the second argument of N is the variance, so the notes' N(0, sqrt(2/(n_i +
    n_{i+1}))) is read as "std = sqrt(...)"; a zero-element tensor is returned untouched.
    """
    # BEGIN SOLUTION
    _check_array(tensor, "xavier_normal_", floating=True)
    rng = _rng(generator)
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    if tensor.size == 0:
        return tensor
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    tensor[...] = rng.normal(0.0, std, size=tensor.shape)
    return tensor
    # END SOLUTION


def kaiming_uniform_(
    tensor: np.ndarray,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> np.ndarray:
    r"""Fill ``tensor`` in place with He's uniform init, variance gain² / fan.

    .. math::

        W \sim U[-\text{bound}, \text{bound}], \quad
        \text{bound} = \text{gain} \sqrt{\frac{3}{\text{fan\_mode}}}, \quad
        \text{gain} = \text{calculate\_gain}(\text{nonlinearity}, a)

    ``tensor``: at least 2-D; ``mode`` 'fan_in' keeps the forward variance, 'fan_out' the
    backward one; ``a`` is the leaky_relu negative slope (ignored by other nonlinearities).
    With the defaults (leaky_relu, a=0) gain = sqrt(2): D(W) = 2/n_i, He et al. (2015),
    "Delving deep into rectifiers".
    Matches ``torch.nn.init.kaiming_uniform_(tensor, a, mode, nonlinearity, generator)``.

    Convention: as torch, a tensor with a zero-sized dimension only triggers a ``UserWarning``
    ("Initializing zero-element tensors is a no-op") and is returned untouched, before any
    argument check; ``mode`` is case-insensitive. torch's ``nn.Linear``/``nn.Conv*d`` default
    is this function with ``a = sqrt(5)``, i.e. U[-1/sqrt(fan_in), 1/sqrt(fan_in)].
    """
    # BEGIN SOLUTION
    _check_array(tensor, "kaiming_uniform_", floating=True)
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    rng = _rng(generator)
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    tensor[...] = rng.uniform(-bound, bound, size=tensor.shape)
    return tensor
    # END SOLUTION


def kaiming_normal_(
    tensor: np.ndarray,
    a: float = 0,
    mode: str = "fan_in",
    nonlinearity: str = "leaky_relu",
    generator: np.random.Generator | None = None,
) -> np.ndarray:
    r"""Fill ``tensor`` in place with He's normal init, N(0, gain² / fan).

    .. math::

        W \sim \mathcal{N}(0, \text{std}^2), \quad
        \text{std} = \frac{\text{gain}}{\sqrt{\text{fan\_mode}}}, \quad
        \text{gain} = \text{calculate\_gain}(\text{nonlinearity}, a)

    ``tensor``: at least 2-D; arguments as :func:`kaiming_uniform_`. For leaky_relu with slope
    a: D(W) = 2 / ((1 + a²) n_i) (seed 000). He et al. (2015), "Delving deep into rectifiers",
    eq. (10): (1/2) n_l Var[w_l] = 1 with n_l = k² c, i.e. std = sqrt(2 / n_l) for ReLU.
    Matches ``torch.nn.init.kaiming_normal_(tensor, a, mode, nonlinearity, generator)``.

    The notes' "MSRA" formula (seed 001), W ~ N(0, sqrt(1/fan_in)) and for a conv
    N(0, sqrt(1/(K·K·C))), second argument the std, is
    ``kaiming_normal_(w, mode='fan_in', nonlinearity='linear')`` exactly: gain 1 (equally
    'sigmoid', any conv name, or 'leaky_relu' with a=1), and for a ``(C_out, C, K, K)`` weight
    fan_in = C·K·K (C = in_channels / groups). That is LeCun's variance 1/fan_in, not He's
    ReLU rule: with ``nonlinearity='relu'`` or the default ('leaky_relu', a=0) the std is
    sqrt(2/fan_in), sqrt(2) times the notes' (twice the variance); with a leaky slope a the
    factor is sqrt(2/(1 + a²)); with ``mode='fan_out'`` the notes' K·K·C becomes K·K·C_out.

    Convention: zero-element tensors warn and are returned untouched, as in
    :func:`kaiming_uniform_`.
    """
    # BEGIN SOLUTION
    _check_array(tensor, "kaiming_normal_", floating=True)
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    rng = _rng(generator)
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    tensor[...] = rng.normal(0.0, std, size=tensor.shape)
    return tensor
    # END SOLUTION


# ---------------------------------------------------------------------------------------------
# structured initializers
# ---------------------------------------------------------------------------------------------


def orthogonal_(
    tensor: np.ndarray,
    gain: float = 1,
    generator: np.random.Generator | None = None,
) -> np.ndarray:
    r"""Fill ``tensor`` in place with a (semi-)orthogonal matrix times ``gain``.

    .. math::

        M = \text{reshape}(W, (r, n / r)), \quad
        M^\top M = \text{gain}^2 I \;(r \ge n/r), \qquad
        M M^\top = \text{gain}^2 I \;(r < n/r)

    ``tensor``: at least 2-D, flattened to (rows, numel / rows). Algorithm as torch: A with
    i.i.d. N(0, 1) entries (transposed when rows < cols), reduced QR A = QR, Q times
    sign(diag R) so that Q is Haar-distributed (Mezzadri 2007), transposed back.
    Saxe et al. (2013), "Exact solutions to the nonlinear dynamics of learning in deep linear
    neural networks". Matches ``torch.nn.init.orthogonal_(tensor, gain, generator)``.

    Convention: QR runs in float64 whatever the dtype; a zero-element tensor is a no-op.
    """
    # BEGIN SOLUTION
    _check_array(tensor, "orthogonal_", floating=True)
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.size == 0:
        return tensor
    rng = _rng(generator)
    rows = tensor.shape[0]
    cols = tensor.size // rows
    flattened = rng.standard_normal((rows, cols))
    if rows < cols:
        flattened = flattened.T
    q, r = np.linalg.qr(flattened)  # reduced: q is (max, min), r is (min, min)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    tensor[...] = (gain * q).reshape(tensor.shape)
    return tensor
    # END SOLUTION


def sparse_(
    tensor: np.ndarray,
    sparsity: float,
    std: float = 0.01,
    generator: np.random.Generator | None = None,
) -> np.ndarray:
    r"""Fill the 2-D ``tensor`` in place as a sparse matrix: ceil(sparsity·rows) zeros per column.

    .. math::

        W_{ij} \sim \mathcal{N}(0, \text{std}^2) \text{ except } W_{ij} = 0
        \text{ for } \lceil \text{sparsity} \cdot \text{rows} \rceil
        \text{ rows } i \text{ chosen at random in each column } j

    ``tensor``: shape (rows, cols). Martens (2010), "Deep learning via Hessian-free
    optimization". Matches ``torch.nn.init.sparse_(tensor, sparsity, std, generator)``.

    Convention: the zero count is ``math.ceil(sparsity * rows)`` computed in floating point,
    as torch (0.07 * 100 = 7.000000000000001, so 8 zeros); the zero positions come from
    ``generator`` too (torch draws them from its global RNG, ignoring ``generator``);
    ``sparsity`` outside [0, 1] or ``std < 0`` raises ``ValueError``.
    """
    # BEGIN SOLUTION
    _check_array(tensor, "sparse_", floating=True)
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    if not 0.0 <= sparsity <= 1.0:
        raise ValueError(f"sparse_: sparsity must lie in [0, 1], got {sparsity}")
    if not std >= 0:
        raise ValueError(f"sparse_: std must be >= 0, got {std}")
    rng = _rng(generator)
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    values = rng.normal(0.0, std, size=(rows, cols))
    if num_zeros and cols:
        # an independent random permutation of the rows in every column
        zero_rows = np.argsort(rng.random((rows, cols)), axis=0)[:num_zeros]
        values[zero_rows, np.arange(cols)] = 0.0
    tensor[...] = values
    return tensor
    # END SOLUTION
