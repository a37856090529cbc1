"""Planted bugs that the notes' worked examples catch: each loses exactly its items.

A bug in a student's function loses that function's own items and the worked-example items
rebuilt from it (``activations.worked_backprop_forward`` ... in
``graders/registry/worked_examples``).  Where ``item`` names a worked item, its feedback must
quote the notes' printed value the student misses ("does not round to the notes'") or, for a
value the notes do not print, say where the value comes from ("computed from the notes' data").
Optimizer bugs live in methods (``SGD.step``), which a planted bug cannot replace (it swaps a
top-level ``def``); the SGD worked items are exercised by ``tests/test_grading.py``'s reference
and template runs instead.
"""

from __future__ import annotations

from tests.planted_bugs import Bug

NOTES = "does not round to the notes'"
COMPUTED = "computed from the notes' data"


def _bug(
    name: str,
    module: str,
    function: str,
    source: str,
    loses: set[str],
    reason: str,
    item: str | None = None,
) -> Bug:
    return Bug(
        name,
        module,
        function,
        source,
        frozenset(f"{module}.{i}" for i in loses),
        reason,
        f"{module}.{item}" if item else None,
    )


ACT, LOSS = "activations", "losses"

BUGS: list[Bug] = [
    _bug(
        "sigmoid-sign-error",
        ACT,
        "sigmoid",
        """
def sigmoid(x):
    # e^{+x} for e^{-x}: sigma(-x), which still has the right derivative magnitude at 0
    x = np.asarray(x, dtype=float)
    return 1.0 / (1.0 + np.exp(np.clip(x, -700, 700)))
""",
        # silu and softplus_grad call the sigmoid; σ(x)σ(−x) is symmetric, so sigmoid_grad
        # survives, but the backprop example's forward pass (and everything after it) does not.
        {
            "sigmoid",
            "silu",
            "silu_grad",
            "softplus_grad",
            "worked_backprop_forward",
            "worked_backprop_backward",
            "worked_derivatives",
            "worked_ce_weight_gradient",
        },
        NOTES,
        item="worked_backprop_forward",
    ),
    _bug(
        "sigmoid-grad-of-the-output",
        ACT,
        "sigmoid_grad",
        """
def sigmoid_grad(x):
    # y (1 - y) applied to the input x instead of to y = sigmoid(x)
    x = np.asarray(x, dtype=float)
    return x * (1.0 - x)
""",
        {
            "sigmoid_grad",
            "worked_backprop_backward",
            "worked_derivatives",
            "worked_ce_weight_gradient",
        },
        NOTES,
        item="worked_derivatives",
    ),
    _bug(
        "relu-leaks-by-default",
        ACT,
        "relu",
        """
def relu(x):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, 0.01 * x)
""",
        # y(0, 0) = 0.02 still rounds to the truth table's 0: torch's check catches it
        {"relu", "worked_xor"},
        "student vs torch",
        item="worked_xor",
    ),
    _bug(
        "softmax-unnormalised",
        ACT,
        "softmax",
        """
def softmax(x, dim=-1):
    x = np.asarray(x, dtype=float)
    return np.exp(x - x.max(axis=dim, keepdims=True))
""",
        {"softmax", "softmax_grad", "log_softmax_grad", "worked_softmax"},
        NOTES,
        item="worked_softmax",
    ),
    _bug(
        "mse-with-a-half",
        LOSS,
        "mse_loss",
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
        # the notes print no MSE (only their code does): the feedback says it is computed
        {"mse_loss", "worked_mae_mse"},
        COMPUTED,
        item="worked_mae_mse",
    ),
    _bug(
        "cross-entropy-sums-the-batch",
        LOSS,
        "cross_entropy",
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
        {"cross_entropy", "worked_cross_entropy"},
        NOTES,
        item="worked_cross_entropy",
    ),
    _bug(
        "bce-targets-swapped",
        LOSS,
        "binary_cross_entropy",
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
        {"binary_cross_entropy", "worked_bce"},
        NOTES,
        item="worked_bce",
    ),
]
