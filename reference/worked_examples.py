"""The notes' hand-worked computations, recomputed with the reference implementations.

Each :class:`WorkedExample` names where the computation is in the notes (``location``) and
recomputes it (``compute()`` returns named floats and arrays).  What the notes give and print is
not here but in :mod:`graders.notes`, the one record of the notes' numbers (pure data, shared
with the grader's worked-example items): the example's inputs, the values the notes print
(``printed``) with the number of decimals printed (``decimals_for``) and the notes' text that
prints each (``printed_as``, verbatim).  ``compute`` may return more than the notes print (the
backprop example's partial derivatives, which the notes set up but never evaluate; a loss the
notes only print from code, ``print(loss.item())``, never showing the number); those extra
values are checked against torch by the tests, not against the notes.

Every value has a source (:meth:`WorkedExample.source`): :data:`PRINTED` when the notes print
it, otherwise computed here, from the notes' data (:data:`FROM_NOTES`), from a figure's data
the text lacks (:data:`FROM_FIGURE`), or from inputs chosen here to illustrate the notes'
formula (:data:`FROM_CHOSEN`), as the record in :mod:`graders.notes` says.

Where the notes print a value twice and one copy is wrong, ``printed`` holds the right copy and
:mod:`reference.errata` lists the wrong one (``backprop-out-o1-value``).

Everything is deterministic (seeded ``numpy.random.Generator``\\ s) and the whole module runs in
well under two seconds. NumPy, the ``reference`` modules and the data of :mod:`graders.notes`
only: no torch here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from graders import notes
from graders.notes import FROM_CHOSEN, FROM_FIGURE, FROM_NOTES, PRINTED, Inputs
from reference import activations as act
from reference import initializers as init
from reference import layers, losses
from reference import optimizers as optim

__all__ = [
    "EXAMPLES",
    "FROM_CHOSEN",
    "FROM_FIGURE",
    "FROM_NOTES",
    "PRINTED",
    "WorkedExample",
    "by_id",
    "printed_mismatches",
]

Value = float | np.ndarray
Printed = float | int | tuple[float, ...]


@dataclass(frozen=True)
class WorkedExample:
    """One hand-worked computation of the notes; what the notes give and print is its
    :attr:`record` in :mod:`graders.notes`.

    ``printed[key]`` is the value the notes print for ``compute()[key]``, to
    ``decimals_for(key)`` decimals, and ``printed_as[key]`` the excerpts of the notes' text that
    print it, verbatim (a test finds each in the seed).
    """

    id: str
    location: str
    description: str
    compute: Callable[[], dict[str, Value]] = field(repr=False, compare=False)

    @property
    def record(self) -> notes.Example:
        """The notes' inputs and printed values of this example."""
        return notes.example(self.id)

    @property
    def seed(self) -> str:
        return self.record.seed

    @property
    def inputs(self) -> Inputs:
        """Where the example's inputs come from: the notes, a figure, or chosen here."""
        return self.record.inputs

    @property
    def printed(self) -> Mapping[str, Printed]:
        return MappingProxyType({k: p.value for k, p in self.record.printed.items()})

    @property
    def printed_as(self) -> Mapping[str, tuple[str, ...]]:
        return MappingProxyType({k: p.quotes for k, p in self.record.printed.items()})

    def decimals_for(self, key: str) -> int:
        """Number of decimals the notes print for ``key``."""
        return self.record.printed[key].decimals

    @property
    def computed(self) -> str:
        """The source of the values the notes do not print (they are computed here)."""
        return notes.COMPUTED[self.inputs]

    def source(self, key: str) -> str:
        """Where ``compute()[key]`` comes from: :data:`PRINTED` or what it is computed from."""
        return self.record.source(key)


def printed_mismatches(
    example: WorkedExample, values: Mapping[str, Any] | None = None
) -> list[str]:
    """Keys whose computed value does not round to the notes' printed value (empty: all do).

    A computed value reproduces a printed one with ``d`` decimals when they differ by at most
    half a unit in the last printed place (elementwise for arrays).
    """
    values = example.compute() if values is None else values
    bad = []
    for key, shown in example.printed.items():
        half_ulp = 0.5 * 10.0 ** (-example.decimals_for(key)) + 1e-12
        got = np.asarray(values[key], dtype=np.float64)
        want = np.asarray(shown, dtype=np.float64)
        if got.shape != want.shape or not bool(np.all(np.abs(got - want) <= half_ulp)):
            bad.append(key)
    return bad


def _data(example_id: str) -> Mapping[str, Any]:
    """The inputs of a worked example (graders.notes)."""
    return notes.example(example_id).data


def _f(x: Any) -> float:
    return float(np.asarray(x, dtype=np.float64))


# ---------------------------------------------------------------------------------------------
# seed 004, 3.2.5: the backpropagation example (2 inputs, 2 sigmoid hidden, 2 sigmoid outputs)
# ---------------------------------------------------------------------------------------------

_BP = _data("backprop-forward")
#: i1, i2 and the targets o1, o2; w1..w8, b1, b2 (graders.notes: which weight feeds which unit)
BP_INPUTS: tuple[float, ...] = tuple(_BP["inputs"])
BP_TARGETS: tuple[float, ...] = tuple(_BP["targets"])
BP_PARAMS: Mapping[str, float] = _BP["params"]
BP_LR: float = _data("backprop-sgd-step")["lr"]  # chosen here: the notes give no learning rate


def _bp_layers(
    p: Mapping[str, float],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The two layers' weights and biases: row k of a weight matrix feeds unit k."""
    w_hidden = np.array([[p["w1"], p["w2"]], [p["w3"], p["w4"]]])
    w_out = np.array([[p["w5"], p["w6"]], [p["w7"], p["w8"]]])
    return w_hidden, np.full(2, p["b1"]), w_out, np.full(2, p["b2"])


def _bp_forward(p: Mapping[str, float]) -> dict[str, Value]:
    w_hidden, b_hidden, w_out, b_out = _bp_layers(p)
    net_h = layers.linear(np.array(BP_INPUTS), w_hidden, b_hidden)  # w1 i1 + w2 i2 + b1 ...
    out_h = act.sigmoid(net_h)
    net_o = layers.linear(out_h, w_out, b_out)  # w5 out_h1 + w6 out_h2 + b2 ...
    out_o = act.sigmoid(net_o)
    # E = Σ ½ (target - output)²: half of the unreduced squared error
    e = 0.5 * losses.mse_loss(out_o, np.array(BP_TARGETS), reduction="none")
    return {
        "net_h1": _f(net_h[0]),
        "net_h2": _f(net_h[1]),
        "out_h1": _f(out_h[0]),
        "out_h2": _f(out_h[1]),
        "net_o1": _f(net_o[0]),
        "net_o2": _f(net_o[1]),
        "out_o1": _f(out_o[0]),
        "out_o2": _f(out_o[1]),
        "E_o1": _f(e[0]),
        "E_o2": _f(e[1]),
        "E_total": _f(e.sum()),
    }


def _bp_gradients(p: Mapping[str, float]) -> dict[str, float]:
    """∂E_total/∂(w1..w8, b1, b2) by the chain rule, as the notes set it up for w5.

    Each layer's gradients come from :func:`reference.layers.linear_grad` fed the upstream
    ∂E/∂net; b1 (b2) is shared by both units of its layer, so its gradient is their sum.
    """
    fw = _bp_forward(p)
    w_hidden, b_hidden, w_out, b_out = _bp_layers(p)
    out_h = np.array([fw["out_h1"], fw["out_h2"]])
    out_o = np.array([fw["out_o1"], fw["out_o2"]])
    net_h = np.array([fw["net_h1"], fw["net_h2"]])
    net_o = np.array([fw["net_o1"], fw["net_o2"]])
    # ∂E/∂out_o = out_o - target (the gradient of ½·sum of squares)
    de_dout = 0.5 * losses.mse_loss_grad(out_o, np.array(BP_TARGETS), reduction="sum")
    delta_o = de_dout * act.sigmoid_grad(net_o)  # ∂E/∂net_o
    de_douth, grad_w_out, grad_b_out = layers.linear_grad(out_h, w_out, b_out, delta_o)
    delta_h = de_douth * act.sigmoid_grad(net_h)  # ∂E/∂net_h
    _, grad_w_hidden, grad_b_hidden = layers.linear_grad(
        np.array(BP_INPUTS), w_hidden, b_hidden, delta_h
    )
    assert grad_b_out is not None and grad_b_hidden is not None
    return {
        "dE/dout_o1": _f(de_dout[0]),
        "dout_o1/dnet_o1": _f(act.sigmoid_grad(net_o[0])),
        "dnet_o1/dw5": _f(out_h[0]),
        **{f"dE/dw{k + 1}": _f(g) for k, g in enumerate(grad_w_hidden.ravel())},
        **{f"dE/dw{k + 5}": _f(g) for k, g in enumerate(grad_w_out.ravel())},
        "dE/db1": _f(grad_b_hidden.sum()),
        "dE/db2": _f(grad_b_out.sum()),
    }


def _backprop_forward() -> dict[str, Value]:
    return _bp_forward(BP_PARAMS)


def _backprop_backward() -> dict[str, Value]:
    return dict(_bp_gradients(BP_PARAMS))


def _backprop_sgd_step() -> dict[str, Value]:
    grads = _bp_gradients(BP_PARAMS)
    params = {name: optim.Parameter(value) for name, value in BP_PARAMS.items()}
    for name, prm in params.items():
        prm.grad = np.array(grads[f"dE/d{name}"])
    optim.SGD(list(params.values()), lr=BP_LR).step()
    updated = {name: _f(prm.data) for name, prm in params.items()}
    out: dict[str, Value] = {f"{name}+": value for name, value in updated.items()}
    out["E_total+"] = _bp_forward(updated)["E_total"]
    return out


# ---------------------------------------------------------------------------------------------
# seed 002: loss functions and nn.Linear
# ---------------------------------------------------------------------------------------------

CE_LOGITS: np.ndarray = _data("cross-entropy-two-samples")["logits"]
CE_LABELS: np.ndarray = _data("cross-entropy-two-samples")["labels"]


def _cross_entropy() -> dict[str, Value]:
    shifted = CE_LOGITS - CE_LOGITS.max(axis=1, keepdims=True)  # "减去最大值"
    log_sum = np.log(np.exp(shifted).sum(axis=1))  # "求和并取对数"
    log_p = act.log_softmax(CE_LOGITS, dim=1)
    picked = log_p[np.arange(2), CE_LABELS]
    return {
        "shifted_logits": shifted,
        "log_sum_exp_shifted": log_sum,
        "log_softmax_true": picked,
        "per_sample_loss": -picked,
        "loss": _f(losses.cross_entropy(CE_LOGITS, CE_LABELS)),
    }


BCE_Y: np.ndarray = _data("bce-four-samples")["y"]
BCE_T: np.ndarray = _data("bce-four-samples")["t"]


def _bce() -> dict[str, Value]:
    # the table's column t log y + (1 - t) log(1 - y) is minus the unreduced loss
    terms = -losses.binary_cross_entropy(BCE_Y, BCE_T, reduction="none").ravel()
    return {
        "terms": terms,
        "loss": _f(losses.binary_cross_entropy(BCE_Y, BCE_T)),
    }


MAE_TRUE: np.ndarray = _data("mae-example")["true"]
MAE_PRED: np.ndarray = _data("mae-example")["pred"]
MSE_TRUE: np.ndarray = _data("mse-example")["true"]
MSE_PRED: np.ndarray = _data("mse-example")["pred"]


def _mae() -> dict[str, Value]:
    return {"loss": _f(losses.l1_loss(MAE_PRED, MAE_TRUE))}


def _mse() -> dict[str, Value]:
    return {"loss": _f(losses.mse_loss(MSE_PRED, MSE_TRUE))}


LINEAR_X: np.ndarray = _data("linear-forward")["x"]
LINEAR_W: np.ndarray = _data("linear-forward")["weight"]


def _linear_forward() -> dict[str, Value]:
    fan_in = LINEAR_W.shape[1]
    bound = 1.0 / math.sqrt(fan_in)  # nn.Linear's bias: U(-1/√fan_in, 1/√fan_in)
    bias = init.uniform_(np.empty(2), -bound, bound, generator=np.random.default_rng(2))
    x_wt = layers.linear(LINEAR_X, LINEAR_W)  # "输出:权重参数会转置": y = x Wᵀ + b
    output = layers.linear(LINEAR_X, LINEAR_W, bias)
    return {"x_WT": x_wt, "bias_bound": bound, "bias": bias, "output": output}


def _linear_default_init() -> dict[str, Value]:
    data = _data("linear-default-init")
    a, (out_s, in_s), (out_b, in_b) = data["a"], data["small"], data["big"]
    gain = init.calculate_gain("leaky_relu", a)  # √(2/(1+5)) = 1/√3 for a = √5
    small = init.kaiming_uniform_(np.empty((out_s, in_s)), a=a, generator=_rng(3))
    big = init.kaiming_uniform_(np.empty((out_b, in_b)), a=a, generator=_rng(4))
    return {
        "gain": gain,
        f"bound_{in_s}_to_{out_s}": gain * math.sqrt(3.0 / in_s),  # = 1/√6
        f"max_abs_{in_s}_to_{out_s}": _f(np.abs(small).max()),
        f"bound_{in_b}": gain * math.sqrt(3.0 / in_b),  # = 1/√400 = 0.05
        f"max_abs_{in_b}": _f(np.abs(big).max()),
        f"std_{in_b}": _f(big.std()),  # ≈ bound/√3
    }


# ---------------------------------------------------------------------------------------------
# seeds 000 and 002: variance propagation and the Xavier / Kaiming formulas
# ---------------------------------------------------------------------------------------------

VAR_WIDTH: int = _data("variance-propagation")["width"]
VAR_DEPTH: int = _data("variance-propagation")["depth"]
VAR_BATCH: int = _data("variance-propagation")["batch"]


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(20240000 + seed)


def _matmul_t(h: np.ndarray, w: np.ndarray) -> np.ndarray:
    """h Wᵀ by einsum's own loop, not BLAS: small products, where BLAS threads only contend
    (seconds instead of milliseconds on a busy machine), and one summation order everywhere."""
    return np.einsum("bi,oi->bo", h, w)


def _deep_std(
    fill: Callable[[np.ndarray, np.random.Generator], np.ndarray],
    activation: Callable[[np.ndarray], np.ndarray] | None,
    seed: int,
) -> tuple[float, np.ndarray]:
    """Std of the last layer's output, and each layer's std, for a 20-layer, 128-wide net."""
    rng = _rng(seed)
    h = rng.standard_normal((VAR_BATCH, VAR_WIDTH))
    stds = []
    for _ in range(VAR_DEPTH):
        w = fill(np.empty((VAR_WIDTH, VAR_WIDTH)), rng)
        h = _matmul_t(h, w)
        if activation is not None:
            h = activation(h)
        stds.append(float(h.std()))
    return stds[-1], np.array(stds)


def _variance_propagation() -> dict[str, Value]:
    n = VAR_WIDTH
    rng = _rng(10)
    x = rng.standard_normal((VAR_BATCH, n))
    w = rng.standard_normal((n, n))
    one_layer = float(_matmul_t(x, w).std())  # D(H) = n·D(X)·D(W) = n: std √n ≈ 11.3
    lin_std1, _ = _deep_std(lambda t, g: init.normal_(t, 0.0, 1.0, generator=g), None, 11)
    lin_small, _ = _deep_std(lambda t, g: init.normal_(t, 0.0, 0.01, generator=g), None, 12)
    # Xavier for a square linear layer: D(W) = 2/(n + n) = 1/n
    lin_xavier, lin_xavier_all = _deep_std(
        lambda t, g: init.xavier_normal_(t, generator=g), None, 13
    )
    tanh_std1, _ = _deep_std(lambda t, g: init.normal_(t, 0.0, 1.0, generator=g), act.tanh, 14)
    tanh_xavier, _ = _deep_std(lambda t, g: init.xavier_uniform_(t, generator=g), act.tanh, 15)
    tanh_xavier_gain, tanh_xavier_gain_all = _deep_std(
        lambda t, g: init.xavier_uniform_(t, gain=init.calculate_gain("tanh"), generator=g),
        act.tanh,
        18,
    )
    relu_kaiming, relu_kaiming_all = _deep_std(
        lambda t, g: init.kaiming_normal_(t, nonlinearity="relu", generator=g), act.relu, 16
    )
    relu_std1, _ = _deep_std(lambda t, g: init.normal_(t, 0.0, 1.0, generator=g), act.relu, 17)
    return {
        "one_layer_std": one_layer,
        "one_layer_std_theory": math.sqrt(n),
        "linear_std1_log10": math.log10(lin_std1),
        "linear_std1_log10_theory": VAR_DEPTH * math.log10(math.sqrt(n) * 1.0),
        "linear_std0.01_log10": math.log10(lin_small),
        "linear_std0.01_log10_theory": VAR_DEPTH * math.log10(math.sqrt(n) * 0.01),
        "linear_xavier": lin_xavier,
        "linear_xavier_per_layer": lin_xavier_all,
        "tanh_std1": tanh_std1,
        "tanh_xavier": tanh_xavier,
        "tanh_xavier_gain_5/3": tanh_xavier_gain,
        "tanh_xavier_gain_5/3_per_layer": tanh_xavier_gain_all,
        "relu_std1_log10": math.log10(relu_std1),
        "relu_kaiming": relu_kaiming,
        "relu_kaiming_per_layer": relu_kaiming_all,
    }


def _xavier_uniform_variance() -> dict[str, Value]:
    n_in, n_out = (
        _data("xavier-uniform-variance")["n_in"],
        _data("xavier-uniform-variance")["n_out"],
    )
    a = math.sqrt(6.0) / math.sqrt(n_in + n_out)
    w = init.xavier_uniform_(np.empty((n_out, n_in)), generator=_rng(20))
    return {
        "a": a,
        "variance_a2_over_3": a * a / 3.0,  # D(W) = (2a)²/12 = a²/3
        "variance_target": 2.0 / (n_in + n_out),
        "sample_variance": _f(w.var()),
        "sample_max_abs": _f(np.abs(w).max()),
    }


def _kaiming_variance() -> dict[str, Value]:
    n_in, slope = _data("kaiming-variance")["n_in"], _data("kaiming-variance")["slope"]
    target = 2.0 / ((1.0 + slope**2) * n_in)  # D(W) = 2 / ((1 + a²) n_i)
    w = init.kaiming_normal_(np.empty((400, n_in)), a=slope, generator=_rng(21))
    return {
        "variance_target": target,
        "std_target": math.sqrt(target),
        "gain": init.calculate_gain("leaky_relu", slope),
        "sample_std": _f(w.std()),
    }


# ---------------------------------------------------------------------------------------------
# seed 001: softmax, the initial loss, XOR
# ---------------------------------------------------------------------------------------------

SOFTMAX_Y: np.ndarray = _data("softmax-2-1-0.1")["scores"]


def _softmax_example() -> dict[str, Value]:
    s = act.softmax(SOFTMAX_Y)
    return {"softmax": s, "sum": _f(s.sum())}


def _initial_loss() -> dict[str, Value]:
    data = _data("initial-loss-log-n")
    n_classes, batch, features = data["classes"], data["batch"], data["features"]
    rng = _rng(30)
    labels = rng.integers(0, n_classes, size=batch)
    equal = losses.cross_entropy(np.zeros((batch, n_classes)), labels)
    x = rng.standard_normal((batch, features))
    w = init.uniform_(np.empty((n_classes, features)), -1e-3, 1e-3, generator=rng)
    small = losses.cross_entropy(layers.linear(x, w), labels)
    return {"log_N": math.log(n_classes), "equal_scores": _f(equal), "small_init": _f(small)}


_XOR = _data("xor-not-linearly-separable")
GATE_AB: np.ndarray = _XOR["ab"]
XOR_Y: np.ndarray = _XOR["y"]  # the slide's table (labelled XNOR; see the errata)
#: two-layer ReLU network, chosen here: h = relu(W1 [A, B] + b1), y = W2 h
XOR_W1: np.ndarray = _XOR["w1"]
XOR_B1: np.ndarray = _XOR["b1"]
XOR_W2: np.ndarray = _XOR["w2"]


def _xor() -> dict[str, Value]:
    design = np.c_[GATE_AB, np.ones(4)]  # rows [A, B, 1]
    # A threshold unit [w·x + b > 0] separating XOR needs f(01) > 0, f(10) > 0, f(00) ≤ 0,
    # f(11) ≤ 0, so f(01) + f(10) - f(00) - f(11) > 0; but these multipliers annihilate every
    # affine f (λᵀ[X 1] = 0), so that sum is 0 for all (w, b): no linear separator exists.
    # The same certificate, negated, rules out XNOR.
    certificate = np.array([-1.0, 1.0, 1.0, -1.0])
    residual = certificate @ design
    # the slide's "Y = w1 A + w2 B": the best least-squares fit, with and without a bias
    coef_nobias, *_ = np.linalg.lstsq(GATE_AB, XOR_Y, rcond=None)
    coef_bias, *_ = np.linalg.lstsq(design, XOR_Y, rcond=None)
    hidden = act.relu(layers.linear(GATE_AB, XOR_W1, XOR_B1))
    out = layers.linear(hidden, XOR_W2)
    step_hidden = (GATE_AB @ XOR_W1.T + np.array([-0.5, -1.5]) > 0).astype(np.float64)
    step_out = (step_hidden @ np.array([1.0, -1.0]) - 0.5 > 0).astype(np.float64)
    return {
        "certificate_residual": np.abs(residual),
        "linear_fit_mse_no_bias": _f(np.mean((GATE_AB @ coef_nobias - XOR_Y) ** 2)),
        "linear_fit_mse_with_bias": _f(np.mean((design @ coef_bias - XOR_Y) ** 2)),
        "two_layer_relu_xor": out,
        "two_layer_relu_xnor": 1.0 - out,
        "two_layer_threshold_xor": step_out,
    }


# ---------------------------------------------------------------------------------------------
# seed 003: gradient descent on J = θ1² + θ2², partial derivatives, the derivative table
# ---------------------------------------------------------------------------------------------

GD_THETA0: np.ndarray = _data("gradient-descent-quadratic")["theta0"]
GD_RUNS: tuple[tuple[float, int], ...] = _data("gradient-descent-quadratic")["runs"]


def _gd_run(alpha: float, steps: int) -> np.ndarray:
    theta = optim.Parameter(GD_THETA0)
    opt = optim.SGD([theta], lr=alpha)
    for _ in range(steps):
        opt.zero_grad()
        theta.grad = 2.0 * theta.data  # dJ/dθ_k = 2θ_k
        opt.step()
    return theta.data.copy()


def _gradient_descent() -> dict[str, Value]:
    out: dict[str, Value] = {}
    for alpha, steps in GD_RUNS:
        theta = _gd_run(alpha, steps)
        out[f"theta_alpha{alpha}_t{steps}"] = theta
        out[f"closed_form_alpha{alpha}_t{steps}"] = GD_THETA0 * (1.0 - 2.0 * alpha) ** steps
        out[f"J_alpha{alpha}_t{steps}"] = _f(np.sum(theta**2))
    return out


Z_POINTS: np.ndarray = _data("partials-z")["points"]  # rows (x, y)


def _partials_z() -> dict[str, Value]:
    x, y = Z_POINTS[:, 0], Z_POINTS[:, 1]
    h = 1e-6

    def z(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return b**2 - a**2

    return {
        "dz_dx": -2.0 * x,
        "dz_dy": 2.0 * y,
        "dz_dx_central_difference": (z(x + h, y) - z(x - h, y)) / (2 * h),
        "dz_dy_central_difference": (z(x, y + h) - z(x, y - h)) / (2 * h),
    }


TABLE_X: np.ndarray = _data("derivative-table")["x"]
TABLE_A: float = _data("derivative-table")["a"]


def _derivative_table() -> dict[str, Value]:
    x, a = TABLE_X, TABLE_A
    return {
        "c": np.zeros_like(x),
        "x": np.ones_like(x),
        "ax": np.full_like(x, a),
        "x^2": 2.0 * x,
        "sqrt(x)": 0.5 * x**-0.5,
        "e^x": np.exp(x),
        "a^x": math.log(a) * a**x,
        "ln(x)": 1.0 / x,
        "log_a(x)": 1.0 / (x * math.log(a)),
        "sin(x)": np.cos(x),
        "cos(x)": -np.sin(x),
        "tan(x)": 1.0 / np.cos(x) ** 2,
    }


ACT_X: np.ndarray = _data("sigmoid-tanh-identities")["x"]


def _sigmoid_tanh_identities() -> dict[str, Value]:
    s = act.sigmoid(ACT_X)
    return {
        "sigmoid_grad": act.sigmoid_grad(ACT_X),
        "sigmoid_minus_sigmoid_sq": s - s**2,  # σ' = σ - σ² = σ(1 - σ)
        "tanh": act.tanh(ACT_X),
        "two_sigmoid_2x_minus_1": 2.0 * act.sigmoid(2.0 * ACT_X) - 1.0,
        "tanh_grad": act.tanh_grad(ACT_X),
        "one_minus_tanh_sq": 1.0 - act.tanh(ACT_X) ** 2,
    }


SOFTMAX_A: np.ndarray = _data("softmax-jacobian")["a"]


def _softmax_jacobian() -> dict[str, Value]:
    p = act.softmax(SOFTMAX_A)
    jac = act.softmax_grad(SOFTMAX_A)
    return {
        "jacobian": jac,
        "diagonal_p_i_1_minus_p_i": p * (1 - p),  # i = j: p_i (1 - p_j) = p_j (1 - p_j)
        "off_diagonal_minus_p_i_p_j": -np.outer(p, p) * (1 - np.eye(3)),  # i ≠ j: -p_j p_i
    }


# ---------------------------------------------------------------------------------------------
# seed 004: perceptrons, convolution arithmetic, activation derivatives, losses
# ---------------------------------------------------------------------------------------------

VOTE_SCORES: np.ndarray = _data("perceptron-vote")["scores"]
VOTE_WEIGHTS: np.ndarray = _data("perceptron-vote")["weights"]
VOTE_THRESHOLD: float = _data("perceptron-vote")["threshold"]


def _perceptron_vote() -> dict[str, Value]:
    total = _f(layers.linear(VOTE_SCORES, VOTE_WEIGHTS))  # 4×1 + 1×3 + (-3)×2 = 1
    return {"weighted_sum": total, "output": float(total > VOTE_THRESHOLD)}


NAND_W: np.ndarray = _data("nand-perceptron")["weights"]
NAND_B: float = _data("nand-perceptron")["bias"]


def _nand() -> dict[str, Value]:
    sums = layers.linear(GATE_AB, NAND_W[None], np.array([NAND_B]))[:, 0]
    return {
        "weighted_sums": sums,
        "outputs": (sums > 0).astype(np.float64),
        "sum_input_01": _f(sums[1]),  # 0×(-2) + 1×(-2) + 3 = 1
        "output_input_01": float(sums[1] > 0),
    }


#: the figure the text lacks: the classic 5×5 binary image and 3×3 filter (bias 0)
CONV_IMAGE: np.ndarray = _data("conv-5x5-feature-map")["image"]
CONV_FILTER: np.ndarray = _data("conv-5x5-feature-map")["filter"]
CONV_BIAS: float = _data("conv-5x5-feature-map")["bias"]


def _feature_map(stride: int) -> np.ndarray:
    """a = relu(conv(x, w) + w_b) on the one-channel image: the notes' f is ReLU."""
    x, w = CONV_IMAGE[None], CONV_FILTER[None, None]  # (C, H, W) and (O, C, F, F)
    return act.relu(layers.conv2d(x, w, np.array([CONV_BIAS]), stride=stride))[0]


def _conv_feature_maps() -> dict[str, Value]:
    s1, s2 = _feature_map(1), _feature_map(2)
    return {
        "a_00": _f(s1[0, 0]),
        # w_{m,n} x_{m,n} over the first window, in the notes' order w00 x00, w01 x01, ...
        "a_00_terms": (CONV_FILTER * CONV_IMAGE[:3, :3]).ravel(),
        "stride1_size": np.array(s1.shape, dtype=np.float64),  # "一个 3*3 的 Feature Map"
        "stride1": s1,
        "stride2": s2,
    }


def _out_width(w1: int, f: int, p: int, s: int) -> float:
    """The output width of reference conv2d: W2 = ⌊(W1 - F + 2P)/S⌋ + 1."""
    out = layers.conv2d(np.zeros((1, w1, w1)), np.zeros((1, 1, f, f)), stride=s, padding=p)
    return float(out.shape[-1])


#: (W1, F, P, S): the notes' example (5-3+0)/2 + 1 = 2, stride 1 (3), the two-filter figure
#: (5×5×3, P=1: 3) and a 7×7 input with P=1 (4, see errata)
CONV_SIZES: tuple[tuple[int, int, int, int], ...] = _data("conv-output-size")["sizes"]


def _conv_output_size() -> dict[str, Value]:
    return {"W2_{}_{}_{}_{}".format(*size): _out_width(*size) for size in CONV_SIZES}


_TWO_FILTERS = _data("conv-two-filters-56-parameters")
CONV_DEPTH_SHAPE: tuple[int, int, int] = _TWO_FILTERS["input_shape"]


def _conv_depth_two_filters() -> dict[str, Value]:
    rng = _rng(40)
    x = rng.integers(0, 3, size=CONV_DEPTH_SHAPE).astype(np.float64)
    k, depth = _TWO_FILTERS["kernel"], CONV_DEPTH_SHAPE[0]
    w = rng.integers(-1, 2, size=(_TWO_FILTERS["filters"], depth, k, k)).astype(np.float64)
    b = _TWO_FILTERS["biases"].astype(np.float64)
    stride, padding = _TWO_FILTERS["stride"], _TWO_FILTERS["padding"]
    maps = layers.conv2d(x, w, b, stride=stride, padding=padding)  # (D, H, W) = (2, 3, 3)
    return {
        "parameters": float(w.size + b.size),  # (3*3*3 + 1) * 2 = 56
        "output_size": np.array([*maps.shape[1:], maps.shape[0]], dtype=np.float64),  # 3*3*2
        "input": x,
        "weights": w,
        "biases": b,
        "feature_maps": maps,  # (2, 3, 3): the 3×3×2 output of the figure
    }


#: a 4×4 map for 2×2 pooling, stride 2 (the notes' figure is not in the text; this is the
#: common illustration of max pooling), and a depth-3 stack of it (the map, 10 − it, 2×)
POOL_MAP: np.ndarray = _data("pooling-2x2")["map"]


POOL_KERNEL: int = _data("pooling-2x2")["kernel"]


def _pooling() -> dict[str, Value]:
    depth3 = np.stack([POOL_MAP, 10.0 - POOL_MAP, 2.0 * POOL_MAP])
    k = POOL_KERNEL
    maxed = layers.max_pool2d(depth3, k)  # "在 n*n 的样本中取最大值"
    return {
        "max_pool": maxed[0],
        "avg_pool": layers.avg_pool2d(POOL_MAP[None], k)[0],  # "取各样本的平均值"
        "depth3_max_pool": maxed,
        "depth_after": float(maxed.shape[0]),  # "Pooling 后的深度仍然为 D"
        "max_pool_grad": layers.max_pool2d_grad(POOL_MAP[None], k)[0],  # 1 at each maximum
    }


#: the notes' points 0, 10, -10 and a grid over [-20, 20] (chosen here; it includes 0)
DERIVATIVE_POINTS: np.ndarray = _data("activation-derivatives")["points"]
DERIVATIVE_GRID: tuple[float, float, int] = _data("activation-derivatives")["grid"]


def _activation_derivatives() -> dict[str, Value]:
    grid = np.linspace(*DERIVATIVE_GRID)
    sg, tg = act.sigmoid_grad(grid), act.tanh_grad(grid)
    at = act.sigmoid_grad(DERIVATIVE_POINTS), act.tanh_grad(DERIVATIVE_POINTS)
    return {
        **{f"sigmoid_grad_{x:g}": _f(v) for x, v in zip(DERIVATIVE_POINTS, at[0], strict=True)},
        **{f"tanh_grad_{x:g}": _f(v) for x, v in zip(DERIVATIVE_POINTS, at[1], strict=True)},
        "sigmoid_grad_max": _f(sg.max()),  # σ' ∈ (0, 1/4]
        "sigmoid_grad_min": _f(sg.min()),
        "tanh_grad_max": _f(tg.max()),  # tanh' ∈ (0, 1]
        "tanh_grad_min": _f(tg.min()),
    }


_CEW = _data("cross-entropy-weight-gradient")
CEW_N: int = _CEW["n"]
CEW_D: int = _CEW["d"]


def _ce_weight_gradient_data() -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    rng = _rng(50)
    x = rng.standard_normal((CEW_N, CEW_D))
    y = rng.integers(0, 2, size=CEW_N).astype(np.float64)
    w = rng.standard_normal(CEW_D) * 0.5
    return x, y, w, _CEW["b"]


def _ce_weight_gradient() -> dict[str, Value]:
    x, y, w, b = _ce_weight_gradient_data()
    z = layers.linear(x, w[None], np.array([b]))[:, 0]  # z = Σ w_j x_j + b
    a = act.sigmoid(z)
    # the notes' result: ∂C/∂w_j = (1/n) Σ x_j (σ(z) - y), ∂C/∂b = (1/n) Σ (σ(z) - y)
    grad_w = x.T @ (a - y) / CEW_N
    grad_b = _f(np.mean(a - y))
    # the same by the chain rule through the reference BCE gradient: σ'(z) cancels
    upstream = losses.binary_cross_entropy_grad(a, y) * act.sigmoid_grad(z)
    # the quadratic cost ½ mean (a - y)² keeps σ'(z): the learning slowdown
    quad = x.T @ ((a - y) * act.sigmoid_grad(z)) / CEW_N
    return {
        "x": x,
        "y": y,
        "w": w,
        "b": b,
        "cost": _f(losses.binary_cross_entropy(a, y)),
        "grad_w": grad_w,
        "grad_b": grad_b,
        "grad_w_chain_rule": x.T @ upstream,
        "grad_b_chain_rule": _f(upstream.sum()),
        "grad_w_quadratic_cost": quad,
    }


_CENTER = _data("center-loss")
CENTER_X: np.ndarray = _CENTER["x"]
CENTER_LABELS: np.ndarray = _CENTER["labels"]
CENTER_C: np.ndarray = _CENTER["centers"]  # class 3 unused
CENTER_ALPHA: float = _CENTER["alpha"]


def _center_loss() -> dict[str, Value]:
    k = CENTER_C.shape[0]
    delta = np.zeros_like(CENTER_C)
    for j in range(k):
        mask = np.equal(CENTER_LABELS, j)
        delta[j] = (CENTER_C[j] - CENTER_X[mask]).sum(axis=0) / (1 + mask.sum())
    return {
        "L_C": _f(losses.center_loss(CENTER_X, CENTER_LABELS, CENTER_C)),
        "dL_dx": losses.center_loss_grad(CENTER_X, CENTER_LABELS, CENTER_C),
        "delta_c": delta,
        "centers_after": losses.center_loss_update(CENTER_X, CENTER_LABELS, CENTER_C, CENTER_ALPHA),
    }


LAYER_W: np.ndarray = _data("layer-jacobian")["w"]
LAYER_H: np.ndarray = _data("layer-jacobian")["h"]


def _layer_jacobian() -> dict[str, Value]:
    # ∂h_{t+1}/∂h_t = diag(σ'(W h_t)) W for h_{t+1} = σ(W h_t)
    return {"jacobian": act.sigmoid_grad(layers.linear(LAYER_H, LAYER_W))[:, None] * LAYER_W}


SOFTMAX_V: np.ndarray = _data("softmax-3-1-minus3")["scores"]


def _softmax_three_logits() -> dict[str, Value]:
    s = act.softmax(SOFTMAX_V)
    return {"softmax": s, "sum": _f(s.sum())}


# ---------------------------------------------------------------------------------------------
# the list (the notes' inputs and printed values: graders.notes)
# ---------------------------------------------------------------------------------------------

EXAMPLES: tuple[WorkedExample, ...] = (
    # --- seed 000 (with seed 002's Xavier/He sections) -------------------------------------
    WorkedExample(
        id="variance-propagation",
        location="1.1 梯度消失与爆炸: “D(H_1) = n*D(X)*D(W) = 1 ⇒ D(W) = 1/n”; seed 002 §3-4",
        description="D(H) = n·D(X)·D(W): one 128-wide layer of N(0,1) weights has output std "
        "√n ≈ 11.3; through 20 layers the activations explode (std 1) or vanish (std 0.01) "
        "geometrically, stay at 1 with Xavier's D(W) = 1/n (linear), settle near 0.65 with "
        "Xavier and tanh's gain 5/3 (tanh with gain 1 slowly shrinks; with std 1 it "
        "saturates at ±1) and stay O(1) with Kaiming (ReLU).",
        compute=_variance_propagation,
    ),
    WorkedExample(
        id="xavier-uniform-variance",
        location="1.2 Xavier初始化: “D(W) = (−a−a)²/12 = a²/3 ... a = √6/√(n_i + n_{i+1})”",
        description="U[-a, a] has variance a²/3; a = √6/√(n_i + n_{i+1}) gives "
        "D(W) = 2/(n_i + n_{i+1}); a 100×300 xavier_uniform_ sample agrees.",
        compute=_xavier_uniform_variance,
    ),
    WorkedExample(
        id="kaiming-variance",
        location="Kaiming初始化: “D(W) = 2/((1+a²)*n_i)”",
        description="std(W) = √(2/((1 + a²) n_i)) for leaky ReLU slope a = 0.2, n_i = 500; a "
        "kaiming_normal_ sample agrees.",
        compute=_kaiming_variance,
    ),
    # --- seed 001 -------------------------------------------------------------------------
    WorkedExample(
        id="softmax-2-1-0.1",
        location="Softmax: “y = [2.0, 1.0, 0.1] → S(y) = [0.66, 0.24, 0.10]”",
        description="Softmax of [2.0, 1.0, 0.1].",
        compute=_softmax_example,
    ),
    WorkedExample(
        id="initial-loss-log-n",
        location="损失函数: “log N ... 对于N = 10类的CIFAR-10数据集, 初始损失应为2.3左右”",
        description="With equal (or nearly equal, from tiny random weights) scores the softmax "
        "cross-entropy is log N: 2.3 for N = 10.",
        compute=_initial_loss,
    ),
    WorkedExample(
        id="xor-not-linearly-separable",
        location="激活函数: “XNOR(异或门)的真值表 ... Q: 线性网络能够模拟异或门的工作吗? "
        "Y = w1 A + w2 B”",
        description="No linear threshold unit separates the table (a Farkas certificate "
        "annihilates every affine function), the best linear fits keep MSE 1/3 (no bias) and "
        "1/4 (bias); a two-layer ReLU net h = relu([A+B, A+B-1]), y = h1 - 2 h2 computes it "
        "exactly (and 1 - y gives XNOR).",
        compute=_xor,
    ),
    # --- seed 002 -------------------------------------------------------------------------
    WorkedExample(
        id="linear-forward",
        location="1.3 任意常数的初始化, func3: “net.weight.data = torch.tensor([[0.1,0.2],"
        "[0.3,0.4]]) # 输出:权重参数会转置”",
        description="nn.Linear(2, 2) on x = [[0.1, 0.95]]: y = x Wᵀ + b = [0.2, 0.41] + b, "
        "with the default bias b ~ U(±1/√2).",
        compute=_linear_forward,
    ),
    WorkedExample(
        id="linear-default-init",
        location="5. 总结: “每个网络层的参数都有默认的初始化方法”",
        description="nn.Linear's default weight init, kaiming_uniform_(a=√5): gain 1/√3, "
        "bound 1/√fan_in (0.408 for Linear(6, 4)).",
        compute=_linear_default_init,
    ),
    WorkedExample(
        id="mae-example",
        location="1.1 MAE损失: “y_true = [2,5,2.5], y_pred = [2.5,5,3]”",
        description="L1 loss (mean): (0.5 + 0 + 0.5)/3 = 1/3 = 0.3333, computed here (the notes' "
        "code prints it with print(...), the text shows no number).",
        compute=_mae,
    ),
    WorkedExample(
        id="mse-example",
        location="1.2 MES损失: “y_true = [3,5,2.5], y_pred = [2.5,5,3]”",
        description="MSE loss (mean): (0.25 + 0 + 0.25)/3 = 1/6 = 0.1667, computed here (the "
        "notes' code prints it, the text shows no number).",
        compute=_mse,
    ),
    WorkedExample(
        id="cross-entropy-two-samples",
        location="2.CrossEntropyLoss, 分析: “对应的softmax值是-0.6041; 2是-0.6803 ... "
        "计算平均损失”",
        description="CrossEntropyLoss of logits [[1.5, 2, 0.5], [0.5, 1, 1.5]] with labels "
        "[1, 2]: log-softmax at the labels −0.6041 and −0.6803 (printed); the mean loss 0.6422 "
        "is computed here (the notes say 计算平均损失 and print no number).",
        compute=_cross_entropy,
    ),
    WorkedExample(
        id="bce-four-samples",
        location="3.BCELoss: the table “t_i*log(y_i) + (1-t_i)*log(1-y_i)”",
        description="BCE terms for y = [0.7, 0.2, 0.9, 0.7], t = [1, 0, 1, 0]: −0.3567, "
        "−0.2231, −0.1054, −1.2040; their negated mean, the loss, is 0.4723 (not printed).",
        compute=_bce,
    ),
    # --- seed 003 -------------------------------------------------------------------------
    WorkedExample(
        id="gradient-descent-quadratic",
        location="举个栗子: “J(θ1,θ2) = θ1² + θ2² ... d/dθ1 J = 2θ1 ... α可以取0.001”",
        description="Gradient descent θ ← θ − α·2θ from θ0 = (1, −2) is θ_t = θ0(1 − 2α)^t: "
        "slow for α = 0.001 (1000 steps: ×0.135), fast for 0.1, oscillating for 1.0 and "
        "diverging for 1.1 (reference SGD).",
        compute=_gradient_descent,
    ),
    WorkedExample(
        id="partials-z",
        location="什么是梯度: “z = y² − x², ∂z/∂x = −2x, ∂z/∂y = 2y”",
        description="The partials of z = y² − x² at four points, by the formula and by central "
        "differences.",
        compute=_partials_z,
    ),
    WorkedExample(
        id="derivative-table",
        location="常见函数梯度: the table “constant c → 0 ... tan(x) → sec²(x)”",
        description="Every row of the derivative table evaluated at x = 0.5, 1, 2 (a = 3).",
        compute=_derivative_table,
    ),
    WorkedExample(
        id="sigmoid-tanh-identities",
        location="sigmoid/logistic and tanh: “σ' = σ(1−σ)”, “tanh(x) = 2sigmoid(2x) − 1”, "
        "“d/dx tanh(x) = 1 − tanh²(x)”",
        description="σ' = σ − σ², tanh(x) = 2σ(2x) − 1 and tanh' = 1 − tanh² on a grid.",
        compute=_sigmoid_tanh_identities,
    ),
    WorkedExample(
        id="softmax-jacobian",
        location="cross entropy loss: “∂p_i/∂a_j = p_i(1−p_j) (i = j), −p_j p_i (i ≠ j)”",
        description="The softmax Jacobian at a = [2.0, 1.0, 0.1] and its diagonal/off-diagonal "
        "formulas.",
        compute=_softmax_jacobian,
    ),
    # --- seed 004 -------------------------------------------------------------------------
    WorkedExample(
        id="perceptron-vote",
        location="3.1.1 感知机: “4×1 + 1×3 + (−3)×2 = 1 ... threshold 为 3 ... output = 0”",
        description="The judges' weighted vote: 1, below the threshold 3, so output 0.",
        compute=_perceptron_vote,
    ),
    WorkedExample(
        id="nand-perceptron",
        location="3.1.1 感知机: “当输入为 0 和 1 时, 感知机输出为 0×(−2) + 1×(−2) + 3 = 1”",
        description="The NAND perceptron (weights −2, −2, bias 3): sums 3, 1, 1, −1 and outputs "
        "1, 1, 1, 0.",
        compute=_nand,
    ),
    WorkedExample(
        id="conv-5x5-feature-map",
        location="3.2.3 如何计算卷积神经网络输出值: “a_{0,0} = ... = 1+0+1+0+1+0+0+0+1 = 4”",
        description="The figure's 5×5 image (rows 11100, 01110, 00111, 00110, 01100) and 3×3 "
        "filter (101, 010, 101), bias 0, ReLU, by reference conv2d: a_{0,0} = 4, from the "
        "products 1+0+1+0+1+0+0+0+1 the notes print; stride 1 gives the 3×3 map "
        "[[4,3,4],[2,4,3],[2,3,4]], stride 2 [[4,4],[2,4]]. The text lacks the figure: the image "
        "and filter are the classic ones, whose first window gives exactly the printed products.",
        compute=_conv_feature_maps,
    ),
    WorkedExample(
        id="conv-output-size",
        location="3.2.3: “W_2 = (W_1 − F + 2P)/S + 1 = (5−3+0)/2 + 1 = 2”",
        description="Output widths of reference conv2d for the notes' example (W1 = 5, F = 3, "
        "P = 0, S = 2: 2) and neighbours; the notes' formula (W1 − F + 2P)/S + 1 gives the same "
        "for each (every division is exact here; see the errata for the floor).",
        compute=_conv_output_size,
    ),
    WorkedExample(
        id="conv-two-filters-56-parameters",
        location="3.2.3: “(3*3*3+1)*2 = 56”, “a_{i,j} = f(Σ_d Σ_m Σ_n w_{d,m,n} x_{d,i+m,j+n} "
        "+ w_b)”",
        description="Two 3×3×3 filters have (27 + 1)·2 = 56 parameters; on a 5×5×3 input "
        "(random small integers) with padding 1 and stride 2, reference conv2d gives a 3×3×2 "
        "output (the depth-D formula; the notes' 7×7×3 is the padded input, see the errata).",
        compute=_conv_depth_two_filters,
    ),
    WorkedExample(
        id="pooling-2x2",
        location="3.2.4 如何计算 Pooling 层输出值: “Max Pooling 实际上就是在 n*n 的样本中取"
        "最大值”, “Average Pooling ——取各样本的平均值”, “各层独立做 Pooling，因此 Pooling 后的"
        "深度仍然为 D”",
        description="2×2 max and average pooling, stride 2, of a 4×4 map (the notes' figure is "
        "not in the text; this is the common illustration): max [[6, 8], [3, 4]], average "
        "[[3.25, 5.25], [2, 2]]; a depth-3 stack keeps depth 3; the max pooling gradient is 1 "
        "at each window's maximum.",
        compute=_pooling,
    ),
    WorkedExample(
        id="backprop-forward",
        location="3.2.5 实例理解反向传播, 前向传播 and 1.计算总误差",
        description="Forward pass of the 2-2-2 sigmoid network (inputs 0.05, 0.10; targets "
        "0.01, 0.99; w1..w8 = 0.15 ... 0.55; b1 = 0.35, b2 = 0.60) and the squared error "
        "E = Σ ½(target − output)².",
        compute=_backprop_forward,
    ),
    WorkedExample(
        id="backprop-backward",
        location="3.2.5, 2.隐含层 --> 输出层的权值更新: “∂E_total/∂w5 = ∂E_total/∂out_o1 * "
        "∂out_o1/∂net_o1 * ∂net_o1/∂w5”",
        description="The chain rule the notes set up for w5 (factors 0.74136507, 0.186815602, "
        "0.593269992), carried out for all ten parameters: ∂E/∂w1..w8, ∂E/∂b1, ∂E/∂b2 "
        "(the notes stop before any number).",
        compute=_backprop_backward,
    ),
    WorkedExample(
        id="backprop-sgd-step",
        location="3.2.5: “现在我们对误差进行反向传播, 更新权值, 重新计算输出”",
        description="One reference SGD step with lr 0.5 on all ten parameters (biases "
        "included), and the total error after it.",
        compute=_backprop_sgd_step,
    ),
    WorkedExample(
        id="activation-derivatives",
        location="3.4.3 常见激活函数的导数计算 and 3.4.12: “x=0 时 f'(x)=0.25”, “f'(0)=1”, "
        "“s'(x) ∈ (0, 1/4]”",
        description="σ'(0) = 0.25, tanh'(0) = 1, both ≈ 0 at x = ±10; σ' ∈ (0, 1/4] and "
        "tanh' ∈ (0, 1] on a grid over [−20, 20].",
        compute=_activation_derivatives,
    ),
    WorkedExample(
        id="cross-entropy-weight-gradient",
        location="3.4.11 交叉熵代价函数: “∂C/∂w_j = (1/n) Σ x_j (σ(z) − y)”, “∂C/∂b = (1/n) "
        "Σ (σ(z) − y)”",
        description="For a sigmoid neuron with the cross-entropy cost the σ'(z) factor cancels; "
        "the quadratic cost keeps it.",
        compute=_ce_weight_gradient,
    ),
    WorkedExample(
        id="layer-jacobian",
        location="3.4.12 注: “∂h_{t+1}/∂h_t = diag(σ'(W h_t)) W”",
        description="The Jacobian of one sigmoid layer.",
        compute=_layer_jacobian,
    ),
    WorkedExample(
        id="center-loss",
        location="3.4.12 内聚外斥 - Center Loss: “L_C = ½ Σ ‖x_i − c_{y_i}‖²”, “∂L_C/∂x_i = "
        "x_i − c_{y_i}”, “Δc_j = Σ δ(y_i=j)(c_j − x_i) / (1 + Σ δ(y_i=j))”",
        description="Center loss, its feature gradient and the center update on 5 features of "
        "3 classes (a 4th class absent from the batch keeps its center).",
        compute=_center_loss,
    ),
    WorkedExample(
        id="softmax-3-1-minus3",
        location="3.4.10: “将原来输出是 3,1,−3 通过 softmax 函数一作用, 就映射成为 (0,1) 的值”",
        description="softmax([3, 1, −3]) = [0.879, 0.119, 0.002], summing to 1 (the figure's "
        "[0.05, 0.10, 0.85] belongs to other inputs).",
        compute=_softmax_three_logits,
    ),
)


def by_id(example_id: str) -> WorkedExample:
    """The worked example with this id (KeyError when there is none)."""
    for ex in EXAMPLES:
        if ex.id == example_id:
            return ex
    raise KeyError(example_id)
