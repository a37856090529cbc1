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

from tests.planted_bugs import CATALOGUE, Bug

NOTES = "does not round to the notes'"
COMPUTED = "computed from the notes' data"


def _bug(
    name: str,
    module: str,
    function: str,
    source: str | None,
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
        CATALOGUE,
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
        CATALOGUE,
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
        CATALOGUE,
        # y(0, 0) = 0.02 still rounds to the truth table's 0: torch's check catches it
        {"relu", "worked_xor"},
        "student vs torch",
        item="worked_xor",
    ),
    _bug(
        "softmax-unnormalised",
        ACT,
        "softmax",
        CATALOGUE,
        {"softmax", "softmax_grad", "log_softmax_grad", "worked_softmax"},
        NOTES,
        item="worked_softmax",
    ),
    _bug(
        "mse-with-a-half",
        LOSS,
        "mse_loss",
        CATALOGUE,
        # the notes print no MSE (only their code does): the feedback says it is computed
        {"mse_loss", "worked_mae_mse"},
        COMPUTED,
        item="worked_mae_mse",
    ),
    _bug(
        "cross-entropy-sums-the-batch",
        LOSS,
        "cross_entropy",
        CATALOGUE,
        {"cross_entropy", "worked_cross_entropy"},
        NOTES,
        item="worked_cross_entropy",
    ),
    _bug(
        "bce-targets-swapped",
        LOSS,
        "binary_cross_entropy",
        CATALOGUE,
        {"binary_cross_entropy", "worked_bce"},
        NOTES,
        item="worked_bce",
    ),
]
