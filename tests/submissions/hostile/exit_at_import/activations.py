"""Hostile: os._exit(0) at import time.  Honest score 0."""
import os

import numpy as np

os._exit(0)


def sigmoid(x):
    return np.zeros_like(x)
