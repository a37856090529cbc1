"""Loss functions of ``torch.nn.functional`` and their gradients, in NumPy (seeds 000-004).

Every loss ``X(...)`` has the name, positional arguments and keyword arguments of
``torch.nn.functional.X`` (without the deprecated ``size_average``/``reduce``) and returns a new
plain ``np.ndarray``: the unreduced loss for ``reduction='none'``, a 0-d array otherwise.
Beside it, ``X_grad(..., grad_output=None)`` takes the same arguments and returns the
vector-Jacobian product with the upstream gradient ``grad_output``: a scalar for
``'mean'``/``'sum'``/``'batchmean'``, an array of the unreduced loss's shape for ``'none'``; ones
when omitted. It is the gradient with respect to the first argument, or a tuple in argument order
for the losses whose inputs are all predictions (``margin_ranking_loss``: input1, input2;
``cosine_embedding_loss``: input1, input2; ``triplet_margin_loss``: anchor, positive, negative).
At kinks the gradient is the value torch autograd gives (each docstring's ``Convention:`` line).

Dtypes: the first argument's floating dtype is kept (float32 in, float32 out); integer inputs are
computed in float64. Class-index targets are integer arrays.

Stability: log-sum-exp shifts, ``logaddexp`` and two-branch sigmoids, so no overflow, invalid or
divide-by-zero warnings for logits up to ``|x| = 1000`` wherever torch's result is finite.

Reductions: ``'none'``, ``'mean'``, ``'sum'`` (plus ``'batchmean'`` for ``kl_div``); any other
value raises ``ValueError("<reduction> is not a valid value for reduction")`` as torch does.
``'mean'`` of an empty loss, and ``'mean'`` when every target is ignored, is ``nan`` as in torch.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_grad",
    "binary_cross_entropy_with_logits",
    "binary_cross_entropy_with_logits_grad",
    "center_loss",
    "center_loss_grad",
    "center_loss_update",
    "cosine_embedding_loss",
    "cosine_embedding_loss_grad",
    "cross_entropy",
    "cross_entropy_grad",
    "ctc_loss",
    "ctc_loss_grad",
    "hinge_embedding_loss",
    "hinge_embedding_loss_grad",
    "huber_loss",
    "huber_loss_grad",
    "kl_div",
    "kl_div_grad",
    "l1_loss",
    "l1_loss_grad",
    "margin_ranking_loss",
    "margin_ranking_loss_grad",
    "mse_loss",
    "mse_loss_grad",
    "multi_margin_loss",
    "multi_margin_loss_grad",
    "multilabel_margin_loss",
    "multilabel_margin_loss_grad",
    "multilabel_soft_margin_loss",
    "multilabel_soft_margin_loss_grad",
    "nll_loss",
    "nll_loss_grad",
    "poisson_nll_loss",
    "poisson_nll_loss_grad",
    "smooth_l1_loss",
    "smooth_l1_loss_grad",
    "soft_margin_loss",
    "soft_margin_loss_grad",
    "triplet_margin_loss",
    "triplet_margin_loss_grad",
]

#: Sequence lengths for CTC: an int (unbatched), a list or tuple of ints, or an integer array.
Lengths = ArrayLike


# --------------------------------------------------------------------------------------------
# Private helpers: reductions, upstream gradients, stable primitives
# --------------------------------------------------------------------------------------------


def _check_reduction(reduction: str, batchmean: bool = False) -> None:
    """Raise torch's ``ValueError`` for a reduction the loss does not accept."""
    # BEGIN SOLUTION
    allowed = ("none", "mean", "sum", "batchmean") if batchmean else ("none", "mean", "sum")
    if reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    # END SOLUTION


def _floating(x: ArrayLike) -> np.ndarray:
    """``x`` as an array of a floating dtype (integers and booleans become float64)."""
    # BEGIN SOLUTION
    arr = np.asarray(x)
    return arr if arr.dtype.kind == "f" else arr.astype(np.float64)
    # END SOLUTION


def _reduce(loss: np.ndarray, reduction: str, denom: float | None = None) -> np.ndarray:
    """Reduce the unreduced ``loss``; ``denom`` replaces the element count for ``'mean'``.

    ``'batchmean'`` divides the sum by ``loss.shape[0]`` (by 1 for a 0-d loss), as torch does.
    A zero denominator gives ``nan`` (0/0), torch's value for an empty or all-ignored batch.
    """
    # BEGIN SOLUTION
    if reduction == "none":
        return np.asarray(loss)
    total = np.sum(loss, dtype=np.float64)
    if reduction == "sum":
        return np.asarray(total)
    if reduction == "batchmean":
        count: float = loss.shape[0] if loss.ndim else 1
    else:
        count = loss.size if denom is None else denom
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.float64(total) / np.float64(count))
    # END SOLUTION


def _upstream(
    grad_output: ArrayLike | None,
    shape: tuple[int, ...],
    reduction: str,
    denom: float | None = None,
) -> np.ndarray:
    """The upstream gradient of each element of the unreduced loss (read-only, of ``shape``).

    The adjoint of :func:`_reduce`: ``'none'`` passes ``grad_output`` through (broadcast to
    ``shape``); ``'sum'`` copies the scalar; ``'mean'`` divides it by the count or ``denom``;
    ``'batchmean'`` by ``shape[0]``. A zero denominator gives ``inf``/``nan``, which callers mask
    where the loss element does not depend on the input (ignored targets). A scalar is broadcast
    (``np.broadcast_to``: no memory of ``shape`` is filled), so use the result in arithmetic.
    """
    # BEGIN SOLUTION
    g = np.ones((), np.float64) if grad_output is None else np.asarray(grad_output, np.float64)
    if reduction == "none":
        return np.broadcast_to(g, shape)
    if g.size != 1:
        raise ValueError(f"grad_output of a reduced loss must be a scalar, got shape {g.shape}")
    g = g.reshape(())
    size = int(np.prod(shape))
    if reduction == "sum" or size == 0:
        return np.broadcast_to(g, shape)
    if reduction == "batchmean":
        count: float = shape[0] if shape else 1
    else:
        count = size if denom is None else denom
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.broadcast_to(g / np.float64(count), shape)
    # END SOLUTION


def _unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` (of a broadcast shape) down to ``shape``: the adjoint of broadcasting.

    Always an array, also for a 0-d ``shape`` (arithmetic on 0-d arrays gives NumPy scalars).
    """
    # BEGIN SOLUTION
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return np.asarray(grad.sum(axis=axes, keepdims=True) if axes else grad)
    # END SOLUTION


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic sigmoid :math:`1/(1 + e^{-x})`; below x = -709 the silenced overflow gives 0."""
    # BEGIN SOLUTION
    s = np.negative(np.atleast_1d(x))  # at least 1-d: in-place ufuncs need arrays, not scalars
    with np.errstate(over="ignore"):  # e^{-x} = inf: 1 / (1 + inf) = 0, the limit
        np.exp(s, out=s)
    s += 1
    return np.divide(1, s, out=s).reshape(np.shape(x))
    # END SOLUTION


def _softplus(x: np.ndarray) -> np.ndarray:
    r""":math:`\log(1 + e^{x}) = \max(x, 0) + \log(1 + e^{-|x|})` (no overflow)."""
    # BEGIN SOLUTION
    v = np.atleast_1d(x)  # at least 1-d: in-place ufuncs need arrays, not scalars
    out = np.abs(v)
    np.negative(out, out=out)
    np.exp(out, out=out)  # e^{-|x|} in (0, 1]
    np.log1p(out, out=out)
    out += np.maximum(v, 0)
    return out.reshape(np.shape(x))
    # END SOLUTION


def _log_softmax(z: np.ndarray) -> np.ndarray:
    """Log-softmax over the last axis with the max shift (finite for ``|z| ~ 1000``):
    ``(z - m) - log sum exp(z - m)``, ``m`` the maximum."""
    # BEGIN SOLUTION
    m = z.max(axis=-1, keepdims=True)
    # one array of z's size: the exponentials are taken and summed in it, then the shift
    # written over them (a second array cost as much as all the arithmetic, measured)
    out = z - m
    np.exp(out, out=out)
    log_norm = np.log(out.sum(axis=-1, keepdims=True))
    np.subtract(z, m, out=out)
    out -= log_norm
    return out
    # END SOLUTION


def _softmax(z: np.ndarray) -> np.ndarray:
    """Softmax over the last axis with the max shift: ``exp(z - max) / sum(exp(z - max))``."""
    # BEGIN SOLUTION
    e = z - z.max(axis=-1, keepdims=True)
    np.exp(e, out=e)
    e /= e.sum(axis=-1, keepdims=True)
    return e
    # END SOLUTION


def _classes_last(x: np.ndarray) -> np.ndarray:
    """Move the class axis (0 for an unbatched ``(C,)`` input, else 1) to the end."""
    # BEGIN SOLUTION
    return x if x.ndim <= 2 else np.moveaxis(x, 1, -1)  # (N, C): already last
    # END SOLUTION


def _classes_back(x: np.ndarray) -> np.ndarray:
    """Inverse of :func:`_classes_last`."""
    # BEGIN SOLUTION
    return x if x.ndim <= 2 else np.moveaxis(x, -1, 1)
    # END SOLUTION


def _class_targets(
    target: ArrayLike, n_classes: int, weight: ArrayLike | None, ignore_index: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Validate class indices; return ``(safe, mask, w, w_t)``.

    ``mask`` marks the targets that count (``!= ignore_index``), ``safe`` is the target with
    ignored entries replaced by 0 (for gathering), ``w`` the class weights (ones by default) and
    ``w_t`` the weight of each target, 0 where ignored.
    """
    # BEGIN SOLUTION
    t = np.asarray(target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"class-index targets must be integers, got dtype {t.dtype}")
    mask = t != ignore_index
    safe = t if mask.all() else np.where(mask, t, 0)
    if safe.size and (safe.min() < 0 or safe.max() >= n_classes):  # (a counted one may be)
        bad = mask & ((t < 0) | (t >= n_classes))
        if bad.any():
            raise IndexError(f"Target {t[bad].flat[0]} is out of bounds.")
    if weight is None:  # every class weighs 1: w_t is the mask
        return safe, mask, np.ones(n_classes), mask.astype(np.float64)
    w = _floating(weight).astype(np.float64)
    if w.shape != (n_classes,):
        raise ValueError(f"weight must have shape ({n_classes},), got {w.shape}")
    return safe, mask, w, np.where(mask, np.take(w, safe), 0.0)
    # END SOLUTION


def _gather_last(a: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``a[..., index]`` elementwise: pick one entry of the last axis per position.

    Indexes the flattened array (row ``r`` starts at ``r * C``): ``np.take`` of one flat index
    per position is several times faster than ``np.take_along_axis``.
    """
    # BEGIN SOLUTION
    row_starts = np.arange(index.size).reshape(index.shape) * a.shape[-1]
    return np.take(np.ascontiguousarray(a).reshape(-1), row_starts + index)
    # END SOLUTION


def _target_entries(a: np.ndarray, safe: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``a[..., y_n]`` at each counted position, 0 where the target is ignored: an ignored
    position counts for nothing whatever its row holds (nan, inf: torch skips it, where a
    product with a zero weight would give nan)."""
    # BEGIN SOLUTION
    picked = _gather_last(a, safe)
    return picked if mask.all() else np.where(mask, picked, 0.0)
    # END SOLUTION


def _one_hot(index: np.ndarray, n_classes: int) -> np.ndarray:
    """One-hot float array of shape ``index.shape + (n_classes,)``."""
    # BEGIN SOLUTION
    return (np.arange(n_classes) == index[..., None]).astype(np.float64)
    # END SOLUTION


# --------------------------------------------------------------------------------------------
# Regression losses
# --------------------------------------------------------------------------------------------


def _weighted_denominator(weight: ArrayLike | None, input_shape: tuple[int, ...]) -> float | None:
    """torch's ``'mean'`` denominator for weighted L1/MSE: ``weight.sum()``; None if no weight."""
    # BEGIN SOLUTION
    if weight is None:
        return None
    w = np.asarray(weight)
    if w.shape != input_shape:
        raise ValueError("Weights and input must have the same size.")
    return float(np.sum(w, dtype=np.float64))
    # END SOLUTION


def l1_loss(
    input: ArrayLike, target: ArrayLike, reduction: str = "mean", weight: ArrayLike | None = None
) -> np.ndarray:
    r"""Mean absolute error (MAE, L1 loss).

    .. math:: \ell_n = w_n\,|x_n - y_n|

    Reductions: ``'none'`` :math:`\ell` (broadcast shape of input and target), ``'sum'``
    :math:`\sum_n \ell_n`, ``'mean'`` :math:`\sum_n \ell_n / N`, or
    :math:`\sum_n \ell_n / \sum_n w_n` when ``weight`` is given (``weight`` has input's shape).

    Torch: ``torch.nn.functional.l1_loss(input, target, reduction=reduction, weight=weight)``.
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    denom = _weighted_denominator(weight, x.shape)
    loss = np.abs(x - y)
    if weight is not None:
        loss = loss * _floating(weight)
    return _reduce(loss, reduction, denom).astype(x.dtype, copy=False)
    # END SOLUTION


def l1_loss_grad(
    input: ArrayLike,
    target: ArrayLike,
    reduction: str = "mean",
    weight: ArrayLike | None = None,
    grad_output: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gradient of :func:`l1_loss` with respect to ``input``.

    .. math:: \frac{\partial \ell_n}{\partial x_n} = w_n\,\operatorname{sign}(x_n - y_n)

    Shapes: the shape of ``input`` (summed over broadcast axes).
    Convention: :math:`\operatorname{sign}(0) = 0`, torch's subgradient at :math:`x_n = y_n`.
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    denom = _weighted_denominator(weight, x.shape)
    g = np.sign(x - y)
    if weight is not None:
        g = g * _floating(weight)
    g = g * _upstream(grad_output, g.shape, reduction, denom)
    return _unbroadcast(g, x.shape).astype(x.dtype, copy=False)
    # END SOLUTION


def mse_loss(
    input: ArrayLike, target: ArrayLike, reduction: str = "mean", weight: ArrayLike | None = None
) -> np.ndarray:
    r"""Mean squared error (MSE, squared L2 loss).

    .. math:: \ell_n = w_n\,(x_n - y_n)^2

    Reductions: as :func:`l1_loss` (weighted ``'mean'`` divides by :math:`\sum_n w_n`).
    Torch: ``torch.nn.functional.mse_loss(input, target, reduction=reduction, weight=weight)``.
    Convention: no factor 1/2 (the notes' "(y - y')^2"; some texts use 1/2 (y - y')^2).
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    denom = _weighted_denominator(weight, x.shape)
    loss = (x - y) ** 2
    if weight is not None:
        loss = loss * _floating(weight)
    return _reduce(loss, reduction, denom).astype(x.dtype, copy=False)
    # END SOLUTION


def mse_loss_grad(
    input: ArrayLike,
    target: ArrayLike,
    reduction: str = "mean",
    weight: ArrayLike | None = None,
    grad_output: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gradient of :func:`mse_loss` with respect to ``input``.

    .. math:: \frac{\partial \ell_n}{\partial x_n} = 2\,w_n\,(x_n - y_n)
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    denom = _weighted_denominator(weight, x.shape)
    g = 2 * (x - y)
    if weight is not None:
        g = g * _floating(weight)
    g = g * _upstream(grad_output, g.shape, reduction, denom)
    return _unbroadcast(g, x.shape).astype(x.dtype, copy=False)
    # END SOLUTION


def smooth_l1_loss(
    input: ArrayLike, target: ArrayLike, reduction: str = "mean", beta: float = 1.0
) -> np.ndarray:
    r"""Smooth L1 loss: quadratic near zero, linear beyond ``beta``.

    .. math::
        \ell_n = \begin{cases} 0.5\,(x_n - y_n)^2/\beta, & |x_n - y_n| < \beta \\
                 |x_n - y_n| - 0.5\,\beta, & \text{otherwise} \end{cases}

    Reductions: ``'none'``, ``'sum'``, ``'mean'`` over all elements.
    Torch: ``torch.nn.functional.smooth_l1_loss(input, target, reduction=reduction, beta=beta)``.
    Convention: ``beta = 0`` is exactly :func:`l1_loss` (torch dispatches to it); a negative
    ``beta`` raises ``ValueError``. The notes' formula (seed 000) is the case ``beta = 1``.
    Computed as :func:`huber_loss` with ``delta = beta``, divided by ``beta``.
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    if beta < 0:
        raise ValueError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0:
        return l1_loss(input, target, reduction)
    loss = huber_loss(input, target, reduction, delta=beta)  # = beta * smooth_l1
    loss /= beta
    return loss
    # END SOLUTION


def smooth_l1_loss_grad(
    input: ArrayLike,
    target: ArrayLike,
    reduction: str = "mean",
    beta: float = 1.0,
    grad_output: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gradient of :func:`smooth_l1_loss` with respect to ``input``.

    .. math::
        \frac{\partial \ell_n}{\partial x_n} = \operatorname{clip}\!\left(\frac{x_n - y_n}{\beta},
        -1, 1\right)

    Convention: continuous at :math:`|x_n - y_n| = \beta` (value ±1); for ``beta = 0`` it is
    :math:`\operatorname{sign}(x_n - y_n)` with sign(0) = 0, as torch's l1 dispatch gives.
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    if beta < 0:
        raise ValueError("smooth_l1_loss does not support negative values for beta.")
    x, y = _floating(input), _floating(target)
    d = x - y
    g = np.sign(d) if beta == 0 else np.clip(d / beta, -1.0, 1.0)
    g = g * _upstream(grad_output, g.shape, reduction)
    return _unbroadcast(g, x.shape).astype(x.dtype, copy=False)
    # END SOLUTION


def huber_loss(
    input: ArrayLike,
    target: ArrayLike,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: ArrayLike | None = None,
) -> np.ndarray:
    r"""Huber loss: smooth L1 scaled by ``delta`` (``huber = delta * smooth_l1(beta=delta)``).

    .. math::
        \ell_n = w_n \begin{cases} 0.5\,(x_n - y_n)^2, & |x_n - y_n| < \delta \\
                 \delta\,(|x_n - y_n| - 0.5\,\delta), & \text{otherwise} \end{cases}

    Reductions: ``'none'``, ``'sum'``, ``'mean'`` over all elements.
    Torch: ``torch.nn.functional.huber_loss(input, target, reduction=reduction, delta=delta,
    weight=weight)``.
    Convention: with ``weight`` the ``'mean'`` still divides by the element count, not by
    :math:`\sum w_n` (torch 2.13's ``weighted_loss.mean()``, unlike weighted L1/MSE);
    ``delta <= 0`` raises ``ValueError``.
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    if delta <= 0:
        raise ValueError("huber_loss does not support non-positive values for delta.")
    x, y = _floating(input), _floating(target)
    _weighted_denominator(weight, x.shape)  # shape check only
    d = np.subtract(x, y, dtype=np.float64)
    if weight is None and reduction != "none":  # its sum from sums over one array, no array of l
        # with m = min(|d|, delta): l = m^2/2 + delta (|d| - m), and |d| - m is 0 on the
        # quadratic branch, where the two sums add the same values (no cancellation there)
        a = np.atleast_1d(d)  # in place below: an array, not the scalar of 0-d inputs
        np.abs(a, out=a)
        sum_abs = a.sum()
        m = np.clip(a, 0.0, delta, out=a)  # min(|d|, delta); NumPy's clip is the faster
        total = 0.5 * np.vdot(m, m) + delta * (sum_abs - m.sum())
        return _reduce(np.asarray(total), reduction, d.size).astype(x.dtype, copy=False)
    c = np.clip(d, -delta, delta)  # d on the quadratic branch, +-delta on the linear one
    loss = c * (d - 0.5 * c)  # 0.5 d^2 if |d| < delta, else delta (|d| - delta/2)
    if weight is not None:
        loss *= _floating(weight)
    return _reduce(loss, reduction).astype(x.dtype, copy=False)
    # END SOLUTION


def huber_loss_grad(
    input: ArrayLike,
    target: ArrayLike,
    reduction: str = "mean",
    delta: float = 1.0,
    weight: ArrayLike | None = None,
    grad_output: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gradient of :func:`huber_loss` with respect to ``input``.

    .. math:: \frac{\partial \ell_n}{\partial x_n} = w_n\,\operatorname{clip}(x_n - y_n,
        -\delta, \delta)

    Convention: continuous at :math:`|x_n - y_n| = \delta` (value :math:`\pm\delta`).
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    if delta <= 0:
        raise ValueError("huber_loss does not support non-positive values for delta.")
    x, y = _floating(input), _floating(target)
    _weighted_denominator(weight, x.shape)
    g = np.clip(x - y, -delta, delta)
    if weight is not None:
        g = g * _floating(weight)
    g = g * _upstream(grad_output, g.shape, reduction)
    return _unbroadcast(g, x.shape).astype(x.dtype, copy=False)
    # END SOLUTION


# --------------------------------------------------------------------------------------------
# Classification losses: cross-entropy, NLL, binary cross-entropy
# --------------------------------------------------------------------------------------------


def _is_probability_target(x: np.ndarray, target: ArrayLike) -> bool:
    """torch's rule: a floating target of the input's shape holds class probabilities."""
    # BEGIN SOLUTION
    t = np.asarray(target)
    return t.shape == x.shape and t.dtype.kind == "f"
    # END SOLUTION


def cross_entropy(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> np.ndarray:
    r"""Cross-entropy of logits: log-softmax over the class axis followed by NLL.

    Class-index target :math:`y_n` (integers), with :math:`\varepsilon` = ``label_smoothing``:

    .. math::
        \ell_n = (1-\varepsilon)\,w_{y_n}\,\bigl(-\log\operatorname{softmax}(x_n)_{y_n}\bigr)
        + \frac{\varepsilon}{C} \sum_{c=1}^{C} w_c\,\bigl(-\log\operatorname{softmax}(x_n)_c\bigr),
        \qquad \ell_n = 0 \text{ if } y_n = \text{ignore\_index}

    Class-probability target :math:`t_n` (floats, the input's shape), smoothed to
    :math:`t' = (1-\varepsilon)\,t + \varepsilon/C`:

    .. math:: \ell_n = -\sum_{c=1}^{C} w_c\, t'_{n,c} \log\operatorname{softmax}(x_n)_c

    Reductions: ``'none'`` :math:`\ell` (shape ``(N, d1, ...)``, 0-d for an unbatched input),
    ``'sum'`` :math:`\sum_n \ell_n`; ``'mean'`` divides by :math:`\sum_n w_{y_n}` over the
    non-ignored targets for class indices (``nan`` if all are ignored), by the number of
    positions ``N*d1*...`` for probabilities.

    Shapes: input ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``; class axis 0 unbatched, else 1.
    Torch: ``torch.nn.functional.cross_entropy(input, target, weight=weight,
    ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing)``.
    Convention: the smoothing term is weighted by :math:`w_c` and masked for ignored targets,
    and its ``'mean'`` shares the :math:`\sum_n w_{y_n}` denominator (torch's definition);
    a floating target of the input's shape is read as probabilities, as torch reads it; an
    ignored position adds nothing whatever its row holds (a padding row of ``-inf`` logits,
    ``nan``): torch leaves it out rather than weighting it by 0.
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    x = _floating(input)
    z = _classes_last(x).astype(np.float64, copy=False)
    n_classes = z.shape[-1]
    logp = _log_softmax(z)
    if _is_probability_target(x, target):
        w = np.ones(n_classes) if weight is None else _floating(weight).astype(np.float64)
        t = _classes_last(_floating(target)).astype(np.float64)
        t = (1 - label_smoothing) * t + label_smoothing / n_classes
        loss = -((logp * t) @ w)
        return _reduce(loss, reduction).astype(x.dtype, copy=False)
    safe, mask, w, w_t = _class_targets(target, n_classes, weight, ignore_index)
    loss = -w_t * _target_entries(logp, safe, mask)
    if label_smoothing > 0:
        smooth = np.where(mask, -(logp @ w), 0.0)  # -sum_c w_c log p_c
        loss = (1 - label_smoothing) * loss + label_smoothing / n_classes * smooth
    return _reduce(loss, reduction, float(w_t.sum())).astype(x.dtype, copy=False)
    # END SOLUTION


def cross_entropy_grad(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
    grad_output: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gradient of :func:`cross_entropy` with respect to the logits ``input``.

    With :math:`p = \operatorname{softmax}(x_n)` and no weights it is the notes' identity

    .. math:: \frac{\partial \ell_n}{\partial x_n} = p - \bigl((1-\varepsilon)\,
        \mathrm{onehot}(y_n) + \varepsilon/C\bigr);

    in general, with :math:`q` the (smoothed) target distribution,
    :math:`\partial \ell_n/\partial x_{n,c} = p_c \sum_k w_k q_k - w_c q_c`.
    Shapes: the shape of ``input``. Ignored targets get a zero gradient.
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x = _floating(input)
    z = _classes_last(x).astype(np.float64, copy=False)
    n_classes = z.shape[-1]
    p = _softmax(z)
    if _is_probability_target(x, target):
        w = np.ones(n_classes) if weight is None else _floating(weight).astype(np.float64)
        t = _classes_last(_floating(target)).astype(np.float64)
        wq = w * ((1 - label_smoothing) * t + label_smoothing / n_classes)
        g = p * wq.sum(axis=-1, keepdims=True) - wq
        u = _upstream(grad_output, g.shape[:-1], reduction)
        return _classes_back(g * u[..., None]).astype(x.dtype, copy=False)
    safe, mask, w, w_t = _class_targets(target, n_classes, weight, ignore_index)
    u = np.where(mask, _upstream(grad_output, safe.shape, reduction, float(w_t.sum())), 0.0)
    # q = (1 - eps) onehot(y) + eps/C, so sum_k w_k q_k = (1 - eps) w_y + eps/C sum_k w_k
    g = p  # in place, pass by pass: p_c sum_k w_k q_k - w_c q_c
    g *= ((1 - label_smoothing) * w_t + label_smoothing / n_classes * w.sum())[..., None]
    if label_smoothing > 0:
        g -= label_smoothing / n_classes * w
    at = safe[..., None]  # the target's entry of each position: the onehot's term goes there
    target_term = np.take_along_axis(g, at, axis=-1) - ((1 - label_smoothing) * w_t)[..., None]
    np.put_along_axis(g, at, target_term, axis=-1)
    g *= u[..., None]
    return _classes_back(g).astype(x.dtype, copy=False)
    # END SOLUTION


def nll_loss(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
) -> np.ndarray:
    r"""Negative log-likelihood of log-probabilities: pick the target's entry and negate it.

    .. math:: \ell_n = -w_{y_n}\, x_{n, y_n}, \qquad
        \ell_n = 0 \text{ if } y_n = \text{ignore\_index}

    Reductions: ``'none'``, ``'sum'``; ``'mean'`` is the weighted mean
    :math:`\sum_n \ell_n / \sum_n w_{y_n}` over the non-ignored targets (``nan`` if none).
    Shapes: input ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``; target the input's shape
    without the class axis (integers).
    Torch: ``torch.nn.functional.nll_loss(input, target, weight=weight,
    ignore_index=ignore_index, reduction=reduction)``.
    Convention: an ignored position adds nothing whatever its row holds (``nan``, ``inf``):
    torch leaves it out rather than weighting it by 0.
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x = _floating(input)
    z = _classes_last(x)
    safe, mask, _, w_t = _class_targets(target, z.shape[-1], weight, ignore_index)
    loss = -w_t * _target_entries(z, safe, mask)  # float64: w_t is
    return _reduce(loss, reduction, float(w_t.sum())).astype(x.dtype, copy=False)
    # END SOLUTION


def nll_loss_grad(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    ignore_index: int = -100,
    reduction: str = "mean",
    grad_output: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gradient of :func:`nll_loss` with respect to ``input``.

    .. math:: \frac{\partial \ell_n}{\partial x_{n,c}} = -w_{y_n}\,[c = y_n]

    Shapes: the shape of ``input``. Ignored targets get a zero gradient (also when all are).
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x = _floating(input)
    z = _classes_last(x)
    safe, mask, _, w_t = _class_targets(target, z.shape[-1], weight, ignore_index)
    u = np.where(mask, _upstream(grad_output, safe.shape, reduction, float(w_t.sum())), 0.0)
    g = np.zeros(z.shape)  # classes last; only each target's entry is nonzero
    np.put_along_axis(g, safe[..., None], (-w_t * u)[..., None], axis=-1)
    return _classes_back(g).astype(x.dtype, copy=False)
    # END SOLUTION


def _bce_check(x: np.ndarray, y: np.ndarray) -> None:
    """torch's input checks for :func:`binary_cross_entropy`."""
    # BEGIN SOLUTION
    if x.shape != y.shape:
        raise ValueError(
            f"Using a target size ({y.shape}) that is different to the input size ({x.shape}) "
            "is deprecated. Please ensure they have the same size."
        )
    if np.any(~((x >= 0) & (x <= 1))):
        raise ValueError("all elements of input should be between 0 and 1")
    # END SOLUTION


def binary_cross_entropy(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
) -> np.ndarray:
    r"""Binary cross-entropy of probabilities ``input`` in [0, 1].

    .. math:: \ell_n = -w_n\bigl[y_n \max(\log x_n, -100) + (1 - y_n)\max(\log(1 - x_n), -100)\bigr]

    Reductions: ``'none'``, ``'sum'``, ``'mean'`` over all elements.
    Shapes: input and target the same shape; ``weight`` broadcasts to it.
    Torch: ``torch.nn.functional.binary_cross_entropy(input, target, weight=weight,
    reduction=reduction)``.
    Convention: each log is clamped at -100 (torch), so ``x = 0`` with ``y = 1`` costs 100, not
    inf; ``log(1 - x)`` is evaluated as ``log1p(-x)``. Inputs outside [0, 1] raise ``ValueError``.
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    _bce_check(x, y)
    with np.errstate(divide="ignore"):
        log_x = np.maximum(np.log(x), -100.0)
        log_1mx = np.maximum(np.log1p(-x), -100.0)
    loss = (y - 1) * log_1mx - y * log_x
    if weight is not None:
        loss = loss * _floating(weight)
    return _reduce(loss, reduction).astype(x.dtype, copy=False)
    # END SOLUTION


def binary_cross_entropy_grad(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    grad_output: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gradient of :func:`binary_cross_entropy` with respect to ``input``.

    .. math:: \frac{\partial \ell_n}{\partial x_n} = w_n\,\frac{x_n - y_n}{\max\bigl(x_n(1-x_n),
        \epsilon\bigr)}, \qquad \epsilon = \operatorname{float32}(10^{-12})

    Convention: torch's backward formula, whose denominator is clamped at torch's ``EPSILON``,
    the float32 value of 1e-12 (9.99999996e-13), so it stays finite at ``x = 0`` and ``x = 1``;
    it is not the derivative of the clamped logs there.
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    _bce_check(x, y)
    g = (x - y) / np.maximum(x * (1 - x), float(np.float32(1e-12)))
    if weight is not None:
        g = g * _floating(weight)
    g = g * _upstream(grad_output, g.shape, reduction)
    return _unbroadcast(g, x.shape).astype(x.dtype, copy=False)
    # END SOLUTION


def binary_cross_entropy_with_logits(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    pos_weight: ArrayLike | None = None,
) -> np.ndarray:
    r"""Binary cross-entropy of logits: sigmoid fused with BCE, in the log domain.

    .. math::
        \ell_n = -w_n\bigl[p\,y_n \log\sigma(x_n) + (1 - y_n)\log(1 - \sigma(x_n))\bigr]
               = w_n\bigl[(1 - y_n)\,x_n + (1 + (p - 1)\,y_n)\operatorname{softplus}(-x_n)\bigr]

    with :math:`p` = ``pos_weight`` (broadcast along the last, class axis; 1 by default).
    Reductions: ``'none'``, ``'sum'``, ``'mean'`` over all elements.
    Torch: ``torch.nn.functional.binary_cross_entropy_with_logits(input, target, weight=weight,
    reduction=reduction, pos_weight=pos_weight)``.
    Stability: softplus as ``logaddexp(0, -x)``, finite for ``|x| = 1000`` (not sigmoid, then log).
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    loss = _softplus(-x)
    if pos_weight is not None:
        loss = loss * (1 + (_floating(pos_weight) - 1) * y)
    loss += (1 - y) * x
    if weight is not None:
        loss = loss * _floating(weight)
    return _reduce(loss, reduction).astype(x.dtype, copy=False)
    # END SOLUTION


def binary_cross_entropy_with_logits_grad(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    pos_weight: ArrayLike | None = None,
    grad_output: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gradient of :func:`binary_cross_entropy_with_logits` with respect to ``input``.

    .. math:: \frac{\partial \ell_n}{\partial x_n} = w_n\bigl[(1 + (p-1)\,y_n)\,\sigma(x_n)
        - p\,y_n\bigr] \;=\; w_n(\sigma(x_n) - y_n) \text{ for } p = 1

    (the notes' "σ(z) − y" of seed 004).
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    s = _sigmoid(x)
    if pos_weight is None:
        g = s - y
    else:
        py = _floating(pos_weight) * y
        g = (1 + py - y) * s - py
    if weight is not None:
        g = g * _floating(weight)
    g = g * _upstream(grad_output, np.shape(g), reduction)
    return _unbroadcast(g, x.shape).astype(x.dtype, copy=False)
    # END SOLUTION


# --------------------------------------------------------------------------------------------
# Distribution losses: KL divergence, Poisson NLL
# --------------------------------------------------------------------------------------------


def kl_div(
    input: ArrayLike, target: ArrayLike, reduction: str = "mean", log_target: bool = False
) -> np.ndarray:
    r"""Kullback-Leibler divergence of the target from the log-probabilities ``input``.

    .. math:: \ell_n = y_n(\log y_n - x_n) \quad\text{or, with log\_target,}\quad
        \ell_n = e^{y_n}(y_n - x_n)

    Reductions: ``'none'``, ``'sum'``, ``'mean'`` (over all elements: not the KL divergence),
    ``'batchmean'`` :math:`\sum_n \ell_n / N` with N = ``input.shape[0]`` (the KL divergence
    per sample; a 0-d input is not divided).
    Torch: ``torch.nn.functional.kl_div(input, target, reduction=reduction,
    log_target=log_target)``.
    Convention: :math:`0 \log 0 = 0` (torch's ``xlogy``); a negative target gives ``nan``.
    """
    # BEGIN SOLUTION
    _check_reduction(reduction, batchmean=True)
    x, y = _floating(input), _floating(target)
    if log_target:
        with np.errstate(over="ignore"):
            loss = np.exp(y) * (y - x)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            ylogy = np.where(y == 0, 0.0, y * np.log(y))
        loss = ylogy - y * x
    return _reduce(loss, reduction).astype(x.dtype, copy=False)
    # END SOLUTION


def kl_div_grad(
    input: ArrayLike,
    target: ArrayLike,
    reduction: str = "mean",
    log_target: bool = False,
    grad_output: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gradient of :func:`kl_div` with respect to ``input``.

    .. math:: \frac{\partial \ell_n}{\partial x_n} = -y_n \quad\text{or, with log\_target,}\quad
        -e^{y_n}
    """
    # BEGIN SOLUTION
    _check_reduction(reduction, batchmean=True)
    x, y = _floating(input), _floating(target)
    with np.errstate(over="ignore"):
        g = -np.exp(y) if log_target else -y
    g = np.broadcast_to(g, np.broadcast_shapes(x.shape, y.shape))
    g = g * _upstream(grad_output, g.shape, reduction)
    return _unbroadcast(g, x.shape).astype(x.dtype, copy=False)
    # END SOLUTION


def poisson_nll_loss(
    input: ArrayLike,
    target: ArrayLike,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    reduction: str = "mean",
) -> np.ndarray:
    r"""Negative log-likelihood of a Poisson target with rate :math:`\lambda` (up to a constant).

    .. math::
        \ell_n = e^{x_n} - y_n x_n \;(\text{log\_input}) \qquad
        \ell_n = x_n - y_n \log(x_n + \text{eps}) \;(\text{otherwise})

    ``full=True`` adds Stirling's approximation of :math:`\log(y_n!)`,
    :math:`y_n \log y_n - y_n + \tfrac12 \log(2\pi y_n)`, only where :math:`y_n > 1`.
    Reductions: ``'none'``, ``'sum'``, ``'mean'`` over all elements.
    Torch: ``torch.nn.functional.poisson_nll_loss(input, target, log_input=log_input,
    full=full, eps=eps, reduction=reduction)``.
    Convention: ``exp(x)`` overflows to ``inf`` for ``x > 709`` (float64) exactly as torch does.
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        loss = np.exp(x) - y * x if log_input else x - y * np.log(x + eps)
        if full:
            yy = np.where(y > 1, y, 1.0)
            stirling = yy * np.log(yy) - yy + 0.5 * np.log(2 * np.pi * yy)
            loss = loss + np.where(y > 1, stirling, 0.0)
    return _reduce(loss, reduction).astype(x.dtype, copy=False)
    # END SOLUTION


def poisson_nll_loss_grad(
    input: ArrayLike,
    target: ArrayLike,
    log_input: bool = True,
    full: bool = False,
    eps: float = 1e-8,
    reduction: str = "mean",
    grad_output: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gradient of :func:`poisson_nll_loss` with respect to ``input``.

    .. math:: \frac{\partial \ell_n}{\partial x_n} = e^{x_n} - y_n \;(\text{log\_input}) \qquad
        1 - \frac{y_n}{x_n + \text{eps}} \;(\text{otherwise})

    The Stirling term does not depend on the input (``full`` changes nothing here).
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        g = np.exp(x) - y if log_input else 1 - y / (x + eps)
        g = g * _upstream(grad_output, np.shape(g), reduction)
    return _unbroadcast(g, x.shape).astype(x.dtype, copy=False)
    # END SOLUTION


# --------------------------------------------------------------------------------------------
# Margin and embedding losses
# --------------------------------------------------------------------------------------------


def _ranking_check(*arrays: np.ndarray) -> None:
    """torch's check that ``margin_ranking_loss`` inputs have the same number of dimensions."""
    # BEGIN SOLUTION
    if len({a.ndim for a in arrays}) != 1:
        raise ValueError(
            "margin_ranking_loss : All input tensors should have same dimension but got sizes: "
            + ", ".join(f"input{i}: {a.shape}" for i, a in enumerate(arrays, 1))
        )
    # END SOLUTION


def margin_ranking_loss(
    input1: ArrayLike,
    input2: ArrayLike,
    target: ArrayLike,
    margin: float = 0.0,
    reduction: str = "mean",
) -> np.ndarray:
    r"""Margin ranking loss: ``input1`` should rank above ``input2`` when ``target = 1``.

    .. math:: \ell_n = \max\bigl(0,\; -y_n (x_{1,n} - x_{2,n}) + \text{margin}\bigr),
        \qquad y_n \in \{1, -1\}

    Reductions: ``'none'`` (one loss per pair, the broadcast shape), ``'sum'``, ``'mean'``.
    Torch: ``torch.nn.functional.margin_ranking_loss(input1, input2, target, margin=margin,
    reduction=reduction)``.
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x1, x2, y = _floating(input1), _floating(input2), _floating(target)
    _ranking_check(x1, x2, y)
    loss = np.maximum(-y * (x1 - x2) + margin, 0.0)
    return _reduce(loss, reduction).astype(x1.dtype)
    # END SOLUTION


def margin_ranking_loss_grad(
    input1: ArrayLike,
    input2: ArrayLike,
    target: ArrayLike,
    margin: float = 0.0,
    reduction: str = "mean",
    grad_output: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradients of :func:`margin_ranking_loss` with respect to ``(input1, input2)``.

    .. math:: \frac{\partial \ell_n}{\partial x_{1,n}} = -\frac{\partial \ell_n}{\partial x_{2,n}}
        = -y_n\,[\,-y_n(x_{1,n} - x_{2,n}) + \text{margin} \ge 0\,]

    Convention: at the hinge (argument exactly 0) the gradient is passed, as torch's
    ``clamp_min`` backward does (``>=``).
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x1, x2, y = _floating(input1), _floating(input2), _floating(target)
    _ranking_check(x1, x2, y)
    z = -y * (x1 - x2) + margin
    g = -y * (z >= 0) * _upstream(grad_output, z.shape, reduction)
    return _unbroadcast(g, x1.shape).astype(x1.dtype), _unbroadcast(-g, x2.shape).astype(x2.dtype)
    # END SOLUTION


def _as_rows(x: np.ndarray) -> np.ndarray:
    """``x`` as float64 rows ``(N, C)``: ``(C,)`` is one row, a 0-d input one row of one class."""
    # BEGIN SOLUTION
    return x.reshape(-1, x.shape[-1] if x.ndim else 1).astype(np.float64, copy=False)
    # END SOLUTION


def _multilabel_pairs(x: np.ndarray, target: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """For (N, C) input: ``(target_at, z)``, the pairs of the multilabel margin loss.

    ``target_at`` (N, K) is the flat index in ``x`` of each target entry (entry ``j`` of row
    ``n`` at ``n*C + y[n, j]``; the -1 padding and what follows it at ``n*C``), K the longest
    run of targets (later columns hold only padding). ``z[n, j, i] = 1 - x[n, y[n, j]] + x[n, i]``
    for a target entry ``j`` before the first -1 and a non-target class ``i``; every other pair
    gets ``-inf`` or ``nan`` (its target's value taken as ``+inf``, a target class's as ``-inf``),
    so ``z > 0`` marks exactly the active pairs, torch's test (``nan`` fails it).
    """
    # BEGIN SOLUTION
    t = np.asarray(target).reshape(x.shape)
    if t.dtype.kind not in "iu":
        raise TypeError(f"multilabel_margin_loss targets must be integers, got dtype {t.dtype}")
    n, c = x.shape
    if np.any((t < -1) | (t >= c)):
        raise ValueError("multilabel_margin_loss: target out of range [-1, C)")
    ends = np.argmax(np.column_stack((t < 0, np.ones(n, dtype=bool))), axis=1)  # first -1, or C
    longest = int(ends.max(initial=0))  # the columns after it are padding only
    valid = np.arange(longest) < ends[:, None]
    target_at = np.arange(n)[:, None] * c + np.where(valid, t[:, :longest], 0)
    flat_x = x.ravel()
    is_target = np.zeros(n * c, dtype=bool)
    is_target[target_at[valid]] = True
    x_t = np.where(valid, flat_x[target_at], np.inf)  # padding beats nothing
    x_i = np.where(is_target, -np.inf, flat_x).reshape(n, c)  # a target is never a non-target
    with np.errstate(invalid="ignore"):  # inf - inf = nan: such a pair is not active
        z = (1 - x_t)[:, :, None] + x_i[:, None, :]
    return target_at, z
    # END SOLUTION


def multilabel_margin_loss(
    input: ArrayLike, target: ArrayLike, reduction: str = "mean"
) -> np.ndarray:
    r"""Multi-label hinge loss: every target class should beat every non-target class by 1.

    .. math:: \ell_n = \sum_{j} \sum_{i \notin \mathcal{Y}_n}
        \frac{\max\bigl(0,\; 1 - (x_{n, y_{n,j}} - x_{n,i})\bigr)}{C}

    where :math:`y_{n,j}` runs over the target entries before the first -1 and
    :math:`\mathcal{Y}_n` is their set (a repeated target counts twice in the sum).
    Reductions: ``'none'`` (shape ``(N,)``, 0-d unbatched), ``'sum'``, ``'mean'`` over samples.
    Shapes: input ``(C,)`` or ``(N, C)``; target the same shape, integers, padded with -1.
    A 0-d input is one sample of one class (as torch reads it): its loss is 0.
    Torch: ``torch.nn.functional.multilabel_margin_loss(input, target, reduction=reduction)``.
    Convention: a pair whose hinge argument is ``nan`` adds nothing (torch adds ``z`` only
    where ``z > 0``).
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x = _floating(input)
    x2 = _as_rows(x)
    _, z = _multilabel_pairs(x2, target)
    hinge = np.fmax(z, 0, out=z)  # fmax: a nan pair gives 0
    loss = hinge.sum(axis=(1, 2)) / x2.shape[1]
    return _reduce(loss.reshape(x.shape[:-1]), reduction).astype(x.dtype, copy=False)
    # END SOLUTION


def multilabel_margin_loss_grad(
    input: ArrayLike,
    target: ArrayLike,
    reduction: str = "mean",
    grad_output: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gradient of :func:`multilabel_margin_loss` with respect to ``input``.

    Each active pair (hinge argument :math:`> 0`) adds :math:`+1/C` to the non-target class
    :math:`i` and :math:`-1/C` to the target class :math:`y_{n,j}`.
    Convention: a pair exactly at the hinge (argument 0) contributes nothing (torch: ``z > 0``).
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x = _floating(input)
    x2 = _as_rows(x)
    n, c = x2.shape
    target_at, z = _multilabel_pairs(x2, target)
    active = z > 0
    scale = _upstream(grad_output, x.shape[:-1], reduction).reshape(n, 1) / c
    g = active.sum(axis=1) * scale  # +1/C for each active pair of non-target class i
    per_target = active.sum(axis=2) * scale  # -1/C for each, at the pair's target class
    g -= np.bincount(target_at.ravel(), per_target.ravel(), minlength=n * c).reshape(n, c)
    return g.reshape(x.shape).astype(x.dtype, copy=False)
    # END SOLUTION


def soft_margin_loss(input: ArrayLike, target: ArrayLike, reduction: str = "mean") -> np.ndarray:
    r"""Two-class logistic loss with targets :math:`y_n \in \{1, -1\}`.

    .. math:: \ell_n = \log\bigl(1 + e^{-y_n x_n}\bigr)

    Reductions: ``'none'``, ``'sum'``, ``'mean'`` over all elements.
    Torch: ``torch.nn.functional.soft_margin_loss(input, target, reduction=reduction)``.
    Convention: evaluated as ``logaddexp(0, -y x)``, so it stays finite where torch's
    ``log1p(exp(-y x))`` overflows to ``inf`` (:math:`-y x > 709` in float64): there this
    reference returns the exact value :math:`\approx -y x` instead of torch's ``inf``.
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    return _reduce(_softplus(-y * x), reduction).astype(x.dtype, copy=False)
    # END SOLUTION


def soft_margin_loss_grad(
    input: ArrayLike,
    target: ArrayLike,
    reduction: str = "mean",
    grad_output: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gradient of :func:`soft_margin_loss` with respect to ``input``.

    .. math:: \frac{\partial \ell_n}{\partial x_n} = -y_n\,\sigma(-y_n x_n)

    Convention: finite everywhere (torch returns ``nan`` where its forward overflows).
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    g = -y * _sigmoid(-y * x)
    g = g * _upstream(grad_output, g.shape, reduction)
    return _unbroadcast(g, x.shape).astype(x.dtype, copy=False)
    # END SOLUTION


def multilabel_soft_margin_loss(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
) -> np.ndarray:
    r"""Multi-label one-versus-all logistic loss, averaged over the C classes.

    .. math:: \ell_n = -\frac{1}{C}\sum_{c=1}^{C} w_c\bigl[y_{n,c}\log\sigma(x_{n,c})
        + (1 - y_{n,c})\log\sigma(-x_{n,c})\bigr]

    Reductions: ``'none'`` (input's shape without the last axis), ``'sum'``, ``'mean'``.
    Shapes: input and target ``(N, C)`` (or ``(C,)``); ``weight`` broadcasts to them.
    Torch: ``torch.nn.functional.multilabel_soft_margin_loss(input, target, weight=weight,
    reduction=reduction)``.
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    terms = _softplus(-x)  # y log(1 + e^-x) + (1 - y) log(1 + e^x), as softplus(x) = ...
    terms += (1 - y) * x  # ... softplus(-x) + x
    if weight is not None:
        terms = terms * _floating(weight)
    return _reduce(terms.sum(axis=-1) / x.shape[-1], reduction).astype(x.dtype, copy=False)
    # END SOLUTION


def multilabel_soft_margin_loss_grad(
    input: ArrayLike,
    target: ArrayLike,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    grad_output: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gradient of :func:`multilabel_soft_margin_loss` with respect to ``input``.

    .. math:: \frac{\partial \ell_n}{\partial x_{n,c}} = \frac{w_c}{C}\,(\sigma(x_{n,c}) - y_{n,c})
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    g = (_sigmoid(x) - y) / x.shape[-1]
    if weight is not None:
        g = g * _floating(weight)
    g = g * _upstream(grad_output, g.shape[:-1], reduction)[..., None]
    return _unbroadcast(g, x.shape).astype(x.dtype, copy=False)
    # END SOLUTION


def _multi_margin_parts(
    input: ArrayLike, target: ArrayLike, p: int, margin: float, weight: ArrayLike | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x2, t, z, w_t)`` for the rows ``x2`` (N, C) of the input (see :func:`_as_rows`).

    ``z[n, i] = margin - x[n, t_n] + x[n, i]``, 0 at ``t_n``; ``t`` the N flat targets;
    ``w_t`` the weight of each sample's target class (ones without ``weight``).
    """
    # BEGIN SOLUTION
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    x2 = _as_rows(_floating(input))
    n, c = x2.shape
    t = np.asarray(target).reshape(-1)
    if t.dtype.kind not in "iu":
        raise TypeError(f"multi_margin_loss targets must be integers, got dtype {t.dtype}")
    if np.ndim(target) > 1 or t.size != n:
        raise ValueError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of "
            f"input samples (batch size). Expected target size [{n}], "
            f"but got {list(np.shape(target))}."
        )
    if np.any((t < 0) | (t >= c)):
        raise IndexError("multi_margin_loss: target out of range")
    w = np.ones(c) if weight is None else _floating(weight).astype(np.float64).reshape(c)
    z = (margin - _gather_last(x2, t))[:, None] + x2
    z[np.arange(len(t)), t] = 0.0
    return x2, t, z, w[t]
    # END SOLUTION


def multi_margin_loss(
    input: ArrayLike,
    target: ArrayLike,
    p: int = 1,
    margin: float = 1.0,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
) -> np.ndarray:
    r"""Multi-class hinge loss (one target class per sample).

    .. math:: \ell_n = \frac{1}{C}\sum_{i \ne y_n} w_{y_n}
        \max\bigl(0,\; \text{margin} - x_{n,y_n} + x_{n,i}\bigr)^p, \qquad p \in \{1, 2\}

    Reductions: ``'none'`` (the target's shape: ``(N,)``, or 0-d for a 0-d target), ``'sum'``,
    ``'mean'`` over samples.
    Shapes: input ``(C,)`` or ``(N, C)``; target ``()`` or ``(N,)`` integers (an unbatched
    input takes ``()`` or ``(1,)``); weight ``(C,)``. A 0-d input is one sample of one class
    (as torch reads it): its loss is 0.
    Torch: ``torch.nn.functional.multi_margin_loss(input, target, p=p, margin=margin,
    weight=weight, reduction=reduction)``.
    Convention: the weight multiplies the p-th power (it is not raised to p).
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x = _floating(input)
    x2, _, z, w_t = _multi_margin_parts(input, target, p, margin, weight)
    h = np.maximum(z, 0.0)
    if p == 2:
        h *= h
    loss = w_t * h.sum(axis=1) / x2.shape[1]
    return _reduce(loss.reshape(np.shape(target)), reduction).astype(x.dtype, copy=False)
    # END SOLUTION


def multi_margin_loss_grad(
    input: ArrayLike,
    target: ArrayLike,
    p: int = 1,
    margin: float = 1.0,
    weight: ArrayLike | None = None,
    reduction: str = "mean",
    grad_output: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gradient of :func:`multi_margin_loss` with respect to ``input``.

    For each :math:`i \ne y_n` with :math:`z_{n,i} = \text{margin} - x_{n,y_n} + x_{n,i} > 0`:
    :math:`\partial\ell_n/\partial x_{n,i} = w_{y_n}\,p\,z_{n,i}^{p-1}/C`, and
    :math:`\partial\ell_n/\partial x_{n,y_n}` is minus their sum.
    Convention: zero at the hinge :math:`z = 0` (torch's kernel tests ``z > 0``).
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x = _floating(input)
    x2, t, z, w_t = _multi_margin_parts(input, target, p, margin, weight)
    n, c = x2.shape
    u = _upstream(grad_output, np.shape(target), reduction).reshape(n)
    scale = (w_t * u / c)[:, None]
    g = (z > 0) * scale if p == 1 else np.maximum(z, 0.0) * (2 * scale)  # d max(z, 0)^p / dz
    g[np.arange(n), t] = -g.sum(axis=1)
    return g.reshape(x.shape).astype(x.dtype, copy=False)
    # END SOLUTION


def _pnorm(v: np.ndarray, p: float) -> np.ndarray:
    r""":math:`\lVert v \rVert_p` over the last axis (``p = inf``: max, ``p = 0``: count)."""
    # BEGIN SOLUTION
    if p == 2:  # Euclidean: the square root of each row's dot product with itself
        return np.sqrt(np.einsum("...d,...d->...", v, v))
    a = np.abs(v)
    if np.isinf(p):
        return a.max(axis=-1)
    if p == 0:
        return (a != 0).sum(axis=-1).astype(np.float64)
    return (a**p).sum(axis=-1) ** (1.0 / p)
    # END SOLUTION


def _pnorm_grad(v: np.ndarray, norm: np.ndarray, p: float, upstream: np.ndarray) -> np.ndarray:
    r"""``upstream`` (one factor per row) times :math:`\partial \lVert v \rVert_p / \partial v`.

    ``norm`` is :func:`_pnorm` of ``v``. torch's backward conventions: p = inf shares the
    gradient equally among the entries of maximal ``|v|``; p = 0 gives zero; a zero vector
    has a zero gradient; sign(0) = 0.
    """
    # BEGIN SOLUTION
    if np.isinf(p):
        hit = (np.abs(v) == norm[..., None]).astype(np.float64)
        return np.sign(v) * hit * (upstream[..., None] / hit.sum(axis=-1, keepdims=True))
    if p == 0:
        return np.zeros_like(v)
    with np.errstate(divide="ignore"):  # a zero row: its gradient is zero
        inv = np.where(norm > 0, norm ** (1.0 - p), 0.0)  # 1 / ||v||^(p-1)
    inv = (inv * upstream)[..., None]
    if p == 2:  # Euclidean: v / ||v||
        return v * inv
    a = np.abs(v)
    with np.errstate(divide="ignore", invalid="ignore"):  # 0^(p-1) for p < 1
        scale = np.where(a > 0, a ** (p - 1), 0.0)
    scale *= np.sign(v)
    scale *= inv
    return scale
    # END SOLUTION


def _triplet_parts(
    anchor: ArrayLike,
    positive: ArrayLike,
    negative: ArrayLike,
    margin: float,
    p: float,
    eps: float,
    swap: bool,
) -> dict[str, np.ndarray]:
    r"""Differences ``v_*``, distances ``d_*``, the hinge argument ``z`` and the swap choice.

    ``w_an`` is the share of :math:`d(a, n)` in :math:`\min(d(a, n), d(p, n))` (1 without swap).
    """
    # BEGIN SOLUTION
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pos, neg = (_floating(v).astype(np.float64) for v in (anchor, positive, negative))
    if not a.ndim == pos.ndim == neg.ndim:
        raise ValueError(
            "The anchor, positive, and negative tensors are expected to have the same number "
            f"of dimensions, but got: anchor {a.ndim}D, positive {pos.ndim}D, and "
            f"negative {neg.ndim}D inputs"
        )
    a, pos, neg = np.atleast_1d(a, pos, neg)  # 0-d: a vector of one entry, as torch's norm
    v_ap, v_an = a - pos, a - neg
    v_ap += eps
    v_an += eps
    d_ap, d_an = _pnorm(v_ap, p), _pnorm(v_an, p)
    parts = {"v_ap": v_ap, "v_an": v_an, "d_ap": d_ap, "d_an": d_an, "w_an": np.ones_like(d_an)}
    d_neg = d_an
    if swap:
        v_pn = pos - neg + eps
        d_pn = _pnorm(v_pn, p)
        parts |= {"v_pn": v_pn, "d_pn": d_pn}
        parts["w_an"] = np.where(d_an < d_pn, 1.0, np.where(d_an == d_pn, 0.5, 0.0))
        d_neg = np.minimum(d_an, d_pn)
    parts["z"] = margin + d_ap - d_neg
    return parts
    # END SOLUTION


def triplet_margin_loss(
    anchor: ArrayLike,
    positive: ArrayLike,
    negative: ArrayLike,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: str = "mean",
) -> np.ndarray:
    r"""Triplet loss: the anchor should be nearer the positive than the negative by ``margin``.

    .. math:: \ell_n = \max\bigl(d(a_n, p_n) - d(a_n, n_n) + \text{margin},\; 0\bigr),
        \qquad d(u, v) = \lVert u - v + \text{eps} \rVert_p

    With ``swap=True`` (Balntas et al., 2016) :math:`d(a_n, n_n)` is replaced by
    :math:`\min(d(a_n, n_n), d(p_n, n_n))`.
    Reductions: ``'none'`` (shape ``(N,)``, 0-d unbatched), ``'sum'``, ``'mean'``.
    Shapes: anchor, positive, negative ``(N, D)`` or ``(D,)`` (same number of dimensions,
    broadcastable); the norm is over the last axis.
    Torch: ``torch.nn.functional.triplet_margin_loss(anchor, positive, negative, margin=margin,
    p=p, eps=eps, swap=swap, reduction=reduction)``.
    Convention: ``d`` is ``torch.nn.functional.pairwise_distance``, which adds ``eps`` to the
    difference (not to the norm); ``margin <= 0`` raises ``ValueError``.
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    parts = _triplet_parts(anchor, positive, negative, margin, p, eps, swap)
    loss = np.maximum(parts["z"], 0.0)
    return _reduce(loss, reduction).astype(_floating(anchor).dtype)
    # END SOLUTION


def triplet_margin_loss_grad(
    anchor: ArrayLike,
    positive: ArrayLike,
    negative: ArrayLike,
    margin: float = 1.0,
    p: float = 2,
    eps: float = 1e-6,
    swap: bool = False,
    reduction: str = "mean",
    grad_output: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Gradients of :func:`triplet_margin_loss` with respect to ``(anchor, positive, negative)``.

    With :math:`\nu(u) = \nabla_u \lVert u \rVert_p` and an active hinge,
    :math:`\partial\ell/\partial a = \nu(a - p + \text{eps}) - \nu(a - n + \text{eps})`,
    :math:`\partial\ell/\partial p = -\nu(a - p + \text{eps})`,
    :math:`\partial\ell/\partial n = \nu(a - n + \text{eps})` (swap moves the negative term
    to :math:`d(p, n)` where it is smaller).
    Convention: at the hinge (argument exactly 0) the gradient is passed (torch's
    ``clamp_min``); a tie :math:`d(a,n) = d(p,n)` under swap splits the gradient equally
    (torch's ``min``); ``norm`` conventions of :func:`_pnorm`.
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    dtype = _floating(anchor).dtype
    parts = _triplet_parts(anchor, positive, negative, margin, p, eps, swap)
    z, w_an = parts["z"], parts["w_an"]
    u = (z >= 0) * _upstream(grad_output, z.shape, reduction)
    n_ap = _pnorm_grad(parts["v_ap"], parts["d_ap"], p, u)
    n_an = _pnorm_grad(parts["v_an"], parts["d_an"], p, u * w_an)  # d(a, n)'s share
    g_a, g_p, g_n = n_ap - n_an, -n_ap, n_an
    if swap:
        n_pn = _pnorm_grad(parts["v_pn"], parts["d_pn"], p, u * (1 - w_an))  # d(p, n)'s share
        g_p -= n_pn
        g_n += n_pn
    return (
        _unbroadcast(g_a, np.shape(anchor)).astype(dtype, copy=False),
        _unbroadcast(g_p, np.shape(positive)).astype(dtype, copy=False),
        _unbroadcast(g_n, np.shape(negative)).astype(dtype, copy=False),
    )
    # END SOLUTION


def hinge_embedding_loss(
    input: ArrayLike, target: ArrayLike, margin: float = 1.0, reduction: str = "mean"
) -> np.ndarray:
    r"""Hinge embedding loss for a distance ``input`` and a similar/dissimilar label.

    .. math:: \ell_n = \begin{cases} x_n, & y_n = 1 \\ \max(0, \text{margin} - x_n), & y_n = -1
        \end{cases}

    Reductions: ``'none'``, ``'sum'``, ``'mean'`` over all elements.
    Torch: ``torch.nn.functional.hinge_embedding_loss(input, target, margin=margin,
    reduction=reduction)``.
    Convention: as torch computes it, :math:`\ell_n = [y_n \ne -1]\,x_n + [y_n \ne 1]
    \max(0, \text{margin} - x_n)`, so a label other than ±1 gets both terms.
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    loss = np.maximum(margin - x, 0.0) * (y != 1) + x * (y != -1)
    return _reduce(loss, reduction).astype(x.dtype, copy=False)
    # END SOLUTION


def hinge_embedding_loss_grad(
    input: ArrayLike,
    target: ArrayLike,
    margin: float = 1.0,
    reduction: str = "mean",
    grad_output: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gradient of :func:`hinge_embedding_loss` with respect to ``input``.

    .. math:: \frac{\partial \ell_n}{\partial x_n} = [y_n \ne -1]
        - [y_n \ne 1]\,[\text{margin} - x_n \ge 0]

    Convention: at the hinge :math:`x_n = \text{margin}` the gradient is -1 for
    :math:`y_n = -1` (torch's ``clamp_min`` passes it).
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    g = (y != -1).astype(np.float64) - ((y != 1) & (margin - x >= 0))
    g = np.broadcast_to(g, np.broadcast_shapes(x.shape, y.shape))
    g = g * _upstream(grad_output, g.shape, reduction)
    return _unbroadcast(g, x.shape).astype(x.dtype, copy=False)
    # END SOLUTION


def _cosine_parts(
    input1: ArrayLike, input2: ArrayLike, target: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(y, x1, x2, cos, m1, m2)`` of :func:`cosine_embedding_loss` in float64.

    ``m_i = ||x_i||^2 + 1e-12`` (over the last axis), ``cos = x1.x2 / sqrt(m1 m2)``.
    """
    # BEGIN SOLUTION
    x1, x2 = _floating(input1).astype(np.float64), _floating(input2).astype(np.float64)
    y = np.asarray(target, dtype=np.float64)
    if y.ndim not in (0, 1):
        raise ValueError("0D or 1D target tensor expected, multi-target not supported")
    if x1.ndim != y.ndim + 1 or x2.ndim != y.ndim + 1:
        raise ValueError(
            f"{y.ndim}D target tensor expects {y.ndim + 1}D input tensors, but found inputs "
            f"with sizes {x1.shape} and {x2.shape}."
        )
    row_dot = "...d,...d->..."  # einsum: the dot product of matching rows
    m1 = np.einsum(row_dot, x1, x1) + 1e-12
    m2 = np.einsum(row_dot, x2, x2) + 1e-12
    cos = np.einsum(row_dot, x1, x2) / np.sqrt(m1 * m2)
    return y, x1, x2, cos, m1, m2
    # END SOLUTION


def cosine_embedding_loss(
    input1: ArrayLike,
    input2: ArrayLike,
    target: ArrayLike,
    margin: float = 0.0,
    reduction: str = "mean",
) -> np.ndarray:
    r"""Cosine embedding loss: pull similar pairs together, push dissimilar ones apart.

    .. math:: \ell_n = \begin{cases} 1 - \cos(x_{1,n}, x_{2,n}), & y_n = 1 \\
        \max\bigl(0, \cos(x_{1,n}, x_{2,n}) - \text{margin}\bigr), & y_n = -1 \end{cases}
        \qquad \cos(u, v) = \frac{u \cdot v}{\sqrt{(\lVert u\rVert^2 + 10^{-12})
        (\lVert v\rVert^2 + 10^{-12})}}

    Reductions: ``'none'`` (shape ``(N,)``, 0-d unbatched), ``'sum'``, ``'mean'``.
    Shapes: inputs ``(N, D)`` with target ``(N,)``, or ``(D,)`` with a 0-d target.
    Torch: ``torch.nn.functional.cosine_embedding_loss(input1, input2, target, margin=margin,
    reduction=reduction)``.
    Convention: the 1e-12 inside each squared norm is torch's; a label other than ±1 gives 0.
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    y, _, _, cos, _, _ = _cosine_parts(input1, input2, target)
    loss = np.where(y == 1, 1 - cos, 0.0) + np.where(y == -1, np.maximum(cos - margin, 0.0), 0.0)
    return _reduce(loss, reduction).astype(_floating(input1).dtype)
    # END SOLUTION


def cosine_embedding_loss_grad(
    input1: ArrayLike,
    input2: ArrayLike,
    target: ArrayLike,
    margin: float = 0.0,
    reduction: str = "mean",
    grad_output: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    r"""Gradients of :func:`cosine_embedding_loss` with respect to ``(input1, input2)``.

    .. math:: \frac{\partial\cos}{\partial x_1} = \frac{x_2}{\sqrt{m_1 m_2}}
        - \cos\cdot\frac{x_1}{m_1}, \qquad m_i = \lVert x_i\rVert^2 + 10^{-12}

    times -1 for :math:`y_n = 1` and times :math:`[\cos - \text{margin} \ge 0]` for
    :math:`y_n = -1`.
    Convention: at :math:`\cos = \text{margin}` the gradient is passed (torch's ``clamp_min``).
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    y, x1, x2, cos, m1, m2 = _cosine_parts(input1, input2, target)
    coef = -1.0 * (y == 1) + 1.0 * ((y == -1) & (cos - margin >= 0))
    coef = coef * _upstream(grad_output, cos.shape, reduction)
    scale = (coef / np.sqrt(m1 * m2))[..., None]
    d1 = scale * x2 - (coef * cos / m1)[..., None] * x1  # coef * dcos/dx1
    d2 = scale * x1 - (coef * cos / m2)[..., None] * x2
    return d1.astype(_floating(input1).dtype, copy=False), d2.astype(
        _floating(input2).dtype, copy=False
    )
    # END SOLUTION


# --------------------------------------------------------------------------------------------
# Sequence loss: CTC
# --------------------------------------------------------------------------------------------


def _ctc_inputs(
    log_probs: ArrayLike,
    targets: ArrayLike,
    input_lengths: Lengths,
    target_lengths: Lengths,
) -> tuple[np.ndarray, bool, np.ndarray, np.ndarray, list[np.ndarray]]:
    """``(lp (T, N, C) float64, unbatched, input_lengths, target_lengths, target sequences)``."""
    # BEGIN SOLUTION
    lp = _floating(log_probs).astype(np.float64)
    unbatched = lp.ndim == 2
    if unbatched:
        lp = lp[:, None, :]
    if lp.ndim != 3:
        raise ValueError(f"log_probs must have shape (T, N, C) or (T, C), got {lp.shape}")
    t_max, n = lp.shape[:2]
    il = np.asarray(input_lengths, dtype=np.int64).reshape(-1)
    tl = np.asarray(target_lengths, dtype=np.int64).reshape(-1)
    if il.shape != (n,) or tl.shape != (n,):
        raise ValueError(f"input_lengths and target_lengths must have {n} entries")
    if np.any(il > t_max) or np.any(il < 0) or np.any(tl < 0):
        raise ValueError(f"Expected input_lengths in [0, {t_max}] and target_lengths >= 0")
    tg = np.asarray(targets, dtype=np.int64)
    if tg.ndim == 2 and not unbatched:
        seqs = [tg[i, : tl[i]] for i in range(n)]
    else:
        starts = np.concatenate([[0], np.cumsum(tl)])
        flat = tg.reshape(-1)
        seqs = [flat[starts[i] : starts[i + 1]] for i in range(n)]
    if any(len(s) != tl[i] for i, s in enumerate(seqs)):
        raise ValueError("targets hold fewer labels than target_lengths asks for")
    return lp, unbatched, il, tl, seqs
    # END SOLUTION


def _ctc_lattice(
    lp: np.ndarray, seqs: list[np.ndarray], blank: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    r"""``(emit, skip, ext, size)``: the CTC lattice of every sequence of the batch at once.

    ``ext[n]`` is the extended label sequence :math:`l'_n` (a blank before, between and after
    the labels) of ``size[n]`` :math:`= 2 L_n + 1` states, padded with blanks to the longest,
    S states; ``emit[t, n, s]`` is ``lp[t, n, ext[n, s]]``, and ``-inf`` on the padding, which
    no path can then reach; ``skip[n, s]`` says whether state s may be entered from s - 2
    (jumping a blank: :math:`l'_s` is a label that differs from :math:`l'_{s-2}`).
    """
    # BEGIN SOLUTION
    n = len(seqs)
    size = np.array([2 * len(q) + 1 for q in seqs], dtype=np.int64)
    ext = np.full((n, int(size.max(initial=1))), blank, dtype=np.int64)
    for i, q in enumerate(seqs):
        ext[i, 1 : size[i] : 2] = q
    emit = lp[:, np.arange(n)[:, None], ext]  # (T, N, S)
    emit[:, np.arange(ext.shape[1]) >= size[:, None]] = -np.inf
    skip = np.zeros(ext.shape, dtype=bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    return emit, skip, ext, size
    # END SOLUTION


def _log_add3(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """``log(e^a + e^b + e^c)`` elementwise, shifted by the largest (by 0 where all are -inf).

    One pass of exponentials and one logarithm for three terms (two ``np.logaddexp`` take
    twice as many). An infinite shift is left at 0, so ``-inf`` terms add nothing.
    """
    # BEGIN SOLUTION
    m = np.maximum(np.maximum(a, b), c)
    m[m == -np.inf] = 0.0  # all three -inf: exp(-inf - 0) = 0, log 0 = -inf
    total = np.exp(a - m)
    total += np.exp(b - m)
    total += np.exp(c - m)
    return np.log(total) + m
    # END SOLUTION


def _ctc_moved(a: np.ndarray, k: int, bias: np.ndarray | float = 0.0) -> np.ndarray:
    """``a`` (N, S) moved ``k`` states along the last axis (k < 0 moves back), plus ``bias``.

    ``out[:, s] = a[:, s - k] + bias``, ``-inf`` where no state moves in.
    """
    # BEGIN SOLUTION
    out = np.full(a.shape, -np.inf)
    if k > 0:
        out[:, k:] = a[:, :-k] + bias
    else:
        out[:, :k] = a[:, -k:] + bias
    return out
    # END SOLUTION


def _ctc_alpha(emit: np.ndarray, skip: np.ndarray) -> np.ndarray:
    r"""Forward variables :math:`\log\alpha_t(s)` (T, N, S): all paths ending in state s at t.

    :math:`\alpha_0(s) = y_0(l'_s)` for s < 2; :math:`\alpha_t(s) = y_t(l'_s)\,(\alpha_{t-1}(s)
    + \alpha_{t-1}(s-1) + [\text{skip}_s]\,\alpha_{t-1}(s-2))`, in log space; one step per
    frame for the whole batch (a sequence's frames past its length are not read).
    """
    # BEGIN SOLUTION
    alpha = np.full(emit.shape, -np.inf)
    alpha[0, :, :2] = emit[0, :, :2]
    skip_bias = np.where(skip[:, 2:], 0.0, -np.inf)  # -inf: state s is not entered from s - 2
    with np.errstate(under="ignore", divide="ignore", invalid="ignore"):
        for t in range(1, emit.shape[0]):
            prev = alpha[t - 1]
            stay, step, jump = prev, _ctc_moved(prev, 1), _ctc_moved(prev, 2, skip_bias)
            alpha[t] = _log_add3(stay, step, jump) + emit[t]
    return alpha
    # END SOLUTION


def _ctc_beta(emit: np.ndarray, skip: np.ndarray, il: np.ndarray, size: np.ndarray) -> np.ndarray:
    r"""Backward variables :math:`\log\beta_t(s)` (T, N, S): all paths from state s at t to the end.

    The mirror of :func:`_ctc_alpha`, starting at each sequence's last frame ``il[n] - 1`` in
    its last two states (a path may end on the last label or the final blank), ``-inf`` after.
    """
    # BEGIN SOLUTION
    steps, n, states = emit.shape
    last = np.full((n, states), -np.inf)  # log 1 in the two accepting states
    last[np.arange(n), size - 1] = 0.0
    last[np.arange(n), np.maximum(size - 2, 0)] = 0.0
    skip_bias = np.where(skip[:, 2:], 0.0, -np.inf)  # -inf: state s + 2 is not entered from s
    beta = np.full(emit.shape, -np.inf)
    with np.errstate(under="ignore", divide="ignore", invalid="ignore"):
        for t in range(steps - 1, -1, -1):
            b = np.full((n, states), -np.inf)
            if t + 1 < steps:
                nxt = beta[t + 1]
                stay, step, jump = nxt, _ctc_moved(nxt, -1), _ctc_moved(nxt, -2, skip_bias)
                b = _log_add3(stay, step, jump)
            b = np.where((il - 1 == t)[:, None], last, b)  # each sequence starts at its end
            beta[t] = b + emit[t]
    return beta
    # END SOLUTION


def _ctc_log_likelihood(alpha: np.ndarray, il: np.ndarray, size: np.ndarray) -> np.ndarray:
    """log p(target | log_probs) of each sequence: its final alpha in the two accepting states.

    An empty input (``il = 0``) has probability 1 for an empty target, else 0.
    """
    # BEGIN SOLUTION
    n = len(il)
    if alpha.shape[0] == 0:
        return np.where(size == 1, 0.0, -np.inf)
    final = alpha[np.maximum(il - 1, 0), np.arange(n)]  # (N, S): each sequence's last frame
    end_label = np.where(size > 1, final[np.arange(n), np.maximum(size - 2, 0)], -np.inf)
    log_p = np.logaddexp(final[np.arange(n), size - 1], end_label)
    return np.where(il > 0, log_p, np.where(size == 1, 0.0, -np.inf))
    # END SOLUTION


def ctc_loss(
    log_probs: ArrayLike,
    targets: ArrayLike,
    input_lengths: Lengths,
    target_lengths: Lengths,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
) -> np.ndarray:
    r"""Connectionist Temporal Classification loss (Graves et al., 2006).

    .. math:: \ell_n = -\log \sum_{\pi \in \mathcal{B}^{-1}(\mathbf{y}_n)}
        \prod_{t=1}^{T_n} \exp\bigl(\text{log\_probs}[t, n, \pi_t]\bigr)

    summed over every alignment :math:`\pi` of length :math:`T_n` = ``input_lengths[n]`` that
    collapses (merge repeats, then drop blanks) to the target :math:`\mathbf{y}_n`; computed by
    the forward (alpha) recursion in log space.
    Reductions: ``'none'`` (shape ``(N,)``, 0-d unbatched), ``'sum'``, ``'mean'``
    :math:`\frac1N\sum_n \ell_n / \max(S_n, 1)` with :math:`S_n` = ``target_lengths[n]``.
    Shapes: log_probs ``(T, N, C)`` (or ``(T, C)``); targets ``(N, S)`` padded or 1-D
    concatenated (``sum(target_lengths)``); lengths ``(N,)``.
    Torch: ``torch.nn.functional.ctc_loss(log_probs, targets, input_lengths, target_lengths,
    blank=blank, reduction=reduction, zero_infinity=zero_infinity)``.
    Convention: an impossible alignment gives ``inf``, replaced by 0 when ``zero_infinity``.
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    dtype = _floating(log_probs).dtype
    lp, unbatched, il, tl, seqs = _ctc_inputs(log_probs, targets, input_lengths, target_lengths)
    emit, skip, _, size = _ctc_lattice(lp, seqs, blank)
    loss = -_ctc_log_likelihood(_ctc_alpha(emit, skip), il, size)
    if zero_infinity:
        loss = np.where(np.isinf(loss), 0.0, loss)
    if reduction == "mean":
        return np.asarray(np.mean(loss / np.maximum(tl, 1)), dtype=dtype)
    return _reduce(loss[0] if unbatched else loss, reduction).astype(dtype)
    # END SOLUTION


def ctc_loss_grad(
    log_probs: ArrayLike,
    targets: ArrayLike,
    input_lengths: Lengths,
    target_lengths: Lengths,
    blank: int = 0,
    reduction: str = "mean",
    zero_infinity: bool = False,
    grad_output: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gradient of :func:`ctc_loss` with respect to the *logits* behind ``log_probs``.

    Assuming ``log_probs = log_softmax(logits, -1)``, the gradient is

    .. math:: \frac{\partial \ell_n}{\partial\, \text{logits}[t, n, c]}
        = \exp(\text{log\_probs}[t, n, c]) - \gamma_t(c)

    with :math:`\gamma_t(c)` the posterior probability that the alignment emits c at time t;
    zero for :math:`t \ge T_n`. Shapes: the shape of ``log_probs``.
    Torch: ``torch.autograd.grad(ctc_loss(log_softmax(logits, -1), ...), logits)``.
    Convention: gradient w.r.t. the logits, not w.r.t. ``log_probs`` (torch's own backward for
    log_probs returns this same quantity); an infinite loss gives ``nan`` rows for
    :math:`t < T_n` as torch does, or zeros with ``zero_infinity``.
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    dtype = _floating(log_probs).dtype
    lp, unbatched, il, tl, seqs = _ctc_inputs(log_probs, targets, input_lengths, target_lengths)
    n = lp.shape[1]
    if reduction == "mean":
        g = np.ones(()) if grad_output is None else np.asarray(grad_output, np.float64)
        u = np.full(n, g.reshape(()) / n) / np.maximum(tl, 1)
    else:
        u = _upstream(grad_output, () if unbatched else (n,), reduction).reshape(n)
    emit, skip, ext, size = _ctc_lattice(lp, seqs, blank)
    alpha = _ctc_alpha(emit, skip)
    log_p = _ctc_log_likelihood(alpha, il, size)
    beta = _ctc_beta(emit, skip, il, size)
    with np.errstate(invalid="ignore"):  # -inf - (-inf) on the states no path reaches
        log_post = alpha + beta - emit - log_p[:, None]  # log P(state s at t | target)
    post = np.where(np.isfinite(log_post), np.exp(log_post), 0.0)
    occupancy = np.einsum("tns,nsc->tnc", post, _one_hot(ext, lp.shape[2]))  # gamma_t(c)
    frames = (np.arange(lp.shape[0])[:, None] < il)[..., None]  # (T, N, 1): t < T_n
    grad = np.where(frames, (np.exp(lp) - occupancy) * u[:, None], 0.0)
    impossible = ~np.isfinite(log_p)
    grad[:, impossible] = np.where(frames[:, impossible], 0.0 if zero_infinity else np.nan, 0.0)
    return (grad[:, 0] if unbatched else grad).astype(dtype, copy=False)
    # END SOLUTION


# --------------------------------------------------------------------------------------------
# Center loss (seed 004; Wen et al., 2016)
# --------------------------------------------------------------------------------------------


def center_loss(
    features: ArrayLike, labels: ArrayLike, centers: ArrayLike, reduction: str = "sum"
) -> np.ndarray:
    r"""Center loss: half the squared distance of each feature to its class center.

    .. math:: \ell_i = \tfrac12 \lVert x_i - c_{y_i} \rVert_2^2, \qquad
        L_C = \tfrac12 \sum_{i=1}^{m} \lVert x_i - c_{y_i} \rVert_2^2 \;(\text{the notes'})

    Reductions: ``'sum'`` (the default: the notes' :math:`L_C` over a mini-batch of m samples,
    whose gradient is the notes' :math:`x_i - c_{y_i}`), ``'mean'`` (divided by m),
    ``'none'`` (shape ``(m,)``).
    Shapes: features ``(m, D)``, labels ``(m,)`` integers, centers ``(K, D)``.
    Torch: ``0.5 * ((features - centers[labels]) ** 2).sum()`` (no ``torch.nn.functional`` op).
    Convention: ``reduction='sum'`` by default, as in the notes and Wen et al. (2016); the
    centers are not an argument of the gradient (they move by :func:`center_loss_update`).
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x, c = _floating(features), _floating(centers)
    diff = x - c[np.asarray(labels)]
    return _reduce(0.5 * (diff**2).sum(axis=-1), reduction).astype(x.dtype, copy=False)
    # END SOLUTION


def center_loss_grad(
    features: ArrayLike,
    labels: ArrayLike,
    centers: ArrayLike,
    reduction: str = "sum",
    grad_output: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gradient of :func:`center_loss` with respect to ``features``.

    .. math:: \frac{\partial L_C}{\partial x_i} = x_i - c_{y_i}

    (divided by m for ``'mean'``). Shapes: the shape of ``features``.
    """
    # BEGIN SOLUTION
    _check_reduction(reduction)
    x, c = _floating(features), _floating(centers)
    diff = x - c[np.asarray(labels)]
    u = _upstream(grad_output, diff.shape[:-1], reduction)
    return (diff * u[..., None]).astype(x.dtype, copy=False)
    # END SOLUTION


def center_loss_update(
    features: ArrayLike, labels: ArrayLike, centers: ArrayLike, alpha: float
) -> np.ndarray:
    r"""One update of the class centers by the notes' rule (Wen et al., 2016, eq. 4).

    .. math:: \Delta c_j = \frac{\sum_{i=1}^{m} \delta(y_i = j)\,(c_j - x_i)}
        {1 + \sum_{i=1}^{m} \delta(y_i = j)}, \qquad c_j \leftarrow c_j - \alpha\,\Delta c_j

    Shapes: features ``(m, D)``, labels ``(m,)``, centers ``(K, D)``; returns new centers
    ``(K, D)`` (the input is not modified). A class absent from the batch keeps its center.
    Convention: the step :math:`c_j - \alpha\Delta c_j` is Wen et al.'s; the notes give only
    :math:`\Delta c_j` (the "1 +" keeps an empty class from dividing by zero).
    """
    # BEGIN SOLUTION
    x, c = _floating(features), _floating(centers)
    y = np.asarray(labels).reshape(-1)
    counts = np.bincount(y, minlength=c.shape[0]).astype(np.float64)
    pull = np.zeros(c.shape, dtype=np.float64)
    np.add.at(pull, y, c[y] - x.reshape(len(y), -1))
    return (c - alpha * pull / (1 + counts)[:, None]).astype(c.dtype)
    # END SOLUTION


# --------------------------------------------------------------------------------------------
# Regularisation penalties (seed 000: Obj = Cost + Regularization, "L1/L2 正则项")
# --------------------------------------------------------------------------------------------

# (extended here rather than in the list above, so this section merges on its own)
__all__ += ["l1_penalty", "l1_penalty_grad", "l2_penalty", "l2_penalty_grad"]


def l1_penalty(weight: ArrayLike, lam: float) -> np.ndarray:
    r"""L1 regularisation term (lasso): :math:`\lambda` times the sum of absolute weights.

    .. math:: \Omega_1(w) = \lambda \lVert w \rVert_1 = \lambda \sum_i |w_i|

    The notes' objective function (seed 000, 2.1): :math:`Obj = Cost + Regularization`, the
    regularisation being an L1 or L2 term; :math:`\lambda` is the notes' symbol (seed 001).
    Shapes: any weight array; returns a 0-d array of its floating dtype.
    Torch: ``lam * w.abs().sum()`` (no ``torch.nn.functional`` op, and no L1 option in
    ``torch.optim``: add it to the loss).
    """
    # BEGIN SOLUTION
    w = _floating(weight)
    return np.asarray(lam * np.sum(np.abs(w)), dtype=w.dtype)
    # END SOLUTION


def l1_penalty_grad(
    weight: ArrayLike, lam: float, grad_output: ArrayLike | None = None
) -> np.ndarray:
    r"""(Sub)gradient of :func:`l1_penalty` with respect to ``weight``.

    .. math:: \frac{\partial \Omega_1}{\partial w_i} = \lambda \operatorname{sign}(w_i)

    Shapes: the weight's; ``grad_output`` is a scalar (1 when omitted).
    Convention: :math:`\operatorname{sign}(0) = 0` at :math:`w_i = 0`, where any value in
    :math:`[-\lambda, \lambda]` is a subgradient: the one torch's ``abs`` backward gives.
    """
    # BEGIN SOLUTION
    w = _floating(weight)
    g = lam * np.sign(w) * _upstream(grad_output, w.shape, "sum")
    return np.asarray(g, dtype=w.dtype)
    # END SOLUTION


def l2_penalty(weight: ArrayLike, lam: float) -> np.ndarray:
    r"""L2 regularisation term (ridge, weight decay): half :math:`\lambda` times the sum of squares.

    .. math:: \Omega_2(w) = \frac{\lambda}{2} \lVert w \rVert_2^2 = \frac{\lambda}{2} \sum_i w_i^2

    Shapes: any weight array; returns a 0-d array of its floating dtype.
    Torch: ``0.5 * lam * (w ** 2).sum()``.
    Convention: the factor 1/2 makes the gradient :math:`\lambda w`, exactly what
    ``weight_decay=lam`` adds to the gradient in ``torch.optim.SGD`` (and ``Adam``,
    ``Adagrad``, ``RMSprop``, ...): the notes' "weight_decay: L2正则化" and their SGD
    pseudo-code :math:`g_t \leftarrow g_t + \lambda\theta_{t-1}` (seed 001). So a step on
    ``Cost + l2_penalty(w, lam)`` is a step on ``Cost`` with ``weight_decay=lam`` for SGD and
    Adam alike. Not for ``AdamW``: its decoupled decay :math:`\theta \leftarrow \theta -
    \gamma\lambda\theta` bypasses Adam's scaling by :math:`1/(\sqrt{\hat v} + \epsilon)`, which
    an L2 penalty's gradient goes through (Loshchilov & Hutter, 2019).
    """
    # BEGIN SOLUTION
    w = _floating(weight)
    return np.asarray(0.5 * lam * np.sum(w * w), dtype=w.dtype)
    # END SOLUTION


def l2_penalty_grad(
    weight: ArrayLike, lam: float, grad_output: ArrayLike | None = None
) -> np.ndarray:
    r"""Gradient of :func:`l2_penalty` with respect to ``weight``: what weight decay adds.

    .. math:: \frac{\partial \Omega_2}{\partial w_i} = \lambda w_i

    Shapes: the weight's; ``grad_output`` is a scalar (1 when omitted).
    """
    # BEGIN SOLUTION
    w = _floating(weight)
    return np.asarray(lam * w * _upstream(grad_output, w.shape, "sum"), dtype=w.dtype)
    # END SOLUTION
