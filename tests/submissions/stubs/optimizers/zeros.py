"""Stub: an optimizer that sets every parameter to zeros.  ``step`` evaluates the closure,
zeroes every parameter in place and returns the loss; the state stays empty; ``state_dict``
saves a zero step per parameter; the other methods do nothing.  It must score 0 on every item."""

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

    def _params(self):
        return [p for g in self.param_groups for p in g["params"]]

    def step(self, closure=None):
        loss = None if closure is None else closure()
        for p in self._params():
            p.data[...] = 0.0
        return loss

    def zero_grad(self, set_to_none=True):
        pass

    def state_dict(self):
        state = {i: {"step": 0.0} for i in range(len(self._params()))}
        return {"state": state, "param_groups": [{"params": []}]}

    def load_state_dict(self, state_dict):
        pass

    def add_param_group(self, param_group):
        pass


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
