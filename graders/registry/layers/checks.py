"""The check of ``linear_grad`` and ``conv2d_grad``: a tuple ``(grad_input, grad_weight,
grad_bias)`` whose ``grad_bias`` is ``None`` exactly when the call has no bias.

``None`` crosses the sandbox's wire as a missing output (the ``call`` driver's ``optional``
names): where torch has no bias gradient (the case's ``data["none"]``), the student must return
``None``; where it has one, a missing ``grad_bias`` means the student returned ``None``.  Then
every gradient is compared with torch's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from graders.judge import Verdict, check_allclose


def check_grads(
    expected: dict[str, Any],
    got: dict[str, np.ndarray],
    tol: str,
    device: str,
    case_data: dict[str, Any],
) -> Verdict:
    """``None`` where the call has no bias, an array where it has one, every value torch's."""
    for name in case_data.get("none", ()):
        if name in got:
            return Verdict(
                False, f"{name}: returned an array, expected None (the call passes no bias)"
            )
    for name in case_data.get("optional", ()):
        if name in expected and name not in got:
            shape = tuple(np.shape(expected[name]))
            return Verdict(
                False, f"{name}: returned None, expected the bias's gradient of shape {shape}"
            )
    return check_allclose(expected, got, tol, device, case_data)
