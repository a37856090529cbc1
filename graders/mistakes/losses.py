"""Known mistakes in ``losses``: each a ``def`` a student writes (NumPy only).

The code may call the small helpers a student's ``losses.py`` defines beside the losses (the
reference's names: ``_reduce``, ``_upstream``, ``_class_targets`` ...); :func:`namespace` gives
them as torch defines the behaviour (``torch.nn.functional``'s documentation: reductions, the
``ignore_index`` and ``weight`` rules, broadcasting of ``grad_output``).  A mistake that lives in
one of those helpers, or that needs a larger piece of a loss than these (CTC's lattice, the
triplet's distances), has no runnable form here: its entry describes it only.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from graders.mistakes import Mistake

L = "losses"


def _check_reduction(reduction: str, batchmean: bool = False) -> None:
    allowed = ("none", "mean", "sum", "batchmean") if batchmean else ("none", "mean", "sum")
    if reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _floating(x: Any) -> np.ndarray:
    """An array of a floating dtype (integers and booleans become float64)."""
    arr = np.asarray(x)
    return arr if arr.dtype.kind == "f" else arr.astype(np.float64)


def _reduce(loss: np.ndarray, reduction: str, denom: float | None = None) -> np.ndarray:
    """'none' as is; 'sum'; 'mean' by the count (or ``denom``); 'batchmean' by shape[0]."""
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


def _upstream(
    grad_output: Any, shape: tuple[int, ...], reduction: str, denom: float | None = None
) -> np.ndarray:
    """Each unreduced element's upstream gradient: the adjoint of :func:`_reduce`."""
    g = np.ones((), np.float64) if grad_output is None else np.asarray(grad_output, np.float64)
    if reduction == "none":
        return np.broadcast_to(g, shape)
    if g.size != 1:
        raise ValueError(f"grad_output of a reduced loss must be a scalar, got shape {g.shape}")
    g = g.reshape(())
    size = math.prod(shape)
    if reduction == "sum" or size == 0:
        return np.broadcast_to(g, shape)
    if reduction == "batchmean":
        count: float = shape[0] if shape else 1
    else:
        count = size if denom is None else denom
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.broadcast_to(g / np.float64(count), shape)


def _unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a broadcast gradient down to ``shape``."""
    while grad.ndim > len(shape):
        grad = grad.sum(axis=0)
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return np.asarray(grad.sum(axis=axes, keepdims=True) if axes else grad)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        return np.asarray(1.0 / (1.0 + np.exp(-np.asarray(x))))


def _log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def _classes_last(x: np.ndarray) -> np.ndarray:
    return x if x.ndim <= 1 else np.moveaxis(x, 1, -1)


def _classes_back(x: np.ndarray) -> np.ndarray:
    return x if x.ndim <= 1 else np.moveaxis(x, -1, 1)


def _class_targets(
    target: Any, n_classes: int, weight: Any, ignore_index: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(targets with ignored ones set to 0, which count, class weights, each target's weight)."""
    t = np.asarray(target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"class-index targets must be integers, got dtype {t.dtype}")
    mask = t != ignore_index
    bad = mask & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"Target {t[bad].flat[0]} is out of bounds.")
    safe = np.where(mask, t, 0)
    w = np.ones(n_classes) if weight is None else _floating(weight).astype(np.float64)
    if w.shape != (n_classes,):
        raise ValueError(f"weight must have shape ({n_classes},), got {w.shape}")
    return safe, mask, w, np.where(mask, w[safe], 0.0)


def _gather_last(a: np.ndarray, index: np.ndarray) -> np.ndarray:
    return np.take_along_axis(a, index[..., None], axis=-1)[..., 0]


def _one_hot(index: np.ndarray, n_classes: int) -> np.ndarray:
    return (np.arange(n_classes) == index[..., None]).astype(np.float64)


def _is_probability_target(x: np.ndarray, target: Any) -> bool:
    t = np.asarray(target)
    return t.shape == x.shape and t.dtype.kind == "f"


def _weighted_denominator(weight: Any, input_shape: tuple[int, ...]) -> float | None:
    if weight is None:
        return None
    w = np.asarray(weight)
    if w.shape != input_shape:
        raise ValueError("Weights and input must have the same size.")
    return float(np.sum(w, dtype=np.float64))


def _bce_check(x: np.ndarray, y: np.ndarray) -> None:
    if x.shape != y.shape:
        raise ValueError(
            f"Using a target size ({y.shape}) that is different to the input size ({x.shape}) "
            "is deprecated. Please ensure they have the same size."
        )
    if np.any(~((x >= 0) & (x <= 1))):
        raise ValueError("all elements of input should be between 0 and 1")


def _ranking_check(*arrays: np.ndarray) -> None:
    if len({a.ndim for a in arrays}) != 1:
        raise ValueError("margin_ranking_loss : All input tensors should have same dimension")


def namespace() -> dict[str, Any]:
    """What the mistakes' code may use."""
    helpers = {k: v for k, v in globals().items() if k.startswith("_") and callable(v)}
    return {"np": np, "math": math, **helpers}


MISTAKES: list[Mistake] = [
    Mistake(
        "ce-no-logsumexp-shift",
        f"{L}.cross_entropy",
        "cross_entropy's log-softmax without the max shift",
        "which overflows for logits of about 1000; use logits - max before exp",
        """
def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    _check_reduction(reduction)
    x = _floating(input)
    z = _classes_last(x).astype(np.float64)
    n_classes = z.shape[-1]
    e = np.exp(z)  # no max shift: overflows for logits ~ 1000
    logp = np.log(e / e.sum(axis=-1, keepdims=True))
    if _is_probability_target(x, target):
        w = np.ones(n_classes) if weight is None else _floating(weight).astype(np.float64)
        t = _classes_last(_floating(target)).astype(np.float64)
        t = (1 - label_smoothing) * t + label_smoothing / n_classes
        return _reduce(-(logp * t * w).sum(axis=-1), reduction).astype(x.dtype)
    safe, mask, w, w_t = _class_targets(target, n_classes, weight, ignore_index)
    loss = -w_t * _gather_last(logp, safe)
    if label_smoothing > 0:
        smooth = np.where(mask, -(logp * w).sum(axis=-1), 0.0)
        loss = (1 - label_smoothing) * loss + label_smoothing / n_classes * smooth
    return _reduce(loss, reduction, float(w_t.sum())).astype(x.dtype)
""",
    ),
    Mistake(
        "ce-label-smoothing-ignored",
        f"{L}.cross_entropy",
        "cross_entropy that ignores label_smoothing",
        "the target becomes (1 - eps) one_hot + eps / C",
        """
def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    _check_reduction(reduction)
    x = _floating(input)
    z = _classes_last(x).astype(np.float64)
    n_classes = z.shape[-1]
    logp = _log_softmax(z)
    if _is_probability_target(x, target):
        w = np.ones(n_classes) if weight is None else _floating(weight).astype(np.float64)
        t = _classes_last(_floating(target)).astype(np.float64)
        return _reduce(-(logp * t * w).sum(axis=-1), reduction).astype(x.dtype)
    safe, mask, w, w_t = _class_targets(target, n_classes, weight, ignore_index)
    loss = -w_t * _gather_last(logp, safe)
    return _reduce(loss, reduction, float(w_t.sum())).astype(x.dtype)
""",
    ),
    Mistake(
        "ce-ignored-targets-in-mean-denominator",
        f"{L}.cross_entropy",
        "ignored targets counted in the mean",
        "'mean' divides by the summed weights of the targets that are not ignore_index",
        """
def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    _check_reduction(reduction)
    x = _floating(input)
    z = _classes_last(x).astype(np.float64)
    n_classes = z.shape[-1]
    logp = _log_softmax(z)
    if _is_probability_target(x, target):
        w = np.ones(n_classes) if weight is None else _floating(weight).astype(np.float64)
        t = _classes_last(_floating(target)).astype(np.float64)
        t = (1 - label_smoothing) * t + label_smoothing / n_classes
        return _reduce(-(logp * t * w).sum(axis=-1), reduction).astype(x.dtype)
    safe, mask, w, w_t = _class_targets(target, n_classes, weight, ignore_index)
    loss = -w_t * _gather_last(logp, safe)
    if label_smoothing > 0:
        smooth = np.where(mask, -(logp * w).sum(axis=-1), 0.0)
        loss = (1 - label_smoothing) * loss + label_smoothing / n_classes * smooth
    return _reduce(loss, reduction, float(w[safe].sum())).astype(x.dtype)  # ignored counted
""",
    ),
    Mistake(
        "ce-ignored-row-weighted-by-zero",
        f"{L}.cross_entropy",
        "ignored targets multiplied by a zero weight instead of left out",
        "0 * nan is nan: a padding row (nan or -inf logits) makes the loss nan; torch skips "
        "ignored rows (np.where(mask, ..., 0))",
        """
def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    _check_reduction(reduction)
    x = _floating(input)
    z = _classes_last(x).astype(np.float64)
    n_classes = z.shape[-1]
    logp = _log_softmax(z)
    if _is_probability_target(x, target):
        w = np.ones(n_classes) if weight is None else _floating(weight).astype(np.float64)
        t = _classes_last(_floating(target)).astype(np.float64)
        t = (1 - label_smoothing) * t + label_smoothing / n_classes
        return _reduce(-(logp * t * w).sum(axis=-1), reduction).astype(x.dtype)
    safe, mask, w, w_t = _class_targets(target, n_classes, weight, ignore_index)
    loss = -w_t * _gather_last(logp, safe)  # w_t = 0 where ignored: 0 * nan = nan
    if label_smoothing > 0:
        smooth = np.where(mask, -(logp * w).sum(axis=-1), 0.0)
        loss = (1 - label_smoothing) * loss + label_smoothing / n_classes * smooth
    return _reduce(loss, reduction, float(w_t.sum())).astype(x.dtype)
""",
    ),
    Mistake(
        "ce-grad-ignores-grad-output",
        f"{L}.cross_entropy_grad",
        "a gradient that ignores grad_output",
        "the vector-Jacobian product multiplies by the upstream gradient",
        """
def cross_entropy_grad(input, target, weight=None, ignore_index=-100, reduction="mean",
                       label_smoothing=0.0, grad_output=None):
    _check_reduction(reduction)
    x = _floating(input)
    z = _classes_last(x).astype(np.float64)
    n_classes = z.shape[-1]
    p = np.exp(_log_softmax(z))
    if _is_probability_target(x, target):
        w = np.ones(n_classes) if weight is None else _floating(weight).astype(np.float64)
        t = _classes_last(_floating(target)).astype(np.float64)
        wq = w * ((1 - label_smoothing) * t + label_smoothing / n_classes)
        g = p * wq.sum(axis=-1, keepdims=True) - wq
        u = _upstream(None, g.shape[:-1], reduction)
        return _classes_back(g * u[..., None]).astype(x.dtype)
    safe, mask, w, w_t = _class_targets(target, n_classes, weight, ignore_index)
    g = (1 - label_smoothing) * w_t[..., None] * (p - _one_hot(safe, n_classes))
    if label_smoothing > 0:
        g = g + label_smoothing / n_classes * (p * w.sum() - w)
    u = np.where(mask, _upstream(None, safe.shape, reduction, float(w_t.sum())), 0.0)
    return _classes_back(g * u[..., None]).astype(x.dtype)
""",
    ),
    Mistake(
        "nll-all-ignored-gives-zero",
        f"{L}.nll_loss",
        "0 for a batch whose targets are all ignored",
        "torch's mean over no targets is 0/0 = nan",
        """
def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    _check_reduction(reduction)
    x = _floating(input)
    z = _classes_last(x).astype(np.float64)
    safe, _, _, w_t = _class_targets(target, z.shape[-1], weight, ignore_index)
    loss = -w_t * _gather_last(z, safe)
    return _reduce(loss, reduction, max(float(w_t.sum()), 1e-12)).astype(x.dtype)
""",
    ),
    Mistake(
        "nll-ignored-row-weighted-by-zero",
        f"{L}.nll_loss",
        "ignored targets multiplied by a zero weight instead of left out",
        "0 * nan is nan: a padding row of nan makes the loss nan; torch skips ignored rows "
        "(np.where(mask, ..., 0))",
        """
def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    _check_reduction(reduction)
    x = _floating(input)
    z = _classes_last(x).astype(np.float64)
    safe, _, _, w_t = _class_targets(target, z.shape[-1], weight, ignore_index)
    loss = -w_t * _gather_last(z, safe)  # w_t = 0 where ignored: 0 * nan = nan
    return _reduce(loss, reduction, float(w_t.sum())).astype(x.dtype)
""",
    ),
    Mistake(
        "bce-without-minus-100-clamp",
        f"{L}.binary_cross_entropy",
        "binary cross-entropy without torch's clamp of log at -100",
        "which gives inf (and nan) when a probability is exactly 0 or 1",
        """
def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    _bce_check(x, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        loss = -(y * np.log(x) + (1 - y) * np.log(1 - x))
    if weight is not None:
        loss = loss * _floating(weight)
    return _reduce(loss, reduction).astype(x.dtype)
""",
    ),
    Mistake(
        "bce-with-logits-sigmoid-then-log",
        f"{L}.binary_cross_entropy_with_logits",
        "BCE with logits as log(sigmoid(x))",
        "which overflows or gives log(0) for large |x|; use max(x, 0) - x t + log(1 + exp(-|x|))",
        """
def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean",
                                     pos_weight=None):
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    s = 1.0 / (1.0 + np.exp(-x))
    p = 1.0 if pos_weight is None else _floating(pos_weight)
    loss = -(p * y * np.log(s) + (1 - y) * np.log(1 - s))
    if weight is not None:
        loss = loss * _floating(weight)
    return _reduce(loss, reduction).astype(x.dtype)
""",
    ),
    Mistake(
        "bce-with-logits-grad-pos-weight-ignored",
        f"{L}.binary_cross_entropy_with_logits_grad",
        "a gradient that ignores pos_weight",
        "the positive term is weighted: (p t (s - 1) + (1 - t) s)",
        """
def binary_cross_entropy_with_logits_grad(input, target, weight=None, reduction="mean",
                                          pos_weight=None, grad_output=None):
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    g = _sigmoid(x) - y
    if weight is not None:
        g = g * _floating(weight)
    g = g * _upstream(grad_output, np.shape(g), reduction)
    return _unbroadcast(g, x.shape).astype(x.dtype)
""",
    ),
    Mistake(
        "kl-div-batchmean-as-mean",
        f"{L}.kl_div",
        "reduction='batchmean' computed as 'mean'",
        "batchmean divides the sum by the batch size, not by the number of elements",
        """
def kl_div(input, target, reduction="mean", log_target=False):
    _check_reduction(reduction, batchmean=True)
    x, y = _floating(input), _floating(target)
    if log_target:
        loss = np.exp(y) * (y - x)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            ylogy = np.where(y == 0, 0.0, y * np.log(y))
        loss = ylogy - y * x
    return _reduce(loss, "mean" if reduction == "batchmean" else reduction).astype(x.dtype)
""",
    ),
    Mistake(
        "smooth-l1-beta-ignored",
        f"{L}.smooth_l1_loss",
        "smooth_l1_loss that ignores beta",
        "the quadratic part is 0.5 d^2 / beta for |d| < beta",
        """
def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    a = np.abs(x - y)
    loss = np.where(a < 1.0, 0.5 * a**2, a - 0.5)
    return _reduce(loss, reduction).astype(x.dtype)
""",
    ),
    Mistake(
        "l1-grad-sign-of-zero-is-one",
        f"{L}.l1_loss_grad",
        "sign(0) taken as 1 in the L1 gradient",
        "torch's gradient of |x - y| is 0 where x == y",
        """
def l1_loss_grad(input, target, reduction="mean", weight=None, grad_output=None):
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    denom = _weighted_denominator(weight, x.shape)
    g = np.where(x - y >= 0, 1.0, -1.0)
    if weight is not None:
        g = g * _floating(weight)
    g = g * _upstream(grad_output, g.shape, reduction, denom)
    return _unbroadcast(g, x.shape).astype(x.dtype)
""",
    ),
    Mistake(
        "mse-grad-without-factor-2",
        f"{L}.mse_loss_grad",
        "the MSE gradient without the factor 2",
        "d/dx (x - y)^2 = 2 (x - y)",
        """
def mse_loss_grad(input, target, reduction="mean", weight=None, grad_output=None):
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    denom = _weighted_denominator(weight, x.shape)
    g = x - y
    if weight is not None:
        g = g * _floating(weight)
    g = g * _upstream(grad_output, g.shape, reduction, denom)
    return _unbroadcast(g, x.shape).astype(x.dtype)
""",
    ),
    Mistake(
        "l1-returns-float64-always",
        f"{L}.l1_loss",
        "a loss computed and returned in float64 whatever the input",
        "keep the input's float dtype: float32 in, float32 out",
        """
def l1_loss(input, target, reduction="mean", weight=None):
    _check_reduction(reduction)
    x, y = _floating(input).astype(np.float64), _floating(target)
    denom = _weighted_denominator(weight, x.shape)
    loss = np.abs(x - y)
    if weight is not None:
        loss = loss * _floating(weight)
    return _reduce(loss, reduction, denom)
""",
    ),
    Mistake(
        "poisson-full-stirling-for-every-target",
        f"{L}.poisson_nll_loss",
        "the Stirling term added for every target",
        "with full=True torch adds it only where target > 1",
        """
def poisson_nll_loss(input, target, log_input=True, full=False, eps=1e-8, reduction="mean"):
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        loss = np.exp(x) - y * x if log_input else x - y * np.log(x + eps)
        if full:
            yy = np.where(y > 0, y, 1.0)
            loss = loss + np.where(y > 0, yy * np.log(yy) - yy + 0.5 * np.log(2 * np.pi * yy),
                                   0.0)
    return _reduce(loss, reduction).astype(x.dtype)
""",
    ),
    Mistake(
        "margin-ranking-grad-same-sign",
        f"{L}.margin_ranking_loss_grad",
        "input2's gradient with input1's sign",
        "the loss depends on input1 - input2, so d/d input2 = -d/d input1",
        """
def margin_ranking_loss_grad(input1, input2, target, margin=0.0, reduction="mean",
                             grad_output=None):
    _check_reduction(reduction)
    x1, x2, y = _floating(input1), _floating(input2), _floating(target)
    _ranking_check(x1, x2, y)
    z = -y * (x1 - x2) + margin
    g = -y * (z >= 0) * _upstream(grad_output, z.shape, reduction)
    return _unbroadcast(g, x1.shape).astype(x1.dtype), _unbroadcast(g, x2.shape).astype(x2.dtype)
""",
    ),
    Mistake(
        "multilabel-margin-reads-past-padding",
        f"{L}.multilabel_margin_loss",
        "target labels read past the first -1",
        "torch stops at the first -1: the rest of the row is padding",
        """
def multilabel_margin_loss(input, target, reduction="mean"):
    _check_reduction(reduction)
    x = _floating(input)
    x2 = x.reshape(-1, x.shape[-1]).astype(np.float64)
    t = np.asarray(target).reshape(x2.shape)
    n, c = x2.shape
    loss = np.zeros(n)
    for i in range(n):
        labels = [int(j) for j in t[i] if j >= 0]  # every label, also after the first -1
        others = [k for k in range(c) if k not in labels]
        for j in labels:
            for k in others:
                loss[i] += max(0.0, 1 - x2[i, j] + x2[i, k])
    loss = loss / c
    return _reduce(loss.reshape(x.shape[:-1]), reduction).astype(x.dtype)
""",
    ),
    Mistake(
        "hinge-embedding-grad-drops-the-kink",
        f"{L}.hinge_embedding_loss_grad",
        "the hinge's gradient -1 where margin - x > 0 also at the kink",
        "torch's gradient at margin - x == 0 is -1 too (>= 0)",
        """
def hinge_embedding_loss_grad(input, target, margin=1.0, reduction="mean", grad_output=None):
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    g = (y != -1).astype(np.float64) - ((y != 1) & (margin - x > 0))
    g = np.broadcast_to(g, np.broadcast_shapes(x.shape, y.shape))
    g = g * _upstream(grad_output, g.shape, reduction)
    return _unbroadcast(g, x.shape).astype(x.dtype)
""",
    ),
    Mistake(
        "center-loss-mean-by-default",
        f"{L}.center_loss",
        "center_loss averaged over the batch",
        "the notes' center loss (and torch's equivalent) sums: 1/2 sum ||x_i - c_y_i||^2",
        """
def center_loss(features, labels, centers, reduction="mean"):
    _check_reduction(reduction)
    x, c = _floating(features), _floating(centers)
    diff = x - c[np.asarray(labels)]
    return _reduce(0.5 * (diff**2).sum(axis=-1), reduction).astype(x.dtype)
""",
    ),
    Mistake(
        "center-update-without-the-one",
        f"{L}.center_loss_update",
        "the center update divided by n_j instead of 1 + n_j",
        "delta c_j = sum (c_j - x_i) / (1 + n_j)",
        """
def center_loss_update(features, labels, centers, alpha):
    x, c = _floating(features), _floating(centers)
    y = np.asarray(labels).reshape(-1)
    counts = np.bincount(y, minlength=c.shape[0]).astype(np.float64)
    pull = np.zeros(c.shape, dtype=np.float64)
    np.add.at(pull, y, c[y] - x.reshape(len(y), -1))
    return (c - alpha * pull / np.maximum(counts, 1)[:, None]).astype(c.dtype)
""",
    ),
    Mistake(
        "mse-with-a-half",
        f"{L}.mse_loss",
        "MSE with the backprop example's factor 1/2",
        "torch's mse_loss is mean((x - y)^2), without the 1/2",
        """
def mse_loss(input, target, reduction="mean", weight=None):
    # the backprop example's E = 1/2 (t - o)^2 mistaken for torch's MSELoss
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    denom = _weighted_denominator(weight, x.shape)
    loss = 0.5 * (x - y) ** 2
    if weight is not None:
        loss = loss * _floating(weight)
    return _reduce(loss, reduction, denom).astype(x.dtype)
""",
    ),
    Mistake(
        "cross-entropy-sums-the-batch",
        f"{L}.cross_entropy",
        "cross_entropy summed over the batch for reduction='mean'",
        "'mean' divides by the number of (weighted) targets",
        """
def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    # 'mean' summed instead of averaged over the batch
    _check_reduction(reduction)
    x = _floating(input)
    z = _classes_last(x).astype(np.float64)
    n_classes = z.shape[-1]
    logp = _log_softmax(z)
    if _is_probability_target(x, target):
        w = np.ones(n_classes) if weight is None else _floating(weight).astype(np.float64)
        t = _classes_last(_floating(target)).astype(np.float64)
        t = (1 - label_smoothing) * t + label_smoothing / n_classes
        loss = -(logp * t * w).sum(axis=-1)
        return _reduce(loss, "sum" if reduction == "mean" else reduction).astype(x.dtype)
    safe, mask, w, w_t = _class_targets(target, n_classes, weight, ignore_index)
    loss = -w_t * _gather_last(logp, safe)
    if label_smoothing > 0:
        smooth = np.where(mask, -(logp * w).sum(axis=-1), 0.0)
        loss = (1 - label_smoothing) * loss + label_smoothing / n_classes * smooth
    return _reduce(loss, "sum" if reduction == "mean" else reduction).astype(x.dtype)
""",
    ),
    Mistake(
        "bce-targets-swapped",
        f"{L}.binary_cross_entropy",
        "the two logs of BCE swapped",
        "-(t log y + (1 - t) log(1 - y)): the target multiplies log y",
        """
def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    # t log(1 - y) + (1 - t) log y: the two logs swapped
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    _bce_check(x, y)
    with np.errstate(divide="ignore"):
        log_x = np.maximum(np.log(x), -100.0)
        log_1mx = np.maximum(np.log1p(-x), -100.0)
    loss = -(y * log_1mx + (1 - y) * log_x)
    if weight is not None:
        loss = loss * _floating(weight)
    return _reduce(loss, reduction).astype(x.dtype)
""",
    ),
    Mistake(
        "class-weight-ignored",
        f"{L}.cross_entropy",
        "class weights forgotten when picking each target's weight",
        "weight=w scales each target's loss by w[target] and the mean divides by their sum",
    ),
    Mistake(
        "multi-margin-p2-squares-the-sum",
        f"{L}.multi_margin_loss",
        "multi_margin_loss with p=2 squaring the sum of hinges",
        "torch sums the squared hinges: sum_j max(0, margin - x_y + x_j)^p",
    ),
    Mistake(
        "triplet-swap-ignored",
        f"{L}.triplet_margin_loss",
        "triplet_margin_loss that ignores swap=True",
        "with swap the negative distance is min(d(a, n), d(p, n))",
    ),
    Mistake(
        "ctc-blank-hard-coded-to-0",
        f"{L}.ctc_loss",
        "CTC with the blank index fixed at 0",
        "the blank argument says which class is the blank",
    ),
    Mistake(
        "ctc-mean-not-divided-by-target-lengths",
        f"{L}.ctc_loss",
        "CTC's 'mean' as a plain batch mean",
        "torch divides each sequence's loss by its target length before averaging",
    ),
    # the notes' regularisation terms (seed 000)
    Mistake(
        "l1-penalty-mean-not-sum",
        f"{L}.l1_penalty",
        "the L1 penalty averaged over the weights",
        "the notes' term is lambda times the sum of |w|",
    ),
    Mistake(
        "l1-penalty-grad-sign-of-zero-is-one",
        f"{L}.l1_penalty_grad",
        "sign(0) = 1 in the L1 penalty's subgradient",
        "torch's abs gives 0 at 0",
    ),
    Mistake(
        "l2-penalty-without-the-half",
        f"{L}.l2_penalty",
        "the L2 penalty without its 1/2",
        "(lambda/2)||w||^2 is the term whose gradient lambda w is weight decay",
    ),
    Mistake(
        "l2-penalty-grad-twice-weight-decay",
        f"{L}.l2_penalty_grad",
        "the L2 penalty's gradient doubled (2 lambda w)",
        "the gradient of (lambda/2)||w||^2 is lambda w, what weight_decay adds",
    ),
]
