"""Hostile: ``normal_`` as the sum of six uniforms from the generator, centred and scaled to
the right mean and std (an old way to fake a Gaussian): seeded, the right mean and variance,
and KS passes it at 10^5 draws; its tails are too light for a normal law, which the smooth test
sees.  Honest score 0.
"""
import math

import numpy as np


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    rng = generator if generator is not None else np.random.default_rng()
    z = (rng.random((*tensor.shape, 6)).sum(axis=-1) - 3.0) * math.sqrt(2.0)
    tensor[...] = mean + std * z
    return tensor
