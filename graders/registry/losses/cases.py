"""Cases of the ``losses`` items: how each loss's arguments are drawn, its specific cases
(every keyword, stability at ``|x| ~ 1000``, kinks, edges), and the generic ones every loss gets
(every reduction, float32, a bad reduction, and for gradients a non-default ``grad_output``).

CTC's gradient is with respect to the logits fed to ``log_softmax``: the child gets
``log_probs = log_softmax(logits)`` (computed here in float64).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from graders.registry import Case, Category

C = Category
REDUCTIONS = ("none", "mean", "sum")
STRICT = {"errstate": "raise"}  # stability cases: no overflow / invalid / divide warnings
Args = tuple[Any, ...]
Shape = tuple[int, ...]
Rng = np.random.Generator


# --------------------------------------------------------------------------------- drawing
def _normal(rng: Rng, shape: Shape, scale: float = 2.0) -> np.ndarray:
    return rng.normal(0.0, scale, size=shape)


def _signs(rng: Rng, shape: Shape) -> np.ndarray:
    return rng.choice([-1.0, 1.0], size=shape)


def _big(rng: Rng, shape: Shape) -> np.ndarray:
    """Values of magnitude ~1000, both signs."""
    return _signs(rng, shape) * rng.uniform(900.0, 1100.0, size=shape)


def _np_log_softmax(z: np.ndarray, axis: int = -1) -> np.ndarray:
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _classes(shape: Shape) -> tuple[int, Shape]:
    """(C, target shape) for an input of ``shape`` with the class axis at 1 (0 unbatched)."""
    if len(shape) == 1:
        return shape[0], ()
    return shape[1], (shape[0], *shape[2:])


def dims(rng: Rng, low: int = 1, high: int = 3) -> Shape:
    return tuple(int(s) for s in rng.integers(1, 6, size=int(rng.integers(low, high + 1))))


def batch_classes(rng: Rng) -> Shape:
    return (int(rng.integers(1, 7)), int(rng.integers(2, 7)))


def _float32(args: Args) -> Args:
    return tuple(
        a.astype(np.float32) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a
        for a in args
    )


def _hyper(label: str, args: Args, **kwargs: Any) -> Case:
    return Case(f"hyper-{label}", C.HYPERPARAMETERS, args, kwargs)


# --------------------------------------------------------------------------------- spec
@dataclass(frozen=True)
class Loss:
    """One loss: how its cases are drawn and how torch computes it."""

    name: str
    points: tuple[float, float]  # (loss item, gradient item)
    make: Callable[[Rng, Shape], Args]  # random arguments for a first-argument shape
    shapes: tuple[tuple[str, Shape], ...]  # correctness shapes; the first is the reference
    special: Callable[[Rng], list[Case]]  # hyperparameters, stability, convention, edge
    unreduced: Callable[[Args], Shape]  # shape of the 'none' loss
    random_shape: Callable[[Rng], Shape]  # hidden cases
    outputs: tuple[str, ...] = ("out",)  # gradients, in argument order (several: a tuple)
    default_reduction: str = "mean"
    torch_fn: Callable[[Any, list[Any], dict[str, Any]], Any] | None = None
    tolerance: tuple[str, str] = ("default", "gradient")
    #: 0-d arguments torch accepts (PyTorch's OpInfo samples use them), for a loss whose
    #: correctness shapes do not include ``()`` already.
    scalar: Callable[[Rng], Args] | None = None


def elementwise(args: Args) -> Shape:
    return tuple(np.broadcast_shapes(*(np.shape(a) for a in args)))


def class_shape(args: Args) -> Shape:
    return _classes(np.shape(args[0]))[1]


def rows(args: Args) -> Shape:
    return tuple(np.broadcast_shapes(*(np.shape(a) for a in args[:2])))[:-1]


# --------------------------------------------------------------------------------- regression
def pair(rng: Rng, shape: Shape) -> Args:
    return _normal(rng, shape), _normal(rng, shape)


def _kink_pair(rng: Rng, offsets: list[float]) -> Args:
    """Dyadic targets and inputs at exact offsets from them (``x - y`` is exact)."""
    y = rng.integers(-8, 8, size=len(offsets)) / 4.0
    return y + np.array(offsets), y


def _regression_common(rng: Rng, shape: Shape = (4, 5)) -> list[Case]:
    x, y = _big(rng, shape), _normal(rng, shape)
    return [
        Case("stability-1000", C.STABILITY, (x, y), spec=STRICT),
        Case("empty", C.EDGE, (np.zeros(0), np.zeros(0))),
    ]


def _weight(rng: Rng, shape: Shape) -> np.ndarray:
    return rng.uniform(0.1, 2.0, size=shape)


def weighted_special(rng: Rng) -> list[Case]:
    """``weight`` with every reduction (weighted 'mean' divides by the weights' sum)."""
    s = (3, 4)
    cases = [
        _hyper("weight", pair(rng, s), weight=_weight(rng, s)),
        _hyper("weight-reduction=sum", pair(rng, s), weight=_weight(rng, s), reduction="sum"),
        _hyper("weight-reduction=none", pair(rng, s), weight=_weight(rng, s), reduction="none"),
    ]
    return cases + _regression_common(rng)


def l1_special(rng: Rng) -> list[Case]:
    """Weights, stability, and the kink: sign(0) = 0, torch's subgradient at x = y."""
    return [
        *weighted_special(rng),
        Case("kink-x-equals-y", C.CONVENTION, _kink_pair(rng, [0.0, 0.0, 0.5, -0.5])),
        Case(
            "kink-x-equals-y-none",
            C.CONVENTION,
            _kink_pair(rng, [0.0, 1.0, 0.0]),
            {"reduction": "none"},
        ),
    ]


def smooth_l1_special(rng: Rng) -> list[Case]:
    s = (3, 4)
    cases = [
        _hyper("beta=0.5", pair(rng, s), beta=0.5),
        _hyper("beta=2.5", pair(rng, s), beta=2.5),
        _hyper("beta=0-is-l1", pair(rng, s), beta=0.0),
        _hyper("beta=0.25-reduction=none", pair(rng, s), beta=0.25, reduction="none"),
        _hyper("beta=3.0-reduction=sum", pair(rng, s), beta=3.0, reduction="sum"),
    ]
    cases += _regression_common(rng)
    offsets = [1.0, -1.0, 0.0, 0.5, 2.0]
    cases.append(
        Case("kink-at-beta", C.CONVENTION, _kink_pair(rng, offsets), {"reduction": "none"})
    )
    cases.append(
        Case(
            "kink-at-beta=0.5",
            C.CONVENTION,
            _kink_pair(rng, [0.5, -0.5, 0.0, 0.25]),
            {"beta": 0.5, "reduction": "sum"},
        )
    )
    cases.append(
        Case(
            "kink-beta=0-at-zero",
            C.CONVENTION,
            _kink_pair(rng, [0.0, 0.0, 1.0]),
            {"beta": 0.0, "reduction": "none"},
        )
    )
    return cases


def huber_special(rng: Rng) -> list[Case]:
    s = (3, 4)
    cases = [
        _hyper("delta=0.5", pair(rng, s), delta=0.5),
        _hyper("delta=2.5", pair(rng, s), delta=2.5),
        _hyper("delta=0.3-reduction=none", pair(rng, s), delta=0.3, reduction="none"),
        _hyper("weight", pair(rng, s), weight=_weight(rng, s)),
        _hyper(
            "weight-delta=0.5-reduction=sum",
            pair(rng, s),
            weight=_weight(rng, s),
            delta=0.5,
            reduction="sum",
        ),
    ]
    cases += _regression_common(rng)
    cases.append(
        Case(
            "kink-at-delta",
            C.CONVENTION,
            _kink_pair(rng, [1.0, -1.0, 0.0, 2.0]),
            {"reduction": "none"},
        )
    )
    cases.append(
        Case(
            "kink-at-delta=0.5",
            C.CONVENTION,
            _kink_pair(rng, [0.5, -0.5, 0.25]),
            {"delta": 0.5, "reduction": "sum"},
        )
    )
    return cases


ELEMENTWISE_SHAPES = (("matrix", (3, 4)), ("batch-of-1", (1, 5)), ("3d", (2, 3, 4)), ("scalar", ()))


# --------------------------------------------------------------------------------- classification
def logits_targets(rng: Rng, shape: Shape) -> Args:
    n_classes, tshape = _classes(shape)
    return _normal(rng, shape), rng.integers(0, n_classes, size=tshape)


def _probabilities(rng: Rng, shape: Shape) -> np.ndarray:
    axis = 1 if len(shape) > 1 else 0
    return np.exp(_np_log_softmax(_normal(rng, shape, 1.5), axis=axis))


def _with_ignored(rng: Rng, target: np.ndarray, index: int = -100) -> np.ndarray:
    t = target.copy()
    flat = t.reshape(-1)
    flat[rng.permutation(flat.size)[: max(1, flat.size // 3)]] = index
    return t


def _class_weight(rng: Rng, n_classes: int) -> np.ndarray:
    return rng.uniform(0.2, 2.0, size=n_classes)


CLASS_SHAPES = (
    ("matrix", (4, 5)),
    ("batch-of-1", (1, 6)),
    ("unbatched", (5,)),
    ("spatial-2d", (2, 3, 4, 2)),
)


def cross_entropy_special(rng: Rng) -> list[Case]:
    s = (6, 5)
    x, y = logits_targets(rng, s)
    w = _class_weight(rng, 5)
    ign = _with_ignored(rng, y)
    custom = y.copy()
    custom[:2] = 2
    cases = [
        _hyper("probabilities", (x, _probabilities(rng, s))),
        _hyper("probabilities-spatial", (_normal(rng, (2, 4, 3)), _probabilities(rng, (2, 4, 3)))),
        _hyper(
            "probabilities-weight-label_smoothing=0.2-reduction=none",
            (x, _probabilities(rng, s)),
            weight=w,
            label_smoothing=0.2,
            reduction="none",
        ),
        _hyper("weight", (x, y), weight=w),
        _hyper(
            "weight-spatial-reduction=sum",
            logits_targets(rng, (2, 3, 4)),
            weight=_class_weight(rng, 3),
            reduction="sum",
        ),
        _hyper("ignore_index-default", (x, ign)),
        _hyper("ignore_index=2", (x, custom), ignore_index=2),
        _hyper("ignore_index-weight-reduction=none", (x, ign), weight=w, reduction="none"),
        _hyper("label_smoothing=0.1", (x, y), label_smoothing=0.1),
        _hyper("label_smoothing=0.3-weight", (x, y), label_smoothing=0.3, weight=w),
        _hyper("label_smoothing=0.2-ignore_index-weight", (x, ign), label_smoothing=0.2, weight=w),
    ]
    big = rng.normal(0.0, 1000.0, size=(4, 5))
    cases += [
        Case("stability-1000", C.STABILITY, (big, rng.integers(0, 5, size=4)), spec=STRICT),
        Case(
            "stability-probabilities",
            C.STABILITY,
            (big, _probabilities(rng, (4, 5))),
            {"label_smoothing": 0.1},
            spec=STRICT,
        ),
        Case("all-ignored", C.EDGE, (x[:3], np.full(3, -100))),
        Case("empty", C.EDGE, (np.zeros((0, 4)), np.zeros(0, dtype=np.int64))),
        _padding_row("logits-all--inf", x, y, -np.inf, value_only=True),  # (torch's grad: nan)
    ]
    return cases


def _padding_row(
    label: str, x: np.ndarray, y: np.ndarray, fill: float, value_only: bool = False
) -> Case:
    """A padding row: its entries ``fill`` (nan, or -inf logits), its target ignored; torch
    skips it, so it adds nothing to the loss (a zero weight times its nan would not)."""
    padded, target = x.copy(), y.copy()
    padded[0], target[0] = fill, -100
    data = {"value_only": True} if value_only else {}
    return Case(f"ignored-row-{label}", C.EDGE, (padded, target), data=data)


def log_probs_targets(rng: Rng, shape: Shape) -> Args:
    n_classes, tshape = _classes(shape)
    axis = 1 if len(shape) > 1 else 0
    return _np_log_softmax(_normal(rng, shape), axis=axis), rng.integers(0, n_classes, size=tshape)


def nll_special(rng: Rng) -> list[Case]:
    s = (6, 5)
    x, y = log_probs_targets(rng, s)
    w = _class_weight(rng, 5)
    ign = _with_ignored(rng, y)
    custom = y.copy()
    custom[1:3] = 4
    xs, ys = log_probs_targets(rng, (2, 4, 3, 2))
    return [
        _hyper("weight", (x, y), weight=w),
        _hyper("weight-reduction=sum", (x, y), weight=w, reduction="sum"),
        _hyper("ignore_index-default", (x, ign)),
        _hyper("ignore_index=4", (x, custom), ignore_index=4),
        _hyper("ignore_index-weight-reduction=none", (x, ign), weight=w, reduction="none"),
        _hyper(
            "trailing-dims-weight-ignore",
            (xs, _with_ignored(rng, ys)),
            weight=_class_weight(rng, 4),
        ),
        Case("stability-1000", C.STABILITY, (-rng.uniform(900, 1100, size=s), y), spec=STRICT),
        Case("all-ignored", C.EDGE, (x[:3], np.full(3, -100))),
        Case(
            "all-ignored-weight-reduction=sum",
            C.EDGE,
            (x[:3], np.full(3, -100)),
            {"weight": w, "reduction": "sum"},
        ),
        Case("empty", C.EDGE, (np.zeros((0, 4)), np.zeros(0, dtype=np.int64))),
        _padding_row("nan", x, y, np.nan),
    ]


def bce_pair(rng: Rng, shape: Shape) -> Args:
    return rng.uniform(0.02, 0.98, size=shape), rng.uniform(0.0, 1.0, size=shape)


def bce_special(rng: Rng) -> list[Case]:
    s = (3, 4)
    hard = rng.integers(0, 2, size=s).astype(np.float64)
    x0 = np.array([0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
    y0 = np.array([1.0, 0.0, 0.0, 1.0, 0.5, 0.25])
    tiny = np.array([1e-300, 5e-324, 1.0 - 1e-16, 1e-20, 1.0 - 2.0**-52])
    return [
        _hyper("hard-targets", (rng.uniform(0.02, 0.98, size=s), hard)),
        _hyper("weight", bce_pair(rng, s), weight=_weight(rng, s)),
        _hyper("weight-broadcast", bce_pair(rng, s), weight=_weight(rng, (4,))),
        _hyper("weight-reduction=sum", bce_pair(rng, s), weight=_weight(rng, s), reduction="sum"),
        _hyper(
            "weight-reduction=none", bce_pair(rng, s), weight=_weight(rng, (4,)), reduction="none"
        ),
        Case(
            "stability-near-0-and-1",
            C.STABILITY,
            (tiny, np.array([1.0, 1.0, 0.0, 0.5, 0.0])),
            {"reduction": "none"},
            spec=STRICT,
        ),
        Case("clamp-minus-100", C.CONVENTION, (x0, y0), {"reduction": "none"}),
        Case("clamp-minus-100-mean", C.CONVENTION, (x0, y0)),
        Case("empty", C.EDGE, (np.zeros(0), np.zeros(0))),
    ]


def bce_logits_pair(rng: Rng, shape: Shape) -> Args:
    return _normal(rng, shape, 3.0), rng.uniform(0.0, 1.0, size=shape)


def bce_logits_special(rng: Rng) -> list[Case]:
    s = (3, 4)
    hard = rng.integers(0, 2, size=s).astype(np.float64)
    pw = rng.uniform(0.3, 3.0, size=4)
    big = _big(rng, (4, 4))
    big_y = rng.integers(0, 2, size=(4, 4)).astype(np.float64)
    return [
        _hyper("hard-targets", (_normal(rng, s, 3.0), hard)),
        _hyper("weight", bce_logits_pair(rng, s), weight=_weight(rng, s)),
        _hyper(
            "weight-broadcast-reduction=sum",
            bce_logits_pair(rng, s),
            weight=_weight(rng, (4,)),
            reduction="sum",
        ),
        _hyper("pos_weight", bce_logits_pair(rng, s), pos_weight=pw),
        _hyper(
            "pos_weight-weight-reduction=none",
            bce_logits_pair(rng, s),
            pos_weight=pw,
            weight=_weight(rng, s),
            reduction="none",
        ),
        Case("stability-1000", C.STABILITY, (big, big_y), {"reduction": "none"}, spec=STRICT),
        Case(
            "stability-1000-pos_weight", C.STABILITY, (big, big_y), {"pos_weight": pw}, spec=STRICT
        ),
        Case("empty", C.EDGE, (np.zeros(0), np.zeros(0))),
    ]


# --------------------------------------------------------------------------------- distributions
def kl_pair(rng: Rng, shape: Shape) -> Args:
    return _np_log_softmax(_normal(rng, shape)), np.exp(_np_log_softmax(_normal(rng, shape)))


def kl_special(rng: Rng) -> list[Case]:
    s = (4, 5)
    zeros_y = np.exp(_np_log_softmax(_normal(rng, s)))
    zeros_y[:, 0] = 0.0
    zeros_y[1, 2] = 0.0
    log_y = _np_log_softmax(_normal(rng, s))
    return [
        _hyper("reduction=batchmean", kl_pair(rng, s), reduction="batchmean"),
        _hyper("reduction=batchmean-3d", kl_pair(rng, (3, 2, 4)), reduction="batchmean"),
        _hyper("reduction=batchmean-batch-of-1", kl_pair(rng, (1, 6)), reduction="batchmean"),
        _hyper("log_target", (_np_log_softmax(_normal(rng, s)), log_y), log_target=True),
        _hyper(
            "log_target-reduction=batchmean",
            (_np_log_softmax(_normal(rng, s)), log_y),
            log_target=True,
            reduction="batchmean",
        ),
        _hyper(
            "log_target-reduction=none",
            (_np_log_softmax(_normal(rng, s)), log_y),
            log_target=True,
            reduction="none",
        ),
        Case(
            "stability-1000",
            C.STABILITY,
            (-rng.uniform(900, 1100, size=s), zeros_y),
            {"reduction": "batchmean"},
            spec=STRICT,
        ),
        Case(
            "zero-target-0log0",
            C.CONVENTION,
            (_np_log_softmax(_normal(rng, s)), zeros_y),
            {"reduction": "none"},
        ),
        Case("empty", C.EDGE, (np.zeros(0), np.zeros(0))),
    ]


def poisson_pair(rng: Rng, shape: Shape) -> Args:
    return _normal(rng, shape, 1.0), rng.poisson(2.0, size=shape).astype(np.float64)


def poisson_special(rng: Rng) -> list[Case]:
    s = (3, 4)
    rate = rng.uniform(0.1, 4.0, size=s)
    counts = rng.poisson(2.0, size=s).astype(np.float64)
    counts.reshape(-1)[:3] = [0.0, 1.0, 5.0]
    with_zero = rate.copy()
    with_zero.reshape(-1)[:2] = 0.0
    return [
        _hyper("log_input=False", (rate, counts), log_input=False),
        _hyper("full", (_normal(rng, s, 1.0), counts), full=True),
        _hyper(
            "full-log_input=False-reduction=none",
            (rate, counts),
            full=True,
            log_input=False,
            reduction="none",
        ),
        _hyper("eps=0.001-log_input=False", (with_zero, counts), log_input=False, eps=1e-3),
        _hyper("eps=0.5-log_input=False-reduction=sum", (rate, counts), log_input=False, eps=0.5),
        Case(
            "stability-minus-1000",
            C.STABILITY,
            (-rng.uniform(900, 1100, size=s), counts),
            spec=STRICT,
        ),
        Case(
            "stability-1000-log_input=False",
            C.STABILITY,
            (rng.uniform(900, 1100, size=s), counts),
            {"log_input": False},
            spec=STRICT,
        ),
        Case(
            "full-target-0-and-1",
            C.CONVENTION,
            (_normal(rng, (4,), 1.0), np.array([0.0, 1.0, 1.5, 3.0])),
            {"full": True, "reduction": "none"},
        ),
        Case("empty", C.EDGE, (np.zeros(0), np.zeros(0))),
    ]


# --------------------------------------------------------------------------------- margins
def kl_scalar(rng: Rng) -> Args:
    """A 0-d log-probability and a 0-d probability."""
    return np.asarray(np.log(rng.uniform(0.1, 0.9))), np.asarray(rng.uniform(0.1, 0.9))


def class_scalar(rng: Rng) -> Args:
    """A 0-d score and the 0-d target 0 (one class, as torch reads a 0-d input)."""
    return _normal(rng, ()), np.zeros((), dtype=np.int64)


def ranking(rng: Rng, shape: Shape) -> Args:
    return _normal(rng, shape), _normal(rng, shape), _signs(rng, shape)


def ranking_special(rng: Rng) -> list[Case]:
    s = (8,)
    x1 = rng.integers(-8, 8, size=4) / 4.0
    y = np.array([1.0, -1.0, 1.0, -1.0])
    return [
        _hyper("margin=0.5", ranking(rng, s), margin=0.5),
        _hyper("margin=1.5-reduction=sum", ranking(rng, s), margin=1.5, reduction="sum"),
        _hyper("margin=-0.5-reduction=none", ranking(rng, s), margin=-0.5, reduction="none"),
        Case(
            "stability-1000", C.STABILITY, (_big(rng, s), _big(rng, s), _signs(rng, s)), spec=STRICT
        ),
        Case("kink-at-hinge", C.CONVENTION, (x1, x1.copy(), y), {"reduction": "none"}),
        Case("kink-at-margin", C.CONVENTION, (x1 + 0.5 * y, x1, y), {"margin": 0.5}),
        Case("empty", C.EDGE, (np.zeros(0), np.zeros(0), np.zeros(0))),
    ]


def _multilabel_targets(rng: Rng, n: int, n_classes: int) -> np.ndarray:
    """Rows of distinct labels, then -1 padding, then junk that must be ignored."""
    t = np.full((n, n_classes), -1, dtype=np.int64)
    for i in range(n):
        k = int(rng.integers(1, n_classes))
        t[i, :k] = rng.permutation(n_classes)[:k]
        if k + 1 < n_classes:
            t[i, k + 1 :] = rng.integers(0, n_classes, size=n_classes - k - 1)
    return t


def multilabel(rng: Rng, shape: Shape) -> Args:
    if len(shape) == 1:
        return _normal(rng, shape), _multilabel_targets(rng, 1, shape[0])[0]
    return _normal(rng, shape), _multilabel_targets(rng, shape[0], shape[1])


def multilabel_special(rng: Rng) -> list[Case]:
    x = np.array([[2.0, 1.0, 0.0, 1.5], [0.0, 1.0, -1.0, 0.5]])
    t = np.array([[0, -1, 1, 2], [1, 3, -1, -1]])
    none_t = np.array([[-1, 0, 1, 2], [0, -1, 2, 1]])
    return [
        _hyper("reduction=none-6x3", multilabel(rng, (6, 3)), reduction="none"),
        _hyper("repeated-label", (_normal(rng, (2, 4)), np.array([[1, 1, -1, 0], [2, 0, 2, -1]]))),
        Case(
            "stability-1000",
            C.STABILITY,
            (_big(rng, (3, 5)), _multilabel_targets(rng, 3, 5)),
            spec=STRICT,
        ),
        Case("kink-at-hinge", C.CONVENTION, (x, t), {"reduction": "none"}),
        Case("no-targets", C.EDGE, (_normal(rng, (2, 4)), none_t), {"reduction": "none"}),
        # (torch's 'mean'/'sum' of an empty batch read uninitialised memory: 'none' only)
        Case(
            "empty",
            C.EDGE,
            (np.zeros((0, 3)), np.zeros((0, 3), dtype=np.int64)),
            {"reduction": "none"},
        ),
    ]


def soft_margin_special(rng: Rng) -> list[Case]:
    s = (3, 4)
    y = _signs(rng, s)
    mag = np.where(
        rng.random(s) < 0.5, rng.uniform(900, 1100, size=s), -rng.uniform(600, 700, size=s)
    )
    return [
        Case("stability-1000", C.STABILITY, (y * mag, y), {"reduction": "none"}, spec=STRICT),
        Case("stability-1000-mean", C.STABILITY, (y * mag, y), spec=STRICT),
        Case(
            "zero-input",
            C.CONVENTION,
            (np.zeros(4), np.array([1.0, -1.0, 1.0, -1.0])),
            {"reduction": "none"},
        ),
        Case("empty", C.EDGE, (np.zeros(0), np.zeros(0))),
    ]


def binary_targets(rng: Rng, shape: Shape) -> Args:
    return _normal(rng, shape, 3.0), rng.integers(0, 2, size=shape).astype(np.float64)


def multilabel_soft_special(rng: Rng) -> list[Case]:
    s = (4, 5)
    return [
        _hyper("weight", binary_targets(rng, s), weight=_weight(rng, (5,))),
        _hyper(
            "weight-reduction=sum",
            binary_targets(rng, s),
            weight=_weight(rng, (5,)),
            reduction="sum",
        ),
        _hyper(
            "weight-full-shape-reduction=none",
            binary_targets(rng, s),
            weight=_weight(rng, s),
            reduction="none",
        ),
        _hyper("soft-targets", (_normal(rng, s), rng.uniform(0, 1, size=s))),
        Case(
            "stability-1000",
            C.STABILITY,
            (_big(rng, s), binary_targets(rng, s)[1]),
            {"reduction": "none"},
            spec=STRICT,
        ),
        Case("empty", C.EDGE, (np.zeros((0, 3)), np.zeros((0, 3)))),
    ]


def multi_margin_special(rng: Rng) -> list[Case]:
    s = (6, 4)
    w = _class_weight(rng, 4)
    kx = np.array([[1.0, 0.0, -2.0, 0.5], [3.0, 2.0, 2.0, 4.0]])
    kt = np.array([0, 3])
    unbatched = (_normal(rng, (5,)), rng.integers(0, 5, size=(1,)))
    return [
        # torch keeps the target's shape (1,) for an unbatched input's 'none' loss
        _hyper("unbatched-target-of-shape-1", unbatched, reduction="none"),
        _hyper("p=2", logits_targets(rng, s), p=2),
        _hyper("margin=0.5", logits_targets(rng, s), margin=0.5),
        _hyper(
            "p=2-margin=2.0-reduction=sum",
            logits_targets(rng, s),
            p=2,
            margin=2.0,
            reduction="sum",
        ),
        _hyper("weight", logits_targets(rng, s), weight=w),
        _hyper(
            "weight-p=2-reduction=none", logits_targets(rng, s), weight=w, p=2, reduction="none"
        ),
        Case(
            "stability-1000",
            C.STABILITY,
            (_big(rng, s), rng.integers(0, 4, size=6)),
            {"p": 2},
            spec=STRICT,
        ),
        Case("kink-at-hinge", C.CONVENTION, (kx, kt), {"reduction": "none"}),
        Case("kink-at-hinge-p=2", C.CONVENTION, (kx, kt), {"p": 2, "reduction": "none"}),
        # (torch's 'mean'/'sum' of an empty batch read uninitialised memory: 'none' only)
        Case(
            "empty", C.EDGE, (np.zeros((0, 3)), np.zeros(0, dtype=np.int64)), {"reduction": "none"}
        ),
    ]


def triplet(rng: Rng, shape: Shape) -> Args:
    return _normal(rng, shape, 1.0), _normal(rng, shape, 1.0), _normal(rng, shape, 1.0)


def _triplet_swapping(rng: Rng, shape: Shape) -> Args:
    """Triplets where the positive is nearer the negative than the anchor is, for most rows."""
    a = _normal(rng, shape, 1.0)
    pos = a + _normal(rng, shape, 1.0)
    neg = pos + _normal(rng, shape, 0.3)
    neg[0] = a[0] + _normal(rng, shape[1:], 0.3)  # one row where swapping changes nothing
    return a, pos, neg


def triplet_special(rng: Rng) -> list[Case]:
    s = (6, 4)
    return [
        _hyper("margin=0.5", triplet(rng, s), margin=0.5),
        _hyper("margin=3.0-reduction=sum", triplet(rng, s), margin=3.0, reduction="sum"),
        _hyper("p=1", triplet(rng, s), p=1),
        _hyper("p=3-reduction=none", triplet(rng, s), p=3, reduction="none"),
        _hyper("eps=0.1", triplet(rng, s), eps=0.1),
        _hyper("swap", _triplet_swapping(rng, s), swap=True, margin=2.0),
        _hyper(
            "swap-p=1-reduction=none",
            _triplet_swapping(rng, s),
            swap=True,
            p=1,
            margin=2.0,
            reduction="none",
        ),
        Case(
            "stability-1000",
            C.STABILITY,
            (_big(rng, s), _big(rng, s), _big(rng, s)),
            {"margin": 100.0},
            spec=STRICT,
        ),
        Case(
            "margin-0-raises",
            C.EDGE,
            triplet(rng, s),
            {"margin": 0.0},
            spec={"expect_raise": True},
        ),
    ]


def hinge(rng: Rng, shape: Shape) -> Args:
    return _normal(rng, shape, 1.5), _signs(rng, shape)


def hinge_special(rng: Rng) -> list[Case]:
    s = (3, 4)
    return [
        _hyper("margin=0.5", hinge(rng, s), margin=0.5),
        _hyper("margin=2.0-reduction=none", hinge(rng, s), margin=2.0, reduction="none"),
        _hyper("margin=-0.5-reduction=sum", hinge(rng, s), margin=-0.5, reduction="sum"),
        Case("stability-1000", C.STABILITY, (_big(rng, s), _signs(rng, s)), spec=STRICT),
        Case(
            "kink-at-margin",
            C.CONVENTION,
            (np.array([1.0, 1.0, 0.5, 2.0]), np.array([-1.0, 1.0, -1.0, -1.0])),
            {"reduction": "none"},
        ),
        Case(
            "kink-at-margin=0.5",
            C.CONVENTION,
            (np.array([0.5, 0.5, 0.0]), np.array([-1.0, 1.0, -1.0])),
            {"margin": 0.5, "reduction": "sum"},
        ),
        Case("empty", C.EDGE, (np.zeros(0), np.zeros(0))),
    ]


def cosine(rng: Rng, shape: Shape) -> Args:
    ys = shape[:-1]
    return _normal(rng, shape, 1.0), _normal(rng, shape, 1.0), _signs(rng, ys)


def cosine_special(rng: Rng) -> list[Case]:
    s = (6, 4)
    x1, x2, y = cosine(rng, s)
    zero = x1.copy()
    zero[1] = 0.0
    return [
        _hyper("margin=0.2", cosine(rng, s), margin=0.2),
        _hyper("margin=-0.5-reduction=sum", cosine(rng, s), margin=-0.5, reduction="sum"),
        _hyper("margin=0.1-reduction=none", cosine(rng, s), margin=0.1, reduction="none"),
        Case(
            "stability-1000",
            C.STABILITY,
            (_big(rng, s), _big(rng, s), _signs(rng, (6,))),
            spec=STRICT,
        ),
        Case("zero-vector-eps", C.CONVENTION, (zero, x2, y), {"reduction": "none"}),
        Case("empty", C.EDGE, (np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0))),
    ]


# --------------------------------------------------------------------------------- CTC
def ctc(
    rng: Rng, shape: Shape, blank: int = 0, concatenated: bool = False, scale: float = 1.5
) -> Args:
    """log_probs = log_softmax(logits) of ``shape`` (T, N, C) or (T, C), feasible targets."""
    steps, n_classes = shape[0], shape[-1]
    n = shape[1] if len(shape) == 3 else 1
    lp = _np_log_softmax(_normal(rng, shape, scale))
    s_max = max(1, steps // 3)
    lengths = rng.integers(1, s_max + 1, size=n)
    labels = np.array([c for c in range(n_classes) if c != blank])
    targets = labels[rng.integers(0, len(labels), size=(n, s_max))]
    input_lengths = rng.integers(max(1, steps - 2), steps + 1, size=n)
    input_lengths[0] = steps
    if len(shape) == 2:
        return lp, targets[0, : lengths[0]], np.array(steps), np.array(lengths[0])
    if concatenated:
        flat = np.concatenate([targets[i, : lengths[i]] for i in range(n)])
        return lp, flat, input_lengths, lengths
    return lp, targets, input_lengths, lengths


def ctc_rows(args: Args) -> Shape:
    return (np.shape(args[0])[1],) if np.ndim(args[0]) == 3 else ()


def ctc_special(rng: Rng) -> list[Case]:
    s = (8, 3, 5)
    lp, _, il, _ = ctc(rng, s)
    repeats = np.array([[1, 1, 2], [3, 3, 3], [2, 4, 2]])
    impossible = (
        lp[:3],
        np.array([[1, 2, 3, 4], [1, 1, 0, 0], [2, 0, 0, 0]]),
        np.array([3, 3, 3]),
        np.array([4, 2, 1]),
    )
    return [
        _hyper("concatenated-targets", ctc(rng, s, concatenated=True)),
        _hyper("blank=4", ctc(rng, s, blank=4), blank=4),
        _hyper(
            "blank=2-concatenated-reduction=sum",
            ctc(rng, s, blank=2, concatenated=True),
            blank=2,
            reduction="sum",
        ),
        _hyper(
            "repeated-labels-reduction=none",
            (lp, repeats, il, np.array([3, 2, 3])),
            reduction="none",
        ),
        _hyper("empty-target", (lp, repeats, il, np.array([0, 2, 1])), reduction="none"),
        _hyper("zero_infinity-feasible", ctc(rng, s), zero_infinity=True),
        Case(
            "stability-peaky",
            C.STABILITY,
            ctc(rng, s, scale=400.0),
            {"reduction": "none"},
            spec=STRICT,
        ),
        Case("impossible-alignment-inf", C.EDGE, impossible, {"reduction": "none"}),
        Case("impossible-zero_infinity", C.EDGE, impossible, {"zero_infinity": True}),
        Case(
            "impossible-zero_infinity-none",
            C.EDGE,
            impossible,
            {"zero_infinity": True, "reduction": "none"},
        ),
    ]


# --------------------------------------------------------------------------------- center loss
def center(rng: Rng, shape: Shape, n_centers: int = 4) -> Args:
    return (
        _normal(rng, shape),
        rng.integers(0, n_centers, size=shape[0]),
        _normal(rng, (n_centers, shape[1])),
    )


def center_special(rng: Rng) -> list[Case]:
    s = (6, 3)
    x, y, c = center(rng, s)
    return [
        _hyper("many-centers", center(rng, s, n_centers=9)),
        _hyper("one-class", (x, np.full(6, 2), c), reduction="mean"),
        Case("stability-1000", C.STABILITY, (_big(rng, s), y, _big(rng, (4, 3))), spec=STRICT),
        Case("empty", C.EDGE, (np.zeros((0, 3)), np.zeros(0, dtype=np.int64), c)),
        Case(
            "empty-mean",
            C.EDGE,
            (np.zeros((0, 3)), np.zeros(0, dtype=np.int64), c),
            {"reduction": "mean"},
        ),
    ]


# --------------------------------------------------------------------------------- cases
def _grad_output(rng: Rng, case: Case, loss: Loss) -> Case:
    """``case`` with a random non-default ``grad_output`` (scalar, or the 'none' loss's shape)."""
    reduction = case.kwargs.get("reduction", loss.default_reduction)
    if reduction == "none":
        g: Any = rng.normal(0.0, 1.5, size=loss.unreduced(case.args))
    else:
        g = float(np.round(rng.choice([-1.0, 1.0]) * rng.uniform(0.3, 3.0), 6))
    return replace(case, kwargs={**case.kwargs, "grad_output": g})


def loss_cases(loss: Loss, grad: bool, rng: Rng, hidden: bool) -> list[Case]:
    """Public (or hidden) cases of ``losses.<name>`` or ``losses.<name>_grad``."""
    cases = _hidden_cases(loss, grad, rng) if hidden else _public_cases(loss, grad, rng)
    if grad and len(loss.outputs) > 1:
        tup = {"returns": "tuple", "outputs": list(loss.outputs)}
        cases = [replace(c, spec={**c.spec, **tup}) for c in cases]
    return cases


def _hidden_cases(loss: Loss, grad: bool, rng: Rng) -> list[Case]:
    """Random shapes and reductions, one of the specific hyperparameter cases, and for the
    gradient a random upstream ``grad_output``."""
    cases = [
        Case(
            f"random-{k}",
            C.CORRECTNESS,
            loss.make(rng, loss.random_shape(rng)),
            {"reduction": REDUCTIONS[int(rng.integers(3))]},
        )
        for k in range(2)
    ]
    hyper = [c for c in loss.special(rng) if c.category is C.HYPERPARAMETERS] or [
        _hyper("reduction=sum", loss.make(rng, loss.shapes[0][1]), reduction="sum")
    ]
    cases.append(replace(hyper[int(rng.integers(len(hyper)))], name="random-hyper"))
    if grad:
        reduction = REDUCTIONS[int(rng.integers(3))]
        args = loss.make(rng, loss.random_shape(rng))
        base = Case("random-grad_output", C.GRADIENT, args, {"reduction": reduction})
        cases.append(_grad_output(rng, base, loss))
    return cases


def _public_cases(loss: Loss, grad: bool, rng: Rng) -> list[Case]:
    """Every correctness shape, float32, every reduction, the loss's specific cases, a bad
    reduction (torch's ValueError), the gradients' upstream cases, and the 0-d form."""
    cases = [Case(label, C.CORRECTNESS, loss.make(rng, shape)) for label, shape in loss.shapes]
    ref = loss.shapes[0][1]
    cases.append(Case("float32", C.CORRECTNESS, _float32(loss.make(rng, ref))))
    cases += [  # (the default reduction is every correctness case's)
        _hyper(f"reduction={reduction}", loss.make(rng, ref), reduction=reduction)
        for reduction in REDUCTIONS
        if reduction != loss.default_reduction
    ]
    special = loss.special(rng)
    if grad:  # (cases on the loss's value alone: torch's gradient there is not the point)
        special = [c for c in special if not c.data.get("value_only")]
    cases += special
    bad = {"reduction": "average"}
    cases.append(
        Case("bad-reduction-raises", C.EDGE, loss.make(rng, ref), bad, spec={"expect_raise": True})
    )
    if grad:
        cases += _upstream_cases(loss, rng, ref, special)
    if loss.scalar is not None:
        cases.append(Case("0-d", C.CORRECTNESS, loss.scalar(rng)))
    return cases


def _upstream_cases(loss: Loss, rng: Rng, ref: Shape, special: list[Case]) -> list[Case]:
    """A random scalar upstream for the default reduction, an array for 'none', and one for
    the first specific hyperparameter case."""
    cases = []
    for reduction in (loss.default_reduction, "none"):
        name = f"grad_output-reduction={reduction}"
        base = Case(name, C.GRADIENT, loss.make(rng, ref), {"reduction": reduction})
        cases.append(_grad_output(rng, base, loss))
    for case in [c for c in special if c.category is C.HYPERPARAMETERS][:1]:
        renamed = replace(case, name=f"grad_output-{case.name}", category=C.GRADIENT)
        cases.append(_grad_output(rng, renamed, loss))
    return cases


# --------------------------------------------------------------------------------- center update
def _update_case(
    rng: Rng,
    label: str,
    category: Category,
    m: int,
    d: int,
    k: int,
    labels: np.ndarray | None = None,
    alpha: float = 0.5,
) -> Case:
    y = rng.integers(0, k, size=m) if labels is None else labels
    return Case(label, category, (_normal(rng, (m, d)), y, _normal(rng, (k, d))), {"alpha": alpha})


def center_update_cases(rng: Rng, hidden: bool) -> list[Case]:
    """Wen et al.'s centre step: shapes, alpha, absent and repeated classes."""
    if hidden:
        return [
            _update_case(
                rng,
                f"random-{i}",
                C.CORRECTNESS,
                int(rng.integers(1, 9)),
                int(rng.integers(1, 6)),
                int(rng.integers(1, 6)),
                alpha=float(np.round(rng.uniform(0.05, 1.0), 3)),
            )
            for i in range(3)
        ]
    cases = [
        _update_case(rng, "matrix", C.CORRECTNESS, 6, 3, 4),
        _update_case(rng, "batch-of-1", C.CORRECTNESS, 1, 4, 3),
        _update_case(rng, "wide", C.CORRECTNESS, 10, 8, 5),
        _update_case(rng, "alpha=1.0", C.HYPERPARAMETERS, 6, 3, 4, alpha=1.0),
        _update_case(rng, "alpha=0.05", C.HYPERPARAMETERS, 6, 3, 4, alpha=0.05),
        _update_case(rng, "absent-classes", C.EDGE, 5, 3, 6, labels=np.array([0, 0, 2, 2, 0])),
        _update_case(rng, "one-class", C.EDGE, 4, 2, 3, labels=np.full(4, 1)),
        _update_case(rng, "stability-1000", C.STABILITY, 6, 3, 4),
    ]
    f32 = _update_case(rng, "float32", C.CORRECTNESS, 6, 3, 4)
    cases.append(replace(f32, args=_float32(f32.args)))
    big = cases[-2]
    cases[-2] = replace(
        big, args=(big.args[0] * 500.0, big.args[1], big.args[2] * 500.0), spec=STRICT
    )
    return cases


# --------------------------------------------------------------------------------- items


# --------------------------------------------------------------------------------- penalties
def _penalty(
    rng: Rng, name: str, category: Category, shape: Shape, lam: float = 0.5, **spec: Any
) -> Case:
    return Case(name, category, (_normal(rng, shape), lam), spec=spec)


def _penalty_public(rng: Rng) -> list[Case]:
    """Shapes (a conv weight, a scalar), float32, a view, λ, zeros (the subgradient), |w|~1000."""
    c, h = C.CORRECTNESS, C.HYPERPARAMETERS
    zeros = _normal(rng, (3, 4))
    zeros[rng.random((3, 4)) < 0.5] = 0.0
    f32 = _penalty(rng, "float32", c, (4, 5))
    return [
        _penalty(rng, "vector", c, (7,)),
        _penalty(rng, "matrix", c, (4, 5)),
        _penalty(rng, "conv-weight", c, (4, 3, 3, 3)),
        _penalty(rng, "scalar", c, ()),
        Case("non-contiguous", c, (_normal(rng, (6, 4)).T, 0.5)),
        replace(f32, args=_float32(f32.args)),
        _penalty(rng, "lam=0", h, (4, 5), lam=0.0),
        _penalty(rng, "lam=1e-4", h, (4, 5), lam=1e-4),
        _penalty(rng, "lam=3", h, (4, 5), lam=3.0),
        Case("zeros", C.CONVENTION, (zeros, 0.7)),
        Case("stability-1000", C.STABILITY, (_big(rng, (4, 5)), 0.5), spec=STRICT),
        Case("empty", C.EDGE, (np.zeros((0, 3)), 0.5)),
    ]


def penalty_cases(name: str, grad: bool, rng: Rng, hidden: bool) -> list[Case]:
    """Cases of ``losses.<name>`` (``l1_penalty``, ``l2_penalty``) or of its gradient: for the
    gradient, a random scalar ``grad_output``, and for L2 the step of ``torch.optim.SGD`` with
    ``weight_decay=λ`` (its oracle is that step: λw is what weight decay adds)."""
    if hidden:
        cases = [
            _penalty(rng, f"random-{k}", C.CORRECTNESS, dims(rng, 1, 4),
                     lam=float(np.round(rng.uniform(0.0, 2.0), 4)))
            for k in range(3)
        ]  # fmt: skip
    else:
        cases = _penalty_public(rng)
    if grad:
        upstream = float(np.round(rng.choice([-1.0, 1.0]) * rng.uniform(0.3, 3.0), 6))
        base = _penalty(rng, "grad_output", C.GRADIENT, (3, 4))
        cases.append(replace(base, kwargs={"grad_output": upstream}))
        if name == "l2_penalty" and not hidden:
            wd = _penalty(rng, "equals-sgd-weight_decay", C.GRADIENT, (3, 4), lam=0.3)
            cases.append(replace(wd, data={"oracle": "weight_decay"}))
    return cases
