"""Child-side drivers: trusted code that calls the student's functions inside the sandbox.

Each driver is a standalone file (standard library and NumPy only) loaded by path in the
worker child, defining ``run(module, function, case) -> dict[str, numpy.ndarray]``.  ``case``
arrives decoded (arrays, tuples, floats); the returned arrays are saved as ``.npy`` and are the
only thing the grader sees.  Add a driver to grade a new kind of task; the engine stays as it is.
"""
