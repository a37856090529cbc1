"""Planted bugs in ``layers``: mistakes students make, each meant to lose points on its items.

A bug replaces one top-level ``def`` of ``reference/layers.py`` (the format of
``tests/planted_bugs.py``).  Where the mistake lives in a private helper the reference shares
(``_pool_setup``, ``_avg_divisor``, ``_max_pool_offsets``), every item whose function calls the
helper loses points, and ``item`` names the function the student sees.

The bank is part of ``tests.planted_bugs.BUGS``: ``tests/test_planted_bugs.py`` grades each
bug and checks it loses points on exactly its items (the ``layers.worked_*`` items rebuilt from
the buggy function included), with its reason; ``tests/test_layers.py`` also checks each bug's
function disagrees with torch on one of its inputs.
"""

from __future__ import annotations

from tests.planted_bugs import Bug

LAYERS = "layers"
#: feedback phrases of graders/judge.py: a shape, a value; of the layers' gradient check: a
#: ``None`` where the call has a bias
SHAPE, VALUE, NONE = "but torch gives", "student vs torch", "returned None, expected the bias"


def _bug(
    name: str,
    function: str,
    source: str,
    loses: set[str] | str,
    reason: str,
    item: str | None = None,
) -> Bug:
    items = {loses} if isinstance(loses, str) else loses
    return Bug(
        name,
        LAYERS,
        function,
        source,
        frozenset(f"{LAYERS}.{i}" for i in items),
        reason,
        item=f"{LAYERS}.{item}" if item else None,
    )


BUGS: list[Bug] = [
    _bug(
        "linear-weight-not-transposed",
        "linear",
        """
def linear(input, weight, bias=None):
    x, w, b = _arrays(input, weight, bias)
    y = x @ w.reshape(w.shape[-1], -1)  # W reshaped, not transposed: x W instead of x Wᵀ
    return y if b is None else y + b
""",
        # the worked examples on square weights see it; the perceptrons' one-row weight
        # reshaped is its transpose, so they do not
        {"linear", "worked_linear_init", "worked_variance_propagation"},
        VALUE,
        item="linear",
    ),
    _bug(
        "linear-ignores-bias",
        "linear",
        """
def linear(input, weight, bias=None):
    x, w, b = _arrays(input, weight, bias)
    _linear_check(x, w, b)
    return np.asarray(x @ w.T if w.ndim == 2 else x @ w, dtype=x.dtype)  # b forgotten
""",
        # the NAND perceptron's bias 3 and nn.Linear's bias are lost with it
        {"linear", "worked_perceptron", "worked_linear_init"},
        VALUE,
        item="linear",
    ),
    _bug(
        "linear-grad-missing-bias",
        "linear_grad",
        """
def linear_grad(input, weight, bias=None, grad_output=None):
    x, w, b = _arrays(input, weight, bias)
    g = _layer_upstream(grad_output, _linear_check(x, w, b), x.dtype)
    grad_w = g.reshape(-1, w.shape[0]).T @ x.reshape(-1, w.shape[1])
    return g @ w, grad_w, None  # the bias gradient forgotten
""",
        "linear_grad",
        NONE,
    ),
    _bug(
        "conv-output-size-off-by-one",
        "conv2d",
        """
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    x, w, b = _arrays(input, weight, bias)
    x4, unbatched = _batched(x, "conv2d")
    s, pads, d, _ = _conv_setup(x4, w, b, stride, padding, dilation, groups)
    o, cg, kh, kw = w.shape
    # (W1 - F + 2P) / S, the "+ 1" forgotten: the last window is dropped
    out = (
        (x4.shape[2] + sum(pads[0]) - d[0] * (kh - 1) - 1) // s[0],
        (x4.shape[3] + sum(pads[1]) - d[1] * (kw - 1) - 1) // s[1],
    )
    cols = _im2col(x4, (kh, kw), s, pads, d, out)
    cols = cols.reshape(x4.shape[0], groups, cg * kh * kw, out[0] * out[1])
    y = np.matmul(w.reshape(groups, o // groups, -1), cols).reshape(x4.shape[0], o, *out)
    if b is not None:
        y = y + b[:, None, None]
    return y[0] if unbatched else y
""",
        {"conv2d", "worked_conv"},
        SHAPE,
        item="conv2d",
    ),
    _bug(
        "conv-flipped-kernel",
        "conv2d",
        """
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    x, w, b = _arrays(input, weight, bias)
    x4, unbatched = _batched(x, "conv2d")
    s, pads, d, out = _conv_setup(x4, w, b, stride, padding, dilation, groups)
    w = w[:, :, ::-1, ::-1]  # a textbook convolution: the kernel flipped
    o, cg, kh, kw = w.shape
    cols = _im2col(x4, (kh, kw), s, pads, d, out)
    cols = cols.reshape(x4.shape[0], groups, cg * kh * kw, out[0] * out[1])
    y = np.matmul(w.reshape(groups, o // groups, -1), cols).reshape(x4.shape[0], o, *out)
    if b is not None:
        y = y + b[:, None, None]
    return y[0] if unbatched else y
""",
        # the figure's filter is symmetric: the two-filter example's random ones show the flip
        {"conv2d", "worked_conv"},
        VALUE,
        item="conv2d",
    ),
    _bug(
        "conv-grad-bias-first-sample-only",
        "conv2d_grad",
        """
def conv2d_grad(
    input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1, grad_output=None
):
    x, w, b = _arrays(input, weight, bias)
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
    grad_b = None if b is None else g[0].sum(axis=(1, 2))  # not summed over the batch
    return (grad_x[0] if unbatched else grad_x), grad_w, grad_b
""",
        "conv2d_grad",
        VALUE,
    ),
    _bug(
        "max-pool-zero-padding",
        "max_pool2d",
        """
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    (x,) = _arrays(input)
    x4, unbatched = _batched(x, "max_pool2d")
    k, s, p, d, out = _pool_setup(
        x4, "max_pool2d", kernel_size, stride, padding, dilation, ceil_mode
    )
    extent = _pool_extent(x4.shape, k, s, p, d, out)
    xp = _padded(x4, ((p[0], p[0]), (p[1], p[1])), extent, 0.0)  # zeros, not -inf
    y = np.full(x4.shape[:2] + out, -np.inf, dtype=x4.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            np.maximum(y, xp[_window(i, j, out, s, d)], out=y)
    return y[0] if unbatched else y
""",
        "max_pool2d",
        VALUE,
    ),
    _bug(
        "max-pool-grad-last-maximum",
        "_max_pool_offsets",
        """
def _max_pool_offsets(x, k, s, p, d, out):
    xp = _padded(x, ((p[0], p[0]), (p[1], p[1])), _pool_extent(x.shape, k, s, p, d, out), -np.inf)
    best = np.full(x.shape[:2] + out, -np.inf, dtype=x.dtype)
    arg = np.zeros(best.shape, dtype=np.int64)
    for i in range(k[0]):
        for j in range(k[1]):
            v = xp[_window(i, j, out, s, d)]
            take = v >= best  # ties go to the last maximum
            best = np.where(take, v, best)
            arg[take] = i * k[1] + j
    return best, arg
""",
        "max_pool2d_grad",
        VALUE,
        item="max_pool2d_grad",
    ),
    _bug(
        "max-pool-grad-to-every-maximum",
        "max_pool2d_grad",
        """
def max_pool2d_grad(
    input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, grad_output=None
):
    (x,) = _arrays(input)
    x4, unbatched = _batched(x, "max_pool2d")
    k, s, p, d, out = _pool_setup(
        x4, "max_pool2d", kernel_size, stride, padding, dilation, ceil_mode
    )
    shape = x4.shape[:2] + out
    g = _layer_upstream(grad_output, shape[1:] if unbatched else shape, x.dtype).reshape(shape)
    best, _ = _max_pool_offsets(x4, k, s, p, d, out)
    extent = _pool_extent(x4.shape, k, s, p, d, out)
    xp = _padded(x4, ((p[0], p[0]), (p[1], p[1])), extent, -np.inf)
    gp = np.zeros(x4.shape[:2] + extent, dtype=x.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            window = _window(i, j, out, s, d)
            gp[window] += np.where(xp[window] == best, g, 0)  # every tied maximum gets it
    grad = gp[:, :, p[0] : p[0] + x4.shape[2], p[1] : p[1] + x4.shape[3]]
    return grad[0] if unbatched else grad
""",
        "max_pool2d_grad",
        VALUE,
    ),
    _bug(
        "pool-ceil-mode-keeps-window-in-padding",
        "_pool_setup",
        """
def _pool_setup(x, function, kernel_size, stride, padding, dilation, ceil_mode):
    k = _pair(kernel_size, "kernel_size", function)
    s = k if stride is None else _pair(stride, "stride", function)
    p = _pair(padding, "padding", function)
    d = _pair(dilation, "dilation", function)
    out = []
    for size, kk, ss, pp, dd in zip(x.shape[2:], k, s, p, d):
        n = size + 2 * pp - dd * (kk - 1) - 1
        # ceil without torch's rule that the last window starts inside the image or left pad
        out.append(-(-n // ss) + 1 if ceil_mode else n // ss + 1)
    return k, s, p, d, (out[0], out[1])
""",
        {"max_pool2d", "max_pool2d_grad", "avg_pool2d", "avg_pool2d_grad"},
        SHAPE,
        item="max_pool2d",
    ),
    _bug(
        "avg-pool-divides-by-the-kernel-width",
        "avg_pool2d",
        """
def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    (x,) = _arrays(input)
    x4, unbatched = _batched(x, "avg_pool2d")
    k, s, p, _, out = _pool_setup(x4, "avg_pool2d", kernel_size, stride, padding, 1, ceil_mode)
    divisor = _avg_divisor(x4, k, s, p, out, count_include_pad, divisor_override)
    extent = _pool_extent(x4.shape, k, s, p, (1, 1), out)
    xp = _padded(x4, ((p[0], p[0]), (p[1], p[1])), extent, 0.0)
    total = np.zeros(x4.shape[:2] + out, dtype=x4.dtype)
    for i in range(k[0]):
        for j in range(k[1]):
            total += xp[_window(i, j, out, s, (1, 1))]
    y = (total / np.sqrt(divisor)).astype(x4.dtype)  # K, not K²: the mean of one row
    return y[0] if unbatched else y
""",
        # the notes' 2×2 average pooling shows it too
        {"avg_pool2d", "worked_pooling"},
        VALUE,
        item="avg_pool2d",
    ),
    _bug(
        "avg-pool-ignores-count-include-pad",
        "_avg_divisor",
        """
def _avg_divisor(x, k, s, p, out, count_include_pad, divisor_override):
    if divisor_override is not None:
        return np.full(out, float(divisor_override))
    return np.full(out, float(k[0] * k[1]))  # always K_H K_W: padding always counted
""",
        {"avg_pool2d", "avg_pool2d_grad"},
        VALUE,
        item="avg_pool2d",
    ),
]
