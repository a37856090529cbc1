"""Hostile: a very long sleep in the function.  Honest score 0."""
import time

import numpy as np


def sigmoid(x):
    time.sleep(10**6)
    return np.zeros_like(x)
