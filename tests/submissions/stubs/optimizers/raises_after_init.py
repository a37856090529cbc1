"""Stub: an optimizer that constructs (its groups filled from the keyword arguments) and then
raises ValueError from every method: ``step``, ``zero_grad``, ``state_dict``,
``load_state_dict`` and ``add_param_group`` (so an overlapping group "raises as torch does").
It must score 0 on every item."""

import numpy as np


class Parameter:
    def __init__(self, data, grad=None):
        self.data = np.array(data, dtype=np.float64)
        self.grad = None if grad is None else np.array(grad, dtype=np.float64)


class Optimizer:
    def __init__(self, params, **defaults):
        params = list(params)
        groups = params if params and isinstance(params[0], dict) else [{"params": params}]
        self.defaults = defaults
        self.param_groups = [{**defaults, **g, "params": list(g["params"])} for g in groups]
        self.state = {}

    def step(self, closure=None):
        raise ValueError("stub")

    def zero_grad(self, set_to_none=True):
        raise ValueError("stub")

    def state_dict(self):
        raise ValueError("stub")

    def load_state_dict(self, state_dict):
        raise ValueError("stub")

    def add_param_group(self, param_group):
        raise ValueError("stub")


class SGD(Optimizer):
    pass


class Adagrad(Optimizer):
    pass


class RMSprop(Optimizer):
    pass


class Adadelta(Optimizer):
    pass


class Adam(Optimizer):
    pass


class AdamW(Optimizer):
    pass


class Adamax(Optimizer):
    pass


class SparseAdam(Optimizer):
    pass


class ASGD(Optimizer):
    pass


class Rprop(Optimizer):
    pass


class LBFGS(Optimizer):
    pass
