"""Hostile: write forged progress lines ("S k" / "D k") on the worker's progress pipe to push its
deadline back while sleeping, and flood the pipe with an endless line.  Honest score 0 (it never
returns); the grading must still end in bounded time.
"""
import os
import time

import numpy as np


def _forge(fd):
    t0 = time.monotonic()
    k = 0
    while True:
        try:
            os.write(fd, f"S {k % 3}\nD {k % 3}\nS 0\n".encode())
            if time.monotonic() - t0 > 1:
                os.write(fd, b"9" * 65536)  # and an endless, never-terminated line
        except OSError:
            time.sleep(0.01)
        k += 1
        time.sleep(0.001)


def sigmoid(x):
    for fd in range(3, 16):
        try:
            os.fstat(fd)
        except OSError:
            continue
        _forge(fd)
    time.sleep(10**6)
