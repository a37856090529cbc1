"""Cases of the ``layers`` items: shapes, every keyword, unbatched inputs, float32,
non-contiguous arrays, ties, the arguments torch refuses, and hidden cases drawn from a space of
shapes and arguments.

A layer's case builder returns the cases of its value item (``args``: the arrays, then the
pooling's ``kernel_size``; ``kwargs``: the other keywords); :func:`grad_cases` turns them into
the cases of its ``_grad`` item by adding a seeded random ``grad_output`` of the output's shape
(:func:`output_shape`, torch's size arithmetic), and one case with the default upstream (ones).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from graders.registry import Case, Category

C = Category
Rng = np.random.Generator
Shape = tuple[int, ...]
#: Cases where torch refuses the arguments: the student's function must raise ValueError.
RAISES = {"expect_raise": True}


def _normal(rng: Rng, shape: Shape) -> np.ndarray:
    return rng.normal(0.0, 1.0, size=shape)


def _pair(value: Any) -> tuple[int, int]:
    if isinstance(value, int | np.integer):
        return int(value), int(value)
    items = tuple(int(v) for v in value)
    return (items[0], items[0]) if len(items) == 1 else (items[0], items[1])


def _transposed(a: np.ndarray) -> np.ndarray:
    """The same values in a non-contiguous layout (the last two axes of a swapped copy)."""
    return np.ascontiguousarray(np.swapaxes(a, -1, -2)).swapaxes(-1, -2)


def _float32(case: Case) -> Case:
    args = tuple(a.astype(np.float32) if isinstance(a, np.ndarray) else a for a in case.args)
    return replace(case, args=args)


def _raises(name: str, args: tuple[Any, ...], **kwargs: Any) -> Case:
    return Case(name, C.EDGE, args, kwargs, spec=dict(RAISES))


# --------------------------------------------------------------------------------- output sizes
def _window_count(size: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """torch's pooling_output_shape: round down, or up with ceil_mode unless the last window
    would start in the right padding."""
    n = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (n - 1) * s >= size + p:
        n -= 1
    return n


def _conv_shape(case: Case) -> Shape:
    x, w = case.args[0], case.args[1]
    kw = case.kwargs
    s, d = _pair(kw.get("stride", 1)), _pair(kw.get("dilation", 1))
    padding = kw.get("padding", 0)
    out = []
    for axis in range(2):
        size, k = x.shape[-2 + axis], w.shape[2 + axis]
        if padding == "same":
            out.append(size)
            continue
        p = 0 if padding == "valid" else _pair(padding)[axis]
        out.append(_window_count(size, k, s[axis], p, d[axis], False))
    return (*x.shape[:-3], w.shape[0], *out)


def _pool_shape(case: Case) -> Shape:
    x, kernel = case.args[0], _pair(case.args[1])
    kw = case.kwargs
    stride = kw.get("stride")
    s = kernel if stride is None else _pair(stride)
    p, d = _pair(kw.get("padding", 0)), _pair(kw.get("dilation", 1))
    ceil = bool(kw.get("ceil_mode", False))
    out = [_window_count(x.shape[-2 + a], kernel[a], s[a], p[a], d[a], ceil) for a in range(2)]
    return (*x.shape[:-2], *out)


def output_shape(layer: str, case: Case) -> Shape:
    """The shape of ``layer``'s output for the case's arguments (torch's arithmetic)."""
    if layer == "linear":
        x, w = case.args[0], case.args[1]
        return tuple(x.shape[:-1]) + tuple(w.shape[:-1])
    return _conv_shape(case) if layer == "conv2d" else _pool_shape(case)


# --------------------------------------------------------------------------------- linear
def _linear_args(rng: Rng, batch: Shape, n_in: int, n_out: int, bias: bool) -> tuple[Any, ...]:
    x, w = _normal(rng, (*batch, n_in)), _normal(rng, (n_out, n_in))
    return (x, w, _normal(rng, (n_out,))) if bias else (x, w)


def linear_cases(rng: Rng, hidden: bool) -> list[Case]:
    """y = x Wᵀ + b: leading axes of every count, a 1-D weight, no bias, float32, views."""
    if hidden:
        return [
            Case(f"random-{k}", C.CORRECTNESS, _linear_args(rng, tuple(int(n) for n in
                 rng.integers(1, 5, int(rng.integers(0, 3)))), int(rng.integers(1, 9)),
                 int(rng.integers(1, 9)), bool(rng.integers(2))))
            for k in range(3)
        ]  # fmt: skip
    x, w, b = _linear_args(rng, (4,), 5, 3, True)
    cases = [
        Case("matrix", C.CORRECTNESS, _linear_args(rng, (4,), 5, 3, True)),
        Case("vector", C.CORRECTNESS, _linear_args(rng, (), 6, 2, True)),
        Case("batch-of-1", C.CORRECTNESS, _linear_args(rng, (1,), 3, 4, True)),
        Case("3d-input", C.CORRECTNESS, _linear_args(rng, (2, 3), 4, 5, True)),
        Case("one-output", C.CORRECTNESS, _linear_args(rng, (6,), 3, 1, True)),
        Case("non-contiguous", C.CORRECTNESS, (_transposed(x), _transposed(w), b)),
        _float32(Case("float32", C.CORRECTNESS, _linear_args(rng, (4,), 5, 3, True))),
        Case("no-bias", C.HYPERPARAMETERS, _linear_args(rng, (4,), 5, 3, False)),
        Case("weight-1d", C.HYPERPARAMETERS, (_normal(rng, (3, 5)), _normal(rng, (5,)))),
        Case("empty-batch", C.EDGE, _linear_args(rng, (0,), 4, 3, True)),
        _raises("in-features-mismatch", (_normal(rng, (3, 4)), _normal(rng, (2, 5)))),
        _raises("bias-wrong-shape", (_normal(rng, (3, 4)), _normal(rng, (2, 4)), np.zeros(3))),
    ]
    return cases


# --------------------------------------------------------------------------------- conv2d
def _conv_args(
    rng: Rng, x_shape: Shape, out_channels: int, kernel: tuple[int, int], groups: int, bias: bool
) -> tuple[Any, ...]:
    channels = x_shape[-3]
    w = _normal(rng, (out_channels, channels // groups, *kernel))
    x = _normal(rng, x_shape)
    return (x, w, _normal(rng, (out_channels,))) if bias else (x, w)


def _conv(
    rng: Rng,
    name: str,
    category: Category,
    x_shape: Shape,
    out_channels: int = 4,
    kernel: tuple[int, int] = (3, 3),
    bias: bool = True,
    **kwargs: Any,
) -> Case:
    groups = int(kwargs.get("groups", 1))
    args = _conv_args(rng, x_shape, out_channels, kernel, groups, bias)
    return Case(name, category, args, kwargs)


def _conv_hyper(rng: Rng) -> list[Case]:
    """Every keyword, one at a time, then all together."""
    h, x = C.HYPERPARAMETERS, (2, 4, 7, 7)
    return [
        _conv(rng, "stride=2", h, x, stride=2),
        _conv(rng, "stride=(2,1)", h, x, stride=(2, 1)),
        _conv(rng, "padding=1", h, x, padding=1),
        _conv(rng, "padding=(2,0)", h, x, padding=(2, 0)),
        _conv(rng, "padding=same", h, x, kernel=(3, 4), padding="same"),
        _conv(rng, "padding=valid", h, x, padding="valid"),
        _conv(rng, "dilation=2", h, x, dilation=2),
        _conv(rng, "dilation=(1,2)", h, x, dilation=(1, 2)),
        _conv(rng, "groups=2", h, x, out_channels=6, groups=2),
        _conv(rng, "groups=4-depthwise", h, x, out_channels=8, groups=4),
        _conv(rng, "no-bias", h, x, bias=False),
        _conv(rng, "everything", h, (2, 4, 9, 8), out_channels=6, kernel=(3, 2), stride=(2, 1),
              padding=(1, 2), dilation=(2, 1), groups=2),
    ]  # fmt: skip


def _conv_raises(rng: Rng) -> list[Case]:
    x = _normal(rng, (1, 3, 5, 5))
    return [
        _raises("channels-mismatch", (x, _normal(rng, (2, 4, 3, 3)))),
        _raises("kernel-larger-than-input", (x, _normal(rng, (2, 3, 6, 6)))),
        _raises("groups-do-not-divide", (x, _normal(rng, (2, 1, 3, 3))), groups=3),
        _raises("bias-wrong-shape", (x, _normal(rng, (2, 3, 3, 3)), np.zeros(3))),
        _raises("same-padding-with-stride", (x, _normal(rng, (2, 3, 3, 3))), stride=2,
                padding="same"),
    ]  # fmt: skip


def _conv_hidden(rng: Rng) -> list[Case]:
    """Random shapes and keywords (always a valid combination)."""
    cases = []
    for k in range(3):
        groups = int(rng.choice([1, 1, 2, 3]))
        channels, out = groups * int(rng.integers(1, 3)), groups * int(rng.integers(1, 3))
        kernel = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        dilation, padding = int(rng.integers(1, 3)), int(rng.integers(0, 3))
        size = [int(rng.integers(dilation * (kk - 1) + 1, 10)) for kk in kernel]
        batch = () if rng.integers(4) == 0 else (int(rng.integers(1, 4)),)
        kw = {"stride": (int(rng.integers(1, 3)), int(rng.integers(1, 3))), "padding": padding,
              "dilation": dilation, "groups": groups}  # fmt: skip
        cases.append(_conv(rng, f"random-{k}", C.CORRECTNESS, (*batch, channels, *size), out,
                           kernel, bool(rng.integers(2)), **kw))  # fmt: skip
    return cases


def conv2d_cases(rng: Rng, hidden: bool) -> list[Case]:
    """Cross-correlation over shapes, every keyword, float32, views; torch's refusals."""
    if hidden:
        return _conv_hidden(rng)
    c = C.CORRECTNESS
    x, w, b = _conv_args(rng, (2, 3, 6, 5), 4, (3, 3), 1, True)
    asymmetric = np.zeros((1, 1, 5, 5))
    asymmetric[0, 0, 2, 2] = 1.0  # a single 1: the output shows the kernel, flipped or not
    return [
        _conv(rng, "batched", c, (2, 3, 6, 6)),
        _conv(rng, "unbatched", c, (3, 6, 6)),
        _conv(rng, "batch-of-1", c, (1, 3, 5, 5)),
        _conv(rng, "rectangular", c, (2, 2, 5, 8), out_channels=3, kernel=(2, 4)),
        _conv(rng, "kernel-1x1", c, (2, 3, 4, 4), kernel=(1, 1)),
        Case("kernel-not-flipped", c, (asymmetric, np.arange(9.0).reshape(1, 1, 3, 3))),
        Case("non-contiguous", c, (_transposed(x), _transposed(w), b)),
        _float32(_conv(rng, "float32", c, (2, 3, 6, 6))),
        *_conv_hyper(rng),
        _conv(rng, "empty-batch", C.EDGE, (0, 3, 5, 5)),
        *_conv_raises(rng),
    ]


# --------------------------------------------------------------------------------- pooling
def _pool(rng: Rng, name: str, category: Category, shape: Shape, kernel: Any, **kw: Any) -> Case:
    return Case(name, category, (_normal(rng, shape), kernel), kw)


def _ties(rng: Rng, shape: Shape) -> np.ndarray:
    """Small integers: most windows hold their maximum more than once."""
    return rng.integers(0, 3, size=shape).astype(np.float64)


def _pool_common(rng: Rng) -> list[Case]:
    """The cases max and average pooling share: shapes, layouts, dtypes, refusals."""
    c, x = C.CORRECTNESS, _normal(rng, (2, 3, 6, 6))
    return [
        _pool(rng, "batched", c, (2, 3, 6, 6), 2),
        _pool(rng, "unbatched", c, (3, 5, 5), 2),
        _pool(rng, "batch-of-1", c, (1, 2, 4, 4), 2),
        _pool(rng, "rectangular", c, (2, 2, 5, 8), (2, 3)),
        Case("non-contiguous", c, (_transposed(x), 2)),
        _float32(_pool(rng, "float32", c, (2, 3, 6, 6), 2)),
        _pool(rng, "stride=1", C.HYPERPARAMETERS, (2, 2, 6, 6), 3, stride=1),
        _pool(rng, "stride=(1,2)", C.HYPERPARAMETERS, (2, 2, 6, 7), 2, stride=(1, 2)),
        _pool(rng, "padding=1", C.HYPERPARAMETERS, (2, 2, 6, 6), 3, stride=2, padding=1),
        _pool(rng, "kernel=(3,2)-padding=(1,0)", C.HYPERPARAMETERS, (1, 2, 7, 6), (3, 2),
              padding=(1, 0)),
        _pool(rng, "ceil_mode", C.HYPERPARAMETERS, (2, 2, 5, 5), 2, ceil_mode=True),
        _pool(rng, "ceil_mode-last-window-dropped", C.HYPERPARAMETERS, (1, 2, 5, 5), 2,
              padding=1, ceil_mode=True),
        _raises("padding-over-half-the-kernel", (_normal(rng, (1, 2, 6, 6)), 2), padding=2),
        _raises("output-too-small", (_normal(rng, (1, 2, 2, 2)), 3)),
    ]  # fmt: skip


def _pool_hidden(rng: Rng, max_pool: bool) -> list[Case]:
    cases = []
    for k in range(3):
        kernel = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        kw: dict[str, Any] = {
            "stride": (int(rng.integers(1, 4)), int(rng.integers(1, 4))),
            "padding": (int(rng.integers(0, kernel[0] // 2 + 1)),
                        int(rng.integers(0, kernel[1] // 2 + 1))),
            "ceil_mode": bool(rng.integers(2)),
        }  # fmt: skip
        dilation = int(rng.integers(1, 3)) if max_pool else 1
        if max_pool:
            kw["dilation"] = dilation
        else:
            kw["count_include_pad"] = bool(rng.integers(2))
        size = [int(rng.integers(dilation * (kk - 1) + 1, 9)) for kk in kernel]
        batch = () if rng.integers(4) == 0 else (int(rng.integers(1, 3)),)
        x = _ties(rng, (*batch, 2, *size)) if rng.integers(2) else _normal(rng, (*batch, 2, *size))
        cases.append(Case(f"random-{k}", C.CORRECTNESS, (x, kernel), kw))
    return cases


def max_pool2d_cases(rng: Rng, hidden: bool) -> list[Case]:
    """The common cases, dilation, padding with negative inputs (padding never wins), ties."""
    if hidden:
        return _pool_hidden(rng, max_pool=True)
    negative = -np.abs(_normal(rng, (1, 2, 5, 5))) - 1.0
    return [
        *_pool_common(rng),
        _pool(rng, "dilation=2", C.HYPERPARAMETERS, (2, 2, 7, 7), 2, dilation=2),
        _pool(rng, "dilation=(1,2)-stride=1", C.HYPERPARAMETERS, (1, 2, 6, 7), 3,
              dilation=(1, 2), stride=1, padding=1),
        Case("negative-with-padding", C.HYPERPARAMETERS, (negative, 3), {"padding": 1}),
        Case("ties", C.CONVENTION, (_ties(rng, (2, 2, 6, 6)), 2)),
        Case("ties-overlapping-windows", C.CONVENTION, (_ties(rng, (1, 2, 6, 6)), 3),
             {"stride": 1}),
    ]  # fmt: skip


def avg_pool2d_cases(rng: Rng, hidden: bool) -> list[Case]:
    """The common cases, count_include_pad, divisor_override."""
    if hidden:
        return _pool_hidden(rng, max_pool=False)
    h = C.HYPERPARAMETERS
    return [
        *_pool_common(rng),
        _pool(rng, "count_include_pad=False", h, (2, 2, 6, 6), 3, stride=2, padding=1,
              count_include_pad=False),
        _pool(rng, "ceil_mode-count_include_pad=False", h, (1, 2, 5, 5), 2, padding=1,
              ceil_mode=True, count_include_pad=False),
        _pool(rng, "divisor_override=3", h, (2, 2, 6, 6), 2, divisor_override=3),
        _pool(rng, "divisor_override-padding", h, (1, 2, 5, 5), 3, padding=1,
              divisor_override=5),
    ]  # fmt: skip


CASES: dict[str, Callable[[Rng, bool], list[Case]]] = {
    "linear": linear_cases,
    "conv2d": conv2d_cases,
    "max_pool2d": max_pool2d_cases,
    "avg_pool2d": avg_pool2d_cases,
}


# --------------------------------------------------------------------------------- gradients
def _with_upstream(rng: Rng, layer: str, case: Case) -> Case:
    """The case with a random ``grad_output`` of the output's shape and dtype."""
    if case.spec.get("expect_raise"):
        return case
    dtype = case.args[0].dtype
    g = rng.normal(0.0, 1.5, size=output_shape(layer, case)).astype(dtype)
    return replace(case, kwargs={**case.kwargs, "grad_output": g})


def grad_cases(layer: str, rng: Rng, hidden: bool) -> list[Case]:
    """The value item's cases with a random upstream gradient each, and one with the default."""
    cases = CASES[layer](rng, hidden)
    out = [_with_upstream(rng, layer, c) for c in cases]
    if not hidden:
        out.append(replace(cases[0], name="default-grad_output-ones", category=C.GRADIENT))
    return out
