"""Hostile: os._exit(0) inside the function (no result, exit status 0).  Honest score 0."""
import os

import numpy as np


def sigmoid(x):
    os._exit(0)
