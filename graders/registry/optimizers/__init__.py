"""Registry entries for ``optimizers``: step-by-step trajectories against ``torch.optim``.

Every optimizer item runs the student's class (driver ``optim``) and ``torch.optim.<Name>``
(float64, ``foreach=False``) from the same initial parameters and compares, after *every* step,
the parameters and every state entry torch keeps (``exp_avg``, ``momentum_buffer``, ``step``...);
the check names the first step and entry that diverged.  L-BFGS is compared after every call of
``step(closure)``, on every case.  The ``Optimizer`` API items (``state_dict`` /
``load_state_dict``, ``add_param_group``, ``zero_grad``) are judged against torch's semantics:
the structure and the state after N steps, what a fresh optimizer holds after loading, the run
that follows, the grads after ``zero_grad``.

The subject: :mod:`.cases` (gradient sources, hyperparameter tables, case builders),
:mod:`.oracle` (torch's side), :mod:`.checks` (how a case is judged); this module is the table.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from graders.registry import Item
from graders.registry.optimizers import cases, checks
from graders.registry.optimizers import oracle as torch_side
from graders.registry.optimizers.oracle import torch_session, torch_step

__all__ = ["API_POINTS", "ITEMS", "POINTS", "torch_session", "torch_step"]

#: Points per optimizer (``torch.optim.<Name>`` re-implemented as ``optimizers.<Name>``).
POINTS = {
    "SGD": 5,
    "Adagrad": 3,
    "RMSprop": 4,
    "Adadelta": 3,
    "Adam": 5,
    "AdamW": 3,
    "Adamax": 3,
    "SparseAdam": 3,
    "ASGD": 3,
    "Rprop": 3,
    "LBFGS": 6,
}
#: Points of the ``Optimizer`` API items: (item, points, case builder, oracle, class, what).
API: list[tuple[str, float, Any, Any, str, str]] = [
    (
        "Optimizer.state_dict",
        4,
        cases.state_dict_cases,
        torch_side.state_dict_oracle,
        "Adam",
        "state_dict / load_state_dict: torch's format and saved state, resuming as torch does",
    ),
    (
        "Optimizer.add_param_group",
        3,
        cases.add_param_group_cases,
        torch_side.add_param_group_oracle,
        "SGD",
        "add_param_group: defaults filled in, the new group stepped as torch steps it",
    ),
    (
        "Optimizer.zero_grad",
        2,
        cases.zero_grad_cases,
        torch_side.zero_grad_oracle,
        "SGD",
        "zero_grad(set_to_none=...): None or zeros, every group",
    ),
]
API_POINTS = {name.split(".")[1]: points for name, points, *_ in API}


def _item(name: str, points: float, builder: Any, oracle_fn: Any, function: str, desc: str) -> Item:
    return Item(
        name=f"optimizers.{name}",
        points=points,
        cases=builder,
        oracle=oracle_fn,
        check=checks.check_optimizer,
        driver="optim",
        tolerance="loose",
        case_timeout=10.0,
        description=desc,
        function=function,
    )


ITEMS: list[Item] = [
    _item(
        name,
        points,
        cases.lbfgs_cases if name == "LBFGS" else partial(cases.optimizer_cases, name),
        partial(torch_side.trajectory_oracle, name),
        name,
        f"{name}.step against torch.optim.{name} step by step",
    )
    for name, points in POINTS.items()
] + [_item(*row) for row in API]
