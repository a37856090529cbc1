"""Registry entries for ``optimizers``: step-by-step trajectories against ``torch.optim``.

Every optimizer item runs the student's class (driver ``optim``) and ``torch.optim.<Name>``
(float64, ``foreach=False``) from the same initial parameters and compares, after *every* step,
the parameters and every state entry torch keeps (``exp_avg``, ``momentum_buffer``, ``step``...).
The check names the first step and entry that diverged.  Gradients come from a fixed random
sequence (the same arrays on both sides; 20% exact zeros) or from a real objective that each
side differentiates at its *own* parameters (NumPy in the child, autograd here): a quadratic,
the (scaled) Rosenbrock function, a tiny tanh MLP, an embedding lookup (SparseAdam) and a
logistic regression (L-BFGS).

Configurations: torch's own ``OptimizerInfo`` inputs (``common_optimizers.py``, less tensor
learning rates and ``capturable``), a few that exercise more, parameter groups with their own
hyperparameters, and conventions that only a targeted gradient reveals (eps outside the square
root needs |g| << sqrt(eps); SGD's buffer b_1 = g_1 needs dampening != 0).  L-BFGS: exact
agreement on short convex runs, convergence to the minimiser, and the strong Wolfe conditions of
its line search.  The ``Optimizer`` API items test ``state_dict``/``load_state_dict``,
``add_param_group`` and ``zero_grad`` against torch's structure and against the student's own
uninterrupted optimizer, so a bug in one ``step`` is not charged to them again.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

import numpy as np

from graders import judge, objectives, oracle
from graders.judge import Verdict
from graders.registry import Case, Category, Item

C = Category
STEPS = 25
SHAPES: list[tuple[int, ...]] = [(3, 4), (5,), ()]
#: torch optimizers without a ``foreach`` switch.
NO_FOREACH = frozenset({"SparseAdam", "LBFGS"})
S, A, F, L = "scalar", "array", "flat", "length"
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


def objective_source(name: str, rng: np.random.Generator, steps: int = STEPS) -> Source:
    """Initial parameters and the data of an objective of ``objectives.OBJECTIVES``."""
    base = name.split("+")[0]
    data: dict[str, np.ndarray]
    if base == "quadratic":
        n = 6
        m = rng.normal(size=(n, n))
        a = m @ m.T / n + np.eye(n)
        data = {"a": (a + a.T) / 2, "b": rng.normal(size=n)}
        init = [rng.normal(size=n)]
    elif base == "rosenbrock":
        data = {}
        init = [np.array([-1.2, 1.0, -0.5, 0.8]) + 0.05 * rng.normal(size=4)]
    elif base == "mlp":
        data = {"x": rng.normal(size=(8, 3)), "y": rng.normal(size=(8, 2))}
        init = [
            rng.normal(size=(4, 3)) / np.sqrt(3),
            np.full(4, 0.1),
            rng.normal(size=(2, 4)) / 2,
            np.full(2, -0.1),
        ]
    elif base == "embedding":
        data = {
            "index": rng.integers(0, 10, size=(steps, 4)),
            "target": rng.normal(size=(steps, 4, 3)),
        }
        init = [rng.normal(size=(10, 3))]
    elif base == "logistic":
        data = {"x": rng.normal(size=(20, 4)), "y": (rng.uniform(size=20) < 0.5).astype(float)}
        init = [3 * rng.normal(size=4)]
    else:
        raise ValueError(f"unknown objective {name}")
    if name.endswith("+unused"):
        init.append(rng.normal(size=2))
    return {"init": init, "objective": name, "objective_data": data}


# ------------------------------------------------------------------ torch side of objectives
def _torch_objective(name: str, data: dict[str, Any], device: str) -> Callable[..., Any]:
    """The objective's value in torch (the very formula the sandbox evaluates in NumPy)."""
    t = oracle.torch()
    d = {k: oracle.tensor(v, device) for k, v in data.items()}
    return lambda ts, k: objectives.value(name, ts, k, d, t)


# ================================================================================ state keys
def state_keys(name: str, hp: Hyper) -> list[list[str]]:
    """The state entries torch keeps for a parameter of ``name`` with hyperparameters ``hp``."""
    if name == "SGD":
        return [["momentum_buffer", A]] if hp.get("momentum", 0) else []
    table: dict[str, list[list[str]]] = {
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
    keys = list(table["Adam" if name == "AdamW" else name])
    if name == "RMSprop":
        if hp.get("momentum", 0) > 0:
            keys.append(["momentum_buffer", A])
        if hp.get("centered"):
            keys.append(["grad_avg", A])
    if name in ("Adam", "AdamW") and hp.get("amsgrad"):
        keys.append(["max_exp_avg_sq", A])
    return keys


def _records(
    name: str, kwargs: Hyper, groups: list[Hyper] | None, n: int, skipped: list[int]
) -> list[list[list[str]]]:
    if name == "LBFGS":
        return [state_keys(name, kwargs)] + [[] for _ in range(n - 1)]
    hyper = [dict(kwargs) for _ in range(n)]
    for g in groups or []:
        for i in g["params"]:
            hyper[i].update({k: v for k, v in g.items() if k != "params"})
    return [[] if i in skipped else state_keys(name, hyper[i]) for i in range(n)]


# ================================================================================ cases
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
        "record": _records(name, kwargs, groups, n, skipped),
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
) -> Case:
    """``calls`` calls of ``LBFGS.step(closure)``, recorded after each."""
    case = trajectory_case("LBFGS", label, category, kwargs, source, hint=hint)
    spec = {**case.spec, "steps": calls}
    data = {**case.data, "step_label": "call"}
    return Case(label, category, kwargs=kwargs, spec=spec, data=data)


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


def _round(x: float, digits: int = 3) -> float:
    return float(f"{x:.{digits}g}")


def draw_hyper(name: str, rng: np.random.Generator) -> Hyper:
    """Random hyperparameters in safe ranges (hidden cases); the draws' count is fixed."""

    def lr() -> float:
        return _round(10 ** rng.uniform(-4, -1))

    def unit(lo: float = 0.0, hi: float = 0.99) -> float:
        return _round(rng.uniform(lo, hi))

    def flag() -> bool:
        return bool(rng.integers(2))

    wd = float(rng.choice([0.0, 0.01, 0.3]))
    betas = (unit(0.0, 0.95), unit(0.5, 0.999))
    eps = float(rng.choice([1e-8, 1e-6, 1e-3]))
    if name == "SGD":
        kw: Hyper = {"lr": lr(), "momentum": unit(), "dampening": unit(), "weight_decay": wd}
        if flag():
            kw.update(nesterov=True, dampening=0.0, momentum=max(kw["momentum"], 0.1))
        return {**kw, "maximize": flag()}
    if name == "Adagrad":
        return {
            "lr": lr(),
            "lr_decay": unit(0, 1),
            "weight_decay": wd,
            "initial_accumulator_value": unit(0, 1),
            "eps": float(rng.choice([1e-10, 1e-6, 1e-3])),
        }
    if name == "RMSprop":
        return {
            "lr": lr(),
            "alpha": unit(0.5, 0.99),
            "momentum": unit(),
            "weight_decay": wd,
            "centered": flag(),
            "maximize": flag(),
            "eps": eps,
        }
    if name == "Adadelta":
        return {
            "lr": unit(0.01, 1.0),
            "rho": unit(0.1, 0.99),
            "weight_decay": wd,
            "eps": float(rng.choice([1e-6, 1e-4, 1e-3])),
            "maximize": flag(),
        }
    if name in ("Adam", "AdamW"):
        kw = {"lr": lr(), "betas": betas, "weight_decay": wd, "amsgrad": flag(), "maximize": flag()}
        if name == "Adam":
            kw["decoupled_weight_decay"] = flag()
        return kw
    if name == "Adamax":
        return {"lr": lr(), "betas": betas, "weight_decay": wd, "maximize": flag()}
    if name == "SparseAdam":
        return {"lr": lr(), "betas": betas, "eps": eps, "maximize": flag()}
    if name == "ASGD":
        return {
            "lr": lr(),
            "lambd": unit(0, 0.5),
            "alpha": unit(0.3, 1),
            "t0": float(rng.choice([0.0, 4.0, 1e6])),
            "weight_decay": wd,
            "maximize": flag(),
        }
    if name == "Rprop":
        return {
            "lr": lr(),
            "etas": (unit(0.1, 0.9), unit(1.1, 2.0)),
            "step_sizes": (_round(10 ** rng.uniform(-6, -3)), unit(0.01, 1.0)),
            "maximize": flag(),
        }
    if name == "LBFGS":
        return {
            "lr": unit(0.3, 1.0),
            "max_iter": int(rng.integers(3, 9)),
            "history_size": int(rng.integers(2, 8)),
            "line_search_fn": "strong_wolfe" if rng.integers(2) else None,
        }
    raise ValueError(name)


def _label(kw: Hyper) -> str:
    return ",".join(f"{k}={v}" for k, v in kw.items()).replace(" ", "") or "default"


def optimizer_cases(name: str, rng: np.random.Generator, hidden: bool) -> list[Case]:
    """Every case of one ``torch.optim`` optimizer other than L-BFGS."""
    case = partial(trajectory_case, name)
    if hidden:
        draws = [draw_hyper(name, rng) for _ in range(3)]
        problem = "embedding" if name == "SparseAdam" else str(rng.choice(["quadratic", "mlp"]))
        return [
            case("random-0", C.HYPERPARAMETERS, draws[0], random_source(rng)),
            case("random-1", C.HYPERPARAMETERS, draws[1], random_source(rng, [(4, 2), (3,)])),
            case(f"random-{problem}", C.GRADIENT, draws[2], objective_source(problem, rng)),
        ]
    cases = [
        case("default", C.CORRECTNESS, {}, random_source(rng)),
        case("default-one-matrix", C.CORRECTNESS, {}, random_source(rng, [(6, 5)])),
        case("default-mlp", C.GRADIENT, {}, objective_source("mlp", rng), closure=True),
    ]
    for kw in HYPER[name]:
        cases.append(case(f"hyper-{_label(kw)}", C.HYPERPARAMETERS, kw, random_source(rng)))
    defaults, override = GROUPS[name]
    src = random_source(rng, [(3, 4), (4,), (2, 3), (3,)])
    groups = [{"params": [0, 1]}, {"params": [2, 3], **override}]
    cases.append(case("param-groups", C.HYPERPARAMETERS, defaults, src, groups=groups))
    for problem, kw in OBJECTIVE_RUNS[name]:
        src = objective_source(problem, rng)
        cases.append(case(f"{problem}-{_label(kw)}", C.GRADIENT, kw, src))
    maximize = {**OBJECTIVE_RUNS[name][0][1], "maximize": True}
    src = objective_source(OBJECTIVE_RUNS[name][0][0], rng)
    cases.append(case("maximize-minus-objective", C.EDGE, maximize, src))
    cases.append(case("grad-none-skipped", C.EDGE, {}, random_source(rng), none_grad=[1]))
    if name == "SparseAdam":
        src = random_source(rng, [(5, 2), (4,)], zeros=0.7)
        src["grads"][1][::3] = 0.0  # steps whose whole gradient is zero still count
        cases.append(case("all-zero-gradient-steps", C.EDGE, {"lr": 0.01}, src))
    for label, kw, scale, hint in CONVENTIONS[name]:
        src = random_source(rng, scale=scale)
        cases.append(case(label, C.CONVENTION, kw, src, hint=hint))
    if name == "Rprop":
        src = alternating_source(rng)
        cases.append(case("sign-flip-reset", C.CONVENTION, {"lr": 0.01}, src, hint=RPROP_RESET))
    return cases


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


def lbfgs_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    if hidden:
        return [
            lbfgs_case(
                "random-quadratic",
                C.HYPERPARAMETERS,
                draw_hyper("LBFGS", rng),
                objective_source("quadratic", rng),
            ),
            lbfgs_case(
                "random-logistic",
                C.HYPERPARAMETERS,
                draw_hyper("LBFGS", rng),
                objective_source("logistic", rng),
            ),
        ]
    cases = [
        lbfgs_case("default-quadratic", C.CORRECTNESS, {}, objective_source("quadratic", rng)),
        lbfgs_case("default-logistic", C.CORRECTNESS, {}, objective_source("logistic", rng)),
    ]
    for k, kw in enumerate(LBFGS_HYPER):
        problem = "quadratic" if k % 2 else "logistic"
        cases.append(
            lbfgs_case(
                f"hyper-{_label(kw)}-{problem}",
                C.HYPERPARAMETERS,
                kw,
                objective_source(problem, rng),
            )
        )
    cases += [
        lbfgs_case(
            "rosenbrock-strong_wolfe",
            C.GRADIENT,
            {"line_search_fn": "strong_wolfe", "max_iter": 10, "history_size": 5},
            objective_source("rosenbrock", rng),
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
    for line_search in (None, "strong_wolfe"):
        kw = {
            "max_iter": 50,
            "tolerance_grad": 1e-10,
            "tolerance_change": 0.0,
            "line_search_fn": line_search,
        }
        src = objective_source("quadratic", rng)
        case = lbfgs_case(f"converges-{line_search or 'fixed-step'}", C.CORRECTNESS, kw, src)
        data = {
            **case.data,
            "check": "minimiser",
            "a": src["objective_data"]["a"],
            "b": src["objective_data"]["b"],
        }
        cases.append(Case(case.name, case.category, kwargs=kw, spec=case.spec, data=data))
    for problem in ("rosenbrock", "logistic", "quadratic"):
        kw = {"line_search_fn": "strong_wolfe", "max_iter": 1, "max_eval": 25}
        src = objective_source(problem, rng)
        case = lbfgs_case(f"strong-wolfe-{problem}", C.CORRECTNESS, kw, src, calls=6)
        data = {
            **case.data,
            "check": "wolfe",
            "init": src["init"],
            "objective": problem,
            "objective_data": src["objective_data"],
        }
        cases.append(Case(case.name, case.category, kwargs=kw, spec=case.spec, data=data))
    return cases


# ================================================================================ oracle
@contextmanager
def torch_session() -> Iterator[None]:
    """Float64 by default meanwhile (torch keeps ASGD's ``eta``/``mu`` and the scalar ``step``
    tensors in the default dtype), restored on exit."""
    t = oracle.torch()
    old = t.get_default_dtype()
    t.set_default_dtype(t.float64)
    try:
        yield
    finally:
        t.set_default_dtype(old)


def torch_step(opt: Any, closure: Callable[[], Any] | None = None) -> Any:
    """``opt.step(closure)``: torch's public call.  (Its first call in a process imports
    ``torch._dynamo``, about 1.9 s of CPU here, paid once by the oracle's process; no private
    way around it is taken.)"""
    return opt.step() if closure is None else opt.step(closure)


def _torch_optimizer(name: str, params: Any, kwargs: Hyper) -> Any:
    t = oracle.torch()
    extra = {} if name in NO_FOREACH else {"foreach": False}
    return getattr(t.optim, name)(params, **kwargs, **extra)


def _torch_arg(ts: list[Any], groups: list[Hyper] | None) -> Any:
    if not groups:
        return list(ts)
    return [
        {**{k: v for k, v in g.items() if k != "params"}, "params": [ts[i] for i in g["params"]]}
        for g in groups
    ]


def _value(value: Any, kind: str) -> Any:
    """A recorded state value: a detached copy of a tensor, else a float (lists: their length)."""
    t = oracle.torch()
    if kind == L:
        return float(len(value))
    if t.is_tensor(value):
        return value.detach().clone()
    return float(value)


def _stack(rows: list[Any]) -> np.ndarray:
    """Recorded values of one entry, stacked over steps, as a float64 array."""
    t = oracle.torch()
    if all(t.is_tensor(r) for r in rows):
        return np.asarray(t.stack(rows).cpu().numpy(), dtype=np.float64)
    return np.array([float(r) for r in rows], dtype=np.float64)


def recorded(spec: dict[str, Any]) -> list[str]:
    """What a trajectory case records each step, in the order the check looks at them: state
    entries before the parameters (at one step the check names a state entry that diverged
    before the parameter it moved), then the returned loss and the evaluation count."""
    names = [f"p{i}__{key}" for i, entries in enumerate(spec["record"]) for key, _ in entries]
    names += [f"p{i}__has_state" for i in spec.get("skipped") or []]
    names += [f"p{i}" for i in range(len(spec["init"]))]
    if spec.get("closure") or spec["mode"] == "lbfgs":
        names.append("loss")
    if spec["mode"] == "lbfgs":
        names.append("evaluations")
    return names


class TorchRun:
    """torch's side of a trajectory: parameters, gradient source and recorded entries."""

    def __init__(self, name: str, case: Case, device: str) -> None:
        t = oracle.torch()
        spec = case.spec
        self.name, self.spec, self.device = name, spec, device
        self.ts = [oracle.tensor(a, device, requires_grad=True) for a in spec["init"]]
        self.opt = _torch_optimizer(name, _torch_arg(self.ts, spec.get("groups")), case.kwargs)
        self.none = set(spec.get("none_grad") or [])
        self.loss = (
            _torch_objective(spec["objective"], spec["objective_data"], device)
            if spec.get("objective")
            else None
        )
        self.grads = [
            t.from_numpy(np.ascontiguousarray(g)).to(device) for g in spec.get("grads", [])
        ]
        self.rows: dict[str, list[Any]] = {}
        self.evals = 0

    def objective(self, k: int) -> Any:
        assert self.loss is not None
        value = self.loss(self.ts, k)
        return -value if self.spec.get("negate") else value

    def set_grads(self, k: int) -> Any:
        """Set every ``.grad`` for step ``k``; return the loss (or None for fixed gradients)."""
        t = oracle.torch()
        loss = None
        if self.loss is not None:
            loss = self.objective(k)
            grads = t.autograd.grad(loss, self.ts, allow_unused=True)
        else:
            grads = [g[k].clone() for g in self.grads]
        for i, (p, g) in enumerate(zip(self.ts, grads, strict=True)):
            if g is not None and self.name == "SparseAdam":
                g = g.to_sparse()
            p.grad = None if i in self.none else g
        return loss

    def closure(self, k: int) -> Callable[[], Any]:
        def closure() -> Any:
            self.evals += 1
            loss = self.set_grads(k)
            return loss.detach() if loss is not None else float(k)

        return closure

    def add(self, name: str, value: Any) -> None:
        self.rows.setdefault(name, []).append(value)

    def snapshot(self) -> None:
        spec = self.spec
        for i, entries in enumerate(spec["record"]):
            state = self.opt.state.get(self.ts[i], {})
            for key, kind in entries:
                if key not in state:
                    raise AssertionError(f"torch {self.name} has no state '{key}' (registry bug)")
                self.add(f"p{i}__{key}", _value(state[key], kind))
        for i in spec.get("skipped") or []:
            state = self.opt.state.get(self.ts[i], {})
            self.add(f"p{i}__has_state", float(len(state) > 0))
        for i, p in enumerate(self.ts):
            self.add(f"p{i}", p.detach().clone())

    def run(self) -> dict[str, np.ndarray]:
        spec = self.spec
        for k in range(int(spec["steps"])):
            if spec["mode"] == "lbfgs":
                self.add("loss", _value(torch_step(self.opt, self.closure(0)), S))
                self.add("evaluations", float(self.evals))
            elif spec.get("closure"):
                self.add("loss", _value(torch_step(self.opt, self.closure(k)), S))
            else:
                self.set_grads(k)
                torch_step(self.opt)
            self.snapshot()
        return {name: _stack(self.rows[name]) for name in recorded(spec)}


def trajectory_oracle(name: str, case: Case, device: str) -> dict[str, Any]:
    if case.data.get("check") == "minimiser":
        t = oracle.torch()
        a, b = (oracle.tensor(case.data[k], device) for k in ("a", "b"))
        return {"minimiser": oracle.numpy(t.linalg.solve(a, b))}
    with torch_session():
        return TorchRun(name, case, device).run()  # wolfe: for the report; the check tests f, g


# ================================================================================ API items
SGD_KEYS = ["lr", "momentum", "dampening", "weight_decay"]
ADAM_KEYS = ["lr", "betas", "eps", "weight_decay"]


def hyper_columns(keys: list[str]) -> list[str]:
    """Names of the compared hyperparameter values (``betas`` holds two)."""
    return [c for k in keys for c in ([f"{k}[0]", f"{k}[1]"] if k == "betas" else [k])]


def state_dict_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    def case(
        label: str,
        category: Category,
        optimizer: str,
        kwargs: Hyper,
        kwargs2: Hyper,
        keys: list[str],
        groups: list[Hyper] | None = None,
        none_grad: list[int] | None = None,
    ) -> Case:
        src = random_source(rng, [(3, 2), (4,), (2, 2)], steps=16)
        spec = {
            "mode": "state_dict",
            "optimizer": optimizer,
            "init": src["init"],
            "grads": src["grads"],
            "before": 8,
            "after": 8,
            "kwargs2": kwargs2,
            "hyper_keys": keys,
            "shape": [(3, 2), (4,), (2, 2)],
            "steps": 16,
        }
        if groups:
            spec["groups"] = groups
        if none_grad:
            spec["none_grad"] = none_grad
        data = {
            "check": "api",
            "hyper_columns": hyper_columns(keys),
            "pairs": [[f"resumed_p{i}", f"uninterrupted_p{i}"] for i in range(3)],
            "pair_label": "after load_state_dict, the resumed optimizer",
        }
        return Case(label, category, kwargs=kwargs, spec=spec, data=data)

    if hidden:
        lr = _round(10 ** rng.uniform(-3, -1))
        return [
            case(
                "random-adam",
                C.CORRECTNESS,
                "Adam",
                {"lr": lr, "amsgrad": True},
                {"lr": 0.5},
                ADAM_KEYS,
            )
        ]
    two: list[Hyper] = [{"params": [0, 1]}, {"params": [2], "lr": 0.05}]
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
            groups=two,
        ),
        case(
            "rmsprop-centered",
            C.CORRECTNESS,
            "RMSprop",
            {"lr": 0.01, "centered": True, "momentum": 0.5},
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
            groups=two,
            none_grad=[1],
        ),
    ]


def state_dict_oracle(case: Case, device: str) -> dict[str, Any]:
    """torch's state_dict structure, and the hyperparameters a fresh optimizer loads."""
    t = oracle.torch()
    spec = case.spec
    name, keys = spec["optimizer"], spec["hyper_keys"]
    with torch_session():
        ts = [oracle.tensor(a, device, requires_grad=True) for a in spec["init"]]
        opt = _torch_optimizer(name, _torch_arg(ts, spec.get("groups")), case.kwargs)
        none = set(spec.get("none_grad") or [])
        for k in range(spec["before"]):
            for i, p in enumerate(ts):
                p.grad = None if i in none else t.from_numpy(spec["grads"][i][k].copy()).to(device)
            torch_step(opt)
        sd = opt.state_dict()
        ts2 = [p.detach().clone().requires_grad_(True) for p in ts]
        opt2 = _torch_optimizer(name, _torch_arg(ts2, spec.get("groups")), spec["kwargs2"])
        opt2.load_state_dict(sd)

    def hyper(group: dict[str, Any]) -> list[float]:
        return [float(v) for k in keys for v in np.ravel(np.asarray(group[k], dtype=float))]

    return {
        "sd_state_index": np.array(sorted(sd["state"]), dtype=np.float64),
        "sd_group_params": np.array([i for g in sd["param_groups"] for i in g["params"]], float),
        "sd_group_sizes": np.array([len(g["params"]) for g in sd["param_groups"]], float),
        "sd_hyper": np.array([hyper(g) for g in sd["param_groups"]]),
        "loaded_hyper": np.array([hyper(g) for g in opt2.param_groups]),
        "loaded_params_are_own": np.asarray(1.0),
        "sd_is_snapshot": np.asarray(1.0),
    }


def add_param_group_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    shapes = [(3, 2), (4,), (2, 2), (3,)]

    def case(
        label: str,
        category: Category,
        optimizer: str,
        kwargs: Hyper,
        extra: Hyper,
        keys: list[str],
        single: bool = False,
    ) -> Case:
        src = random_source(rng, shapes, steps=12)
        added = [2] if single else [2, 3]
        spec = {
            "mode": "add_param_group",
            "optimizer": optimizer,
            "init": src["init"],
            "grads": src["grads"],
            "first": [0, 1],
            "added": added,
            "before": 5,
            "after": 7,
            "group_hyper": extra,
            "hyper_keys": keys,
            "shape": shapes,
            "steps": 12,
        }
        if single:
            spec["single"] = True
        data = {
            "check": "api",
            "hyper_columns": hyper_columns(keys),
            "pairs": [[f"p{i}", f"alone_p{i}"] for i in [0, 1, *added]],
            "pair_label": "after add_param_group, the optimizer",
        }
        return Case(label, category, kwargs=kwargs, spec=spec, data=data)

    if hidden:
        lr = _round(10 ** rng.uniform(-3, -1))
        return [
            case(
                "random-lr",
                C.CORRECTNESS,
                "SGD",
                {"lr": 0.01, "momentum": 0.9},
                {"lr": lr},
                SGD_KEYS,
            )
        ]
    overlap = Case(
        "overlapping-group-raises",
        C.EDGE,
        kwargs={"lr": 0.01},
        spec={
            "expect_raise": True,
            "optimizer": "SGD",
            "init": [np.ones(2), np.ones(3)],
            "add_overlap": [1, 0],
        },
        data={"check": "api"},
    )
    return [
        case(
            "sgd-new-lr",
            C.CORRECTNESS,
            "SGD",
            {"lr": 0.01, "momentum": 0.9},
            {"lr": 0.05},
            SGD_KEYS,
        ),
        case(
            "sgd-defaults-filled",
            C.CORRECTNESS,
            "SGD",
            {"lr": 0.02, "momentum": 0.5, "dampening": 0.1, "weight_decay": 0.01},
            {},
            SGD_KEYS,
        ),
        case(
            "adam-new-betas",
            C.HYPERPARAMETERS,
            "Adam",
            {"lr": 0.01},
            {"betas": (0.5, 0.9)},
            ADAM_KEYS,
        ),
        case(
            "single-parameter-not-list",
            C.EDGE,
            "SGD",
            {"lr": 0.01, "momentum": 0.9},
            {"lr": 0.1},
            SGD_KEYS,
            single=True,
        ),
        overlap,
    ]


def add_param_group_oracle(case: Case, device: str) -> dict[str, Any]:
    """torch's group count and the added group's hyperparameters (or its ValueError)."""
    spec = case.spec
    with torch_session():
        ts = [oracle.tensor(a, device, requires_grad=True) for a in spec["init"]]
        if spec.get("expect_raise"):
            opt = _torch_optimizer(spec["optimizer"], ts[:1], case.kwargs)
            try:
                opt.add_param_group({"params": [ts[i] for i in spec["add_overlap"]]})
            except ValueError:
                return {"raises": "ValueError"}
            raise AssertionError("torch accepted an overlapping group (registry bug)")
        opt = _torch_optimizer(spec["optimizer"], [ts[i] for i in spec["first"]], case.kwargs)
        group = [ts[i] for i in spec["added"]]
        opt.add_param_group(
            {"params": group[0] if spec.get("single") else group, **spec["group_hyper"]}
        )
    added = opt.param_groups[-1]
    values = [float(v) for k in spec["hyper_keys"] for v in np.ravel(np.asarray(added[k], float))]
    return {"n_groups": np.asarray(float(len(opt.param_groups))), "added_hyper": np.array(values)}


def zero_grad_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    shapes = [(3, 2), (4,), ()]

    def case(
        label: str,
        category: Category,
        zero_kwargs: Hyper,
        none: tuple[int, ...] = (),
        groups: bool = False,
        in_place: bool = False,
    ) -> Case:
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
        return Case(label, category, kwargs={"lr": 0.01}, spec=spec, data={"check": "api"})

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


def zero_grad_oracle(case: Case, device: str) -> dict[str, Any]:
    """torch's grads after ``zero_grad`` (NaN where None), which are None, and which in place."""
    spec = case.spec
    with torch_session():
        ts = [oracle.tensor(a, device, requires_grad=True) for a in spec["init"]]
        for p, g in zip(ts, spec["grads"], strict=True):
            p.grad = None if g is None else oracle.tensor(g, device)
        before = [p.grad for p in ts]
        opt = _torch_optimizer("SGD", _torch_arg(ts, spec.get("groups")), case.kwargs)
        opt.zero_grad(**spec["zero_kwargs"])
    out: dict[str, Any] = {}
    for i, p in enumerate(ts):
        g = p.grad
        out[f"grad_p{i}"] = (
            np.full(tuple(p.shape), np.nan) if g is None else g.detach().cpu().numpy().copy()
        )
    out["grad_is_none"] = np.array([float(p.grad is None) for p in ts])
    if spec.get("in_place"):
        out["in_place"] = np.array(
            [
                float(p.grad is b) if b is not None and p.grad is not None else np.nan
                for p, b in zip(ts, before, strict=True)
            ]
        )
    return out


# ================================================================================ the check
def _describe(name: str) -> str:
    """``p0__exp_avg`` -> "state['exp_avg'] of parameter 0", for the feedback."""
    if name == "loss":
        return "the loss step(closure) returned"
    if name == "evaluations":
        return "the number of closure evaluations so far"
    head, _, key = name.partition("__")
    prefix = head.rstrip("0123456789")
    index = head[len(prefix) :]
    who = {
        "p": "parameter",
        "resumed_p": "resumed parameter",
        "uninterrupted_p": "uninterrupted parameter",
        "alone_p": "parameter",
    }.get(prefix, head)
    if not key:
        return f"{who} {index}" if index else name
    if key == "has_state":
        return f"whether parameter {index} has state (1 = yes; torch skips a None grad)"
    if key in LIST_KEYS:
        return f"len(state['{key}']) of parameter {index}"
    return f"state['{key}'] of parameter {index}"


def _bad(e: np.ndarray, g: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """Elementwise: outside tolerance (NaN and inf must match exactly)."""
    with np.errstate(invalid="ignore", over="ignore"):
        same_special = (np.isnan(e) & np.isnan(g)) | ((e == g) & np.isinf(e))
        ok = np.abs(g - e) <= atol + rtol * np.abs(e)
    return ~(same_special | ok)


def _first_divergence(
    e: np.ndarray, g: np.ndarray, rtol: float, atol: float
) -> tuple[int, Verdict] | None:
    """(step index, verdict) of the first step where ``g`` leaves ``e``'s tolerance."""
    bad = _bad(e, g, rtol, atol)
    if not bad.any():
        return None
    step = int(np.argmax(bad.reshape(bad.shape[0], -1).any(axis=1))) if bad.ndim else 0
    at = (step,) if e.ndim else ()
    v = judge.compare_array("out", np.asarray(e[at]), np.asarray(g[at]), rtol, atol)
    return step, v


def _stacked(
    name: str, e: np.ndarray, got: dict[str, np.ndarray], rtol: float, atol: float
) -> Verdict | None:
    """Shape/dtype/type errors of the whole stacked output, or None if comparable."""
    g = got.get(name)
    if g is None:
        return Verdict(False, f"{_describe(name)} is missing from the driver's output")
    if type(g) is not np.ndarray or g.shape != e.shape or g.dtype != e.dtype:
        v = judge.compare_array(name, e, g, rtol, atol)
        return Verdict(False, f"{_describe(name)}: {v.message}", v.details)
    return None


def check_trajectory(
    expected: dict[str, Any],
    got: dict[str, np.ndarray],
    tol: str,
    device: str,
    case_data: dict[str, Any],
) -> Verdict:
    """The first step (and, at that step, the first entry) where the student left torch."""
    label = case_data.get("step_label", "step")
    first: tuple[int, int, str, Verdict] | None = None
    diverged: dict[str, int] = {}
    for order, (name, exp) in enumerate(expected.items()):
        e = np.asarray(exp)
        rtol, atol = judge.tolerance(tol, e.dtype, device)
        problem = _stacked(name, e, got, rtol, atol)
        if problem is not None:
            return problem
        hit = _first_divergence(e, got[name], rtol, atol)
        if hit is None:
            continue
        diverged[name] = hit[0]
        # state entries are listed before the parameters: at one step, name the state first
        if first is None or hit[0] < first[0]:
            first = (hit[0], order, name, hit[1])
    if first is None:
        return Verdict(True)
    step, _, name, v = first
    msg = f"first divergence at {label} {step + 1}: {_describe(name)}: {v.message}"
    if (
        np.isfinite(np.asarray(expected[name])[step]).all()
        and not np.isfinite(got[name][step]).all()
    ):
        msg += " (the student's values are not finite: a division by zero or an overflow?)"
    head, _, key = name.partition("__")
    if not key and head.startswith("p"):
        mine = [n for n in expected if n.startswith(f"{head}__") and not n.endswith("has_state")]
        if mine and all(diverged.get(n, 1 << 30) > step for n in mine):
            msg += " (its state entries still agree with torch, so the update itself differs)"
    if case_data.get("hint"):
        msg += f" [convention: {case_data['hint']}]"
    return Verdict(False, msg, {**v.details, "step": step + 1, "entry": name})


def check_minimiser(
    expected: dict[str, Any],
    got: dict[str, np.ndarray],
    tol: str,
    device: str,
    case_data: dict[str, Any],
) -> Verdict:
    """After the last call, L-BFGS must sit at the quadratic's minimiser A^{-1} b."""
    e = np.asarray(expected["minimiser"])
    rtol, atol = judge.tolerance(tol, e.dtype, device)
    if "p0" not in got or got["p0"].ndim != 2 or got["p0"].shape[1:] != e.shape:
        return Verdict(False, "parameter 0's trajectory is missing or has the wrong shape")
    v = judge.compare_array("out", e, got["p0"][-1], rtol, atol)
    if v.passed:
        return v
    return Verdict(False, f"did not converge to the minimiser A^-1 b: {v.message}", v.details)


def check_wolfe(
    expected: dict[str, Any],
    got: dict[str, np.ndarray],
    tol: str,
    device: str,
    case_data: dict[str, Any],
) -> Verdict:
    """Each call (max_iter=1) moves x to x + t d with t meeting the strong Wolfe conditions:
    f(x + t d) <= f(x) + c1 t g.d and |g(x + t d).d| <= c2 |g.d|, c1 = 1e-4, c2 = 0.9."""
    c1, c2 = 1e-4, 0.9
    objective, data = case_data["objective"], case_data["objective_data"]

    def fn(xs: list[np.ndarray], k: int, data: dict[str, Any]) -> tuple[float, list[Any]]:
        value = objectives.value(objective, xs, k, data)
        return float(value), objectives.grad(objective, xs, k, data)

    for name in ("p0", "p0__d", "p0__t"):
        if name not in got or got[name].shape[0] != np.asarray(expected["p0"]).shape[0]:
            return Verdict(False, f"{_describe(name)} is missing or has the wrong shape")
    x = np.asarray(case_data["init"][0], dtype=np.float64)
    for k in range(got["p0"].shape[0]):
        new, d, t = got["p0"][k], got["p0__d"][k], float(got["p0__t"][k])
        f, (g,) = fn([x], 0, data)
        f_new, (g_new,) = fn([new], 0, data)
        where = f"call {k + 1} (t = {t:.6g})"
        if not np.allclose(new, x + t * d, rtol=1e-9, atol=1e-12):
            return Verdict(False, f"{where}: the parameters are not x + t d with the stored t, d")
        gtd, gtd_new = float(g @ d), float(g_new @ d)
        if not gtd < 0:
            return Verdict(False, f"{where}: d is not a descent direction (g.d = {gtd:.6g})")
        if not f_new <= f + c1 * t * gtd + 1e-12 * abs(f):
            return Verdict(
                False,
                f"{where}: strong Wolfe sufficient decrease fails: f(x + t d) = {f_new:.10g} "
                f"> f(x) + c1 t g.d = {f + c1 * t * gtd:.10g}",
            )
        if not abs(gtd_new) <= c2 * abs(gtd) + 1e-12:
            return Verdict(
                False,
                f"{where}: strong Wolfe curvature condition fails: |g(x + t d).d| = "
                f"{abs(gtd_new):.6g} > c2 |g.d| = {c2 * abs(gtd):.6g}",
            )
        x = new
    return Verdict(True)


def check_api(
    expected: dict[str, Any],
    got: dict[str, np.ndarray],
    tol: str,
    device: str,
    case_data: dict[str, Any],
) -> Verdict:
    """Structure against torch, then the student's continued run against their own."""
    what = {
        "sd_state_index": "state_dict()['state'] keys (parameter positions)",
        "sd_group_params": "the 'params' positions of state_dict()['param_groups']",
        "sd_group_sizes": "the group sizes in state_dict()['param_groups']",
        "sd_hyper": "the hyperparameters in state_dict()['param_groups']",
        "loaded_hyper": "param_groups hyperparameters after load_state_dict (the saved ones)",
        "loaded_params_are_own": "after load_state_dict the groups hold the new optimizer's own "
        "Parameters (1 = yes)",
        "sd_is_snapshot": "the dict state_dict() returned stayed unchanged while stepping on "
        "(1 = yes: it must hold copies)",
        "n_groups": "the number of param_groups after add_param_group",
        "added_hyper": "the added group's hyperparameters (missing ones from the defaults)",
        "grad_is_none": "which grads are None after zero_grad (1 = None)",
        "in_place": "grad zeroed in place, the same array object (1 = yes)",
    }
    for name, exp in expected.items():
        e = np.asarray(exp, dtype=np.float64)
        if name not in got:
            return Verdict(False, f"{what.get(name, name)}: missing")
        g = got[name]
        rtol, atol = judge.tolerance("default", e.dtype, device)
        v = judge.compare_array("out", e, g, rtol, atol)
        if not v.passed:
            label = what.get(name) or f"{name.replace('grad_p', 'grad of parameter ')}"
            index = v.details.get("index") or []
            columns = case_data.get("hyper_columns") or []
            if name.endswith("_hyper") and index and index[-1] < len(columns):
                group = f"group {index[0]}, " if len(index) == 2 else ""
                label += f", {group}'{columns[index[-1]]}'"
            return Verdict(False, f"{label}: {v.message}", v.details)
    for mine, ref in case_data.get("pairs", []):
        if mine not in got or ref not in got or got[mine].shape != got[ref].shape:
            return Verdict(False, f"{_describe(mine)}: missing from the driver's output")
        e = got[ref]
        rtol, atol = judge.tolerance("default", e.dtype, device)
        hit = _first_divergence(e, got[mine], rtol, atol)
        if hit is not None:
            step, v = hit
            who = case_data.get("pair_label", "the optimizer")
            return Verdict(
                False,
                f"{who} differs from one that never stopped, {step + 1} steps on: "
                f"{_describe(mine)}: {v.message.replace('student vs torch', 'got vs expected')}",
                v.details,
            )
    return Verdict(True)


CHECKS = {
    "trajectory": check_trajectory,
    "minimiser": check_minimiser,
    "wolfe": check_wolfe,
    "api": check_api,
}


def check_optimizer(
    expected: dict[str, Any],
    got: dict[str, np.ndarray],
    tol: str,
    device: str,
    case_data: dict[str, Any],
) -> Verdict:
    """Dispatch on the case's ``check``; the driver's ``problem`` (a structural error) first."""
    if "problem" in got:
        return Verdict(False, str(got["problem"]))
    return CHECKS[case_data.get("check", "trajectory")](expected, got, tol, device, case_data)


# ================================================================================ items
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
API_POINTS = {"state_dict": 4, "add_param_group": 3, "zero_grad": 2}


def _item(name: str, points: float, cases: Any, oracle_fn: Any, function: str, desc: str) -> Item:
    return Item(
        name=f"optimizers.{name}",
        points=points,
        cases=cases,
        oracle=oracle_fn,
        check=check_optimizer,
        driver="optim",
        tolerance="loose",
        case_timeout=10.0,
        description=desc,
        function=function,
    )


ITEMS: list[Item] = [
    _item(
        name,
        pts,
        lbfgs_cases if name == "LBFGS" else partial(optimizer_cases, name),
        partial(trajectory_oracle, name),
        name,
        f"{name}.step against torch.optim.{name} step by step",
    )
    for name, pts in POINTS.items()
]
ITEMS += [
    _item(
        "Optimizer.state_dict",
        API_POINTS["state_dict"],
        state_dict_cases,
        state_dict_oracle,
        "Adam",
        "state_dict / load_state_dict: torch's format, resuming where it stopped",
    ),
    _item(
        "Optimizer.add_param_group",
        API_POINTS["add_param_group"],
        add_param_group_cases,
        add_param_group_oracle,
        "SGD",
        "add_param_group: defaults filled in, a new lr used",
    ),
    _item(
        "Optimizer.zero_grad",
        API_POINTS["zero_grad"],
        zero_grad_cases,
        zero_grad_oracle,
        "SGD",
        "zero_grad(set_to_none=...): None or zeros, every group",
    ),
]
assert math.isclose(sum(i.points for i in ITEMS), 50)
