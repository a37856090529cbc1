"""The course notes' numbers, once: every worked example's inputs and the values the notes print.

One :class:`Example` per hand-worked computation of the notes (``../shared/seeds``), by id:

* ``seed``: the notes' file it is in;
* ``data``: its inputs (weights, logits, targets, images ...), the numbers the rest of the
  project computes from, and ``given``: for each input the notes give, their text that gives it,
  verbatim (the test finds each quote in the seed, and every number of the input in it);
* ``inputs``: where those inputs come from: ``"notes"`` (the notes' text gives them),
  ``"figure"`` (a figure the text lacks; the classic data that reproduces what the notes print),
  or ``"chosen"`` (chosen here to illustrate the notes' formula); ``inputs_of`` overrides it for
  the values computed from other inputs than the example's (a learning rate the notes never
  give, weights chosen for a network the notes only ask for);
* ``printed``: the values the notes print, each a :class:`Printed` (the value, the number of
  decimals printed, and the notes' text that prints it, verbatim: ``tests/test_worked_examples.py``
  finds every quote in the seed).

:meth:`Example.source` labels every value: :data:`PRINTED` only where the notes print it,
otherwise computed from the example's inputs (:data:`FROM_NOTES`, :data:`FROM_FIGURE`,
:data:`FROM_CHOSEN`).  A number the notes leave uncomputed (the cross-entropy mean 0.6422, the
MAE 0.3333, ∂E/∂w5 = 0.0821670406 ...) is never labelled printed.

Who reads it: ``reference/worked_examples.py`` (the computations, with the reference), the
worked-example items of ``graders/registry/worked_examples`` (rebuilt from the student's
functions, checked against torch, printed values at the notes' precision) and ``tools/docs.py``.
Pure data: NumPy only, no reference, no torch.  Arrays are read-only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

__all__ = [
    "EXAMPLES",
    "FROM_CHOSEN",
    "FROM_FIGURE",
    "FROM_NOTES",
    "PRINTED",
    "Example",
    "Printed",
    "example",
]

SEED_000 = "000_0fa82a6dc0641123.txt"
SEED_001 = "001_3dc55db402aa83d9.txt"
SEED_002 = "002_7fac2f2423e2bca7.txt"
SEED_003 = "003_ccf34248aa04a675.txt"
SEED_004 = "004_3b9df9d3af197d22.txt"

#: Where an example's inputs come from: the notes' text, a figure the text lacks, or chosen here.
Inputs = Literal["notes", "figure", "chosen"]

PRINTED = "printed in the notes"
FROM_NOTES = "computed from the notes' data"
FROM_FIGURE = "computed from the data of a figure the text lacks"
FROM_CHOSEN = "computed from inputs chosen here"
COMPUTED: Mapping[str, str] = MappingProxyType(
    {"notes": FROM_NOTES, "figure": FROM_FIGURE, "chosen": FROM_CHOSEN}
)


@dataclass(frozen=True)
class Printed:
    """A value the notes print: ``value`` to ``decimals`` decimals, printed by ``quotes``."""

    value: float | tuple[float, ...]
    decimals: int
    quotes: tuple[str, ...]


@dataclass(frozen=True)
class Example:
    """One hand-worked computation of the notes: its inputs and what the notes print."""

    id: str
    seed: str
    data: Mapping[str, Any]
    inputs: Inputs = "notes"
    printed: Mapping[str, Printed] = field(default_factory=lambda: MappingProxyType({}))
    inputs_of: Mapping[str, Inputs] = field(default_factory=lambda: MappingProxyType({}))
    given: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))

    def source(self, key: str) -> str:
        """Where the value ``key`` comes from: :data:`PRINTED`, or what it is computed from."""
        if key in self.printed:
            return PRINTED
        return COMPUTED[self.inputs_of.get(key, self.inputs)]

    def value(self, *keys: str) -> np.ndarray:
        """The printed values of ``keys``, end to end (float64, 0-d for one scalar)."""
        parts = [np.ravel(np.asarray(self.printed[k].value, dtype=np.float64)) for k in keys]
        if len(keys) == 1 and np.ndim(self.printed[keys[0]].value) == 0:
            return parts[0].reshape(())
        return np.concatenate(parts)

    def decimals(self, *keys: str) -> int:
        """The decimals the notes print ``keys`` with (the same for all of them)."""
        found = {self.printed[k].decimals for k in keys}
        if len(found) != 1:
            raise ValueError(f"{self.id}: {keys} are printed with different decimals")
        return found.pop()


# ---------------------------------------------------------------------------------- building
def _ro(value: Any, dtype: Any = np.float64) -> np.ndarray:
    arr = np.array(value, dtype=dtype)
    arr.setflags(write=False)
    return arr


def _data(**values: Any) -> Mapping[str, Any]:
    return MappingProxyType(values)


def _p(value: float | tuple[float, ...], decimals: int, *quotes: str) -> Printed:
    return Printed(value, decimals, quotes)


def _printed(**values: Printed) -> Mapping[str, Printed]:
    return MappingProxyType(values)


def _exceptions(inputs: Inputs, *keys: str) -> Mapping[str, Inputs]:
    return MappingProxyType(dict.fromkeys(keys, inputs))


def _given(**quotes: str | tuple[str, ...]) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({k: (v,) if isinstance(v, str) else v for k, v in quotes.items()})


#: The 2-2-2 sigmoid network of seed 004, 3.2.5 ("输出数据 o1=0.01, o2=0.99"): w1, w2 feed h1
#: and w3, w4 feed h2 (from i1, i2); w5, w6 feed o1 and w7, w8 feed o2 (from h1, h2); b1 is
#: shared by h1 and h2, b2 by o1 and o2 (net_h1 = w1 i1 + w2 i2 + b1).
_BACKPROP = _data(
    inputs=_ro([0.05, 0.10]),
    targets=_ro([0.01, 0.99]),
    params=MappingProxyType(
        {
            "w1": 0.15,
            "w2": 0.20,
            "w3": 0.25,
            "w4": 0.30,
            "w5": 0.40,
            "w6": 0.45,
            "w7": 0.50,
            "w8": 0.55,
            "b1": 0.35,
            "b2": 0.60,
        }
    ),
)
#: A, B of a two-input gate, row by row: 00, 01, 10, 11.
_BACKPROP_GIVEN = _given(
    inputs="i1=0.05, i2 = 0.10",
    targets="o1=0.01, o2=0.99",
    params=(
        "w1=0.15, w2=0.20, w3=0.25,w4=0.30, w5=0.40, w6=0.45, w7=0.50, w8=0.55",
        "0.15 * 0.05 + 0.2 * 0.1 + 0.35 * 1",
        "+ 0.6 * 1 = 1.105905967",
    ),
)
_GATE_AB = _ro([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
_XOR_TABLE = "A\tB\tY\n0\t0\t0\n0\t1\t1\n1\t0\t1\n1\t1\t0"
_APPROX_0 = "f^{'}(x) \\approx0"

# ---------------------------------------------------------------------------------- seed 000
_SEED_000 = (
    Example(
        "variance-propagation",
        SEED_000,
        _data(width=128, depth=20, batch=64),
        "chosen",
    ),
    Example("xavier-uniform-variance", SEED_000, _data(n_in=300, n_out=100), "chosen"),
    Example("kaiming-variance", SEED_000, _data(n_in=500, slope=0.2), "chosen"),
)

# ---------------------------------------------------------------------------------- seed 001
_SEED_001 = (
    Example(
        "softmax-2-1-0.1",
        SEED_001,
        _data(scores=_ro([2.0, 1.0, 0.1])),
        given=_given(scores="y = \\begin{bmatrix} 2.0 \\\\ 1.0 \\\\ 0.1 \\end{bmatrix}"),
        printed=_printed(
            softmax=_p(
                (0.66, 0.24, 0.10), 2, "\\begin{bmatrix} 0.66 \\\\ 0.24 \\\\ 0.10 \\end{bmatrix}"
            )
        ),
    ),
    Example(
        "initial-loss-log-n",
        SEED_001,
        _data(classes=10, batch=64, features=32),
        "chosen",
        printed=_printed(
            **dict.fromkeys(
                ("log_N", "equal_scores", "small_init"), _p(2.3, 1, "初始损失应为**2.3**左右")
            )
        ),
    ),
    Example(
        "xor-not-linearly-separable",
        SEED_001,
        # the truth table is the notes' (labelled XNOR, the XOR column: see the errata); the
        # two-layer network h = relu(W1 [A, B] + b1), y = W2 h is chosen here
        _data(
            ab=_GATE_AB,
            y=_ro([0.0, 1.0, 1.0, 0.0]),
            w1=_ro([[1.0, 1.0], [1.0, 1.0]]),
            b1=_ro([0.0, -1.0]),
            w2=_ro([1.0, -2.0]),
        ),
        printed=_printed(
            two_layer_relu_xor=_p((0.0, 1.0, 1.0, 0.0), 0, _XOR_TABLE),
            two_layer_threshold_xor=_p((0.0, 1.0, 1.0, 0.0), 0, _XOR_TABLE),
        ),
        inputs_of=_exceptions("chosen", "two_layer_relu_xnor"),
        given=_given(ab=_XOR_TABLE, y=_XOR_TABLE),
    ),
)

# ---------------------------------------------------------------------------------- seed 002
_SEED_002 = (
    Example(
        "linear-forward",
        SEED_002,
        # func3: x = [[0.1, 0.95]], net.weight.data = [[0.1, 0.2], [0.3, 0.4]]; the bias is
        # nn.Linear's random default, drawn here
        _data(x=_ro([[0.1, 0.95]]), weight=_ro([[0.1, 0.2], [0.3, 0.4]])),
        inputs_of=_exceptions("chosen", "bias", "output"),
        given=_given(
            x="x = torch.tensor([[0.1,0.95]])",
            weight="net.weight.data = torch.tensor([[0.1,0.2],[0.3,0.4]])",
        ),
    ),
    Example(
        "linear-default-init",
        SEED_002,
        _data(a=math.sqrt(5.0), small=(4, 6), big=(300, 400)),
        "chosen",
    ),
    Example(
        "mae-example",
        SEED_002,
        _data(true=_ro([2.0, 5.0, 2.5]), pred=_ro([2.5, 5.0, 3.0])),
        given=_given(
            true="y_true = torch.tensor([2,5,2.5])", pred="y_pred = torch.tensor([2.5,5,3])"
        ),
    ),
    Example(
        "mse-example",
        SEED_002,
        _data(true=_ro([3.0, 5.0, 2.5]), pred=_ro([2.5, 5.0, 3.0])),
        given=_given(
            true="y_true = torch.tensor([3,5,2.5])", pred="y_pred = torch.tensor([2.5,5,3])"
        ),
    ),
    Example(
        "cross-entropy-two-samples",
        SEED_002,
        _data(logits=_ro([[1.5, 2.0, 0.5], [0.5, 1.0, 1.5]]), labels=_ro([1, 2], np.int64)),
        given=_given(
            logits="logits = torch.tensor([[1.5,2,0.5],[0.5,1.0,1.5]])",
            labels="labels = torch.tensor([1,2])",
        ),
        printed=_printed(
            log_softmax_true=_p((-0.6041, -0.6803), 4, "对应的softmax值是-0.6041;2是-0.6803")
        ),
    ),
    Example(
        "bce-four-samples",
        SEED_002,
        _data(y=_ro([[0.7], [0.2], [0.9], [0.7]]), t=_ro([[1.0], [0.0], [1.0], [0.0]])),
        given=_given(
            y="y = torch.tensor([[0.7],[0.2],[0.9],[0.7]])",
            t="t = torch.tensor([[1],[0],[1],[0]],dtype=torch.float32)",
        ),
        printed=_printed(
            terms=_p(
                (-0.3567, -0.2231, -0.1054, -1.2040),
                4,
                "1*log(0.7) + 0*log(0.3) ≈ -0.3567",
                "0*log(0.2) + 1*log(0.8) ≈ -0.2231",
                "1*log(0.9) + 0*log(0.1) ≈ -0.1054",
                "0*log(0.7) + 1*log(0.3) ≈ -1.2040",
            )
        ),
    ),
)

# ---------------------------------------------------------------------------------- seed 003
_SEED_003 = (
    Example(
        "gradient-descent-quadratic",
        SEED_003,
        # slow, fast, oscillating and diverging step sizes (α, steps)
        _data(theta0=_ro([1.0, -2.0]), runs=((0.001, 1000), (0.1, 20), (1.0, 7), (1.1, 10))),
        "chosen",
    ),
    Example(
        "partials-z",
        SEED_003,
        _data(points=_ro([[1.0, 2.0], [-3.0, 0.5], [0.0, 0.0], [2.5, -1.5]])),  # rows (x, y)
        "chosen",
    ),
    Example("derivative-table", SEED_003, _data(x=_ro([0.5, 1.0, 2.0]), a=3.0), "chosen"),
    Example("sigmoid-tanh-identities", SEED_003, _data(x=_ro(np.linspace(-4.0, 4.0, 9))), "chosen"),
    Example("softmax-jacobian", SEED_003, _data(a=_ro([2.0, 1.0, 0.1])), "chosen"),
)

# ---------------------------------------------------------------------------------- seed 004
#: the figure the text lacks: the classic 5×5 binary image and 3×3 filter (bias 0); the notes'
#: printed products for a_{0,0}, 1+0+1+0+1+0+0+0+1, are those of this image's top-left window
_CONV_IMAGE = _ro(
    [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]
)
_SEED_004_LAYERS = (
    Example(
        "perceptron-vote",
        SEED_004,
        _data(scores=_ro([4.0, 1.0, -3.0]), weights=_ro([1.0, 3.0, 2.0]), threshold=3.0),
        given=_given(
            scores="4 \\times 1 + 1 \\times 3 + (-3) \\times 2 = 1",
            weights="4 \\times 1 + 1 \\times 3 + (-3) \\times 2 = 1",
            threshold="threshold=3",
        ),
        printed=_printed(
            weighted_sum=_p(1, 0, "4 \\times 1 + 1 \\times 3 + (-3) \\times 2 = 1"),
            output=_p(0, 0, "threshold=3, output = 0"),
        ),
    ),
    Example(
        "nand-perceptron",
        SEED_004,
        _data(ab=_GATE_AB, weights=_ro([-2.0, -2.0]), bias=3.0),
        given=_given(
            weights="0 \\times (-2) + 1 \\times (-2) + 3 = 1",
            bias="0 \\times (-2) + 1 \\times (-2) + 3 = 1",
        ),
        printed=_printed(
            **dict.fromkeys(
                ("sum_input_01", "output_input_01"),
                _p(1, 0, "0 \\times (-2) + 1 \\times (-2) + 3 = 1"),
            )
        ),
    ),
    Example(
        "conv-5x5-feature-map",
        SEED_004,
        _data(image=_CONV_IMAGE, filter=_ro([[1, 0, 1], [0, 1, 0], [1, 0, 1]]), bias=0.0),
        "figure",
        printed=_printed(
            a_00=_p(4, 0, "= 1 + 0 + 1 + 0 + 1 + 0 + 0 + 0 + 1 \\\\ = 4"),
            a_00_terms=_p((1, 0, 1, 0, 1, 0, 0, 0, 1), 0, "= 1 + 0 + 1 + 0 + 1 + 0 + 0 + 0 + 1"),
            stride1_size=_p((3, 3), 0, "想得到一个 3*3 的 Feature Map"),
        ),
    ),
    Example(
        "conv-output-size",
        SEED_004,
        # (W1, F, P, S): the notes' example, the two-filter figure's, and two neighbours
        _data(sizes=((5, 3, 0, 2), (5, 3, 0, 1), (5, 3, 1, 2), (7, 3, 1, 2))),
        printed=_printed(W2_5_3_0_2=_p(2, 0, "(5-3+0)/2 + 1 = 2")),
        inputs_of=_exceptions("chosen", "W2_5_3_0_1", "W2_7_3_1_2"),
    ),
    Example(
        "conv-two-filters-56-parameters",
        SEED_004,
        # the figure's geometry (5×5×3 input, two 3×3×3 filters, P = 1, S = 2); values chosen
        _data(input_shape=(3, 5, 5), filters=2, kernel=3, stride=2, padding=1, biases=_ro([1, 0])),
        "chosen",
        printed=_printed(
            parameters=_p(56, 0, "(3 * 3 * 3+1) * 2 = 56"),
            output_size=_p((3, 3, 2), 0, "得到了 3 ∗ 3 ∗ 2 3*3*2"),
        ),
    ),
    Example(
        "pooling-2x2",
        SEED_004,
        # the notes' figure is not in the text: the common illustration of 2×2 max pooling
        _data(map=_ro([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]]), kernel=2),
        "chosen",
    ),
)
_SEED_004 = (
    *_SEED_004_LAYERS,
    Example(
        "backprop-forward",
        SEED_004,
        _BACKPROP,
        given=_BACKPROP_GIVEN,
        printed=_printed(
            net_h1=_p(0.3775, 4, "net_{h1} = 0.15 * 0.05 + 0.2 * 0.1 + 0.35 * 1 = 0.3775"),
            out_h1=_p(0.593269992, 9, "\\frac{1}{1 + e^{-0.3775}} = 0.593269992"),
            out_h2=_p(0.596884378, 9, "out_{h2} = 0.596884378"),
            net_o1=_p(
                1.105905967, 9, "0.4 * 0.593269992 + 0.45 * 0.596884378 + 0.6 * 1 = 1.105905967"
            ),
            # the other copy, 0.75136079, is an erratum (backprop-out-o1-value)
            out_o1=_p(0.75136507, 8, "\\frac{1}{2}(0.01 - 0.75136507)^2"),
            out_o2=_p(0.772928465, 9, "[0.75136079 , 0.772928465]"),
            E_o1=_p(0.274811083, 9, "\\frac{1}{2}(0.01 - 0.75136507)^2 = 0.274811083"),
            E_o2=_p(0.023560026, 9, "E_{o2} = 0.023560026"),
            E_total=_p(0.298371109, 9, "E_{o1} + E_{o2} = 0.274811083 + 0.023560026 = 0.298371109"),
        ),
    ),
    # the notes set up ∂E_total/∂w5 by the chain rule and stop before any number
    Example("backprop-backward", SEED_004, _BACKPROP, given=_BACKPROP_GIVEN),
    # the notes say they update the weights and recompute, and give no learning rate
    Example(
        "backprop-sgd-step", SEED_004, _data(**_BACKPROP, lr=0.5), "chosen", given=_BACKPROP_GIVEN
    ),
    Example(
        "activation-derivatives",
        SEED_004,
        # the points 0 and ±10 are the notes'; the grid over [−20, 20] is chosen here
        _data(points=_ro([0.0, 10.0, -10.0]), grid=(-20.0, 20.0, 40001)),
        given=_given(points=("x=0", "x=10", "x=-10")),
        printed=_printed(
            sigmoid_grad_0=_p(0.25, 2, "f^{'}(x) =0.25"),
            tanh_grad_0=_p(1, 0, "f^{`}(x) =1"),
            # "≈ 0" has no decimals: read as 0 to 4 decimals (a choice here, not the notes')
            **dict.fromkeys(
                ("sigmoid_grad_10", "sigmoid_grad_-10", "tanh_grad_10", "tanh_grad_-10"),
                _p(0, 4, _APPROX_0),
            ),
            sigmoid_grad_max=_p(0.25, 2, "s^{,}(x)=s(x)*(1-s(x))\\in (0,\\frac{1}{4}]"),
        ),
        inputs_of=_exceptions("chosen", "sigmoid_grad_min", "tanh_grad_max", "tanh_grad_min"),
    ),
    Example("cross-entropy-weight-gradient", SEED_004, _data(n=8, d=3, b=0.1), "chosen"),
    Example(
        "layer-jacobian",
        SEED_004,
        _data(
            w=_ro([[0.5, -1.0, 0.3], [0.8, 0.2, -0.6], [-0.4, 0.9, 1.1]]), h=_ro([0.2, -0.7, 1.5])
        ),
        "chosen",
    ),
    Example(
        "center-loss",
        SEED_004,
        _data(
            x=_ro([[1.0, 2.0], [0.5, -1.0], [1.5, 1.0], [-2.0, 0.0], [0.0, -2.0]]),
            labels=_ro([0, 1, 0, 2, 1], np.int64),
            centers=_ro([[1.0, 1.0], [0.0, -1.0], [-1.0, 1.0], [3.0, 3.0]]),  # class 3 unused
            alpha=0.5,
        ),
        "chosen",
    ),
    Example(
        "softmax-3-1-minus3",
        SEED_004,
        _data(scores=_ro([3.0, 1.0, -3.0])),
        given=_given(scores="3,1,-3"),
    ),
)

#: Every worked example, by id, in the order of the notes.
EXAMPLES: Mapping[str, Example] = MappingProxyType(
    {ex.id: ex for ex in (*_SEED_000, *_SEED_001, *_SEED_002, *_SEED_003, *_SEED_004)}
)


def example(example_id: str) -> Example:
    """The worked example with this id (KeyError when there is none)."""
    return EXAMPLES[example_id]
