"""Planted bugs in ``losses``: mistakes students make, each losing points on exactly its items.

A bug replaces one top-level ``def`` of ``reference/losses.py``.  Where the mistake lives in a
private helper the reference shares between functions (``_class_targets``,
``_ctc_lattice``), every item whose function calls the helper loses points, and
``item`` names the function the student sees, whose feedback must give the reason.
"""

from __future__ import annotations

from tests.planted_bugs import Bug

L = "losses"


def _bug(
    name: str,
    function: str,
    source: str,
    loses: set[str] | str,
    reason: str,
    item: str | None = None,
) -> Bug:
    items = {loses} if isinstance(loses, str) else loses
    return Bug(
        name,
        L,
        function,
        source,
        frozenset(f"{L}.{i}" for i in items),
        reason,
        item=f"{L}.{item}" if item else None,
    )


BUGS: list[Bug] = [
    _bug(
        "ce-no-logsumexp-shift",
        "cross_entropy",
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
        "cross_entropy",
        "FloatingPointError",
    ),
    _bug(
        "ce-label-smoothing-ignored",
        "cross_entropy",
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
        "cross_entropy",
        "label_smoothing",
    ),
    _bug(
        "ce-ignored-targets-in-mean-denominator",
        "cross_entropy",
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
        "cross_entropy",
        "ignore_index",
    ),
    _bug(
        "class-weight-ignored",
        "_class_targets",
        """
def _class_targets(target, n_classes, weight, ignore_index):
    t = np.asarray(target)
    if t.dtype.kind not in "iu":
        raise TypeError(f"class-index targets must be integers, got dtype {t.dtype}")
    mask = t != ignore_index
    bad = mask & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"Target {t[bad].flat[0]} is out of bounds.")
    safe = np.where(mask, t, 0)
    w = np.ones(n_classes)  # weight forgotten
    w_t = np.where(mask, w[safe], 0.0)
    return safe, mask, w, w_t
""",
        {"cross_entropy", "cross_entropy_grad", "nll_loss", "nll_loss_grad"},
        "weight",
        item="cross_entropy",
    ),
    _bug(
        "ce-grad-ignores-grad-output",
        "cross_entropy_grad",
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
        "cross_entropy_grad",
        "grad_output",
    ),
    _bug(
        "nll-all-ignored-gives-zero",
        "nll_loss",
        """
def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    _check_reduction(reduction)
    x = _floating(input)
    z = _classes_last(x).astype(np.float64)
    safe, _, _, w_t = _class_targets(target, z.shape[-1], weight, ignore_index)
    loss = -w_t * _gather_last(z, safe)
    return _reduce(loss, reduction, max(float(w_t.sum()), 1e-12)).astype(x.dtype)
""",
        "nll_loss",
        "all-ignored",
    ),
    _bug(
        "bce-without-minus-100-clamp",
        "binary_cross_entropy",
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
        "binary_cross_entropy",
        "clamp-minus-100",
    ),
    _bug(
        "bce-with-logits-sigmoid-then-log",
        "binary_cross_entropy_with_logits",
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
        "binary_cross_entropy_with_logits",
        "FloatingPointError",
    ),
    _bug(
        "bce-with-logits-grad-pos-weight-ignored",
        "binary_cross_entropy_with_logits_grad",
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
        "binary_cross_entropy_with_logits_grad",
        "pos_weight",
    ),
    _bug(
        "kl-div-batchmean-as-mean",
        "kl_div",
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
        "kl_div",
        "batchmean",
    ),
    _bug(
        "smooth-l1-beta-ignored",
        "smooth_l1_loss",
        """
def smooth_l1_loss(input, target, reduction="mean", beta=1.0):
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    a = np.abs(x - y)
    loss = np.where(a < 1.0, 0.5 * a**2, a - 0.5)
    return _reduce(loss, reduction).astype(x.dtype)
""",
        "smooth_l1_loss",
        "beta",
    ),
    _bug(
        "l1-grad-sign-of-zero-is-one",
        "l1_loss_grad",
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
        "l1_loss_grad",
        "kink",
    ),
    _bug(
        "mse-grad-without-factor-2",
        "mse_loss_grad",
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
        "mse_loss_grad",
        "student vs torch",
    ),
    _bug(
        "l1-returns-float64-always",
        "l1_loss",
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
        "l1_loss",
        "dtype float64",
    ),
    _bug(
        "poisson-full-stirling-for-every-target",
        "poisson_nll_loss",
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
        "poisson_nll_loss",
        "full",
    ),
    _bug(
        "margin-ranking-grad-same-sign",
        "margin_ranking_loss_grad",
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
        "margin_ranking_loss_grad",
        "input2",
    ),
    _bug(
        "multilabel-margin-reads-past-padding",
        "multilabel_margin_loss",
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
        "multilabel_margin_loss",
        "student vs torch",
    ),
    _bug(
        "multi-margin-p2-squares-the-sum",
        "multi_margin_loss",
        """
def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, reduction="mean"):
    _check_reduction(reduction)
    x = _floating(input)
    x2, _, z, w_t = _multi_margin_parts(input, target, p, margin, weight)
    h = np.where(z > 0, z, 0.0)
    loss = w_t * h.sum(axis=1) ** p / x2.shape[1]  # (sum of hinges)^p, not sum of hinge^p
    return _reduce(loss.reshape(x.shape[:-1]), reduction).astype(x.dtype)
""",
        "multi_margin_loss",
        "p=2",
    ),
    _bug(
        "triplet-swap-ignored",
        "triplet_margin_loss",
        """
def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        reduction="mean"):
    _check_reduction(reduction)
    parts = _triplet_parts(anchor, positive, negative, margin, p, eps, False)
    loss = np.maximum(parts["z"], 0.0)
    return _reduce(loss, reduction).astype(_floating(anchor).dtype)
""",
        "triplet_margin_loss",
        "swap",
    ),
    _bug(
        "hinge-embedding-grad-drops-the-kink",
        "hinge_embedding_loss_grad",
        """
def hinge_embedding_loss_grad(input, target, margin=1.0, reduction="mean", grad_output=None):
    _check_reduction(reduction)
    x, y = _floating(input), _floating(target)
    g = (y != -1).astype(np.float64) - ((y != 1) & (margin - x > 0))
    g = np.broadcast_to(g, np.broadcast_shapes(x.shape, y.shape))
    g = g * _upstream(grad_output, g.shape, reduction)
    return _unbroadcast(g, x.shape).astype(x.dtype)
""",
        "hinge_embedding_loss_grad",
        "kink",
    ),
    _bug(
        "ctc-blank-hard-coded-to-0",
        "_ctc_lattice",
        """
def _ctc_lattice(lp, seqs, blank):
    blank = 0  # the blank index argument is ignored
    n = len(seqs)
    size = np.array([2 * len(q) + 1 for q in seqs], dtype=np.int64)
    ext = np.full((n, int(size.max(initial=1))), blank, dtype=np.int64)
    for i, q in enumerate(seqs):
        ext[i, 1 : size[i] : 2] = q
    emit = lp[:, np.arange(n)[:, None], ext]
    emit[:, np.arange(ext.shape[1]) >= size[:, None]] = -np.inf
    skip = np.zeros(ext.shape, dtype=bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    return emit, skip, ext, size
""",
        {"ctc_loss", "ctc_loss_grad"},
        "blank",
        item="ctc_loss",
    ),
    _bug(
        "ctc-mean-not-divided-by-target-lengths",
        "ctc_loss",
        """
def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    _check_reduction(reduction)
    dtype = _floating(log_probs).dtype
    lp, unbatched, il, tl, seqs = _ctc_inputs(log_probs, targets, input_lengths, target_lengths)
    emit, skip, _, size = _ctc_lattice(lp, seqs, blank)
    loss = -_ctc_log_likelihood(_ctc_alpha(emit, skip), il, size)
    if zero_infinity:
        loss = np.where(np.isinf(loss), 0.0, loss)
    return _reduce(loss[0] if unbatched else loss, reduction).astype(dtype)
""",
        "ctc_loss",
        "student vs torch",
    ),
    _bug(
        "center-loss-mean-by-default",
        "center_loss",
        """
def center_loss(features, labels, centers, reduction="mean"):
    _check_reduction(reduction)
    x, c = _floating(features), _floating(centers)
    diff = x - c[np.asarray(labels)]
    return _reduce(0.5 * (diff**2).sum(axis=-1), reduction).astype(x.dtype)
""",
        "center_loss",
        "student vs torch",
    ),
    _bug(
        "center-update-without-the-one",
        "center_loss_update",
        """
def center_loss_update(features, labels, centers, alpha):
    x, c = _floating(features), _floating(centers)
    y = np.asarray(labels).reshape(-1)
    counts = np.bincount(y, minlength=c.shape[0]).astype(np.float64)
    pull = np.zeros(c.shape, dtype=np.float64)
    np.add.at(pull, y, c[y] - x.reshape(len(y), -1))
    return (c - alpha * pull / np.maximum(counts, 1)[:, None]).astype(c.dtype)
""",
        "center_loss_update",
        "student vs torch",
    ),
]
