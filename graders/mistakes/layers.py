"""Known mistakes in ``layers``: described here; their code stays with the planted bugs
(``tests/planted_bugs_layers.py``), since it needs the reference's private helpers (window
setup, output sizes) that the grader does not ship, so the diagnosis does not run them."""

from __future__ import annotations

from typing import Any

import numpy as np

from graders.mistakes import Mistake

Y = "layers"


def namespace() -> dict[str, Any]:
    """What the mistakes' code may use."""
    return {"np": np}


MISTAKES: list[Mistake] = [
    Mistake(
        "linear-weight-not-transposed",
        f"{Y}.linear",
        "x W instead of x W^T",
        "torch's weight has shape (out_features, in_features)",
    ),
    Mistake(
        "linear-ignores-bias",
        f"{Y}.linear",
        "the bias left out",
        "y = x W^T + b",
    ),
    Mistake(
        "linear-grad-missing-bias",
        f"{Y}.linear_grad",
        "no bias gradient",
        "grad_bias is grad_output summed over the batch",
    ),
    Mistake(
        "conv-output-size-off-by-one",
        f"{Y}.conv2d",
        "an output size off by one",
        "the size is floor((H + 2p - d(k - 1) - 1) / s) + 1",
    ),
    Mistake(
        "conv-flipped-kernel",
        f"{Y}.conv2d",
        "the kernel flipped (a true convolution)",
        "torch's conv2d is a cross-correlation",
    ),
    Mistake(
        "conv-grad-bias-first-sample-only",
        f"{Y}.conv2d_grad",
        "the bias gradient from the first sample only",
        "sum grad_output over the batch and the positions",
    ),
    Mistake(
        "max-pool-zero-padding",
        f"{Y}.max_pool2d",
        "max pooling padded with zeros",
        "torch pads with -inf, so padding never wins a window",
    ),
    Mistake(
        "max-pool-grad-last-maximum",
        f"{Y}.max_pool2d_grad",
        "the gradient routed to the last maximum of a window",
        "torch routes it to the first",
    ),
    Mistake(
        "max-pool-grad-to-every-maximum",
        f"{Y}.max_pool2d_grad",
        "the gradient given to every tied maximum",
        "torch gives it to the first maximum only",
    ),
    Mistake(
        "pool-ceil-mode-keeps-window-in-padding",
        f"{Y}.max_pool2d",
        "ceil_mode keeping a last window that starts in the padding",
        "torch drops a window that would start in the right padding",
    ),
    Mistake(
        "avg-pool-divides-by-the-kernel-width",
        f"{Y}.avg_pool2d",
        "the average divided by the kernel's width only",
        "divide by the window's number of elements",
    ),
    Mistake(
        "avg-pool-ignores-count-include-pad",
        f"{Y}.avg_pool2d",
        "count_include_pad ignored",
        "with count_include_pad=False the padding is not counted in the divisor",
    ),
]
