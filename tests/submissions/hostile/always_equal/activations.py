"""Hostile: return an object that claims to equal anything.  Honest score 0 (not an ndarray)."""
import numpy as np


class _Everything:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    def __lt__(self, other):
        return False

    __le__ = __ge__ = __eq__
    __gt__ = __lt__

    def __abs__(self):
        return 0.0

    def __sub__(self, other):
        return 0.0

    __rsub__ = __sub__
    __hash__ = object.__hash__


def sigmoid(x):
    return _Everything()
