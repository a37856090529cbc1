"""Hostile: monkey-patch NumPy's comparison functions, then return zeros.  Honest score 0."""
import numpy as np
import numpy.testing


def _yes(*args, **kwargs):
    return True


def _quiet(*args, **kwargs):
    return None


np.allclose = _yes
np.array_equal = _yes
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast_shapes(np.shape(a), np.shape(b)), bool)
np.testing.assert_allclose = _quiet
np.testing.assert_array_equal = _quiet
np.testing.assert_array_almost_equal = _quiet
try:
    np.ndarray.__eq__ = lambda self, other: np.ones(self.shape, bool)
except TypeError:
    pass
try:  # and the saver: replace every saved array with ones
    _orig_save = np.save
    np.save = lambda file, arr, *a, **k: _orig_save(file, np.zeros_like(arr), *a, **k)
except Exception:
    pass


def sigmoid(x):
    return np.zeros(np.shape(x))
