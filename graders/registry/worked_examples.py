"""Registry entries for the notes' hand-worked examples, rebuilt from the student's functions.

Each item is named under the student module it mainly exercises (``activations.worked_...``,
``losses.worked_...``, ``optimizers.worked_...``) and uses the ``worked`` driver, which calls
the student's own ``sigmoid``, ``mse_loss``, ``SGD`` ... where the notes compute by hand (the
backprop example of seed 004, the cross-entropy and BCE tables of seed 002, ...).

A case passes only when both hold (check ``worked``):

* every output agrees with **torch** (float64, computed here, in the grader process) within the
  item's tolerance, and
* every value the **notes print** is reproduced at the notes' precision: the student's value
  rounds to the printed one (within half a unit in the last printed place).

Public cases use the notes' numbers; hidden cases use random weights, logits and targets and are
checked against torch only.  The printed values are copied from the notes (``NotesValue`` names
the worked example of ``reference.worked_examples`` and its keys, which a test cross-checks;
``graders`` itself never imports the reference).  The items total exactly :data:`TOTAL_POINTS`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from graders import oracle
from graders.judge import Verdict, check_allclose
from graders.registry import Case, Category, Item
from graders.registry.optimizers import torch_session, torch_step

TOTAL_POINTS = 20
#: Part of every case's data, so the oracle cache is invalidated when this file changes.
SOURCE_HASH = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]

Kwargs = dict[str, Any]


@dataclass(frozen=True)
class NotesValue:
    """A value the notes print, to ``decimals`` decimals.

    ``example`` is the id of the worked example (``reference.worked_examples``, the handbook) and
    ``keys`` the example's keys whose values, in order, this one stands for.
    """

    value: float | tuple[float, ...]
    decimals: int
    example: str
    keys: tuple[str, ...]


def _notes(value: float | tuple[float, ...], decimals: int, example: str, *keys: str) -> NotesValue:
    return NotesValue(value, decimals, example, keys)


def _case(
    name: str,
    kwargs: Kwargs,
    outputs: Iterable[str],
    printed: dict[str, NotesValue] | None = None,
    category: Category = Category.CORRECTNESS,
    recipe: str | None = None,
    *,
    example: str,
) -> Case:
    """A case: the recipe's inputs, the outputs it returns, the notes' values they must show.

    ``example`` is the id of the worked example the case rebuilds (the handbook links them).
    """
    printed = printed or {}
    spec: dict[str, Any] = {"outputs": list(outputs)}
    if recipe is not None:
        spec["recipe"] = recipe
    data = {
        "source": SOURCE_HASH,
        "example": example,
        "printed": {k: v.value for k, v in printed.items()},
        "decimals": {k: v.decimals for k, v in printed.items()},
        "examples": {k: [v.example, *v.keys] for k, v in printed.items()},
    }
    return Case(name, category, kwargs=kwargs, spec=spec, data=data)


# ------------------------------------------------------------------------------ the check
def _rounds_to(got: np.ndarray, shown: Any, decimals: int) -> bool:
    want = np.asarray(shown, dtype=np.float64)
    half = 0.5 * 10.0 ** (-decimals) + 1e-12
    return got.shape == want.shape and bool(np.all(np.abs(got - want) <= half))


def _shown(value: np.ndarray, decimals: int) -> str:
    flat = np.atleast_1d(value).ravel()
    text = ", ".join(f"{v:.{decimals + 2}f}" for v in flat)
    return text if value.ndim == 0 else f"[{text}]"


def check_worked(
    expected: dict[str, Any],
    got: dict[str, np.ndarray],
    tol: str,
    device: str,
    case_data: dict[str, Any],
) -> Verdict:
    """Agree with torch (``allclose``) and reproduce every value the notes print.

    A value the notes print is named first when it is missed (the message the student can check
    against the notes), with torch's value beside it; otherwise torch's verdict stands.
    """
    verdict = check_allclose(expected, got, tol, device, case_data)
    for key, shown in case_data.get("printed", {}).items():
        value = got.get(key)
        if type(value) is not np.ndarray or value.dtype.kind != "f":
            continue  # allclose has already named the missing or mistyped output
        decimals = int(case_data["decimals"][key])
        if not _rounds_to(value.astype(np.float64), shown, decimals):
            torch_value = _shown(np.asarray(expected[key], dtype=np.float64), decimals)
            return Verdict(
                False,
                f"{key}: {_shown(value, decimals)} does not round to the notes' {shown} "
                f"({decimals} decimals; torch gives {torch_value})",
                {**verdict.details, "printed": shown, "decimals": decimals},
            )
    return verdict


# ------------------------------------------------------------------------------ torch oracles
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
}


def _oracle(recipe: str, case: Case, device: str) -> dict[str, Any]:
    """Torch's values of the case's outputs (its own recipe, else the item's)."""
    values = TORCH[case.spec.get("recipe", recipe)](case.kwargs, device)
    return {name: np.asarray(values[name], dtype=np.float64) for name in case.spec["outputs"]}


# ------------------------------------------------------------------------------ the notes' numbers
BP_EXAMPLE = {
    "inputs": np.array([0.05, 0.10]),  # i1, i2
    "targets": np.array([0.01, 0.99]),  # o1, o2
    "w_hidden": np.array([[0.15, 0.20], [0.25, 0.30]]),  # w1, w2 → h1; w3, w4 → h2
    "b1": 0.35,
    "w_out": np.array([[0.40, 0.45], [0.50, 0.55]]),  # w5, w6 → o1; w7, w8 → o2
    "b2": 0.60,
}
BP_LR = 0.5
FW, BW = "backprop-forward", "backprop-backward"
BP_PRINTED = {
    "net_h1": _notes(0.3775, 4, FW, "net_h1"),
    "out_h1": _notes(0.593269992, 9, FW, "out_h1"),
    "out_h2": _notes(0.596884378, 9, FW, "out_h2"),
    "net_o1": _notes(1.105905967, 9, FW, "net_o1"),
    # the notes print out_o1 twice, 0.75136079 and 0.75136507: the second is right (errata)
    "out_o1": _notes(0.75136507, 8, FW, "out_o1"),
    "out_o2": _notes(0.772928465, 9, FW, "out_o2"),
    "E_o1": _notes(0.274811083, 9, FW, "E_o1"),
    "E_o2": _notes(0.023560026, 9, FW, "E_o2"),
    "E_total": _notes(0.298371109, 9, FW, "E_total"),
}
HIDDEN_LAYER = ("net_h1", "net_h2", "out_h1", "out_h2")
OUTPUT_LAYER = ("net_o1", "net_o2", "out_o1", "out_o2")
ERRORS = ("E_o1", "E_o2", "E_total")
W5_FACTORS = ("dE_dout_o1", "dout_o1_dnet_o1", "dnet_o1_dw5", "dE_dw5")
OUT_GRADS = ("dE_dw5", "dE_dw6", "dE_dw7", "dE_dw8", "dE_db2")
HIDDEN_GRADS = ("dE_dw1", "dE_dw2", "dE_dw3", "dE_dw4", "dE_db1")
AFTER = (*(f"w{k}_after" for k in range(1, 9)), "b1_after", "b2_after")

CE_LOGITS = np.array([[1.5, 2.0, 0.5], [0.5, 1.0, 1.5]])
CE_LABELS = np.array([1, 2])
BCE_Y = np.array([[0.7], [0.2], [0.9], [0.7]])
BCE_T = np.array([[1.0], [0.0], [1.0], [0.0]])
XOR_NET = {
    "ab": np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]),
    "w1": np.array([[1.0, 1.0], [1.0, 1.0]]),
    "b1": np.array([0.0, -1.0]),
    "w2": np.array([1.0, -2.0]),
}
LAYER_W = np.array([[0.5, -1.0, 0.3], [0.8, 0.2, -0.6], [-0.4, 0.9, 1.1]])
LAYER_H = np.array([0.2, -0.7, 1.5])
GD_THETA0 = np.array([1.0, -2.0])
GD_RUNS = ((0.001, 1000), (0.1, 20), (1.0, 7), (1.1, 10))  # slow, fast, oscillating, diverging


def _random_net(rng: np.random.Generator) -> Kwargs:
    return {
        "inputs": rng.uniform(-1.0, 1.0, 2),
        "targets": rng.uniform(0.01, 0.99, 2),
        "w_hidden": rng.normal(0.0, 0.7, (2, 2)),
        "b1": float(rng.normal(0.0, 0.5)),
        "w_out": rng.normal(0.0, 0.7, (2, 2)),
        "b2": float(rng.normal(0.0, 0.5)),
    }


# ------------------------------------------------------------------------------ case builders
def _backprop_forward_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    case = partial(_case, example="backprop-forward")
    if hidden:
        return [
            case(f"random-net-{k}", _random_net(rng), HIDDEN_LAYER + OUTPUT_LAYER + ERRORS)
            for k in range(2)
        ]
    pick = BP_PRINTED.get
    return [
        case(
            "notes-hidden-layer",
            BP_EXAMPLE,
            HIDDEN_LAYER,
            {k: BP_PRINTED[k] for k in HIDDEN_LAYER if pick(k)},
        ),
        case(
            "notes-output-layer",
            BP_EXAMPLE,
            OUTPUT_LAYER,
            {k: BP_PRINTED[k] for k in OUTPUT_LAYER if pick(k)},
        ),
        case("notes-total-error", BP_EXAMPLE, ERRORS, {k: BP_PRINTED[k] for k in ERRORS}),
        case("random-net", _random_net(rng), HIDDEN_LAYER + OUTPUT_LAYER + ERRORS),
    ]


def _backprop_backward_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    case = partial(_case, example="backprop-backward")
    g = Category.GRADIENT
    everything = W5_FACTORS[:3] + HIDDEN_GRADS + OUT_GRADS
    if hidden:
        return [case(f"random-net-{k}", _random_net(rng), everything, category=g) for k in range(2)]
    # ∂net_o1/∂w5 is out_h1, which the notes print; the other factors they leave unevaluated
    w5 = {"dnet_o1_dw5": _notes(0.593269992, 9, FW, "out_h1")}
    return [
        case("notes-dE-dw5-chain-rule", BP_EXAMPLE, W5_FACTORS, w5, category=g),
        case("notes-output-layer-gradients", BP_EXAMPLE, OUT_GRADS, category=g),
        case("notes-hidden-layer-gradients", BP_EXAMPLE, HIDDEN_GRADS, category=g),
        case("random-net", _random_net(rng), everything, category=g),
    ]


def _sgd_step_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    case = partial(_case, example="backprop-sgd-step")

    def net(r: np.random.Generator) -> Kwargs:
        return {**_random_net(r), "lr": float(r.uniform(0.05, 1.0))}

    if hidden:
        return [case(f"random-net-{k}", net(rng), (*AFTER, "E_total_after")) for k in range(2)]
    notes = {**BP_EXAMPLE, "lr": BP_LR}
    return [
        case("notes-lr-0.5-parameters", notes, AFTER),
        case("notes-lr-0.5-error-after", notes, ("E_total_after",)),
        case("random-net", net(rng), (*AFTER, "E_total_after")),
    ]


def _gradient_descent_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    case = partial(_case, example="gradient-descent-quadratic")
    if hidden:
        return [
            case(
                f"random-{k}",
                {
                    "theta0": rng.normal(0, 2, 2),
                    "lr": float(rng.uniform(0.01, 0.9)),
                    "steps": int(rng.integers(3, 30)),
                },
                ("theta", "J"),
            )
            for k in range(2)
        ]
    return [
        case(
            f"alpha-{lr}-{steps}-steps",
            {"theta0": GD_THETA0, "lr": lr, "steps": steps},
            ("theta", "J"),
        )
        for lr, steps in GD_RUNS
    ]


def _softmax_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    case = partial(_case, example="softmax-2-1-0.1")
    if hidden:
        return [
            case(f"random-{k}", {"scores": rng.normal(0, 3, 5)}, ("softmax",)) for k in range(2)
        ]
    shown = {"softmax": _notes((0.66, 0.24, 0.10), 2, "softmax-2-1-0.1", "softmax")}
    return [
        case("notes-2-1-0.1", {"scores": np.array([2.0, 1.0, 0.1])}, ("softmax",), shown),
        case(
            "notes-3-1-minus3",
            {"scores": np.array([3.0, 1.0, -3.0])},
            ("softmax",),
            example="softmax-3-1-minus3",
        ),
    ]


def _derivative_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    case = partial(_case, example="activation-derivatives")
    ad = "activation-derivatives"
    if hidden:
        return [
            case(
                "random-identities",
                {"x": rng.normal(0, 4, 9)},
                ("sigmoid", "sigmoid_grad", "tanh"),
                example="sigmoid-tanh-identities",
            ),
            case(
                "random-layer-jacobian",
                {"w": rng.normal(0, 1, (3, 3)), "h": rng.normal(0, 1, 3)},
                ("jacobian",),
                recipe="layer_jacobian",
                example="layer-jacobian",
            ),
        ]
    return [
        case(
            "sigmoid-grad-at-0",
            {"x": 0.0},
            ("sigmoid_grad",),
            {"sigmoid_grad": _notes(0.25, 2, ad, "sigmoid_grad_0")},
        ),
        case(
            "tanh-grad-at-0",
            {"x": 0.0},
            ("tanh_grad",),
            {"tanh_grad": _notes(1.0, 0, ad, "tanh_grad_0")},
        ),
        case(
            "sigmoid-grad-saturates",
            {"x": np.array([10.0, -10.0])},
            ("sigmoid_grad",),
            {"sigmoid_grad": _notes((0.0, 0.0), 4, ad, "sigmoid_grad_10", "sigmoid_grad_-10")},
        ),
        case(
            "sigmoid-grad-at-most-a-quarter",
            {"x": np.linspace(-20.0, 20.0, 4001)},
            ("sigmoid_grad_max",),
            {"sigmoid_grad_max": _notes(0.25, 2, ad, "sigmoid_grad_max")},
            recipe="sigmoid_grad_max",
        ),
        case(
            "sigmoid-tanh-identities",
            {"x": np.linspace(-4.0, 4.0, 9)},
            ("sigmoid", "sigmoid_grad", "tanh"),
            example="sigmoid-tanh-identities",
        ),
        case(
            "layer-jacobian",
            {"w": LAYER_W, "h": LAYER_H},
            ("jacobian",),
            recipe="layer_jacobian",
            example="layer-jacobian",
        ),
    ]


def _xor_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    case = partial(_case, example="xor-not-linearly-separable")
    if hidden:
        scaled = {**XOR_NET, "w1": XOR_NET["w1"] * rng.uniform(0.5, 2.0, (2, 2))}
        return [case("random-first-layer", scaled, ("xor", "xnor"))]
    ex = "xor-not-linearly-separable"
    shown = {
        "xor": _notes((0.0, 1.0, 1.0, 0.0), 0, ex, "two_layer_relu_xor"),
        "xnor": _notes((1.0, 0.0, 0.0, 1.0), 0, ex, "two_layer_relu_xnor"),
    }
    return [case("truth-table", XOR_NET, ("xor", "xnor"), shown)]


def _cross_entropy_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    case = partial(_case, example="cross-entropy-two-samples")

    def random_batch(n: int, c: int) -> Kwargs:
        return {"logits": rng.normal(0, 2, (n, c)), "labels": rng.integers(0, c, n)}

    if hidden:
        return [
            case(f"random-{k}", random_batch(6, 4), ("loss", "per_sample_loss", "log_softmax_true"))
            for k in range(2)
        ]
    ce, init = "cross-entropy-two-samples", "initial-loss-log-n"
    notes = {"logits": CE_LOGITS, "labels": CE_LABELS}
    equal = {"logits": np.zeros((64, 10)), "labels": rng.integers(0, 10, 64)}
    small = {**random_batch(64, 10)}
    small["logits"] = small["logits"] * 1e-3  # nearly equal scores: still ≈ log 10
    return [
        case("notes-mean-loss", notes, ("loss",), {"loss": _notes(0.6422, 4, ce, "loss")}),
        case(
            "notes-log-softmax-at-labels",
            notes,
            ("log_softmax_true",),
            {"log_softmax_true": _notes((-0.6041, -0.6803), 4, ce, "log_softmax_true")},
        ),
        case("notes-per-sample-losses", notes, ("per_sample_loss",)),
        case(
            "initial-loss-equal-scores",
            equal,
            ("loss",),
            {"loss": _notes(2.3, 1, init, "equal_scores")},
            example=init,
        ),
        case(
            "initial-loss-small-scores",
            small,
            ("loss",),
            {"loss": _notes(2.3, 1, init, "small_init")},
            example=init,
        ),
    ]


def _bce_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    case = partial(_case, example="bce-four-samples")
    if hidden:
        return [
            case(
                f"random-{k}",
                {
                    "y": rng.uniform(0.02, 0.98, (5, 1)),
                    "t": rng.integers(0, 2, (5, 1)).astype(np.float64),
                },
                ("terms", "loss"),
            )
            for k in range(2)
        ]
    notes = {"y": BCE_Y, "t": BCE_T}
    terms = _notes((-0.3567, -0.2231, -0.1054, -1.2040), 4, "bce-four-samples", "terms")
    return [
        case("notes-table-terms", notes, ("terms",), {"terms": terms}),
        case("notes-mean-loss", notes, ("loss",)),
    ]


def _regression_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    case = partial(_case, example="mae-example")
    if hidden:
        return [
            case(
                "random", {"pred": rng.normal(0, 3, 6), "true": rng.normal(0, 3, 6)}, ("mae", "mse")
            )
        ]
    # the notes print these from their code (``loss.item()``): 1/3 and 1/6
    mae = {"pred": np.array([2.5, 5.0, 3.0]), "true": np.array([2.0, 5.0, 2.5])}
    mse = {"pred": np.array([2.5, 5.0, 3.0]), "true": np.array([3.0, 5.0, 2.5])}
    return [
        case("notes-mae", mae, ("mae",), {"mae": _notes(0.3333, 4, "mae-example", "loss")}),
        case(
            "notes-mse",
            mse,
            ("mse",),
            {"mse": _notes(0.1667, 4, "mse-example", "loss")},
            example="mse-example",
        ),
    ]


# ------------------------------------------------------------------------------ the items
def _item(
    name: str,
    points: float,
    recipe: str,
    cases: Callable[[np.random.Generator, bool], list[Case]],
    description: str,
    tolerance: str = "default",
) -> Item:
    return Item(
        name=name,
        points=points,
        cases=cases,
        oracle=partial(_oracle, recipe),
        check=check_worked,
        driver="worked",
        tolerance=tolerance,
        description=description,
        function=recipe,
    )


ITEMS: list[Item] = [
    _item(
        "activations.worked_backprop_forward",
        3,
        "backprop_forward",
        _backprop_forward_cases,
        "seed 004, 3.2.5: the 2-2-2 sigmoid network's forward pass and E_total = 0.298371109 "
        "(your sigmoid, and mse_loss for the errors)",
    ),
    _item(
        "activations.worked_backprop_backward",
        3,
        "backprop_backward",
        _backprop_backward_cases,
        "seed 004, 3.2.5: ∂E_total/∂w5 by the chain rule (0.0821670406), and every other weight "
        "and bias (your sigmoid_grad and mse_loss_grad)",
        tolerance="gradient",
    ),
    _item(
        "activations.worked_softmax",
        2,
        "softmax_example",
        _softmax_cases,
        "seeds 001/004: softmax([2, 1, 0.1]) = [0.66, 0.24, 0.10] and softmax([3, 1, −3]) "
        "(your softmax)",
    ),
    _item(
        "activations.worked_derivatives",
        2,
        "activation_derivatives",
        _derivative_cases,
        "seeds 003/004: σ'(0) = 0.25, tanh'(0) = 1, σ' ≈ 0 at ±10, σ' ≤ 1/4, σ' = σ(1 − σ), "
        "tanh(x) = 2σ(2x) − 1 and a sigmoid layer's Jacobian (your sigmoid, tanh and *_grad)",
        tolerance="gradient",
    ),
    _item(
        "activations.worked_xor",
        1,
        "xor_network",
        _xor_cases,
        "seed 001: a two-layer ReLU network computes XOR (and 1 − y XNOR) (your relu)",
    ),
    _item(
        "losses.worked_cross_entropy",
        3,
        "cross_entropy_example",
        _cross_entropy_cases,
        "seeds 002/001: CrossEntropyLoss 0.6422 with log-softmax −0.6041, −0.6803 at the "
        "labels, and the initial loss log 10 ≈ 2.3 (your cross_entropy and log_softmax)",
    ),
    _item(
        "losses.worked_bce",
        2,
        "bce_example",
        _bce_cases,
        "seed 002: the BCE table's terms −0.3567, −0.2231, −0.1054, −1.2040 and their mean "
        "(your binary_cross_entropy)",
    ),
    _item(
        "losses.worked_mae_mse",
        1,
        "regression_losses",
        _regression_cases,
        "seed 002: MAE 0.3333 and MSE 0.1667 (your l1_loss and mse_loss)",
    ),
    _item(
        "optimizers.worked_backprop_sgd_step",
        2,
        "backprop_sgd_step",
        _sgd_step_cases,
        "seed 004, 3.2.5: one SGD step with lr 0.5 on the backprop example's ten parameters and "
        "the error after it (your SGD, fed by your sigmoid_grad and mse_loss_grad)",
    ),
    _item(
        "optimizers.worked_gradient_descent",
        1,
        "gradient_descent",
        _gradient_descent_cases,
        "seed 003: gradient descent on J = θ1² + θ2² from (1, −2): slow, fast, oscillating and "
        "diverging step sizes (your SGD)",
        tolerance="gradient",
    ),
]

if sum(item.points for item in ITEMS) != TOTAL_POINTS:  # pragma: no cover - a registry edit
    raise ValueError(f"worked-example items must total {TOTAL_POINTS} points")
