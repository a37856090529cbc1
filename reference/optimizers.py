r"""Optimizers: ``torch.optim`` in NumPy, one class per algorithm, the same API.

A :class:`Parameter` holds a float64 array ``data`` and its gradient ``grad`` (``None`` or an
array of the same shape). An :class:`Optimizer` owns a list of parameter groups and a ``state``
dict keyed by :class:`Parameter`; ``step()`` updates every ``data`` in place from its ``grad``::

    w = Parameter(np.zeros(3))
    opt = Adam([w], lr=1e-2)
    for _ in range(100):
        opt.zero_grad()
        w.grad = grad_of_loss(w.data)   # the "backward pass": any NumPy code
        opt.step()

Every class matches ``torch.optim.<Name>(..., foreach=False)`` in float64 -- constructor
arguments, defaults, validation messages, ``param_groups`` hyperparameter keys and the names
of the ``state`` entries -- and is checked against it step by step (``tests/test_optimizers.py``).

Conventions shared by all classes:

* ``state[p]["step"]`` is a Python ``float`` (torch keeps a 0-d float tensor; SparseAdam an
  ``int``). Compare it with ``float(torch_state["step"])``. Every scalar entry of the state
  (ASGD's ``eta``/``mu``, LBFGS's ``t``/``H_diag``/``ro``/``prev_loss``) is likewise a ``float``;
  every array entry is a float64 ``ndarray`` of the parameter's shape (LBFGS: flat).
* The step counter is incremented *before* it is used, so the first update uses ``t = 1``.
* A parameter whose ``grad`` is ``None`` is skipped and gets no state (as in torch).
* The performance and autograd switches of torch (``foreach``, ``fused``, ``capturable``,
  ``differentiable``) have no NumPy meaning and are not accepted; the ``param_groups`` of
  :meth:`Optimizer.state_dict` therefore lack those keys and hold everything else torch's do.
* Named parameters (``(name, tensor)`` tuples, torch's ``param_names``) and tensor learning
  rates are not supported.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "ASGD",
    "LBFGS",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Optimizer",
    "Parameter",
    "RMSprop",
    "Rprop",
    "SparseAdam",
    "required",
]

Array = npt.NDArray[np.float64]
#: A closure re-evaluates the model, sets every ``Parameter.grad`` and returns the loss.
Closure = Callable[[], float]
StateDict = dict[str, Any]


class _RequiredParameter:
    """Sentinel default of a hyperparameter that every parameter group must give (torch's)."""

    def __repr__(self) -> str:
        return "<required parameter>"


#: The "no default" marker; the notes' ``lr=<object object>`` is this sentinel in old torch.
required = _RequiredParameter()


class Parameter:
    """A trainable array and its gradient: the NumPy stand-in for ``torch.nn.Parameter``.

    ``data`` is a float64 copy of the given values; optimizers update it *in place*. ``grad`` is
    ``None`` (no gradient: the optimizer skips this parameter) or an array of ``data``'s shape,
    written by the user's backward pass or closure. Parameters compare and hash by identity,
    so they can key ``Optimizer.state``.
    """

    def __init__(self, data: npt.ArrayLike, grad: npt.ArrayLike | None = None) -> None:
        self.data: Array = np.array(data, dtype=np.float64)
        self.grad: Array | None = None if grad is None else np.array(grad, dtype=np.float64)

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of ``data``."""
        return self.data.shape

    def __repr__(self) -> str:
        return f"Parameter({self.data!r})"


ParamsT = Iterable[Parameter] | Iterable[dict[str, Any]]


def _as_param_group(param_group: Any, defaults: dict[str, Any]) -> dict[str, Any]:
    """Check one parameter group and fill in its missing hyperparameters from ``defaults``.

    Turns ``param_group["params"]`` into a list, refuses sets (unordered) and anything that is
    not a :class:`Parameter`, raises for a missing ``required`` hyperparameter and warns about
    duplicate parameters -- torch's messages. Returns the same dict, updated in place, as torch
    does. Overlap *between* groups is the caller's check.
    """
    if not isinstance(param_group, dict):
        raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
    params = param_group["params"]
    if isinstance(params, Parameter):
        param_group["params"] = [params]
    elif isinstance(params, set):
        raise TypeError(
            "optimizer parameters need to be organized in ordered collections, but "
            "the ordering of tensors in sets will change between runs. Please use a list instead."
        )
    else:
        param_group["params"] = list(params)
    for param in param_group["params"]:
        if not isinstance(param, Parameter):
            raise TypeError(
                "optimizer can only optimize Parameters, "
                f"but one of the params is {type(param).__name__}"
            )
    for name, default in defaults.items():
        if default is required and name not in param_group:
            raise ValueError(
                f"parameter group didn't specify a value of required optimization parameter {name}"
            )
        param_group.setdefault(name, default)
    if len(param_group["params"]) != len(set(param_group["params"])):
        warnings.warn(
            "optimizer contains a parameter group with duplicate parameters; "
            "in future, this will cause an error; "
            "see github.com/pytorch/pytorch/issues/40967 for more information",
            stacklevel=3,
        )
    return param_group


class Optimizer:
    """Base class of every optimizer: the ``torch.optim.Optimizer`` API of the notes (seed 000).

    Attributes:
        defaults: the constructor's hyperparameters, used for any a group leaves out.
        state: ``defaultdict(dict)`` keyed by :class:`Parameter`: each parameter's buffers
            (``momentum_buffer``, ``exp_avg``, ``step``, ...), created at its first ``step``.
        param_groups: list of dicts, each ``{"params": [Parameter, ...], <hyperparameter>: value}``.

    ``params`` is an iterable of :class:`Parameter` (one group) or of dicts (one group each, a
    dict's own hyperparameters overriding ``defaults``). Matches ``torch.optim.Optimizer``.
    """

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Parameter | np.ndarray):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of "
                f"Parameters or dicts, but got {type(params).__name__}"
            )
        param_groups: list[Any] = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        seen: set[Parameter] = set()
        for group in param_groups:
            group = _as_param_group(group, self.defaults)
            if not seen.isdisjoint(group["params"]):
                raise ValueError("some parameters appear in more than one parameter group")
            seen.update(group["params"])
            self.param_groups.append(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        return "\n".join(lines) + "\n)"

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradient of every managed parameter.

        ``set_to_none=True`` (torch 2.x's default) sets ``grad`` to ``None``, so the next
        ``step`` skips a parameter that got no new gradient; ``False`` zeroes the existing
        ``grad`` array in place. Parameters whose ``grad`` is already ``None`` are left alone.
        Matches ``torch.optim.Optimizer.zero_grad``.
        """
        # BEGIN SOLUTION
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad.fill(0.0)
        # END SOLUTION

    def step(self, closure: Closure | None = None) -> float | None:
        """Perform one optimization step; return ``closure()``'s loss when a closure is given.

        The closure, when given, is called first (before any update), as torch does.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement step()")

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group: ``{"params": [...], <hyperparameter>: value, ...}``.

        Hyperparameters the dict leaves out take the optimizer's ``defaults``; ``params`` may be
        one :class:`Parameter` or an ordered iterable of them. A parameter already in another
        group raises ``ValueError("some parameters appear in more than one parameter group")``.
        Use :func:`_as_param_group` for the per-group checks. Matches
        ``torch.optim.Optimizer.add_param_group``.
        """
        # BEGIN SOLUTION
        group = _as_param_group(param_group, self.defaults)
        existing = {p for g in self.param_groups for p in g["params"]}
        if not existing.isdisjoint(group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)
        # END SOLUTION

    def state_dict(self) -> StateDict:
        """Return ``{"state": {index: {...}}, "param_groups": [{..., "params": [index, ...]}]}``.

        Parameters are replaced by their position, counted across the groups in order (torch's
        format). Every state value is a deep copy: stepping the optimizer afterwards does not
        change the returned dict, nor does editing the dict change the optimizer.
        """
        # BEGIN SOLUTION
        import copy

        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {
            (index[id(k)] if isinstance(k, Parameter) else k): copy.deepcopy(v)
            for k, v in self.state.items()
        }
        return {"state": state, "param_groups": groups}
        # END SOLUTION

    def load_state_dict(self, state_dict: StateDict) -> None:
        """Load a dict made by :meth:`state_dict` (of an optimizer with groups of the same sizes).

        Saved positions are matched to this optimizer's parameters in order; the groups'
        hyperparameters are replaced by the saved ones and every state value is deep-copied.
        Raises ``ValueError`` (torch's messages) when the number of groups or a group's size
        differs. Matches ``torch.optim.Optimizer.load_state_dict``.
        """
        # BEGIN SOLUTION
        import copy

        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(self.param_groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(
            len(g["params"]) != len(s["params"])
            for g, s in zip(self.param_groups, saved_groups, strict=True)
        ):
            raise ValueError(
                "loaded state dict contains a parameter group "
                "that doesn't match the size of optimizer's group"
            )
        id_map = {
            saved: p
            for g, s in zip(self.param_groups, saved_groups, strict=True)
            for saved, p in zip(s["params"], g["params"], strict=True)
        }
        state: defaultdict[Any, dict[str, Any]] = defaultdict(dict)
        for k, v in state_dict["state"].items():
            state[id_map.get(k, k)] = copy.deepcopy(v)
        for g, s in zip(self.param_groups, saved_groups, strict=True):
            s["params"] = g["params"]
        self.state = state
        self.param_groups = saved_groups
        # END SOLUTION


def _check_betas(betas: tuple[float, float]) -> None:
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")


# ---------------------------------------------------------------------------------------------
# SGD
# ---------------------------------------------------------------------------------------------


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with momentum, Nesterov momentum, weight decay.

    .. math::

        \begin{aligned}
        & g_t \leftarrow \nabla_\theta f_t(\theta_{t-1})
            \quad (g_t \leftarrow -g_t \text{ if maximize}) \\
        & \textbf{if } \lambda \neq 0:\ g_t \leftarrow g_t + \lambda \theta_{t-1} \\
        & \textbf{if } \mu \neq 0: \\
        & \qquad b_t \leftarrow g_t \ \text{ if } t = 1, \ \text{ else }
            \mu b_{t-1} + (1 - \tau) g_t \\
        & \qquad g_t \leftarrow g_t + \mu b_t \ \text{ if nesterov, else } b_t \\
        & \theta_t \leftarrow \theta_{t-1} - \gamma g_t
        \end{aligned}

    :math:`\gamma` lr, :math:`\mu` momentum, :math:`\tau` dampening, :math:`\lambda`
    weight_decay. Momentum: Polyak (1964); Nesterov: Sutskever et al. (2013), in the form that
    needs no look-ahead gradient. Matches ``torch.optim.SGD(params, lr, momentum, dampening,
    weight_decay, nesterov, maximize=maximize, foreach=False)``.

    State: ``momentum_buffer`` (:math:`b_t`), only when ``momentum != 0``; no ``step``.

    Convention: the buffer starts at :math:`b_1 = g_1` (not at zero), so dampening acts from the
    second step on; a zero-initialised buffer gives :math:`(1-\tau)g_1` instead.
    Convention: velocity form :math:`b \leftarrow \mu b + g,\ \theta \leftarrow \theta - \gamma b`
    (torch), not the notes' :math:`v \leftarrow \mu v - \alpha g,\ W \leftarrow W + v`
    (Sutskever); with :math:`v = -\gamma b` they agree while the learning rate is constant.
    Convention: Nesterov uses the gradient at the current parameters,
    :math:`\theta \leftarrow \theta - \gamma(g + \mu b)`. This is the notes'
    :math:`v \leftarrow \mu v - \alpha \nabla L(W + \mu v),\ W \leftarrow W + v` rewritten for
    the look-ahead point :math:`\theta = W + \mu v`, whose gradient is the one the optimizer is
    handed; applying the notes' formula with the gradient at :math:`W` is plain momentum.
    Convention: ``maximize`` negates the gradient *before* weight decay (torch 2.x), so weight
    decay still shrinks the weights; the notes' pseudocode flips the sign at the end instead.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def step(self, closure: Closure | None = None) -> float | None:
        """Perform one SGD step on every parameter that has a gradient."""
        # BEGIN SOLUTION
        loss = None
        if closure is not None:
            loss = closure()
        for group in self.param_groups:
            lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
            weight_decay, nesterov = group["weight_decay"], group["nesterov"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = -p.grad if group["maximize"] else p.grad
                if weight_decay != 0:
                    grad = grad + weight_decay * p.data
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = np.array(grad, dtype=np.float64)
                    else:
                        buf *= momentum
                        buf += (1 - dampening) * grad
                    grad = grad + momentum * buf if nesterov else buf
                p.data -= lr * grad
        return loss
        # END SOLUTION


# ---------------------------------------------------------------------------------------------
# Adagrad, RMSprop, Adadelta
# ---------------------------------------------------------------------------------------------


class Adagrad(Optimizer):
    r"""Adagrad: per-coordinate steps scaled by the root of the summed squared gradients.

    .. math::

        \begin{aligned}
        & \textbf{initialize: } G_0 \leftarrow \text{initial\_accumulator\_value} \\
        & g_t \leftarrow \nabla_\theta f_t(\theta_{t-1})
            \quad (g_t \leftarrow -g_t \text{ if maximize}) \\
        & \textbf{if } \lambda \neq 0:\ g_t \leftarrow g_t + \lambda \theta_{t-1} \\
        & \tilde\gamma \leftarrow \gamma / (1 + (t - 1)\eta) \\
        & G_t \leftarrow G_{t-1} + g_t^2 \\
        & \theta_t \leftarrow \theta_{t-1} - \tilde\gamma \, g_t / (\sqrt{G_t} + \epsilon)
        \end{aligned}

    :math:`\gamma` lr, :math:`\eta` lr_decay, :math:`\lambda` weight_decay. Duchi, Hazan and
    Singer (2011). Matches ``torch.optim.Adagrad(params, lr, lr_decay, weight_decay,
    initial_accumulator_value, eps, maximize=maximize, foreach=False)``.

    State: ``step`` (float), ``sum`` (:math:`G_t`) -- created in the constructor for the
    constructor's parameters, as torch does, and at the first step for later groups.

    Convention: eps is added *outside* the square root, :math:`g/(\sqrt{G}+\epsilon)`; the notes
    write :math:`g/\sqrt{G+\epsilon}`. :math:`G` is the elementwise sum of squared gradients,
    not "the gradient's 2-norm" as the notes say.
    Convention: the decayed rate uses the already-incremented counter, so step 1 uses
    :math:`\gamma` itself.
    Convention: ``sum`` starts at the *constructor's* ``initial_accumulator_value`` for every
    group (torch ignores a per-group value).
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not lr_decay >= 0.0:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not initial_accumulator_value >= 0.0:
            raise ValueError(
                f"Invalid initial_accumulator_value value: {initial_accumulator_value}"
            )
        if not eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p]["step"] = 0.0
                self.state[p]["sum"] = np.full_like(p.data, initial_accumulator_value)

    def step(self, closure: Closure | None = None) -> float | None:
        """Perform one Adagrad step on every parameter that has a gradient."""
        # BEGIN SOLUTION
        loss = None
        if closure is not None:
            loss = closure()
        for group in self.param_groups:
            lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
            weight_decay = group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0.0
                    state["sum"] = np.full_like(p.data, self.defaults["initial_accumulator_value"])
                state["step"] += 1
                grad = -p.grad if group["maximize"] else p.grad
                if weight_decay != 0:
                    grad = grad + weight_decay * p.data
                clr = lr / (1 + (state["step"] - 1) * lr_decay)
                state["sum"] += grad * grad
                std = np.sqrt(state["sum"]) + eps
                p.data -= clr * (grad / std)
        return loss
        # END SOLUTION


class RMSprop(Optimizer):
    r"""RMSprop: steps scaled by a running root-mean-square of the gradient.

    .. math::

        \begin{aligned}
        & g_t \leftarrow \nabla_\theta f_t(\theta_{t-1})
            \quad (g_t \leftarrow -g_t \text{ if maximize}) \\
        & \textbf{if } \lambda \neq 0:\ g_t \leftarrow g_t + \lambda \theta_{t-1} \\
        & v_t \leftarrow \alpha v_{t-1} + (1 - \alpha) g_t^2, \qquad \tilde v_t \leftarrow v_t \\
        & \textbf{if centered: }
            \bar g_t \leftarrow \alpha \bar g_{t-1} + (1 - \alpha) g_t, \quad
            \tilde v_t \leftarrow v_t - \bar g_t^2 \\
        & \textbf{if } \mu > 0:\
            b_t \leftarrow \mu b_{t-1} + g_t / (\sqrt{\tilde v_t} + \epsilon), \quad
            \theta_t \leftarrow \theta_{t-1} - \gamma b_t \\
        & \textbf{else}:\
            \theta_t \leftarrow \theta_{t-1} - \gamma g_t / (\sqrt{\tilde v_t} + \epsilon)
        \end{aligned}

    :math:`\alpha` alpha (smoothing constant), :math:`\mu` momentum, :math:`\lambda`
    weight_decay; :math:`v_0 = \bar g_0 = b_0 = 0`. Hinton's lecture 6e (2012); centered:
    Graves (2013). Matches ``torch.optim.RMSprop(params, lr, alpha, eps, weight_decay,
    momentum, centered, maximize=maximize, foreach=False)``.

    State: ``step`` (float), ``square_avg`` (:math:`v_t`), ``momentum_buffer`` (if
    ``momentum > 0``), ``grad_avg`` (:math:`\bar g_t`, if ``centered``).

    Convention: eps is added *outside* the square root; the notes write
    :math:`g/\sqrt{G + \epsilon}` and call :math:`\alpha` (their :math:`\mu`) a "momentum
    factor", but it is the averaging constant; ``momentum`` is a separate option.
    Convention: unlike SGD's, this momentum buffer starts at zero.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        maximize: bool = False,
    ) -> None:
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not momentum >= 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not alpha >= 0.0:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def step(self, closure: Closure | None = None) -> float | None:
        """Perform one RMSprop step on every parameter that has a gradient."""
        # BEGIN SOLUTION
        loss = None
        if closure is not None:
            loss = closure()
        for group in self.param_groups:
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            weight_decay, momentum, centered = (
                group["weight_decay"],
                group["momentum"],
                group["centered"],
            )
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0.0
                    state["square_avg"] = np.zeros_like(p.data)
                    if momentum > 0:
                        state["momentum_buffer"] = np.zeros_like(p.data)
                    if centered:
                        state["grad_avg"] = np.zeros_like(p.data)
                grad = -p.grad if group["maximize"] else p.grad
                state["step"] += 1
                if weight_decay != 0:
                    grad = grad + weight_decay * p.data
                square_avg = state["square_avg"]
                square_avg *= alpha
                square_avg += (1 - alpha) * grad * grad
                if centered:
                    grad_avg = state["grad_avg"]
                    grad_avg += (1 - alpha) * (grad - grad_avg)
                    avg = np.sqrt(square_avg - grad_avg * grad_avg)
                else:
                    avg = np.sqrt(square_avg)
                avg += eps
                if momentum > 0:
                    buf = state["momentum_buffer"]
                    buf *= momentum
                    buf += grad / avg
                    p.data -= lr * buf
                else:
                    p.data -= lr * (grad / avg)
        return loss
        # END SOLUTION


class Adadelta(Optimizer):
    r"""Adadelta: steps scaled by the ratio of running RMS of past updates and of gradients.

    .. math::

        \begin{aligned}
        & g_t \leftarrow \nabla_\theta f_t(\theta_{t-1})
            \quad (g_t \leftarrow -g_t \text{ if maximize}) \\
        & \textbf{if } \lambda \neq 0:\ g_t \leftarrow g_t + \lambda \theta_{t-1} \\
        & v_t \leftarrow \rho v_{t-1} + (1 - \rho) g_t^2 \\
        & \Delta x_t \leftarrow \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}} \, g_t \\
        & u_t \leftarrow \rho u_{t-1} + (1 - \rho) \Delta x_t^2 \\
        & \theta_t \leftarrow \theta_{t-1} - \gamma \Delta x_t
        \end{aligned}

    :math:`\rho` rho, :math:`\lambda` weight_decay, :math:`v_0 = u_0 = 0`. Zeiler (2012).
    Matches ``torch.optim.Adadelta(params, lr, rho, eps, weight_decay, maximize=maximize,
    foreach=False)``.

    State: ``step`` (float), ``square_avg`` (:math:`v_t`), ``acc_delta`` (:math:`u_t`).

    Convention: here eps sits *inside* both square roots (Zeiler's and torch's form); ``lr``
    scales the step but not the accumulated :math:`\Delta x_t^2`.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
    ) -> None:
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "rho": rho,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def step(self, closure: Closure | None = None) -> float | None:
        """Perform one Adadelta step on every parameter that has a gradient."""
        # BEGIN SOLUTION
        loss = None
        if closure is not None:
            loss = closure()
        for group in self.param_groups:
            lr, rho, eps, weight_decay = (
                group["lr"],
                group["rho"],
                group["eps"],
                group["weight_decay"],
            )
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0.0
                    state["square_avg"] = np.zeros_like(p.data)
                    state["acc_delta"] = np.zeros_like(p.data)
                state["step"] += 1
                grad = -p.grad if group["maximize"] else p.grad
                if weight_decay != 0:
                    grad = grad + weight_decay * p.data
                square_avg, acc_delta = state["square_avg"], state["acc_delta"]
                square_avg *= rho
                square_avg += (1 - rho) * grad * grad
                std = np.sqrt(square_avg + eps)
                delta = np.sqrt(acc_delta + eps) / std * grad
                acc_delta *= rho
                acc_delta += (1 - rho) * delta * delta
                p.data -= lr * delta
        return loss
        # END SOLUTION


# ---------------------------------------------------------------------------------------------
# The Adam family
# ---------------------------------------------------------------------------------------------


class Adam(Optimizer):
    r"""Adam: bias-corrected running averages of the gradient and of its square.

    .. math::

        \begin{aligned}
        & g_t \leftarrow \nabla_\theta f_t(\theta_{t-1})
            \quad (g_t \leftarrow -g_t \text{ if maximize}) \\
        & \textbf{if } \lambda \neq 0: \ g_t \leftarrow g_t + \lambda \theta_{t-1}
            \quad (\text{decoupled: } \theta_{t-1} \leftarrow \theta_{t-1}(1 - \gamma\lambda)
            \text{ instead}) \\
        & m_t \leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
        & v_t \leftarrow \beta_2 v_{t-1} + (1 - \beta_2) g_t^2 \\
        & \hat m_t \leftarrow m_t / (1 - \beta_1^t) \\
        & \textbf{if amsgrad: } v^{max}_t \leftarrow \max(v^{max}_{t-1}, v_t), \quad
            \hat v_t \leftarrow v^{max}_t / (1 - \beta_2^t) \\
        & \textbf{else: } \hat v_t \leftarrow v_t / (1 - \beta_2^t) \\
        & \theta_t \leftarrow \theta_{t-1} - \gamma \, \hat m_t / (\sqrt{\hat v_t} + \epsilon)
        \end{aligned}

    :math:`(\beta_1, \beta_2)` betas, :math:`\lambda` weight_decay, :math:`m_0 = v_0 = 0`.
    Kingma and Ba (2015), "Adam: A Method for Stochastic Optimization" (Adam = adaptive
    *moment* estimation); AMSGrad: Reddi, Kale and Kumar (2018); decoupled decay: Loshchilov
    and Hutter (2019). Matches ``torch.optim.Adam(params, lr, betas, eps, weight_decay,
    amsgrad, maximize=maximize, decoupled_weight_decay=..., foreach=False)``.

    State: ``step`` (float), ``exp_avg`` (:math:`m_t`), ``exp_avg_sq`` (:math:`v_t`, *not*
    bias-corrected), ``max_exp_avg_sq`` (:math:`v^{max}_t`, if ``amsgrad``).

    Convention: eps is added *outside* the square root, to :math:`\sqrt{\hat v_t}`; the notes
    write :math:`\sqrt{\hat v_t + \epsilon}`, which acts like a much larger
    :math:`\epsilon_{eff} = \sqrt{\epsilon}` once :math:`\hat v` is small.
    Convention: the counter is incremented before the bias corrections, so step 1 divides by
    :math:`1 - \beta`, never by zero; the update uses the :math:`\hat m_t, \hat v_t` just computed.
    Convention: AMSGrad keeps the maximum of the raw :math:`v_t` and bias-corrects that maximum
    (torch); the notes take the maximum of the bias-corrected :math:`\hat v_t`.
    Convention: ``weight_decay`` is an L2 penalty added to the gradient (it passes through
    :math:`m` and :math:`v`) unless ``decoupled_weight_decay=True``, which is :class:`AdamW`.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ) -> None:
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not (isinstance(betas[0], float) and isinstance(betas[1], float)):
            raise ValueError("betas must be either both floats or both Tensors")
        defaults = {
            "lr": lr,
            "betas": (betas[0], betas[1]),
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    def step(self, closure: Closure | None = None) -> float | None:
        """Perform one Adam step on every parameter that has a gradient."""
        # BEGIN SOLUTION
        loss = None
        if closure is not None:
            loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
            amsgrad = group["amsgrad"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0.0
                    state["exp_avg"] = np.zeros_like(p.data)
                    state["exp_avg_sq"] = np.zeros_like(p.data)
                    if amsgrad:
                        state["max_exp_avg_sq"] = np.zeros_like(p.data)
                grad = -p.grad if group["maximize"] else p.grad
                state["step"] += 1
                step = state["step"]
                if weight_decay != 0:
                    if group["decoupled_weight_decay"]:
                        p.data *= 1 - lr * weight_decay
                    else:
                        grad = grad + weight_decay * p.data
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                exp_avg += (1 - beta1) * (grad - exp_avg)
                exp_avg_sq *= beta2
                exp_avg_sq += (1 - beta2) * grad * grad
                bias_correction1 = 1 - beta1**step
                bias_correction2_sqrt = (1 - beta2**step) ** 0.5
                if amsgrad:
                    max_exp_avg_sq = state["max_exp_avg_sq"]
                    np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
                    denom = np.sqrt(max_exp_avg_sq) / bias_correction2_sqrt + eps
                else:
                    denom = np.sqrt(exp_avg_sq) / bias_correction2_sqrt + eps
                p.data -= (lr / bias_correction1) * (exp_avg / denom)
        return loss
        # END SOLUTION


class AdamW(Adam):
    r"""AdamW: Adam with weight decay decoupled from the gradient.

    .. math::

        \begin{aligned}
        & g_t \leftarrow \nabla_\theta f_t(\theta_{t-1})
            \quad (g_t \leftarrow -g_t \text{ if maximize}) \\
        & \theta_{t-1} \leftarrow \theta_{t-1} - \gamma \lambda \theta_{t-1} \\
        & m_t, v_t, \hat m_t, \hat v_t \text{ as in } \textbf{Adam} \text{ (without the L2 term)} \\
        & \theta_t \leftarrow \theta_{t-1} - \gamma \, \hat m_t / (\sqrt{\hat v_t} + \epsilon)
        \end{aligned}

    Loshchilov and Hutter (2019), "Decoupled Weight Decay Regularization". Matches
    ``torch.optim.AdamW(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
    foreach=False)``, which is ``Adam(..., decoupled_weight_decay=True)``; the step is
    :meth:`Adam.step`.

    State: as :class:`Adam`. ``param_groups`` carry ``decoupled_weight_decay=True``.

    Convention: the decay is multiplied by the (scheduled) learning rate,
    :math:`\theta \leftarrow \theta(1 - \gamma\lambda)`, and applied before the moment updates;
    the default ``weight_decay`` is ``1e-2``, not 0.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )

    def load_state_dict(self, state_dict: StateDict) -> None:
        """As :meth:`Optimizer.load_state_dict`; every group keeps ``decoupled_weight_decay``."""
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True


class Adamax(Optimizer):
    r"""Adamax: Adam with the second moment replaced by an exponentially weighted infinity norm.

    .. math::

        \begin{aligned}
        & g_t \leftarrow \nabla_\theta f_t(\theta_{t-1})
            \quad (g_t \leftarrow -g_t \text{ if maximize}) \\
        & \textbf{if } \lambda \neq 0:\ g_t \leftarrow g_t + \lambda \theta_{t-1} \\
        & m_t \leftarrow \beta_1 m_{t-1} + (1 - \beta_1) g_t \\
        & u_t \leftarrow \max(\beta_2 u_{t-1}, \ |g_t| + \epsilon) \\
        & \theta_t \leftarrow \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t} \, \frac{m_t}{u_t}
        \end{aligned}

    :math:`m_0 = u_0 = 0`. Kingma and Ba (2015), section 7.1. Matches
    ``torch.optim.Adamax(params, lr, betas, eps, weight_decay, maximize=maximize,
    foreach=False)``.

    State: ``step`` (float), ``exp_avg`` (:math:`m_t`), ``exp_inf`` (:math:`u_t`).

    Convention: eps is added to :math:`|g_t|` inside the max (torch), not to the denominator;
    :math:`u_t` needs no bias correction. The notes' gloss "Adam with an upper bound on the
    learning rate" paraphrases the paper's remark that Adamax's step is bounded by
    :math:`\gamma`; the change is the infinity norm in place of the squared-gradient average.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        *,
        maximize: bool = False,
    ) -> None:
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not eps >= 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def step(self, closure: Closure | None = None) -> float | None:
        """Perform one Adamax step on every parameter that has a gradient."""
        # BEGIN SOLUTION
        loss = None
        if closure is not None:
            loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0.0
                    state["exp_avg"] = np.zeros_like(p.data)
                    state["exp_inf"] = np.zeros_like(p.data)
                grad = -p.grad if group["maximize"] else p.grad
                state["step"] += 1
                if weight_decay != 0:
                    grad = grad + weight_decay * p.data
                exp_avg, exp_inf = state["exp_avg"], state["exp_inf"]
                exp_avg += (1 - beta1) * (grad - exp_avg)
                exp_inf *= beta2
                np.maximum(exp_inf, np.abs(grad) + eps, out=exp_inf)
                clr = lr / (1 - beta1 ** state["step"])
                p.data -= clr * (exp_avg / exp_inf)
        return loss
        # END SOLUTION


class SparseAdam(Optimizer):
    r"""SparseAdam: Adam that updates only the coordinates that received a gradient.

    .. math::

        \begin{aligned}
        & g_t \leftarrow \nabla_\theta f_t(\theta_{t-1})
            \quad (g_t \leftarrow -g_t \text{ if maximize}), \qquad
            S_t = \{ i : g_{t,i} \neq 0 \} \\
        & \text{for } i \in S_t \text{ only:} \\
        & \qquad m_{t,i} \leftarrow \beta_1 m_{t-1,i} + (1 - \beta_1) g_{t,i}, \quad
            v_{t,i} \leftarrow \beta_2 v_{t-1,i} + (1 - \beta_2) g_{t,i}^2 \\
        & \qquad \theta_{t,i} \leftarrow \theta_{t-1,i}
            - \gamma \frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t}
              \frac{m_{t,i}}{\sqrt{v_{t,i}} + \epsilon}
        \end{aligned}

    Moments and parameters outside :math:`S_t` are left untouched. Matches
    ``torch.optim.SparseAdam(params, lr, betas, eps, maximize)`` fed with
    ``grad.to_sparse()``.

    Sparse gradients: ``grad`` is a *dense* array in which an exact zero means "no gradient for
    this entry" (torch's sparse COO gradient lists its nonzero entries; a materialised zero in a
    torch sparse gradient, which this representation cannot express, would decay the moments).
    An all-zero ``grad`` skips the update but still counts a step.

    State: ``step`` (float; torch keeps an ``int``), ``exp_avg``, ``exp_avg_sq``.

    Convention: unlike :class:`Adam`, eps is added to :math:`\sqrt{v_t}` *before* the bias
    correction (the paper's "efficient" form with :math:`\hat\epsilon`), so the two differ
    where :math:`v` is small; every ``step`` counts, whichever entries were touched.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        maximize: bool = False,
    ) -> None:
        if not lr > 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not eps > 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "maximize": maximize}
        super().__init__(params, defaults)

    def step(self, closure: Closure | None = None) -> float | None:
        """Perform one SparseAdam step on every parameter that has a gradient."""
        # BEGIN SOLUTION
        loss = None
        if closure is not None:
            loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, eps = group["lr"], group["eps"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0.0
                    state["exp_avg"] = np.zeros_like(p.data)
                    state["exp_avg_sq"] = np.zeros_like(p.data)
                state["step"] += 1
                grad = -p.grad if group.get("maximize", False) else p.grad
                mask = grad != 0
                if not mask.any():
                    continue
                values = grad[mask]
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                old_exp_avg = exp_avg[mask]
                exp_avg_update = (values - old_exp_avg) * (1 - beta1)
                exp_avg[mask] += exp_avg_update
                old_exp_avg_sq = exp_avg_sq[mask]
                exp_avg_sq_update = (values**2 - old_exp_avg_sq) * (1 - beta2)
                exp_avg_sq[mask] += exp_avg_sq_update
                numer = exp_avg_update + old_exp_avg
                denom = np.sqrt(exp_avg_sq_update + old_exp_avg_sq) + eps
                step = state["step"]
                step_size = lr * (1 - beta2**step) ** 0.5 / (1 - beta1**step)
                p.data[mask] += -step_size * (numer / denom)
        return loss
        # END SOLUTION


# ---------------------------------------------------------------------------------------------
# ASGD, Rprop
# ---------------------------------------------------------------------------------------------


class ASGD(Optimizer):
    r"""Averaged SGD: SGD with a decaying rate and a running (Polyak-Ruppert) average of iterates.

    .. math::

        \begin{aligned}
        & \textbf{initialize: } \eta_0 \leftarrow \gamma, \ \mu_0 \leftarrow 1,
            \ a_0 \leftarrow 0 \\
        & g_t \leftarrow \nabla_\theta f_t(\theta_{t-1})
            \quad (g_t \leftarrow -g_t \text{ if maximize}) \\
        & \textbf{if } \lambda \neq 0:\ g_t \leftarrow g_t + \lambda \theta_{t-1} \\
        & \theta_t \leftarrow \theta_{t-1}(1 - \lambda_d \eta_{t-1}) - \eta_{t-1} g_t \\
        & a_t \leftarrow \theta_t \ \text{ if } \mu_{t-1} = 1, \ \text{ else }
            a_{t-1} + \mu_{t-1}(\theta_t - a_{t-1}) \\
        & \eta_t \leftarrow \gamma / (1 + \lambda_d \gamma t)^{\alpha}, \qquad
            \mu_t \leftarrow 1 / \max(1, t - t_0)
        \end{aligned}

    :math:`\gamma` lr, :math:`\lambda_d` lambd (decay term), :math:`\alpha` alpha (power),
    :math:`t_0` t0 (when averaging starts), :math:`\lambda` weight_decay. Polyak and Juditsky
    (1992), "Acceleration of stochastic approximation by averaging". Matches
    ``torch.optim.ASGD(params, lr, lambd, alpha, t0, weight_decay, maximize=maximize,
    foreach=False)``.

    State: ``step`` (float), ``eta`` (float, :math:`\eta`), ``mu`` (float, :math:`\mu`),
    ``ax`` (the averaged parameters :math:`a_t`). The trained weights stay in ``data``; the
    average lives in ``ax``.

    Convention: :math:`\eta` and :math:`\mu` used at step :math:`t` were computed at the end of
    step :math:`t-1`. ASGD is *averaged* SGD, not "stochastic average gradient" (SAG), which the
    notes' name 随机平均梯度下降 suggests. Torch stores ``eta``/``mu`` in the default dtype:
    compare with torch's default dtype set to float64.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        maximize: bool = False,
    ) -> None:
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not weight_decay >= 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {
            "lr": lr,
            "lambd": lambd,
            "alpha": alpha,
            "t0": t0,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def step(self, closure: Closure | None = None) -> float | None:
        """Perform one ASGD step on every parameter that has a gradient."""
        # BEGIN SOLUTION
        loss = None
        if closure is not None:
            loss = closure()
        for group in self.param_groups:
            lr, lambd, alpha, t0 = group["lr"], group["lambd"], group["alpha"], group["t0"]
            weight_decay = group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0.0
                    state["eta"] = float(lr)
                    state["mu"] = 1.0
                    state["ax"] = np.zeros_like(p.data)
                grad = -p.grad if group["maximize"] else p.grad
                state["step"] += 1
                step = state["step"]
                if weight_decay != 0:
                    grad = grad + weight_decay * p.data
                eta = state["eta"]
                p.data *= 1 - lambd * eta
                p.data -= eta * grad
                ax = state["ax"]
                if state["mu"] != 1:
                    ax += (p.data - ax) * state["mu"]
                else:
                    ax[...] = p.data
                state["eta"] = lr / ((1 + lambd * lr * step) ** alpha)
                state["mu"] = 1 / max(1, step - t0)
        return loss
        # END SOLUTION


class Rprop(Optimizer):
    r"""Resilient backpropagation: per-coordinate step sizes adapted from gradient signs alone.

    .. math::

        \begin{aligned}
        & \textbf{initialize: } g^{prev} \leftarrow 0, \ \eta_0 \leftarrow \gamma \\
        & g_t \leftarrow \nabla_\theta f_t(\theta_{t-1})
            \quad (g_t \leftarrow -g_t \text{ if maximize}) \\
        & \text{for each coordinate } i: \\
        & \qquad \textbf{if } g^{prev}_i g_{t,i} > 0:\
            \eta_{t,i} \leftarrow \min(\eta_{t-1,i} \eta_+, \Gamma_{max}) \\
        & \qquad \textbf{elif } g^{prev}_i g_{t,i} < 0:\
            \eta_{t,i} \leftarrow \max(\eta_{t-1,i} \eta_-, \Gamma_{min}), \ g_{t,i} \leftarrow 0 \\
        & \qquad \textbf{else}:\ \eta_{t,i} \leftarrow
            \operatorname{clip}(\eta_{t-1,i}, \Gamma_{min}, \Gamma_{max}) \\
        & \theta_t \leftarrow \theta_{t-1} - \eta_t \operatorname{sign}(g_t), \qquad
            g^{prev} \leftarrow g_t
        \end{aligned}

    :math:`(\eta_-, \eta_+)` etas, :math:`(\Gamma_{min}, \Gamma_{max})` step_sizes. Riedmiller
    and Braun (1993); the sign-flip reset is the "Rprop-" / "iRprop-" variant. Matches
    ``torch.optim.Rprop(params, lr, etas, step_sizes, maximize=maximize, foreach=False)``.

    State: ``step`` (float), ``prev`` (:math:`g^{prev}`), ``step_size`` (:math:`\eta_t`).

    Convention: after a sign flip the coordinate does not move and its stored ``prev`` is 0, so
    the next step neither grows nor shrinks its step size; step sizes are clipped to
    ``step_sizes`` at every step, the first included.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        maximize: bool = False,
    ) -> None:
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "maximize": maximize}
        super().__init__(params, defaults)

    def step(self, closure: Closure | None = None) -> float | None:
        """Perform one Rprop step on every parameter that has a gradient."""
        # BEGIN SOLUTION
        loss = None
        if closure is not None:
            loss = closure()
        for group in self.param_groups:
            etaminus, etaplus = group["etas"]
            step_size_min, step_size_max = group["step_sizes"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0.0
                    state["prev"] = np.zeros_like(p.data)
                    state["step_size"] = np.full_like(p.data, group["lr"])
                grad = -p.grad if group["maximize"] else p.grad
                state["step"] += 1
                prev, step_size = state["prev"], state["step_size"]
                sign = np.sign(grad * prev)
                factor = np.where(sign > 0, etaplus, np.where(sign < 0, etaminus, 1.0))
                step_size *= factor
                np.clip(step_size, step_size_min, step_size_max, out=step_size)
                grad = np.where(sign < 0, 0.0, grad)
                p.data -= np.sign(grad) * step_size
                prev[...] = grad
        return loss
        # END SOLUTION


# ---------------------------------------------------------------------------------------------
# L-BFGS
# ---------------------------------------------------------------------------------------------


def _cubic_interpolate(
    x1: float,
    f1: float,
    g1: float,
    x2: float,
    f2: float,
    g2: float,
    bounds: tuple[float, float] | None = None,
) -> float:
    r"""Minimiser of the cubic through :math:`(x_1, f_1, f'_1)` and :math:`(x_2, f_2, f'_2)`.

    .. math::

        d_1 = g_1 + g_2 - 3\frac{f_1 - f_2}{x_1 - x_2}, \quad d_2 = \sqrt{d_1^2 - g_1 g_2}, \quad
        x^* = x_2 - (x_2 - x_1)\frac{g_2 + d_2 - d_1}{g_2 - g_1 + 2 d_2}

    (written for :math:`x_1 \le x_2`; symmetric otherwise), clipped to ``bounds`` (default: the
    interval between the points). When :math:`d_1^2 < g_1 g_2` the cubic has no minimiser and
    the midpoint of the bounds is returned. Nocedal and Wright (2006), eq. (3.59); torch's
    ``torch.optim.lbfgs._cubic_interpolate``.
    """
    # BEGIN SOLUTION
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if d2_square >= 0:
        d2 = d2_square**0.5
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0
    # END SOLUTION


def _strong_wolfe(
    obj_func: Callable[[list[Array], float, Array], tuple[float, Array]],
    x: list[Array],
    t: float,
    d: Array,
    f: float,
    g: Array,
    gtd: float,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, Array, float, int]:
    r"""Line search along ``d`` from ``x`` for a step ``t`` meeting the strong Wolfe conditions.

    .. math::

        f(x + t d) \le f(x) + c_1 t \, \nabla f(x)^\top d, \qquad
        |\nabla f(x + t d)^\top d| \le c_2 \, |\nabla f(x)^\top d|

    ``obj_func(x, t, d)`` returns the loss and flat gradient at ``x + t d`` (and restores
    ``x``); ``f, g, gtd`` are the loss, gradient and directional derivative at ``x``. A bracketing
    phase (growing ``t`` by cubic extrapolation, at most 10x) is followed by a zoom phase (cubic
    interpolation, kept 10% away from the bracket's ends). Gives up after ``max_ls``
    evaluations or when the bracket is shorter than ``tolerance_change``; returns the best point.
    Returns ``(f_new, g_new, t, evaluations)``. Nocedal and Wright (2006), algorithms 3.5-3.6;
    port of torch's ``torch.optim.lbfgs._strong_wolfe`` (itself from minFunc).
    """
    # BEGIN SOLUTION
    d_norm = float(np.max(np.abs(d)))
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = float(g_new @ d)

    # bracketing phase
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    bracket: list[float] = []
    bracket_f: list[float] = []
    bracket_g: list[Array] = []
    bracket_gtd: list[float] = []
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        # extrapolate
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(
            t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step)
        )
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]

    # zoom phase
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(
            bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1]
        )
        # keep t at least 10% of the bracket away from its ends
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            # sufficient decrease fails, or no better than the low end: shrink from above
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new.copy(), gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new.copy(), gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals
    # END SOLUTION


class LBFGS(Optimizer):
    r"""L-BFGS: quasi-Newton steps from the last ``history_size`` curvature pairs.

    .. math::

        \begin{aligned}
        & s_k = \theta_{k+1} - \theta_k, \quad y_k = g_{k+1} - g_k, \quad
            \rho_k = 1 / (y_k^\top s_k) \quad (\text{stored only if } y_k^\top s_k > 10^{-10}) \\
        & \textbf{two-loop recursion: } q \leftarrow -g; \
            \text{for } i = k-1, \dots, k-m:\ a_i \leftarrow \rho_i s_i^\top q, \
            q \leftarrow q - a_i y_i \\
        & \qquad r \leftarrow H_0 q, \ H_0 = \frac{s_{k-1}^\top y_{k-1}}{y_{k-1}^\top y_{k-1}}; \
            \text{for } i = k-m, \dots, k-1:\ b \leftarrow \rho_i y_i^\top r, \
            r \leftarrow r + (a_i - b) s_i \\
        & d_k = r, \qquad \theta_{k+1} = \theta_k + t_k d_k
        \end{aligned}

    The first direction is :math:`-g` with :math:`t = \min(1, 1/\|g\|_1)\,\gamma`; later ones use
    :math:`t = \gamma`, or a strong-Wolfe line search (:func:`_strong_wolfe`) when
    ``line_search_fn="strong_wolfe"``. One ``step(closure)`` runs up to ``max_iter``
    iterations and ``max_eval`` closure calls and stops early when
    :math:`\max|g| \le` ``tolerance_grad``, when :math:`g^\top d > -` ``tolerance_change``, or
    when the step or the loss changes by less than ``tolerance_change``. Liu and Nocedal (1989);
    Nocedal and Wright (2006), algorithm 7.4. Matches ``torch.optim.LBFGS(params, lr, max_iter,
    max_eval, tolerance_grad, tolerance_change, history_size, line_search_fn)``.

    ``step`` needs a closure that recomputes the loss at the current ``data``, writes every
    ``grad`` and returns the loss; it returns the loss of the *first* evaluation. Only one
    parameter group is supported; all parameters are treated as one flat vector.

    State (global, stored under the first parameter, as torch does): ``func_evals``, ``n_iter``
    (ints, cumulated over calls), ``d`` (last direction), ``t`` (last step length),
    ``old_dirs`` (list of :math:`y`), ``old_stps`` (list of :math:`s`), ``ro`` (list of
    :math:`\rho`), ``H_diag`` (:math:`H_0`), ``prev_flat_grad``, ``prev_loss``, and ``al``
    (scratch list of :math:`a_i`, length ``history_size``, ``None`` where unused).

    Convention: ``max_eval`` defaults to ``max_iter * 5 // 4``; the history is kept across
    ``step`` calls; without a line search the closure is not re-evaluated after the last
    iteration of a call.
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1,
        max_iter: int = 20,
        max_eval: int | None = None,
        tolerance_grad: float = 1e-7,
        tolerance_change: float = 1e-9,
        history_size: int = 100,
        line_search_fn: str | None = None,
    ) -> None:
        if not lr >= 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params: list[Parameter] = self.param_groups[0]["params"]

    def _numel(self) -> int:
        return sum(p.data.size for p in self._params)

    def _gather_flat_grad(self) -> Array:
        """All gradients as one new flat array (zeros for a parameter without ``grad``)."""
        return np.concatenate(
            [np.zeros(p.data.size) if p.grad is None else np.ravel(p.grad) for p in self._params]
        )

    def _add_grad(self, step_size: float, update: Array) -> None:
        """``data += step_size * update``, with the flat ``update`` split over the parameters."""
        offset = 0
        for p in self._params:
            numel = p.data.size
            p.data += step_size * update[offset : offset + numel].reshape(p.data.shape)
            offset += numel

    def _clone_param(self) -> list[Array]:
        return [p.data.copy() for p in self._params]

    def _set_param(self, params_data: list[Array]) -> None:
        for p, pdata in zip(self._params, params_data, strict=True):
            p.data[...] = pdata

    def _directional_evaluate(
        self, closure: Closure, x: list[Array], t: float, d: Array
    ) -> tuple[float, Array]:
        """Loss and flat gradient at ``x + t d``; the parameters are restored to ``x``."""
        self._add_grad(t, d)
        loss = float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    def step(self, closure: Closure | None = None) -> float | None:
        """Run up to ``max_iter`` L-BFGS iterations; return the loss before the first one."""
        # BEGIN SOLUTION
        if closure is None:
            raise TypeError(
                "LBFGS.step() needs a closure that re-evaluates the loss and sets the gradients"
            )
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        opt_cond = np.max(np.abs(flat_grad)) <= tolerance_grad
        if opt_cond:
            return orig_loss

        # the previous call's direction, step, history and gradient (None on the first call)
        d: Any = state.get("d")
        t: Any = state.get("t")
        old_dirs: Any = state.get("old_dirs")
        old_stps: Any = state.get("old_stps")
        ro: Any = state.get("ro")
        H_diag: Any = state.get("H_diag")
        prev_flat_grad: Any = state.get("prev_flat_grad")
        prev_loss: Any = state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1

            # direction
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                H_diag = 1.0
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(y @ s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / float(y @ y)
                num_old = len(old_dirs)
                if "al" not in state:
                    state["al"] = [None] * history_size
                al = state["al"]
                q = -flat_grad
                for i in range(num_old - 1, -1, -1):
                    al[i] = float(old_stps[i] @ q) * ro[i]
                    q += -al[i] * old_dirs[i]
                d = r = q * H_diag
                for i in range(num_old):
                    be_i = float(old_dirs[i] @ r) * ro[i]
                    r += (al[i] - be_i) * old_stps[i]

            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.copy()
            else:
                prev_flat_grad[...] = flat_grad
            prev_loss = loss

            # step length
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / float(np.sum(np.abs(flat_grad)))) * lr
            else:
                t = lr
            gtd = float(flat_grad @ d)
            if gtd > -tolerance_change:
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                if line_search_fn != "strong_wolfe":
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x_init = self._clone_param()

                def obj_func(x: list[Array], t: float, d: Array) -> tuple[float, Array]:
                    return self._directional_evaluate(closure, x, t, d)

                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    obj_func, x_init, t, d, loss, flat_grad, gtd, max_ls=max_eval - current_evals
                )
                self._add_grad(t, d)
                opt_cond = np.max(np.abs(flat_grad)) <= tolerance_grad
            else:
                self._add_grad(t, d)
                if n_iter != max_iter:
                    loss = float(closure())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = np.max(np.abs(flat_grad)) <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            # stopping tests
            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.max(np.abs(d * t)) <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state["d"] = d
        state["t"] = t
        state["old_dirs"] = old_dirs
        state["old_stps"] = old_stps
        state["ro"] = ro
        state["H_diag"] = H_diag
        state["prev_flat_grad"] = prev_flat_grad
        state["prev_loss"] = prev_loss
        return orig_loss
        # END SOLUTION
