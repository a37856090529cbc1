"""Hostile: an infinite loop inside the function.  Honest score 0 (every case times out)."""
import numpy as np


def sigmoid(x):
    while True:
        pass
