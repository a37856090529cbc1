"""Hostile: sys.exit(0) at import time (SystemExit, not an Exception).  Honest score 0."""
import sys

import numpy as np

sys.exit(0)


def sigmoid(x):
    return np.zeros_like(x)
