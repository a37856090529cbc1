"""Registry entries for ``layers``: ``linear``, ``conv2d``, ``max_pool2d`` and ``avg_pool2d`` of
``torch.nn.functional``, and their gradients, against torch in float64.

Each layer is one row of :data:`LAYERS` and gives two items: ``layers.<name>`` (the value,
against ``torch.nn.functional.<name>``) and ``layers.<name>_grad`` (autograd's vector-Jacobian
product with a seeded random ``grad_output``: a tuple ``(grad_input, grad_weight, grad_bias)``
for ``linear`` and ``conv2d``, ``grad_bias`` being ``None`` when the call has no bias; the
input's gradient for the pooling layers).  ``cases.py`` draws the cases, ``oracle.py`` is
torch's side, ``checks.py`` checks the gradient tuples.  The notes' worked convolution and
pooling numbers, rebuilt from these functions, are the ``layers.worked_*`` items
(``graders/registry/worked_examples``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from graders.judge import check_allclose
from graders.registry import Case, Item
from graders.registry.layers import cases, oracle
from graders.registry.layers.checks import check_grads


@dataclass(frozen=True)
class Layer:
    """One layer of ``torch.nn.functional``: its points (value, gradient) and what it is."""

    name: str
    points: tuple[float, float]
    description: str


LAYERS: tuple[Layer, ...] = (
    Layer("linear", (2, 2), "y = x Wᵀ + b (nn.Linear; the notes' weighted sums)"),
    Layer(
        "conv2d",
        (4, 4),
        "2-D cross-correlation with stride, padding, dilation, groups and bias (seed 004, 3.2.3)",
    ),
    Layer(
        "max_pool2d",
        (2, 3),
        "max pooling with kernel, stride, padding, dilation and ceil_mode; its gradient routes "
        "each window's upstream gradient to the window's first maximum (seed 004, 3.2.4)",
    ),
    Layer(
        "avg_pool2d",
        (2, 2),
        "average pooling with kernel, stride, padding, ceil_mode, count_include_pad and "
        "divisor_override (seed 004, 3.2.4)",
    ),
)


def _tuple_cases(layer: str, rng: np.random.Generator, hidden: bool) -> list[Case]:
    """The gradient cases of linear/conv2d: a tuple back, ``grad_bias`` None without a bias."""
    out = []
    for case in cases.grad_cases(layer, rng, hidden):
        spec = {**case.spec, "returns": "tuple", "outputs": list(oracle.TUPLE)}
        spec["optional"] = ["grad_bias"]
        has_bias = len(case.args) > 2 and case.args[2] is not None
        data = {**case.data, "optional": ["grad_bias"], "none": [] if has_bias else ["grad_bias"]}
        out.append(replace(case, spec=spec, data=data))
    return out


def items(layer: Layer) -> list[Item]:
    """The value item and the gradient item of a layer."""
    tupled = layer.name in oracle.GRADS
    grad_cases = partial(_tuple_cases if tupled else cases.grad_cases, layer.name)
    return [
        Item(
            f"layers.{layer.name}",
            layer.points[0],
            cases.CASES[layer.name],
            partial(oracle.value_oracle, layer.name),
            description=f"torch.nn.functional.{layer.name}: {layer.description}",
        ),
        Item(
            f"layers.{layer.name}_grad",
            layer.points[1],
            grad_cases,
            partial(oracle.grad_oracle, layer.name),
            check=check_grads if tupled else check_allclose,
            tolerance="gradient",
            description=f"gradient of torch.nn.functional.{layer.name} (autograd)",
        ),
    ]


ITEMS: list[Item] = [item for layer in LAYERS for item in items(layer)]
