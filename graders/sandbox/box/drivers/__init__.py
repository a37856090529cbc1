"""Drivers: trusted code that calls the student's functions inside the sandbox.

Each driver defines ``run(module, function, case) -> dict[str, numpy.ndarray]``: it calls the
student's function as the case says and returns what came back, raw.  It decides nothing (every
comparison is the grader's), and uses only names it bound before any student code was imported.
"""

from . import call, init, optim, worked

DRIVERS = {"call": call, "init": init, "optim": optim, "worked": worked}
