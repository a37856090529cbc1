"""The optimizer items reward torch's algorithm and API only (graders/registry/optimizers/).

Each case runs in this process through the real ``optim`` driver; the expected values come from
the item's torch oracle (``torch.optim`` in float64), the verdict from the item's check.  The
reference passes; each cheat -- an L-BFGS that solves directly or descends with a strong-Wolfe
line search, an optimizer with torch's state keys but not torch's state, a ``state_dict`` that
aliases the live state, a ``load_state_dict`` or ``add_param_group`` that keeps copies of the
parameters, an ``add_param_group`` that always raises -- fails with a message that says why.
The child returns raw observations only (the same quantities torch's side computes), and a
closure handed to student code reaches nothing of the case but the objective's data.
"""

from __future__ import annotations

import copy
import gc
import sys
import types
from typing import Any, ClassVar

import numpy as np
import pytest

from graders import engine, judge, registry
from graders.judge import Verdict
from graders.registry import Case, Item
from graders.registry.optimizers import cases, checks
from graders.sandbox import CaseRun
from graders.sandbox.box.drivers import optim as driver
from reference import optimizers as ref

SEEDS = (engine.PUBLIC_SEED, 20240601)


def item(name: str) -> Item:
    return registry.BY_NAME[f"optimizers.{name}"]


def outputs(module: Any, it: Item, case: Case) -> dict[str, np.ndarray]:
    """What the child would return: the driver run on ``module`` (no sandbox)."""
    return driver.run(module, it.attr, {"args": case.args, "kwargs": case.kwargs, **case.spec})


def verdict(module: Any, it: Item, case: Case) -> Verdict:
    """The item's check of ``module``'s outputs against torch's (an exception fails the case,
    as in the sandbox)."""
    expected = it.oracle(case, "cpu")
    try:
        got = outputs(module, it, case)
    except Exception as exc:
        return Verdict(False, f"{type(exc).__name__}: {exc}")
    return it.check(expected, got, case.tolerance or it.tolerance, "cpu", case.data)


def all_cases(it: Item, seed: int = engine.PUBLIC_SEED) -> list[Case]:
    return registry.plan_cases(it, seed, seed + 1)


def module_with(**classes: Any) -> types.SimpleNamespace:
    """A stand-in for a student's module: the reference's Parameter and the given classes."""
    return types.SimpleNamespace(Parameter=ref.Parameter, **classes)


def messages(module: Any, it: Item) -> dict[str, str]:
    """Case name -> message of every case; asserts every case failed."""
    out = {}
    for case in all_cases(it):
        v = verdict(module, it, case)
        assert not v.passed, f"{it.name} {case.name} passed"
        out[case.name] = v.message
    return out


# ---------------------------------------------------------------------------------------------
# the reference passes, and the child returns what torch's side computes, nothing more
# ---------------------------------------------------------------------------------------------
API_AND_LBFGS = [
    "LBFGS",
    "Optimizer.state_dict",
    "Optimizer.add_param_group",
    "Optimizer.zero_grad",
]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", API_AND_LBFGS)
def test_reference_passes_every_case(name: str, seed: int) -> None:
    it = item(name)
    failing = {c.name: verdict(ref, it, c).message for c in all_cases(it, seed)}
    assert not {k: v for k, v in failing.items() if v}


@pytest.mark.parametrize("name", API_AND_LBFGS[1:])
def test_the_child_returns_the_quantities_torch_computes_and_no_flag(name: str) -> None:
    it = item(name)
    for case in all_cases(it):
        assert set(outputs(ref, it, case)) == set(it.oracle(case, "cpu")), case.name


# ---------------------------------------------------------------------------------------------
# L-BFGS: judged on torch's iterates, whatever reaches the minimiser or meets Wolfe
# ---------------------------------------------------------------------------------------------
def _fake_lbfgs_state(
    opt: ref.LBFGS, loss: float, g: np.ndarray, d: np.ndarray, t: float, evals: int
) -> None:
    """Every state entry torch's L-BFGS keeps, as torch fills them on its first iteration
    (``loss`` and ``g`` before the step, ``evals`` closure calls)."""
    state = opt.state[opt._params[0]]
    state["func_evals"] = state.get("func_evals", 0) + evals
    state["n_iter"] = state.get("n_iter", 0) + 1
    state.update(t=t, H_diag=1.0, prev_loss=loss, d=d, prev_flat_grad=g.copy())
    state.setdefault("old_dirs", [])


class NewtonLBFGS(ref.LBFGS):
    """A direct solve: the Hessian by finite differences of the closure's gradients, then one
    Newton step x - H^-1 g per call (on a quadratic: the minimiser A^-1 b at once)."""

    def step(self, closure: Any = None) -> Any:
        loss = float(closure())
        g = self._gather_flat_grad()
        x0 = self._clone_param()
        n, h = g.size, 1e-6
        hessian = np.empty((n, n))
        for j in range(n):
            self._add_grad(h, np.eye(n)[j])
            closure()
            hessian[:, j] = (self._gather_flat_grad() - g) / h
            self._set_param(x0)
        d = -np.linalg.pinv((hessian + hessian.T) / 2) @ g
        self._add_grad(1.0, d)
        _fake_lbfgs_state(self, loss, g, d, 1.0, n + 1)
        return loss


class WolfeDescent(ref.LBFGS):
    """Gradient descent, d = -g, with torch's first step length and the reference's own strong
    Wolfe line search: every step meets the strong Wolfe conditions."""

    def step(self, closure: Any = None) -> Any:
        group = self.param_groups[0]
        loss = orig = float(closure())
        g = self._gather_flat_grad()
        evals = 1
        for _ in range(group["max_iter"]):
            d = -g
            first = self.state[self._params[0]].get("n_iter", 0) == 0
            t = min(1.0, 1.0 / float(np.sum(np.abs(g)))) * group["lr"] if first else group["lr"]
            x = self._clone_param()

            def evaluate(x: Any, t: float, d: np.ndarray) -> tuple[float, np.ndarray]:
                return self._directional_evaluate(closure, x, t, d)

            before = loss
            loss, g_new, t, n = ref._strong_wolfe(evaluate, x, t, d, loss, g, float(g @ d))
            self._add_grad(t, d)
            _fake_lbfgs_state(self, before, g, d, t, evals + n)
            g, evals = g_new, 0
        return orig


def test_a_direct_solve_fails_every_lbfgs_case() -> None:
    found = messages(module_with(LBFGS=NewtonLBFGS), item("LBFGS"))
    for name in ("converges-fixed-step", "converges-strong_wolfe"):
        assert found[name].startswith("first divergence at call 1")
        assert (
            "the last iterate is the minimiser A^-1 b, but not by torch's iterates" in found[name]
        )


def test_gradient_descent_with_a_strong_wolfe_line_search_fails_every_lbfgs_case() -> None:
    found = messages(module_with(LBFGS=WolfeDescent), item("LBFGS"))
    for problem in ("rosenbrock", "logistic", "quadratic"):
        message = found[f"strong-wolfe-{problem}"]
        assert message.startswith("first divergence at call 2"), message
        assert "every call's step meets the strong Wolfe conditions, but is not torch's" in message


def test_the_minimiser_note_says_when_the_run_missed_it_too() -> None:
    it = item("LBFGS")
    case = next(c for c in all_cases(it) if c.name == "converges-fixed-step")
    expected = it.oracle(case, "cpu")
    got = {k: np.asarray(v).copy() for k, v in expected.items()}
    got["p0"][1:] += 0.1  # off torch's iterates after the first call, and off the minimiser
    v = it.check(expected, got, it.tolerance, "cpu", case.data)
    assert not v.passed
    assert v.message.startswith("first divergence at call 2: parameter 0")
    assert v.message.endswith("(and the last iterate is not the minimiser A^-1 b)")


MALFORMED = {
    "t-per-call-a-pair": lambda got: {**got, "p0__t": np.stack([got["p0__t"]] * 2, axis=1)},
    "t-as-text": lambda got: {**got, "p0__t": got["p0__t"].astype(str)},
    "d-missing": lambda got: {k: v for k, v in got.items() if k != "p0__d"},
    "p-one-more-axis": lambda got: {**got, "p0": got["p0"][..., None]},
    "p-a-scalar": lambda got: {**got, "p0": np.array(1.0)},
}


@pytest.mark.parametrize("form", MALFORMED)
@pytest.mark.parametrize("name", ["strong-wolfe-quadratic", "converges-fixed-step"])
def test_an_explanation_never_turns_malformed_outputs_into_a_grader_error(
    name: str, form: str
) -> None:
    """The notes explain a failing L-BFGS case from the student's outputs: outputs of another
    shape or type (a submission can rewrite what its child returns) fail the case with no
    note, and never raise (an exception in a check is the grader's error, not the student's)."""
    it = item("LBFGS")
    case = next(c for c in all_cases(it) if c.name == name)
    expected = it.oracle(case, "cpu")
    got = {k: np.asarray(v).copy() for k, v in expected.items()}
    got["p0"][1:] += 0.1
    v = it.check(expected, MALFORMED[form](got), it.tolerance, "cpu", case.data)
    assert not v.passed
    assert "Wolfe" not in v.message
    if form.startswith("p-"):
        assert "minimiser" not in v.message


# ---------------------------------------------------------------------------------------------
# the Optimizer API: torch's semantics
# ---------------------------------------------------------------------------------------------
def _state_only_step(self: Any, closure: Any = None) -> Any:
    """Creates the state entries torch keeps (zeros) and never moves a parameter."""
    loss = None if closure is None else closure()
    for group in self.param_groups:
        for p in group["params"]:
            if p.grad is not None:
                state = self.state[p]
                for key in ("step", "eta", "mu"):
                    state.setdefault(key, 0.0)
                for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq", "momentum_buffer"):
                    state.setdefault(key, np.zeros_like(p.data))
                for key in ("square_avg", "grad_avg", "ax"):
                    state.setdefault(key, np.zeros_like(p.data))
    return loss


def _classes(**methods: Any) -> dict[str, type]:
    """The reference's optimizers with ``methods`` replaced."""
    names = ("SGD", "Adam", "RMSprop", "ASGD")
    return {n: type(n, (getattr(ref, n),), dict(methods)) for n in names}


def test_torch_state_keys_without_torch_state_fail_state_dict_and_add_param_group() -> None:
    """Consistent with itself (it resumes exactly as it would have gone on), not with torch."""
    module = module_with(**_classes(step=_state_only_step))
    found = messages(module, item("Optimizer.state_dict"))
    assert found["sgd-momentum"].startswith("state_dict()['state'][0]['momentum_buffer']: ")
    assert found["adam-amsgrad-two-groups"].startswith("state_dict()['state'][0]['step']: ")
    it = item("Optimizer.add_param_group")
    for case in all_cases(it):
        if case.spec["mode"] == "add_param_group":
            v = verdict(module, it, case)
            assert v.message.startswith("first divergence at step 6: state["), v.message


def test_a_state_dict_that_aliases_the_live_state_fails_the_snapshot() -> None:
    def state_dict(self: Any) -> dict[str, Any]:
        index = {id(p): i for i, p in enumerate(p for g in self.param_groups for p in g["params"])}
        groups = [
            {**{k: v for k, v in g.items() if k != "params"}, "params": [index[id(p)] for p in ps]}
            for g, ps in ((g, g["params"]) for g in self.param_groups)
        ]
        return {"state": {index[id(p)]: s for p, s in self.state.items()}, "param_groups": groups}

    found = messages(module_with(**_classes(state_dict=state_dict)), item("Optimizer.state_dict"))
    assert found["sgd-momentum"].startswith(
        "state_dict()['state'][0]['momentum_buffer'] should have stayed unchanged while stepping"
    )


def test_load_state_dict_onto_copies_of_the_parameters_fails() -> None:
    def load_state_dict(self: Any, state_dict: dict[str, Any]) -> None:
        ref.Optimizer.load_state_dict(self, state_dict)
        self.param_groups = copy.deepcopy(self.param_groups)  # the groups hold copies now

    found = messages(
        module_with(**_classes(load_state_dict=load_state_dict)), item("Optimizer.state_dict")
    )
    for message in found.values():
        assert message.startswith("after load_state_dict, each group Parameter's position")
        assert ": -1 vs " in message


def test_an_added_group_of_copies_never_steps_and_fails() -> None:
    def add_param_group(self: Any, group: dict[str, Any]) -> None:
        ref.Optimizer.add_param_group(self, copy.deepcopy(group))

    module = module_with(**_classes(add_param_group=add_param_group))
    it = item("Optimizer.add_param_group")
    case = next(c for c in all_cases(it) if c.name == "sgd-new-lr")
    message = verdict(module, it, case).message
    assert message.startswith("state has no entry for parameter 2 after step 6"), message


def test_an_add_param_group_that_always_raises_fails_the_overlap_case() -> None:
    def add_param_group(self: Any, group: dict[str, Any]) -> None:
        raise ValueError("some parameters appear in more than one parameter group")

    it = item("Optimizer.add_param_group")
    case = cases.OVERLAP
    with pytest.raises(ValueError):  # the disjoint group must be accepted first
        outputs(module_with(**_classes(add_param_group=add_param_group)), it, case)
    expected = it.oracle(case, "cpu")
    run = CaseRun(ok=False, error="ValueError: some parameters appear in more than one group")
    assert not judge.judge_case(it, case, run, expected, "cpu", "").passed


def test_an_overlapping_group_must_add_nothing() -> None:
    def add_param_group(self: Any, group: dict[str, Any]) -> None:
        self.param_groups.append({**self.defaults, **group, "params": list(group["params"])})
        params = [p for g in self.param_groups for p in g["params"]]
        if len(set(params)) < len(params):  # checked after appending
            raise ValueError("some parameters appear in more than one parameter group")

    it = item("Optimizer.add_param_group")
    v = verdict(module_with(**_classes(add_param_group=add_param_group)), it, cases.OVERLAP)
    assert v.message.startswith("the number of param_groups after the overlapping add_param_group")


def test_a_structural_problem_never_passes() -> None:
    got = {"problem": np.array("state has no entry for parameter 0 after step 1")}
    v = checks.check_optimizer({}, got, "loose", "cpu", {"check": "api"})
    assert not v.passed and v.message.startswith("state has no entry")


# ---------------------------------------------------------------------------------------------
# what a closure handed to student code can reach
# ---------------------------------------------------------------------------------------------
def _reachable(root: object) -> dict[int, object]:
    """Every object reachable from ``root`` through references, short of modules (their
    dictionaries included) and classes: the program's global state, not the case's."""
    module_dicts = {id(vars(m)) for m in list(sys.modules.values()) if m is not None}
    seen: dict[int, object] = {}
    todo = [root]
    while todo:
        obj = todo.pop()
        if id(obj) in seen or id(obj) in module_dicts or isinstance(obj, types.ModuleType | type):
            continue
        seen[id(obj)] = obj
        todo.extend(gc.get_referents(obj))
    return seen


def _containers(value: Any, skip: object) -> dict[int, object]:
    """The dicts, lists, tuples and arrays inside ``value``, short of ``skip``'s subtree."""
    empty_tuple = isinstance(value, tuple) and not value  # the shared singleton ()
    if value is skip or empty_tuple or not isinstance(value, dict | list | tuple | np.ndarray):
        return {}
    found: dict[int, object] = {id(value): value}
    children = value.values() if isinstance(value, dict) else value
    if not isinstance(value, np.ndarray):
        for child in children:
            found.update(_containers(child, skip))
    return found


class Grab:
    """An "optimizer" that keeps the closure it is given and calls it once."""

    taken: ClassVar[list[Any]] = []

    def __init__(self, params: Any, **kwargs: Any) -> None:
        self.state: dict[Any, Any] = {}

    def step(self, closure: Any = None) -> Any:
        Grab.taken.append(closure)
        return closure()


def _closure_cases() -> list[Case]:
    rng = np.random.default_rng(0)
    objective, mlp = cases.objective_source("logistic", rng), cases.objective_source("mlp", rng)
    fixed = cases.random_source(rng)
    return [
        cases.lbfgs_case("lbfgs-objective", cases.C.CORRECTNESS, {}, objective),
        cases.trajectory_case("SGD", "objective", cases.C.GRADIENT, {}, mlp, closure=True),
        cases.trajectory_case("SGD", "fixed-gradients", cases.C.GRADIENT, {}, fixed, closure=True),
    ]


@pytest.mark.parametrize("case", _closure_cases(), ids=lambda c: c.name)
def test_a_closure_reaches_the_parameters_and_the_loss_nothing_else_of_the_case(case: Case) -> None:
    fields = {"args": case.args, "kwargs": case.kwargs, **case.spec, "record": [], "steps": 1}
    Grab.taken.clear()
    driver.run(types.SimpleNamespace(Parameter=ref.Parameter, Grab=Grab), "Grab", fields)
    (closure,) = Grab.taken
    reach = _reachable(closure)
    forbidden = _containers(fields, skip=fields.get("objective_data"))
    assert not set(reach) & set(forbidden)
    params = [p for p in reach.values() if isinstance(p, ref.Parameter)]
    assert len(params) == len(case.spec["init"])
    if "objective_data" in fields:  # the loss's data is the one thing of the case it holds
        assert id(fields["objective_data"]) in reach
