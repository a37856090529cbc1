"""Planted bugs in ``losses``: mistakes students make, each losing points on exactly its items.

A bug replaces one top-level ``def`` of ``reference/losses.py``.  Where the mistake lives in a
private helper the reference shares between functions (``_class_targets``,
``_ctc_lattice``), every item whose function calls the helper loses points, and
``item`` names the function the student sees, whose feedback must give the reason.
"""

from __future__ import annotations

from tests.planted_bugs import CATALOGUE, Bug

L = "losses"


def _bug(
    name: str,
    function: str,
    source: str | None,
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
        CATALOGUE,
        "cross_entropy",
        "FloatingPointError",
    ),
    _bug(
        "ce-label-smoothing-ignored",
        "cross_entropy",
        CATALOGUE,
        "cross_entropy",
        "label_smoothing",
    ),
    _bug(
        "ce-ignored-targets-in-mean-denominator",
        "cross_entropy",
        CATALOGUE,
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
        "ce-ignored-row-weighted-by-zero",
        "cross_entropy",
        CATALOGUE,
        "cross_entropy",
        "ignored-row",
    ),
    _bug(
        "ce-grad-ignores-grad-output",
        "cross_entropy_grad",
        CATALOGUE,
        "cross_entropy_grad",
        "grad_output",
    ),
    _bug(
        "nll-all-ignored-gives-zero",
        "nll_loss",
        CATALOGUE,
        "nll_loss",
        "all-ignored",
    ),
    _bug(
        "nll-ignored-row-weighted-by-zero",
        "nll_loss",
        CATALOGUE,
        "nll_loss",
        "ignored-row",
    ),
    _bug(
        "bce-without-minus-100-clamp",
        "binary_cross_entropy",
        CATALOGUE,
        "binary_cross_entropy",
        "clamp-minus-100",
    ),
    _bug(
        "bce-with-logits-sigmoid-then-log",
        "binary_cross_entropy_with_logits",
        CATALOGUE,
        "binary_cross_entropy_with_logits",
        "FloatingPointError",
    ),
    _bug(
        "bce-with-logits-grad-pos-weight-ignored",
        "binary_cross_entropy_with_logits_grad",
        CATALOGUE,
        "binary_cross_entropy_with_logits_grad",
        "pos_weight",
    ),
    _bug(
        "kl-div-batchmean-as-mean",
        "kl_div",
        CATALOGUE,
        "kl_div",
        "batchmean",
    ),
    _bug(
        "smooth-l1-beta-ignored",
        "smooth_l1_loss",
        CATALOGUE,
        "smooth_l1_loss",
        "beta",
    ),
    _bug(
        "l1-grad-sign-of-zero-is-one",
        "l1_loss_grad",
        CATALOGUE,
        "l1_loss_grad",
        "kink",
    ),
    _bug(
        "mse-grad-without-factor-2",
        "mse_loss_grad",
        CATALOGUE,
        "mse_loss_grad",
        "student vs torch",
    ),
    _bug(
        "l1-returns-float64-always",
        "l1_loss",
        CATALOGUE,
        "l1_loss",
        "dtype float64",
    ),
    _bug(
        "poisson-full-stirling-for-every-target",
        "poisson_nll_loss",
        CATALOGUE,
        "poisson_nll_loss",
        "full",
    ),
    _bug(
        "margin-ranking-grad-same-sign",
        "margin_ranking_loss_grad",
        CATALOGUE,
        "margin_ranking_loss_grad",
        "input2",
    ),
    _bug(
        "multilabel-margin-reads-past-padding",
        "multilabel_margin_loss",
        CATALOGUE,
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
        CATALOGUE,
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
        CATALOGUE,
        "center_loss",
        "student vs torch",
    ),
    _bug(
        "center-update-without-the-one",
        "center_loss_update",
        CATALOGUE,
        "center_loss_update",
        "student vs torch",
    ),
]
