"""Driver ``worked``: the notes' hand-worked examples, rebuilt from the student's own functions.

``function`` names a recipe of :data:`RECIPES` (``case["recipe"]`` may name another one for a
case of the same item); ``case["kwargs"]`` holds the example's numbers (the notes' weights,
logits, targets ... or random ones for hidden cases).  A recipe calls the student's
``activations``, ``losses`` and ``optimizers`` (siblings of the graded module, loaded from the
submission's directory) exactly where the notes compute by hand, and plain NumPy only for the
bookkeeping between them (a matrix product, an index).

A recipe returns named values, some of them as zero-argument callables: only the values named in
``case["outputs"]`` are evaluated, so a case needs only the functions its values use (a missing
``mse_loss`` does not cost the forward pass).  Every value comes back as a float64 array (0-d for
a scalar).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from functools import cache, partial
from typing import Any

import numpy as np

Values = dict[str, Any]


#: Modules the grader knows the submission cannot give, and why ("losses.py not found in the
#: submission"): set from the case, so every item gives the same reason.
_UNAVAILABLE: dict[str, str] = {}
#: Modules of the submission that failed to import in this child, and how: they stay failed
#: (a module that raised half-way is never used, whatever it left in ``sys.modules`` or the
#: import system on the way).
_FAILED: dict[str, str] = {}
_import_module = importlib.import_module  # (bound before any student code runs)


def _sibling(module: Any, name: str) -> Any:
    """The submission's module ``name``: the graded module itself, or its sibling imported from
    the submission (on the path).  A module that fails to import fails for the rest of this
    child: the next case gets the same error, and the half-imported module is dropped."""
    if module.__name__ == name:
        return module
    if name in _UNAVAILABLE:
        raise ImportError(_UNAVAILABLE[name])
    if name in _FAILED:
        raise ImportError(_FAILED[name])
    try:
        return _import_module(name)
    except BaseException as exc:
        sys.modules.pop(name, None)
        _FAILED[name] = f"{name}.py failed to import: {type(exc).__name__}: {exc}"[:400]
        raise


def _f64(value: Any) -> np.ndarray:
    return np.array(value, dtype=np.float64)


# ------------------------------------------------------------ seed 004: the 2-2-2 sigmoid network
def _forward(act: Any, kw: Values) -> Values:
    """3.2.5: net_h = W1 i + b1, out_h = σ(net_h), net_o = W2 out_h + b2, out_o = σ(net_o)."""
    net_h = _f64(kw["w_hidden"]) @ _f64(kw["inputs"]) + float(kw["b1"])
    out_h = _f64(act.sigmoid(net_h))
    net_o = _f64(kw["w_out"]) @ out_h + float(kw["b2"])
    out_o = _f64(act.sigmoid(net_o))
    return {"net_h": net_h, "out_h": out_h, "net_o": net_o, "out_o": out_o}


def _errors(losses: Any, out_o: np.ndarray, targets: Any) -> np.ndarray:
    """E_o = ½ (target − out_o)², from the student's unreduced mse_loss."""
    return 0.5 * _f64(losses.mse_loss(out_o, _f64(targets), reduction="none"))


def _backward(act: Any, losses: Any, kw: Values, fw: Values) -> Values:
    """The chain rule of 3.2.5, for every weight and both biases."""
    # ∂E/∂out_o = out_o − target: half the gradient of the summed squared error
    de_dout = 0.5 * _f64(losses.mse_loss_grad(fw["out_o"], _f64(kw["targets"]), reduction="sum"))
    dout_dnet = _f64(act.sigmoid_grad(fw["net_o"]))
    delta_o = de_dout * dout_dnet  # ∂E/∂net_o
    delta_h = (_f64(kw["w_out"]).T @ delta_o) * _f64(act.sigmoid_grad(fw["net_h"]))
    return {
        "dE_dout_o1": de_dout[0],
        "dout_o1_dnet_o1": dout_dnet[0],
        "dnet_o1_dw5": fw["out_h"][0],
        "w_hidden": np.outer(delta_h, _f64(kw["inputs"])),
        "b1": delta_h.sum(),
        "w_out": np.outer(delta_o, fw["out_h"]),
        "b2": delta_o.sum(),
    }


def _per_weight(prefix: str, w_hidden: np.ndarray, w_out: np.ndarray, suffix: str = "") -> Values:
    """w1..w4 are W1 row by row (w1, w2 feed h1), w5..w8 are W2 (w5, w6 feed o1)."""
    flat = np.concatenate([np.ravel(w_hidden), np.ravel(w_out)])
    return {f"{prefix}w{k + 1}{suffix}": value for k, value in enumerate(flat)}


def backprop_forward(module: Any, kw: Values) -> Values:
    """Forward pass (the student's sigmoid) and the errors E_o1, E_o2, E_total (mse_loss)."""
    fw = _forward(_sibling(module, "activations"), kw)
    out: Values = {f"{key}{k + 1}": fw[key][k] for key in fw for k in range(2)}
    errors = cache(lambda: _errors(_sibling(module, "losses"), fw["out_o"], kw["targets"]))
    out["E_o1"] = lambda: errors()[0]
    out["E_o2"] = lambda: errors()[1]
    out["E_total"] = lambda: errors().sum()
    return out


def backprop_backward(module: Any, kw: Values) -> Values:
    """∂E_total/∂w1..w8, b1, b2 and the factors of ∂E/∂w5: sigmoid_grad and mse_loss_grad."""
    act, losses = _sibling(module, "activations"), _sibling(module, "losses")
    g = _backward(act, losses, kw, _forward(act, kw))
    out = {k: g[k] for k in ("dE_dout_o1", "dout_o1_dnet_o1", "dnet_o1_dw5")}
    out.update(_per_weight("dE_d", g["w_hidden"], g["w_out"]))
    out["dE_db1"], out["dE_db2"] = g["b1"], g["b2"]
    return out


def backprop_sgd_step(module: Any, kw: Values) -> Values:
    """One step of the student's SGD (the case's lr) on all ten parameters, then E_total."""
    act, losses = _sibling(module, "activations"), _sibling(module, "losses")
    optim = _sibling(module, "optimizers")
    grads = _backward(act, losses, kw, _forward(act, kw))
    names = ("w_hidden", "b1", "w_out", "b2")
    params = {n: optim.Parameter(_f64(kw[n])) for n in names}
    for n, p in params.items():
        p.grad = _f64(grads[n])
    optim.SGD(list(params.values()), lr=float(kw["lr"])).step()
    after = {**kw, **{n: _f64(p.data) for n, p in params.items()}}
    out = _per_weight("", after["w_hidden"], after["w_out"], "_after")
    out["b1_after"], out["b2_after"] = after["b1"], after["b2"]
    out["E_total_after"] = lambda: _errors(
        losses, _forward(act, after)["out_o"], kw["targets"]
    ).sum()
    return out


# ------------------------------------------------------------------ seed 003: gradient descent
def gradient_descent(module: Any, kw: Values) -> Values:
    """θ ← θ − α·∇J for J = θ1² + θ2² with the student's SGD, ``steps`` times."""
    optim = _sibling(module, "optimizers")
    theta = optim.Parameter(_f64(kw["theta0"]))
    opt = optim.SGD([theta], lr=float(kw["lr"]))
    for _ in range(int(kw["steps"])):
        theta.grad = 2.0 * _f64(theta.data)  # ∂J/∂θ_k = 2θ_k
        opt.step()
    final = _f64(theta.data)
    return {"theta": final, "J": np.sum(final**2)}


# ------------------------------------------------------------------------------ activations
def softmax_example(module: Any, kw: Values) -> Values:
    """Seeds 001 and 004: the student's softmax of a vector of scores."""
    return {"softmax": _sibling(module, "activations").softmax(_f64(kw["scores"]))}


def _call(module: Any, name: str, *args: Any) -> Any:
    return getattr(module, name)(*args)


def activation_derivatives(module: Any, kw: Values) -> Values:
    """Seeds 003/004: σ, σ', tanh and tanh' at the case's points (only those asked for)."""
    act = _sibling(module, "activations")
    x = _f64(kw["x"])
    names = ("sigmoid", "sigmoid_grad", "tanh", "tanh_grad")
    return {name: partial(_call, act, name, x) for name in names}


def sigmoid_grad_max(module: Any, kw: Values) -> Values:
    """Seed 004, 3.4.12: s'(x) ∈ (0, 1/4]: the largest σ' on a grid."""
    act = _sibling(module, "activations")
    return {"sigmoid_grad_max": np.max(_f64(act.sigmoid_grad(_f64(kw["x"]))))}


def layer_jacobian(module: Any, kw: Values) -> Values:
    """Seed 004, 3.4.12: ∂h_{t+1}/∂h_t = diag(σ'(W h_t)) W for h_{t+1} = σ(W h_t)."""
    act = _sibling(module, "activations")
    w = _f64(kw["w"])
    return {"jacobian": _f64(act.sigmoid_grad(w @ _f64(kw["h"])))[:, None] * w}


def xor_network(module: Any, kw: Values) -> Values:
    """Seed 001: y = W2 relu(W1 [A, B] + b1) computes XOR on the four inputs (1 − y: XNOR)."""
    act = _sibling(module, "activations")
    hidden = _f64(act.relu(_f64(kw["ab"]) @ _f64(kw["w1"]).T + _f64(kw["b1"])))
    y = hidden @ _f64(kw["w2"])
    return {"xor": y, "xnor": 1.0 - y}


# ------------------------------------------------------------------------------ losses
def cross_entropy_example(module: Any, kw: Values) -> Values:
    """Seed 002: the mean loss, per-sample losses and log-softmax at the labels."""
    logits, labels = _f64(kw["logits"]), np.asarray(kw["labels"])

    def log_softmax_true() -> np.ndarray:
        log_p = _f64(_sibling(module, "activations").log_softmax(logits, dim=1))
        return log_p[np.arange(len(labels)), labels]

    losses = _sibling(module, "losses")
    return {
        "loss": lambda: losses.cross_entropy(logits, labels),
        "per_sample_loss": lambda: losses.cross_entropy(logits, labels, reduction="none"),
        "log_softmax_true": log_softmax_true,
    }


def bce_example(module: Any, kw: Values) -> Values:
    """Seed 002: the table's terms t log y + (1 − t) log(1 − y) (minus the unreduced loss)."""
    losses = _sibling(module, "losses")
    y, t = _f64(kw["y"]), _f64(kw["t"])
    return {
        "terms": lambda: -_f64(losses.binary_cross_entropy(y, t, reduction="none")).ravel(),
        "loss": lambda: losses.binary_cross_entropy(y, t),
    }


def regression_losses(module: Any, kw: Values) -> Values:
    """Seed 002: MAE (l1_loss) and MSE (mse_loss) of a prediction, mean reduction."""
    losses = _sibling(module, "losses")
    pred, true = _f64(kw["pred"]), _f64(kw["true"])
    return {"mae": lambda: losses.l1_loss(pred, true), "mse": lambda: losses.mse_loss(pred, true)}


RECIPES: dict[str, Callable[[Any, Values], Values]] = {
    f.__name__: f
    for f in (
        backprop_forward,
        backprop_backward,
        backprop_sgd_step,
        gradient_descent,
        softmax_example,
        activation_derivatives,
        sigmoid_grad_max,
        layer_jacobian,
        xor_network,
        cross_entropy_example,
        bce_example,
        regression_losses,
    )
}


def run(module: Any, function: str, case: dict[str, Any]) -> dict[str, np.ndarray]:
    _UNAVAILABLE.clear()
    _UNAVAILABLE.update(case.get("unavailable") or {})
    recipe = RECIPES[case.get("recipe") or function]
    values = recipe(module, dict(case.get("kwargs", {})))
    wanted = case.get("outputs") or list(values)
    out = {}
    for name in wanted:
        value = values[name]
        out[name] = _f64(value() if callable(value) else value)
    return out
