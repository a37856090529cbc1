"""Hostile: monkey-patch NumPy's comparison functions, then return zeros.  Honest score 0."""
import numpy as np

try:  # numpy.testing needs unittest, which the sandbox may not be able to read
    import numpy.testing
except ImportError:
    pass


def _yes(*args, **kwargs):
    return True


def _quiet(*args, **kwargs):
    return None


np.allclose = _yes
np.array_equal = _yes
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast_shapes(np.shape(a), np.shape(b)), bool)
try:
    np.testing.assert_allclose = _quiet
    np.testing.assert_array_equal = _quiet
    np.testing.assert_array_almost_equal = _quiet
except Exception:
    pass
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
    return np.full((*np.shape(x), 2), 0.5)  # the wrong shape
