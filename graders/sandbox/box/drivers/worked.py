"""Driver ``worked``: the notes' hand-worked examples, rebuilt from the student's own functions.

``function`` names a recipe of :data:`RECIPES` (``case["recipe"]`` may name another one for a
case of the same item); ``case["kwargs"]`` holds the example's numbers (the notes' weights,
logits, targets ... or random ones for hidden cases).  A recipe calls the student's
``activations``, ``losses``, ``optimizers``, ``layers`` and ``initializers`` (siblings of the
graded module, loaded from the submission's directory) exactly where the notes compute by hand,
and plain NumPy only for the bookkeeping between them (a matrix product, an index, a threshold).

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
#: Bound before any student code runs (a submission cannot rebind what the recipes draw with).
_GENERATOR, _PCG64 = np.random.Generator, np.random.PCG64


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


# ------------------------------------------------------------------ seed 004: layers
def _linear_rows(layers: Any, x: Any, weights: Any, bias: float) -> np.ndarray:
    """w·x + b for each row x (the student's ``linear`` with one output unit)."""
    w = _f64(weights)[None, :]
    return _f64(layers.linear(_f64(x), w, _f64([bias])))[..., 0]


def perceptron_vote(module: Any, kw: Values) -> Values:
    """3.1.1: the judges' weighted vote Σ w_i x_i (the student's linear) against the threshold."""
    total = _linear_rows(_sibling(module, "layers"), kw["scores"], kw["weights"], 0.0)
    return {"weighted_sum": total, "output": (total > float(kw["threshold"])).astype(np.float64)}


def nand(module: Any, kw: Values) -> Values:
    """3.1.1: the NAND perceptron w·x + b on the four inputs, output 1 where it is > 0."""
    sums = _linear_rows(_sibling(module, "layers"), kw["ab"], kw["weights"], float(kw["bias"]))
    outputs = (sums > 0).astype(np.float64)
    return {
        "weighted_sums": sums,
        "outputs": outputs,
        "sum_input_01": sums[1],
        "output_input_01": outputs[1],
    }


def conv_feature_map(module: Any, kw: Values) -> Values:
    """3.2.3: the feature map of one filter over one image (the student's conv2d), its size."""
    image, filt = _f64(kw["image"]), _f64(kw["filter"])
    maps = _sibling(module, "layers").conv2d(
        image[None], filt[None, None], _f64([kw["bias"]]), stride=int(kw["stride"])
    )
    feature = _f64(maps)[0]
    return {"a_00": feature[0, 0], "feature_map": feature, "size": _f64(feature.shape)}


def conv_output_width(module: Any, kw: Values) -> Values:
    """3.2.3: W2 of the student's conv2d for input width W1, filter F, padding P, stride S."""
    w1, f, p, s = (int(n) for n in kw["size"])
    x, w = np.zeros((1, w1, w1)), np.zeros((1, 1, f, f))
    out = _sibling(module, "layers").conv2d(x, w, stride=s, padding=p)
    return {"width": np.shape(out)[-1]}


def conv_two_filters(module: Any, kw: Values) -> Values:
    """3.2.3: two filters over a depth-3 input, zero padding 1, stride 2: the H×W×D output."""
    maps = _f64(
        _sibling(module, "layers").conv2d(
            _f64(kw["input"]),
            _f64(kw["weights"]),
            _f64(kw["biases"]),
            stride=int(kw["stride"]),
            padding=int(kw["padding"]),
        )
    )
    return {"feature_maps": maps, "output_size": _f64([*maps.shape[1:], maps.shape[0]])}


def pooling(module: Any, kw: Values) -> Values:
    """3.2.4: max and average pooling of a map, of a depth-3 stack (depth kept), max's gradient."""
    layers = _sibling(module, "layers")
    fmap, k = _f64(kw["map"]), int(kw["kernel"])
    stack = np.stack([fmap, 10.0 - fmap, 2.0 * fmap])

    def depth3() -> np.ndarray:
        return _f64(layers.max_pool2d(stack, k))

    return {
        "max_pool": lambda: _f64(layers.max_pool2d(fmap[None], k))[0],
        "avg_pool": lambda: _f64(layers.avg_pool2d(fmap[None], k))[0],
        "depth3_max_pool": depth3,
        "depth_after": lambda: np.float64(depth3().shape[0]),
        "max_pool_grad": lambda: _f64(layers.max_pool2d_grad(fmap[None], k))[0],
    }


def _scheme_std(init: Any, scheme: str, shape: tuple[int, ...]) -> float:
    """The weights' std of a scheme, from the student's gain and fans: N(0, 1), N(0, 0.01²),
    Xavier (gain √(2/(fan_in + fan_out))) with tanh's gain, Kaiming (gain/√fan_in) for ReLU."""
    fan_in, fan_out = init.calculate_fan_in_and_fan_out(np.empty(shape))
    stds = {
        "normal_1": lambda: 1.0,
        "normal_0_01": lambda: 0.01,
        "xavier": lambda: init.calculate_gain("linear") * (2.0 / (fan_in + fan_out)) ** 0.5,
        "xavier_tanh": lambda: init.calculate_gain("tanh") * (2.0 / (fan_in + fan_out)) ** 0.5,
        "kaiming_relu": lambda: init.calculate_gain("relu") / fan_in**0.5,
    }
    return float(stds[scheme]())


#: Each scheme's activation (None: a linear network).
SCHEMES = {
    "normal_1": None,
    "normal_0_01": None,
    "xavier": None,
    "xavier_tanh": "tanh",
    "kaiming_relu": "relu",
}


def _deep_stds(module: Any, scheme: str, x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Each layer's output std through ``len(z)`` layers of weights ``std · z[l]``."""
    layers, init = _sibling(module, "layers"), _sibling(module, "initializers")
    activation = SCHEMES[scheme]
    f = None if activation is None else getattr(_sibling(module, "activations"), activation)
    std = _scheme_std(init, scheme, z.shape[1:])
    h, stds = x, []
    for layer in z:
        h = _f64(layers.linear(h, std * layer))
        if f is not None:
            h = _f64(f(h))
        stds.append(np.std(h))
    return _f64(stds)


def variance_propagation(module: Any, kw: Values) -> Values:
    """Seed 000: D(H) = n·D(X)·D(W): each layer's output std through a deep network whose
    weights are the case's standard normals times each scheme's std (the student's linear,
    activations, gain and fans)."""
    x, z = _f64(kw["x"]), _f64(kw["z"])
    out: Values = {
        "one_layer_std": lambda: np.std(_f64(_sibling(module, "layers").linear(x, z[0]))),
    }
    for scheme in SCHEMES:
        out[f"std_{scheme}"] = partial(_deep_stds, module, scheme, x, z)
    return out


def linear_default_init(module: Any, kw: Values) -> Values:
    """Seed 002: nn.Linear is y = x Wᵀ + b (func3), its weights kaiming_uniform_(a=√5): gain
    1/√3, bound gain·√(3/fan_in) = 1/√fan_in, and a large sample's largest |w| near it."""
    layers, init = _sibling(module, "layers"), _sibling(module, "initializers")
    x, weight = _f64(kw["x"]), _f64(kw["weight"])
    shape = tuple(int(n) for n in kw["shape"])
    a = float(kw["a"])

    def bound() -> float:
        fan_in, _ = init.calculate_fan_in_and_fan_out(np.empty(shape))
        return float(init.calculate_gain("leaky_relu", a)) * (3.0 / fan_in) ** 0.5

    def max_abs() -> np.ndarray:
        g = _GENERATOR(_PCG64(int(kw["seed"])))
        return np.max(np.abs(_f64(init.kaiming_uniform_(np.empty(shape), a=a, generator=g))))

    return {
        "x_WT": lambda: layers.linear(x, weight),
        "output": lambda: layers.linear(x, weight, _f64(kw["bias"])),
        "gain": lambda: init.calculate_gain("leaky_relu", a),
        "bound": bound,
        "max_abs": max_abs,
    }


def ce_weight_gradient(module: Any, kw: Values) -> Values:
    """3.4.11: a sigmoid neuron's cross-entropy gradient, by the chain rule through the student's
    BCE gradient (σ'(z) cancels: the notes' (1/n) Σ x_j (σ(z) − y)), and the quadratic cost's,
    which keeps σ'(z)."""
    layers, act = _sibling(module, "layers"), _sibling(module, "activations")
    losses = _sibling(module, "losses")
    x, y = _f64(kw["x"]), _f64(kw["y"])
    z = _linear_rows(layers, x, kw["w"], float(kw["b"]))
    a = _f64(act.sigmoid(z))

    @cache
    def upstream() -> np.ndarray:  # ∂C/∂z
        return _f64(losses.binary_cross_entropy_grad(a, y)) * _f64(act.sigmoid_grad(z))

    def quadratic() -> np.ndarray:  # C = ½ mean (a − y)²: ∂C/∂a is half mse_loss's gradient
        return 0.5 * _f64(losses.mse_loss_grad(a, y)) * _f64(act.sigmoid_grad(z))

    return {
        "cost": lambda: losses.binary_cross_entropy(a, y),
        "grad_w": lambda: x.T @ upstream(),
        "grad_b": lambda: upstream().sum(),
        "grad_w_notes": x.T @ (a - y) / len(y),
        "grad_w_quadratic": lambda: x.T @ quadratic(),
    }


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
        perceptron_vote,
        nand,
        conv_feature_map,
        conv_output_width,
        conv_two_filters,
        pooling,
        variance_propagation,
        linear_default_init,
        ce_weight_gradient,
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
