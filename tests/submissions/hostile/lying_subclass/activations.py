"""Hostile: an ndarray subclass holding zeros that lies about equality and conversion.

Honest score 0: the values are wrong and the driver accepts only exact numpy.ndarray.
"""
import numpy as np


class Liar(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)

    def __ne__(self, other):
        return np.zeros(np.shape(other), dtype=bool)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.zeros(np.broadcast_shapes(*(np.shape(i) for i in inputs)))

    def __reduce__(self):
        return (np.zeros, (self.shape,))

    def astype(self, *args, **kwargs):
        return self

    def tobytes(self, *args, **kwargs):
        return b""


def sigmoid(x):
    return np.zeros(np.shape(x)).view(Liar)
