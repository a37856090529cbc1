"""Known mistakes in ``activations``: each a ``def`` a student writes (NumPy only).

The code runs with ``np`` and ``math`` only (:func:`namespace`), the same in the reference when
a planted-bug test plants it there.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from graders.mistakes import Mistake

A = "activations"


def namespace() -> dict[str, Any]:
    """What the mistakes' code may use."""
    return {"np": np, "math": math}


MISTAKES: list[Mistake] = [
    Mistake(
        "softmax-no-max-shift",
        f"{A}.softmax",
        "softmax without subtracting the max",
        "which overflows for large inputs (exp(1000) is inf)",
        """
def softmax(x, dim=-1):
    e = np.exp(np.asarray(x, dtype=float))
    return e / e.sum(axis=dim, keepdims=True)
""",
    ),
    Mistake(
        "log-softmax-as-log-of-softmax",
        f"{A}.log_softmax",
        "log_softmax computed as log(softmax(x))",
        "which gives log(0) = -inf once a probability underflows; use x - max - log(sum(exp))",
        """
def log_softmax(x, dim=-1):
    x = np.asarray(x, dtype=float)
    e = np.exp(x - x.max(axis=dim, keepdims=True))
    return np.log(e / e.sum(axis=dim, keepdims=True))
""",
    ),
    Mistake(
        "notes-softmax-seed-001",
        f"{A}.softmax",
        "the notes' softmax code (seed 001)",
        "which normalises over the whole batch instead of along dim (see the errata)",
        doc="docs/errata.md",
    ),
    Mistake(
        "notes-softmax-grad-seed-001",
        f"{A}.softmax_grad",
        "the notes' softmax derivative code (seed 001)",
        "which returns one Jacobian for a single vector, not one per row along dim",
        doc="docs/errata.md",
    ),
    Mistake(
        "leaky-relu-grad-wrong-at-zero",
        f"{A}.leaky_relu_grad",
        "leaky_relu'(0) = 1 (x >= 0 instead of x > 0)",
        "but torch's derivative at the kink 0 is negative_slope",
        """
def leaky_relu_grad(x, negative_slope=0.01):
    x = np.asarray(x, dtype=float)
    return np.where(x >= 0, 1.0, negative_slope)
""",
    ),
    Mistake(
        "relu-grad-heaviside-half",
        f"{A}.relu_grad",
        "relu'(0) = 1/2 (the Heaviside step's midpoint)",
        "but torch's relu'(0) is 0",
        """
def relu_grad(x):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, 1.0, np.where(x == 0, 0.5, 0.0))
""",
    ),
    Mistake(
        "elu-ignores-alpha",
        f"{A}.elu",
        "elu that ignores alpha",
        "so only the default alpha = 1 is right: the negative part is alpha (e^x - 1)",
        """
def elu(x, alpha=1.0):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, np.expm1(np.minimum(x, 0.0)))
""",
    ),
    Mistake(
        "tanh-grad-uses-x",
        f"{A}.tanh_grad",
        "tanh'(x) written as 1 - x^2",
        "but the identity is 1 - tanh(x)^2: apply it to the output, not the input",
        """
def tanh_grad(x):
    x = np.asarray(x, dtype=float)
    return 1.0 - x**2
""",
    ),
    Mistake(
        "silu-grad-without-product-rule",
        f"{A}.silu_grad",
        "silu'(x) taken as sigmoid(x)",
        "forgetting the product rule: d/dx x sigmoid(x) = sigmoid(x) (1 + x (1 - sigmoid(x)))",
        """
def silu_grad(x):
    x = np.asarray(x, dtype=float)
    return 0.5 * (1.0 + np.tanh(0.5 * x))
""",
    ),
    Mistake(
        "softplus-ignores-threshold",
        f"{A}.softplus",
        "softplus without torch's threshold",
        "which returns x itself once beta x > threshold",
        """
def softplus(x, beta=1.0, threshold=20.0):
    x = np.asarray(x, dtype=float)
    return np.logaddexp(0.0, beta * x) / beta
""",
    ),
    Mistake(
        "softmax-ignores-dim",
        f"{A}.softmax",
        "softmax always over the last axis",
        "ignoring dim=",
        """
def softmax(x, dim=-1):
    x = np.asarray(x, dtype=float)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
""",
    ),
    Mistake(
        "sigmoid-returns-float64-always",
        f"{A}.sigmoid",
        "np.asarray(x, dtype=np.float64) on the input",
        "which turns float32 input into float64 output; keep the input's float dtype",
        """
def sigmoid(x):
    x = np.asarray(x, dtype=np.float64)
    return 0.5 * (1.0 + np.tanh(0.5 * x))
""",
    ),
    Mistake(
        "sigmoid-sign-error",
        f"{A}.sigmoid",
        "sigmoid with e^{+x} in place of e^{-x}",
        "which computes sigmoid(-x)",
        """
def sigmoid(x):
    # e^{+x} for e^{-x}: sigma(-x), which still has the right derivative magnitude at 0
    x = np.asarray(x, dtype=float)
    return 1.0 / (1.0 + np.exp(np.clip(x, -700, 700)))
""",
    ),
    Mistake(
        "sigmoid-grad-of-the-output",
        f"{A}.sigmoid_grad",
        "sigmoid'(x) written as x (1 - x)",
        "but the identity y (1 - y) holds for y = sigmoid(x), not for the input x",
        """
def sigmoid_grad(x):
    # y (1 - y) applied to the input x instead of to y = sigmoid(x)
    x = np.asarray(x, dtype=float)
    return x * (1.0 - x)
""",
    ),
    Mistake(
        "relu-leaks-by-default",
        f"{A}.relu",
        "relu that leaks 0.01 x below 0",
        "which is leaky_relu: relu is exactly 0 for x < 0",
        """
def relu(x):
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, 0.01 * x)
""",
    ),
    Mistake(
        "softmax-unnormalised",
        f"{A}.softmax",
        "softmax without dividing by the sum",
        "so the outputs do not sum to 1 along dim",
        """
def softmax(x, dim=-1):
    x = np.asarray(x, dtype=float)
    return np.exp(x - x.max(axis=dim, keepdims=True))
""",
    ),
]
