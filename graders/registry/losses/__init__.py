"""Registry entries for ``losses``: every ``torch.nn.functional`` loss, the notes' center loss,
and their gradients, against torch in float64.

Each loss is one row of :data:`LOSSES` (:class:`~graders.registry.losses.cases.Loss`: how its
arguments are drawn for a batch shape, its correctness shapes, its specific cases, the shape of
its unreduced loss).  Two items come from a row: ``losses.<name>`` (the value, against
``torch.nn.functional.<name>``) and ``losses.<name>_grad`` (the vector-Jacobian product, against
torch autograd with the same ``grad_output``; a tuple of gradients for margin_ranking,
cosine_embedding and triplet_margin).  ``cases.py`` draws the cases, ``oracle.py`` is torch's side.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from graders.registry import Item
from graders.registry.losses import cases, oracle
from graders.registry.losses.cases import CLASS_SHAPES, ELEMENTWISE_SHAPES, Loss

LOSSES: list[Loss] = [
    Loss(
        "l1_loss",
        (1, 1),
        cases.pair,
        ELEMENTWISE_SHAPES,
        cases.l1_special,
        cases.elementwise,
        cases.dims,
    ),
    Loss(
        "mse_loss",
        (1, 1),
        cases.pair,
        ELEMENTWISE_SHAPES,
        cases.weighted_special,
        cases.elementwise,
        cases.dims,
    ),
    Loss(
        "smooth_l1_loss",
        (1, 1),
        cases.pair,
        ELEMENTWISE_SHAPES,
        cases.smooth_l1_special,
        cases.elementwise,
        cases.dims,
    ),
    Loss(
        "huber_loss",
        (1, 1),
        cases.pair,
        ELEMENTWISE_SHAPES,
        cases.huber_special,
        cases.elementwise,
        cases.dims,
    ),
    Loss(
        "cross_entropy",
        (4, 4),
        cases.logits_targets,
        CLASS_SHAPES,
        cases.cross_entropy_special,
        cases.class_shape,
        cases.batch_classes,
    ),
    Loss(
        "nll_loss",
        (2, 2),
        cases.log_probs_targets,
        CLASS_SHAPES,
        cases.nll_special,
        cases.class_shape,
        cases.batch_classes,
    ),
    Loss(
        "binary_cross_entropy",
        (2, 2),
        cases.bce_pair,
        ELEMENTWISE_SHAPES,
        cases.bce_special,
        cases.elementwise,
        cases.dims,
    ),
    Loss(
        "binary_cross_entropy_with_logits",
        (2, 2),
        cases.bce_logits_pair,
        ELEMENTWISE_SHAPES,
        cases.bce_logits_special,
        cases.elementwise,
        cases.dims,
    ),
    Loss(
        "kl_div",
        (1, 1),
        cases.kl_pair,
        (("vector", (6,)), ("matrix", (4, 5)), ("batch-of-1", (1, 6)), ("3d", (2, 3, 4))),
        cases.kl_special,
        cases.elementwise,
        cases.batch_classes,
        scalar=cases.kl_scalar,
    ),
    Loss(
        "poisson_nll_loss",
        (1, 1),
        cases.poisson_pair,
        ELEMENTWISE_SHAPES,
        cases.poisson_special,
        cases.elementwise,
        cases.dims,
    ),
    Loss(
        "margin_ranking_loss",
        (1, 1),
        cases.ranking,
        (("vector", (7,)), ("matrix", (3, 4)), ("batch-of-1", (1,))),
        cases.ranking_special,
        cases.elementwise,
        lambda rng: cases.dims(rng, 1, 2),
        outputs=("input1", "input2"),
        scalar=lambda rng: cases.ranking(rng, ()),
    ),
    Loss(
        "multilabel_margin_loss",
        (1, 1),
        cases.multilabel,
        (("matrix", (3, 5)), ("batch-of-1", (1, 4)), ("unbatched", (4,)), ("wide", (2, 8))),
        cases.multilabel_special,
        lambda a: np.shape(a[0])[:-1],
        cases.batch_classes,
        scalar=cases.class_scalar,
    ),
    Loss(
        "soft_margin_loss",
        (1, 1),
        cases.hinge,
        ELEMENTWISE_SHAPES,
        cases.soft_margin_special,
        cases.elementwise,
        cases.dims,
    ),
    Loss(
        "multilabel_soft_margin_loss",
        (1, 1),
        cases.binary_targets,
        (("matrix", (3, 5)), ("batch-of-1", (1, 4)), ("unbatched", (5,))),
        cases.multilabel_soft_special,
        lambda a: np.shape(a[0])[:-1],
        cases.batch_classes,
    ),
    Loss(
        "multi_margin_loss",
        (2, 1),
        cases.logits_targets,
        (("matrix", (4, 5)), ("batch-of-1", (1, 3)), ("unbatched", (5,)), ("two-class", (6, 2))),
        cases.multi_margin_special,
        cases.class_shape,
        cases.batch_classes,
        scalar=cases.class_scalar,
    ),
    Loss(
        "triplet_margin_loss",
        (2, 2),
        cases.triplet,
        (("matrix", (4, 3)), ("batch-of-1", (1, 5)), ("unbatched", (6,)), ("wide", (3, 16))),
        cases.triplet_special,
        cases.rows,
        cases.batch_classes,
        outputs=("anchor", "positive", "negative"),
    ),
    Loss(
        "hinge_embedding_loss",
        (1, 1),
        cases.hinge,
        ELEMENTWISE_SHAPES,
        cases.hinge_special,
        cases.elementwise,
        cases.dims,
    ),
    Loss(
        "cosine_embedding_loss",
        (1, 1),
        cases.cosine,
        (("matrix", (4, 3)), ("batch-of-1", (1, 5)), ("unbatched", (6,)), ("wide", (3, 16))),
        cases.cosine_special,
        cases.rows,
        cases.batch_classes,
        outputs=("input1", "input2"),
    ),
    Loss(
        "ctc_loss",
        (3, 3),
        cases.ctc,
        (
            ("small", (6, 2, 4)),
            ("batch", (10, 3, 5)),
            ("batch-of-1", (8, 1, 4)),
            ("unbatched", (7, 5)),
        ),
        cases.ctc_special,
        cases.ctc_rows,
        lambda rng: (int(rng.integers(4, 11)), int(rng.integers(1, 4)), int(rng.integers(3, 7))),
        torch_fn=oracle.ctc,
        tolerance=("loose", "loose"),
    ),
    Loss(
        "center_loss",
        (1, 1),
        cases.center,
        (("matrix", (5, 3)), ("batch-of-1", (1, 4)), ("wide", (8, 10))),
        cases.center_special,
        lambda a: (np.shape(a[0])[0],),
        lambda rng: (int(rng.integers(1, 9)), int(rng.integers(1, 6))),
        default_reduction="sum",
        torch_fn=oracle.center,
    ),
]


#: Regularisation terms (seed 000, 2.1: Obj = Cost + Regularization): name, points (value,
#: gradient), what it is.  λ/2·‖w‖²'s gradient λw is exactly what ``weight_decay=λ`` adds to the
#: gradient in ``torch.optim.SGD`` (and Adam, Adagrad, RMSprop; not AdamW's decoupled decay),
#: which the L2 gradient item checks; the L1 term has no optimizer option in torch.
PENALTIES: tuple[tuple[str, tuple[float, float], str], ...] = (
    ("l1_penalty", (1, 1), "L1 regularisation λ·Σ|w_i|; its subgradient λ·sign(w), 0 at w_i = 0"),
    (
        "l2_penalty",
        (1, 1),
        "L2 regularisation λ/2·Σ w_i²; its gradient λw is what weight_decay=λ adds in "
        "torch.optim.SGD/Adam (not AdamW)",
    ),
)


def _penalty_items() -> list[Item]:
    items = []
    for name, points, what in PENALTIES:
        for grad in (False, True):
            items.append(
                Item(
                    name=f"losses.{name}{'_grad' if grad else ''}",
                    points=points[grad],
                    cases=partial(cases.penalty_cases, name, grad),
                    oracle=partial(oracle.penalty_oracle, name, grad),
                    tolerance="gradient" if grad else "default",
                    description=f"gradient of {what}" if grad else what,
                )
            )
    return items


def _items() -> list[Item]:
    items: list[Item] = []
    for loss in LOSSES:
        for grad in (False, True):
            suffix = "_grad" if grad else ""
            items.append(
                Item(
                    name=f"losses.{loss.name}{suffix}",
                    points=loss.points[grad],
                    cases=partial(cases.loss_cases, loss, grad),
                    oracle=partial(oracle.loss_oracle, loss, grad),
                    tolerance=loss.tolerance[grad],
                    description=(
                        f"gradient of torch.nn.functional.{loss.name}"
                        if grad
                        else f"torch.nn.functional.{loss.name}"
                    ),
                )
            )
    items.append(
        Item(
            "losses.center_loss_update",
            1,
            cases.center_update_cases,
            oracle.center_update_oracle,
            description="Wen et al. (2016) centre update with the notes' Delta c_j",
        )
    )
    return items + _penalty_items()


ITEMS: list[Item] = _items()
