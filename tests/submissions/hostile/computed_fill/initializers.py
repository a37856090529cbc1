"""Hostile: ``uniform_`` draws one number from the generator and computes the rest: a Weyl
(golden-ratio) sequence from that start.  Another seed gives another array and the same seed
the same one, at every size, so the generator checks pass; the values fit U(a, b) far closer
than random draws ever do.  Honest score 0.
"""
import numpy as np

GOLDEN = 0.6180339887498949


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    rng = generator if generator is not None else np.random.default_rng()
    start = rng.random()
    u = np.modf(start + GOLDEN * np.arange(tensor.size))[0]
    tensor[...] = (a + (b - a) * u).reshape(tensor.shape)
    return tensor
