"""Cases of the worked-example items: the notes' numbers for the public cases, random ones for
the hidden cases, and every output labelled with where its value comes from.

The numbers are read from :mod:`graders.notes` (never typed here).  :func:`worked` builds a
case of a worked example: the recipe's inputs (``kwargs``), the outputs it must return, and in
``data`` the example's id, each output's source (the record's label: printed in the notes, or
computed from the notes' data, a figure's data or inputs chosen here; hidden cases: computed
from random inputs) and, for the outputs the notes truly print, the printed value and decimals
(``printed``, ``decimals``, and the record's keys it stands for, ``notes_keys``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from graders import notes
from graders.registry import Case, Category

C = Category
Kwargs = dict[str, Any]
Rng = np.random.Generator
#: The source of every value of a hidden case.
FROM_RANDOM = "computed from random inputs"


#: The order in which a worked example computes its values, and the student's function that
#: computes each (the feedback names the first one whose value differs from torch's); a case
#: also returns the values upstream of its own (``CHAINS``), so a wrong sigmoid is caught, and
#: named, where it first shows.
MADE_BY: dict[str, tuple[tuple[str, str], ...]] = {
    "backprop-forward": (
        *((name, "sigmoid") for name in ("out_h1", "out_h2", "out_o1", "out_o2")),
        *((name, "mse_loss") for name in ("E_o1", "E_o2", "E_total")),
    ),
    "backprop-backward": (
        ("dnet_o1_dw5", "sigmoid"),
        ("dE_dout_o1", "mse_loss_grad"),
        ("dout_o1_dnet_o1", "sigmoid_grad"),
    ),
}
CHAINS = frozenset(MADE_BY)


def _with_upstream(example: str, outputs: list[str]) -> list[str]:
    """The case's outputs, after the values its example computes before them."""
    if example not in CHAINS:
        return outputs
    flow = [name for name, _ in MADE_BY[example]]
    first = min((flow.index(o) for o in outputs if o in flow), default=len(flow))
    later = [o for o in outputs if o not in flow[:first]]
    return [*flow[:first], *later]


def worked(
    name: str,
    example: str,
    kwargs: Kwargs,
    outputs: Iterable[str],
    *,
    keys: Mapping[str, str | tuple[str, ...]] | None = None,
    category: Category = C.CORRECTNESS,
    recipe: str | None = None,
    random: bool = False,
    band: Mapping[str, tuple[float, float]] | None = None,
) -> Case:
    """A case of worked example ``example`` (an id of :mod:`graders.notes`).

    ``keys[output]`` names the record's value(s) an output stands for (default: the output's
    own name); an output whose keys the notes all print must show their printed value.  With
    ``random`` the inputs are random (a hidden case): nothing is printed for them.
    """
    record = notes.example(example)
    outputs = _with_upstream(example, list(outputs))
    spec: dict[str, Any] = {"outputs": outputs}
    if recipe is not None:
        spec["recipe"] = recipe
    data: dict[str, Any] = {"example": example, "sources": {}, "printed": {}, "decimals": {}}
    data["notes_keys"] = {}
    for out in outputs:
        wanted = (keys or {}).get(out, out)
        names = (wanted,) if isinstance(wanted, str) else tuple(wanted)
        if random:
            data["sources"][out] = FROM_RANDOM
        elif all(k in record.printed for k in names):
            data["sources"][out] = notes.PRINTED
            data["printed"][out] = record.value(*names).tolist()
            data["decimals"][out] = record.decimals(*names)
            data["notes_keys"][out] = list(names)
        else:
            data["sources"][out] = record.source(names[0])
    if band:
        data["band"] = {k: list(v) for k, v in band.items()}
    made_by = {o: fn for o, fn in MADE_BY.get(example, ()) if o in outputs}
    if made_by:
        data["made_by"] = made_by
    return Case(name, category, kwargs=kwargs, spec=spec, data=data)


def _arr(value: Any) -> np.ndarray:
    """A writable float64 copy of the record's numbers."""
    return np.array(value, dtype=np.float64)


# ------------------------------------------------------------------------ seed 004: backprop
HIDDEN_LAYER = ("net_h1", "net_h2", "out_h1", "out_h2")
OUTPUT_LAYER = ("net_o1", "net_o2", "out_o1", "out_o2")
ERRORS = ("E_o1", "E_o2", "E_total")
W5_FACTORS = ("dE_dout_o1", "dout_o1_dnet_o1", "dnet_o1_dw5", "dE_dw5")
OUT_GRADS = ("dE_dw5", "dE_dw6", "dE_dw7", "dE_dw8", "dE_db2")
HIDDEN_GRADS = ("dE_dw1", "dE_dw2", "dE_dw3", "dE_dw4", "dE_db1")
AFTER = (*(f"w{k}_after" for k in range(1, 9)), "b1_after", "b2_after")


def notes_net() -> Kwargs:
    """The 2-2-2 network of the notes as the recipes take it: row k of a weight matrix feeds
    unit k (w1, w2 → h1; w5, w6 → o1)."""
    data = notes.example("backprop-forward").data
    p = data["params"]
    return {
        "inputs": _arr(data["inputs"]),
        "targets": _arr(data["targets"]),
        "w_hidden": _arr([[p["w1"], p["w2"]], [p["w3"], p["w4"]]]),
        "b1": float(p["b1"]),
        "w_out": _arr([[p["w5"], p["w6"]], [p["w7"], p["w8"]]]),
        "b2": float(p["b2"]),
    }


def random_net(rng: Rng) -> Kwargs:
    return {
        "inputs": rng.uniform(-1.0, 1.0, 2),
        "targets": rng.uniform(0.01, 0.99, 2),
        "w_hidden": rng.normal(0.0, 0.7, (2, 2)),
        "b1": float(rng.normal(0.0, 0.5)),
        "w_out": rng.normal(0.0, 0.7, (2, 2)),
        "b2": float(rng.normal(0.0, 0.5)),
    }


def backprop_forward(rng: Rng, hidden: bool) -> list[Case]:
    ex, everything = "backprop-forward", HIDDEN_LAYER + OUTPUT_LAYER + ERRORS
    if hidden:
        return [
            worked(f"random-net-{k}", ex, random_net(rng), everything, random=True)
            for k in range(2)
        ]
    return [
        worked("notes-hidden-layer", ex, notes_net(), HIDDEN_LAYER),
        worked("notes-output-layer", ex, notes_net(), OUTPUT_LAYER),
        worked("notes-total-error", ex, notes_net(), ERRORS),
        worked("random-net", ex, random_net(rng), everything, random=True),
    ]


def backprop_backward(rng: Rng, hidden: bool) -> list[Case]:
    """The notes set up ∂E/∂w5 = ∂E/∂out_o1 · ∂out_o1/∂net_o1 · ∂net_o1/∂w5 and print no
    number of it: every value here is computed from their data."""
    ex, g = "backprop-backward", C.GRADIENT
    everything = W5_FACTORS[:3] + HIDDEN_GRADS + OUT_GRADS
    if hidden:
        return [
            worked(f"random-net-{k}", ex, random_net(rng), everything, category=g, random=True)
            for k in range(2)
        ]
    return [
        worked("notes-dE-dw5-chain-rule", ex, notes_net(), W5_FACTORS, category=g),
        worked("notes-output-layer-gradients", ex, notes_net(), OUT_GRADS, category=g),
        worked("notes-hidden-layer-gradients", ex, notes_net(), HIDDEN_GRADS, category=g),
        worked("random-net", ex, random_net(rng), everything, category=g, random=True),
    ]


def sgd_step(rng: Rng, hidden: bool) -> list[Case]:
    """The notes' network, one step with a learning rate chosen here (the notes give none)."""
    ex, outputs = "backprop-sgd-step", (*AFTER, "E_total_after")

    def net(r: Rng) -> Kwargs:
        return {**random_net(r), "lr": float(r.uniform(0.05, 1.0))}

    if hidden:
        return [worked(f"random-net-{k}", ex, net(rng), outputs, random=True) for k in range(2)]
    lr = float(notes.example(ex).data["lr"])
    return [
        worked(f"notes-net-lr-{lr:g}-parameters", ex, {**notes_net(), "lr": lr}, AFTER),
        worked(f"notes-net-lr-{lr:g}-error-after", ex, {**notes_net(), "lr": lr}, outputs[-1:]),
        worked("random-net", ex, net(rng), outputs, random=True),
    ]


# ------------------------------------------------------------------------ seed 003
def gradient_descent(rng: Rng, hidden: bool) -> list[Case]:
    ex = "gradient-descent-quadratic"
    if hidden:
        return [
            worked(
                f"random-{k}",
                ex,
                {
                    "theta0": rng.normal(0, 2, 2),
                    "lr": float(rng.uniform(0.01, 0.9)),
                    "steps": int(rng.integers(3, 30)),
                },
                ("theta", "J"),
                random=True,
            )
            for k in range(2)
        ]
    data = notes.example(ex).data
    return [
        worked(
            f"alpha-{lr}-{steps}-steps",
            ex,
            {"theta0": _arr(data["theta0"]), "lr": lr, "steps": steps},
            ("theta", "J"),
        )
        for lr, steps in data["runs"]
    ]


# ------------------------------------------------------------------------ activations
def softmax(rng: Rng, hidden: bool) -> list[Case]:
    if hidden:
        return [
            worked(
                f"random-{k}",
                "softmax-2-1-0.1",
                {"scores": rng.normal(0, 3, 5)},
                ("softmax",),
                random=True,
            )
            for k in range(2)
        ]
    cases = []
    for ex in ("softmax-2-1-0.1", "softmax-3-1-minus3"):
        scores = _arr(notes.example(ex).data["scores"])
        cases.append(
            worked(f"notes-{ex.removeprefix('softmax-')}", ex, {"scores": scores}, ["softmax"])
        )
    return cases


def _derivatives_hidden(rng: Rng) -> list[Case]:
    return [
        worked(
            "random-identities",
            "sigmoid-tanh-identities",
            {"x": rng.normal(0, 4, 9)},
            ("sigmoid", "sigmoid_grad", "tanh"),
            random=True,
        ),
        worked(
            "random-layer-jacobian",
            "layer-jacobian",
            {"w": rng.normal(0, 1, (3, 3)), "h": rng.normal(0, 1, 3)},
            ("jacobian",),
            recipe="layer_jacobian",
            random=True,
        ),
    ]


def derivatives(rng: Rng, hidden: bool) -> list[Case]:
    """σ'(0) = 0.25, tanh'(0) = 1, σ' ≈ tanh' ≈ 0 at ±10, σ' ≤ 1/4 (printed), the identities
    and a sigmoid layer's Jacobian (computed from inputs chosen here)."""
    if hidden:
        return _derivatives_hidden(rng)
    ad = notes.example("activation-derivatives").data
    at0, at10 = ad["points"][0], ad["points"][1:]  # the notes' 0, then 10 and -10
    grid = np.linspace(*ad["grid"])
    ex = "activation-derivatives"
    jacobian = notes.example("layer-jacobian").data
    return [
        worked("sigmoid-grad-at-0", ex, {"x": _arr(at0)}, ["sigmoid_grad"],
               keys={"sigmoid_grad": "sigmoid_grad_0"}),
        worked("tanh-grad-at-0", ex, {"x": _arr(at0)}, ["tanh_grad"],
               keys={"tanh_grad": "tanh_grad_0"}),
        worked("sigmoid-grad-saturates", ex, {"x": _arr(at10)}, ["sigmoid_grad"],
               keys={"sigmoid_grad": ("sigmoid_grad_10", "sigmoid_grad_-10")}),
        worked("tanh-grad-saturates", ex, {"x": _arr(at10)}, ["tanh_grad"],
               keys={"tanh_grad": ("tanh_grad_10", "tanh_grad_-10")}),
        worked("sigmoid-grad-at-most-a-quarter", ex, {"x": grid}, ["sigmoid_grad_max"],
               recipe="sigmoid_grad_max"),
        worked("sigmoid-tanh-identities", "sigmoid-tanh-identities",
               {"x": _arr(notes.example("sigmoid-tanh-identities").data["x"])},
               ("sigmoid", "sigmoid_grad", "tanh")),
        worked("layer-jacobian", "layer-jacobian",
               {"w": _arr(jacobian["w"]), "h": _arr(jacobian["h"])}, ("jacobian",),
               recipe="layer_jacobian"),
    ]  # fmt: skip


def xor(rng: Rng, hidden: bool) -> list[Case]:
    """The notes' truth table (printed: the XOR column) from a ReLU network chosen here; its
    complement, the XNOR column, is computed."""
    ex = "xor-not-linearly-separable"
    data = notes.example(ex).data
    net = {k: _arr(data[k]) for k in ("ab", "w1", "b1", "w2")}
    keys = {"xor": "two_layer_relu_xor", "xnor": "two_layer_relu_xnor"}
    if hidden:
        scaled = {**net, "w1": net["w1"] * rng.uniform(0.5, 2.0, (2, 2))}
        return [worked("random-first-layer", ex, scaled, ("xor", "xnor"), random=True)]
    return [worked("truth-table", ex, net, ("xor", "xnor"), keys=keys)]


def ce_weight_gradient(rng: Rng, hidden: bool) -> list[Case]:
    """A sigmoid neuron's cross-entropy weight gradient (inputs chosen here): a small batch,
    and a saturated one (|z| up to 10) where the quadratic cost's gradient all but vanishes."""
    ex = "cross-entropy-weight-gradient"
    data = notes.example(ex).data
    n, d = int(data["n"]), int(data["d"])
    outputs = ("cost", "grad_w", "grad_b", "grad_w_notes", "grad_w_quadratic")

    def batch(scale: float, size: tuple[int, int]) -> Kwargs:
        x = rng.normal(0.0, 1.0, size)
        w = rng.normal(0.0, 1.0, size[1])
        w *= scale / max(float(np.abs(x @ w).max()), 1e-12)  # |z| at most `scale`
        return {"x": x, "y": rng.integers(0, 2, size[0]).astype(np.float64), "w": w,
                "b": float(data["b"])}  # fmt: skip

    if hidden:
        shape = (int(rng.integers(2, 12)), int(rng.integers(1, 6)))
        return [worked("random", ex, batch(float(rng.uniform(1, 9)), shape), outputs, random=True)]
    return [
        worked(f"batch-{n}x{d}", ex, batch(3.0, (n, d)), outputs, category=C.GRADIENT),
        worked("saturated", ex, batch(9.0, (n, d)), outputs, category=C.GRADIENT),
    ]


# ------------------------------------------------------------------------ seed 002: losses
def cross_entropy(rng: Rng, hidden: bool) -> list[Case]:
    """The notes print the log-softmax at the labels; the mean loss 0.6422 they leave to
    ``loss.item()``: it is computed from their data.  The initial loss ≈ log 10 = 2.3 is
    printed (for equal scores, and nearly equal ones: inputs chosen here)."""
    ex, init = "cross-entropy-two-samples", "initial-loss-log-n"
    outputs = ("loss", "per_sample_loss", "log_softmax_true")

    def random_batch(n: int, c: int) -> Kwargs:
        return {"logits": rng.normal(0, 2, (n, c)), "labels": rng.integers(0, c, n)}

    if hidden:
        return [worked(f"random-{k}", ex, random_batch(6, 4), outputs, random=True) for k in (0, 1)]
    data = notes.example(ex).data
    given = {"logits": _arr(data["logits"]), "labels": np.array(data["labels"])}
    classes, batch = notes.example(init).data["classes"], notes.example(init).data["batch"]
    equal = {"logits": np.zeros((batch, classes)), "labels": rng.integers(0, classes, batch)}
    small = random_batch(batch, classes)
    small["logits"] = small["logits"] * 1e-3  # nearly equal scores: still ≈ log 10
    return [
        worked("notes-mean-loss", ex, given, ("loss",)),
        worked("notes-log-softmax-at-labels", ex, given, ("log_softmax_true",)),
        worked("notes-per-sample-losses", ex, given, ("per_sample_loss",)),
        worked("initial-loss-equal-scores", init, equal, ("loss",), keys={"loss": "equal_scores"}),
        worked("initial-loss-small-scores", init, small, ("loss",), keys={"loss": "small_init"}),
    ]


def bce(rng: Rng, hidden: bool) -> list[Case]:
    """The table's terms are printed; their negated mean, the loss, is computed."""
    ex = "bce-four-samples"
    if hidden:
        y, t = rng.uniform(0.02, 0.98, (5, 1)), rng.integers(0, 2, (5, 1)).astype(np.float64)
        return [worked("random", ex, {"y": y, "t": t}, ("terms", "loss"), random=True)]
    data = notes.example(ex).data
    given = {"y": _arr(data["y"]), "t": _arr(data["t"])}
    return [
        worked("notes-table-terms", ex, given, ("terms",)),
        worked("notes-mean-loss", ex, given, ("loss",)),
    ]


def regression(rng: Rng, hidden: bool) -> list[Case]:
    """MAE 1/3 and MSE 1/6 of the notes' data: computed (the notes print them from code)."""
    if hidden:
        kw = {"pred": rng.normal(0, 3, 6), "true": rng.normal(0, 3, 6)}
        return [worked("random", "mae-example", kw, ("mae", "mse"), random=True)]
    cases = []
    for ex, out in (("mae-example", "mae"), ("mse-example", "mse")):
        data = notes.example(ex).data
        kw = {"pred": _arr(data["pred"]), "true": _arr(data["true"])}
        cases.append(worked(f"notes-{out}", ex, kw, (out,), keys={out: "loss"}))
    return cases


# ------------------------------------------------------------------------ seed 004: layers
def perceptron(rng: Rng, hidden: bool) -> list[Case]:
    """The judges' vote (4·1 + 1·3 + (−3)·2 = 1 < 3: output 0) and the NAND perceptron."""
    vote, gate = "perceptron-vote", "nand-perceptron"
    nand = ("weighted_sums", "outputs", "sum_input_01", "output_input_01")
    if hidden:
        scores = rng.integers(-5, 6, 3).astype(np.float64)
        weights = rng.integers(0, 4, 3).astype(np.float64)
        vote_kw = {"scores": scores, "weights": weights, "threshold": float(rng.integers(-3, 4))}
        gate_kw = {"ab": _arr(notes.example(gate).data["ab"]),
                   "weights": rng.integers(-3, 4, 2).astype(np.float64),
                   "bias": float(rng.integers(-3, 4))}  # fmt: skip
        return [
            worked("random-vote", vote, vote_kw, ("weighted_sum", "output"),
                   recipe="perceptron_vote", random=True),
            worked("random-gate", gate, gate_kw, nand, recipe="nand", random=True),
        ]  # fmt: skip
    v, g = notes.example(vote).data, notes.example(gate).data
    vote_kw = {"scores": _arr(v["scores"]), "weights": _arr(v["weights"]),
               "threshold": float(v["threshold"])}  # fmt: skip
    gate_kw = {"ab": _arr(g["ab"]), "weights": _arr(g["weights"]), "bias": float(g["bias"])}
    return [
        worked("notes-vote", vote, vote_kw, ("weighted_sum", "output"), recipe="perceptron_vote"),
        worked("notes-nand", gate, gate_kw, nand, recipe="nand"),
    ]


def _binary(rng: Rng, shape: tuple[int, ...]) -> np.ndarray:
    return rng.integers(0, 2, shape).astype(np.float64)


def _conv_hidden(rng: Rng) -> list[Case]:
    size, k = int(rng.integers(5, 9)), int(rng.choice([2, 3]))
    image = {"image": _binary(rng, (size, size)), "filter": _binary(rng, (k, k)), "bias": 0.0}
    depth = int(rng.integers(1, 4))
    two = {
        "input": rng.integers(0, 3, (depth, size, size)).astype(np.float64),
        "weights": rng.integers(-1, 2, (2, depth, 3, 3)).astype(np.float64),
        "biases": rng.integers(-1, 2, 2).astype(np.float64),
        "stride": int(rng.integers(1, 3)),
        "padding": int(rng.integers(0, 2)),
    }
    geometry = [int(rng.integers(4, 12)), 3, int(rng.integers(0, 2)), int(rng.integers(1, 4))]
    figure, chosen = "conv-5x5-feature-map", "conv-two-filters-56-parameters"
    return [
        worked("random-image", figure, {**image, "stride": int(rng.integers(1, 3))},
               ("a_00", "feature_map", "size"), recipe="conv_feature_map", random=True),
        worked("random-width", "conv-output-size", {"size": geometry}, ("width",),
               recipe="conv_output_width", random=True),
        worked("random-filters", chosen, two, ("feature_maps", "output_size"),
               recipe="conv_two_filters", random=True),
    ]  # fmt: skip


def conv(rng: Rng, hidden: bool) -> list[Case]:
    """3.2.3: the 5×5 feature map (the figure's image: a_{0,0} = 4 and the 3×3 size printed,
    the maps computed), the output width (5−3+0)/2 + 1 = 2 (printed) and its neighbours, and the
    two-filter layer's 3×3×2 output (printed; the values from inputs chosen here)."""
    if hidden:
        return _conv_hidden(rng)
    fig = notes.example("conv-5x5-feature-map").data
    image = {"image": _arr(fig["image"]), "filter": _arr(fig["filter"]), "bias": float(fig["bias"])}
    sizes = notes.example("conv-output-size").data["sizes"]
    two = notes.example("conv-two-filters-56-parameters").data
    depth, side = two["input_shape"][0], two["input_shape"][1:]
    k, stride, padding = int(two["kernel"]), int(two["stride"]), int(two["padding"])
    filters = {
        "input": rng.integers(0, 3, (depth, *side)).astype(np.float64),
        "weights": rng.integers(-1, 2, (int(two["filters"]), depth, k, k)).astype(np.float64),
        "biases": _arr(two["biases"]),
        "stride": stride,
        "padding": padding,
    }
    ex, widths = "conv-5x5-feature-map", "conv-output-size"
    return [
        worked("figure-stride-1", ex, {**image, "stride": 1}, ("a_00", "size", "feature_map"),
               keys={"size": "stride1_size", "feature_map": "stride1"}, recipe="conv_feature_map"),
        worked("figure-stride-2", ex, {**image, "stride": 2}, ("feature_map",),
               keys={"feature_map": "stride2"}, recipe="conv_feature_map"),
        *(worked("{}-width-{}-{}-{}-{}".format("notes" if k == 0 else "output", *size), widths,
                 {"size": list(size)}, ("width",), keys={"width": "W2_{}_{}_{}_{}".format(*size)},
                 recipe="conv_output_width") for k, size in enumerate(sizes)),
        worked("two-filters", "conv-two-filters-56-parameters", filters,
               ("output_size", "feature_maps"), recipe="conv_two_filters"),
    ]  # fmt: skip


def pooling(rng: Rng, hidden: bool) -> list[Case]:
    """3.2.4 on a 4×4 map chosen here (the notes' figure is not in the text): every value is
    computed from chosen inputs; hidden maps have small integers, so windows tie."""
    ex = "pooling-2x2"
    outputs = ("max_pool", "avg_pool", "depth3_max_pool", "depth_after", "max_pool_grad")
    data = notes.example(ex).data
    if hidden:
        size = 2 * int(rng.integers(2, 5))
        kw = {"map": rng.integers(0, 5, (size, size)).astype(np.float64), "kernel": 2}
        return [worked("random-map", ex, kw, outputs, random=True)]
    kw = {"map": _arr(data["map"]), "kernel": int(data["kernel"])}
    return [worked("chosen-map", ex, kw, outputs)]


# ------------------------------------------------------------------------ seeds 000 and 002
def variance_propagation(rng: Rng, hidden: bool) -> list[Case]:
    """D(H) = n·D(X)·D(W) through a deep network (inputs chosen here): standard-normal inputs
    and weights drawn here, scaled by each scheme's std from the student's gain and fans."""
    ex = "variance-propagation"
    data = notes.example(ex).data
    width, depth, batch = int(data["width"]), int(data["depth"]), int(data["batch"])
    if hidden:
        width, depth = int(rng.integers(16, 96)), int(rng.integers(4, 12))
        batch = int(rng.integers(8, 40))
    kw = {"x": rng.standard_normal((batch, width)), "z": rng.standard_normal((depth, width, width))}
    schemes = ("normal_1", "normal_0_01", "xavier", "xavier_tanh", "kaiming_relu")
    label = "random" if hidden else f"width-{width}-depth-{depth}"
    return [
        worked(f"{label}-one-layer", ex, kw, ("one_layer_std",), random=hidden),
        worked(f"{label}-schemes", ex, kw, [f"std_{s}" for s in schemes], random=hidden),
    ]


def linear_init(rng: Rng, hidden: bool) -> list[Case]:
    """nn.Linear: y = x Wᵀ + b on the notes' func3 numbers, a bias drawn here, and the default
    weights kaiming_uniform_(a=√5): gain, bound 1/√fan_in, and the largest |w| of a large
    sample, which must lie within 1% below the bound."""
    forward, default = "linear-forward", "linear-default-init"
    f, d = notes.example(forward).data, notes.example(default).data
    x, weight = _arr(f["x"]), _arr(f["weight"])
    out_features, in_features = d["big"]
    if hidden:
        x, weight = rng.normal(0, 1, (3, 4)), rng.normal(0, 1, (5, 4))
        in_features = int(rng.integers(100, 600))
    bound = 1.0 / np.sqrt(weight.shape[1])
    kw = {"x": x, "weight": weight, "bias": rng.uniform(-bound, bound, weight.shape[0]),
          "shape": [int(out_features), int(in_features)], "a": float(d["a"]),
          "seed": int(rng.integers(2**31))}  # fmt: skip
    band = {"max_abs": (0.99, 1.0)}
    if hidden:
        outputs = ("x_WT", "output", "gain", "bound", "max_abs")
        return [worked("random", forward, kw, outputs, random=True, band=band)]
    return [
        worked("notes-func3", forward, kw, ("x_WT", "output")),
        worked(f"default-init-{in_features}-to-{out_features}", default, kw,
               ("gain", "bound", "max_abs"), band=band),
    ]  # fmt: skip
