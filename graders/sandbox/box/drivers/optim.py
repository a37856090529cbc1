"""Driver ``optim``: run a student's optimizer step by step and record what it did.

``case["mode"]`` picks what happens; every mode builds ``module.Parameter(array)`` objects from
``case["init"]`` and the optimizer ``getattr(module, case.get("optimizer", function))`` from
``case["kwargs"]`` (one group) or ``case["groups"]`` (``[{"params": [indices], **hyper}]``).

* ``trajectory`` -- ``case["steps"]`` calls of ``step()``.  Before each, every ``grad`` is set
  from the gradient source: ``case["grads"]`` (one array of shape ``(steps, *shape)`` per
  parameter, a fixed sequence) or ``case["objective"]`` (a name of ``objectives.OBJECTIVES``, its
  ``case["objective_data"]`` and ``case["negate"]``: the NumPy gradient at the student's *own*
  current parameters).  Parameters listed in ``case["none_grad"]`` keep ``grad = None``.  With
  ``case["closure"]`` the gradient is set inside a closure passed to ``step(closure)`` and the
  returned loss is recorded.  After every step: ``p<i>`` (the parameter) and ``p<i>__<key>``
  for each ``[key, kind]`` of ``case["record"][i]`` (``kind``: ``array`` of the parameter's
  shape, ``flat`` of all parameters' total size, ``scalar``, ``length`` of a list), and
  ``p<i>__has_state`` for the parameters of ``case["skipped"]``.  Each is stacked over steps
  on axis 0, one output each.
* ``lbfgs`` -- ``case["steps"]`` calls of ``step(closure)`` on an objective; records as above
  plus ``loss`` (what ``step`` returned) and ``evaluations`` (closure calls so far).
* ``state_dict`` -- ``case["before"]`` steps, ``sd = opt.state_dict()``; a fresh optimizer
  on copied parameters, built with ``case["kwargs2"]``, loads ``sd``; the original and the
  resumed optimizer then take ``case["after"]`` steps on the same gradients.  Outputs, raw:
  ``sd``'s structure (``sd_state_index``, ``sd_group_params``, ``sd_group_sizes``,
  ``sd_hyper``), the values ``sd["state"][i][key]`` for each ``[key, kind]`` of
  ``case["saved"][i]`` when saved (``saved_p<i>__<key>``) and again after the steps
  (``kept_p<i>__<key>``), the loaded groups' hyperparameters (``loaded_hyper``) and where their
  Parameters sit among the new optimizer's own (``loaded_params``, by identity, -1: none of
  them), and the resumed run recorded as a trajectory with prefix ``resumed_p``.
* ``add_param_group`` -- ``case["before"]`` steps on the ``case["first"]`` parameters, a group
  of the ``case["added"]`` ones (one bare Parameter with ``case["single"]``) with
  ``case["group_hyper"]`` is added, ``case["after"]`` more steps recorded as a trajectory;
  outputs also ``n_groups`` and the added group's hyperparameters (``added_hyper``).
* ``overlap`` -- a disjoint group is added (it must work), then one overlapping the first:
  ``n_groups`` before, the class names of what it raised (``raised``), ``n_groups_after``.
* ``zero_grad`` -- ``zero_grad(**case["zero_kwargs"])`` after setting ``case["grads"]``.

Nothing is compared here: the grader compares every output with torch's.  A recorded state
entry that is missing (trajectories), or any value of the wrong type or shape, stops the run and
comes back as the output ``problem`` (a sentence for the student, never a pass); the student's
own exceptions propagate.
Standalone: the standard library and NumPy only.
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    from graders import objectives
except ImportError:  # in a sandbox session, a copy beside the box package
    import objectives  # type: ignore[no-redef]

Grads = list[Any]


class Problem(Exception):
    """Something the student's optimizer got structurally wrong; becomes the ``problem`` output."""


def evaluate(case: dict[str, Any], xs: list[np.ndarray], k: int) -> tuple[float, Grads]:
    """Loss and gradients of the case's objective at ``xs`` (negated if ``case["negate"]``)."""
    name, data = case["objective"], case.get("objective_data") or {}
    loss, grads = float(objectives.value(name, xs, k, data)), objectives.grad(name, xs, k, data)
    if case.get("negate"):
        return -loss, [None if g is None else -g for g in grads]
    return loss, grads


# ------------------------------------------------------------------------------ building
def _where(i: int, when: str) -> str:
    return f"for parameter {i} {when}"


def _scalar_as_array(value: Any, shape: tuple[int, ...]) -> Any:
    """A NumPy scalar (what arithmetic on a 0-d array gives) counts as a 0-d array."""
    if shape == () and isinstance(value, np.generic) and type(value).__module__ == "numpy":
        return np.asarray(value)
    return value


def _data(p: Any, i: int, shape: tuple[int, ...], when: str) -> np.ndarray:
    value = _scalar_as_array(getattr(p, "data", None), shape)
    if not isinstance(value, np.ndarray):
        raise Problem(f"parameter {i}'s .data is {type(value).__name__} {when}, expected ndarray")
    if value.shape != shape:
        raise Problem(f"parameter {i}'s .data has shape {value.shape} {when}, expected {shape}")
    return np.array(value, dtype=np.float64)


def _make_params(module: Any, init: list[np.ndarray]) -> list[Any]:
    return [module.Parameter(np.array(a, dtype=np.float64)) for a in init]


def _arg(params: list[Any], groups: list[dict[str, Any]] | None) -> Any:
    """The ``params`` argument: a list of parameters, or of group dicts."""
    if not groups:
        return list(params)
    return [
        {
            **{k: v for k, v in g.items() if k != "params"},
            "params": [params[i] for i in g["params"]],
        }
        for g in groups
    ]


def _optimizer_class(module: Any, function: str, case: dict[str, Any]) -> Any:
    return getattr(module, case.get("optimizer") or function)


def _set_grads(params: list[Any], grads: Grads, none: set[int]) -> None:
    for i, (p, g) in enumerate(zip(params, grads, strict=True)):
        p.grad = None if (g is None or i in none) else np.array(g, dtype=np.float64)


def _fixed(case: dict[str, Any], k: int) -> Grads:
    return [np.array(g[k], dtype=np.float64) for g in case["grads"]]


def _grads_at(case: dict[str, Any], params: list[Any], k: int, shapes: list[Any]) -> Grads:
    """The gradients to use before step ``k`` (fixed, or the objective's at the parameters)."""
    if case.get("objective"):
        xs = [_data(p, i, shapes[i], f"before step {k + 1}") for i, p in enumerate(params)]
        return evaluate(case, xs, k)[1]
    return _fixed(case, k)


# ------------------------------------------------------------------------------ recording
def _state_of(opt: Any, p: Any, i: int, when: str) -> Any:
    state = getattr(opt, "state", None)
    if state is None or not hasattr(state, "__contains__") or not hasattr(state, "__getitem__"):
        raise Problem("the optimizer has no dict 'state' (it must map each Parameter to a dict)")
    if p not in state:
        raise Problem(f"state has no entry {_where(i, when)} (state is keyed by the Parameter)")
    entry = state[p]
    if not hasattr(entry, "__contains__") or not hasattr(entry, "__getitem__"):
        raise Problem(f"state[parameter {i}] is {type(entry).__name__}, expected a dict")
    return entry


def _convert(value: Any, kind: str, shape: tuple[int, ...], what: str) -> np.ndarray:
    """A state value as a float64 array; Problem if its type or shape is wrong."""
    if kind == "length":
        if not isinstance(value, (list, tuple)):
            raise Problem(f"{what} is {type(value).__name__}, expected a list")
        return np.asarray(float(len(value)))
    if kind == "scalar":
        ok = isinstance(value, (int, float, np.integer, np.floating, np.ndarray))
        arr = np.asarray(value) if ok and not isinstance(value, bool) else None
        if arr is None or arr.size != 1 or arr.ndim > 1 or arr.dtype.kind not in "iuf":
            raise Problem(
                f"{what} is {type(value).__name__} {getattr(value, 'shape', '')}, "
                "expected a real number".replace(" ,", ",")
            )
        return np.asarray(float(arr.reshape(())), dtype=np.float64)
    value = _scalar_as_array(value, shape)
    if not isinstance(value, np.ndarray):
        raise Problem(f"{what} is {type(value).__name__}, expected a numpy array of shape {shape}")
    if value.shape != shape:
        raise Problem(f"{what} has shape {value.shape}, expected {shape}")
    if value.dtype.kind not in "iuf":
        raise Problem(f"{what} has dtype {value.dtype}, expected float64")
    return np.array(value, dtype=np.float64)


class Recorder:
    """Per-step snapshots of parameters and state entries, stacked at the end."""

    def __init__(self, case: dict[str, Any], shapes: list[tuple[int, ...]]) -> None:
        self.record: list[list[list[str]]] = case.get("record") or [[] for _ in shapes]
        self.skipped: list[int] = list(case.get("skipped") or [])
        self.shapes = shapes
        self.flat = (int(sum(int(np.prod(s)) for s in shapes)),)
        self.rows: dict[str, list[np.ndarray]] = {}

    def add(self, name: str, value: np.ndarray) -> None:
        self.rows.setdefault(name, []).append(value)

    def snapshot(self, opt: Any, params: list[Any], when: str, prefix: str = "p") -> None:
        for i, p in enumerate(params):
            self.add(f"{prefix}{i}", _data(p, i, self.shapes[i], when))
        for i, entries in enumerate(self.record):
            if not entries:
                continue
            state = _state_of(opt, params[i], i, when)
            for key, kind in entries:
                if key not in state:
                    raise Problem(f"state has no '{key}' {_where(i, when)}")
                shape = self.flat if kind == "flat" else self.shapes[i]
                what = f"state['{key}'] {_where(i, when)}"
                self.add(f"{prefix}{i}__{key}", _convert(state[key], kind, shape, what))
        for i in self.skipped:
            state = getattr(opt, "state", {})
            has = params[i] in state and len(state[params[i]]) > 0
            self.add(f"{prefix}{i}__has_state", np.asarray(float(has)))

    def outputs(self) -> dict[str, np.ndarray]:
        return {name: np.stack(rows) for name, rows in self.rows.items()}


# ------------------------------------------------------------------------------ modes
def _loss(value: Any, when: str) -> np.ndarray:
    if value is None:
        raise Problem(f"step(closure) returned None {when}; it must return the closure's loss")
    return _convert(value, "scalar", (), f"the loss step(closure) returned {when}")


class Closure:
    """What ``step(closure)`` gets: re-evaluate the loss at the current parameters and set their
    gradients, as a training loop's closure does.  It holds the parameters and the loss (the
    objective and its data, or step ``k``'s fixed gradients), nothing else of the case, and
    counts its calls."""

    def __init__(self, params: list[Any], loss: Any, none: set[int]) -> None:
        self.params, self.loss, self.none, self.calls = params, loss, none, 0

    def __call__(self) -> float:
        self.calls += 1
        loss, grads = self.loss([np.array(p.data) for p in self.params])
        _set_grads(self.params, grads, self.none)
        return loss


def _loss_at(case: dict[str, Any], k: int) -> Any:
    """Step ``k``'s loss function of the parameters: the objective's, or the fixed gradients
    (then the 'loss' is k)."""
    if case.get("objective"):
        objective = {key: case.get(key) for key in ("objective", "objective_data", "negate")}
        return lambda xs: evaluate(objective, xs, k)
    grads = _fixed(case, k)
    return lambda xs: (float(k), grads)


def trajectory(module: Any, function: str, case: dict[str, Any]) -> dict[str, np.ndarray]:
    shapes = [tuple(np.shape(a)) for a in case["init"]]
    params = _make_params(module, case["init"])
    opt = _optimizer_class(module, function, case)(
        _arg(params, case.get("groups")), **case.get("kwargs", {})
    )
    rec = Recorder(case, shapes)
    none = set(case.get("none_grad") or [])
    for k in range(int(case["steps"])):
        if case.get("closure"):
            closure = Closure(params, _loss_at(case, k), none)
            rec.add("loss", _loss(opt.step(closure), f"at step {k + 1}"))
        else:
            _set_grads(params, _grads_at(case, params, k, shapes), none)
            opt.step()
        rec.snapshot(opt, params, f"after step {k + 1}")
    return rec.outputs()


def lbfgs(module: Any, function: str, case: dict[str, Any]) -> dict[str, np.ndarray]:
    shapes = [tuple(np.shape(a)) for a in case["init"]]
    params = _make_params(module, case["init"])
    opt = _optimizer_class(module, function, case)(list(params), **case.get("kwargs", {}))
    rec = Recorder(case, shapes)
    closure = Closure(params, _loss_at(case, 0), set())
    for k in range(int(case["steps"])):
        rec.add("loss", _loss(opt.step(closure), f"at call {k + 1}"))
        rec.add("evaluations", np.asarray(float(closure.calls)))
        rec.snapshot(opt, params, f"after call {k + 1}")
    return rec.outputs()


def _hyper(group: Any, keys: list[str], what: str) -> list[float]:
    """The numeric hyperparameters ``keys`` of a group dict (tuples such as betas flattened)."""
    if not isinstance(group, dict):
        raise Problem(f"{what} is {type(group).__name__}, expected a dict")
    out: list[float] = []
    for key in keys:
        if key not in group:
            raise Problem(f"{what} has no '{key}'")
        value = group[key]
        for v in value if isinstance(value, (tuple, list)) else [value]:
            out.append(float(_convert(v, "scalar", (), f"{what}['{key}']")))
    return out


def _build(module: Any, function: str, case: dict[str, Any], params: list[Any], kw: str) -> Any:
    """The case's optimizer over ``params`` (its groups), built with ``case[kw]``."""
    cls = _optimizer_class(module, function, case)
    return cls(_arg(params, case.get("groups")), **case.get(kw, {}))


def _steps(opts: list[Any], params: list[list[Any]], case: dict[str, Any], ks: range) -> None:
    """Steps ``ks`` of each optimizer on the fixed gradients (``case["none_grad"]``: None)."""
    none = set(case.get("none_grad") or [])
    for k in ks:
        for opt, ps in zip(opts, params, strict=True):
            _set_grads(ps, _fixed(case, k), none)
            opt.step()


def _structure(sd: Any, keys: list[str]) -> dict[str, np.ndarray]:
    """What ``state_dict()`` returned, as numbers: its 'state' keys, each group's 'params'
    and hyperparameters.  Problem if it is not a dict of parameter positions."""
    if not isinstance(sd, dict) or set(sd) != {"state", "param_groups"}:
        keys_ = sorted(map(str, sd)) if isinstance(sd, dict) else type(sd).__name__
        raise Problem(f"state_dict() gave {keys_}, expected a dict with 'state' and 'param_groups'")
    try:
        index = sorted(int(i) for i in sd["state"])
        groups = list(sd["param_groups"])
        flat = [int(i) for g in groups for i in g["params"]]
        sizes = [len(g["params"]) for g in groups]
    except (TypeError, ValueError, KeyError) as exc:
        raise Problem(
            "state_dict() must refer to parameters by position: 'state' keyed by int and "
            f"each group's 'params' a list of ints ({type(exc).__name__}: {exc})"
        ) from None
    where = "state_dict()['param_groups']"
    return {
        "sd_state_index": np.array(index, dtype=np.float64),
        "sd_group_params": np.array(flat, dtype=np.float64),
        "sd_group_sizes": np.array(sizes, dtype=np.float64),
        "sd_hyper": np.array([_hyper(g, keys, f"{where}[{j}]") for j, g in enumerate(groups)]),
    }


def _saved(sd_state: Any, case: dict[str, Any], prefix: str, when: str) -> dict[str, np.ndarray]:
    """The values of ``sd_state[i][key]`` for each ``[key, kind]`` of ``case["saved"][i]``, as
    arrays (copies, taken now); entries that are not there are left out."""
    shapes = [tuple(np.shape(a)) for a in case["init"]]
    out: dict[str, np.ndarray] = {}
    for i, keys in enumerate(case["saved"]):
        entry = sd_state.get(i) if isinstance(sd_state, dict) else None
        if not isinstance(entry, dict):
            continue
        for key, kind in keys:
            if key in entry:
                what = f"state_dict()['state'][{i}]['{key}'] {when}"
                out[f"{prefix}{i}__{key}"] = _convert(entry[key], kind, shapes[i], what)
    return out


def _positions(groups: Any, params: list[Any]) -> np.ndarray:
    """Where each Parameter of ``groups`` sits in ``params`` (by identity; -1: not there)."""
    found = [p for g in groups for p in g["params"]]
    return np.array([next((j for j, q in enumerate(params) if q is p), -1) for p in found], float)


def state_dict(module: Any, function: str, case: dict[str, Any]) -> dict[str, np.ndarray]:
    """``before`` steps, ``sd = state_dict()``; a fresh optimizer (``kwargs2``) loads it, then
    the original and the resumed one take ``after`` more steps.  Outputs: ``sd``'s structure,
    its saved state then (``saved_p<i>__<key>``) and after the steps (``kept_...``), the loaded
    groups, and the resumed run (``resumed_p<i>``, ``resumed_p<i>__<key>``)."""
    shapes = [tuple(np.shape(a)) for a in case["init"]]
    params = _make_params(module, case["init"])
    opt = _build(module, function, case, params, "kwargs")
    before, after = int(case["before"]), int(case["after"])
    _steps([opt], [params], case, range(before))
    sd = opt.state_dict()
    out = _structure(sd, list(case["hyper_keys"]))
    out.update(_saved(sd["state"], case, "saved_p", "when saved"))
    params2 = _make_params(module, [np.array(p.data) for p in params])
    opt2 = _build(module, function, case, params2, "kwargs2")
    opt2.load_state_dict(sd)
    keys = list(case["hyper_keys"])
    loaded = [
        _hyper(g, keys, f"param_groups[{j}] after loading") for j, g in enumerate(opt2.param_groups)
    ]
    out["loaded_hyper"] = np.array(loaded)
    out["loaded_params"] = _positions(opt2.param_groups, params2)
    rec = Recorder(case, shapes)
    for k in range(before, before + after):
        _steps([opt, opt2], [params, params2], {**case, "none_grad": []}, range(k, k + 1))
        rec.snapshot(opt2, params2, f"after step {k + 1}", prefix="resumed_p")
    out.update(rec.outputs())
    out.update(_saved(sd["state"], case, "kept_p", f"after {after} more steps"))
    return out


def add_param_group(module: Any, function: str, case: dict[str, Any]) -> dict[str, np.ndarray]:
    """``before`` steps on the ``first`` parameters, ``add_param_group`` (the ``added`` ones,
    one bare Parameter if ``single``, with ``group_hyper``), ``after`` more steps.  Outputs: the
    group count, the added group's hyperparameters, every parameter and state entry after
    each later step."""
    shapes = [tuple(np.shape(a)) for a in case["init"]]
    params = _make_params(module, case["init"])
    opt = _optimizer_class(module, function, case)(
        [params[i] for i in case["first"]], **case.get("kwargs", {})
    )
    before, after = int(case["before"]), int(case["after"])
    _steps([opt], [params], case, range(before))
    added = [params[i] for i in case["added"]]
    opt.add_param_group(
        {"params": added[0] if case.get("single") else added, **case["group_hyper"]}
    )
    out: dict[str, np.ndarray] = {
        "n_groups": np.asarray(float(len(opt.param_groups))),
        "added_hyper": np.array(
            _hyper(opt.param_groups[-1], list(case["hyper_keys"]), "the added group")
        ),
    }
    rec = Recorder(case, shapes)
    for k in range(before, before + after):
        _steps([opt], [params], case, range(k, k + 1))
        rec.snapshot(opt, params, f"after step {k + 1}")
    out.update(rec.outputs())
    return out


def overlap(module: Any, function: str, case: dict[str, Any]) -> dict[str, np.ndarray]:
    """A disjoint group is added (it must work), then one sharing a parameter with the first:
    outputs the group counts and the class names of what the second add raised."""
    params = _make_params(module, case["init"])
    opt = _optimizer_class(module, function, case)(
        [params[i] for i in case["first"]], **case.get("kwargs", {})
    )
    opt.add_param_group({"params": [params[i] for i in case["added"]]})
    out = {"n_groups": np.asarray(float(len(opt.param_groups)))}
    try:
        opt.add_param_group({"params": [params[i] for i in case["overlap"]]})
    except NotImplementedError:
        raise
    except Exception as exc:
        out["raised"] = np.array([c.__name__ for c in type(exc).__mro__])
    else:
        out["raised"] = np.array(["<nothing raised>"])
    out["n_groups_after"] = np.asarray(float(len(opt.param_groups)))
    return out


def zero_grad(module: Any, function: str, case: dict[str, Any]) -> dict[str, np.ndarray]:
    """``zero_grad(**zero_kwargs)`` after setting ``grads``: each grad (NaN for None), which
    are None, and (``in_place``) which are the very array objects they were."""
    shapes = [tuple(np.shape(a)) for a in case["init"]]
    params = _make_params(module, case["init"])
    opt = _build(module, function, case, params, "kwargs")
    _set_grads(params, list(case["grads"]), set())
    arrays = [p.grad for p in params]
    opt.zero_grad(**case.get("zero_kwargs", {}))
    out: dict[str, np.ndarray] = {}
    is_none, same = [], []
    for i, (p, before) in enumerate(zip(params, arrays, strict=True)):
        g = p.grad
        is_none.append(float(g is None))
        same.append(float(g is before) if before is not None and g is not None else np.nan)
        if g is None:
            out[f"grad_p{i}"] = np.full(shapes[i], np.nan)
        else:
            out[f"grad_p{i}"] = _convert(g, "array", shapes[i], f"parameter {i}'s grad")
    out["grad_is_none"] = np.array(is_none)
    if case.get("in_place"):
        out["in_place"] = np.array(same)
    return out


MODES = {
    "trajectory": trajectory,
    "lbfgs": lbfgs,
    "state_dict": state_dict,
    "add_param_group": add_param_group,
    "overlap": overlap,
    "zero_grad": zero_grad,
}


def run(module: Any, function: str, case: dict[str, Any]) -> dict[str, np.ndarray]:
    try:
        return MODES[case.get("mode", "trajectory")](module, function, case)
    except Problem as exc:
        return {"problem": np.array(str(exc))}
