"""Planted bugs in ``optimizers``: mistakes students make, each losing points on exactly its items.

A bug replaces one method (``Bug.cls``) of ``reference/optimizers.py``: a ``step``.  The
reference's :class:`AdamW` runs :meth:`Adam.step`, so a bug there reaches both items; ``item``
names the one whose feedback must give the reason.  The ``Optimizer`` API items are judged on
torch's semantics (the state ``state_dict()`` saves after N steps, the run after
``load_state_dict`` or ``add_param_group``), so a ``step`` bug that shows in an optimizer their
cases run (SGD with momentum, dampening and weight decay; Adam with amsgrad; centred RMSprop)
costs those items too: ``API_*`` below.
"""

from __future__ import annotations

from tests.planted_bugs import Bug

OPT = "optimizers"


def _bug(
    name: str,
    cls: str,
    source: str,
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


def _adam(
    update: str, *, amsgrad: str | None = None, decay: str | None = None, counter: str = "before"
) -> str:
    """Adam.step with one part swapped (the rest is the reference's)."""
    decay = (
        decay
        or """
            if weight_decay != 0:
                if group["decoupled_weight_decay"]:
                    p.data *= 1 - lr * weight_decay
                else:
                    grad = grad + weight_decay * p.data"""
    )
    amsgrad = (
        amsgrad
        or """
                np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
                v_hat = max_exp_avg_sq / bias_correction2"""
    )
    before = 'state["step"] += 1' if counter == "before" else "pass"
    after = 'state["step"] += 1' if counter == "after" else "pass"
    return f"""
def step(self, closure=None):
    loss = None
    if closure is not None:
        loss = closure()
    for group in self.param_groups:
        beta1, beta2 = group["betas"]
        lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                state["step"] = 0.0
                state["exp_avg"] = np.zeros_like(p.data)
                state["exp_avg_sq"] = np.zeros_like(p.data)
                if group["amsgrad"]:
                    state["max_exp_avg_sq"] = np.zeros_like(p.data)
            grad = -p.grad if group["maximize"] else p.grad
            {before}
            step = state["step"]{decay}
            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            exp_avg *= beta1
            exp_avg += (1 - beta1) * grad
            exp_avg_sq *= beta2
            exp_avg_sq += (1 - beta2) * grad * grad
            bias_correction1 = 1 - beta1**step
            bias_correction2 = 1 - beta2**step
            m_hat = exp_avg / bias_correction1
            v_hat = exp_avg_sq / bias_correction2
            if group["amsgrad"]:
                max_exp_avg_sq = state["max_exp_avg_sq"]{amsgrad}
            {update}
            {after}
    return loss
"""


SGD_HEAD = """
def step(self, closure=None):
    loss = None
    if closure is not None:
        loss = closure()
    for group in self.param_groups:
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        weight_decay, nesterov = group["weight_decay"], group["nesterov"]
        for p in group["params"]:
            if p.grad is None:
                continue
            grad = -p.grad if group["maximize"] else p.grad
"""

BUGS: list[Bug] = [
    _bug(
        "adam-without-bias-correction",
        "Adam",
        _adam("p.data -= lr * exp_avg / (np.sqrt(exp_avg_sq) + eps)"),
        ADAM_FAMILY | API_ADAM,
        "state entries still agree with torch",
    ),
    _bug(
        "adam-eps-inside-sqrt-seed-001",
        "Adam",
        # the notes (seed 001): W <- W - alpha m_hat / sqrt(v_hat + eps)
        _adam("p.data -= lr * m_hat / np.sqrt(v_hat + eps)"),
        ADAM_FAMILY,
        "eps-outside-sqrt",
    ),
    _bug(
        "adam-step-counter-incremented-after-use",
        "Adam",
        _adam("p.data -= lr * m_hat / (np.sqrt(v_hat) + eps)", counter="after"),
        ADAM_FAMILY | API_ADAM,
        "not finite: a division by zero",
    ),
    _bug(
        "adamw-decay-coupled-like-adam",
        "Adam",
        _adam(
            "p.data -= lr * m_hat / (np.sqrt(v_hat) + eps)",
            decay="""
            if weight_decay != 0:
                grad = grad + weight_decay * p.data""",
        ),
        ADAM_FAMILY,
        "decay-scaled-by-lr",
        item="AdamW",
    ),
    _bug(
        "amsgrad-max-of-bias-corrected-v",
        "Adam",
        _adam(
            "p.data -= lr * m_hat / (np.sqrt(v_hat) + eps)",
            amsgrad="""
                np.maximum(max_exp_avg_sq, exp_avg_sq / bias_correction2, out=max_exp_avg_sq)
                v_hat = max_exp_avg_sq""",
        ),
        ADAM_FAMILY | {"Optimizer.state_dict"},
        "state['max_exp_avg_sq']",
    ),
    _bug(
        "adagrad-step-counter-incremented-after-use",
        "Adagrad",
        """
def step(self, closure=None):
    loss = None if closure is None else closure()
    for group in self.param_groups:
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            grad = -p.grad if group["maximize"] else p.grad
            if group["weight_decay"] != 0:
                grad = grad + group["weight_decay"] * p.data
            clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
            state["step"] += 1
            state["sum"] += grad * grad
            p.data -= clr * grad / (np.sqrt(state["sum"]) + group["eps"])
    return loss
""",
        "Adagrad",
        "lr-decay-uses-incremented-step",
    ),
    _bug(
        "adagrad-lr-decay-ignored",
        "Adagrad",
        """
def step(self, closure=None):
    loss = None if closure is None else closure()
    for group in self.param_groups:
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            state["step"] += 1
            grad = -p.grad if group["maximize"] else p.grad
            if group["weight_decay"] != 0:
                grad = grad + group["weight_decay"] * p.data
            state["sum"] += grad * grad
            p.data -= group["lr"] * grad / (np.sqrt(state["sum"]) + group["eps"])
    return loss
""",
        "Adagrad",
        "lr_decay",
    ),
    _bug(
        "sgd-momentum-buffer-starts-at-zero",
        "SGD",
        SGD_HEAD
        + """
            if weight_decay != 0:
                grad = grad + weight_decay * p.data
            if momentum != 0:
                buf = self.state[p].setdefault("momentum_buffer", np.zeros_like(p.data))
                buf *= momentum
                buf += (1 - dampening) * grad
                grad = grad + momentum * buf if nesterov else buf
            p.data -= lr * grad
    return loss
""",
        {"SGD"} | API_SGD,
        "first-buffer-is-g-not-dampened",
    ),
    _bug(
        "sgd-nesterov-sutskever-form-seed-001",
        "SGD",
        # the notes (seed 001): v <- mu v - alpha grad L(W), W <- W + v, with the gradient the
        # optimizer is handed (at W, not at the look-ahead W + mu v): plain momentum
        SGD_HEAD
        + """
            if weight_decay != 0:
                grad = grad + weight_decay * p.data
            if momentum != 0:
                state = self.state[p]
                if nesterov:
                    v = state.setdefault("momentum_buffer", np.zeros_like(p.data))
                    v *= momentum
                    v -= lr * grad
                    p.data += v
                    continue
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = np.array(grad, dtype=np.float64)
                else:
                    buf *= momentum
                    buf += (1 - dampening) * grad
                grad = buf
            p.data -= lr * grad
    return loss
""",
        "SGD",
        "nesterov-torch-form",
    ),
    _bug(
        "sgd-weight-decay-after-momentum",
        "SGD",
        SGD_HEAD
        + """
            if momentum != 0:
                state = self.state[p]
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = np.array(grad, dtype=np.float64)
                else:
                    buf *= momentum
                    buf += (1 - dampening) * grad
                grad = grad + momentum * buf if nesterov else buf
            if weight_decay != 0:
                grad = grad + weight_decay * p.data
            p.data -= lr * grad
    return loss
""",
        {"SGD"} | API_SGD,
        "weight-decay-before-momentum",
    ),
    _bug(
        "rmsprop-centered-ignored",
        "RMSprop",
        """
def step(self, closure=None):
    loss = None if closure is None else closure()
    for group in self.param_groups:
        alpha, eps, lr, momentum = group["alpha"], group["eps"], group["lr"], group["momentum"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                state["step"] = 0.0
                state["square_avg"] = np.zeros_like(p.data)
                if momentum > 0:
                    state["momentum_buffer"] = np.zeros_like(p.data)
                if group["centered"]:
                    state["grad_avg"] = np.zeros_like(p.data)
            grad = -p.grad if group["maximize"] else p.grad
            state["step"] += 1
            if group["weight_decay"] != 0:
                grad = grad + group["weight_decay"] * p.data
            state["square_avg"] *= alpha
            state["square_avg"] += (1 - alpha) * grad * grad
            if group["centered"]:
                state["grad_avg"] += (1 - alpha) * (grad - state["grad_avg"])
            avg = np.sqrt(state["square_avg"]) + eps  # the centred variance is never used
            if momentum > 0:
                buf = state["momentum_buffer"]
                buf *= momentum
                buf += grad / avg
                p.data -= lr * buf
            else:
                p.data -= lr * grad / avg
    return loss
""",
        {"RMSprop"} | API_RMSPROP,
        "centered=True",
    ),
    _bug(
        "rprop-without-sign-flip-reset",
        "Rprop",
        """
def step(self, closure=None):
    loss = None if closure is None else closure()
    for group in self.param_groups:
        etaminus, etaplus = group["etas"]
        step_size_min, step_size_max = group["step_sizes"]
        for p in group["params"]:
            if p.grad is None:
                continue
            state = self.state[p]
            if len(state) == 0:
                state["step"] = 0.0
                state["prev"] = np.zeros_like(p.data)
                state["step_size"] = np.full_like(p.data, group["lr"])
            grad = -p.grad if group["maximize"] else p.grad
            state["step"] += 1
            sign = np.sign(grad * state["prev"])
            factor = np.where(sign > 0, etaplus, np.where(sign < 0, etaminus, 1.0))
            state["step_size"] = np.clip(state["step_size"] * factor, step_size_min, step_size_max)
            p.data -= np.sign(grad) * state["step_size"]  # moves even after a sign flip
            state["prev"] = grad.copy()  # and remembers the flipped gradient
    return loss
""",
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
