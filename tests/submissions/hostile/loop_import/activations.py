"""Hostile: an infinite loop at import time.  Honest score 0."""
import numpy as np

while True:
    pass


def sigmoid(x):
    return np.zeros_like(x)
