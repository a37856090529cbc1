"""torch's side of the optimizer items: ``torch.optim.<Name>`` (float64, ``foreach=False``)
run exactly as the ``optim`` driver runs the student's class, recording the same entries.

Trajectories: the parameters and every state entry torch keeps, after every step (``p<i>``,
``p<i>__<key>``; L-BFGS also the loss ``step(closure)`` returned and the closure evaluations).
The API items: ``state_dict()``'s structure and saved state after N steps, the hyperparameters
and parameters a fresh optimizer holds after ``load_state_dict``, the resumed run, and the
groups and trajectory after ``add_param_group`` -- all torch's, so an optimizer is judged on
torch's semantics, never against its own run.  Only torch's public API is used.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from graders import objectives, oracle
from graders.registry import Case
from graders.registry.optimizers.cases import L, S

#: torch optimizers without a ``foreach`` switch.
NO_FOREACH = frozenset({"SparseAdam", "LBFGS"})
Record = list[list[list[str]]]


# ================================================================================ torch
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


def torch_optimizer(name: str, params: Any, kwargs: dict[str, Any]) -> Any:
    """``torch.optim.<name>(params, **kwargs)``, ``foreach=False`` where torch has the switch."""
    t = oracle.torch()
    extra = {} if name in NO_FOREACH else {"foreach": False}
    return getattr(t.optim, name)(params, **kwargs, **extra)


def torch_arg(ts: list[Any], groups: list[dict[str, Any]] | None) -> Any:
    """The ``params`` argument: the tensors, or group dicts naming them by position."""
    if not groups:
        return list(ts)
    return [
        {**{k: v for k, v in g.items() if k != "params"}, "params": [ts[i] for i in g["params"]]}
        for g in groups
    ]


def leaves(arrays: list[np.ndarray], device: str) -> list[Any]:
    """Float64 leaf tensors that require grad: the parameters."""
    return [oracle.tensor(a, device, requires_grad=True) for a in arrays]


def set_fixed_grads(ts: list[Any], grads: list[np.ndarray], k: int, none: set[int]) -> None:
    """Step ``k``'s fixed gradients (``grads[i][k]``); ``None`` for the parameters in ``none``."""
    for i, p in enumerate(ts):
        p.grad = None if i in none else oracle.tensor(grads[i][k], str(p.device))


# ================================================================================ recording
def value(v: Any, kind: str) -> Any:
    """A recorded state value: a detached copy of a tensor, else a float (lists: their length)."""
    t = oracle.torch()
    if kind == L:
        return float(len(v))
    if t.is_tensor(v):
        return v.detach().clone()
    return float(v)


def as_array(v: Any) -> np.ndarray:
    """A recorded value as a float64 NumPy array."""
    t = oracle.torch()
    if t.is_tensor(v):
        return np.asarray(v.cpu().numpy(), dtype=np.float64)
    return np.asarray(float(v), dtype=np.float64)


def entries(state_of: Callable[[int], Any], record: Record, prefix: str) -> dict[str, Any]:
    """``{prefix}{i}__{key}`` for every ``[key, kind]`` of ``record[i]``, read from
    ``state_of(i)`` (a parameter's state dict)."""
    out: dict[str, Any] = {}
    for i, keys in enumerate(record):
        state = state_of(i) if keys else {}
        for key, kind in keys:
            if key not in state:
                raise AssertionError(f"torch has no state '{key}' for parameter {i} (registry bug)")
            out[f"{prefix}{i}__{key}"] = value(state[key], kind)
    return out


def snapshot(opt: Any, ts: list[Any], record: Record, prefix: str = "p") -> dict[str, Any]:
    """The recorded state entries of ``opt``, then its parameters (``{prefix}{i}``)."""
    out = entries(lambda i: opt.state.get(ts[i], {}), record, prefix)
    out.update({f"{prefix}{i}": p.detach().clone() for i, p in enumerate(ts)})
    return out


class Rows:
    """Recorded values, step by step, stacked per name at the end."""

    def __init__(self) -> None:
        self.rows: dict[str, list[Any]] = {}

    def add(self, values: dict[str, Any]) -> None:
        for name, v in values.items():
            self.rows.setdefault(name, []).append(v)

    def stacked(self, names: list[str]) -> dict[str, np.ndarray]:
        """Each of ``names`` stacked over steps on axis 0, as float64."""
        return {name: np.stack([as_array(v) for v in self.rows[name]]) for name in names}


def recorded(spec: dict[str, Any], prefix: str = "p") -> list[str]:
    """What a run records each step, in the order the check looks at them: state entries
    before the parameters (at one step the check names a state entry that diverged before the
    parameter it moved), then the returned loss and the evaluation count."""
    names = [f"{prefix}{i}__{key}" for i, keys in enumerate(spec["record"]) for key, _ in keys]
    names += [f"{prefix}{i}__has_state" for i in spec.get("skipped") or []]
    names += [f"{prefix}{i}" for i in range(len(spec["init"]))]
    if spec.get("closure") or spec.get("mode") == "lbfgs":
        names.append("loss")
    if spec.get("mode") == "lbfgs":
        names.append("evaluations")
    return names


# ================================================================================ trajectories
def _objective(name: str, data: dict[str, Any], device: str) -> Callable[..., Any]:
    """The objective's value in torch (the very formula the sandbox evaluates in NumPy)."""
    t = oracle.torch()
    d = {k: oracle.tensor(v, device) for k, v in data.items()}
    return lambda ts, k: objectives.value(name, ts, k, d, t)


class TorchRun:
    """torch's side of a trajectory: parameters, gradient source and recorded entries."""

    def __init__(self, name: str, case: Case, device: str) -> None:
        spec = case.spec
        self.name, self.spec = name, spec
        self.ts = leaves(spec["init"], device)
        self.opt = torch_optimizer(name, torch_arg(self.ts, spec.get("groups")), case.kwargs)
        self.none = set(spec.get("none_grad") or [])
        self.loss = (
            _objective(spec["objective"], spec["objective_data"], device)
            if spec.get("objective")
            else None
        )
        self.rows = Rows()
        self.evals = 0

    def set_grads(self, k: int) -> Any:
        """Set every ``.grad`` for step ``k``; return the loss (or None for fixed gradients)."""
        t = oracle.torch()
        if self.loss is None:
            set_fixed_grads(self.ts, self.spec["grads"], k, self.none)
            grads = [p.grad for p in self.ts]
            loss = None
        else:
            loss = self.loss(self.ts, k)
            loss = -loss if self.spec.get("negate") else loss
            grads = list(t.autograd.grad(loss, self.ts, allow_unused=True))
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

    def snapshot(self, loss: Any) -> None:
        values = snapshot(self.opt, self.ts, self.spec["record"])
        for i in self.spec.get("skipped") or []:
            values[f"p{i}__has_state"] = float(len(self.opt.state.get(self.ts[i], {})) > 0)
        if loss is not None:
            values["loss"] = value(loss, S)
        if self.spec["mode"] == "lbfgs":
            values["evaluations"] = float(self.evals)
        self.rows.add(values)

    def step(self, k: int) -> Any:
        """Step ``k``: ``step(closure)`` (L-BFGS, closure cases) or grads then ``step()``."""
        if self.spec["mode"] == "lbfgs":
            return torch_step(self.opt, self.closure(0))
        if self.spec.get("closure"):
            return torch_step(self.opt, self.closure(k))
        self.set_grads(k)
        torch_step(self.opt)
        return None

    def run(self) -> dict[str, np.ndarray]:
        for k in range(int(self.spec["steps"])):
            self.snapshot(self.step(k))
        return self.rows.stacked(recorded(self.spec))


def trajectory_oracle(name: str, case: Case, device: str) -> dict[str, Any]:
    """torch's trajectory of a trajectory or L-BFGS case."""
    with torch_session():
        return TorchRun(name, case, device).run()


# ================================================================================ the API
def _hyper(group: dict[str, Any], keys: list[str]) -> list[float]:
    return [float(v) for k in keys for v in np.ravel(np.asarray(group[k], dtype=float))]


def _structure(sd: dict[str, Any], keys: list[str]) -> dict[str, np.ndarray]:
    """A state dict's 'state' keys, its groups' parameter positions and hyperparameters."""
    groups = sd["param_groups"]
    return {
        "sd_state_index": np.array(sorted(sd["state"]), dtype=np.float64),
        "sd_group_params": np.array([i for g in groups for i in g["params"]], dtype=np.float64),
        "sd_group_sizes": np.array([len(g["params"]) for g in groups], dtype=np.float64),
        "sd_hyper": np.array([_hyper(g, keys) for g in groups]),
    }


def _fixed_steps(opt: Any, ts: list[Any], spec: dict[str, Any], ks: range, none: set[int]) -> None:
    for k in ks:
        set_fixed_grads(ts, spec["grads"], k, none)
        torch_step(opt)


def _resumed(opt: Any, ts: list[Any], spec: dict[str, Any], ks: range, prefix: str) -> Rows:
    """Steps ``ks`` on fixed gradients (every parameter's), ``spec["record"]`` after each."""
    rows = Rows()
    for k in ks:
        set_fixed_grads(ts, spec["grads"], k, set())
        torch_step(opt)
        rows.add(snapshot(opt, ts, spec["record"], prefix))
    return rows


def state_dict_oracle(case: Case, device: str) -> dict[str, Any]:
    """torch's ``state_dict()`` after ``before`` steps (structure and saved state), what a fresh
    optimizer built with ``kwargs2`` holds after loading it (a deep copy: a checkpoint), and
    that optimizer's parameters over the next ``after`` steps.  ``kept_*`` is the saved state
    again: the dict ``state_dict()`` returns holds copies (the course's contract; torch's shares
    its live tensors)."""
    spec = case.spec
    name, groups, before = spec["optimizer"], spec.get("groups"), int(spec["before"])
    with torch_session():
        ts = leaves(spec["init"], device)
        opt = torch_optimizer(name, torch_arg(ts, groups), case.kwargs)
        _fixed_steps(opt, ts, spec, range(before), set(spec.get("none_grad") or []))
        sd = opt.state_dict()
        saved = entries(lambda i: sd["state"].get(i, {}), spec["saved"], "")
        ts2 = [p.detach().clone().requires_grad_(True) for p in ts]
        opt2 = torch_optimizer(name, torch_arg(ts2, groups), spec["kwargs2"])
        opt2.load_state_dict(copy.deepcopy(sd))
        loaded_hyper = np.array([_hyper(g, spec["hyper_keys"]) for g in opt2.param_groups])
        loaded = [next(j for j, q in enumerate(ts2) if q is p) for p in _params(opt2)]
        ks = range(before, before + int(spec["after"]))
        rows = _resumed(opt2, ts2, spec, ks, "resumed_p")
    out: dict[str, Any] = _structure(sd, spec["hyper_keys"])
    out.update({f"saved_p{n}": as_array(v) for n, v in saved.items()})
    out["loaded_hyper"] = loaded_hyper
    out["loaded_params"] = np.array(loaded, dtype=np.float64)
    out.update({f"kept_p{n}": as_array(v) for n, v in saved.items()})
    out.update(rows.stacked(recorded(spec, "resumed_p")))
    return out


def _params(opt: Any) -> list[Any]:
    return [p for g in opt.param_groups for p in g["params"]]


def _overlap_oracle(case: Case, device: str) -> dict[str, Any]:
    """A disjoint group is added, then one overlapping the first: torch raises ValueError
    and keeps its two groups."""
    spec = case.spec
    with torch_session():
        ts = leaves(spec["init"], device)
        opt = torch_optimizer(spec["optimizer"], [ts[i] for i in spec["first"]], case.kwargs)
        opt.add_param_group({"params": [ts[i] for i in spec["added"]]})
        n_groups = float(len(opt.param_groups))
        try:
            opt.add_param_group({"params": [ts[i] for i in spec["overlap"]]})
        except ValueError:
            raised = "ValueError"
        else:
            raise AssertionError("torch accepted an overlapping group (registry bug)")
    return {
        "n_groups": np.asarray(n_groups),
        "raised": np.array([raised]),
        "n_groups_after": np.asarray(float(len(opt.param_groups))),
    }


def add_param_group_oracle(case: Case, device: str) -> dict[str, Any]:
    """torch's group count, the added group's hyperparameters (defaults filled in) and every
    parameter and state entry over the ``after`` steps that follow the addition."""
    spec = case.spec
    if spec["mode"] == "overlap":
        return _overlap_oracle(case, device)
    before = int(spec["before"])
    with torch_session():
        ts = leaves(spec["init"], device)
        opt = torch_optimizer(spec["optimizer"], [ts[i] for i in spec["first"]], case.kwargs)
        _fixed_steps(opt, ts, spec, range(before), set())
        group = [ts[i] for i in spec["added"]]
        added = {"params": group[0] if spec.get("single") else group, **spec["group_hyper"]}
        opt.add_param_group(added)
        out: dict[str, Any] = {
            "n_groups": np.asarray(float(len(opt.param_groups))),
            "added_hyper": np.array(_hyper(opt.param_groups[-1], spec["hyper_keys"])),
        }
        rows = _resumed(opt, ts, spec, range(before, before + int(spec["after"])), "p")
    out.update(rows.stacked(recorded(spec)))
    return out


def zero_grad_oracle(case: Case, device: str) -> dict[str, Any]:
    """torch's grads after ``zero_grad`` (NaN where None), which are None, and which in place."""
    spec = case.spec
    with torch_session():
        ts = leaves(spec["init"], device)
        for p, g in zip(ts, spec["grads"], strict=True):
            p.grad = None if g is None else oracle.tensor(g, device)
        before = [p.grad for p in ts]
        opt = torch_optimizer("SGD", torch_arg(ts, spec.get("groups")), case.kwargs)
        opt.zero_grad(**spec["zero_kwargs"])
    out: dict[str, Any] = {
        f"grad_p{i}": np.full(tuple(p.shape), np.nan) if p.grad is None else oracle.numpy(p.grad)
        for i, p in enumerate(ts)
    }
    out["grad_is_none"] = np.array([float(p.grad is None) for p in ts])
    if spec.get("in_place"):
        out["in_place"] = np.array(
            [
                float(p.grad is b) if b is not None and p.grad is not None else np.nan
                for p, b in zip(ts, before, strict=True)
            ]
        )
    return out
