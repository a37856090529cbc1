"""What a submission may import: the one list the sandbox, its import guard and the static scan
share.  Standard library only: it is copied into every sandbox session.

The sandbox makes the forbidden packages *unreachable* (the child's view of the file system
holds the standard library and NumPy only); the import guard and the scan are advisory layers
that name an attempt in the report.
"""

from __future__ import annotations

#: Libraries that would do the student's work (autograd, an initializer, a loss, an optimizer),
#: and the course's own code.  Refused by the import guard, flagged by the scan.
SHORTCUTS = frozenset(
    {
        "torch",
        "functorch",
        "jax",
        "jaxlib",
        "tensorflow",
        "keras",
        "scipy",
        "sympy",
        "sklearn",
        "theano",
        "mxnet",
        "paddle",
        "autograd",
        "cupy",
        "numba",
        "reference",
        "graders",
        "tools",
        "student_template",
    }
)

#: Standard-library modules that start processes or reach past the interpreter (a graded
#: function has no use for them).  Refused by the import guard, flagged by the scan.
ESCAPES = frozenset(
    {
        "ctypes",
        "_ctypes",
        "cffi",
        "subprocess",
        "_posixsubprocess",
        "multiprocessing",
        "pty",
        "socket",
        "_socket",
    }
)

#: Every top-level module name the import guard refuses.
FORBIDDEN = SHORTCUTS | ESCAPES

#: What a case's result says when the import guard was found removed after it (an attempt to
#: reach what the guard refuses).
GUARD_REMOVED = "import-guard-removed"

#: Third-party packages the child may import (everything else it sees is the standard library).
ALLOWED_PACKAGES = ("numpy",)


def forbidden(module: str) -> bool:
    """Whether importing ``module`` (a dotted name) is refused."""
    return module.split(".", 1)[0] in FORBIDDEN
