"""Hostile: ``uniform_`` fills the tensor correctly, then changes its dtype in place
(``tensor.dtype = ...``) to a void, a bytes, a datetime or a unicode type of the same size, one
per call, so the driver hands back an array of that dtype.  (In the grader's earlier design a
void dtype raised a TypeError in the check: exit 1, no report.)  Honest score 0, and the
grading goes on.
"""
import warnings

import numpy as np

_calls = []


def _kinds(size):
    return [f"V{size}", f"S{size}", "M8[D]" if size == 8 else f"V{size}", f"U{size // 4}"]


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    k = len(_calls)
    _calls.append(k)
    rng = generator if generator is not None else np.random.default_rng()
    tensor[...] = rng.uniform(a, b, size=tensor.shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kinds = _kinds(tensor.dtype.itemsize)
        tensor.dtype = np.dtype(kinds[k % len(kinds)])
    return tensor
