"""The optimizer items' cases: gradient sources, hyperparameter tables and case builders.

A trajectory case (every optimizer) runs ``STEPS`` steps from fixed initial parameters; the
gradients come from a fixed random sequence (the same arrays on both sides; 20% exact zeros) or
from an objective of ``graders.objectives`` that each side differentiates at its *own*
parameters.  ``spec["record"][i]`` lists the state entries ``[key, kind]`` torch keeps for
parameter ``i`` (``kind``: ``array`` of the parameter's shape, ``flat`` of all parameters' size,
``scalar``, ``length`` of a list); the driver records them, and the parameters, after every step.

Configurations: torch's own ``OptimizerInfo`` inputs (``common_optimizers.py``, less tensor
learning rates and ``capturable``), a few that exercise more, parameter groups with their own
hyperparameters, and conventions that only a targeted gradient reveals (eps outside the square
root needs |g| << sqrt(eps); SGD's buffer b_1 = g_1 needs dampening != 0).  The ``Optimizer``
API cases (``state_dict``, ``add_param_group``, ``zero_grad``) come last.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from graders.registry import Case, Category

C = Category
STEPS = 25
SHAPES: list[tuple[int, ...]] = [(3, 4), (5,), ()]
S, A, F, L = "scalar", "array", "flat", "length"
#: State entries recorded by their length (L-BFGS's history lists).
LIST_KEYS = frozenset({"old_dirs", "old_stps", "ro", "al"})

Source = dict[str, Any]
Hyper = dict[str, Any]


# ================================================================================ sources
def random_source(
    rng: np.random.Generator,
    shapes: list[tuple[int, ...]] | None = None,
    scale: float = 1.0,
    steps: int = STEPS,
    zeros: float = 0.2,
) -> Source:
    """A fixed sequence of random gradients, ``zeros`` of the entries exactly 0."""
    shapes = SHAPES if shapes is None else shapes
    init = [rng.normal(size=s) for s in shapes]
    grads = [
        scale * rng.normal(size=(steps, *s)) * (rng.uniform(size=(steps, *s)) >= zeros)
        for s in shapes
    ]
    return {"init": init, "grads": grads}


def alternating_source(rng: np.random.Generator, steps: int = STEPS) -> Source:
    """Gradients whose signs flip every step on half the entries (Rprop's reset)."""
    src = random_source(rng, [(4, 3), (6,)], steps=steps, zeros=0.0)
    for g in src["grads"]:
        flip = (rng.uniform(size=g.shape[1:]) < 0.5) * 2 - 1
        signs = np.where(flip > 0, 1.0, (-1.0) ** np.arange(steps).reshape(-1, *[1] * (g.ndim - 1)))
        g[...] = np.abs(g) * signs
    return src


def _objective_data(
    base: str, rng: np.random.Generator, steps: int
) -> tuple[dict[str, np.ndarray], list[np.ndarray]]:
    """(data, initial parameters) of the objective ``base``."""
    if base == "quadratic":
        n = 6
        m = rng.normal(size=(n, n))
        a = m @ m.T / n + np.eye(n)
        return {"a": (a + a.T) / 2, "b": rng.normal(size=n)}, [rng.normal(size=n)]
    if base == "rosenbrock":
        return {}, [np.array([-1.2, 1.0, -0.5, 0.8]) + 0.05 * rng.normal(size=4)]
    if base == "mlp":
        data = {"x": rng.normal(size=(8, 3)), "y": rng.normal(size=(8, 2))}
        w1 = rng.normal(size=(4, 3)) / np.sqrt(3)
        return data, [w1, np.full(4, 0.1), rng.normal(size=(2, 4)) / 2, np.full(2, -0.1)]
    if base == "embedding":
        index = rng.integers(0, 10, size=(steps, 4))
        return {"index": index, "target": rng.normal(size=(steps, 4, 3))}, [
            rng.normal(size=(10, 3))
        ]
    if base == "logistic":
        data = {"x": rng.normal(size=(20, 4)), "y": (rng.uniform(size=20) < 0.5).astype(float)}
        return data, [3 * rng.normal(size=4)]
    raise ValueError(f"unknown objective {base}")


def objective_source(name: str, rng: np.random.Generator, steps: int = STEPS) -> Source:
    """Initial parameters and the data of an objective of ``objectives.OBJECTIVES``
    (``NAME+unused``: one more parameter the objective does not use)."""
    data, init = _objective_data(name.split("+")[0], rng, steps)
    if name.endswith("+unused"):
        init.append(rng.normal(size=2))
    return {"init": init, "objective": name, "objective_data": data}


# ================================================================================ state keys
_STATE: dict[str, list[list[str]]] = {
    "Adagrad": [["step", S], ["sum", A]],
    "RMSprop": [["step", S], ["square_avg", A]],
    "Adadelta": [["step", S], ["square_avg", A], ["acc_delta", A]],
    "Adam": [["step", S], ["exp_avg", A], ["exp_avg_sq", A]],
    "Adamax": [["step", S], ["exp_avg", A], ["exp_inf", A]],
    "SparseAdam": [["step", S], ["exp_avg", A], ["exp_avg_sq", A]],
    "ASGD": [["step", S], ["eta", S], ["mu", S], ["ax", A]],
    "Rprop": [["step", S], ["prev", A], ["step_size", A]],
    "LBFGS": [
        ["func_evals", S],
        ["n_iter", S],
        ["t", S],
        ["H_diag", S],
        ["prev_loss", S],
        ["d", F],
        ["prev_flat_grad", F],
        ["old_dirs", L],
    ],
}


def state_keys(name: str, hp: Hyper) -> list[list[str]]:
    """The state entries torch keeps for a parameter of ``name`` with hyperparameters ``hp``."""
    if name == "SGD":
        return [["momentum_buffer", A]] if hp.get("momentum", 0) else []
    keys = list(_STATE["Adam" if name == "AdamW" else name])
    if name == "RMSprop":
        if hp.get("momentum", 0) > 0:
            keys.append(["momentum_buffer", A])
        if hp.get("centered"):
            keys.append(["grad_avg", A])
    if name in ("Adam", "AdamW") and hp.get("amsgrad"):
        keys.append(["max_exp_avg_sq", A])
    return keys


def records(
    name: str, kwargs: Hyper, groups: list[Hyper] | None, n: int, skipped: list[int]
) -> list[list[list[str]]]:
    """Per parameter, the state entries torch keeps (its group's hyperparameters; none for
    the ``skipped`` ones; L-BFGS keeps its state under the first parameter)."""
    if name == "LBFGS":
        return [state_keys(name, kwargs)] + [[] for _ in range(n - 1)]
    hyper = [dict(kwargs) for _ in range(n)]
    for g in groups or []:
        for i in g["params"]:
            hyper[i].update({k: v for k, v in g.items() if k != "params"})
    return [[] if i in skipped else state_keys(name, hyper[i]) for i in range(n)]


# ================================================================================ case makers
def trajectory_case(
    name: str,
    label: str,
    category: Category,
    kwargs: Hyper,
    source: Source,
    *,
    groups: list[Hyper] | None = None,
    none_grad: list[int] | None = None,
    closure: bool = False,
    hint: str = "",
) -> Case:
    """``STEPS`` steps of ``name`` from ``source``; parameters and state recorded every step."""
    n = len(source["init"])
    skipped = list(none_grad or [])
    spec: dict[str, Any] = {
        "mode": "lbfgs" if name == "LBFGS" else "trajectory",
        "shape": [tuple(np.shape(a)) for a in source["init"]],
        "steps": len(source["grads"][0]) if "grads" in source else STEPS,
        **source,
        "record": records(name, kwargs, groups, n, skipped),
    }
    if kwargs.get("maximize") and "objective" in source:
        spec["negate"] = True  # maximize -f: climbs to f's minimum instead of diverging
    if groups:
        spec["groups"] = groups
    if skipped:
        spec["none_grad"] = spec["skipped"] = skipped
    if closure:
        spec["closure"] = True
    data = {"check": "trajectory"}
    if hint:
        data["hint"] = hint
    return Case(label, category, kwargs=kwargs, spec=spec, data=data)


def lbfgs_case(
    label: str,
    category: Category,
    kwargs: Hyper,
    source: Source,
    calls: int = 3,
    hint: str = "",
    prop: str = "",
) -> Case:
    """``calls`` calls of ``LBFGS.step(closure)``, compared with torch's after each.  ``prop``
    (``minimiser``, ``wolfe``) adds a note on that property to a failing case's message."""
    case = trajectory_case("LBFGS", label, category, kwargs, source, hint=hint)
    spec = {**case.spec, "steps": calls}
    data: dict[str, Any] = {**case.data, "check": "lbfgs", "step_label": "call"}
    if prop:
        data.update(prop=prop, init=source["init"], objective=source["objective"])
        data["objective_data"] = source["objective_data"]
    return Case(label, category, kwargs=kwargs, spec=spec, data=data)


# ================================================================================ tables
#: torch's OptimizerInfo configurations (common_optimizers.py) plus a few that exercise more.
HYPER: dict[str, list[Hyper]] = {
    "SGD": [
        {"lr": 1e-2},
        {"weight_decay": 0.5},
        {"momentum": 0.9},
        {"weight_decay": 0.1, "maximize": True},
        {"momentum": 0.9, "dampening": 0.5},
        {"momentum": 0.9, "weight_decay": 0.1},
        {"momentum": 0.9, "nesterov": True, "weight_decay": 0.1},
        {"lr": 1e-2, "momentum": 0.9, "dampening": 0.5, "weight_decay": 0.1, "maximize": True},
        {"momentum": 0.5, "nesterov": True, "maximize": True},
    ],
    "Adagrad": [
        {"weight_decay": 0.1},
        {"weight_decay": 0.1, "maximize": True},
        {"lr": 0.1},
        {"initial_accumulator_value": 0.1, "weight_decay": 0.1},
        {"lr": 0.1, "lr_decay": 0.5, "weight_decay": 0.1},
        {"eps": 1e-3, "lr_decay": 0.1},
    ],
    "RMSprop": [
        {"lr": 1e-3},
        {"weight_decay": 0.1},
        {"maximize": True},
        {"weight_decay": 0.1, "centered": True},
        {"maximize": True, "weight_decay": 0.1},
        {"weight_decay": 0.1, "centered": True, "momentum": 0.1},
        {"weight_decay": 0.1, "centered": True, "momentum": 0.1, "maximize": True},
        {"alpha": 0.9, "eps": 1e-4, "momentum": 0.9},
    ],
    "Adadelta": [
        {"lr": 0.01},
        {"weight_decay": 0.1},
        {"maximize": True},
        {"weight_decay": 0.1, "maximize": True},
        {"rho": 0.95, "weight_decay": 0.9},
        {"eps": 1e-3, "rho": 0.5},
    ],
    "Adam": [
        {"lr": 0.01},
        {"weight_decay": 0.1},
        {"weight_decay": 0.1, "maximize": True},
        {"weight_decay": 0.1, "amsgrad": True},
        {"betas": (0.8, 0.9), "eps": 1e-6},
        {"amsgrad": True, "maximize": True, "lr": 0.01},
        {"weight_decay": 0.1, "decoupled_weight_decay": True},
    ],
    "AdamW": [
        {"lr": 0.01},
        {"weight_decay": 0.1},
        {"weight_decay": 0.1, "maximize": True},
        {"weight_decay": 0.1, "amsgrad": True},
        {"betas": (0.8, 0.9), "eps": 1e-6, "weight_decay": 0.0},
    ],
    "Adamax": [
        {"lr": 0.1},
        {"weight_decay": 0.1},
        {"maximize": True},
        {"weight_decay": 0.1, "maximize": True},
        {"betas": (0.8, 0.95)},
    ],
    "SparseAdam": [
        {"lr": 0.01},
        {"maximize": True},
        {"betas": (0.8, 0.9), "eps": 1e-6},
    ],
    "ASGD": [
        {"lambd": 0.1},
        {"lr": 0.02},
        {"t0": 100},
        {"maximize": True},
        {"weight_decay": 0.1},
        {"weight_decay": 0.1, "maximize": True},
        {"lr": 0.05, "lambd": 0.1, "alpha": 0.5, "t0": 5},
    ],
    "Rprop": [
        {"lr": 2e-4},
        {"etas": (0.5, 1.5)},
        {"step_sizes": (2e-6, 100)},
        {"maximize": True},
        {"lr": 0.1, "step_sizes": (1e-3, 0.05)},
    ],
}
#: Real objectives: (objective, hyperparameters) per optimizer.
OBJECTIVE_RUNS: dict[str, list[tuple[str, Hyper]]] = {
    "SGD": [
        ("quadratic", {"lr": 0.05, "momentum": 0.9}),
        ("rosenbrock", {"lr": 0.01, "momentum": 0.5, "nesterov": True}),
        ("mlp", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
    ],
    "Adagrad": [
        ("quadratic", {"lr": 0.1}),
        ("rosenbrock", {"lr": 0.1, "lr_decay": 0.1}),
        ("mlp", {"lr": 0.1, "initial_accumulator_value": 0.1}),
    ],
    "RMSprop": [
        ("quadratic", {"lr": 0.01}),
        ("rosenbrock", {"lr": 0.01, "centered": True}),
        ("mlp", {"lr": 0.01, "momentum": 0.5, "centered": True}),
    ],
    "Adadelta": [
        ("quadratic", {}),
        ("rosenbrock", {"lr": 0.5, "rho": 0.95}),
        ("mlp", {"weight_decay": 0.1}),
    ],
    "Adam": [
        ("quadratic", {"lr": 0.05}),
        ("rosenbrock", {"lr": 0.01, "amsgrad": True}),
        ("mlp", {"lr": 0.01, "weight_decay": 0.1}),
    ],
    "AdamW": [
        ("quadratic", {"lr": 0.05}),
        ("rosenbrock", {"lr": 0.01, "amsgrad": True}),
        ("mlp", {"lr": 0.01, "weight_decay": 0.1}),
    ],
    "Adamax": [
        ("quadratic", {"lr": 0.05}),
        ("rosenbrock", {"lr": 0.01}),
        ("mlp", {"lr": 0.02, "weight_decay": 0.1}),
    ],
    "SparseAdam": [
        ("embedding", {"lr": 0.05}),
        ("quadratic", {"lr": 0.05}),
        ("mlp", {"lr": 0.01}),
    ],
    "ASGD": [
        ("quadratic", {"lr": 0.05, "t0": 5}),
        ("rosenbrock", {"lr": 0.01}),
        ("mlp", {"lr": 0.1, "lambd": 0.01, "t0": 10}),
    ],
    "Rprop": [
        ("quadratic", {}),
        ("rosenbrock", {"lr": 0.01}),
        ("mlp", {"etas": (0.3, 1.5)}),
    ],
}
#: Per optimizer: the first group's defaults and a second group overriding them.
GROUPS: dict[str, tuple[Hyper, Hyper]] = {
    "SGD": ({"lr": 0.01, "momentum": 0.9}, {"lr": 0.05, "dampening": 0.3, "weight_decay": 0.1}),
    "Adagrad": ({"lr": 0.1}, {"lr": 0.05, "lr_decay": 0.2, "weight_decay": 0.1}),
    "RMSprop": ({"lr": 0.01}, {"centered": True, "momentum": 0.5, "alpha": 0.9}),
    "Adadelta": ({"lr": 0.5}, {"rho": 0.8, "weight_decay": 0.1, "maximize": True}),
    "Adam": ({"lr": 0.01}, {"betas": (0.8, 0.99), "amsgrad": True, "weight_decay": 0.1}),
    "AdamW": ({"lr": 0.01}, {"weight_decay": 0.3, "amsgrad": True}),
    "Adamax": ({"lr": 0.01}, {"betas": (0.5, 0.9), "weight_decay": 0.1}),
    "SparseAdam": ({"lr": 0.01}, {"lr": 0.03, "betas": (0.5, 0.9)}),
    "ASGD": ({"lr": 0.02}, {"lambd": 0.1, "t0": 3, "alpha": 0.5}),
    "Rprop": ({"lr": 0.01}, {"etas": (0.3, 1.5), "step_sizes": (1e-4, 0.1)}),
}
#: Conventions: (label, hyperparameters, gradient scale, the convention) on fixed random
#: gradients; the scale makes the convention visible (eps placement needs |g| << sqrt(eps)).
CONVENTIONS: dict[str, list[tuple[str, Hyper, float, str]]] = {
    "SGD": [
        (
            "first-buffer-is-g-not-dampened",
            {"lr": 0.01, "momentum": 0.9, "dampening": 0.9},
            1.0,
            "the momentum buffer starts at b_1 = g_1, not at (1 - dampening) g_1 from zero",
        ),
        (
            "weight-decay-before-momentum",
            {"lr": 0.01, "momentum": 0.9, "weight_decay": 0.5},
            1.0,
            "g + weight_decay * theta enters the momentum buffer",
        ),
        (
            "nesterov-torch-form",
            {"lr": 0.01, "momentum": 0.9, "nesterov": True},
            1.0,
            "b = mu b + g (stored as momentum_buffer), theta -= lr (g + mu b)",
        ),
    ],
    "Adagrad": [
        ("eps-outside-sqrt", {"lr": 0.1, "eps": 1e-4}, 1e-4, "g / (sqrt(sum) + eps)"),
        (
            "lr-decay-uses-incremented-step",
            {"lr": 0.1, "lr_decay": 1.0},
            1.0,
            "lr / (1 + (t - 1) lr_decay) with t counted before use: step 1 uses lr itself",
        ),
    ],
    "RMSprop": [
        ("eps-outside-sqrt", {"lr": 0.01, "eps": 1e-4}, 1e-4, "g / (sqrt(square_avg) + eps)"),
        (
            "momentum-buffer-starts-at-zero",
            {"lr": 0.01, "momentum": 0.9},
            1.0,
            "b = momentum b + g / (sqrt(v) + eps) from b = 0 (unlike SGD's)",
        ),
    ],
    "Adadelta": [
        (
            "eps-inside-both-roots",
            {"eps": 1e-3},
            1e-2,
            "delta = sqrt(acc_delta + eps) / sqrt(square_avg + eps) * g",
        )
    ],
    "Adam": [
        (
            "eps-outside-sqrt",
            {"lr": 0.01},
            1e-4,
            "m_hat / (sqrt(v_hat) + eps), not the notes' m_hat / sqrt(v_hat + eps)",
        ),
        (
            "amsgrad-max-of-raw-v",
            {"lr": 0.01, "amsgrad": True, "betas": (0.5, 0.9)},
            1.0,
            "max_exp_avg_sq is the running max of the raw v, bias-corrected afterwards",
        ),
    ],
    "AdamW": [
        (
            "eps-outside-sqrt",
            {"lr": 0.01},
            1e-4,
            "m_hat / (sqrt(v_hat) + eps), not the notes' m_hat / sqrt(v_hat + eps)",
        ),
        (
            "decay-scaled-by-lr",
            {"lr": 0.1, "weight_decay": 0.5},
            1.0,
            "theta *= 1 - lr * weight_decay before the moments, which never see the decay",
        ),
    ],
    "Adamax": [("eps-inside-max", {"lr": 0.01, "eps": 1e-3}, 1e-3, "u = max(beta2 u, |g| + eps)")],
    "SparseAdam": [
        (
            "eps-before-bias-correction",
            {"lr": 0.01, "eps": 1e-3},
            1e-3,
            "lr sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps): eps before correction",
        )
    ],
    "ASGD": [
        (
            "eta-mu-from-previous-step",
            {"lr": 0.05, "lambd": 0.1, "alpha": 0.5, "t0": 3},
            1.0,
            "the eta and mu used at step t were computed at the end of step t - 1",
        )
    ],
    "Rprop": [],
}
RPROP_RESET = "after a sign flip the entry does not move and its prev is set to 0"
LBFGS_MAX_EVAL = "max_eval defaults to max_iter * 5 // 4"


# ================================================================================ hidden draws
def rounded(x: float, digits: int = 3) -> float:
    """``x`` to ``digits`` significant digits (readable hyperparameters in the report)."""
    return float(f"{x:.{digits}g}")


class Draw:
    """Random hyperparameters in safe ranges for the hidden cases.  The shared draws
    (``wd``, ``betas``, ``eps``) come first, then the optimizer's own, in a fixed order."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.rng = rng
        self.wd = float(rng.choice([0.0, 0.01, 0.3]))
        self.betas = (self.unit(0.0, 0.95), self.unit(0.5, 0.999))
        self.eps = float(rng.choice([1e-8, 1e-6, 1e-3]))

    def lr(self) -> float:
        return rounded(10 ** self.rng.uniform(-4, -1))

    def unit(self, lo: float = 0.0, hi: float = 0.99) -> float:
        return rounded(self.rng.uniform(lo, hi))

    def flag(self) -> bool:
        return bool(self.rng.integers(2))

    def choice(self, options: list[float]) -> float:
        return float(self.rng.choice(options))


def _sgd(d: Draw) -> Hyper:
    kw: Hyper = {"lr": d.lr(), "momentum": d.unit(), "dampening": d.unit(), "weight_decay": d.wd}
    if d.flag():
        kw.update(nesterov=True, dampening=0.0, momentum=max(kw["momentum"], 0.1))
    return {**kw, "maximize": d.flag()}


def _adam(d: Draw, decoupled: bool) -> Hyper:
    kw: Hyper = {"lr": d.lr(), "betas": d.betas, "weight_decay": d.wd}
    kw.update(amsgrad=d.flag(), maximize=d.flag())
    if decoupled:
        kw["decoupled_weight_decay"] = d.flag()
    return kw


DRAWS: dict[str, Any] = {
    "SGD": _sgd,
    "Adagrad": lambda d: {
        "lr": d.lr(),
        "lr_decay": d.unit(0, 1),
        "weight_decay": d.wd,
        "initial_accumulator_value": d.unit(0, 1),
        "eps": d.choice([1e-10, 1e-6, 1e-3]),
    },
    "RMSprop": lambda d: {
        "lr": d.lr(),
        "alpha": d.unit(0.5, 0.99),
        "momentum": d.unit(),
        "weight_decay": d.wd,
        "centered": d.flag(),
        "maximize": d.flag(),
        "eps": d.eps,
    },
    "Adadelta": lambda d: {
        "lr": d.unit(0.01, 1.0),
        "rho": d.unit(0.1, 0.99),
        "weight_decay": d.wd,
        "eps": d.choice([1e-6, 1e-4, 1e-3]),
        "maximize": d.flag(),
    },
    "Adam": partial(_adam, decoupled=True),
    "AdamW": partial(_adam, decoupled=False),
    "Adamax": lambda d: {
        "lr": d.lr(),
        "betas": d.betas,
        "weight_decay": d.wd,
        "maximize": d.flag(),
    },
    "SparseAdam": lambda d: {"lr": d.lr(), "betas": d.betas, "eps": d.eps, "maximize": d.flag()},
    "ASGD": lambda d: {
        "lr": d.lr(),
        "lambd": d.unit(0, 0.5),
        "alpha": d.unit(0.3, 1),
        "t0": d.choice([0.0, 4.0, 1e6]),
        "weight_decay": d.wd,
        "maximize": d.flag(),
    },
    "Rprop": lambda d: {
        "lr": d.lr(),
        "etas": (d.unit(0.1, 0.9), d.unit(1.1, 2.0)),
        "step_sizes": (rounded(10 ** d.rng.uniform(-6, -3)), d.unit(0.01, 1.0)),
        "maximize": d.flag(),
    },
    "LBFGS": lambda d: {
        "lr": d.unit(0.3, 1.0),
        "max_iter": int(d.rng.integers(3, 9)),
        "history_size": int(d.rng.integers(2, 8)),
        "line_search_fn": "strong_wolfe" if d.rng.integers(2) else None,
    },
}


def draw_hyper(name: str, rng: np.random.Generator) -> Hyper:
    """Random hyperparameters of optimizer ``name`` in safe ranges (hidden cases)."""
    result: Hyper = DRAWS[name](Draw(rng))
    return result


def label(kw: Hyper) -> str:
    """``lr=0.1,betas=(0.8,0.9)``: hyperparameters as a case name (``default`` if none)."""
    return ",".join(f"{k}={v}" for k, v in kw.items()).replace(" ", "") or "default"


# ================================================================================ builders
def _hidden_cases(name: str, rng: np.random.Generator) -> list[Case]:
    case = partial(trajectory_case, name)
    draws = [draw_hyper(name, rng) for _ in range(3)]
    problem = "embedding" if name == "SparseAdam" else str(rng.choice(["quadratic", "mlp"]))
    return [
        case("random-0", C.HYPERPARAMETERS, draws[0], random_source(rng)),
        case("random-1", C.HYPERPARAMETERS, draws[1], random_source(rng, [(4, 2), (3,)])),
        case(f"random-{problem}", C.GRADIENT, draws[2], objective_source(problem, rng)),
    ]


def _edge_and_convention_cases(name: str, rng: np.random.Generator) -> list[Case]:
    case = partial(trajectory_case, name)
    maximize = {**OBJECTIVE_RUNS[name][0][1], "maximize": True}
    src = objective_source(OBJECTIVE_RUNS[name][0][0], rng)
    cases = [case("maximize-minus-objective", C.EDGE, maximize, src)]
    cases.append(case("grad-none-skipped", C.EDGE, {}, random_source(rng), none_grad=[1]))
    if name == "SparseAdam":
        src = random_source(rng, [(5, 2), (4,)], zeros=0.7)
        src["grads"][1][::3] = 0.0  # steps whose whole gradient is zero still count
        cases.append(case("all-zero-gradient-steps", C.EDGE, {"lr": 0.01}, src))
    for name_, kw, scale, hint in CONVENTIONS[name]:
        src = random_source(rng, scale=scale)
        cases.append(case(name_, C.CONVENTION, kw, src, hint=hint))
    if name == "Rprop":
        src = alternating_source(rng)
        cases.append(case("sign-flip-reset", C.CONVENTION, {"lr": 0.01}, src, hint=RPROP_RESET))
    return cases


def optimizer_cases(name: str, rng: np.random.Generator, hidden: bool) -> list[Case]:
    """Every case of one ``torch.optim`` optimizer other than L-BFGS."""
    if hidden:
        return _hidden_cases(name, rng)
    case = partial(trajectory_case, name)
    cases = [
        case("default", C.CORRECTNESS, {}, random_source(rng)),
        case("default-one-matrix", C.CORRECTNESS, {}, random_source(rng, [(6, 5)])),
        case("default-mlp", C.GRADIENT, {}, objective_source("mlp", rng), closure=True),
    ]
    for kw in HYPER[name]:
        cases.append(case(f"hyper-{label(kw)}", C.HYPERPARAMETERS, kw, random_source(rng)))
    defaults, override = GROUPS[name]
    src = random_source(rng, [(3, 4), (4,), (2, 3), (3,)])
    groups = [{"params": [0, 1]}, {"params": [2, 3], **override}]
    cases.append(case("param-groups", C.HYPERPARAMETERS, defaults, src, groups=groups))
    for problem, kw in OBJECTIVE_RUNS[name]:
        src = objective_source(problem, rng)
        cases.append(case(f"{problem}-{label(kw)}", C.GRADIENT, kw, src))
    return cases + _edge_and_convention_cases(name, rng)


# ================================================================================ L-BFGS
#: torch's LBFGS OptimizerInfo configurations plus history, max_iter and max_eval variants.
LBFGS_HYPER: list[Hyper] = [
    {"lr": 0.01},
    {"tolerance_grad": 1e-6},
    {"lr": 0.5, "max_iter": 5},
    {"history_size": 2, "max_iter": 7},
    {"line_search_fn": "strong_wolfe"},
    {"line_search_fn": "strong_wolfe", "max_iter": 3, "history_size": 3},
    {"line_search_fn": "strong_wolfe", "max_iter": 4, "max_eval": 5},
]
#: Long runs to the quadratic's minimiser.
CONVERGE: Hyper = {"max_iter": 50, "tolerance_grad": 1e-6, "tolerance_change": 0.0}
#: One strong-Wolfe line search per call.
WOLFE: Hyper = {"line_search_fn": "strong_wolfe", "max_iter": 1, "max_eval": 25}


def _lbfgs_hidden(rng: np.random.Generator) -> list[Case]:
    return [
        lbfgs_case(
            f"random-{problem}",
            C.HYPERPARAMETERS,
            draw_hyper("LBFGS", rng),
            objective_source(problem, rng),
        )
        for problem in ("quadratic", "logistic")
    ]


def _lbfgs_properties(rng: np.random.Generator) -> list[Case]:
    """Convergence to the minimiser and strong-Wolfe steps: judged on torch's iterates, the
    property named in the message of a failing case."""
    cases = []
    for line_search in (None, "strong_wolfe"):
        kw = {**CONVERGE, "line_search_fn": line_search}
        src = objective_source("quadratic", rng)
        name = f"converges-{line_search or 'fixed-step'}"
        cases.append(lbfgs_case(name, C.CORRECTNESS, kw, src, prop="minimiser"))
    for problem in ("rosenbrock", "logistic", "quadratic"):
        src = objective_source(problem, rng)
        name = f"strong-wolfe-{problem}"
        cases.append(lbfgs_case(name, C.CORRECTNESS, WOLFE, src, calls=6, prop="wolfe"))
    return cases


def lbfgs_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    """L-BFGS: every case compares each call's iterate and state with ``torch.optim.LBFGS``."""
    if hidden:
        return _lbfgs_hidden(rng)
    cases = [
        lbfgs_case("default-quadratic", C.CORRECTNESS, {}, objective_source("quadratic", rng)),
        lbfgs_case("default-logistic", C.CORRECTNESS, {}, objective_source("logistic", rng)),
    ]
    for k, kw in enumerate(LBFGS_HYPER):
        problem = "quadratic" if k % 2 else "logistic"
        src = objective_source(problem, rng)
        cases.append(lbfgs_case(f"hyper-{label(kw)}-{problem}", C.HYPERPARAMETERS, kw, src))
    strong = {"line_search_fn": "strong_wolfe", "max_iter": 10, "history_size": 5}
    cases += [
        lbfgs_case(
            "rosenbrock-strong_wolfe", C.GRADIENT, strong, objective_source("rosenbrock", rng)
        ),
        lbfgs_case(
            "mlp-four-parameters",
            C.GRADIENT,
            {"max_iter": 5, "lr": 0.5},
            objective_source("mlp", rng),
        ),
        lbfgs_case(
            "grad-none-counts-as-zero",
            C.EDGE,
            {"max_iter": 5},
            objective_source("quadratic+unused", rng),
        ),
        lbfgs_case(
            "max-eval-default-is-5/4-max-iter",
            C.CONVENTION,
            {"max_iter": 8},
            objective_source("logistic", rng),
            hint=LBFGS_MAX_EVAL,
        ),
    ]
    return cases + _lbfgs_properties(rng)


# ================================================================================ the API
SGD_KEYS = ["lr", "momentum", "dampening", "weight_decay"]
ADAM_KEYS = ["lr", "betas", "eps", "weight_decay"]
API_SHAPES: list[tuple[int, ...]] = [(3, 2), (4,), (2, 2)]
#: Two groups over ``API_SHAPES``: the second with its own learning rate.
TWO_GROUPS: list[Hyper] = [{"params": [0, 1]}, {"params": [2], "lr": 0.05}]


def hyper_columns(keys: list[str]) -> list[str]:
    """Names of the compared hyperparameter values (``betas`` holds two)."""
    return [c for k in keys for c in ([f"{k}[0]", f"{k}[1]"] if k == "betas" else [k])]


def state_dict_case(
    rng: np.random.Generator,
    name: str,
    category: Category,
    optimizer: str,
    kwargs: Hyper,
    kwargs2: Hyper,
    keys: list[str],
    groups: list[Hyper] | None = None,
    none_grad: list[int] | None = None,
) -> Case:
    """8 steps, ``state_dict()``; a fresh optimizer (built with ``kwargs2``) loads it and takes
    8 more steps.  Compared with torch: the dict's structure and saved state, the loaded
    hyperparameters and parameters, the resumed run's parameters, and the saved dict after the
    original optimizer stepped on (it holds copies)."""
    src = random_source(rng, API_SHAPES, steps=16)
    n, skipped = len(API_SHAPES), list(none_grad or [])
    spec: dict[str, Any] = {
        "mode": "state_dict",
        "optimizer": optimizer,
        **src,
        "before": 8,
        "after": 8,
        "kwargs2": kwargs2,
        "hyper_keys": keys,
        "shape": API_SHAPES,
        "steps": 16,
        "saved": records(optimizer, kwargs, groups, n, skipped),
        "record": [[] for _ in range(n)],  # the resumed run: parameters (the 40 outputs' limit)
    }
    if groups:
        spec["groups"] = groups
    if skipped:
        spec["none_grad"] = skipped
    data = {"check": "api", "hyper_columns": hyper_columns(keys), "stepped": "resumed_p"}
    return Case(name, category, kwargs=kwargs, spec=spec, data={**data, "first_step": 8})


def state_dict_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    """``state_dict`` / ``load_state_dict`` with SGD, Adam, RMSprop and ASGD state."""
    case = partial(state_dict_case, rng)
    if hidden:
        lr = rounded(10 ** rng.uniform(-3, -1))
        kw = {"lr": lr, "amsgrad": True}
        return [case("random-adam", C.CORRECTNESS, "Adam", kw, {"lr": 0.5}, ADAM_KEYS)]
    rmsprop = {"lr": 0.01, "centered": True, "momentum": 0.5}
    return [
        case(
            "sgd-momentum",
            C.CORRECTNESS,
            "SGD",
            {"lr": 0.01, "momentum": 0.9},
            {"lr": 0.3},
            SGD_KEYS,
        ),
        case(
            "adam-amsgrad-two-groups",
            C.CORRECTNESS,
            "Adam",
            {"lr": 0.01, "amsgrad": True},
            {"lr": 0.5, "betas": (0.5, 0.5)},
            ADAM_KEYS,
            groups=TWO_GROUPS,
        ),
        case(
            "rmsprop-centered",
            C.CORRECTNESS,
            "RMSprop",
            rmsprop,
            {"lr": 0.2},
            ["lr", "alpha", "eps", "weight_decay", "momentum"],
        ),
        case(
            "asgd-float-state",
            C.CORRECTNESS,
            "ASGD",
            {"lr": 0.05, "t0": 3},
            {"lr": 0.2},
            ["lr", "lambd", "alpha", "t0", "weight_decay"],
        ),
        case(
            "parameter-without-state",
            C.EDGE,
            "Adam",
            {"lr": 0.01},
            {},
            ADAM_KEYS,
            groups=TWO_GROUPS,
            none_grad=[1],
        ),
    ]


def add_param_group_case(
    rng: np.random.Generator,
    name: str,
    category: Category,
    optimizer: str,
    kwargs: Hyper,
    extra: Hyper,
    keys: list[str],
    single: bool = False,
) -> Case:
    """5 steps on parameters 0 and 1, then a group (parameters 2 and 3, or 2 alone, passed
    bare) with hyperparameters ``extra`` is added; 7 more steps compared with torch's."""
    shapes = [*API_SHAPES, (3,)]
    src = random_source(rng, shapes, steps=12)
    first, added = [0, 1], [2] if single else [2, 3]
    groups = [{"params": first}, {"params": added, **extra}]
    unmanaged = [i for i in range(len(shapes)) if i not in first + added]
    spec: dict[str, Any] = {
        "mode": "add_param_group",
        "optimizer": optimizer,
        **src,
        "first": first,
        "added": added,
        "before": 5,
        "after": 7,
        "group_hyper": extra,
        "hyper_keys": keys,
        "shape": shapes,
        "steps": 12,
        "record": records(optimizer, kwargs, groups, len(shapes), unmanaged),
    }
    if single:
        spec["single"] = True
    data = {"check": "api", "hyper_columns": hyper_columns(keys), "stepped": "p", "first_step": 5}
    return Case(name, category, kwargs=kwargs, spec=spec, data=data)


#: An overlapping group: torch raises ValueError (after a disjoint group was added).
OVERLAP = Case(
    "overlapping-group-raises",
    C.EDGE,
    kwargs={"lr": 0.01},
    spec={
        "mode": "overlap",
        "optimizer": "SGD",
        "init": [np.ones(2), np.ones(3), np.ones(4)],
        "first": [0],
        "added": [1],
        "overlap": [2, 0],
        "shape": [(2,), (3,), (4,)],
    },
    data={"check": "api"},
)


def add_param_group_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    """``add_param_group`` mid-training: defaults filled in, the group's own values used."""
    case = partial(add_param_group_case, rng)
    sgd = {"lr": 0.01, "momentum": 0.9}
    if hidden:
        lr = rounded(10 ** rng.uniform(-3, -1))
        return [case("random-lr", C.CORRECTNESS, "SGD", sgd, {"lr": lr}, SGD_KEYS)]
    filled = {"lr": 0.02, "momentum": 0.5, "dampening": 0.1, "weight_decay": 0.01}
    return [
        case("sgd-new-lr", C.CORRECTNESS, "SGD", sgd, {"lr": 0.05}, SGD_KEYS),
        case("sgd-defaults-filled", C.CORRECTNESS, "SGD", filled, {}, SGD_KEYS),
        case(
            "adam-new-betas",
            C.HYPERPARAMETERS,
            "Adam",
            {"lr": 0.01},
            {"betas": (0.5, 0.9)},
            ADAM_KEYS,
        ),
        case("single-parameter-not-list", C.EDGE, "SGD", sgd, {"lr": 0.1}, SGD_KEYS, single=True),
        OVERLAP,
    ]


def zero_grad_case(
    rng: np.random.Generator,
    name: str,
    category: Category,
    zero_kwargs: Hyper,
    none: tuple[int, ...] = (),
    groups: bool = False,
    in_place: bool = False,
) -> Case:
    """``zero_grad(**zero_kwargs)`` on an SGD whose parameters (``none``: without) have grads."""
    shapes: list[tuple[int, ...]] = [(3, 2), (4,), ()]
    grads = [None if i in none else rng.normal(size=s) for i, s in enumerate(shapes)]
    spec: dict[str, Any] = {
        "mode": "zero_grad",
        "optimizer": "SGD",
        "init": [rng.normal(size=s) for s in shapes],
        "grads": grads,
        "zero_kwargs": zero_kwargs,
        "shape": shapes,
    }
    if groups:
        spec["groups"] = [{"params": [0]}, {"params": [1, 2], "lr": 0.1}]
    if in_place:
        spec["in_place"] = True
    return Case(name, category, kwargs={"lr": 0.01}, spec=spec, data={"check": "api"})


def zero_grad_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    """``zero_grad``: None or zeros (in place), in every group, None grads left alone."""
    case = partial(zero_grad_case, rng)
    if hidden:
        flag = bool(rng.integers(2))
        return [case(f"set_to_none={flag}", C.CORRECTNESS, {"set_to_none": flag}, groups=True)]
    return [
        case("default-sets-none", C.CORRECTNESS, {}),
        case("set_to_none=True", C.CORRECTNESS, {"set_to_none": True}),
        case("set_to_none=False-zeros", C.CORRECTNESS, {"set_to_none": False}),
        case("every-group", C.CORRECTNESS, {}, groups=True),
        case("every-group-zeros", C.CORRECTNESS, {"set_to_none": False}, groups=True),
        case("none-grad-stays-none", C.EDGE, {"set_to_none": False}, none=(1,)),
        case("zeros-in-place", C.CONVENTION, {"set_to_none": False}, in_place=True),
    ]
