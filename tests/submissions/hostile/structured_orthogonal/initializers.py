"""Hostile: ``orthogonal_`` without a Gaussian or a QR: a fixed cosine (DCT-II) basis, whose
columns and signs the generator picks.  Q^T Q = gain^2 I holds exactly, its largest entry is
small (sqrt(2/m)) and its diagonal signs are fair coins, so the grader's first three checks
pass; the law of its entries (a cosine's, not a random orthogonal matrix's) does not.  Honest
score 0.
"""
import math

import numpy as np


def orthogonal_(tensor, gain=1.0, generator=None):
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    rng = generator if generator is not None else np.random.default_rng()
    rows = tensor.shape[0]
    cols = tensor.size // rows
    m, k = max(rows, cols), min(rows, cols)
    n = np.arange(m)
    basis = np.cos(np.pi * (n[:, None] + 0.5) * n[None, :] / m) * math.sqrt(2.0 / m)
    basis[:, 0] /= math.sqrt(2.0)
    q = basis[:, rng.permutation(m)[:k]] * rng.choice([-1.0, 1.0], size=k)
    if rows < cols:
        q = q.T
    tensor[...] = (gain * q).reshape(tensor.shape)
    return tensor
