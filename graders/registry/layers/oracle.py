"""torch's side of the ``layers`` items, in float64: ``torch.nn.functional.<layer>`` for a value,
autograd's vector-Jacobian product with the case's ``grad_output`` for a gradient.

The gradient of each array argument (input, weight, bias) is that of ``sum(y * grad_output)``
(the same numbers as ``grad_outputs=``, without the sympy import torch does for a tensor
``grad_outputs``); a bias the call does not pass has no gradient: the item's outputs leave it out
and its case data names it in ``none`` (the student must return ``None`` there).  Where torch
refuses the arguments (``RuntimeError`` or ``ValueError``), the student's function must raise
``ValueError``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from graders import oracle
from graders.registry import Case

#: The names of a ``_grad`` item's outputs, in the student's tuple order.
TUPLE = ("grad_input", "grad_weight", "grad_bias")
GRADS = {"linear": TUPLE, "conv2d": TUPLE}


def _tensors(case: Case, device: str, grad: bool) -> list[Any]:
    """The case's positional arguments: arrays as float64 tensors (leaves when ``grad``)."""
    return [
        oracle.tensor(a, device, requires_grad=grad) if isinstance(a, np.ndarray) else a
        for a in case.args
    ]


def _call(layer: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """``torch.nn.functional.<layer>``, quietly (torch warns that an even kernel with
    ``padding='same'`` copies the input: a note on speed, not on the result)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return getattr(oracle.torch().nn.functional, layer)(*args, **kwargs)


def _refused(layer: str, args: list[Any], kwargs: dict[str, Any]) -> dict[str, Any]:
    """``{"raises": "ValueError"}``: torch refuses these arguments too (checked here)."""
    try:
        _call(layer, args, kwargs)
    except (RuntimeError, ValueError):
        return {"raises": "ValueError"}
    raise AssertionError(f"torch accepted {layer} with arguments meant to be refused")


def value_oracle(layer: str, case: Case, device: str) -> dict[str, Any]:
    """torch's output, in the input's float dtype."""
    args = _tensors(case, device, grad=False)
    if case.spec.get("expect_raise"):
        return _refused(layer, args, dict(case.kwargs))
    y = _call(layer, args, dict(case.kwargs))
    return {"out": oracle.numpy(y, like=case.args[0])}


def grad_oracle(layer: str, case: Case, device: str) -> dict[str, Any]:
    """autograd's gradient of every array argument, each in that argument's float dtype."""
    t = oracle.torch()
    kwargs = dict(case.kwargs)
    upstream = kwargs.pop("grad_output", None)
    args = _tensors(case, device, grad=True)
    if case.spec.get("expect_raise"):
        return _refused(layer, args, kwargs)
    y = _call(layer, args, kwargs)
    if upstream is not None:
        y = y * oracle.tensor(np.asarray(upstream, dtype=np.float64), device)
    leaves = [a for a in args if isinstance(a, t.Tensor)]
    grads = t.autograd.grad(y.sum(), leaves) if y.numel() else [t.zeros_like(a) for a in leaves]
    names = GRADS.get(layer, ("out",))
    return {
        name: oracle.numpy(g, like=case.args[i])
        for i, (name, g) in enumerate(zip(names, grads, strict=False))
    }
