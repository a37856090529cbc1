"""torch's side of the ``losses`` items, in float64: the loss, or autograd's vector-Jacobian
product with the case's ``grad_output``.

The oracle differentiates CTC as ``ctc_loss(log_softmax(z))`` at ``z = log_probs``: the same
point, since the gradient depends on the logits only through their log-softmax.  Center loss has
no torch function: its oracle is the notes' formula (seed 004) written with torch ops, and
``center_loss_update`` is Wen et al.'s centre step ``c_j - alpha * Delta c_j`` with the notes'
``Delta c_j``, also in torch ops.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np

from graders import oracle
from graders.registry import Case
from graders.registry.losses.cases import REDUCTIONS

if TYPE_CHECKING:
    from graders.registry.losses.cases import Loss


def _to_torch(value: Any, device: str, requires_grad: bool = False) -> Any:
    if isinstance(value, np.ndarray):
        return oracle.tensor(value, device, requires_grad=requires_grad)
    return value


def loss_oracle(loss: Loss, grad: bool, case: Case, device: str) -> dict[str, Any]:
    """torch in float64: the loss, or autograd's gradients with the case's ``grad_output``."""
    t = oracle.torch()
    kwargs = dict(case.kwargs)
    grad_output = kwargs.pop("grad_output", None)
    tkwargs = {k: _to_torch(v, device) for k, v in kwargs.items()}
    fn = loss.torch_fn or (lambda tt, a, kw: getattr(tt.nn.functional, loss.name)(*a, **kw))
    n_wrt = len(loss.outputs) if grad else 0
    leaves = [_to_torch(a, device, requires_grad=i < n_wrt) for i, a in enumerate(case.args)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kl_div's 'mean' warning, size-mismatch notes
        if case.spec.get("expect_raise"):
            try:
                fn(t, leaves, tkwargs)
            except ValueError:
                return {"raises": "ValueError"}
            raise AssertionError(f"torch accepted {loss.name} case {case.name}")
        y = fn(t, leaves, tkwargs)
        if not grad:
            return {"out": oracle.numpy(y, like=case.args[0])}
        if grad_output is not None:
            y = y * oracle.tensor(np.asarray(grad_output, dtype=np.float64), device)
        # The vector-Jacobian product as the gradient of sum(y * grad_output): the same numbers
        # as passing grad_outputs, without the sympy import torch does for tensor grad_outputs.
        grads = t.autograd.grad(y.sum(), leaves[:n_wrt], allow_unused=True)
    return {
        name: oracle.numpy(g if g is not None else t.zeros_like(leaves[i]), like=case.args[i])
        for i, (name, g) in enumerate(zip(loss.outputs, grads, strict=True))
    }


def ctc(t: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
    return t.nn.functional.ctc_loss(args[0].log_softmax(-1), *args[1:], **kwargs)


def center(t: Any, args: list[Any], kwargs: dict[str, Any]) -> Any:
    """The notes' L_C = 1/2 sum_i ||x_i - c_{y_i}||^2 (seed 004), in torch ops."""
    reduction = kwargs.get("reduction", "sum")
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    x, y, c = args
    per_sample = 0.5 * ((x - c[y]) ** 2).sum(-1)
    if reduction == "none":
        return per_sample
    return per_sample.mean() if reduction == "mean" else per_sample.sum()


def center_update_oracle(case: Case, device: str) -> dict[str, Any]:
    r"""c_j - alpha * sum_i [y_i = j](c_j - x_i) / (1 + sum_i [y_i = j]), with torch ops."""
    t = oracle.torch()
    x = oracle.tensor(case.args[0], device)
    y = oracle.tensor(case.args[1], device)
    c = oracle.tensor(case.args[2], device)
    counts = t.bincount(y, minlength=c.shape[0]).to(c.dtype)
    pull = t.zeros_like(c).index_add_(0, y, c[y] - x)
    new = c - case.kwargs["alpha"] * pull / (1.0 + counts)[:, None]
    return {"out": oracle.numpy(new, like=case.args[2])}


def penalty_oracle(name: str, grad: bool, case: Case, device: str) -> dict[str, Any]:
    """λ Σ|w_i| or λ/2 Σ w_i² in torch ops (torch has no function for them), or autograd's
    gradient times the scalar ``grad_output``; for a ``weight_decay`` case, the gradient that
    ``torch.optim.SGD(weight_decay=λ)`` adds to a zero loss gradient, read off one step."""
    from graders.registry.optimizers import torch_session, torch_step

    t = oracle.torch()
    weight, lam = case.args
    w = oracle.tensor(weight, device, requires_grad=grad)
    value = lam * w.abs().sum() if name == "l1_penalty" else 0.5 * lam * (w * w).sum()
    if not grad:
        return {"out": oracle.numpy(value, like=weight)}
    if case.data.get("oracle") == "weight_decay":
        p = oracle.tensor(weight, device, requires_grad=True)
        p.grad = t.zeros_like(p)
        with torch_session():
            torch_step(t.optim.SGD([p], lr=1.0, weight_decay=lam, foreach=False))
        return {"out": oracle.numpy(w.detach() - p.detach(), like=weight)}
    upstream = float(case.kwargs.get("grad_output", 1.0))
    (g,) = t.autograd.grad(value * upstream, w) if w.numel() else (t.zeros_like(w),)
    return {"out": oracle.numpy(g, like=weight)}
