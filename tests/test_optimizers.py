"""Tests of ``reference/optimizers.py`` against independent oracles.

Oracles: ``torch.optim`` in float64 with ``foreach=False`` (every optimizer, step by step,
parameters *and* every state entry), closed forms (seed 003's gradient descent on
J = theta1^2 + theta2^2; the quadratic's minimiser for L-BFGS) and the strong Wolfe
conditions. Both sides start from identical parameters; the gradient comes either from a fixed
random sequence (the same arrays on both sides) or from a real objective that each side
differentiates at its *own* parameters (hand-written NumPy gradients vs torch autograd).
Planted bugs -- small "student" implementations with one mistake each -- must fail the same
comparison that the reference passes.
"""

from __future__ import annotations

import copy
import importlib.util
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from reference import optimizers as ref

STEPS = 30
#: torch.testing.assert_close's defaults for float64, stated once.
RTOL, ATOL = 1e-7, 1e-7
#: torch's implementation switches, absent from the NumPy reference by design.
TORCH_ONLY_KEYS = frozenset({"foreach", "fused", "capturable", "differentiable"})
NO_FOREACH = frozenset({"SparseAdam", "LBFGS"})


@pytest.fixture(autouse=True)
def _torch_float64():
    """torch keeps scalar state (step, ASGD's eta and mu) in the default dtype: use float64."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


def torch_optimizer(name: str, params: Any, kwargs: dict[str, Any]) -> torch.optim.Optimizer:
    extra = {} if name in NO_FOREACH else {"foreach": False}
    return getattr(torch.optim, name)(params, **kwargs, **extra)


# ---------------------------------------------------------------------------------------------
# gradient sources
# ---------------------------------------------------------------------------------------------

NpGrad = Callable[[list[np.ndarray], int], tuple[float, list[np.ndarray]]]
TorchLoss = Callable[[list[torch.Tensor]], torch.Tensor]


@dataclass(frozen=True)
class Problem:
    """Initial parameters and a gradient for each side.

    ``np_grad(arrays, k)`` returns the loss and the gradients at ``arrays`` for step ``k``;
    ``torch_loss`` is None for a fixed gradient sequence (torch then receives the same arrays).
    """

    name: str
    init: tuple[np.ndarray, ...]
    np_grad: NpGrad
    torch_loss: TorchLoss | None


def random_problem(scale: float = 1.0, seed: int = 0) -> Problem:
    """A fixed sequence of random gradients (20% exact zeros), independent of the parameters."""
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (5,), ()]
    init = tuple(rng.normal(size=s) for s in shapes)
    seq = [
        [scale * rng.normal(size=s) * (rng.uniform(size=s) > 0.2) for s in shapes]
        for _ in range(STEPS + 20)
    ]
    return Problem(f"random{scale:g}", init, lambda xs, k: (0.0, seq[k]), None)


def quadratic_problem(seed: int = 1, n: int = 6) -> Problem:
    """f(x) = 1/2 x^T A x - b^T x with A symmetric positive definite (condition ~ 10)."""
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(n, n))
    a = m @ m.T / n + np.eye(n)
    b = rng.normal(size=n)
    at, bt = torch.from_numpy(a), torch.from_numpy(b)

    def np_grad(xs: list[np.ndarray], k: int) -> tuple[float, list[np.ndarray]]:
        x = xs[0]
        return float(0.5 * x @ a @ x - b @ x), [a @ x - b]

    return Problem(
        "quadratic",
        (rng.normal(size=n),),
        np_grad,
        lambda ts: 0.5 * ts[0] @ at @ ts[0] - bt @ ts[0],
    )


def rosenbrock_problem() -> Problem:
    """The 4-d Rosenbrock function, scaled so that plain SGD with lr = 1e-2 stays stable:
    f = sum 5 (x_{i+1} - x_i^2)^2 + 0.05 (1 - x_i)^2 (that is, 0.05 x the usual one)."""

    def np_grad(xs: list[np.ndarray], k: int) -> tuple[float, list[np.ndarray]]:
        x = xs[0]
        r = x[1:] - x[:-1] ** 2
        loss = float(np.sum(5 * r**2 + 0.05 * (1 - x[:-1]) ** 2))
        g = np.zeros_like(x)
        g[:-1] = -20 * x[:-1] * r - 0.1 * (1 - x[:-1])
        g[1:] += 10 * r
        return loss, [g]

    def torch_loss(ts: list[torch.Tensor]) -> torch.Tensor:
        x = ts[0]
        return torch.sum(5 * (x[1:] - x[:-1] ** 2) ** 2 + 0.05 * (1 - x[:-1]) ** 2)

    return Problem("rosenbrock", (np.array([-1.2, 1.0, -0.5, 0.8]),), np_grad, torch_loss)


def negated(problem: Problem) -> Problem:
    """-f, so that ``maximize=True`` climbs to a maximum instead of diverging."""
    if problem.torch_loss is None:
        return problem
    torch_loss = problem.torch_loss

    def np_grad(xs: list[np.ndarray], k: int) -> tuple[float, list[np.ndarray]]:
        loss, grads = problem.np_grad(xs, k)
        return -loss, [-g for g in grads]

    return Problem(f"-{problem.name}", problem.init, np_grad, lambda ts: -torch_loss(ts))


def mlp_problem(seed: int = 2) -> Problem:
    """A 3-4-2 tanh MLP with mean squared error on 8 fixed samples; four parameters."""
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    init = (
        rng.normal(size=(4, 3)) / np.sqrt(3),
        np.zeros(4) + 0.1,
        rng.normal(size=(2, 4)) / 2,
        np.zeros(2) - 0.1,
    )

    def np_grad(ws: list[np.ndarray], k: int) -> tuple[float, list[np.ndarray]]:
        w1, b1, w2, b2 = ws
        h = np.tanh(x @ w1.T + b1)
        out = h @ w2.T + b2
        dout = 2 * (out - y) / out.size
        dz = (dout @ w2) * (1 - h**2)
        grads = [dz.T @ x, dz.sum(0), dout.T @ h, dout.sum(0)]
        return float(np.mean((out - y) ** 2)), grads

    def torch_loss(ts: list[torch.Tensor]) -> torch.Tensor:
        w1, b1, w2, b2 = ts
        out = torch.tanh(xt @ w1.T + b1) @ w2.T + b2
        return torch.mean((out - yt) ** 2)

    return Problem("mlp", init, np_grad, torch_loss)


def embedding_problem(seed: int = 3) -> Problem:
    """Rows of a 10x3 table looked up by a batch of indices: the gradient touches few rows."""
    rng = np.random.default_rng(seed)
    batches = [rng.integers(0, 10, size=4) for _ in range(STEPS + 20)]
    targets = [rng.normal(size=(4, 3)) for _ in range(STEPS + 20)]
    state = {"k": 0}

    def np_grad(ws: list[np.ndarray], k: int) -> tuple[float, list[np.ndarray]]:
        diff = ws[0][batches[k]] - targets[k]
        g = np.zeros_like(ws[0])
        np.add.at(g, batches[k], diff)
        state["k"] = k
        return float(0.5 * np.sum(diff**2)), [g]

    def torch_loss(ts: list[torch.Tensor]) -> torch.Tensor:
        k = state["k"]
        rows = torch.nn.functional.embedding(torch.from_numpy(batches[k]), ts[0], sparse=True)
        return 0.5 * torch.sum((rows - torch.from_numpy(targets[k])) ** 2)

    return Problem("embedding", (rng.normal(size=(10, 3)),), np_grad, torch_loss)


PROBLEMS: dict[str, Callable[[], Problem]] = {
    "random": random_problem,
    "quadratic": quadratic_problem,
    "rosenbrock": rosenbrock_problem,
    "mlp": mlp_problem,
}


# ---------------------------------------------------------------------------------------------
# the side-by-side comparison
# ---------------------------------------------------------------------------------------------


def assert_value_close(mine: Any, theirs: Any, where: str) -> None:
    """One state value: arrays and scalars to assert_close tolerances, lists elementwise."""
    if isinstance(theirs, list | tuple):
        assert isinstance(mine, list | tuple), f"{where}: expected a list, got {type(mine)}"
        assert len(mine) == len(theirs), f"{where}: length {len(mine)} vs torch {len(theirs)}"
        for i, (m, t) in enumerate(zip(mine, theirs, strict=True)):
            assert_value_close(m, t, f"{where}[{i}]")
        return
    if theirs is None:
        assert mine is None, f"{where}: expected None, got {mine!r}"
        return
    expected = torch.as_tensor(theirs, dtype=torch.float64)
    if expected.is_sparse:
        expected = expected.to_dense()
    got_np, exp_np = np.asarray(mine, dtype=np.float64), expected.detach().numpy()
    if got_np.shape == exp_np.shape and np.all(
        np.abs(got_np - exp_np) <= ATOL + RTOL * np.abs(exp_np)
    ):
        return  # fast path; assert_close below words the failure
    got = torch.as_tensor(got_np)
    torch.testing.assert_close(got, expected, rtol=RTOL, atol=ATOL, msg=lambda m: f"{where}: {m}")


def assert_matches_torch(
    opt: ref.Optimizer,
    topt: torch.optim.Optimizer,
    ps: list[ref.Parameter],
    ts: list[torch.Tensor],
    where: str,
) -> None:
    """Parameters, then every state entry of every parameter (same keys, close values)."""
    for i, (p, t) in enumerate(zip(ps, ts, strict=True)):
        assert_value_close(p.data, t.detach(), f"{where}: param {i}")
        mine, theirs = opt.state.get(p, {}), topt.state.get(t, {})
        assert set(mine) == set(theirs), f"{where}: state keys {set(mine)} vs torch {set(theirs)}"
        for key in theirs:
            assert_value_close(mine[key], theirs[key], f"{where}: state[{i}][{key!r}]")


def set_grads(
    problem: Problem,
    ps: list[ref.Parameter],
    ts: list[torch.Tensor],
    k: int,
    sparse: bool,
) -> None:
    """Each side's gradient at its own parameters (or the shared fixed gradient)."""
    _, grads = problem.np_grad([p.data.copy() for p in ps], k)
    for p, g in zip(ps, grads, strict=True):
        p.grad = np.array(g, dtype=np.float64)
    if problem.torch_loss is None:
        for t, g in zip(ts, grads, strict=True):
            t.grad = torch.tensor(g)
    else:
        for t in ts:
            t.grad = None
        problem.torch_loss(ts).backward()
    if sparse:
        for t in ts:
            if not t.grad.is_sparse:
                t.grad = t.grad.to_sparse()


def make_pair(
    ref_cls: type[ref.Optimizer],
    name: str,
    kwargs: dict[str, Any],
    problem: Problem,
    groups: list[tuple[list[int], dict[str, Any]]] | None = None,
) -> tuple[ref.Optimizer, torch.optim.Optimizer, list[ref.Parameter], list[torch.Tensor]]:
    ps = [ref.Parameter(a) for a in problem.init]
    ts = [torch.tensor(a, requires_grad=True) for a in problem.init]

    def arg(xs: list[Any]) -> Any:
        if groups is None:
            return list(xs)
        return [{"params": [xs[i] for i in idx], **hyper} for idx, hyper in groups]

    return ref_cls(arg(ps), **kwargs), torch_optimizer(name, arg(ts), kwargs), ps, ts


def run_side_by_side(
    ref_cls: type[ref.Optimizer],
    name: str,
    kwargs: dict[str, Any],
    problem: Problem,
    steps: int = STEPS,
    groups: list[tuple[list[int], dict[str, Any]]] | None = None,
) -> None:
    """Step ``ref_cls`` and ``torch.optim.<name>`` together; AssertionError at the first miss."""
    if kwargs.get("maximize"):
        problem = negated(problem)
    opt, topt, ps, ts = make_pair(ref_cls, name, kwargs, problem, groups)
    for k in range(steps):
        set_grads(problem, ps, ts, k, sparse=name == "SparseAdam")
        opt.step()
        topt.step()
        assert_matches_torch(opt, topt, ps, ts, f"{name}{kwargs} on {problem.name}, step {k + 1}")


# ---------------------------------------------------------------------------------------------
# every optimizer, every configuration, every gradient source
# ---------------------------------------------------------------------------------------------

#: torch's own OptimizerInfo configurations (common_optim.py), plus a few that exercise more.
CONFIGS: dict[str, list[dict[str, Any]]] = {
    "SGD": [
        {},
        {"lr": 1e-2},
        {"momentum": 0.9},
        {"momentum": 0.9, "dampening": 0.5},
        {"momentum": 0.9, "weight_decay": 0.1},
        {"momentum": 0.9, "nesterov": True, "weight_decay": 0.1},
        {"weight_decay": 0.1, "maximize": True},
        {"lr": 1e-2, "momentum": 0.9, "dampening": 0.5, "weight_decay": 0.1, "maximize": True},
        {"momentum": 0.5, "nesterov": True, "maximize": True},
    ],
    "Adagrad": [
        {},
        {"weight_decay": 0.1},
        {"weight_decay": 0.1, "maximize": True},
        {"lr": 0.1},
        {"initial_accumulator_value": 0.1, "weight_decay": 0.1},
        {"lr": 0.1, "lr_decay": 0.5, "weight_decay": 0.1},
        {"eps": 1e-3, "lr_decay": 0.1},
    ],
    "RMSprop": [
        {},
        {"lr": 1e-3},
        {"weight_decay": 0.1},
        {"weight_decay": 0.1, "centered": True},
        {"weight_decay": 0.1, "centered": True, "momentum": 0.1},
        {"weight_decay": 0.1, "centered": True, "momentum": 0.1, "maximize": True},
        {"momentum": 0.9, "lr": 1e-3},
        {"alpha": 0.9, "eps": 1e-4, "maximize": True},
    ],
    "Adadelta": [
        {},
        {"lr": 0.01},
        {"weight_decay": 0.1},
        {"weight_decay": 0.1, "maximize": True},
        {"rho": 0.95, "weight_decay": 0.9},
        {"eps": 1e-3, "rho": 0.5},
    ],
    "Adam": [
        {},
        {"lr": 0.01},
        {"weight_decay": 0.1},
        {"weight_decay": 0.1, "maximize": True},
        {"weight_decay": 0.1, "amsgrad": True},
        {"betas": (0.8, 0.9), "eps": 1e-6},
        {"amsgrad": True, "maximize": True, "lr": 0.01},
        {"weight_decay": 0.1, "decoupled_weight_decay": True},
    ],
    "AdamW": [
        {},
        {"lr": 0.01},
        {"weight_decay": 0.1},
        {"weight_decay": 0.1, "maximize": True},
        {"weight_decay": 0.1, "amsgrad": True},
    ],
    "Adamax": [
        {},
        {"lr": 0.1},
        {"weight_decay": 0.1},
        {"weight_decay": 0.1, "maximize": True},
        {"betas": (0.8, 0.95)},
    ],
    "SparseAdam": [
        {},
        {"lr": 0.01},
        {"maximize": True},
        {"betas": (0.8, 0.9), "eps": 1e-6},
    ],
    "ASGD": [
        {},
        {"lr": 0.02},
        {"t0": 100},
        {"maximize": True},
        {"weight_decay": 0.1},
        {"weight_decay": 0.1, "maximize": True},
        {"lr": 0.05, "lambd": 0.1, "alpha": 0.5, "t0": 5},
    ],
    "Rprop": [
        {},
        {"lr": 2e-4},
        {"etas": (0.5, 1.5)},
        {"step_sizes": (2e-6, 100)},
        {"maximize": True},
        {"lr": 0.1, "step_sizes": (1e-3, 0.05)},
    ],
}

CASES = [
    pytest.param(name, kwargs, source, id=f"{name}-{i}-{source}")
    for name, configs in CONFIGS.items()
    for i, kwargs in enumerate(configs)
    for source in PROBLEMS
]


@pytest.mark.parametrize(("name", "kwargs", "source"), CASES)
def test_matches_torch_step_by_step(name: str, kwargs: dict[str, Any], source: str) -> None:
    run_side_by_side(getattr(ref, name), name, kwargs, PROBLEMS[source]())


def _nesterov_ok(kw: dict[str, Any]) -> dict[str, Any]:
    if kw.get("nesterov"):
        return {**kw, "momentum": max(kw["momentum"], 0.1), "dampening": 0.0}
    return kw


_lr = st.floats(1e-4, 0.1)
_wd = st.sampled_from([0.0, 0.01, 0.3])
_unit = st.floats(0.0, 0.99)
_betas = st.tuples(st.floats(0.0, 0.95), st.floats(0.5, 0.999))
_flag = st.booleans()
HYPERPARAMETERS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "SGD": st.fixed_dictionaries(
        {"lr": _lr, "momentum": _unit, "dampening": _unit, "weight_decay": _wd},
        optional={"nesterov": _flag, "maximize": _flag},
    ).map(_nesterov_ok),
    "Adagrad": st.fixed_dictionaries(
        {"lr": _lr, "lr_decay": st.floats(0, 1), "weight_decay": _wd},
        optional={"initial_accumulator_value": st.floats(0, 1), "eps": st.floats(1e-10, 1e-3)},
    ),
    "RMSprop": st.fixed_dictionaries(
        # alpha >= 0.5: at alpha = 0 centered v - g_avg^2 is exactly 0 and torch's fused
        # multiply-add makes it -1 ulp, so torch returns NaN (a degenerate case, not a contract)
        {"lr": _lr, "alpha": st.floats(0.5, 0.99), "momentum": _unit, "weight_decay": _wd},
        optional={"centered": _flag, "maximize": _flag, "eps": st.floats(1e-8, 1e-3)},
    ),
    "Adadelta": st.fixed_dictionaries(
        {"lr": st.floats(0.01, 1.0), "rho": st.floats(0, 1), "weight_decay": _wd},
        optional={"eps": st.floats(1e-8, 1e-3), "maximize": _flag},
    ),
    "Adam": st.fixed_dictionaries(
        {"lr": _lr, "betas": _betas, "weight_decay": _wd},
        optional={"amsgrad": _flag, "maximize": _flag, "decoupled_weight_decay": _flag},
    ),
    "AdamW": st.fixed_dictionaries(
        {"lr": _lr, "betas": _betas, "weight_decay": _wd}, optional={"amsgrad": _flag}
    ),
    "Adamax": st.fixed_dictionaries(
        {"lr": _lr, "betas": _betas, "weight_decay": _wd}, optional={"maximize": _flag}
    ),
    "SparseAdam": st.fixed_dictionaries(
        {"lr": _lr, "betas": _betas}, optional={"eps": st.floats(1e-8, 1e-3)}
    ),
    "ASGD": st.fixed_dictionaries(
        {
            "lr": _lr,
            "lambd": st.floats(0, 0.5),
            "alpha": st.floats(0.3, 1),
            "t0": st.sampled_from([0.0, 4.0, 1e6]),
        },
        optional={"weight_decay": _wd, "maximize": _flag},
    ),
    "Rprop": st.fixed_dictionaries(
        {
            "lr": _lr,
            "etas": st.tuples(st.floats(0.1, 0.9), st.floats(1.1, 2.0)),
            "step_sizes": st.tuples(st.floats(1e-6, 1e-3), st.floats(0.01, 1.0)),
        },
        optional={"maximize": _flag},
    ),
}


@pytest.mark.parametrize("name", HYPERPARAMETERS)
@settings(max_examples=12, deadline=None, derandomize=True)
@given(data=st.data())
def test_matches_torch_for_drawn_hyperparameters(name: str, data: st.DataObject) -> None:
    """Hypothesis draws the hyperparameters (derandomized: the same draws on every run)."""
    kwargs = data.draw(HYPERPARAMETERS[name], label="kwargs")
    run_side_by_side(getattr(ref, name), name, kwargs, random_problem(seed=7), steps=15)


@pytest.mark.parametrize("kwargs", CONFIGS["SparseAdam"], ids=str)
def test_sparse_adam_on_embedding_lookups(kwargs: dict[str, Any]) -> None:
    """Torch's sparse gradients straight from ``embedding(sparse=True)``: untouched rows keep
    their moments and values."""
    run_side_by_side(ref.SparseAdam, "SparseAdam", kwargs, embedding_problem())


#: Per optimizer: constructor defaults, a group that inherits them, a group overriding them.
GROUP_CONFIGS: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
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


@pytest.mark.parametrize("name", GROUP_CONFIGS)
def test_param_groups_with_different_hyperparameters(name: str) -> None:
    defaults, override = GROUP_CONFIGS[name]
    groups = [([0, 1], {}), ([2, 3], override)]
    run_side_by_side(getattr(ref, name), name, defaults, mlp_problem(), groups=groups)
    opt, topt, *_ = make_pair(getattr(ref, name), name, defaults, mlp_problem(), groups)
    for mine, theirs in zip(opt.param_groups, topt.param_groups, strict=True):
        assert {k: v for k, v in mine.items() if k != "params"} == {
            k: v for k, v in theirs.items() if k not in TORCH_ONLY_KEYS | {"params"}
        }


def test_parameters_without_grad_are_skipped() -> None:
    problem = mlp_problem()
    opt, topt, ps, ts = make_pair(ref.Adam, "Adam", {"lr": 0.01}, problem)
    before = ps[1].data.copy()
    for k in range(5):
        set_grads(problem, ps, ts, k, sparse=False)
        ps[1].grad, ts[1].grad = None, None
        opt.step()
        topt.step()
        assert_matches_torch(opt, topt, ps, ts, f"step {k + 1}")
    assert ps[1] not in opt.state
    np.testing.assert_array_equal(ps[1].data, before)


@pytest.mark.parametrize("name", [*CONFIGS, "LBFGS"])
def test_step_is_stored_as_a_float(name: str) -> None:
    p = ref.Parameter(np.ones(3))
    opt = getattr(ref, name)([p])
    p.grad = np.array([0.5, -1.0, 2.0])
    opt.step(lambda: 1.0)
    for key in ("step", "eta", "mu", "t", "H_diag", "prev_loss"):
        if key in opt.state[p]:
            assert type(opt.state[p][key]) is float, key


@pytest.mark.parametrize("name", CONFIGS)
def test_closure_is_called_once_and_its_loss_returned(name: str) -> None:
    p = ref.Parameter(np.ones(2))
    calls = []

    def closure() -> float:
        calls.append(p.data.copy())
        p.grad = 2 * p.data
        return 7.5

    assert getattr(ref, name)([p]).step(closure) == 7.5
    assert len(calls) == 1
    np.testing.assert_array_equal(calls[0], np.ones(2))


# ---------------------------------------------------------------------------------------------
# L-BFGS
# ---------------------------------------------------------------------------------------------


def logistic_problem(seed: int = 4) -> Problem:
    """L2-regularised logistic regression: convex, not quadratic."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(20, 4))
    y = (rng.uniform(size=20) < 0.5).astype(float)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)

    def np_grad(ws: list[np.ndarray], k: int) -> tuple[float, list[np.ndarray]]:
        z = x @ ws[0]
        loss = float(np.mean(np.logaddexp(0, z) - y * z) + 0.05 * ws[0] @ ws[0])
        s = 0.5 * (1 + np.tanh(z / 2))
        return loss, [x.T @ (s - y) / len(y) + 0.1 * ws[0]]

    def torch_loss(ts: list[torch.Tensor]) -> torch.Tensor:
        z = xt @ ts[0]
        return torch.mean(torch.nn.functional.softplus(z) - yt * z) + 0.05 * ts[0] @ ts[0]

    return Problem("logistic", (3 * rng.normal(size=4),), np_grad, torch_loss)


def closures(problem: Problem, ps: list[ref.Parameter], ts: list[torch.Tensor], topt: Any):
    def closure() -> float:
        loss, grads = problem.np_grad([p.data for p in ps], 0)
        for p, g in zip(ps, grads, strict=True):
            p.grad = g
        return loss

    def tclosure() -> torch.Tensor:
        topt.zero_grad()
        loss = problem.torch_loss(ts)
        loss.backward()
        return loss

    return closure, tclosure


LBFGS_CONFIGS = [
    {},
    {"lr": 0.5, "max_iter": 5},
    {"lr": 0.01},
    {"tolerance_grad": 1e-6},
    {"history_size": 2, "max_iter": 7},
    {"line_search_fn": "strong_wolfe"},
    {"line_search_fn": "strong_wolfe", "max_iter": 3, "history_size": 3},
    {"line_search_fn": "strong_wolfe", "max_iter": 4, "max_eval": 5},
]


@pytest.mark.parametrize("source", ["quadratic", "logistic"])
@pytest.mark.parametrize("kwargs", LBFGS_CONFIGS, ids=str)
def test_lbfgs_matches_torch(kwargs: dict[str, Any], source: str) -> None:
    problem = quadratic_problem() if source == "quadratic" else logistic_problem()
    opt, topt, ps, ts = make_pair(ref.LBFGS, "LBFGS", kwargs, problem)
    closure, tclosure = closures(problem, ps, ts, topt)
    for call in range(3):
        loss, tloss = opt.step(closure), topt.step(tclosure)
        where = f"LBFGS{kwargs} on {source}, call {call + 1}"
        assert_value_close(loss, tloss.detach(), f"{where}: returned loss")
        assert_matches_torch(opt, topt, ps, ts, where)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_lbfgs_minimises_the_quadratic(line_search_fn: str | None) -> None:
    problem = quadratic_problem(seed=5, n=8)
    p = ref.Parameter(problem.init[0])
    opt = ref.LBFGS(
        [p], line_search_fn=line_search_fn, max_iter=50, tolerance_grad=1e-10, tolerance_change=0
    )
    closure, _ = closures(problem, [p], [], None)
    for _ in range(3):
        opt.step(closure)
    rng = np.random.default_rng(5)
    m = rng.normal(size=(8, 8))
    a, b = m @ m.T / 8 + np.eye(8), rng.normal(size=8)
    np.testing.assert_allclose(p.data, np.linalg.solve(a, b), atol=1e-6)


def test_lbfgs_strong_wolfe_solves_rosenbrock() -> None:
    problem = rosenbrock_problem()
    p = ref.Parameter(problem.init[0])
    opt = ref.LBFGS(
        [p], line_search_fn="strong_wolfe", max_iter=100, history_size=10, tolerance_change=0
    )
    closure, _ = closures(problem, [p], [], None)
    for _ in range(5):
        opt.step(closure)
    np.testing.assert_allclose(p.data, np.ones(4), atol=1e-5)


@pytest.mark.parametrize("source", ["quadratic", "logistic", "rosenbrock"])
def test_lbfgs_line_search_steps_satisfy_strong_wolfe(source: str) -> None:
    """With ``max_iter=1`` every call is one iteration: x_new = x + t d must satisfy
    sufficient decrease (c1 = 1e-4) and the strong curvature condition (c2 = 0.9).

    ``max_eval`` must be given: its default ``max_iter * 5 // 4`` is 1 here, which leaves the
    line search no evaluation beyond the first trial step (torch's behaviour too)."""
    problem = {
        "quadratic": quadratic_problem,
        "logistic": logistic_problem,
        "rosenbrock": rosenbrock_problem,
    }[source]()
    p = ref.Parameter(problem.init[0])
    opt = ref.LBFGS([p], line_search_fn="strong_wolfe", max_iter=1, max_eval=25)
    closure, _ = closures(problem, [p], [], None)
    for call in range(6):
        x = p.data.copy()
        f, (g,) = problem.np_grad([x], 0)
        opt.step(closure)
        state = opt.state[p]
        t, d = state["t"], state["d"]
        np.testing.assert_allclose(p.data, x + t * d, rtol=1e-12, atol=1e-15)
        f_new, (g_new,) = problem.np_grad([p.data], 0)
        assert g @ d < 0, f"call {call}: not a descent direction"
        assert f_new <= f + 1e-4 * t * (g @ d), f"call {call}: sufficient decrease fails"
        assert abs(g_new @ d) <= 0.9 * abs(g @ d), f"call {call}: curvature condition fails"


def test_lbfgs_needs_a_closure_and_one_group() -> None:
    p, q = ref.Parameter(np.ones(2)), ref.Parameter(np.ones(2))
    with pytest.raises(TypeError, match="closure"):
        ref.LBFGS([p]).step()
    with pytest.raises(ValueError, match=r"LBFGS doesn't support per-parameter options"):
        ref.LBFGS([{"params": [p]}, {"params": [q]}])


# ---------------------------------------------------------------------------------------------
# the Optimizer API
# ---------------------------------------------------------------------------------------------

API_CASES = [
    ("SGD", {"lr": 0.01, "momentum": 0.9}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.1}),
    ("RMSprop", {"centered": True, "momentum": 0.5}),
    ("Adadelta", {}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("AdamW", {"lr": 0.01}),
    ("Adamax", {}),
    ("SparseAdam", {"lr": 0.01}),
    ("ASGD", {"t0": 3}),
    ("Rprop", {}),
]


def run_steps(opt: ref.Optimizer, ps: list[ref.Parameter], problem: Problem, ks: range) -> None:
    for k in ks:
        _, grads = problem.np_grad([p.data for p in ps], k)
        for p, g in zip(ps, grads, strict=True):
            p.grad = g
        opt.step()


@pytest.mark.parametrize(("name", "kwargs"), API_CASES)
def test_state_dict_round_trip_continues_identically(name: str, kwargs: dict[str, Any]) -> None:
    """Save after 10 steps, load into a fresh optimizer (other hyperparameters in its
    constructor) on copied parameters: both continue identically, and as torch does."""
    problem = mlp_problem()
    cls = getattr(ref, name)
    opt, topt, ps, ts = make_pair(cls, name, kwargs, problem)
    for k in range(10):
        set_grads(problem, ps, ts, k, sparse=name == "SparseAdam")
        opt.step()
        topt.step()
    saved = opt.state_dict()
    ps2 = [ref.Parameter(p.data) for p in ps]
    opt2 = cls(ps2)
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    assert opt2.param_groups[0]["params"][0] is ps2[0]
    tsaved = topt.state_dict()
    ts2 = [t.detach().clone().requires_grad_(True) for t in ts]
    topt2 = torch_optimizer(name, ts2, {})
    topt2.load_state_dict(tsaved)
    for k in range(10, 20):
        set_grads(problem, ps2, ts2, k, sparse=name == "SparseAdam")
        _, grads = problem.np_grad([p.data for p in ps], k)
        for p, g in zip(ps, grads, strict=True):
            p.grad = g
        opt.step()
        opt2.step()
        topt2.step()
        for p, p2 in zip(ps, ps2, strict=True):
            np.testing.assert_array_equal(p2.data, p.data)
        assert_matches_torch(opt2, topt2, ps2, ts2, f"{name} after loading, step {k + 1}")


@pytest.mark.parametrize(("name", "kwargs"), API_CASES)
def test_state_dict_has_torch_structure(name: str, kwargs: dict[str, Any]) -> None:
    problem = mlp_problem()
    groups = [([0, 1], {}), ([2, 3], {"lr": 0.05})]
    opt, topt, ps, ts = make_pair(getattr(ref, name), name, kwargs, problem, groups)
    for k in range(3):
        set_grads(problem, ps, ts, k, sparse=name == "SparseAdam")
        ps[2].grad, ts[2].grad = None, None
        opt.step()
        topt.step()
    mine, theirs = opt.state_dict(), topt.state_dict()
    assert set(mine) == set(theirs) == {"state", "param_groups"}
    assert set(mine["state"]) == set(theirs["state"])
    for index, entry in theirs["state"].items():
        assert set(mine["state"][index]) == set(entry)
        for key, value in entry.items():
            assert_value_close(mine["state"][index][key], value, f"state[{index}][{key!r}]")
    assert len(mine["param_groups"]) == len(theirs["param_groups"])
    for g, tg in zip(mine["param_groups"], theirs["param_groups"], strict=True):
        assert g == {k: v for k, v in tg.items() if k not in TORCH_ONLY_KEYS}


def test_state_dict_is_a_snapshot() -> None:
    problem = mlp_problem()
    ps = [ref.Parameter(a) for a in problem.init]
    opt = ref.Adam(ps, lr=0.01)
    run_steps(opt, ps, problem, range(3))
    saved = opt.state_dict()
    frozen = copy.deepcopy(saved)
    run_steps(opt, ps, problem, range(3, 6))
    for index, entry in frozen["state"].items():
        for key, value in entry.items():
            np.testing.assert_array_equal(saved["state"][index][key], value)
    live = opt.state[ps[0]]["exp_avg"].copy()
    saved["state"][0]["exp_avg"] += 1.0
    saved["param_groups"][0]["lr"] = 99.0
    np.testing.assert_array_equal(opt.state[ps[0]]["exp_avg"], live)
    assert opt.param_groups[0]["lr"] == 0.01
    fresh = ref.Adam([ref.Parameter(a) for a in problem.init])
    fresh.load_state_dict(frozen)
    loaded = frozen["state"][0]["exp_avg"].copy()
    frozen["state"][0]["exp_avg"] += 1.0
    np.testing.assert_array_equal(
        fresh.state[fresh.param_groups[0]["params"][0]]["exp_avg"], loaded
    )


def test_state_dict_of_lbfgs_round_trips() -> None:
    problem = logistic_problem()
    p = ref.Parameter(problem.init[0])
    opt = ref.LBFGS([p], line_search_fn="strong_wolfe", max_iter=2)
    closure, _ = closures(problem, [p], [], None)
    opt.step(closure)
    q = ref.Parameter(p.data)
    opt2 = ref.LBFGS([q], line_search_fn="strong_wolfe", max_iter=2)
    opt2.load_state_dict(opt.state_dict())
    closure2, _ = closures(problem, [q], [], None)
    for _ in range(2):
        opt.step(closure)
        opt2.step(closure2)
    np.testing.assert_array_equal(q.data, p.data)


def test_load_state_dict_rejects_mismatched_groups() -> None:
    a, b, c = (np.ones(2) for _ in range(3))
    mine = ref.SGD([ref.Parameter(a), ref.Parameter(b)]).state_dict()
    theirs = torch.optim.SGD([torch.tensor(a), torch.tensor(b)]).state_dict()
    for make_ref, make_torch in [
        (
            lambda: ref.SGD([{"params": [ref.Parameter(a)]}, {"params": [ref.Parameter(b)]}]),
            lambda: torch.optim.SGD([{"params": [torch.tensor(a)]}, {"params": [torch.tensor(b)]}]),
        ),
        (
            lambda: ref.SGD([ref.Parameter(a), ref.Parameter(b), ref.Parameter(c)]),
            lambda: torch.optim.SGD([torch.tensor(a), torch.tensor(b), torch.tensor(c)]),
        ),
    ]:
        with pytest.raises(ValueError) as torch_err:
            make_torch().load_state_dict(theirs)
        with pytest.raises(ValueError, match=str(torch_err.value)):
            make_ref().load_state_dict(mine)


@pytest.mark.parametrize("name", GROUP_CONFIGS)
def test_add_param_group_mid_training_matches_torch(name: str) -> None:
    """Train W1, b1 for 5 steps, then add W2, b2 as a group overriding some hyperparameters
    (the rest from the defaults) and train on: same trajectory and groups as torch."""
    defaults, override = GROUP_CONFIGS[name]
    problem = mlp_problem()
    opt, topt, ps, ts = make_pair(getattr(ref, name), name, defaults, problem, [([0, 1], {})])
    sparse = name == "SparseAdam"
    for k in range(12):
        if k == 5:
            opt.add_param_group({"params": ps[2:], **override})
            topt.add_param_group({"params": ts[2:], **override})
        set_grads(problem, ps, ts, k, sparse)
        if k < 5:
            for x in (*ps[2:], *ts[2:]):
                x.grad = None
        opt.step()
        topt.step()
        assert_matches_torch(opt, topt, ps, ts, f"{name} step {k + 1}")
    assert len(opt.param_groups) == 2
    assert {k: v for k, v in opt.param_groups[1].items() if k != "params"} == {
        k: v for k, v in topt.param_groups[1].items() if k not in TORCH_ONLY_KEYS | {"params"}
    }


def test_add_param_group_errors_match_torch() -> None:
    p, q = ref.Parameter(np.ones(2)), ref.Parameter(np.ones(3))
    t, u = torch.ones(2, requires_grad=True), torch.ones(3, requires_grad=True)
    opt, topt = ref.SGD([p]), torch.optim.SGD([t])
    for mine, theirs, err in [
        ({"params": [p]}, {"params": [t]}, ValueError),
        ({"params": {q}}, {"params": {u}}, TypeError),
    ]:
        with pytest.raises(err) as torch_err:
            topt.add_param_group(theirs)
        with pytest.raises(err, match=str(torch_err.value).replace(".", r"\.")):
            opt.add_param_group(mine)
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([q])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="can only optimize Parameters"):
        opt.add_param_group({"params": [np.ones(2)]})
    opt.add_param_group({"params": q})
    assert opt.param_groups[1]["params"] == [q]
    assert opt.param_groups[1]["lr"] == 1e-3


def test_required_hyperparameter_and_duplicates() -> None:
    p = ref.Parameter(np.ones(2))
    opt = ref.Optimizer([{"params": [p], "lr": 0.1}], {"lr": ref.required, "momentum": 0})
    assert opt.param_groups[0] == {"params": [p], "lr": 0.1, "momentum": 0}
    with pytest.raises(ValueError, match="required optimization parameter lr"):
        opt.add_param_group({"params": [ref.Parameter(np.ones(1))]})
    with pytest.warns(UserWarning, match="duplicate parameters"):
        ref.SGD([p, p])


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none: bool) -> None:
    p, q = ref.Parameter(np.ones(3)), ref.Parameter(np.ones(2))
    opt = ref.SGD([{"params": [p]}, {"params": [q], "lr": 0.1}])
    grad = np.array([1.0, 2.0, 3.0])
    p.grad = grad
    opt.zero_grad(set_to_none=set_to_none)
    assert q.grad is None
    if set_to_none:
        assert p.grad is None
    else:
        assert p.grad is grad
        np.testing.assert_array_equal(grad, np.zeros(3))
    p.grad = np.ones(3)
    opt.zero_grad()
    assert p.grad is None


def test_constructor_rejects_bad_params_like_torch() -> None:
    with pytest.raises(TypeError, match="should be an iterable of Parameters or dicts"):
        ref.SGD(ref.Parameter(np.ones(2)))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        ref.Adam([])
    p = ref.Parameter(np.ones(2))
    with pytest.raises(ValueError, match="some parameters appear in more than one"):
        ref.SGD([{"params": [p]}, {"params": [p]}])
    assert "Parameter Group 0" in repr(ref.SGD([p]))


INVALID = [
    ("SGD", {"lr": -0.1}),
    ("SGD", {"momentum": -0.5}),
    ("SGD", {"weight_decay": -1.0}),
    ("SGD", {"nesterov": True}),
    ("SGD", {"nesterov": True, "momentum": 0.9, "dampening": 0.1}),
    ("Adagrad", {"lr_decay": -0.5}),
    ("Adagrad", {"initial_accumulator_value": -1.0}),
    ("Adagrad", {"eps": -1.0}),
    ("RMSprop", {"momentum": -1.0}),
    ("RMSprop", {"alpha": -0.1}),
    ("RMSprop", {"eps": -1.0}),
    ("Adadelta", {"rho": 1.1}),
    ("Adadelta", {"lr": -1.0}),
    ("Adam", {"betas": (1.0, 0.0)}),
    ("Adam", {"betas": (0.9, 1.0)}),
    ("Adam", {"weight_decay": -1}),
    ("Adam", {"eps": -1e-8}),
    ("Adam", {"betas": (0, 0.9)}),
    ("AdamW", {"betas": (0.9, -0.1)}),
    ("Adamax", {"betas": (0.0, 1.0)}),
    ("SparseAdam", {"lr": 0.0}),
    ("SparseAdam", {"eps": 0.0}),
    ("SparseAdam", {"betas": (1.0, 0.0)}),
    ("ASGD", {"weight_decay": -0.5}),
    ("Rprop", {"etas": (1.0, 0.5)}),
    ("Rprop", {"lr": -1.0}),
    ("LBFGS", {"lr": -1.0}),
]


@pytest.mark.parametrize(("name", "kwargs"), INVALID, ids=str)
def test_validation_errors_match_torch(name: str, kwargs: dict[str, Any]) -> None:
    extra = {} if name in NO_FOREACH else {"foreach": False}
    with pytest.raises(ValueError) as torch_err:
        getattr(torch.optim, name)([torch.ones(2)], **kwargs, **extra)
    with pytest.raises(ValueError) as ref_err:
        getattr(ref, name)([ref.Parameter(np.ones(2))], **kwargs)
    assert str(ref_err.value) == str(torch_err.value)


ALL_NAMES = [*CONFIGS, "LBFGS"]


@pytest.mark.parametrize("name", ALL_NAMES)
def test_signature_and_defaults_match_torch(name: str) -> None:
    """Same argument names, kinds and defaults as torch once its implementation switches go."""
    mine = inspect.signature(getattr(ref, name)).parameters
    theirs = {
        k: v
        for k, v in inspect.signature(getattr(torch.optim, name)).parameters.items()
        if k not in TORCH_ONLY_KEYS
    }
    assert list(mine) == list(theirs)
    for key, param in theirs.items():
        assert mine[key].default == param.default, key
        assert mine[key].kind == param.kind, key
    opt = getattr(ref, name)([ref.Parameter(np.ones(2))])
    topt = getattr(torch.optim, name)([torch.ones(2)])
    assert opt.defaults == {k: v for k, v in topt.defaults.items() if k not in TORCH_ONLY_KEYS}


# ---------------------------------------------------------------------------------------------
# seed 003: gradient descent on J = theta1^2 + theta2^2
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("alpha", [0.001, 0.1, 0.3, 0.75])
def test_seed003_gradient_descent_closed_form(alpha: float) -> None:
    """theta' = theta - alpha dJ/dtheta = (1 - 2 alpha) theta,
    so theta_t = theta_0 (1 - 2 alpha)^t and J_t = J_0 (1 - 2 alpha)^(2t)."""
    theta0 = np.array([1.5, -2.0])
    theta = ref.Parameter(theta0)
    opt = ref.SGD([theta], lr=alpha)

    def closure() -> float:
        theta.grad = 2 * theta.data  # dJ/dtheta_i = 2 theta_i
        return float(np.sum(theta.data**2))

    for t in range(1, 51):
        loss = opt.step(closure)
        assert loss == pytest.approx(np.sum(theta0**2) * (1 - 2 * alpha) ** (2 * (t - 1)))
        np.testing.assert_allclose(theta.data, theta0 * (1 - 2 * alpha) ** t, rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# seed 001's momentum and Nesterov formulas, written literally, against the reference
# ---------------------------------------------------------------------------------------------


def test_seed001_momentum_is_torch_momentum_at_constant_lr() -> None:
    """v <- mu v - alpha grad L(W), W <- W + v (the notes) traces the same W as torch's
    b <- mu b + g, theta <- theta - lr b, since v = -lr b."""
    problem, mu, lr = quadratic_problem(), 0.9, 0.05
    w, v = problem.init[0].copy(), np.zeros_like(problem.init[0])
    theta = ref.Parameter(problem.init[0])
    opt = ref.SGD([theta], lr=lr, momentum=mu)
    for _ in range(STEPS):
        v = mu * v - lr * problem.np_grad([w], 0)[1][0]
        w = w + v
        theta.grad = problem.np_grad([theta.data], 0)[1][0]
        opt.step()
        np.testing.assert_allclose(theta.data, w, rtol=1e-12, atol=1e-14)


def test_seed001_nesterov_is_torch_nesterov_at_the_look_ahead_point() -> None:
    """The notes' v <- mu v - alpha grad L(W + mu v), W <- W + v, with the look-ahead gradient
    computed literally: torch's nesterov parameters are the look-ahead point W + mu v."""
    problem, mu, lr = mlp_problem(), 0.9, 0.05
    ws = [a.copy() for a in problem.init]
    vs = [np.zeros_like(a) for a in problem.init]
    thetas = [ref.Parameter(a) for a in problem.init]
    opt = ref.SGD(thetas, lr=lr, momentum=mu, nesterov=True)
    for _ in range(STEPS):
        _, grads = problem.np_grad([w + mu * v for w, v in zip(ws, vs, strict=True)], 0)
        vs = [mu * v - lr * g for v, g in zip(vs, grads, strict=True)]
        ws = [w + v for w, v in zip(ws, vs, strict=True)]
        for theta, g in zip(thetas, problem.np_grad([t.data for t in thetas], 0)[1], strict=True):
            theta.grad = g
        opt.step()
        for theta, w, v in zip(thetas, ws, vs, strict=True):
            np.testing.assert_allclose(theta.data, w + mu * v, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------------------------------
# harness sanity: the NumPy gradients of the objectives are autograd's
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make",
    [quadratic_problem, rosenbrock_problem, mlp_problem, embedding_problem, logistic_problem],
)
def test_objective_gradients_match_autograd(make: Callable[[], Problem]) -> None:
    problem = make()
    rng = np.random.default_rng(9)
    xs = [a + 0.1 * rng.normal(size=a.shape) for a in problem.init]
    loss, grads = problem.np_grad(xs, 0)
    ts = [torch.tensor(x, requires_grad=True) for x in xs]
    assert problem.torch_loss is not None
    tloss = problem.torch_loss(ts)
    tloss.backward()
    assert loss == pytest.approx(tloss.item())
    for g, t in zip(grads, ts, strict=True):
        assert_value_close(g, t.grad, "gradient")


# ---------------------------------------------------------------------------------------------
# planted bugs: a small "student" implementation, right when no bug is switched on
# ---------------------------------------------------------------------------------------------


class StudentSGD(ref.SGD):
    bugs: frozenset[str] = frozenset()

    def step(self, closure=None):
        for group in self.param_groups:
            mu, tau, lam = group["momentum"], group["dampening"], group["weight_decay"]
            for p in (p for p in group["params"] if p.grad is not None):
                g = -p.grad if group["maximize"] else p.grad.copy()
                if lam and "decay_after_momentum" not in self.bugs:
                    g = g + lam * p.data
                if mu:
                    st = self.state[p]
                    if "sutskever_nesterov" in self.bugs:  # v = mu v - lr g(W); W += v
                        v = st.setdefault("momentum_buffer", np.zeros_like(p.data))
                        v[...] = mu * v - group["lr"] * g
                        p.data += v
                        continue
                    if "momentum_buffer" not in st and "zero_buffer" in self.bugs:
                        st["momentum_buffer"] = (1 - tau) * g  # mu * 0 + (1 - tau) g
                    elif "momentum_buffer" not in st:
                        st["momentum_buffer"] = g.copy()
                    else:
                        st["momentum_buffer"] = mu * st["momentum_buffer"] + (1 - tau) * g
                    b = st["momentum_buffer"]
                    g = g + mu * b if group["nesterov"] else b
                if lam and "decay_after_momentum" in self.bugs:
                    g = g + lam * p.data
                p.data -= group["lr"] * g


class StudentAdam(ref.Adam):
    bugs: frozenset[str] = frozenset()

    def step(self, closure=None):
        for group in self.param_groups:
            (b1, b2), lr, eps = group["betas"], group["lr"], group["eps"]
            lam = group["weight_decay"]
            for p in (p for p in group["params"] if p.grad is not None):
                st = self.state[p]
                if not st:
                    st.update(step=0.0, exp_avg=np.zeros_like(p.data))
                    st["exp_avg_sq"] = np.zeros_like(p.data)
                    if group["amsgrad"]:
                        st["max_exp_avg_sq"] = np.zeros_like(p.data)
                g = -p.grad if group["maximize"] else p.grad
                if "step_after_use" not in self.bugs:
                    st["step"] += 1
                t = np.float64(st["step"])
                if lam and group["decoupled_weight_decay"] and "coupled_decay" not in self.bugs:
                    p.data *= 1 - lr * lam
                elif lam:
                    g = g + lam * p.data
                st["exp_avg"] = b1 * st["exp_avg"] + (1 - b1) * g
                st["exp_avg_sq"] = b2 * st["exp_avg_sq"] + (1 - b2) * g**2
                with np.errstate(divide="ignore", invalid="ignore"):
                    c1, c2 = (1, 1) if "no_bias_correction" in self.bugs else (1 - b1**t, 1 - b2**t)
                    m_hat, v_hat = st["exp_avg"] / c1, st["exp_avg_sq"] / c2
                    if group["amsgrad"] and "amsgrad_max_of_corrected" in self.bugs:
                        st["max_exp_avg_sq"] = np.maximum(st["max_exp_avg_sq"], v_hat)
                        v_hat = st["max_exp_avg_sq"]
                    elif group["amsgrad"]:
                        st["max_exp_avg_sq"] = np.maximum(st["max_exp_avg_sq"], st["exp_avg_sq"])
                        v_hat = st["max_exp_avg_sq"] / c2
                    if "eps_inside_sqrt" in self.bugs:  # the notes' sqrt(v_hat + eps)
                        p.data -= lr * m_hat / np.sqrt(v_hat + eps)
                    else:
                        p.data -= lr * m_hat / (np.sqrt(v_hat) + eps)
                if "step_after_use" in self.bugs:
                    st["step"] += 1


class StudentAdamW(StudentAdam, ref.AdamW):
    pass


class StudentRMSprop(ref.RMSprop):
    bugs: frozenset[str] = frozenset()

    def step(self, closure=None):
        for group in self.param_groups:
            alpha, eps, lr = group["alpha"], group["eps"], group["lr"]
            for p in (p for p in group["params"] if p.grad is not None):
                st = self.state[p]
                if not st:
                    st.update(step=0.0, square_avg=np.zeros_like(p.data))
                    if group["centered"]:
                        st["grad_avg"] = np.zeros_like(p.data)
                st["step"] += 1
                g = p.grad + group["weight_decay"] * p.data
                st["square_avg"] = alpha * st["square_avg"] + (1 - alpha) * g**2
                v = st["square_avg"]
                if group["centered"]:
                    st["grad_avg"] = alpha * st["grad_avg"] + (1 - alpha) * g
                    if "ignore_centered" not in self.bugs:
                        v = v - st["grad_avg"] ** 2
                p.data -= lr * g / (np.sqrt(v) + eps)


class StudentAdagrad(ref.Adagrad):
    bugs: frozenset[str] = frozenset()

    def step(self, closure=None):
        for group in self.param_groups:
            for p in (p for p in group["params"] if p.grad is not None):
                st = self.state[p]
                if "step_after_use" not in self.bugs:
                    st["step"] += 1
                g = p.grad + group["weight_decay"] * p.data
                decay = 0.0 if "ignore_lr_decay" in self.bugs else group["lr_decay"]
                clr = group["lr"] / (1 + (st["step"] - 1) * decay)
                st["sum"] = st["sum"] + g**2
                p.data -= clr * g / (np.sqrt(st["sum"]) + group["eps"])
                if "step_after_use" in self.bugs:
                    st["step"] += 1


class StudentRprop(ref.Rprop):
    bugs: frozenset[str] = frozenset()

    def step(self, closure=None):
        for group in self.param_groups:
            (eta_minus, eta_plus), (lo, hi) = group["etas"], group["step_sizes"]
            for p in (p for p in group["params"] if p.grad is not None):
                st = self.state[p]
                if not st:
                    st.update(step=0.0, prev=np.zeros_like(p.data))
                    st["step_size"] = np.full_like(p.data, group["lr"])
                st["step"] += 1
                g, prod = p.grad.copy(), p.grad * st["prev"]
                factor = np.where(prod > 0, eta_plus, np.where(prod < 0, eta_minus, 1.0))
                st["step_size"] = np.clip(st["step_size"] * factor, lo, hi)
                if "no_sign_flip_reset" not in self.bugs:
                    g[prod < 0] = 0.0
                p.data -= np.sign(g) * st["step_size"]
                st["prev"] = g


def with_bugs(cls: type, *bugs: str) -> type:
    return type(f"{cls.__name__}[{','.join(bugs)}]", (cls,), {"bugs": frozenset(bugs)})


SMALL = "random0.001"
HEAVY_BALL = {"lr": 0.01, "momentum": 0.9}
PLANTED = [
    # (student class, torch name, bug, kwargs, gradient source)
    (StudentAdam, "Adam", "no_bias_correction", {"lr": 0.01}, "random"),
    (StudentAdam, "Adam", "eps_inside_sqrt", {"lr": 0.01}, SMALL),
    (StudentAdam, "Adam", "step_after_use", {"lr": 0.01}, "mlp"),
    (StudentAdagrad, "Adagrad", "step_after_use", {"lr": 0.1, "lr_decay": 0.5}, "random"),
    (StudentSGD, "SGD", "zero_buffer", {**HEAVY_BALL, "dampening": 0.5}, "mlp"),
    (StudentSGD, "SGD", "sutskever_nesterov", {**HEAVY_BALL, "nesterov": True}, "mlp"),
    (StudentSGD, "SGD", "decay_after_momentum", {**HEAVY_BALL, "weight_decay": 0.1}, "quadratic"),
    (StudentAdamW, "AdamW", "coupled_decay", {"lr": 0.01, "weight_decay": 0.1}, "mlp"),
    (StudentRMSprop, "RMSprop", "ignore_centered", {"centered": True}, "random"),
    (StudentAdagrad, "Adagrad", "ignore_lr_decay", {"lr": 0.1, "lr_decay": 0.5}, "quadratic"),
    (StudentRprop, "Rprop", "no_sign_flip_reset", {}, "random"),
    (StudentAdam, "Adam", "amsgrad_max_of_corrected", {"lr": 0.01, "amsgrad": True}, "random"),
]


def source(name: str) -> Problem:
    return random_problem(scale=1e-3) if name == SMALL else PROBLEMS[name]()


@pytest.mark.parametrize(
    ("student", "name", "bug", "kwargs", "src"),
    PLANTED,
    ids=[f"{name}-{bug}" for _, name, bug, _, _ in PLANTED],
)
def test_planted_bug_fails_the_torch_comparison(
    student: type, name: str, bug: str, kwargs: dict[str, Any], src: str
) -> None:
    run_side_by_side(getattr(ref, name), name, kwargs, source(src))  # the reference passes
    run_side_by_side(student, name, kwargs, source(src))  # so does the bug-free student
    with pytest.raises(AssertionError):
        run_side_by_side(with_bugs(student, bug), name, kwargs, source(src))


def test_eps_inside_sqrt_hides_behind_unit_gradients() -> None:
    """Why the eps bug needs small gradients: with |g| ~ 1 and eps = 1e-8 the notes'
    sqrt(v + eps) differs from sqrt(v) + eps by ~1e-8 relative, within tolerance."""
    run_side_by_side(with_bugs(StudentAdam, "eps_inside_sqrt"), "Adam", {}, random_problem())


def test_zero_momentum_buffer_is_invisible_without_dampening() -> None:
    """b_1 = g_1 and b_1 = 0 * mu + (1 - tau) g_1 coincide when tau = 0."""
    run_side_by_side(
        with_bugs(StudentSGD, "zero_buffer"), "SGD", {"momentum": 0.9, "lr": 0.01}, mlp_problem()
    )


# ---------------------------------------------------------------------------------------------
# the generated student template
# ---------------------------------------------------------------------------------------------


def test_student_template_constructs_and_raises(tmp_path) -> None:
    """Every optimizer constructs from the template; each marked method raises
    NotImplementedError naming itself."""
    from tools import template

    path = tmp_path / "optimizers_template.py"
    path.write_text(template.render("optimizers"), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("optimizers_template", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        for name in ALL_NAMES:
            p = module.Parameter(np.ones(2), grad=np.ones(2))
            opt = getattr(module, name)([p])
            owner = type(opt).step.__qualname__  # AdamW's step is Adam.step
            with pytest.raises(NotImplementedError, match=rf"optimizers\.{owner}"):
                opt.step(lambda: 1.0)
        opt = module.SGD([module.Parameter(np.ones(2))])
        for method, args in [
            ("zero_grad", ()),
            ("state_dict", ()),
            ("load_state_dict", ({},)),
            ("add_param_group", ({"params": []},)),
        ]:
            with pytest.raises(NotImplementedError, match=rf"optimizers\.Optimizer\.{method}"):
                getattr(opt, method)(*args)
    finally:
        del sys.modules[spec.name]
