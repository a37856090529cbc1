"""Known mistakes in ``optimizers``: each a ``step`` method a student writes (NumPy only).

A mistake's code is the ``step`` of one optimizer class (``Mistake.cls``); :func:`namespace`
gives what the rest of a student's module provides, as ``torch.optim`` defines it: a
``Parameter`` (``data``, ``grad``), an ``Optimizer`` base (``param_groups`` with every default
filled in, ``state`` a ``defaultdict(dict)`` keyed by the parameter) and each optimizer's
constructor with torch's defaults (Adagrad's state is created in the constructor, as torch
does).  :func:`with_method` puts the mistaken ``step`` on its class (and Adam's on AdamW too:
``AdamW`` is ``Adam`` with decoupled weight decay).  The ``Optimizer`` API's own mistakes
(``state_dict``, ``zero_grad`` ...) have no runnable form here.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any, ClassVar

import numpy as np

from graders.mistakes import Mistake

OPT = "optimizers"

#: torch.optim's constructor defaults, by class.
DEFAULTS: dict[str, dict[str, Any]] = {
    "SGD": {
        "lr": 1e-3,
        "momentum": 0,
        "dampening": 0,
        "weight_decay": 0,
        "nesterov": False,
        "maximize": False,
    },
    "Adagrad": {
        "lr": 1e-2,
        "lr_decay": 0,
        "eps": 1e-10,
        "weight_decay": 0,
        "initial_accumulator_value": 0,
        "maximize": False,
    },
    "RMSprop": {
        "lr": 1e-2,
        "momentum": 0,
        "alpha": 0.99,
        "eps": 1e-8,
        "centered": False,
        "weight_decay": 0,
        "maximize": False,
    },
    "Adam": {
        "lr": 1e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 0,
        "amsgrad": False,
        "maximize": False,
        "decoupled_weight_decay": False,
    },
    "Rprop": {"lr": 1e-2, "etas": (0.5, 1.2), "step_sizes": (1e-6, 50), "maximize": False},
}
#: AdamW is Adam with decoupled weight decay and a default weight_decay of 1e-2.
ADAMW = {"weight_decay": 1e-2, "decoupled_weight_decay": True}


class Parameter:
    """A float64 array ``data`` and its gradient ``grad`` (None: skipped by ``step``)."""

    def __init__(self, data: Any, grad: Any = None) -> None:
        self.data = np.array(data, dtype=np.float64)
        self.grad = None if grad is None else np.array(grad, dtype=np.float64)


class Optimizer:
    """``param_groups`` (each default filled in) and ``state``, as ``torch.optim.Optimizer``."""

    defaults_of = "SGD"
    fixed: ClassVar[dict[str, Any]] = {}

    def __init__(self, params: Any, **hyper: Any) -> None:
        self.defaults = {**DEFAULTS[self.defaults_of], **self.fixed, **hyper}
        self.state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        groups = list(params)
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        self.param_groups = [{**self.defaults, **g, "params": list(g["params"])} for g in groups]
        for group in self.param_groups:
            for p in group["params"]:
                self.init_state(p, group)

    def init_state(self, p: Parameter, group: dict[str, Any]) -> None:
        """State created by the constructor (none but Adagrad's)."""

    def step(self, closure: Any = None) -> Any:
        raise NotImplementedError


class Adagrad(Optimizer):
    defaults_of = "Adagrad"

    def init_state(self, p: Parameter, group: dict[str, Any]) -> None:
        self.state[p]["step"] = 0.0
        self.state[p]["sum"] = np.full_like(p.data, group["initial_accumulator_value"])


def _base(name: str) -> type[Optimizer]:
    if name == "Adagrad":
        return Adagrad
    return type(name, (Optimizer,), {"defaults_of": name})


def namespace() -> dict[str, Any]:
    """What the mistakes' code may use (no optimizer class: :func:`with_method` makes it)."""
    return {"np": np, "math": math, "defaultdict": defaultdict, "Parameter": Parameter}


def with_method(ns: dict[str, Any], cls: str, code: str, name: str) -> dict[str, Any]:
    """The class ``cls`` whose ``step`` is the mistake's (``code`` defines ``step``); for Adam,
    AdamW as well (torch's AdamW runs Adam's step)."""
    local = dict(ns)
    exec(compile(code, f"<mistake {name}>", "exec"), local)
    made = type(cls, (_base(cls),), {"step": local["step"]})
    classes: dict[str, Any] = {cls: made}
    if cls == "Adam":
        classes["AdamW"] = type("AdamW", (made,), {"fixed": ADAMW})
    return classes


def _adam(
    update: str, *, amsgrad: str | None = None, decay: str | None = None, counter: str = "before"
) -> str:
    """Adam.step with one part swapped (the rest is torch's algorithm)."""
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
ADAM_ITEMS = (f"{OPT}.Adam", f"{OPT}.AdamW")

MISTAKES: list[Mistake] = [
    Mistake(
        "adam-without-bias-correction",
        f"{OPT}.Adam",
        "Adam without bias correction",
        "m and v start at 0, so torch divides them by 1 - beta^t (m_hat, v_hat)",
        _adam(
            "p.data -= lr * exp_avg / "
            '(np.sqrt(max_exp_avg_sq if group["amsgrad"] else exp_avg_sq) + eps)'
        ),
        cls="Adam",
        items=ADAM_ITEMS,
    ),
    Mistake(
        "adam-eps-inside-sqrt-seed-001",
        f"{OPT}.Adam",
        "Adam with eps inside the square root, sqrt(v_hat + eps) (the notes, seed 001)",
        "torch divides by sqrt(v_hat) + eps",
        _adam("p.data -= lr * m_hat / np.sqrt(v_hat + eps)"),
        cls="Adam",
        items=ADAM_ITEMS,
    ),
    Mistake(
        "adam-step-counter-incremented-after-use",
        f"{OPT}.Adam",
        "Adam's step counter incremented after the bias correction",
        "at the first step 1 - beta^0 = 0: a division by zero; count the step first",
        _adam("p.data -= lr * m_hat / (np.sqrt(v_hat) + eps)", counter="after"),
        cls="Adam",
        items=ADAM_ITEMS,
    ),
    Mistake(
        "adamw-decay-coupled-like-adam",
        f"{OPT}.AdamW",
        "AdamW with the weight decay added to the gradient (Adam's L2 penalty)",
        "AdamW decays the weights directly: theta *= 1 - lr * weight_decay",
        _adam(
            "p.data -= lr * m_hat / (np.sqrt(v_hat) + eps)",
            decay="""
            if weight_decay != 0:
                grad = grad + weight_decay * p.data""",
        ),
        cls="Adam",
        items=ADAM_ITEMS,
    ),
    Mistake(
        "amsgrad-max-of-bias-corrected-v",
        f"{OPT}.Adam",
        "AMSGrad keeping the max of the bias-corrected v",
        "torch keeps the running max of the raw v (max_exp_avg_sq) and corrects it afterwards",
        _adam(
            "p.data -= lr * m_hat / (np.sqrt(v_hat) + eps)",
            amsgrad="""
                np.maximum(max_exp_avg_sq, exp_avg_sq / bias_correction2, out=max_exp_avg_sq)
                v_hat = max_exp_avg_sq""",
        ),
        cls="Adam",
        items=ADAM_ITEMS,
    ),
    Mistake(
        "adagrad-step-counter-incremented-after-use",
        f"{OPT}.Adagrad",
        "Adagrad's learning-rate decay computed with the step count before it is incremented",
        "torch uses lr / (1 + (t - 1) lr_decay) with t counted first",
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
        cls="Adagrad",
    ),
    Mistake(
        "adagrad-lr-decay-ignored",
        f"{OPT}.Adagrad",
        "Adagrad that ignores lr_decay",
        "the step size is lr / (1 + (t - 1) lr_decay)",
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
        cls="Adagrad",
    ),
    Mistake(
        "sgd-momentum-buffer-starts-at-zero",
        f"{OPT}.SGD",
        "SGD's momentum buffer started from zeros",
        "torch's first buffer is the gradient itself (b_1 = g_1), without dampening",
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
        cls="SGD",
    ),
    Mistake(
        "sgd-nesterov-sutskever-form-seed-001",
        f"{OPT}.SGD",
        "the notes' Nesterov update v = mu v - lr g, theta += v (seed 001)",
        "torch's nesterov=True is b = mu b + g, theta -= lr (g + mu b)",
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
        cls="SGD",
    ),
    Mistake(
        "sgd-weight-decay-after-momentum",
        f"{OPT}.SGD",
        "weight decay added after the momentum buffer",
        "torch adds weight_decay * theta to the gradient before it enters the buffer",
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
        cls="SGD",
    ),
    Mistake(
        "rmsprop-centered-ignored",
        f"{OPT}.RMSprop",
        "RMSprop that keeps grad_avg but never uses it with centered=True",
        "the centred denominator is sqrt(square_avg - grad_avg^2) + eps",
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
        cls="RMSprop",
    ),
    Mistake(
        "rprop-without-sign-flip-reset",
        f"{OPT}.Rprop",
        "Rprop without the reset after a sign flip",
        "after a flip torch does not move that entry and stores 0 as its previous gradient",
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
        cls="Rprop",
    ),
    Mistake(
        "state-dict-without-copies",
        f"{OPT}.Optimizer.state_dict",
        "state_dict() returning the live state instead of copies",
        "so the saved dict changes as the optimizer steps on",
        doc="docs/optimizers.md#optimizer",
    ),
    Mistake(
        "load-state-dict-keeps-constructor-hyperparameters",
        f"{OPT}.Optimizer.state_dict",
        "load_state_dict() loading the state but not the saved param_groups",
        "the saved hyperparameters replace the constructor's",
        doc="docs/optimizers.md#optimizer",
    ),
    Mistake(
        "zero-grad-first-group-only",
        f"{OPT}.Optimizer.zero_grad",
        "zero_grad() resetting the first parameter group only",
        "every group's parameters are reset",
        doc="docs/optimizers.md#optimizer",
    ),
    Mistake(
        "add-param-group-without-defaults",
        f"{OPT}.Optimizer.add_param_group",
        "add_param_group() without filling in the defaults",
        "a hyperparameter the new group leaves out takes the optimizer's default",
        doc="docs/optimizers.md#optimizer",
    ),
]
