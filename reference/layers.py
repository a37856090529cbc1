r"""Layers of ``torch.nn.functional`` and their gradients, in NumPy (seeds 002, 003, 004).

``linear``, ``conv2d``, ``max_pool2d`` and ``avg_pool2d`` take torch's positional and keyword
arguments (an ``int`` or a pair ``(h, w)`` wherever torch takes one) and return a new plain
``np.ndarray``. Images are batched ``(N, C, H, W)`` or unbatched ``(C, H, W)``, as in torch.

Beside each layer, ``X_grad(<same arguments>, grad_output=None)`` returns the vector-Jacobian
product with the upstream gradient ``grad_output`` (an array of the output's shape; ones when
omitted), the convention of :mod:`reference.losses`: a tuple ``(grad_input, grad_weight,
grad_bias)`` for ``linear`` and ``conv2d`` (``grad_bias`` is ``None`` when there is no bias), the
input's gradient for the pooling layers.

Dtypes: a floating dtype is kept (float32 in, float32 out); integer and boolean arrays are
computed in the floating dtype of the other arguments (float64 if none). Two different floating
dtypes raise ``ValueError``, as torch refuses to mix them.

Errors: every argument torch rejects raises ``ValueError`` with one line saying why (torch raises
``RuntimeError``). Shapes and windows follow torch exactly: output size
:math:`\lfloor (H + 2P - \delta(K - 1) - 1)/S \rfloor + 1` (dilation :math:`\delta`), pooling's
``ceil_mode`` rounds up but drops a last window that would start in the right padding, max
pooling pads with :math:`-\infty`.

Vectorised: each layer loops over the kernel's offsets (or nothing), never over pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import EllipsisType

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "avg_pool2d",
    "avg_pool2d_grad",
    "conv2d",
    "conv2d_grad",
    "linear",
    "linear_grad",
    "max_pool2d",
    "max_pool2d_grad",
]

#: An ``int`` or a sequence of one or two ints (torch's ``_size_2_t``).
Size2 = int | Sequence[int]
#: Padding per axis: (before, after) for the rows, then for the columns.
Pads = tuple[tuple[int, int], tuple[int, int]]


# --------------------------------------------------------------------------------------------
# Private helpers: arguments, dtypes, windows
# --------------------------------------------------------------------------------------------


def _arrays(*values: ArrayLike | None) -> list[np.ndarray | None]:
    """The arguments as arrays of one floating dtype (``None`` stays ``None``).

    Floating arrays must share their dtype; integer and boolean arrays take it (float64 when no
    argument is floating).
    """
    # BEGIN SOLUTION
    arrays = [None if v is None else np.asarray(v) for v in values]
    floating = {a.dtype for a in arrays if a is not None and a.dtype.kind == "f"}
    if len(floating) > 1:
        names = " and ".join(sorted(str(d) for d in floating))
        raise ValueError(f"all arguments must have the same floating dtype, got {names}")
    dtype = floating.pop() if floating else np.dtype(np.float64)
    return [None if a is None else a.astype(dtype, copy=False) for a in arrays]
    # END SOLUTION


def _pair(value: Size2, name: str, function: str) -> tuple[int, int]:
    """``value`` as ``(h, w)``: an int is used for both, a sequence has one or two ints."""
    # BEGIN SOLUTION
    items = [value] if isinstance(value, int | np.integer) else value
    ok = isinstance(items, Sequence) and not isinstance(items, str) and 1 <= len(items) <= 2
    if not ok or not all(
        isinstance(v, int | np.integer) and not isinstance(v, bool) for v in items
    ):
        raise ValueError(f"{function}: {name} must either be a single int, or a tuple of two ints")
    h, w = (items[0], items[0]) if len(items) == 1 else items
    return int(h), int(w)
    # END SOLUTION


def _batched(x: np.ndarray, function: str) -> tuple[np.ndarray, bool]:
    """``x`` as ``(N, C, H, W)`` and whether it was unbatched ``(C, H, W)``."""
    # BEGIN SOLUTION
    if x.ndim not in (3, 4):
        raise ValueError(
            f"{function}: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape {x.shape}"
        )
    return (x[None], True) if x.ndim == 3 else (x, False)
    # END SOLUTION


def _layer_upstream(
    grad_output: ArrayLike | None, shape: tuple[int, ...], dtype: np.dtype
) -> np.ndarray:
    """``grad_output`` as an array of the output's ``shape`` (ones when omitted)."""
    # BEGIN SOLUTION
    if grad_output is None:
        return np.ones(shape, dtype)
    g = np.asarray(grad_output, dtype=dtype)
    if g.shape != shape:
        raise ValueError(f"grad_output must have the output's shape {shape}, got {g.shape}")
    return g
    # END SOLUTION


def _padded(x: np.ndarray, pads: Pads, extent: tuple[int, int], fill: float) -> np.ndarray:
    """``x`` (N, C, H, W) inside a ``fill``-valued array of ``extent`` rows and columns.

    The input starts at row ``pads[0][0]`` and column ``pads[1][0]``; ``extent`` covers every
    window (it may reach past the right padding, as ceil_mode's last window does).
    """
    # BEGIN SOLUTION
    (top, _), (left, _) = pads
    n, c, h, w = x.shape
    out = np.full((n, c, *extent), fill, dtype=x.dtype)
    out[:, :, top : top + h, left : left + w] = x
    return out
    # END SOLUTION


def _extent(size: int, before: int, after: int, out: int, k: int, s: int, d: int) -> int:
    """Rows (or columns) a padded array needs so every one of ``out`` windows fits."""
    # BEGIN SOLUTION
    return max(before + size + after, (out - 1) * s + (k - 1) * d + 1)
    # END SOLUTION


def _pool_extent(
    shape: tuple[int, ...],
    k: tuple[int, int],
    s: tuple[int, int],
    p: tuple[int, int],
    d: tuple[int, int],
    out: tuple[int, int],
) -> tuple[int, int]:
    """:func:`_extent` for both axes of a pooling with symmetric padding ``p``."""
    # BEGIN SOLUTION
    return (
        _extent(shape[2], p[0], p[0], out[0], k[0], s[0], d[0]),
        _extent(shape[3], p[1], p[1], out[1], k[1], s[1], d[1]),
    )
    # END SOLUTION


def _window(
    i: int, j: int, out: tuple[int, int], stride: tuple[int, int], dil: tuple[int, int]
) -> tuple[EllipsisType, slice, slice]:
    """The index of kernel offset (i, j) in every window: ``padded[..., rows, cols]``."""
    # BEGIN SOLUTION
    (oh, ow), (sh, sw), (dh, dw) = out, stride, dil
    rows = slice(i * dh, i * dh + (oh - 1) * sh + 1, sh)
    cols = slice(j * dw, j * dw + (ow - 1) * sw + 1, sw)
    return (Ellipsis, rows, cols)
    # END SOLUTION


# --------------------------------------------------------------------------------------------
# Linear
# --------------------------------------------------------------------------------------------


def _linear_check(x: np.ndarray, w: np.ndarray, b: np.ndarray | None) -> tuple[int, ...]:
    """Validate ``linear``'s shapes; return the output's shape."""
    # BEGIN SOLUTION
    if x.ndim == 0 or w.ndim == 0:
        raise ValueError("linear: input and weight must be at least 1-D")
    if w.ndim > 2:
        raise ValueError(f"linear: weight must be 1-D or 2-D, got shape {w.shape}")
    if x.shape[-1] != w.shape[-1]:
        raise ValueError(
            f"linear: input's last dimension {x.shape[-1]} does not match weight's "
            f"in_features {w.shape[-1]} (input {x.shape}, weight {w.shape})"
        )
    if b is not None:
        if w.ndim == 1:
            raise ValueError("linear: a 1-D weight takes no bias (torch: mat2 must be a matrix)")
        if b.shape not in ((w.shape[0],), ()):
            raise ValueError(f"linear: bias must have shape ({w.shape[0]},) or (), got {b.shape}")
    return x.shape[:-1] + w.shape[:-1]
    # END SOLUTION


def linear(input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None) -> np.ndarray:
    r"""Fully connected layer (``nn.Linear``): a matrix product and a bias.

    .. math:: y = x W^\top + b, \qquad y_{\ldots,o} = \sum_i x_{\ldots,i} W_{o,i} + b_o

    The notes' node sums, :math:`a_4 = \sigma(w_{41} x_1 + w_{42} x_2 + w_{43} x_3 + w_{4b})`
    (seed 004), are one row of :math:`W`; seed 002's ``nn.Linear`` "transposes the weight".
    Shapes: input ``(*, in)``, weight ``(out, in)`` (or ``(in,)``: output ``(*)``, no bias),
    bias ``(out,)`` or ``()``: torch's documented shapes (torch lets some other bias shapes
    through on some input shapes only; they are refused here).
    Torch: ``torch.nn.functional.linear(input, weight, bias)``.
    """
    # BEGIN SOLUTION
    x, w, b = _arrays(input, weight, bias)
    assert x is not None and w is not None
    _linear_check(x, w, b)
    y = x @ w.T if w.ndim == 2 else x @ w
    return np.asarray(y if b is None else y + b, dtype=x.dtype)
    # END SOLUTION


def linear_grad(
    input: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    grad_output: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    r"""Gradients of :func:`linear`: ``(grad_input, grad_weight, grad_bias)``.

    .. math:: \frac{\partial L}{\partial x} = G W, \qquad
        \frac{\partial L}{\partial W} = G^\top x, \qquad
        \frac{\partial L}{\partial b} = \textstyle\sum_{\text{batch}} G

    with :math:`G` = ``grad_output`` (the leading axes flattened into one batch axis).
    Shapes: those of input, weight and bias; ``grad_bias`` is ``None`` without a bias.
    Torch: ``torch.autograd.grad(F.linear(x, w, b), (x, w, b), grad_output)``.
    """
    # BEGIN SOLUTION
    x, w, b = _arrays(input, weight, bias)
    assert x is not None and w is not None
    g = _layer_upstream(grad_output, _linear_check(x, w, b), x.dtype)
    if w.ndim == 2:
        grad_x = g @ w
        grad_w = g.reshape(-1, w.shape[0]).T @ x.reshape(-1, w.shape[1])
    else:
        grad_x = g[..., None] * w
        grad_w = g.reshape(-1) @ x.reshape(-1, w.shape[0])
    grad_b = None
    if b is not None:  # summed over every axis the bias was broadcast along
        grad_b = np.asarray(g.sum(axis=tuple(range(g.ndim - b.ndim))), dtype=x.dtype)
    return grad_x.astype(x.dtype), np.asarray(grad_w, dtype=x.dtype), grad_b
    # END SOLUTION


# --------------------------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------------------------


def _conv_setup(
    x: np.ndarray,
    w: np.ndarray,
    b: np.ndarray | None,
    stride: Size2,
    padding: Size2 | str,
    dilation: Size2,
    groups: int,
) -> tuple[tuple[int, int], Pads, tuple[int, int], tuple[int, int]]:
    """Validate ``conv2d``'s arguments (x is 4-D); return stride, pads, dilation, output size."""
    # BEGIN SOLUTION
    s = _pair(stride, "stride", "conv2d")
    d = _pair(dilation, "dilation", "conv2d")
    if w.ndim != 4:
        raise ValueError(f"conv2d: weight must be 4-D (out, in/groups, kH, kW), got {w.shape}")
    o, cg, kh, kw = w.shape
    if min(s) <= 0:
        raise ValueError(f"conv2d: stride must be positive, got {s}")
    if min(d) <= 0:
        raise ValueError(f"conv2d: dilation must be positive, got {d}")
    if not isinstance(groups, int | np.integer) or groups <= 0:
        raise ValueError(f"conv2d: groups must be a positive int, got {groups!r}")
    if min(kh, kw) <= 0:
        raise ValueError(f"conv2d: kernel size must be positive, got {(kh, kw)}")
    if o == 0 or o % groups:
        raise ValueError(f"conv2d: weight's {o} output channels are not a multiple of {groups=}")
    if x.shape[1] != cg * groups:
        raise ValueError(
            f"conv2d: input has {x.shape[1]} channels, weight {tuple(w.shape)} with "
            f"{groups=} expects {cg * groups}"
        )
    if b is not None and b.shape != (o,):
        raise ValueError(f"conv2d: bias must have shape ({o},), got {b.shape}")
    span = ((kh - 1) * d[0], (kw - 1) * d[1])  # D(K - 1): the window's reach past its start
    if isinstance(padding, str):
        if padding == "valid":
            pads: Pads = ((0, 0), (0, 0))
        elif padding == "same":
            if s != (1, 1):
                raise ValueError("conv2d: padding='same' is not supported for strided convolutions")
            # torch puts the odd extra row/column at the bottom/right
            pads = ((span[0] // 2, span[0] - span[0] // 2), (span[1] // 2, span[1] - span[1] // 2))
        else:
            raise ValueError(f"conv2d: invalid padding string {padding!r} (use 'valid' or 'same')")
    else:
        ph, pw = _pair(padding, "padding", "conv2d")
        if min(ph, pw) < 0:
            raise ValueError(f"conv2d: padding must be non-negative, got {(ph, pw)}")
        pads = ((ph, ph), (pw, pw))
    sizes = [x.shape[2] + sum(pads[0]), x.shape[3] + sum(pads[1])]
    if sizes[0] < span[0] + 1 or sizes[1] < span[1] + 1:
        raise ValueError(
            f"conv2d: the padded input ({sizes[0]} x {sizes[1]}) is smaller than the dilated "
            f"kernel ({span[0] + 1} x {span[1] + 1})"
        )
    out = ((sizes[0] - span[0] - 1) // s[0] + 1, (sizes[1] - span[1] - 1) // s[1] + 1)
    return s, pads, d, out
    # END SOLUTION


def _im2col(
    x: np.ndarray,
    kernel: tuple[int, int],
    stride: tuple[int, int],
    pads: Pads,
    dil: tuple[int, int],
    out: tuple[int, int],
) -> np.ndarray:
    """The windows of ``x`` (N, C, H, W), shape ``(N, C, kH, kW, oH, oW)``: one copy per offset."""
    # BEGIN SOLUTION
    (kh, kw), (n, c, h, w) = kernel, x.shape
    extent = (
        _extent(h, *pads[0], out[0], kh, stride[0], dil[0]),
        _extent(w, *pads[1], out[1], kw, stride[1], dil[1]),
    )
    xp = _padded(x, pads, extent, 0.0)
    cols = np.empty((n, c, kh, kw, *out), dtype=x.dtype)
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = xp[_window(i, j, out, stride, dil)]
    return cols
    # END SOLUTION


def _col2im(
    cols: np.ndarray,
    shape: tuple[int, ...],
    stride: tuple[int, int],
    pads: Pads,
    dil: tuple[int, int],
) -> np.ndarray:
    """The adjoint of :func:`_im2col`: add each window's entries back to its pixels."""
    # BEGIN SOLUTION
    n, c, kh, kw, oh, ow = cols.shape
    h, w = shape[2], shape[3]
    extent = (
        _extent(h, *pads[0], oh, kh, stride[0], dil[0]),
        _extent(w, *pads[1], ow, kw, stride[1], dil[1]),
    )
    gp = np.zeros((n, c, *extent), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            gp[_window(i, j, (oh, ow), stride, dil)] += cols[:, :, i, j]
    top, left = pads[0][0], pads[1][0]
    return gp[:, :, top : top + h, left : left + w]
    # END SOLUTION


def conv2d(
    input: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: Size2 = 1,
    padding: Size2 | str = 0,
    dilation: Size2 = 1,
    groups: int = 1,
) -> np.ndarray:
    r"""2-D convolution (``nn.Conv2d``): a cross-correlation of each window with each filter.

    .. math:: a_{o,i,j} = \sum_{d=0}^{D-1} \sum_{m=0}^{F_H-1} \sum_{n=0}^{F_W-1}
        w_{o,d,m,n}\, x_{g D + d,\; iS + m\,\delta,\; jS + n\,\delta} + w_{b,o}

    the notes' :math:`a_{i,j} = \sum_d \sum_m \sum_n w_{d,m,n} x_{d,i+m,j+n} + w_b` (seed 004,
    3.2.3, before the activation :math:`f`) for filter ``o`` with stride :math:`S`, dilation
    :math:`\delta`, zero padding :math:`P` (``x`` indexed in the padded image), and ``groups``:
    filter ``o`` of group :math:`g = o // (O/G)` sees only input channels
    :math:`gD \ldots gD + D - 1`, :math:`D = C/G`. Output size
    :math:`H_2 = \lfloor (H_1 + 2P - \delta(F - 1) - 1)/S \rfloor + 1` (the notes'
    :math:`(W_1 - F + 2P)/S + 1` for :math:`\delta = 1`, rounded down).
    Shapes: input ``(N, C, H, W)`` or ``(C, H, W)``; weight ``(O, C/groups, F_H, F_W)``; bias
    ``(O,)``; output ``(N, O, H_2, W_2)`` (or ``(O, H_2, W_2)``). ``padding`` is an int, a pair,
    ``'valid'`` (0) or ``'same'`` (stride 1 only; an odd total goes to the bottom/right).
    Torch: ``torch.nn.functional.conv2d(input, weight, bias, stride, padding, dilation, groups)``.
    Convention: cross-correlation, as in torch and the notes: the kernel is not flipped (a
    textbook "convolution" flips it: :math:`w_{F-1-m, F-1-n}`).
    """
    # BEGIN SOLUTION
    x, w, b = _arrays(input, weight, bias)
    assert x is not None and w is not None
    x4, unbatched = _batched(x, "conv2d")
    s, pads, d, out = _conv_setup(x4, w, b, stride, padding, dilation, groups)
    n = x4.shape[0]
    o, cg, kh, kw = w.shape
    cols = _im2col(x4, (kh, kw), s, pads, d, out)
    cols = cols.reshape(n, groups, cg * kh * kw, out[0] * out[1])
    y = np.matmul(w.reshape(groups, o // groups, cg * kh * kw), cols).reshape(n, o, *out)
    if b is not None:
        y += b[:, None, None]
    return y[0] if unbatched else y
    # END SOLUTION


def conv2d_grad(
    input: ArrayLike,
    weight: ArrayLike,
    bias: ArrayLike | None = None,
    stride: Size2 = 1,
    padding: Size2 | str = 0,
    dilation: Size2 = 1,
    groups: int = 1,
    grad_output: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    r"""Gradients of :func:`conv2d`: ``(grad_input, grad_weight, grad_bias)``.

    .. math:: \frac{\partial L}{\partial w_{o,d,m,n}} = \sum_{N,i,j} G_{o,i,j}\,
        x_{gD+d,\, iS+m\delta,\, jS+n\delta}, \qquad
        \frac{\partial L}{\partial x_{gD+d,p,q}} = \sum_{o \in g} \sum_{iS+m\delta=p,\;
        jS+n\delta=q} G_{o,i,j}\, w_{o,d,m,n}, \qquad
        \frac{\partial L}{\partial w_{b,o}} = \sum_{N,i,j} G_{o,i,j}

    with :math:`G` = ``grad_output`` (the output's shape). ``grad_input`` is a transposed
    convolution of :math:`G` (each window's gradient added back to its pixels, padding
    dropped); ``grad_bias`` is ``None`` without a bias.
    Torch: ``torch.autograd.grad(F.conv2d(x, w, b, ...), (x, w, b), grad_output)``.
    """
    # BEGIN SOLUTION
    x, w, b = _arrays(input, weight, bias)
    assert x is not None and w is not None
    x4, unbatched = _batched(x, "conv2d")
    s, pads, d, out = _conv_setup(x4, w, b, stride, padding, dilation, groups)
    n = x4.shape[0]
    o, cg, kh, kw = w.shape
    shape = (n, o, *out)
    g = _layer_upstream(grad_output, shape[1:] if unbatched else shape, x.dtype).reshape(shape)
    k, length = cg * kh * kw, out[0] * out[1]
    cols = _im2col(x4, (kh, kw), s, pads, d, out).reshape(n, groups, k, length)
    g4 = g.reshape(n, groups, o // groups, length)
    grad_w = np.matmul(g4, cols.transpose(0, 1, 3, 2)).sum(axis=0).reshape(w.shape)
    wm = w.reshape(groups, o // groups, k)
    grad_cols = np.matmul(wm.transpose(0, 2, 1), g4).reshape(n, cg * groups, kh, kw, *out)
    grad_x = _col2im(grad_cols, x4.shape, s, pads, d)
    grad_b = None if b is None else g.sum(axis=(0, 2, 3)).astype(x.dtype)
    return (grad_x[0] if unbatched else grad_x), grad_w.astype(x.dtype), grad_b
    # END SOLUTION


# --------------------------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------------------------


def _pool_setup(
    x: np.ndarray,
    function: str,
    kernel_size: Size2,
    stride: Size2 | None,
    padding: Size2,
    dilation: Size2,
    ceil_mode: bool,
) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int], tuple[int, int]]:
    """Validate a pooling's arguments (x is 4-D); return kernel, stride, pad, dilation, out."""
    # BEGIN SOLUTION
    k = _pair(kernel_size, "kernel_size", function)
    empty = stride is None or (isinstance(stride, Sequence) and len(stride) == 0)
    s = k if empty else _pair(stride, "stride", function)  # type: ignore[arg-type]
    p = _pair(padding, "padding", function)
    d = _pair(dilation, "dilation", function)
    if min(k) <= 0:
        raise ValueError(f"{function}: kernel_size must be positive, got {k}")
    if min(s) <= 0:
        raise ValueError(f"{function}: stride must be positive, got {s}")
    if min(d) <= 0:
        raise ValueError(f"{function}: dilation must be positive, got {d}")
    if min(p) < 0:
        raise ValueError(f"{function}: padding must be non-negative, got {p}")
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(f"{function}: padding {p} must be at most half the kernel size {k}")
    if min(x.shape[1:]) == 0:
        raise ValueError(f"{function}: expected non-empty channels and image, got {x.shape}")
    out = []
    for size, kk, ss, pp, dd in zip(x.shape[2:], k, s, p, d, strict=True):
        # torch's pooling_output_shape: round down, or up with ceil_mode unless the last window
        # would start in the right padding
        n = (size + 2 * pp - dd * (kk - 1) - 1 + (ss - 1 if ceil_mode else 0)) // ss + 1
        if ceil_mode and (n - 1) * ss >= size + pp:
            n -= 1
        if n < 1:
            raise ValueError(
                f"{function}: output size {n} is too small for input {tuple(x.shape[2:])}, "
                f"kernel_size {k}, stride {s}, padding {p}, dilation {d}"
            )
        out.append(n)
    return k, s, p, d, (out[0], out[1])
    # END SOLUTION


def _max_pool_offsets(
    x: np.ndarray,
    k: tuple[int, int],
    s: tuple[int, int],
    p: tuple[int, int],
    d: tuple[int, int],
    out: tuple[int, int],
) -> tuple[np.ndarray, np.ndarray]:
    r"""Each window's maximum and the kernel offset ``i * kW + j`` that holds it, torch's way.

    Torch scans a window row by row from its first in-image element with the value
    :math:`-\infty` and takes an element when it is ``> the best so far`` or ``nan``: ties go to
    the first maximum, ``nan`` wins (the last ``nan``), and an all ``-inf`` window keeps its
    first in-image element. Padding (:math:`-\infty`) never wins.
    """
    # BEGIN SOLUTION
    xp = _padded(x, ((p[0], p[0]), (p[1], p[1])), _pool_extent(x.shape, k, s, p, d, out), -np.inf)
    # the offset of each window's first in-image element, per axis
    firsts = []
    for size_o, ss, pp, dd in zip(out, s, p, d, strict=True):
        start = np.arange(size_o) * ss - pp
        firsts.append(np.where(start < 0, -(start // dd), 0))  # ceil(-start / dilation) steps
    best = np.full(x.shape[:2] + out, -np.inf, dtype=x.dtype)
    arg = np.broadcast_to(firsts[0][:, None] * k[1] + firsts[1][None, :], best.shape).copy()
    for i in range(k[0]):
        for j in range(k[1]):
            v = xp[_window(i, j, out, s, d)]
            take = (v > best) | np.isnan(v)
            best = np.where(take, v, best)
            arg[take] = i * k[1] + j
    return best, arg
    # END SOLUTION


def max_pool2d(
    input: ArrayLike,
    kernel_size: Size2,
    stride: Size2 | None = None,
    padding: Size2 = 0,
    dilation: Size2 = 1,
    ceil_mode: bool = False,
) -> np.ndarray:
    r"""2-D max pooling: the largest element of each window (seed 004, 3.2.4).

    .. math:: y_{c,i,j} = \max_{0 \le m < K_H,\ 0 \le n < K_W} x_{c,\; iS + m\delta,\;
        jS + n\delta}

    with ``x`` padded by :math:`P` elements of value :math:`-\infty` (so padding never wins).
    Each channel is pooled on its own: depth D in, depth D out ("各层独立做 Pooling").
    Output size :math:`\lfloor (H + 2P - \delta(K-1) - 1)/S \rfloor + 1`; with ``ceil_mode``
    rounded up, minus one when the last window would start at or past :math:`H + P` (in the
    right padding). Requires :math:`P \le K/2`.
    Shapes: input ``(N, C, H, W)`` or ``(C, H, W)``; output ``(N, C, H_2, W_2)``.
    Torch: ``torch.nn.functional.max_pool2d(input, kernel_size, stride, padding, dilation,
    ceil_mode)`` (``stride`` defaults to ``kernel_size``; no ``return_indices``).
    Convention: ``nan`` propagates (a window holding one gives ``nan``), as in torch.
    """
    # BEGIN SOLUTION
    (x,) = _arrays(input)
    assert x is not None
    x4, unbatched = _batched(x, "max_pool2d")
    k, s, p, d, out = _pool_setup(
        x4, "max_pool2d", kernel_size, stride, padding, dilation, ceil_mode
    )
    extent = _pool_extent(x4.shape, k, s, p, d, out)
    xp = _padded(x4, ((p[0], p[0]), (p[1], p[1])), extent, -np.inf)
    y = np.full(x4.shape[:2] + out, -np.inf, dtype=x4.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            np.maximum(y, xp[_window(i, j, out, s, d)], out=y)  # nan propagates
    return y[0] if unbatched else y
    # END SOLUTION


def max_pool2d_grad(
    input: ArrayLike,
    kernel_size: Size2,
    stride: Size2 | None = None,
    padding: Size2 = 0,
    dilation: Size2 = 1,
    ceil_mode: bool = False,
    grad_output: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gradient of :func:`max_pool2d` with respect to ``input``.

    .. math:: \frac{\partial L}{\partial x_{c,p,q}} = \sum_{(i,j):\ (p,q) = \operatorname{argmax}
        \text{ of window } (i,j)} G_{c,i,j}

    Each window's upstream gradient goes to the one element that is its maximum; an element that
    is the maximum of several overlapping windows collects all their gradients.
    Shapes: the input's.
    Torch: ``torch.autograd.grad(F.max_pool2d(x, ...), x, grad_output)``.
    Convention: ties go to the first maximum in row-major order within the window (torch's
    ``val > max`` scan); a ``nan`` window routes to its last ``nan``.
    """
    # BEGIN SOLUTION
    (x,) = _arrays(input)
    assert x is not None
    x4, unbatched = _batched(x, "max_pool2d")
    k, s, p, d, out = _pool_setup(
        x4, "max_pool2d", kernel_size, stride, padding, dilation, ceil_mode
    )
    shape = x4.shape[:2] + out
    g = _layer_upstream(grad_output, shape[1:] if unbatched else shape, x.dtype).reshape(shape)
    _, arg = _max_pool_offsets(x4, k, s, p, d, out)
    gp = np.zeros(x4.shape[:2] + _pool_extent(x4.shape, k, s, p, d, out), dtype=x.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            gp[_window(i, j, out, s, d)] += np.where(arg == i * k[1] + j, g, 0)
    grad = gp[:, :, p[0] : p[0] + x4.shape[2], p[1] : p[1] + x4.shape[3]]
    return grad[0] if unbatched else grad
    # END SOLUTION


def _avg_divisor(
    x: np.ndarray,
    k: tuple[int, int],
    s: tuple[int, int],
    p: tuple[int, int],
    out: tuple[int, int],
    count_include_pad: bool,
    divisor_override: int | None,
) -> np.ndarray:
    """Each window's divisor, shape ``(oH, oW)``: torch's ``pool_size`` or in-image count."""
    # BEGIN SOLUTION
    if divisor_override is not None:
        if divisor_override == 0:
            raise ValueError("avg_pool2d: divisor_override must not be zero")
        return np.full(out, float(divisor_override))
    counts = []
    for size, size_o, kk, ss, pp in zip(x.shape[2:], out, k, s, p, strict=True):
        start = np.arange(size_o) * ss - pp
        end = np.minimum(start + kk, size + pp)  # the window, cut at the right padding's end
        if count_include_pad:
            counts.append(end - start)
        else:
            counts.append(np.minimum(end, size) - np.maximum(start, 0))
    return np.outer(counts[0], counts[1]).astype(np.float64)
    # END SOLUTION


def avg_pool2d(
    input: ArrayLike,
    kernel_size: Size2,
    stride: Size2 | None = None,
    padding: Size2 = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> np.ndarray:
    r"""2-D average pooling: the mean of each window (seed 004, 3.2.4, "取各样本的平均值").

    .. math:: y_{c,i,j} = \frac{1}{|R_{ij}|} \sum_{(p,q) \in R_{ij}} x_{c,p,q}

    over the window :math:`R_{ij}` (rows :math:`iS - P \ldots iS - P + K - 1`, zero padding).
    The divisor :math:`|R_{ij}|` counts the window's elements inside the padded image
    (``count_include_pad=True``: padding counts, the part of a ``ceil_mode`` window past the
    right padding does not) or inside the image only (``False``), or is ``divisor_override``.
    Output size as :func:`max_pool2d` (no dilation). Requires :math:`P \le K/2`.
    Shapes: input ``(N, C, H, W)`` or ``(C, H, W)``; output ``(N, C, H_2, W_2)``.
    Torch: ``torch.nn.functional.avg_pool2d(input, kernel_size, stride, padding, ceil_mode,
    count_include_pad, divisor_override)``.
    """
    # BEGIN SOLUTION
    (x,) = _arrays(input)
    assert x is not None
    x4, unbatched = _batched(x, "avg_pool2d")
    k, s, p, _, out = _pool_setup(x4, "avg_pool2d", kernel_size, stride, padding, 1, ceil_mode)
    divisor = _avg_divisor(x4, k, s, p, out, count_include_pad, divisor_override)
    extent = _pool_extent(x4.shape, k, s, p, (1, 1), out)
    xp = _padded(x4, ((p[0], p[0]), (p[1], p[1])), extent, 0.0)
    total = np.zeros(x4.shape[:2] + out, dtype=x4.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            total += xp[_window(i, j, out, s, (1, 1))]
    y = (total / divisor).astype(x4.dtype)
    return y[0] if unbatched else y
    # END SOLUTION


def avg_pool2d_grad(
    input: ArrayLike,
    kernel_size: Size2,
    stride: Size2 | None = None,
    padding: Size2 = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
    grad_output: ArrayLike | None = None,
) -> np.ndarray:
    r"""Gradient of :func:`avg_pool2d` with respect to ``input``.

    .. math:: \frac{\partial L}{\partial x_{c,p,q}} = \sum_{(i,j):\ (p,q) \in R_{ij}}
        \frac{G_{c,i,j}}{|R_{ij}|}

    Each window spreads its upstream gradient evenly (by its own divisor) over its in-image
    elements; the share of the padding is dropped.
    Shapes: the input's.
    Torch: ``torch.autograd.grad(F.avg_pool2d(x, ...), x, grad_output)``.
    """
    # BEGIN SOLUTION
    (x,) = _arrays(input)
    assert x is not None
    x4, unbatched = _batched(x, "avg_pool2d")
    k, s, p, _, out = _pool_setup(x4, "avg_pool2d", kernel_size, stride, padding, 1, ceil_mode)
    divisor = _avg_divisor(x4, k, s, p, out, count_include_pad, divisor_override)
    shape = x4.shape[:2] + out
    g = _layer_upstream(grad_output, shape[1:] if unbatched else shape, x.dtype).reshape(shape)
    share = (g / divisor).astype(x4.dtype)
    gp = np.zeros(x4.shape[:2] + _pool_extent(x4.shape, k, s, p, (1, 1), out), dtype=x4.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            gp[_window(i, j, out, s, (1, 1))] += share
    grad = gp[:, :, p[0] : p[0] + x4.shape[2], p[1] : p[1] + x4.shape[3]]
    return grad[0] if unbatched else grad
    # END SOLUTION
