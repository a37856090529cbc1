"""torch's side of the worked-example items: each driver recipe (``graders/sandbox/box/drivers/
worked.py``) written again with torch, in float64, from the case's inputs.

:data:`TORCH` maps a recipe's name to its torch version, which returns the same named values;
:func:`worked_oracle` keeps those the case's ``outputs`` name.  Torch's own functions wherever
torch has one (``F.conv2d``, ``F.max_pool2d``, ``nn.init.calculate_gain``, autograd ...); where
it has none, the formula in torch ops: the notes' perceptron threshold, a fan computed from a
weight's shape (torch's own fan function is private), nn.Linear's documented weight bound
``1/√in_features``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from graders import oracle
from graders.registry import Case
from graders.registry.optimizers import torch_session, torch_step

Kwargs = dict[str, Any]


def _t(x: Any, device: str, requires_grad: bool = False) -> Any:
    return oracle.tensor(np.asarray(x, dtype=np.float64), device, requires_grad)


def _np(x: Any) -> np.ndarray:
    return np.asarray(oracle.numpy(x), dtype=np.float64)


def _net(kw: Kwargs, device: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    """The 2-2-2 sigmoid network of seed 004 in torch; ``params`` default to the case's."""
    t = oracle.torch()
    p = params or {n: _t(kw[n], device) for n in ("w_hidden", "b1", "w_out", "b2")}
    net_h = p["w_hidden"] @ _t(kw["inputs"], device) + p["b1"]
    out_h = t.sigmoid(net_h)
    net_o = p["w_out"] @ out_h + p["b2"]
    out_o = t.sigmoid(net_o)
    e = 0.5 * t.nn.functional.mse_loss(out_o, _t(kw["targets"], device), reduction="none")
    return {"net_h": net_h, "out_h": out_h, "net_o": net_o, "out_o": out_o, "E": e}


def _per_weight(prefix: str, w_hidden: Any, w_out: Any, suffix: str = "") -> dict[str, Any]:
    flat = np.concatenate([_np(w_hidden).ravel(), _np(w_out).ravel()])
    return {f"{prefix}w{k + 1}{suffix}": np.float64(v) for k, v in enumerate(flat)}


def _torch_backprop_forward(kw: Kwargs, device: str) -> dict[str, Any]:
    fw = _net(kw, device)
    out = {f"{key}{k + 1}": _np(fw[key][k]) for key in fw if key != "E" for k in range(2)}
    out.update({"E_o1": _np(fw["E"][0]), "E_o2": _np(fw["E"][1]), "E_total": _np(fw["E"].sum())})
    return out


def _leaves(kw: Kwargs, device: str) -> dict[str, Any]:
    return {n: _t(kw[n], device, requires_grad=True) for n in ("w_hidden", "b1", "w_out", "b2")}


def _torch_backprop_backward(kw: Kwargs, device: str) -> dict[str, Any]:
    t = oracle.torch()
    p = _leaves(kw, device)
    fw = _net(kw, device, p)
    total = fw["E"].sum()
    grads = t.autograd.grad(total, [p["w_hidden"], p["b1"], p["w_out"], p["b2"]], retain_graph=True)
    (de_dout,) = t.autograd.grad(total, fw["out_o"], retain_graph=True)
    (dout_dnet,) = t.autograd.grad(fw["out_o"][0], fw["net_o"], retain_graph=True)
    (dnet_dw,) = t.autograd.grad(fw["net_o"][0], p["w_out"])
    out = {
        "dE_dout_o1": _np(de_dout[0]),
        "dout_o1_dnet_o1": _np(dout_dnet[0]),
        "dnet_o1_dw5": _np(dnet_dw[0, 0]),
        **_per_weight("dE_d", grads[0], grads[2]),
        "dE_db1": _np(grads[1]),
        "dE_db2": _np(grads[3]),
    }
    return out


def _torch_backprop_sgd_step(kw: Kwargs, device: str) -> dict[str, Any]:
    t = oracle.torch()
    p = _leaves(kw, device)
    _net(kw, device, p)["E"].sum().backward()
    with torch_session():
        torch_step(t.optim.SGD(list(p.values()), lr=float(kw["lr"]), foreach=False))
    with t.no_grad():
        after = _net(kw, device, p)
    out = _per_weight("", p["w_hidden"], p["w_out"], "_after")
    out.update({"b1_after": _np(p["b1"]), "b2_after": _np(p["b2"])})
    out["E_total_after"] = _np(after["E"].sum())
    return out


def _torch_gradient_descent(kw: Kwargs, device: str) -> dict[str, Any]:
    t = oracle.torch()
    theta = _t(kw["theta0"], device, requires_grad=True)
    with torch_session():
        opt = t.optim.SGD([theta], lr=float(kw["lr"]), foreach=False)
        for _ in range(int(kw["steps"])):
            opt.zero_grad()
            (theta**2).sum().backward()
            torch_step(opt)
    return {"theta": _np(theta), "J": _np((theta**2).sum())}


def _torch_softmax(kw: Kwargs, device: str) -> dict[str, Any]:
    t = oracle.torch()
    return {"softmax": _np(t.softmax(_t(kw["scores"], device), dim=-1))}


def _torch_derivatives(kw: Kwargs, device: str) -> dict[str, Any]:
    t = oracle.torch()
    out: dict[str, Any] = {}
    for name in ("sigmoid", "tanh"):
        x = _t(kw["x"], device, requires_grad=True)
        y = getattr(t, name)(x)
        (g,) = t.autograd.grad(y.sum(), x)  # a tensor grad_outputs makes torch import sympy
        out[name], out[f"{name}_grad"] = _np(y), _np(g)
    return out


def _torch_sigmoid_grad_max(kw: Kwargs, device: str) -> dict[str, Any]:
    return {"sigmoid_grad_max": np.max(_torch_derivatives(kw, device)["sigmoid_grad"])}


def _torch_layer_jacobian(kw: Kwargs, device: str) -> dict[str, Any]:
    t = oracle.torch()
    w = _t(kw["w"], device)
    jac = t.autograd.functional.jacobian(lambda h: t.sigmoid(w @ h), _t(kw["h"], device))
    return {"jacobian": _np(jac)}


def _torch_xor(kw: Kwargs, device: str) -> dict[str, Any]:
    t = oracle.torch()
    hidden = t.relu(_t(kw["ab"], device) @ _t(kw["w1"], device).T + _t(kw["b1"], device))
    y = hidden @ _t(kw["w2"], device)
    return {"xor": _np(y), "xnor": _np(1.0 - y)}


def _torch_cross_entropy(kw: Kwargs, device: str) -> dict[str, Any]:
    t = oracle.torch()
    f = t.nn.functional
    logits, labels = _t(kw["logits"], device), oracle.tensor(kw["labels"], device)
    picked = f.log_softmax(logits, dim=1).gather(1, labels[:, None])[:, 0]
    return {
        "loss": _np(f.cross_entropy(logits, labels)),
        "per_sample_loss": _np(f.cross_entropy(logits, labels, reduction="none")),
        "log_softmax_true": _np(picked),
    }


def _torch_bce(kw: Kwargs, device: str) -> dict[str, Any]:
    f = oracle.torch().nn.functional
    y, target = _t(kw["y"], device), _t(kw["t"], device)
    return {
        "terms": _np(-f.binary_cross_entropy(y, target, reduction="none")).ravel(),
        "loss": _np(f.binary_cross_entropy(y, target)),
    }


def _torch_regression(kw: Kwargs, device: str) -> dict[str, Any]:
    f = oracle.torch().nn.functional
    pred, true = _t(kw["pred"], device), _t(kw["true"], device)
    return {"mae": _np(f.l1_loss(pred, true)), "mse": _np(f.mse_loss(pred, true))}


# ------------------------------------------------------------------------------ seed 004: layers
def _torch_perceptron_vote(kw: Kwargs, device: str) -> dict[str, Any]:
    total = _t(kw["scores"], device) @ _t(kw["weights"], device)
    return {"weighted_sum": _np(total), "output": _np(total > float(kw["threshold"]))}


def _torch_nand(kw: Kwargs, device: str) -> dict[str, Any]:
    f = oracle.torch().nn.functional
    w, b = _t(kw["weights"], device)[None], _t([float(kw["bias"])], device)
    sums = f.linear(_t(kw["ab"], device), w, b)[:, 0]
    outputs = (sums > 0).double()
    return {
        "weighted_sums": _np(sums),
        "outputs": _np(outputs),
        "sum_input_01": _np(sums[1]),
        "output_input_01": _np(outputs[1]),
    }


def _torch_conv_feature_map(kw: Kwargs, device: str) -> dict[str, Any]:
    f = oracle.torch().nn.functional
    image, filt = _t(kw["image"], device), _t(kw["filter"], device)
    bias = _t([float(kw["bias"])], device)
    feature = f.conv2d(image[None, None], filt[None, None], bias, stride=int(kw["stride"]))[0, 0]
    size = np.asarray(feature.shape, dtype=np.float64)
    return {"a_00": _np(feature[0, 0]), "feature_map": _np(feature), "size": size}


def _torch_conv_output_width(kw: Kwargs, device: str) -> dict[str, Any]:
    t = oracle.torch()
    w1, f, p, s = (int(n) for n in kw["size"])
    x = t.zeros((1, 1, w1, w1), dtype=t.float64, device=device)
    w = t.zeros((1, 1, f, f), dtype=t.float64, device=device)
    return {"width": np.float64(t.nn.functional.conv2d(x, w, stride=s, padding=p).shape[-1])}


def _torch_conv_two_filters(kw: Kwargs, device: str) -> dict[str, Any]:
    f = oracle.torch().nn.functional
    x, w, b = (_t(kw[k], device) for k in ("input", "weights", "biases"))
    maps = f.conv2d(x[None], w, b, stride=int(kw["stride"]), padding=int(kw["padding"]))[0]
    size = [*maps.shape[1:], maps.shape[0]]  # H × W × D, as the notes write it
    return {"feature_maps": _np(maps), "output_size": np.asarray(size, dtype=np.float64)}


def _torch_pooling(kw: Kwargs, device: str) -> dict[str, Any]:
    t = oracle.torch()
    f, k = t.nn.functional, int(kw["kernel"])
    fmap = _t(kw["map"], device, requires_grad=True)
    maxed = f.max_pool2d(fmap[None], k)
    (grad,) = t.autograd.grad(maxed.sum(), fmap)
    stack = t.stack([fmap, 10.0 - fmap, 2.0 * fmap]).detach()
    depth3 = f.max_pool2d(stack, k)
    return {
        "max_pool": _np(maxed[0]),
        "avg_pool": _np(f.avg_pool2d(fmap[None], k)[0]),
        "depth3_max_pool": _np(depth3),
        "depth_after": np.float64(depth3.shape[0]),
        "max_pool_grad": _np(grad),
    }


def _scheme(scheme: str, shape: tuple[int, ...]) -> tuple[float, str | None]:
    """A scheme's weight std for a (fan_out, fan_in) weight, and its activation."""
    gain = oracle.torch().nn.init.calculate_gain
    fan_out, fan_in = shape
    xavier = math.sqrt(2.0 / (fan_in + fan_out))
    return {
        "normal_1": (1.0, None),
        "normal_0_01": (0.01, None),
        "xavier": (gain("linear") * xavier, None),
        "xavier_tanh": (gain("tanh") * xavier, "tanh"),
        "kaiming_relu": (gain("relu") / math.sqrt(fan_in), "relu"),
    }[scheme]


SCHEMES = ("normal_1", "normal_0_01", "xavier", "xavier_tanh", "kaiming_relu")


def _torch_variance_propagation(kw: Kwargs, device: str) -> dict[str, Any]:
    t = oracle.torch()
    f = t.nn.functional
    x, z = _t(kw["x"], device), _t(kw["z"], device)
    out = {"one_layer_std": _np(f.linear(x, z[0]).std(correction=0))}
    for scheme in SCHEMES:
        std, activation = _scheme(scheme, tuple(z.shape[1:]))
        h, stds = x, []
        for layer in z:
            h = f.linear(h, std * layer)
            if activation is not None:
                h = getattr(t, activation)(h)
            stds.append(float(h.std(correction=0)))
        out[f"std_{scheme}"] = np.asarray(stds, dtype=np.float64)
    return out


def _torch_linear_default_init(kw: Kwargs, device: str) -> dict[str, Any]:
    t = oracle.torch()
    x, weight = _t(kw["x"], device), _t(kw["weight"], device)
    in_features = int(kw["shape"][1])
    bound = 1.0 / math.sqrt(in_features)  # nn.Linear: U(-√k, √k), k = 1/in_features
    return {
        "x_WT": _np(t.nn.functional.linear(x, weight)),
        "output": _np(t.nn.functional.linear(x, weight, _t(kw["bias"], device))),
        "gain": np.float64(t.nn.init.calculate_gain("leaky_relu", float(kw["a"]))),
        "bound": np.float64(bound),
        "max_abs": np.float64(bound),  # checked within a band: the largest of many draws
    }


def _torch_ce_weight_gradient(kw: Kwargs, device: str) -> dict[str, Any]:
    t = oracle.torch()
    f = t.nn.functional
    x, y = _t(kw["x"], device), _t(kw["y"], device)
    w = _t(kw["w"], device, requires_grad=True)
    b = _t(float(kw["b"]), device, requires_grad=True)
    a = t.sigmoid(x @ w + b)
    cost = f.binary_cross_entropy(a, y)
    grad_w, grad_b = t.autograd.grad(cost, [w, b], retain_graph=True)
    (grad_quadratic,) = t.autograd.grad(0.5 * ((a - y) ** 2).mean(), w)
    return {
        "cost": _np(cost),
        "grad_w": _np(grad_w),
        "grad_b": _np(grad_b),
        "grad_w_notes": _np(grad_w),  # the notes' (1/n) Σ x_j (σ(z) − y) is the same gradient
        "grad_w_quadratic": _np(grad_quadratic),
    }


#: Torch's version of each driver recipe (same name, same outputs).
TORCH: dict[str, Callable[[Kwargs, str], dict[str, Any]]] = {
    "backprop_forward": _torch_backprop_forward,
    "backprop_backward": _torch_backprop_backward,
    "backprop_sgd_step": _torch_backprop_sgd_step,
    "gradient_descent": _torch_gradient_descent,
    "softmax_example": _torch_softmax,
    "activation_derivatives": _torch_derivatives,
    "sigmoid_grad_max": _torch_sigmoid_grad_max,
    "layer_jacobian": _torch_layer_jacobian,
    "xor_network": _torch_xor,
    "cross_entropy_example": _torch_cross_entropy,
    "bce_example": _torch_bce,
    "regression_losses": _torch_regression,
    "perceptron_vote": _torch_perceptron_vote,
    "nand": _torch_nand,
    "conv_feature_map": _torch_conv_feature_map,
    "conv_output_width": _torch_conv_output_width,
    "conv_two_filters": _torch_conv_two_filters,
    "pooling": _torch_pooling,
    "variance_propagation": _torch_variance_propagation,
    "linear_default_init": _torch_linear_default_init,
    "ce_weight_gradient": _torch_ce_weight_gradient,
}


def worked_oracle(recipe: str, case: Case, device: str) -> dict[str, Any]:
    """Torch's values of the case's outputs (its own recipe, else the item's)."""
    values = TORCH[case.spec.get("recipe", recipe)](case.kwargs, device)
    return {name: np.asarray(values[name], dtype=np.float64) for name in case.spec["outputs"]}
