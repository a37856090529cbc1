"""Activation functions and their derivatives, in NumPy (course notes: seeds 001, 003, 004).

Every function takes an array-like of any shape (0-d, empty and non-contiguous views included)
and returns a new plain ``np.ndarray``. A floating dtype is kept (float32 in, float32 out);
integer and boolean inputs are computed in float64. Each ``f_grad`` is the elementwise
derivative with the value torch autograd gives at kinks; ``softmax_grad`` and
``log_softmax_grad`` are full Jacobians along ``dim``.

All functions are stable: finite results and no overflow, invalid or divide-by-zero warnings for
inputs up to ``|x| = 1e4`` and at ``±inf`` wherever torch is finite (underflow to 0 is allowed);
``nan`` propagates as it does in torch.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "elu",
    "elu_grad",
    "gelu",
    "gelu_grad",
    "identity",
    "identity_grad",
    "leaky_relu",
    "leaky_relu_grad",
    "log_softmax",
    "log_softmax_grad",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "silu",
    "silu_grad",
    "softmax",
    "softmax_grad",
    "softplus",
    "softplus_grad",
    "tanh",
    "tanh_grad",
]


def sigmoid(x: ArrayLike) -> np.ndarray:
    r"""Logistic sigmoid, elementwise.

    .. math:: \sigma(x) = \frac{1}{1 + e^{-x}}

    Shapes: any; the output has the shape of ``x``.
    Torch: ``torch.sigmoid(x)``.
    Stability: the notes' formula is exact in floating point (no cancellation); for
    :math:`x < -709` (float64) :math:`e^{-x}` overflows to ``inf`` and :math:`1/(1+\infty) = 0`,
    the limit, so that overflow is silenced rather than reported.
    """
    # BEGIN SOLUTION
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    s = np.negative(np.atleast_1d(x))  # at least 1-d: in-place ufuncs need arrays, not scalars
    with np.errstate(over="ignore"):  # e^{-x} = inf below x = -709: 1 / (1 + inf) = 0
        np.exp(s, out=s)
    s += 1
    return np.divide(1, s, out=s).reshape(x.shape)
    # END SOLUTION


def sigmoid_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of the sigmoid, elementwise.

    .. math:: \sigma'(x) = \sigma(x)\,(1 - \sigma(x)) = \sigma(x)\,\sigma(-x)

    Shapes: any; the output has the shape of ``x``.
    Torch: ``torch.autograd.grad(torch.sigmoid(x).sum(), x)``.
    Stability: evaluated as :math:`e^{-|x|} / (1 + e^{-|x|})^2` (the product is even in
    :math:`x`), which never overflows and keeps full relative precision for large :math:`|x|`,
    where :math:`1 - \sigma(x)` would cancel (torch's ``(1 - y) * y`` agrees within tolerance).
    """
    # BEGIN SOLUTION
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    e = np.abs(np.atleast_1d(x))  # at least 1-d: in-place ufuncs need arrays, not scalars
    np.negative(e, out=e)
    np.exp(e, out=e)  # e^{-|x|} in (0, 1]
    denom = 1 + e
    denom *= denom
    e /= denom
    return e.reshape(x.shape)
    # END SOLUTION


def tanh(x: ArrayLike) -> np.ndarray:
    r"""Hyperbolic tangent, elementwise.

    .. math:: \tanh(x) = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}} = 2\sigma(2x) - 1

    Shapes: any; the output has the shape of ``x``.
    Torch: ``torch.tanh(x)``.
    """
    # BEGIN SOLUTION
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    return np.asarray(np.tanh(x), dtype=x.dtype)
    # END SOLUTION


def tanh_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of tanh, elementwise.

    .. math:: \tanh'(x) = 1 - \tanh^2(x)

    Shapes: any; the output has the shape of ``x``.
    Torch: ``torch.autograd.grad(torch.tanh(x).sum(), x)`` (torch also computes ``1 - y**2``).
    """
    # BEGIN SOLUTION
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    t = np.tanh(x)
    return np.asarray(1 - t * t, dtype=x.dtype)
    # END SOLUTION


def relu(x: ArrayLike) -> np.ndarray:
    r"""Rectified linear unit, elementwise (Nair & Hinton, 2010).

    .. math:: \operatorname{relu}(x) = \max(0, x)

    Shapes: any; the output has the shape of ``x``.
    Torch: ``torch.nn.functional.relu(x)``; ``relu(nan) = nan`` and ``relu(-0.0) = -0.0`` as
    in torch. Computed as ``np.clip(x, 0, inf)``, which keeps both (and is about twice as fast
    as ``np.maximum(x, 0)``, which gives ``+0.0`` at ``-0.0``).
    """
    # BEGIN SOLUTION
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    return np.asarray(np.clip(x, 0, np.inf), dtype=x.dtype)
    # END SOLUTION


def relu_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of relu, elementwise.

    .. math:: \operatorname{relu}'(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}

    Shapes: any; the output has the shape of ``x``.
    Torch: ``torch.autograd.grad(torch.nn.functional.relu(x).sum(), x)``.
    Convention: relu'(0) = 0 as torch autograd (``threshold_backward``: 0 where ``x <= 0``);
    hence relu'(nan) = 1, as in torch.
    """
    # BEGIN SOLUTION
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    return np.asarray(~(x <= 0), dtype=x.dtype)  # 1 also at nan: "not x <= 0"
    # END SOLUTION


def leaky_relu(x: ArrayLike, negative_slope: float = 0.01) -> np.ndarray:
    r"""Leaky rectified linear unit, elementwise (Maas, Hannun & Ng, 2013).

    .. math::
        \operatorname{leaky\_relu}(x) =
        \begin{cases} x & x > 0 \\ \text{negative\_slope} \cdot x & x \le 0 \end{cases}

    Shapes: any; the output has the shape of ``x``. Any real ``negative_slope`` is allowed
    (the notes' :math:`\max(\alpha x, x)` equals this only for :math:`\alpha \le 1`).
    Torch: ``torch.nn.functional.leaky_relu(x, negative_slope)``.
    Computed as the notes' :math:`\max(\alpha x, x)` for :math:`0 < \alpha \le 1` (one product,
    one maximum); otherwise as :math:`x \cdot \operatorname{leaky\_relu}'(x)`, the input times
    the slope that applies to it (the function is positively homogeneous). :math:`\alpha = 0` takes
    the second way: :math:`0 \cdot \infty` is nan, and torch's leaky_relu(inf, 0) is inf.
    """
    # BEGIN SOLUTION
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    if 0 < negative_slope <= 1:
        out = np.multiply(x, negative_slope, out=np.empty_like(x))
        return np.maximum(out, x, out=out)  # nan stays nan: np.maximum propagates it
    out = np.asarray(x > 0, dtype=x.dtype)
    out *= 1 - negative_slope
    out += negative_slope  # the slope at each x: 1 where x > 0, else negative_slope
    with np.errstate(invalid="ignore"):  # -inf * 0 = nan when negative_slope = 0, as torch
        out *= x
    return out
    # END SOLUTION


def leaky_relu_grad(x: ArrayLike, negative_slope: float = 0.01) -> np.ndarray:
    r"""Derivative of leaky_relu, elementwise.

    .. math::
        \operatorname{leaky\_relu}'(x) =
        \begin{cases} 1 & x > 0 \\ \text{negative\_slope} & x \le 0 \end{cases}

    Shapes: any; the output has the shape of ``x``.
    Torch: ``torch.autograd.grad(torch.nn.functional.leaky_relu(x, negative_slope).sum(), x)``.
    Convention: leaky_relu'(0) = negative_slope as torch autograd (and at nan too).
    """
    # BEGIN SOLUTION
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    grad = np.asarray(x > 0, dtype=x.dtype)  # 1 where x > 0, else (nan too) 0 ...
    grad *= 1 - negative_slope
    grad += negative_slope  # ... then 1 where x > 0, else negative_slope
    return grad
    # END SOLUTION


def elu(x: ArrayLike, alpha: float = 1.0) -> np.ndarray:
    r"""Exponential linear unit, elementwise (Clevert, Unterthiner & Hochreiter, 2016).

    .. math::
        \operatorname{elu}(x) = \begin{cases} x & x > 0 \\ \alpha\,(e^{x} - 1) & x \le 0 \end{cases}

    Shapes: any; the output has the shape of ``x``.
    Torch: ``torch.nn.functional.elu(x, alpha)``.
    Stability: ``expm1`` of ``min(x, 0)`` only, so a large positive ``x`` never reaches ``exp``;
    the two branches are summed, :math:`\max(x, 0) + \alpha\,(e^{\min(x, 0)} - 1)`, as each
    is 0 where the other applies.
    """
    # BEGIN SOLUTION
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    out = alpha * np.expm1(np.minimum(x, 0)) + np.maximum(x, 0)
    return np.asarray(out, dtype=x.dtype)
    # END SOLUTION


def elu_grad(x: ArrayLike, alpha: float = 1.0) -> np.ndarray:
    r"""Derivative of elu, elementwise.

    .. math::
        \operatorname{elu}'(x) = \begin{cases} 1 & x > 0 \\ \alpha\,e^{x} & x \le 0 \end{cases}

    Shapes: any; the output has the shape of ``x``.
    Torch: ``torch.autograd.grad(torch.nn.functional.elu(x, alpha).sum(), x)``.
    Convention: elu'(0) = alpha as torch autograd (the left derivative); elu'(nan) = 1 as torch.
    """
    # BEGIN SOLUTION
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    negative = alpha * np.exp(np.minimum(x, 0))
    return np.asarray(np.where(x <= 0, negative, 1.0), dtype=x.dtype)
    # END SOLUTION


def silu(x: ArrayLike) -> np.ndarray:
    r"""Sigmoid-weighted linear unit (the notes' Swish), elementwise.

    .. math:: \operatorname{silu}(x) = x\,\sigma(x) = \frac{x}{1 + e^{-x}}

    Shapes: any; the output has the shape of ``x``.
    Papers: Hendrycks & Gimpel, 2016; Elfwing, Uchibe & Doya, 2018; Ramachandran, Zoph & Le,
    2017 (Swish with :math:`\beta = 1`).
    Torch: ``torch.nn.functional.silu(x)``.
    Convention: silu(-inf) = nan, as torch (it is :math:`-\infty \cdot 0`; the limit is 0).
    """
    # BEGIN SOLUTION
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    out = sigmoid(x)
    with np.errstate(invalid="ignore"):  # -inf * 0 = nan, as torch
        out *= x
    return np.asarray(out, dtype=x.dtype)
    # END SOLUTION


def silu_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of silu, elementwise.

    .. math::
        \operatorname{silu}'(x) = \sigma(x)\,\bigl(1 + x\,(1 - \sigma(x))\bigr)
        = \operatorname{silu}(x) + \sigma(x)\,(1 - \operatorname{silu}(x))

    Shapes: any; the output has the shape of ``x``.
    Torch: ``torch.autograd.grad(torch.nn.functional.silu(x).sum(), x)``, whose backward is
    this first form.
    Convention: silu'(±inf) = nan, as torch (:math:`\infty \cdot 0`; the limits are 1 and 0).
    """
    # BEGIN SOLUTION
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    s = sigmoid(x)
    out = 1 - s
    with np.errstate(invalid="ignore"):  # ±inf * 0 = nan, as torch
        out *= x
        out += 1
        out *= s
    return np.asarray(out, dtype=x.dtype)  # 1 - s is a NumPy scalar for a 0-d x
    # END SOLUTION


def softplus(x: ArrayLike, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    r"""Softplus, a smooth relu, elementwise (Dugas et al., 2001).

    .. math::
        \operatorname{softplus}(x) = \begin{cases}
            x & \beta x > \text{threshold} \\
            \frac{1}{\beta} \log\left(1 + e^{\beta x}\right) & \text{otherwise}
        \end{cases}

    Shapes: any; the output has the shape of ``x``. ``beta`` must be non-zero.
    Torch: ``torch.nn.functional.softplus(x, beta, threshold)``.
    Convention: torch's threshold rule, strict: at :math:`\beta x = \text{threshold}` the log
    branch is used. Stability: :math:`\log(1+e^{z}) = \max(z, 0) + \log(1 + e^{-|z|})`, so a
    huge ``threshold`` gives the finite value where torch's ``log1p(exp(z))`` overflows.
    """
    # BEGIN SOLUTION
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    z = np.atleast_1d(x) * beta  # at least 1-d: in-place ufuncs need arrays, not scalars
    linear = z > threshold
    out = np.abs(z)
    np.negative(out, out=out)
    np.exp(out, out=out)  # e^{-|z|} in (0, 1]
    np.log1p(out, out=out)
    out += np.maximum(z, 0, out=z)  # z is not needed any more
    out /= beta
    np.copyto(out, x.reshape(out.shape), where=linear)
    return out.reshape(x.shape)
    # END SOLUTION


def softplus_grad(x: ArrayLike, beta: float = 1.0, threshold: float = 20.0) -> np.ndarray:
    r"""Derivative of softplus, elementwise.

    .. math::
        \operatorname{softplus}'(x) = \begin{cases}
            1 & \beta x > \text{threshold} \\ \sigma(\beta x) & \text{otherwise} \end{cases}

    Shapes: any; the output has the shape of ``x``.
    Torch: ``torch.autograd.grad(torch.nn.functional.softplus(x, beta, threshold).sum(), x)``.
    Convention: at :math:`\beta x = \text{threshold}` the value is
    :math:`\sigma(\text{threshold})` (``0.9999999979`` for the default 20), not 1, as torch.
    """
    # BEGIN SOLUTION
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    z = x * beta
    grad = np.maximum(sigmoid(z), z > threshold)  # sigma <= 1: the max is 1 past the threshold
    return np.asarray(grad, dtype=x.dtype)
    # END SOLUTION


def _float(x: ArrayLike) -> np.ndarray:
    """``x`` as an array of its own float dtype (integers and booleans as float64)."""
    x = np.asarray(x)
    return x if x.dtype.kind == "f" else x.astype(np.float64)


#: The error function, elementwise (NumPy has no ``erf``; ``math.erf`` is the C library's).
_erf = np.vectorize(math.erf, otypes=[np.float64])
_GELU_C = math.sqrt(2.0 / math.pi)  # the tanh approximation's constant, sqrt(2 / pi)


def gelu(x: ArrayLike, approximate: str = "none") -> np.ndarray:
    r"""Gaussian error linear unit, elementwise (Hendrycks & Gimpel, 2016).

    .. math::
        \operatorname{gelu}(x) = x\,\Phi(x) = \frac{x}{2}\left(1 + \operatorname{erf}
        \frac{x}{\sqrt 2}\right)
        \qquad\text{or, with } approximate = \text{'tanh'},\qquad
        \frac{x}{2}\left(1 + \tanh\left(\sqrt{2/\pi}\,(x + 0.044715\,x^3)\right)\right)

    Shapes: any; the output has the shape of ``x``.
    Torch: ``torch.nn.functional.gelu(x, approximate=approximate)``.
    Convention: gelu(-inf) = nan, as torch (:math:`-\infty \cdot 0`; the limit is 0).
    """
    # BEGIN SOLUTION
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate argument must be either none or tanh, not {approximate!r}")
    x = _float(x)
    with np.errstate(invalid="ignore"):  # -inf * 0 = nan, as torch
        if approximate == "tanh":
            out = 0.5 * x * (1 + np.tanh(_GELU_C * (x + 0.044715 * x**3)))
        else:
            out = 0.5 * x * (1 + _erf(x / math.sqrt(2.0)))
    return np.asarray(out, dtype=x.dtype)
    # END SOLUTION


def gelu_grad(x: ArrayLike, approximate: str = "none") -> np.ndarray:
    r"""Derivative of gelu, elementwise.

    .. math::
        \operatorname{gelu}'(x) = \Phi(x) + x\,\varphi(x),
        \qquad \varphi(x) = \frac{e^{-x^2/2}}{\sqrt{2\pi}};
        \qquad\text{tanh form: } \tfrac12(1 + t) + \tfrac12 x\,(1 - t^2)\sqrt{2/\pi}\,
        (1 + 3 \cdot 0.044715\,x^2),\ t = \tanh\left(\sqrt{2/\pi}(x + 0.044715\,x^3)\right)

    Shapes: any; the output has the shape of ``x``.
    Torch: ``torch.autograd.grad(torch.nn.functional.gelu(x, approximate=...).sum(), x)``.
    Convention: gelu'(±inf) = nan, as torch (:math:`\infty \cdot 0`; the limits are 1 and 0).
    """
    # BEGIN SOLUTION
    if approximate not in ("none", "tanh"):
        raise ValueError(f"approximate argument must be either none or tanh, not {approximate!r}")
    x = _float(x)
    with np.errstate(invalid="ignore", over="ignore"):  # ±inf * 0 = nan, as torch
        if approximate == "tanh":
            t = np.tanh(_GELU_C * (x + 0.044715 * x**3))
            slope = _GELU_C * (1 + 3 * 0.044715 * x**2)
            out = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * slope
        else:
            density = np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
            out = 0.5 * (1 + _erf(x / math.sqrt(2.0))) + x * density
    return np.asarray(out, dtype=x.dtype)
    # END SOLUTION


def identity(x: ArrayLike) -> np.ndarray:
    r"""The identity, the linear activation of an output layer (seed 004, 3.4.7).

    .. math:: f(x) = x

    Shapes: any; the output has the shape of ``x`` (a new array).
    Torch: ``torch.nn.Identity()(x)``.
    """
    # BEGIN SOLUTION
    return _float(x).copy()
    # END SOLUTION


def identity_grad(x: ArrayLike) -> np.ndarray:
    r"""Derivative of the identity: 1 everywhere (at nan and ±inf too, as torch).

    .. math:: f'(x) = 1

    Shapes: any; the output has the shape of ``x``.
    Torch: ``torch.autograd.grad(torch.nn.Identity()(x).sum(), x)``.
    """
    # BEGIN SOLUTION
    return np.ones_like(_float(x))
    # END SOLUTION


def softmax(x: ArrayLike, dim: int = -1) -> np.ndarray:
    r"""Softmax along axis ``dim`` (Bridle, 1990).

    .. math:: \operatorname{softmax}(x)_i = \frac{e^{x_i - m}}{\sum_j e^{x_j - m}},
              \quad m = \max_j x_j

    Shapes: any; the output has the shape of ``x``; sums to 1 along ``dim``. A 0-d input is one
    class (the result is 1). Empty input gives empty output.
    Torch: ``torch.nn.functional.softmax(x, dim)``.
    Convention: the max-shift is exact algebra and prevents overflow; a slice holding ``+inf``,
    ``nan`` or only ``-inf`` gives ``nan``, as torch.
    """
    # BEGIN SOLUTION
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    xv = np.atleast_1d(x)
    shift = np.max(xv, axis=dim, keepdims=True, initial=-np.inf)  # checks dim; empty-safe
    with np.errstate(invalid="ignore"):  # inf - inf in a slice torch also makes nan
        out = xv - shift
        np.exp(out, out=out)  # in place: one array of the input's size, not three
        out /= np.sum(out, axis=dim, keepdims=True)
    return np.asarray(out, dtype=x.dtype).reshape(x.shape)
    # END SOLUTION


def log_softmax(x: ArrayLike, dim: int = -1) -> np.ndarray:
    r"""Logarithm of softmax along axis ``dim``, computed without forming the softmax.

    .. math:: \operatorname{log\_softmax}(x)_i = (x_i - m) - \log \sum_j e^{x_j - m},
              \quad m = \max_j x_j

    Shapes: any; the output has the shape of ``x``. A 0-d input gives 0.
    Torch: ``torch.nn.functional.log_softmax(x, dim)``.
    Convention: ``-inf`` entries give ``-inf``; a slice holding ``+inf``, ``nan`` or only
    ``-inf`` gives ``nan``, as torch.
    """
    # BEGIN SOLUTION
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    xv = np.atleast_1d(x)
    shift = np.max(xv, axis=dim, keepdims=True, initial=-np.inf)  # checks dim; empty-safe
    if x.size == 0:
        return x.copy()
    with np.errstate(invalid="ignore"):  # inf - inf in a slice torch also makes nan
        out = xv - shift
        out -= np.log(np.sum(np.exp(out), axis=dim, keepdims=True))
    return np.asarray(out, dtype=x.dtype).reshape(x.shape)
    # END SOLUTION


def softmax_grad(x: ArrayLike, dim: int = -1) -> np.ndarray:
    r"""Jacobian of softmax along ``dim``, for every slice at once.

    .. math:: \frac{\partial s_i}{\partial x_j} = s_i\,(\delta_{ij} - s_j),
              \qquad J = \operatorname{diag}(s) - s\,s^{\top}

    Shapes: ``x`` of shape ``S`` with ``C = S[dim]`` gives ``J`` of shape ``S + (C,)``, with
    ``J[k_0, ..., k_{n-1}, j] = d softmax(x, dim)[k_0, ..., k_{n-1}] / d x[k']``, where ``k'`` is
    ``k`` with ``k[dim]`` replaced by ``j``. So the output index ``i`` keeps its place at axis
    ``dim % x.ndim`` among the first ``x.ndim`` axes, and the new last axis is the input index
    ``j``; entries coupling different slices are 0 and are not stored. For ``dim = -1`` this is
    the stack of ``C x C`` Jacobians, ``J[..., i, j]``; for ``x`` of shape ``(A, C, B)`` and
    ``dim = 1`` it is ``J[a, i, b, j] = d s[a, i, b] / d x[a, j, b]``. A 0-d ``x`` is one class:
    ``J`` has shape ``(1,)`` and is 0.
    Torch: ``torch.autograd.functional.jacobian(lambda t: torch.softmax(t, dim), x)``
    (shape ``S + S``) restricted to its slice-diagonal blocks as above.
    """
    # BEGIN SOLUTION
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    xv = np.atleast_1d(x)
    s = np.moveaxis(softmax(xv, dim), dim, -1)  # (..., C); moveaxis checks dim
    axis = dim % xv.ndim
    eye = np.eye(xv.shape[axis], dtype=x.dtype)
    jac = s[..., :, None] * (eye - s[..., None, :])  # (..., i, j)
    return np.moveaxis(jac, -2, axis).reshape((*x.shape, xv.shape[axis]))
    # END SOLUTION


def log_softmax_grad(x: ArrayLike, dim: int = -1) -> np.ndarray:
    r"""Jacobian of log_softmax along ``dim``, in the layout of :func:`softmax_grad`.

    .. math:: \frac{\partial \log s_i}{\partial x_j} = \delta_{ij} - s_j,
              \qquad J = I - \mathbf{1}\,s^{\top}

    Shapes: ``x`` of shape ``S`` with ``C = S[dim]`` gives shape ``S + (C,)``, laid out exactly as
    :func:`softmax_grad`: ``J[k, j] = d log_softmax(x, dim)[k] / d x[k with k[dim] = j]``.
    Torch: ``torch.autograd.functional.jacobian(lambda t: torch.log_softmax(t, dim), x)``
    (shape ``S + S``) restricted to its slice-diagonal blocks.
    """
    # BEGIN SOLUTION
    x = np.asarray(x)
    x = x if x.dtype.kind == "f" else x.astype(np.float64)
    xv = np.atleast_1d(x)
    s = np.moveaxis(softmax(xv, dim), dim, -1)  # (..., C); moveaxis checks dim
    axis = dim % xv.ndim
    eye = np.eye(xv.shape[axis], dtype=x.dtype)
    jac = eye - s[..., None, :]  # (..., i, j)
    return np.moveaxis(jac, -2, axis).reshape((*x.shape, xv.shape[axis]))
    # END SOLUTION
