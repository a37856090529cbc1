"""Known mistakes in ``initializers``: each a ``def`` a student writes (NumPy only).

The code may call ``calculate_fan_in_and_fan_out`` and ``calculate_gain`` as a student's module
defines them; :func:`namespace` gives torch's rules for both (``torch.nn.init``'s
documentation: fan_in = shape[1] * receptive field, fan_out = shape[0] * receptive field; the
gain table of ``calculate_gain``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from graders.mistakes import Mistake

INIT = "initializers"


def calculate_fan_in_and_fan_out(tensor: np.ndarray) -> tuple[int, int]:
    """fan_in = shape[1] * prod(shape[2:]), fan_out = shape[0] * prod(shape[2:])."""
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for fewer than 2 dimensions")
    receptive = math.prod(int(s) for s in tensor.shape[2:])
    return int(tensor.shape[1]) * receptive, int(tensor.shape[0]) * receptive


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """torch's own ``calculate_gain`` (the one table of gains; torch is imported only when a
    diagnosis runs an initializer's mistake)."""
    import torch

    return float(torch.nn.init.calculate_gain(nonlinearity, param))  # type: ignore[arg-type]


def namespace() -> dict[str, Any]:
    """What the mistakes' code may use."""
    return {
        "np": np,
        "math": math,
        "calculate_fan_in_and_fan_out": calculate_fan_in_and_fan_out,
        "calculate_gain": calculate_gain,
    }


MISTAKES: list[Mistake] = [
    Mistake(
        "kaiming-normal-fan-out-for-fan-in",
        f"{INIT}.kaiming_normal_",
        "Kaiming with fan_out where mode='fan_in' needs fan_in",
        "which scales the std by sqrt(fan_in / fan_out)",
        """
def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    fan = fan_out if mode == "fan_in" else fan_in
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    tensor[...] = generator.normal(0.0, std, size=tensor.shape)
    return tensor
""",
    ),
    Mistake(
        "kaiming-uniform-missing-gain",
        f"{INIT}.kaiming_uniform_",
        "Kaiming uniform without the gain",
        "bound = gain * sqrt(3 / fan): the default leaky_relu gain is sqrt(2 / (1 + a^2))",
        """
def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    bound = math.sqrt(3.0 / fan)
    tensor[...] = generator.uniform(-bound, bound, size=tensor.shape)
    return tensor
""",
    ),
    Mistake(
        "xavier-normal-bound-as-std",
        f"{INIT}.xavier_normal_",
        "Xavier normal with the uniform bound sqrt(6 / (fan_in + fan_out)) as its std",
        "where the std is sqrt(2 / (fan_in + fan_out)), sqrt(3) times smaller",
        """
def xavier_normal_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(6.0 / (fan_in + fan_out))
    tensor[...] = generator.normal(0.0, std, size=tensor.shape)
    return tensor
""",
    ),
    Mistake(
        "kaiming-normal-variance-as-std",
        f"{INIT}.kaiming_normal_",
        "Kaiming normal with the variance gain^2 / fan as its std",
        "where the std is gain / sqrt(fan)",
        """
def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    std = calculate_gain(nonlinearity, a) ** 2 / fan
    tensor[...] = generator.normal(0.0, std, size=tensor.shape)
    return tensor
""",
    ),
    Mistake(
        "xavier-uniform-global-rng",
        f"{INIT}.xavier_uniform_",
        "drawing from np.random (the global state) instead of the generator argument",
        "so the same generator does not give the same weights",
        """
def xavier_uniform_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    tensor[...] = np.random.uniform(-bound, bound, size=tensor.shape)
    return tensor
""",
    ),
    Mistake(
        "normal-fresh-unseeded-generator",
        f"{INIT}.normal_",
        "a fresh np.random.default_rng() instead of the generator argument",
        "so the same seed gives different weights every call",
        """
def normal_(tensor, mean=0.0, std=1.0, generator=None):
    tensor[...] = np.random.default_rng().normal(mean, std, size=tensor.shape)
    return tensor
""",
    ),
    Mistake(
        "uniform-fixed-seed-ignores-generator",
        f"{INIT}.uniform_",
        "a generator with a fixed seed instead of the generator argument",
        "so every call gives the same weights whatever generator is passed",
        """
def uniform_(tensor, a=0.0, b=1.0, generator=None):
    tensor[...] = np.random.default_rng(0).uniform(a, b, size=tensor.shape)
    return tensor
""",
    ),
    Mistake(
        "uniform-not-in-place",
        f"{INIT}.uniform_",
        "returning a new array instead of filling the given one",
        "torch.nn.init functions write into the tensor they get (tensor[...] = ...) and return it",
        """
def uniform_(tensor, a=0.0, b=1.0, generator=None):
    return generator.uniform(a, b, size=tensor.shape)
""",
    ),
    Mistake(
        "calculate-gain-relu-2",
        f"{INIT}.calculate_gain",
        "the relu gain taken as 2 (the variance factor)",
        "where the gain multiplies the std: sqrt(2)",
        """
def calculate_gain(nonlinearity, param=None):
    table = {"linear": 1.0, "sigmoid": 1.0, "tanh": 5.0 / 3, "relu": 2.0, "selu": 0.75}
    if nonlinearity.startswith("conv"):
        return 1.0
    if nonlinearity == "leaky_relu":
        if param is not None and not isinstance(param, (int, float)):
            raise ValueError("negative_slope is not a valid number")
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity not in table:
        raise ValueError(f"Unsupported nonlinearity {nonlinearity}")
    return table[nonlinearity]
""",
    ),
    Mistake(
        "sparse-zeros-per-row",
        f"{INIT}.sparse_",
        "sparse_ zeroing a fraction of each row",
        "where torch zeroes ceil(sparsity * rows) entries of each column",
        """
def sparse_(tensor, sparsity, std=0.01, generator=None):
    rows, cols = tensor.shape
    tensor[...] = generator.normal(0.0, std, size=tensor.shape)
    for r in range(rows):
        tensor[r, generator.permutation(cols)[: math.ceil(sparsity * cols)]] = 0.0
    return tensor
""",
    ),
    Mistake(
        "dirac-ignores-groups",
        f"{INIT}.dirac_",
        "dirac_ ignoring groups",
        "with groups=g each of the g blocks of out_channels gets its own identity",
        doc="docs/initializers.md",  # (no section of its own)
        code="""
def dirac_(tensor, groups=1):
    if tensor.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    tensor[...] = 0.0
    out_ch, in_ch = tensor.shape[:2]
    centre = tuple(k // 2 for k in tensor.shape[2:])
    for d in range(min(out_ch, in_ch)):
        tensor[(d, d, *centre)] = 1.0
    return tensor
""",
    ),
    Mistake(
        "orthogonal-missing-gain",
        f"{INIT}.orthogonal_",
        "orthogonal_ without the gain",
        "the orthogonal matrix is multiplied by gain",
        """
def orthogonal_(tensor, gain=1, generator=None):
    rows = tensor.shape[0]
    cols = tensor.size // rows
    flat = generator.normal(size=(rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    tensor[...] = q.reshape(tensor.shape)
    return tensor
""",
    ),
    # cheats caught by the checks of structure and generators (no runnable form here)
    Mistake(
        "orthogonal-signed-permutation",
        f"{INIT}.orthogonal_",
        "a signed permutation matrix for orthogonal_",
        "which is orthogonal but nothing like a random orthogonal matrix (its entries are 0 and"
        " ±1); draw Q from the QR of a Gaussian matrix",
    ),
    Mistake(
        "orthogonal-signed-identity",
        f"{INIT}.orthogonal_",
        "a signed identity for orthogonal_",
        "which is orthogonal but not random; draw Q from the QR of a Gaussian matrix",
    ),
    Mistake(
        "orthogonal-without-the-sign-fix",
        f"{INIT}.orthogonal_",
        "Q from the QR decomposition without the sign fix",
        "so Q is not uniformly distributed: multiply Q's columns by sign(diag(R)) as torch does",
    ),
    Mistake(
        "sparse-same-zero-rows-in-every-column",
        f"{INIT}.sparse_",
        "the same zero rows in every column",
        "torch draws the zeros of each column separately",
    ),
    Mistake(
        "normal-tiles-one-drawn-row",
        f"{INIT}.normal_",
        "one drawn row tiled over the tensor",
        "so rows repeat: draw every element",
    ),
    Mistake(
        "kaiming-normal-one-kernel-for-all-channels",
        f"{INIT}.kaiming_normal_",
        "one kernel drawn and copied to every channel",
        "so whole slices repeat: draw every element",
    ),
    Mistake(
        "xavier-normal-seeds-its-own-generator",
        f"{INIT}.xavier_normal_",
        "a generator of its own (a fixed seed) instead of the `generator` argument",
        "so the draw ignores the caller's generator",
    ),
    Mistake(
        "kaiming-uniform-global-rng-state-restored",
        f"{INIT}.kaiming_uniform_",
        "NumPy's global generator, its state restored afterwards",
        "so the draw ignores the `generator` argument",
    ),
]
