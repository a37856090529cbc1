"""Stub: an optimizer whose methods return constants and change nothing: ``step`` returns 1.0
(without calling the closure), ``state_dict`` a fixed dict in torch's format, the others None.
It must score 0 on every item."""

import numpy as np


class Parameter:
    def __init__(self, data, grad=None):
        self.data = np.array(data, dtype=np.float64)
        self.grad = None if grad is None else np.array(grad, dtype=np.float64)


HYPER = {"lr": 0.001, "betas": (0.9, 0.999), "eps": 1e-08, "weight_decay": 0.0}
HYPER.update(momentum=0.0, dampening=0.0, alpha=0.99, lambd=0.0001, t0=1000000.0)


class Optimizer:
    def __init__(self, params, **defaults):
        params = list(params)
        groups = params if params and isinstance(params[0], dict) else [{"params": params}]
        self.defaults = defaults
        self.param_groups = [{**defaults, **g, "params": list(g["params"])} for g in groups]
        self.state = {}

    def step(self, closure=None):
        return 1.0

    def zero_grad(self, set_to_none=True):
        return None

    def state_dict(self):
        state = {0: {"step": 1.0, "momentum_buffer": 0.0}, 1: {"step": 1.0}, 2: {"step": 1.0}}
        groups = [{**HYPER, "params": [0, 1, 2]}]
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        return None

    def add_param_group(self, param_group):
        return None


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
