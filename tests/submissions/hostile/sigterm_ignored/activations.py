"""Hostile: ignore SIGTERM (and SIGINT/SIGHUP) then spin.  Honest score 0."""
import signal

import numpy as np

for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU):
    signal.signal(_sig, signal.SIG_IGN)


def sigmoid(x):
    while True:
        try:
            pass
        except BaseException:
            pass
