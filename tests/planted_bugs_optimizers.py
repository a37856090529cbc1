"""Planted bugs in ``optimizers``: mistakes students make, each losing points on exactly its items.

A bug replaces one method (``Bug.cls``) of ``reference/optimizers.py``: a ``step``.  The
reference's :class:`AdamW` runs :meth:`Adam.step`, so a bug there reaches both items; ``item``
names the one whose feedback must give the reason.  The ``Optimizer`` API items are judged on
torch's semantics (the state ``state_dict()`` saves after N steps, the run after
``load_state_dict`` or ``add_param_group``), so a ``step`` bug that shows in an optimizer their
cases run (SGD with momentum, dampening and weight decay; Adam with amsgrad; centred RMSprop)
costs those items too: ``API_*`` below. The ``step`` bugs plant their mistake's code from the
catalogue (``graders/mistakes/optimizers.py``).
"""

from __future__ import annotations

from tests.planted_bugs import CATALOGUE, Bug

OPT = "optimizers"


def _bug(
    name: str,
    cls: str,
    source: str | None,
    loses: set[str] | str,
    reason: str,
    item: str | None = None,
    method: str = "step",
) -> Bug:
    """A bug in the ``method`` of ``cls``; ``item`` (default ``cls``) must give the reason."""
    items = {loses} if isinstance(loses, str) else loses
    return Bug(
        name,
        OPT,
        method,
        source,
        frozenset(f"{OPT}.{i}" for i in items),
        reason,
        item=f"{OPT}.{item or cls}",
        cls=cls,
    )


ADAM_FAMILY = {"Adam", "AdamW"}  # AdamW's step is Adam.step
#: The API items whose cases run Adam (state_dict: amsgrad; add_param_group: the new betas).
API_ADAM = {"Optimizer.state_dict", "Optimizer.add_param_group"}
#: add_param_group's "sgd-defaults-filled" runs SGD with dampening and weight decay.
API_SGD = {"Optimizer.add_param_group"}
#: state_dict's "rmsprop-centered" saves and resumes a centred RMSprop.
API_RMSPROP = {"Optimizer.state_dict"}


BUGS: list[Bug] = [
    _bug(
        "adam-without-bias-correction",
        "Adam",
        CATALOGUE,
        ADAM_FAMILY | API_ADAM,
        "state entries still agree with torch",
    ),
    _bug(
        "adam-eps-inside-sqrt-seed-001",
        "Adam",
        # the notes (seed 001): W <- W - alpha m_hat / sqrt(v_hat + eps)
        CATALOGUE,
        ADAM_FAMILY,
        "eps-outside-sqrt",
    ),
    _bug(
        "adam-step-counter-incremented-after-use",
        "Adam",
        CATALOGUE,
        ADAM_FAMILY | API_ADAM,
        "not finite: a division by zero",
    ),
    _bug(
        "adamw-decay-coupled-like-adam",
        "Adam",
        CATALOGUE,
        ADAM_FAMILY,
        "decay-scaled-by-lr",
        item="AdamW",
    ),
    _bug(
        "amsgrad-max-of-bias-corrected-v",
        "Adam",
        CATALOGUE,
        ADAM_FAMILY | {"Optimizer.state_dict"},
        "state['max_exp_avg_sq']",
    ),
    _bug(
        "adagrad-step-counter-incremented-after-use",
        "Adagrad",
        CATALOGUE,
        "Adagrad",
        "lr-decay-uses-incremented-step",
    ),
    _bug(
        "adagrad-lr-decay-ignored",
        "Adagrad",
        CATALOGUE,
        "Adagrad",
        "lr_decay",
    ),
    _bug(
        "sgd-momentum-buffer-starts-at-zero",
        "SGD",
        CATALOGUE,
        {"SGD"} | API_SGD,
        "first-buffer-is-g-not-dampened",
    ),
    _bug(
        "sgd-nesterov-sutskever-form-seed-001",
        "SGD",
        # the notes (seed 001): v <- mu v - alpha grad L(W), W <- W + v, with the gradient the
        # optimizer is handed (at W, not at the look-ahead W + mu v): plain momentum
        CATALOGUE,
        "SGD",
        "nesterov-torch-form",
    ),
    _bug(
        "sgd-weight-decay-after-momentum",
        "SGD",
        CATALOGUE,
        {"SGD"} | API_SGD,
        "weight-decay-before-momentum",
    ),
    _bug(
        "rmsprop-centered-ignored",
        "RMSprop",
        CATALOGUE,
        {"RMSprop"} | API_RMSPROP,
        "centered=True",
    ),
    _bug(
        "rprop-without-sign-flip-reset",
        "Rprop",
        CATALOGUE,
        "Rprop",
        "sign-flip-reset",
    ),
]

# The Optimizer API: each mistake is charged to its own item only.
BUGS += [
    _bug(
        "state-dict-without-copies",
        "Optimizer",
        """
def state_dict(self):
    index = {}
    for group in self.param_groups:
        for p in group["params"]:
            index.setdefault(id(p), len(index))
    groups = [
        {**{k: v for k, v in g.items() if k != "params"}, "params": [index[id(p)] for p in ps]}
        for g, ps in ((g, g["params"]) for g in self.param_groups)
    ]
    return {"state": {index[id(p)]: s for p, s in self.state.items()}, "param_groups": groups}
""",
        "Optimizer.state_dict",
        "stayed unchanged while stepping",
        item="Optimizer.state_dict",
        method="state_dict",
    ),
    _bug(
        "load-state-dict-keeps-constructor-hyperparameters",
        "Optimizer",
        """
def load_state_dict(self, state_dict):
    import copy

    params = [p for g in self.param_groups for p in g["params"]]
    self.state = defaultdict(dict)
    for k, v in state_dict["state"].items():
        self.state[params[k]] = copy.deepcopy(v)
""",
        "Optimizer.state_dict",
        "after load_state_dict (the saved ones), group 0, 'momentum'",
        item="Optimizer.state_dict",
        method="load_state_dict",
    ),
    _bug(
        "zero-grad-first-group-only",
        "Optimizer",
        """
def zero_grad(self, set_to_none=True):
    for p in self.param_groups[0]["params"]:
        if p.grad is not None:
            if set_to_none:
                p.grad = None
            else:
                p.grad.fill(0.0)
""",
        "Optimizer.zero_grad",
        "every-group",
        item="Optimizer.zero_grad",
        method="zero_grad",
    ),
    _bug(
        "add-param-group-without-defaults",
        "Optimizer",
        """
def add_param_group(self, param_group):
    params = param_group["params"]
    param_group["params"] = [params] if isinstance(params, Parameter) else list(params)
    self.param_groups.append(param_group)
""",
        "Optimizer.add_param_group",
        "the added group has no",
        item="Optimizer.add_param_group",
        method="add_param_group",
    ),
]
