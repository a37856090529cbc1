"""Planted bugs in the regularisation terms of ``losses`` (``l1_penalty``, ``l2_penalty`` and
their gradients): each loses points on exactly its item, with its reason."""

from __future__ import annotations

from tests.planted_bugs import Bug

L = "losses"
VALUE = "student vs torch"


def _bug(name: str, function: str, source: str, reason: str = VALUE) -> Bug:
    return Bug(name, L, function, source, frozenset({f"{L}.{function}"}), reason)


BUGS: list[Bug] = [
    _bug(
        "l1-penalty-mean-not-sum",
        "l1_penalty",
        """
def l1_penalty(weight, lam):
    w = _floating(weight)
    return np.asarray(lam * np.mean(np.abs(w)), dtype=w.dtype)  # mean |w|, not the sum
""",
    ),
    _bug(
        "l1-penalty-grad-sign-of-zero-is-one",
        "l1_penalty_grad",
        """
def l1_penalty_grad(weight, lam, grad_output=None):
    w = _floating(weight)
    sign = np.where(w >= 0, 1.0, -1.0)  # sign(0) = 1: not torch's subgradient 0
    return np.asarray(lam * sign * _upstream(grad_output, w.shape, "sum"), dtype=w.dtype)
""",
    ),
    _bug(
        "l2-penalty-without-the-half",
        "l2_penalty",
        """
def l2_penalty(weight, lam):
    w = _floating(weight)
    return np.asarray(lam * np.sum(w * w), dtype=w.dtype)  # λ‖w‖², not λ/2 ‖w‖²
""",
    ),
    _bug(
        "l2-penalty-grad-twice-weight-decay",
        "l2_penalty_grad",
        """
def l2_penalty_grad(weight, lam, grad_output=None):
    w = _floating(weight)
    # the gradient of λ‖w‖²: twice what weight_decay=λ adds
    return np.asarray(2 * lam * w * _upstream(grad_output, w.shape, "sum"), dtype=w.dtype)
""",
    ),
]
