"""Errata of the course notes (``shared/seeds/``), each backed by an executable check.

Every :class:`Erratum` carries three callables:

- ``notes_version()``: what the notes' formula, code or claim gives, evaluated as written;
- ``correct_version()``: the corrected formula or code (NumPy, independent of torch);
- ``oracle()``: the truth, from torch 2.13 (float64) wherever torch has a say, otherwise from
  exact math (enumeration, autograd of the defining expression).

:func:`demonstrate` returns ``(notes_value, correct_value, oracle_value)`` and :func:`check`
says whether the notes disagree with the oracle while the correction agrees. Values are
floats, arrays, bools, strings, sets or tuples of those; :func:`agree` compares them.

:data:`ERRATA` are the notes' mistakes. :data:`DIFFERS_FROM_TORCH` are statements that were
right for the torch the notes were written for (a default that changed later, torch's own
documentation of the time) or follow a textbook convention, and differ from torch 2.13: the
same check holds for them (the notes' version differs from torch, the torch version agrees),
but they are not errors of the notes. Each entry quotes the notes verbatim (``quote``).

This is instructor tooling, never graded: it imports torch lazily, inside the oracles (and in
the few notes' versions that are themselves torch calls), so importing the module is cheap.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from graders import notes

__all__ = [
    "DIFFERS_FROM_TORCH",
    "ERRATA",
    "Erratum",
    "Kind",
    "agree",
    "by_id",
    "check",
    "demonstrate",
]

Kind = Literal["formula", "code", "torch-claim", "number", "claim"]

SEED_000 = "000_0fa82a6dc0641123.txt"
SEED_001 = "001_3dc55db402aa83d9.txt"
SEED_002 = "002_7fac2f2423e2bca7.txt"
SEED_003 = "003_ccf34248aa04a675.txt"
SEED_004 = "004_3b9df9d3af197d22.txt"


@dataclass(frozen=True)
class Erratum:
    """One mistake in the notes: where it is, what it says, what is right, and its check.

    ``rtol``/``atol`` are the tolerances :func:`agree` uses for this erratum's numbers (loose
    only where the oracle is a sample statistic or the notes print few decimals). ``quote``
    holds the notes' text verbatim (excerpts of the seed, as the seed has them); ``location``
    says where it is and renders it readably.
    """

    id: str
    seed: str
    location: str
    claim: str
    correction: str
    kind: Kind
    verified_by: str
    notes_version: Callable[[], Any] = field(repr=False, compare=False)
    correct_version: Callable[[], Any] = field(repr=False, compare=False)
    oracle: Callable[[], Any] = field(repr=False, compare=False)
    rtol: float = 1e-7
    atol: float = 1e-9
    quote: tuple[str, ...] = ()


def agree(a: Any, b: Any, *, rtol: float = 1e-7, atol: float = 1e-9) -> bool:
    """Whether two demonstration values agree.

    Tuples and lists agree elementwise (same length); bools, strings and sets must be equal
    (and of the same kind); anything else is numeric: same shape and ``np.allclose`` with
    ``equal_nan=False`` (so a nan never agrees; ``inf`` agrees with ``inf`` of the same sign).
    """
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        return len(a) == len(b) and all(
            agree(x, y, rtol=rtol, atol=atol) for x, y in zip(a, b, strict=True)
        )
    exact = (bool, np.bool_, str, frozenset, set)
    if isinstance(a, exact) or isinstance(b, exact):
        if isinstance(a, bool | np.bool_) or isinstance(b, bool | np.bool_):
            return isinstance(a, bool | np.bool_) and isinstance(b, bool | np.bool_) and a == b
        return type(a) is type(b) and a == b
    try:
        x = np.asarray(a, dtype=np.float64)
        y = np.asarray(b, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return x.shape == y.shape and bool(np.allclose(x, y, rtol=rtol, atol=atol, equal_nan=False))


def demonstrate(erratum: Erratum) -> tuple[Any, Any, Any]:
    """``(notes_value, correct_value, oracle_value)`` for one erratum."""
    return erratum.notes_version(), erratum.correct_version(), erratum.oracle()


def check(erratum: Erratum) -> bool:
    """True when the notes' version disagrees with the oracle and the correction agrees."""
    notes, correct, truth = demonstrate(erratum)
    tol = {"rtol": erratum.rtol, "atol": erratum.atol}
    return (not agree(notes, truth, **tol)) and agree(correct, truth, **tol)


def by_id(erratum_id: str) -> Erratum:
    """The erratum (or difference from torch) with this id (KeyError when there is none)."""
    for e in (*ERRATA, *DIFFERS_FROM_TORCH):
        if e.id == erratum_id:
            return e
    raise KeyError(erratum_id)


# ---------------------------------------------------------------------------------------------
# small shared helpers (torch imported lazily)
# ---------------------------------------------------------------------------------------------


def _torch() -> Any:
    import torch

    return torch


def _t(x: Any) -> Any:
    """A float64 torch tensor (copied) from array-like ``x``."""
    torch = _torch()
    return torch.tensor(np.asarray(x, dtype=np.float64), dtype=torch.float64)


def _np(t: Any) -> np.ndarray:
    return np.asarray(t.detach().cpu().numpy(), dtype=np.float64).copy()


def _sigmoid(x: Any) -> Any:
    x = np.asarray(x, dtype=np.float64)
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # overflow-free logistic


def _softmax(x: Any, axis: int = -1) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _torch_optim_trajectory(
    name: str, kwargs: dict[str, Any], w0: Any, steps: int, grads: Any = None
) -> np.ndarray:
    """Parameters after each of ``steps`` torch.optim steps (float64, foreach=False).

    The gradient is that of f(w) = ½‖w‖² (so g = w, by autograd) unless a fixed sequence of
    ``grads`` is given.
    """
    torch = _torch()
    p = _t(w0).requires_grad_(True)
    opt = getattr(torch.optim, name)([p], foreach=False, **kwargs)
    out = []
    for k in range(steps):
        opt.zero_grad()
        if grads is None:
            (0.5 * (p**2).sum()).backward()
        else:
            p.grad = _t(grads[k])
        opt.step()
        out.append(_np(p))
    return np.stack(out)


# ---------------------------------------------------------------------------------------------
# seed 000: weight initialisation, losses, optimizers (deepshare week 4)
# ---------------------------------------------------------------------------------------------

# X and Y independent, each uniform on {0, 2}: mean 1, variance 1.
_PM_VALUES = np.array([0.0, 2.0])


def _var_product_notes() -> float:
    d = float(np.var(_PM_VALUES))
    return d * d  # D(XY) = D(X) D(Y)


def _var_product_correct() -> float:
    d, m = float(np.var(_PM_VALUES)), float(np.mean(_PM_VALUES))
    return d * d + d * m**2 + d * m**2  # D(X)D(Y) + D(X)E(Y)² + D(Y)E(X)²


def _var_product_oracle() -> float:
    torch = _torch()
    v = _t(_PM_VALUES)
    outcomes = torch.outer(v, v).flatten()  # the 4 equally likely values of XY
    return float(torch.var(outcomes, correction=0))


_N_INPUTS = 4


def _var_sum_notes() -> float:
    # Σ_{i=0}^{n} D(X_i) D(W_1i) with unit variances: one term per index 0, 1, ..., n
    return float(sum(1.0 * 1.0 for _ in range(_N_INPUTS + 1)))


def _var_sum_correct() -> float:
    return float(sum(1.0 * 1.0 for _ in range(1, _N_INPUTS + 1)))


def _var_sum_oracle() -> float:
    # n inputs and n weights, all independent Rademacher (mean 0, variance 1): enumerate all
    # 2^(2n) equally likely sign patterns of H = Σ X_i W_i exactly.
    torch = _torch()
    signs = torch.tensor([-1.0, 1.0], dtype=torch.float64)
    grid = torch.cartesian_prod(*([signs] * (2 * _N_INPUTS)))
    h = (grid[:, :_N_INPUTS] * grid[:, _N_INPUTS:]).sum(dim=1)
    return float(torch.var(h, correction=0))


_KL_P = np.array([0.2, 0.5, 0.3])
_KL_LOGITS = np.array([1.0, 2.0, 0.5])


def _kl_parts() -> tuple[float, float, float]:
    q = _softmax(_KL_LOGITS)
    h_p = float(-np.sum(_KL_P * np.log(_KL_P)))
    h_pq = float(-np.sum(_KL_P * np.log(q)))
    d_kl = float(np.sum(_KL_P * (np.log(_KL_P) - np.log(q))))
    return h_p, h_pq, d_kl


def _kl_notes() -> float:
    h_p, h_pq, _ = _kl_parts()
    return h_pq - h_p  # the chain's last line: H(P,Q) = H(P,Q) - H(P)


def _kl_correct() -> float:
    h_p, _, d_kl = _kl_parts()
    return d_kl + h_p  # H(P,Q) = D_KL(P,Q) + H(P)


def _kl_oracle() -> float:
    torch = _torch()
    # cross entropy with probability targets: -Σ P log softmax(logits) = H(P, Q)
    return float(torch.nn.functional.cross_entropy(_t(_KL_LOGITS)[None], _t(_KL_P)[None]))


_BCE_NOTES_KWARGS = {"weight": None, "ignore_index": -100, "reduction": "mean"}
_BCEL_NOTES_KWARGS = {**_BCE_NOTES_KWARGS, "pos_weight": None}


def _bce_kwargs_notes() -> tuple[frozenset[str], frozenset[str]]:
    return frozenset(_BCE_NOTES_KWARGS), frozenset(_BCEL_NOTES_KWARGS)


def _bce_kwargs_correct() -> tuple[frozenset[str], frozenset[str]]:
    return (
        frozenset({"weight", "reduction"}),
        frozenset({"weight", "reduction", "pos_weight"}),
    )


def _accepted(cls: Any, candidates: dict[str, Any]) -> frozenset[str]:
    ok = set()
    for name, value in candidates.items():
        try:
            cls(**{name: value})
        except TypeError:
            continue
        ok.add(name)
    return frozenset(ok)


def _bce_kwargs_oracle() -> tuple[frozenset[str], frozenset[str]]:
    nn = _torch().nn
    return (
        _accepted(nn.BCELoss, _BCE_NOTES_KWARGS),
        _accepted(nn.BCEWithLogitsLoss, _BCEL_NOTES_KWARGS),
    )


# torch's documented examples for the two margin losses
_MM_X = np.array([[0.1, 0.2, 0.4, 0.8]])
_MM_Y = np.array([3])
_MLM_Y = np.array([[3, 0, -1, 1]])


def _multilabel_targets(row: np.ndarray) -> list[int]:
    out = []
    for j in row:
        if j < 0:
            break
        out.append(int(j))
    return out


def _multilabel_margin_notes() -> float:
    # Σ_ij max(0, 1 - (x[y[j]] - x[i])) / x.size(0) with i over *all* classes
    x, targets = _MM_X[0], _multilabel_targets(_MLM_Y[0])
    total = sum(max(0.0, 1.0 - (x[j] - x[i])) for j in targets for i in range(x.size))
    return float(total / x.size)


def _multilabel_margin_correct() -> float:
    x, targets = _MM_X[0], _multilabel_targets(_MLM_Y[0])
    others = [i for i in range(x.size) if i not in targets]
    total = sum(max(0.0, 1.0 - (x[j] - x[i])) for j in targets for i in others)
    return float(total / x.size)


def _multilabel_margin_oracle() -> float:
    torch = _torch()
    y = torch.tensor(_MLM_Y, dtype=torch.long)
    return float(torch.nn.functional.multilabel_margin_loss(_t(_MM_X), y))


def _multi_margin_notes() -> float:
    x, y = _MM_X[0], int(_MM_Y[0])
    return float(sum(max(0.0, 1.0 - x[y] + x[i]) for i in range(x.size)) / x.size)


def _multi_margin_correct() -> float:
    x, y = _MM_X[0], int(_MM_Y[0])
    return float(sum(max(0.0, 1.0 - x[y] + x[i]) for i in range(x.size) if i != y) / x.size)


def _multi_margin_oracle() -> float:
    torch = _torch()
    y = torch.tensor(_MM_Y, dtype=torch.long)
    return float(torch.nn.functional.multi_margin_loss(_t(_MM_X), y))


_MR_N = 4


def _margin_ranking_shape_notes() -> tuple[int, ...]:
    return (_MR_N, _MR_N)  # "返回一个n*n的loss矩阵"


def _margin_ranking_shape_correct() -> tuple[int, ...]:
    return (_MR_N,)  # one loss per pair (x1[n], x2[n], y[n])


def _margin_ranking_shape_oracle() -> tuple[int, ...]:
    torch = _torch()
    x1 = _t(np.linspace(-1.0, 1.0, _MR_N))
    x2 = _t(np.linspace(1.0, -1.0, _MR_N))
    y = _t(np.ones(_MR_N))
    loss = torch.nn.functional.margin_ranking_loss(x1, x2, y, reduction="none")
    return tuple(int(s) for s in loss.shape)


def _ctc_notes() -> float:
    return 0.0  # the comment on reduction='mean': infinite losses/gradients are set to 0


def _ctc_correct() -> float:
    # an alignment of 2 target labels in 1 time step is impossible: -log 0 = inf, kept as
    # inf unless zero_infinity=True ('mean' divides by the target length: still inf)
    return math.inf


def _ctc_oracle() -> float:
    torch = _torch()
    log_probs = torch.log_softmax(_t(np.zeros((1, 1, 3))), dim=-1)  # (T=1, N=1, C=3)
    loss = torch.nn.functional.ctc_loss(
        log_probs,
        torch.tensor([[1, 2]]),
        torch.tensor([1]),
        torch.tensor([2]),
        reduction="mean",
    )
    return float(loss)


def _sgd_lr_notes() -> str | float:
    return "required"  # "lr=<object object>": no default


def _sgd_lr_correct() -> str | float:
    return 1e-3


def _sgd_lr_oracle() -> str | float:
    torch = _torch()
    p = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    try:
        opt = torch.optim.SGD([p])
    except (TypeError, ValueError):
        return "required"
    return float(opt.param_groups[0]["lr"])


_SGD_W0 = np.array([1.0, -2.0])
_SGD_KW = {"lr": 0.1, "momentum": 0.9, "dampening": 0.5}


def _sgd_numpy(*, dampening_as_l2: bool) -> np.ndarray:
    lr, mu, tau = _SGD_KW["lr"], _SGD_KW["momentum"], _SGD_KW["dampening"]
    w, buf, out = _SGD_W0.copy(), None, []
    for _ in range(3):
        g = w.copy()  # gradient of ½‖w‖²
        if dampening_as_l2:  # the notes: dampening is "the L2 regularisation coefficient"
            g = g + tau * w
            buf = g if buf is None else mu * buf + g
        else:  # torch: b_1 = g_1, b_t = μ b_{t-1} + (1 - τ) g_t
            buf = g if buf is None else mu * buf + (1.0 - tau) * g
        w = w - lr * buf
        out.append(w.copy())
    return np.stack(out)


def _sgd_dampening_oracle() -> np.ndarray:
    return _torch_optim_trajectory("SGD", dict(_SGD_KW), _SGD_W0, 3)


# ---------------------------------------------------------------------------------------------
# seed 001: activations, optimizers, initialisation (CNU "训练-1" slides)
# ---------------------------------------------------------------------------------------------

_GATE_A = np.array([0, 0, 1, 1])
_GATE_B = np.array([0, 1, 0, 1])


def _gate_notes() -> np.ndarray:
    return (_GATE_A == _GATE_B).astype(np.float64)  # XNOR, the gate the slide names


def _gate_correct() -> np.ndarray:
    return (_GATE_A != _GATE_B).astype(np.float64)  # XOR (异或)


def _gate_oracle() -> np.ndarray:
    torch = _torch()
    a = torch.tensor(_GATE_A, dtype=torch.bool)
    b = torch.tensor(_GATE_B, dtype=torch.bool)
    return _np(torch.logical_xor(a, b).to(torch.float64))  # = the printed Y column 0 1 1 0


def _notes_softmax(x: np.ndarray) -> np.ndarray:
    """The slide's ``softmax``, verbatim (its in-place updates included)."""
    orig_shape = x.shape
    if len(x.shape) > 1:
        # Matrix
        # shift max within each row
        constant_shift = np.max(x, axis=1).reshape(1, -1)
        x -= constant_shift
        x = np.exp(x)
        normlize = np.sum(x, axis=1).reshape(1, -1)
        x /= normlize
    else:
        # vector
        constant_shift = np.max(x)
        x -= constant_shift
        x = np.exp(x)
        normlize = np.sum(x)
        x /= normlize
    assert x.shape == orig_shape
    return x


_SM_MATRIX = np.array([[1.0, 2.0, 3.0], [1.0, 5.0, 1.0], [0.0, 0.0, 9.0]])


def _softmax_matrix_notes() -> tuple[np.ndarray, bool]:
    x = _SM_MATRIX.copy()
    out = _notes_softmax(x)
    return out, bool(np.array_equal(x, _SM_MATRIX))


def _softmax_matrix_correct() -> tuple[np.ndarray, bool]:
    x = _SM_MATRIX.copy()
    shifted = x - np.max(x, axis=1, keepdims=True)  # reshape(-1, 1), on a new array
    e = np.exp(shifted)
    out = e / np.sum(e, axis=1, keepdims=True)
    return out, bool(np.array_equal(x, _SM_MATRIX))


def _softmax_matrix_oracle() -> tuple[np.ndarray, bool]:
    torch = _torch()
    t = _t(_SM_MATRIX)
    out = torch.softmax(t, dim=1)
    return _np(out), bool(torch.equal(t, _t(_SM_MATRIX)))


_SM_BIG = np.array([1000.0, 1000.0, 999.0])


def _notes_softmax_list(x: np.ndarray) -> np.ndarray:
    """The slide's ``softmax_list``, verbatim."""
    exp_v = np.exp(x)
    return exp_v / np.sum(exp_v)


def _softmax_list_notes() -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        return _notes_softmax_list(_SM_BIG.copy())


def _softmax_list_correct() -> np.ndarray:
    exp_v = np.exp(_SM_BIG - np.max(_SM_BIG))
    return exp_v / np.sum(exp_v)


def _softmax_list_oracle() -> np.ndarray:
    return _np(_torch().softmax(_t(_SM_BIG), dim=0))


_SM_VEC = np.array([2.0, 1.0, 0.1])


def _notes_softmax_grad(x: np.ndarray) -> np.ndarray:
    """The slide's ``softmax_grad``, verbatim."""
    softmax_v = _notes_softmax_list(x)
    gradients = np.zeros(np.shape(x))
    for i in range(len(x)):
        for j in range(len(softmax_v)):
            if i == j:
                gradients[i] = softmax_v[i] * (1 - softmax_v[j])
            else:
                gradients[i] = -softmax_v[j] * softmax_v[i]
    return gradients


def _softmax_grad_notes() -> np.ndarray:
    return _notes_softmax_grad(_SM_VEC.copy())


def _softmax_grad_correct() -> np.ndarray:
    s = _softmax(_SM_VEC)
    return np.diag(s) - np.outer(s, s)  # J[i, j] = s_i (δ_ij - s_j)


def _softmax_grad_oracle() -> np.ndarray:
    torch = _torch()
    jac = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, dim=0), _t(_SM_VEC))
    return _np(jac)


_LR_X = np.array([-2.0, 0.0, 3.0])
_LR_ALPHA = 0.1


def _notes_leaky_relu_grad(x: np.ndarray, alpha: float) -> np.ndarray:
    """The slide's ``leaky_relu_grad``, verbatim."""
    y = x.copy()
    alpha_y = alpha * y
    y[x < alpha_y] = alpha
    y[x > alpha_y] = 1
    return y


def _leaky_grad_notes() -> np.ndarray:
    return _notes_leaky_relu_grad(_LR_X.copy(), _LR_ALPHA)


def _leaky_grad_correct() -> np.ndarray:
    return np.where(_LR_X > 0, 1.0, _LR_ALPHA)


def _leaky_grad_oracle() -> np.ndarray:
    torch = _torch()
    x = _t(_LR_X).requires_grad_(True)
    torch.nn.functional.leaky_relu(x, negative_slope=_LR_ALPHA).sum().backward()
    return _np(x.grad)


_SLIDE_SNIPPET = "m = nn.ReLU()\nin = torch.randn(2)\noutput = m(in)\n"
_FIXED_SNIPPET = "m = nn.ReLU()\ninput = torch.randn(2)\noutput = m(input)\n"


def _run_snippet(code: str) -> str | tuple[int, ...]:
    """Run a slide's snippet with ``torch`` and ``nn`` in scope: the output's shape, or the
    name of the exception it raises (a SyntaxError is raised before anything runs)."""
    torch = _torch()
    scope: dict[str, Any] = {"torch": torch, "nn": torch.nn}
    try:
        exec(compile(code, "<slide>", "exec"), scope)
    except Exception as exc:
        return type(exc).__name__
    return tuple(int(d) for d in scope["output"].shape)


def _snippet_notes() -> str | tuple[int, ...]:
    return _run_snippet(_SLIDE_SNIPPET)


def _snippet_correct() -> str | tuple[int, ...]:
    return _run_snippet(_FIXED_SNIPPET)


def _snippet_oracle() -> str | tuple[int, ...]:
    torch = _torch()
    return tuple(int(d) for d in torch.nn.ReLU()(torch.zeros(2)).shape)


# f(w) = ½‖w‖², so g = w; the first coordinate has a tiny gradient where eps matters.
_ADAPT_W0 = np.array([1e-6, 0.5, -2.0])


def _adagrad_numpy(*, eps_inside: bool) -> np.ndarray:
    lr, eps = 0.01, 1e-10  # torch's defaults
    w, g_sum, out = _ADAPT_W0.copy(), np.zeros_like(_ADAPT_W0), []
    for _ in range(3):
        g = w.copy()
        g_sum = g_sum + g * g  # G: elementwise sum of squared gradients
        denom = np.sqrt(g_sum + eps) if eps_inside else np.sqrt(g_sum) + eps
        w = w - lr * g / denom
        out.append(w.copy())
    return np.stack(out)


def _adagrad_oracle() -> np.ndarray:
    return _torch_optim_trajectory("Adagrad", {}, _ADAPT_W0, 3)


def _rmsprop_numpy(*, eps_inside: bool) -> np.ndarray:
    lr, alpha, eps = 0.01, 0.99, 1e-8  # torch's defaults
    w, sq, out = _ADAPT_W0.copy(), np.zeros_like(_ADAPT_W0), []
    for _ in range(3):
        g = w.copy()
        sq = alpha * sq + (1 - alpha) * g * g
        denom = np.sqrt(sq + eps) if eps_inside else np.sqrt(sq) + eps
        w = w - lr * g / denom
        out.append(w.copy())
    return np.stack(out)


def _rmsprop_oracle() -> np.ndarray:
    return _torch_optim_trajectory("RMSprop", {}, _ADAPT_W0, 3)


def _adam_numpy(*, eps_inside: bool = False, stale_moments: bool = False) -> np.ndarray:
    """Adam on ½‖w‖² with torch's defaults (lr 1e-3, betas (0.9, 0.999), eps 1e-8).

    ``stale_moments``: the update at step t+1 uses m̂_t, v̂_t (the notes' indices), with the
    0/0 of m̂_0 read as 0 (no move at the first step).
    """
    lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-8
    w = _ADAPT_W0.copy()
    m, v = np.zeros_like(w), np.zeros_like(w)
    m_hat_prev, v_hat_prev = np.zeros_like(w), np.zeros_like(w)
    out = []
    for t in range(1, 4):
        g = w.copy()
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        mu, nu = (m_hat_prev, v_hat_prev) if stale_moments else (m_hat, v_hat)
        denom = np.sqrt(nu + eps) if eps_inside else np.sqrt(nu) + eps
        w = w - lr * mu / denom
        m_hat_prev, v_hat_prev = m_hat, v_hat
        out.append(w.copy())
    return np.stack(out)


def _adam_oracle() -> np.ndarray:
    return _torch_optim_trajectory("Adam", {}, _ADAPT_W0, 3)


def _adam_eps_value_notes() -> float:
    return float("10E-8")  # as printed: 10E-8 = 1e-7


def _adam_eps_value_correct() -> float:
    return 1e-8


def _adam_eps_value_oracle() -> float:
    torch = _torch()
    opt = torch.optim.Adam([torch.zeros(1, requires_grad=True)])
    return float(opt.defaults["eps"])


_MAX_KW = {"lr": 0.1, "weight_decay": 0.5, "maximize": True}
_MAX_W0, _MAX_G = np.array([1.0, -0.5]), np.array([[2.0, 1.0]])


def _sgd_maximize_numpy(*, negate_first: bool) -> np.ndarray:
    lr, wd = _MAX_KW["lr"], _MAX_KW["weight_decay"]
    w, g = _MAX_W0.copy(), _MAX_G[0].copy()
    if negate_first:  # torch 2.13: g ← -∇f, then g ← g + λθ, then θ ← θ - γ g
        return np.stack([w - lr * (-g + wd * w)])
    # the slide: g ← ∇f + λθ, then θ ← θ + γ g (weight decay pushes the weights outwards)
    return np.stack([w + lr * (g + wd * w)])


def _sgd_maximize_oracle() -> np.ndarray:
    return _torch_optim_trajectory("SGD", dict(_MAX_KW), _MAX_W0, 1, _MAX_G)


_AMS_GRADS = np.array([[10.0], [0.1], [0.1]])
_AMS_W0 = np.array([1.0])


def _amsgrad_numpy(*, max_of_corrected: bool) -> np.ndarray:
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    w = _AMS_W0.copy()
    m, v, v_max = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
    out = []
    for t, g in enumerate(_AMS_GRADS, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1**t)
        if max_of_corrected:  # the notes: v̂_max ← max(v̂_max, v̂_t)
            v_max = np.maximum(v_max, v / (1 - b2**t))
            v_hat = v_max
        else:  # torch 2.13: v_max ← max(v_max, v_t); v̂_t ← v_max / (1 - β2^t)
            v_max = np.maximum(v_max, v)
            v_hat = v_max / (1 - b2**t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(w.copy())
    return np.stack(out)


def _amsgrad_oracle() -> np.ndarray:
    return _torch_optim_trajectory("Adam", {"lr": 0.1, "amsgrad": True}, _AMS_W0, 3, _AMS_GRADS)


_LIN_IN, _LIN_OUT = 1000, 50


def _default_init_notes() -> float:
    return math.sqrt(6.0 / (_LIN_IN + _LIN_OUT))  # xavier_uniform_'s bound


def _default_init_correct() -> float:
    # kaiming_uniform_(a=√5): gain √(2/(1+5)) = 1/√3, bound gain·√(3/fan_in) = 1/√fan_in
    return 1.0 / math.sqrt(_LIN_IN)


def _default_init_oracle() -> float:
    torch = _torch()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        layer = torch.nn.Linear(_LIN_IN, _LIN_OUT)
    return float(layer.weight.detach().abs().max())  # 50 000 draws: max ≈ the bound


_MSRA_SHAPE = (1000, 500)  # fan_in = 500


def _msra_notes() -> float:
    return math.sqrt(1.0 / _MSRA_SHAPE[1])


def _msra_correct() -> float:
    return math.sqrt(2.0 / _MSRA_SHAPE[1])


def _msra_oracle() -> float:
    torch = _torch()
    w = torch.empty(_MSRA_SHAPE, dtype=torch.float64)
    gen = torch.Generator().manual_seed(0)
    torch.nn.init.kaiming_normal_(w, mode="fan_in", nonlinearity="relu", generator=gen)
    return float(w.std())


# ---------------------------------------------------------------------------------------------
# seed 002: initialisation and losses ("神经网络-part3")
# ---------------------------------------------------------------------------------------------

_SYM_X = np.array(
    [
        [0.5, -1.0, 0.3, 0.8, -0.2, 1.1],
        [-0.7, 0.4, 0.9, -1.3, 0.6, 0.2],
        [1.5, 0.1, -0.4, 0.7, -0.9, -0.6],
    ]
)
_SYM_T = np.array([[0.3], [-0.5], [1.0]])


def _symmetry_notes() -> bool:
    return True  # "全零/常数初始化 ... 缺点: 对称性破坏": symmetry gets broken


def _symmetry_correct() -> bool:
    # with W1 = c·1 every hidden unit computes the same h = tanh(c Σ x); with W2 = d·1 each
    # receives the same upstream gradient, so the rows of ∂L/∂W1 are equal: nothing breaks
    # the symmetry.
    c, d = 0.77, 0.5
    h = np.tanh(c * _SYM_X.sum(axis=1, keepdims=True) * np.ones((1, 4)))
    out = h @ (d * np.ones((4, 1)))
    dz = (2.0 / out.size) * (out - _SYM_T) @ (d * np.ones((1, 4))) * (1 - h**2)
    grad_w1 = dz.T @ _SYM_X
    return not bool(np.allclose(grad_w1, grad_w1[:1]))


def _symmetry_oracle() -> bool:
    torch = _torch()
    nn = torch.nn
    l1, l2 = nn.Linear(6, 4).double(), nn.Linear(4, 1).double()
    nn.init.constant_(l1.weight, 0.77)
    nn.init.zeros_(l1.bias)
    nn.init.constant_(l2.weight, 0.5)
    nn.init.zeros_(l2.bias)
    loss = nn.functional.mse_loss(l2(torch.tanh(l1(_t(_SYM_X)))), _t(_SYM_T))
    loss.backward()
    g = l1.weight.grad
    return not bool(torch.allclose(g, g[:1].expand_as(g)))


_CE = notes.example("cross-entropy-two-samples")  # the notes' numbers: graders/notes.py
_CE_LOGITS: np.ndarray = _CE.data["logits"]
_CE_LABELS: np.ndarray = _CE.data["labels"]


def _ce_value_notes() -> np.ndarray:
    return _CE.value("log_softmax_true")  # "对应的softmax值是-0.6041; 2是-0.6803"


def _ce_value_correct() -> np.ndarray:
    p = _softmax(_CE_LOGITS, axis=1)
    return p[np.arange(2), _CE_LABELS]  # 0.5466, 0.5064; their logs are -0.6041, -0.6803


def _ce_value_oracle() -> np.ndarray:
    torch = _torch()
    p = torch.softmax(_t(_CE_LOGITS), dim=1)
    return _np(p[torch.arange(2), torch.tensor(_CE_LABELS)])


# ---------------------------------------------------------------------------------------------
# seed 003: gradients ("深度学习与PyTorch笔记12")
# ---------------------------------------------------------------------------------------------

_RELU_X = np.array([-2.0, 0.0, 0.5, 3.0])


def _relu_deriv_notes() -> np.ndarray:
    return np.where(_RELU_X < 0, 0.0, _RELU_X)  # f'(x) = 0 (x < 0), x (x ≥ 0)


def _relu_deriv_correct() -> np.ndarray:
    return np.where(_RELU_X > 0, 1.0, 0.0)  # torch's convention f'(0) = 0


def _relu_deriv_oracle() -> np.ndarray:
    torch = _torch()
    x = _t(_RELU_X).requires_grad_(True)
    torch.relu(x).sum().backward()
    return _np(x.grad)


_MSE_X = np.array([1.0, 2.0, 3.0])
_MSE_Y = np.array([2.0, 3.0, 5.0])
_MSE_W, _MSE_B = 0.5, 0.1


def _mse_sign_notes() -> float:
    f = _MSE_X * _MSE_W + _MSE_B
    return float(2.0 * np.sum((_MSE_Y - f) * _MSE_X))  # 2 Σ [y - f] ∇f


def _mse_sign_correct() -> float:
    f = _MSE_X * _MSE_W + _MSE_B
    return float(-2.0 * np.sum((_MSE_Y - f) * _MSE_X))  # 2 Σ [f - y] ∇f


def _mse_sign_oracle() -> float:
    torch = _torch()
    w = torch.tensor(_MSE_W, dtype=torch.float64, requires_grad=True)
    loss = ((_t(_MSE_Y) - (_t(_MSE_X) * w + _MSE_B)) ** 2).sum()
    (g,) = torch.autograd.grad(loss, [w])
    return float(g)


_AG_X, _AG_W, _AG_B, _AG_Y = 2.0, 1.0, 0.0, 1.0


def _autograd_target_notes() -> float:
    torch = _torch()
    w = torch.tensor(_AG_W, dtype=torch.float64, requires_grad=True)
    pred = _AG_X * w + _AG_B
    (g,) = torch.autograd.grad(pred, [w])  # "torch.autograd.grad(pred,[w])"
    return float(g)


def _autograd_target_correct() -> float:
    pred = _AG_X * _AG_W + _AG_B
    return 2.0 * (pred - _AG_Y) * _AG_X  # d/dw of mse_loss(pred, y) = (y - pred)²


def _autograd_target_oracle() -> float:
    torch = _torch()
    w = torch.tensor(_AG_W, dtype=torch.float64, requires_grad=True)
    pred = _AG_X * w + _AG_B
    mse = torch.nn.functional.mse_loss(pred, torch.tensor(_AG_Y, dtype=torch.float64))
    (g,) = torch.autograd.grad(mse, [w])
    return float(g)


def _requires_grad_notes() -> str:
    return "requiregrad"  # "w=torch.tensor([Initial value],requiregrad=True)"


def _requires_grad_correct() -> str:
    return "requires_grad"


def _requires_grad_oracle() -> str:
    torch = _torch()
    working = []
    for kw in ("requiregrad", "requires_grad"):
        try:
            t = torch.tensor([1.0], **{kw: True})
        except TypeError:
            continue
        if t.requires_grad:
            working.append(kw)
    return working[0] if len(working) == 1 else repr(working)


def _grad_holders_notes() -> frozenset[str]:
    return frozenset({"w", "pred"})  # "把所有的梯度信息附加在每一个tensor的成员变量.grad上"


def _grad_holders_correct() -> frozenset[str]:
    return frozenset({"w"})  # only leaves with requires_grad=True (or retain_grad())


def _grad_holders_oracle() -> frozenset[str]:
    import warnings

    torch = _torch()
    w = torch.tensor(_AG_W, dtype=torch.float64, requires_grad=True)
    pred = _AG_X * w + _AG_B
    torch.nn.functional.mse_loss(pred, torch.tensor(_AG_Y, dtype=torch.float64)).backward()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # ".grad of a non-leaf Tensor"
        tensors = {"w": w, "pred": pred}
        return frozenset(name for name, x in tensors.items() if x.grad is not None)


_LOSS_SHAPES: tuple[tuple[int, ...], ...] = ((), (1,), (1, 1), (3,))


def _backward_shapes_notes() -> frozenset[tuple[int, ...]]:
    return frozenset({(1,)})  # "loss一定是dim为1长度为1的"


def _backward_shapes_correct() -> frozenset[tuple[int, ...]]:
    return frozenset(s for s in _LOSS_SHAPES if math.prod(s) == 1)  # any one-element tensor


def _backward_shapes_oracle() -> frozenset[tuple[int, ...]]:
    torch = _torch()
    ok = set()
    for shape in _LOSS_SHAPES:
        w = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
        loss = w * torch.ones(shape, dtype=torch.float64)
        try:
            loss.backward()
            torch.autograd.grad(w * torch.ones(shape, dtype=torch.float64), [w])
        except RuntimeError:
            continue
        ok.add(shape)
    return frozenset(ok)


# ---------------------------------------------------------------------------------------------
# seed 004: deep-learning basics (perceptron, forward/backward, CNN, activations, losses)
# ---------------------------------------------------------------------------------------------

_BP_X = np.array([0.5, -1.0, 2.0])
_BP_W = np.array([[0.1, -0.2, 0.3], [0.4, 0.25, -0.5]])
_BP_B = np.array([0.05, -0.1])
_BP_T = np.array([0.2, 0.9])


def _bp_parts() -> tuple[np.ndarray, np.ndarray]:
    z = _BP_W @ _BP_X + _BP_B
    y = _sigmoid(z)
    de_dz = (y - _BP_T) * y * (1 - y)  # ∂E/∂y_j · ∂y_j/∂z_j, E = ½‖y - t‖²
    return de_dz, y


def _chain_input_notes() -> np.ndarray:
    de_dz, _ = _bp_parts()
    return de_dz  # ∂E/∂x_i = ∂E/∂y_j ∂y_j/∂z_j: no weight, no sum over j


def _chain_input_correct() -> np.ndarray:
    de_dz, _ = _bp_parts()
    return _BP_W.T @ de_dz  # ∂E/∂x_i = Σ_j ∂E/∂y_j ∂y_j/∂z_j w_ji


def _chain_input_oracle() -> np.ndarray:
    torch = _torch()
    x = _t(_BP_X).requires_grad_(True)
    y = torch.sigmoid(_t(_BP_W) @ x + _t(_BP_B))
    (0.5 * ((y - _t(_BP_T)) ** 2).sum()).backward()
    return _np(x.grad)


# nodes 1, 2, 3 are the inputs; node 4's weights w41, w42, w43 and bias w4b
_A4_X = np.array([0.5, -1.0, 2.0, 3.0])  # the notes' "输入向量 x1, x2, x3, x4"
_A4_W = np.array([0.2, -0.4, 0.6])
_A4_B = 0.1


def _a4_notes() -> float:
    x1, x2, x3, x4 = _A4_X
    del x1  # unused by the notes' formula
    return float(_sigmoid(_A4_W[0] * x4 + _A4_W[1] * x2 + _A4_W[2] * x3 + _A4_B))


def _a4_correct() -> float:
    x = _A4_X[:3]  # the input layer has three nodes
    return float(_sigmoid(_A4_W @ x + _A4_B))


def _a4_oracle() -> float:
    torch = _torch()
    layer_in = _t(_A4_X[:3])
    a = torch.sigmoid(torch.nn.functional.linear(layer_in, _t(_A4_W[None]), _t([_A4_B])))
    return float(a[0])


_CONV_H1, _CONV_W1 = 7, 5  # a non-square image, so height and width differ


def _conv_height_notes() -> int:
    return (_CONV_W1 - 3 + 0) // 2 + 1  # H1 read as "卷积前图像的宽度"


def _conv_height_correct() -> int:
    return (_CONV_H1 - 3 + 0) // 2 + 1


def _conv_height_oracle() -> int:
    torch = _torch()
    out = torch.nn.functional.conv2d(
        _t(np.zeros((1, 1, _CONV_H1, _CONV_W1))), _t(np.ones((1, 1, 3, 3))), stride=2
    )
    return int(out.shape[2])


def _conv_floor_notes() -> float:
    return (6 - 3 + 2 * 0) / 2 + 1  # W_2 = (W_1 - F + 2P)/S + 1 for W_1 = 6, F = 3, S = 2


def _conv_floor_correct() -> float:
    return float((6 - 3 + 2 * 0) // 2 + 1)  # floor: the last, incomplete window is dropped


def _conv_floor_oracle() -> float:
    torch = _torch()
    out = torch.nn.functional.conv2d(
        _t(np.zeros((1, 1, 6, 6))), _t(np.ones((1, 1, 3, 3))), stride=2
    )
    return float(out.shape[-1])


def _conv_7x7_notes() -> tuple[int, ...]:
    return (3, 3, 2)  # 7*7*3 input, padding 1, stride 2, two 3*3*3 filters -> "3*3*2"


def _conv_7x7_correct() -> tuple[int, ...]:
    side = (7 - 3 + 2 * 1) // 2 + 1  # the notes' own formula: 4 (a 5*5*3 input gives 3)
    return (side, side, 2)


def _conv_7x7_oracle() -> tuple[int, ...]:
    torch = _torch()
    out = torch.nn.functional.conv2d(
        _t(np.zeros((1, 3, 7, 7))), _t(np.ones((2, 3, 3, 3))), stride=2, padding=1
    )
    _, c, h, w = out.shape
    return (int(h), int(w), int(c))


# the backprop example (graders/notes.py): net_o1 = w5 out_h1 + w6 out_h2 + b2
_BP = notes.example("backprop-forward").data
_BP_P, (_I1, _I2) = _BP["params"], _BP["inputs"]
_NET_O1 = (
    _BP_P["w5"] * _sigmoid(_BP_P["w1"] * _I1 + _BP_P["w2"] * _I2 + _BP_P["b1"])
    + _BP_P["w6"] * _sigmoid(_BP_P["w3"] * _I1 + _BP_P["w4"] * _I2 + _BP_P["b1"])
    + _BP_P["b2"]
)


def _torch_backprop_out_o1() -> float:
    torch = _torch()
    p = _BP_P
    i = _t(_BP["inputs"])
    w_h = _t([[p["w1"], p["w2"]], [p["w3"], p["w4"]]])
    w_o = _t([[p["w5"], p["w6"]], [p["w7"], p["w8"]]])
    out_h = torch.sigmoid(w_h @ i + p["b1"])
    out_o = torch.sigmoid(w_o @ out_h + p["b2"])
    return float(out_o[0])


def _out_o1_sign_notes() -> float:
    return float(1.0 / (1.0 + math.exp(_NET_O1)))  # 1 / (1 + e^{+net_o1})


def _out_o1_sign_correct() -> float:
    return float(1.0 / (1.0 + math.exp(-_NET_O1)))


def _out_o1_value_notes() -> float:
    return 0.75136079  # printed for out_o1 and in the output vector


def _out_o1_value_correct() -> float:
    return round(float(_sigmoid(_NET_O1)), 8)  # 0.75136507, as the E_o1 line uses


_TANH_X = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])


def _tanh_table_notes() -> np.ndarray:
    return -(np.tanh(_TANH_X) ** 2)


def _tanh_table_correct() -> np.ndarray:
    return 1.0 - np.tanh(_TANH_X) ** 2


def _tanh_deriv_oracle() -> np.ndarray:
    torch = _torch()
    x = _t(_TANH_X).requires_grad_(True)
    torch.tanh(x).sum().backward()
    return _np(x.grad)


_THETA = np.array([[1.0, -1.0], [0.5, 2.0], [-1.5, 0.3]])  # rows θ_1, θ_2, θ_3
_THETA_X = np.array([0.8, 0.6])


def _softmax_theta_notes() -> np.ndarray:
    s = _THETA @ _THETA_X
    k = s.size
    return np.array([np.exp(s[i]) / sum(np.exp(s[i]) for _ in range(k)) for i in range(k)])


def _softmax_theta_correct() -> np.ndarray:
    s = _THETA @ _THETA_X
    return np.exp(s) / np.sum(np.exp(s))  # Σ_k exp(θ_k^T x) in the denominator


def _softmax_theta_oracle() -> np.ndarray:
    torch = _torch()
    return _np(torch.softmax(_t(_THETA) @ _t(_THETA_X), dim=0))


def _log_domain_notes() -> bool:
    return False  # "对数函数的定义域是 (0,1)": ln 2 would be undefined


def _log_domain_correct() -> bool:
    return bool(np.isfinite(np.log(2.0)))


def _log_domain_oracle() -> bool:
    torch = _torch()
    return bool(torch.isfinite(torch.log(torch.tensor(2.0, dtype=torch.float64))))


def _tanh_range_notes() -> bool:
    return False  # tanh'(x) ∈ (0, 1): the value 1 is excluded


def _tanh_range_correct() -> bool:
    return bool(1.0 - np.tanh(0.0) ** 2 == 1.0)  # (0, 1]: attained at x = 0


def _tanh_range_oracle() -> bool:
    torch = _torch()
    x = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    torch.tanh(x).backward()
    assert x.grad is not None
    return bool(x.grad == 1.0)


# ---------------------------------------------------------------------------------------------
# errata added with the layers (wave 2): seeds 001-004
# ---------------------------------------------------------------------------------------------

# seed 001, ELU: α ∈ (0, 1) on the overview slide, "通常我们用 α=1" two slides later
_ELU_USUAL_ALPHA = 1.0


def _elu_alpha_notes() -> bool:
    return 0.0 < _ELU_USUAL_ALPHA < 1.0  # the overview's α ∈ (0, 1)


def _elu_alpha_correct() -> bool:
    return _ELU_USUAL_ALPHA > 0.0  # Clevert et al. (2016): any α > 0


def _elu_alpha_oracle() -> bool:
    torch = _torch()
    x = _t([-2.0, -0.5, 0.0, 1.5])
    alpha = torch.nn.ELU().alpha  # torch's default: the usual α
    by_definition = torch.where(x > 0, x, alpha * (torch.exp(x) - 1))
    return bool(alpha == _ELU_USUAL_ALPHA and torch.equal(torch.nn.ELU()(x), by_definition))


# seed 001, 损失函数: "均方误差损失函数 (分类)". For a confidently wrong sigmoid output the
# squared error barely moves the logit; the classification loss (cross-entropy) moves it by
# σ(z) − y (seed 004, 3.4.11). Seed 002 files MSE under regression ("线性回归损失函数").
_CLS_Z, _CLS_Y = -6.0, 1.0


def _mse_classification_notes() -> float:
    s = float(_sigmoid(_CLS_Z))
    return 2.0 * (s - _CLS_Y) * s * (1.0 - s)  # d/dz (σ(z) − y)²


def _mse_classification_correct() -> float:
    return float(_sigmoid(_CLS_Z)) - _CLS_Y  # d/dz of the binary cross-entropy of σ(z)


def _mse_classification_oracle() -> float:
    torch = _torch()
    z = _t(_CLS_Z).requires_grad_(True)
    loss = torch.nn.functional.binary_cross_entropy_with_logits(z, _t(_CLS_Y))
    (grad,) = torch.autograd.grad(loss, z)
    return float(grad)


# seed 001, 交叉熵(Softmax) 损失函数: "−log e^{s_{y_i}} / Σ_j e^{s_{y_j}}"
_CE_SCORES = np.array([[2.0, 0.5, -1.0, 0.3], [0.1, 1.2, 0.4, -0.7], [-0.5, 0.0, 2.2, 1.0]])
_CE_TARGETS = np.array([0, 2, 2])


def _ce_denominator_notes() -> np.ndarray:
    # s = f(x_i; W) is sample i's score vector; Σ_j e^{s_{y_j}} sums it at every label y_j of
    # the batch (j over samples), not over the classes
    rows = np.arange(len(_CE_TARGETS))
    picked = _CE_SCORES[rows, _CE_TARGETS]
    denominators = np.exp(_CE_SCORES[:, _CE_TARGETS]).sum(axis=1)
    return -np.log(np.exp(picked) / denominators)


def _ce_denominator_correct() -> np.ndarray:
    rows = np.arange(len(_CE_TARGETS))
    log_p = _CE_SCORES - np.log(np.exp(_CE_SCORES).sum(axis=1, keepdims=True))  # Σ_j e^{s_j}
    return -log_p[rows, _CE_TARGETS]


def _ce_denominator_oracle() -> np.ndarray:
    torch = _torch()
    targets = torch.tensor(_CE_TARGETS, dtype=torch.long)
    return _np(torch.nn.functional.cross_entropy(_t(_CE_SCORES), targets, reduction="none"))


# seed 001, Adagrad / RMSprop: "G : 梯度的二范式", "G^t : 在t步的梯度范式" (G read as a norm:
# one number for all coordinates); eps outside the root, torch's placement, in both readings
def _adagrad_g_numpy(*, norm: bool) -> np.ndarray:
    lr, eps = 0.01, 1e-10  # torch's defaults
    w, g_sum, out = _ADAPT_W0.copy(), np.zeros_like(_ADAPT_W0), []
    for _ in range(3):
        g = w.copy()  # gradient of ½‖w‖²
        g_sum = g_sum + (np.sum(g * g) if norm else g * g)  # ‖g‖² shared, or per coordinate
        w = w - lr * g / (np.sqrt(g_sum) + eps)
        out.append(w.copy())
    return np.stack(out)


# seed 001, RMSprop: "G^{t+1} = μG^t + (1 − μ)(∇L)²", "μ : 动量因子" (momentum factor)
_RMS_MU = 0.9


def _rmsprop_mu_notes() -> np.ndarray:
    # μ passed as torch's momentum, which it is called; the squares keep the default alpha
    return _torch_optim_trajectory("RMSprop", {"lr": 0.01, "momentum": _RMS_MU}, _ADAPT_W0, 3)


def _rmsprop_mu_correct() -> np.ndarray:
    lr, eps = 0.01, 1e-8
    w, sq, out = _ADAPT_W0.copy(), np.zeros_like(_ADAPT_W0), []
    for _ in range(3):
        g = w.copy()
        sq = _RMS_MU * sq + (1 - _RMS_MU) * g * g  # the notes' G with μ as the decay rate
        w = w - lr * g / (np.sqrt(sq) + eps)
        out.append(w.copy())
    return np.stack(out)


def _rmsprop_mu_oracle() -> np.ndarray:
    return _torch_optim_trajectory("RMSprop", {"lr": 0.01, "alpha": _RMS_MU}, _ADAPT_W0, 3)


# seed 001, Pytorch 中的优化方法: the Adam slide's example constructs torch.optim.SGD
_ADAM_SLIDE_EXAMPLE = (
    "optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)\n"
    "optimizer.zero_grad()\n"
    "loss_fn(model(input), target).backward()\n"
    "optimizer.step()\n"
)
_ADAM_FIXED_EXAMPLE = _ADAM_SLIDE_EXAMPLE.replace(
    "torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)",
    "torch.optim.Adam(model.parameters(), lr=0.001, betas=(0.9, 0.999), eps=1e-08)",
)
#: the defaults the slide's signature lists: optim.Adam(params, lr=0.001, betas=(0.9, 0.999),
#: eps=1e-08, weight_decay=0, amsgrad=False, ...)
_ADAM_SLIDE_DEFAULTS = {
    "lr": 0.001,
    "betas": (0.9, 0.999),
    "eps": 1e-08,
    "weight_decay": 0,
    "amsgrad": False,
}


def _run_optimizer_example(code: str) -> str:
    """Run a slide's training step on a tiny model; the optimizer class it built."""
    torch = _torch()
    model = torch.nn.Linear(3, 1).double()
    scope: dict[str, Any] = {
        "torch": torch,
        "model": model,
        "loss_fn": torch.nn.functional.mse_loss,
        "input": torch.ones(2, 3, dtype=torch.float64),
        "target": torch.zeros(2, 1, dtype=torch.float64),
    }
    exec(compile(code, "<slide>", "exec"), scope)
    return type(scope["optimizer"]).__name__


def _adam_example_oracle() -> str:
    """The torch.optim class whose defaults are the ones the slide's signature lists."""
    torch = _torch()
    p = torch.zeros(1, requires_grad=True)
    matches = []
    for name in sorted(n for n in dir(torch.optim) if n[0].isupper()):
        cls = getattr(torch.optim, name)
        if not isinstance(cls, type) or not issubclass(cls, torch.optim.Optimizer):
            continue
        try:
            defaults = cls([p]).defaults
        except (TypeError, ValueError, RuntimeError):
            continue
        if all(defaults.get(k) == v for k, v in _ADAM_SLIDE_DEFAULTS.items()):
            matches.append(name)
    return matches[0] if len(matches) == 1 else repr(matches)


# seed 002, func2: "# 全1初始化" above nn.init.constant_(linear.weight, .77)
def _constant_comment_notes() -> float:
    return 1.0  # what the comment says the code does


def _constant_comment_correct() -> float:
    return 0.77


def _constant_comment_oracle() -> float:
    torch = _torch()
    linear = torch.nn.Linear(6, 4).double()
    torch.nn.init.constant_(linear.weight, 0.77)
    values = torch.unique(linear.weight.detach())
    return float(values[0]) if values.numel() == 1 else math.nan


# seed 003, tanh: "范围[-1,1]": does tanh attain ±1?
def _tanh_range_closed_notes() -> bool:
    return True  # a closed range [-1, 1] contains its end points


def _tanh_range_closed_correct() -> bool:
    # tanh(x) = 1 − 2/(e^{2x} + 1): strictly inside (−1, 1) for every finite x
    return False


def _tanh_range_closed_oracle() -> bool:
    import sympy

    x = sympy.Symbol("x", real=True)
    reached = [sympy.solveset(sympy.tanh(x) - c, x, sympy.S.Reals) for c in (1, -1)]
    return any(s != sympy.S.EmptySet for s in reached)


# seed 003, 使用pytorch自动求导: "1、torch.autograd.grad(loss.[w1,w2,…])"
_GRAD_CALL_SLIDE = "grads = torch.autograd.grad(loss.[w1, w2])\n"
_GRAD_CALL_FIXED = "grads = torch.autograd.grad(loss, [w1, w2])\n"
_GRAD_X, _GRAD_Y = np.array([1.0, 2.0, 3.0]), np.array([2.0, 3.0, 5.0])


def _grad_call(code: str) -> str | np.ndarray:
    """Run the slide's call on loss = Σ(y − (x w1 + w2))²: the gradients, or the error's name."""
    torch = _torch()
    w1 = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
    w2 = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    loss = ((_t(_GRAD_Y) - (_t(_GRAD_X) * w1 + w2)) ** 2).sum()
    scope: dict[str, Any] = {"torch": torch, "loss": loss, "w1": w1, "w2": w2}
    try:
        exec(compile(code, "<slide>", "exec"), scope)
    except Exception as exc:
        return type(exc).__name__
    return np.array([float(g) for g in scope["grads"]])


def _grad_call_oracle() -> np.ndarray:
    torch = _torch()
    w = _t([1.5, 0.5]).requires_grad_(True)
    loss = ((_t(_GRAD_Y) - (_t(_GRAD_X) * w[0] + w[1])) ** 2).sum()
    return _np(torch.autograd.grad(loss, w)[0])


# seed 004, 3.4.4: "单调性: 当激活函数是单调的时候,单层网络能够保证是凸函数"
# one sigmoid unit (monotone), squared error on one sample: L(w) = ½ (σ(w x) − t)², x = 1, t = 0
_CONVEX_GRID = np.linspace(-6.0, 6.0, 121)


def _convex_notes() -> bool:
    return True  # a monotone activation guarantees a convex single-layer objective


def _convex_correct() -> bool:
    # L'' = σσ'(2 − 3σ) (from L' = σ²(1 − σ)): negative wherever σ(w) > 2/3, i.e. w > ln 2
    s = _sigmoid(_CONVEX_GRID)
    second = s * s * (1 - s) * (2 - 3 * s)
    return bool(np.all(second >= 0))


def _convex_oracle() -> bool:
    torch = _torch()
    w = _t(_CONVEX_GRID).requires_grad_(True)
    loss = (0.5 * torch.sigmoid(w) ** 2).sum()  # each L(w_k) depends on w_k only
    (first,) = torch.autograd.grad(loss, w, create_graph=True)
    (second,) = torch.autograd.grad(first.sum(), w)
    return bool((second >= 0).all())


# ---------------------------------------------------------------------------------------------
# the list
# ---------------------------------------------------------------------------------------------

#: Mistakes of the notes, seed by seed in reading order.
ERRATA: tuple[Erratum, ...] = (
    # --- seed 000 ------------------------------------------------------------------
    Erratum(
        id="variance-of-product",
        seed=SEED_000,
        location="1.1 梯度消失与爆炸: “D(X*Y) = D(X)*D(Y)”",
        claim="For independent X, Y the variance of the product is D(X)·D(Y), stated with no "
        "condition.",
        correction="D(XY) = D(X)D(Y) + D(X)E(Y)² + D(Y)E(X)²; it reduces to D(X)D(Y) only when "
        "E(X) = E(Y) = 0 (zero-mean inputs and weights, which the derivation needs to assume).",
        kind="formula",
        verified_by="exact variance of XY for X, Y independent and uniform on {0, 2} "
        "(torch.var over the 4 equally likely outcomes): 3, not 1",
        notes_version=_var_product_notes,
        correct_version=_var_product_correct,
        oracle=_var_product_oracle,
        quote=("D(X*Y) = D(X)*D(Y)",),
    ),
    Erratum(
        id="variance-sum-index",
        seed=SEED_000,
        location="1.1 梯度消失与爆炸: “D(H_11) = Σ_{i=0}^n D(X_i)*D(W_1i) = n*(1*1) = n”",
        claim="The sum over i = 0..n of n+1 unit terms equals n.",
        correction="With n inputs the sum runs over i = 1..n (or 0..n-1): D(H_11) = n·D(X)·D(W) "
        "= n. Over i = 0..n it would be n + 1.",
        kind="formula",
        verified_by="exact variance of H = Σ X_i W_i over all 2^(2n) Rademacher sign patterns "
        "(n = 4, torch.var): 4",
        notes_version=_var_sum_notes,
        correct_version=_var_sum_correct,
        oracle=_var_sum_oracle,
        quote=(
            "$D(H_{11}) = \\sum_{i=0}^n D(X_i) * D(W_{1i})$",
            "$= n * (1 * 1)$",
        ),
    ),
    Erratum(
        id="kl-cross-entropy-identity",
        seed=SEED_000,
        location="2.2 交叉熵损失函数: “交叉熵: H(P,Q) = D_KL(P,Q) + H(P) = H(P,Q) − H(P)”",
        claim="The chain ends with H(P,Q) = H(P,Q) − H(P).",
        correction="H(P,Q) = D_KL(P,Q) + H(P); equivalently D_KL(P,Q) = H(P,Q) − H(P). The last "
        "line belongs to D_KL, not to H(P,Q).",
        kind="formula",
        verified_by="torch.nn.functional.cross_entropy with probability targets (= H(P,Q)) "
        "against D_KL + H(P) and H(P,Q) − H(P) in NumPy",
        notes_version=_kl_notes,
        correct_version=_kl_correct,
        oracle=_kl_oracle,
        quote=(
            "交叉熵: $H(P, Q) = D_{KL}(P, Q) + H(P)$",
            "$$= H(P, Q) - H(P)$$",
        ),
    ),
    Erratum(
        id="bce-no-ignore-index",
        seed=SEED_000,
        location="2.3 NLL/BCE/BCEWithLogits Loss: “nn.BCELoss(weight=None, ignore_index=-100, "
        "reduction='mean')” and “nn.BCEWithLogitsLoss(weight=None, ignore_index=-100, ...)”",
        claim="nn.BCELoss and nn.BCEWithLogitsLoss take ignore_index=-100.",
        correction="Neither has ignore_index (only CrossEntropyLoss and NLLLoss do): "
        "BCELoss(weight=None, reduction='mean'), BCEWithLogitsLoss(weight=None, "
        "reduction='mean', pos_weight=None) (plus the deprecated size_average/reduce); mask "
        "the elements or use weight=0 to ignore them.",
        kind="torch-claim",
        verified_by="constructing torch.nn.BCELoss / BCEWithLogitsLoss with each keyword the "
        "notes list: ignore_index raises TypeError",
        notes_version=_bce_kwargs_notes,
        correct_version=_bce_kwargs_correct,
        oracle=_bce_kwargs_oracle,
        quote=(
            "7 nn.BCELoss(weight=None,      # 各类别loss设置的权值",
            "8            ignore_index=-100, # 忽略某个类别",
            "12 nn.BCEWithLogitsLoss(weight=None,      # 各类别loss设置的权值",
            "13                      ignore_index=-100, # 忽略某个类别",
        ),
    ),
    Erratum(
        id="multilabel-margin-excludes-targets",
        seed=SEED_000,
        location="2.4 其他损失函数, 7. nn.MultiLabelMarginLoss: "
        "“loss(x,y) = Σ_ij max(0, 1 − (x[y[j]] − x[i])) / x.size(0)”",
        claim="The sum runs over all classes i for every target j.",
        correction="i runs over the non-target classes only (i ≠ y[j] for every j), and j over "
        "the targets up to the first −1. Summing over every i adds the target classes' own "
        "terms (i = y[j] alone adds 1 per target): torch's doc example gives 0.85, the "
        "notes' formula 1.85.",
        kind="formula",
        verified_by="torch.nn.functional.multilabel_margin_loss on x = [[0.1, 0.2, 0.4, 0.8]], "
        "y = [[3, 0, -1, 1]]",
        notes_version=_multilabel_margin_notes,
        correct_version=_multilabel_margin_correct,
        oracle=_multilabel_margin_oracle,
        quote=(
            "7. `nn.MultiLabelMarginLoss`: $loss(x, y) = \\sum_{ij} \\frac{\\max(0, 1 - "
            "(x[y[j]] - x[i]))}{x.size(0)}$",
        ),
    ),
    Erratum(
        id="multi-margin-excludes-target",
        seed=SEED_000,
        location="2.4 其他损失函数, 10. nn.MultiMarginLoss: "
        "“loss(x,y) = Σ_i max(0, margin − x[y[i]] + x[i])^p / x.size(0)”",
        claim="The sum runs over all classes i (and the target score is written x[y[i]]).",
        correction="loss(x, y) = Σ_{i ≠ y} max(0, margin − x[y] + x[i])^p / x.size(0): the "
        "target class is excluded, otherwise every sample gets an extra margin^p / C.",
        kind="formula",
        verified_by="torch.nn.functional.multi_margin_loss on x = [[0.1, 0.2, 0.4, 0.8]], "
        "y = [3]: 0.325 (notes' formula: 0.575)",
        notes_version=_multi_margin_notes,
        correct_version=_multi_margin_correct,
        oracle=_multi_margin_oracle,
        quote=(
            "10. `nn.MultiMarginLoss`: $loss(x, y) = \\frac{\\sum_i \\max(0, \\text{margi"
            "n} - x[y[i]] + x[i])^p}{x.size(0)}$",
        ),
    ),
    Erratum(
        id="margin-ranking-not-n-by-n",
        seed=SEED_000,
        location="2.4 其他损失函数, code line 24: “# 计算两个向量之间的相似度, 用于排序任务, "
        "返回一个n*n的loss矩阵”",
        claim="MarginRankingLoss returns an n×n loss matrix.",
        correction="It is elementwise over the n pairs (x1[k], x2[k], y[k]): shape (n,) with "
        "reduction='none', a scalar with 'mean'/'sum'.",
        kind="torch-claim",
        verified_by="shape of torch.nn.functional.margin_ranking_loss(..., reduction='none') "
        "for n = 4: (4,)",
        notes_version=_margin_ranking_shape_notes,
        correct_version=_margin_ranking_shape_correct,
        oracle=_margin_ranking_shape_oracle,
        quote=("24 # 计算两个向量之间的相似度, 用于排序任务, 返回一个n*n的loss矩阵",),
    ),
    Erratum(
        id="ctc-zero-infinity-comment",
        seed=SEED_000,
        location="2.4 其他损失函数, code lines 63-65: “reduction='mean', # 无穷大的值或梯度置0”",
        claim="The comment says reduction='mean' sets infinite losses and gradients to 0.",
        correction="That is zero_infinity=True (default False); reduction only chooses "
        "none/mean/sum. With the defaults an impossible alignment gives inf.",
        kind="torch-claim",
        verified_by="torch.nn.functional.ctc_loss, 2 target labels in 1 time step, "
        "reduction='mean': inf",
        notes_version=_ctc_notes,
        correct_version=_ctc_correct,
        oracle=_ctc_oracle,
        quote=(
            "64            reduction='mean',      # 无穷大的值或梯度置0",
            "65            zero_infinity=False)",
        ),
    ),
    Erratum(
        id="sgd-dampening-not-l2",
        seed=SEED_000,
        location="4.3 torch.optim.SGD: “dampening=0, # L2正则化系数”",
        claim="dampening is the L2 regularisation coefficient.",
        correction="dampening τ scales the gradient in the momentum buffer, b_t = μ b_{t−1} + "
        "(1 − τ) g_t (not at the first step); the L2 coefficient is weight_decay "
        "(g ← g + λθ).",
        kind="torch-claim",
        verified_by="3 steps of torch.optim.SGD(lr=0.1, momentum=0.9, dampening=0.5) on ½‖w‖² "
        "against both readings in NumPy",
        notes_version=lambda: _sgd_numpy(dampening_as_l2=True),
        correct_version=lambda: _sgd_numpy(dampening_as_l2=False),
        oracle=_sgd_dampening_oracle,
        quote=(
            "4     dampening=0,             # L2正则化系数",
            "5     weight_decay=0,",
        ),
    ),
    # --- seed 001 ------------------------------------------------------------------
    Erratum(
        id="xor-table-labelled-xnor",
        seed=SEED_001,
        location="激活函数: “XNOR(异或门)的真值表”",
        claim="The truth table (0,0→0; 0,1→1; 1,0→1; 1,1→0) is that of XNOR.",
        correction="That table is XOR (异或), as the Chinese says; XNOR (同或) is its complement "
        "(1, 0, 0, 1). Neither is linearly separable, so the slide's point stands.",
        kind="formula",
        verified_by="torch.logical_xor over the table's inputs reproduces the printed Y column; "
        "XNOR does not",
        notes_version=_gate_notes,
        correct_version=_gate_correct,
        oracle=_gate_oracle,
        quote=("XNOR(异或门)的真值表",),
    ),
    Erratum(
        id="elu-alpha-range",
        seed=SEED_001,
        location="激活函数一览, ELU: “α ∈ (0,1)”; two slides later “α ∈ (0,1], 通常我们用 α=1”",
        claim="ELU's α lies in the open interval (0, 1).",
        correction="α > 0 (Clevert et al., 2016); the usual α = 1, torch's default and the notes' "
        "own choice two slides later, is outside (0, 1). The later slide's (0, 1] admits it.",
        kind="formula",
        verified_by="torch.nn.ELU().alpha == 1.0, and torch.nn.ELU() on [-2, -0.5, 0, 1.5] equals "
        "the definition with α = 1",
        notes_version=_elu_alpha_notes,
        correct_version=_elu_alpha_correct,
        oracle=_elu_alpha_oracle,
        quote=(
            " $a(x) = \\begin{cases} x & x \\geq 0 \\\\ \\alpha(e^x - 1) & x < 0 \\end{case"
            "s}$   \n $\\alpha \\in (0,1)$",
            "$\\alpha \\in (0,1]$ , 通常我们用  $\\alpha=1$",
        ),
    ),
    Erratum(
        id="softmax-matrix-shift-axis",
        seed=SEED_001,
        location="Softmax: “constant_shift = np.max(x, axis=1).reshape(1, -1)” ... "
        "“normlize = np.sum(x, axis=1).reshape(1, -1)”",
        claim="The matrix branch shifts and normalises each row by its own max and sum.",
        correction="reshape(1, -1) lays the row statistics out as a row, so column j is shifted "
        "and divided by row j's max and sum (wrong for a square input, a broadcast error "
        "otherwise); use np.max(x, axis=1, keepdims=True) (reshape(-1, 1)). The code also "
        "updates the caller's array in place (x -= ...); work on a copy.",
        kind="code",
        verified_by="the slide's code, run verbatim on a 3×3 matrix, against "
        "torch.softmax(x, dim=1); the input is modified, torch leaves it intact",
        notes_version=_softmax_matrix_notes,
        correct_version=_softmax_matrix_correct,
        oracle=_softmax_matrix_oracle,
        quote=(
            "constant_shift = np.max(x, axis=1).reshape(1, -1)",
            "normlize = np.sum(x, axis=1).reshape(1, -1)",
        ),
    ),
    Erratum(
        id="softmax-list-no-max-shift",
        seed=SEED_001,
        location="Softmax: “def softmax_list(x): exp_v = np.exp(x); return exp_v/np.sum(exp_v)”",
        claim="softmax_list (used by softmax_grad) exponentiates the raw inputs, although the "
        "slide's formula subtracts max(y).",
        correction="exp(x − max(x)) / Σ exp(x − max(x)); without the shift exp overflows for "
        "x ≳ 710 and the result is nan.",
        kind="code",
        verified_by="the slide's code on [1000, 1000, 999] (nan) against torch.softmax",
        notes_version=_softmax_list_notes,
        correct_version=_softmax_list_correct,
        oracle=_softmax_list_oracle,
        quote=(
            "def softmax_list(x):",
            "exp_v = np.exp(x)",
            "return exp_v/np.sum(exp_v)",
        ),
    ),
    Erratum(
        id="softmax-grad-not-jacobian",
        seed=SEED_001,
        location="Softmax: “def softmax_grad(x): ... gradients = np.zeros(np.shape(x)) ... "
        "gradients[i] = ...”",
        claim="softmax_grad returns the softmax derivative as a vector of the input's shape.",
        correction="The derivative is the C×C Jacobian J[i, j] = s_i(δ_ij − s_j) = diag(s) − "
        "s sᵀ; the code keeps one number per i and overwrites it for every j, so it returns "
        "only the last column J[:, C−1].",
        kind="code",
        verified_by="the slide's code on [2.0, 1.0, 0.1] against "
        "torch.autograd.functional.jacobian(torch.softmax)",
        notes_version=_softmax_grad_notes,
        correct_version=_softmax_grad_correct,
        oracle=_softmax_grad_oracle,
        quote=(
            "def softmax_grad(x):",
            "gradients = np.zeros(np.shape(x))",
            "gradients[i] = softmax_v[i]*(1-softmax_v[j])",
            "gradients[i] = -softmax_v[j]*softmax_v[i]",
        ),
    ),
    Erratum(
        id="leaky-relu-grad-at-zero",
        seed=SEED_001,
        location="Leaky ReLU: “def leaky_relu_grad(x, alpha): y = x.copy() ... "
        "y[x<alpha_y] = alpha; y[x>alpha_y] = 1”",
        claim="leaky_relu_grad covers every x.",
        correction="At x = 0 neither branch fires and the copied input, 0, is returned; 0 is "
        "not even in the subdifferential [α, 1]. torch autograd gives negative_slope at 0 "
        "(x > 0 ? 1 : negative_slope).",
        kind="code",
        verified_by="the slide's code on [-2, 0, 3] with α = 0.1 against autograd of "
        "torch.nn.functional.leaky_relu",
        notes_version=_leaky_grad_notes,
        correct_version=_leaky_grad_correct,
        oracle=_leaky_grad_oracle,
        quote=(
            "def leaky_relu_grad(x, alpha):",
            "y[x<alpha_y] = alpha",
            "y[x>alpha_y] = 1",
        ),
    ),
    Erratum(
        id="keyword-in-as-variable",
        seed=SEED_001,
        location="Pytorch 中的激活函数: “in = torch.randn(2)” / “output = m(in)”",
        claim="The nn.ReLU / LeakyReLU / Tanh / Softmax / ELU / SiLU examples run as written.",
        correction="`in` is a Python keyword, so every one of these snippets is a SyntaxError; "
        "name the tensor `input` (as the PyTorch docs do) or `x`.",
        kind="code",
        verified_by="compiling and running the slide's nn.ReLU snippet (SyntaxError) and the "
        "renamed one (output of shape (2,), as torch.nn.ReLU gives)",
        notes_version=_snippet_notes,
        correct_version=_snippet_correct,
        oracle=_snippet_oracle,
        quote=(
            "in = torch.randn(2)",
            "output = m(in)",
        ),
    ),
    Erratum(
        id="mse-called-classification-loss",
        seed=SEED_001,
        location="损失函数: “均方误差损失函数 (分类)”",
        claim="The mean squared error is a classification loss.",
        correction="MSE is the regression loss (seed 002 files it under 线性回归损失函数); the "
        "classification losses are the cross-entropies of the next slide. On a sigmoid output "
        "MSE barely learns from a confidently wrong answer: ∂/∂z (σ(z) − 1)² = −0.0049 at z = −6, "
        "where the cross-entropy gives σ(z) − y = −0.9975 (the slowdown of seed 004, 3.4.11).",
        kind="claim",
        verified_by="torch autograd of binary_cross_entropy_with_logits(z, 1) at z = −6, against "
        "the squared error's gradient",
        notes_version=_mse_classification_notes,
        correct_version=_mse_classification_correct,
        oracle=_mse_classification_oracle,
        quote=("- 均方误差损失函数 (分类)",),
    ),
    Erratum(
        id="cross-entropy-denominator-index",
        seed=SEED_001,
        location="交叉熵(Softmax) 损失函数 (分类), three slides: “L_i = −log P(Y = y_i | "
        "X = x_i) = −log e^{s_{y_i}} / Σ_j e^{s_{y_j}}”",
        claim="The softmax denominator is Σ_j e^{s_{y_j}}.",
        correction="L_i = −log e^{s_{y_i}} / Σ_j e^{s_j}: the sum runs over the classes j of "
        "sample i's scores s = f(x_i; W). s_{y_j} indexes the scores by other samples' labels "
        "y_j, so the denominator depends on the batch's labels (and misses classes no sample "
        "has).",
        kind="formula",
        verified_by="torch.nn.functional.cross_entropy(reduction='none') on 3 samples × 4 classes "
        "with labels [0, 2, 2]",
        notes_version=_ce_denominator_notes,
        correct_version=_ce_denominator_correct,
        oracle=_ce_denominator_oracle,
        quote=(
            "$$L_i = -\\log P(Y = y_i | X = x_i) = -\\log \\frac{e^{s_{y_i}}}{\\sum_j e^{"
            "s_{y_j}}}$$",
        ),
    ),
    Erratum(
        id="adagrad-rmsprop-g-not-a-norm",
        seed=SEED_001,
        location="自适应Adagrad: “G: 梯度的二范式”; RMSprop: “G^t: 在t步的梯度范式”",
        claim="G is the gradient's 2-norm (Adagrad), G^t the gradient's norm at step t (RMSprop).",
        correction="G is elementwise, one entry per parameter: the running sum (Adagrad, torch "
        "state 'sum') or moving average (RMSprop, 'square_avg') of the squared gradient "
        "components, as the notes' own G = Σ(∇L)² squares elementwise. Read as a norm, G is one "
        "number for all coordinates and the per-coordinate learning rates, Adagrad's point, are "
        "lost.",
        kind="formula",
        verified_by="3 steps of torch.optim.Adagrad (defaults) on ½‖w‖² from w = [1e-6, 0.5, -2] "
        "against both readings (ε outside the root in both)",
        notes_version=lambda: _adagrad_g_numpy(norm=True),
        correct_version=lambda: _adagrad_g_numpy(norm=False),
        oracle=_adagrad_oracle,
        quote=(
            "$G$ : 梯度的二范式",
            "$G^t$ : 在t步的梯度范式.",
        ),
    ),
    Erratum(
        id="rmsprop-mu-is-not-momentum",
        seed=SEED_001,
        location="RMSprop: “G^{t+1} = μG^t + (1 − μ)(∇_W L(W^t))²”, “μ: 动量因子”",
        claim="RMSprop's μ is the momentum factor.",
        correction="μ is the decay rate of the moving average of squared gradients, "
        "torch.optim.RMSprop's alpha (default 0.99); torch's momentum is a separate option "
        "(default 0) that adds a momentum buffer. Passing μ as momentum gives another optimizer.",
        kind="torch-claim",
        verified_by="3 steps of torch.optim.RMSprop(lr=0.01, alpha=0.9) on ½‖w‖² against "
        "RMSprop(lr=0.01, momentum=0.9) and the notes' formula with μ = 0.9",
        notes_version=_rmsprop_mu_notes,
        correct_version=_rmsprop_mu_correct,
        oracle=_rmsprop_mu_oracle,
        quote=(
            "$$G^{t+1} = \\mu G^t + (1 - \\mu)(\\nabla_W L(W^t))^2$$",
            "$\\mu$ : 动量因子",
        ),
    ),
    Erratum(
        id="adam-eps-outside-sqrt",
        seed=SEED_001,
        location="Adam: “W^{t+1} = W^t − α m̂_t / √(v̂_t + ε)”",
        claim="Adam divides by √(v̂ + ε).",
        correction="Adam (Kingma & Ba 2015, and torch.optim.Adam) divides by √v̂ + ε, eps "
        "outside the root, as the slide's own torch pseudo-code shows.",
        kind="formula",
        verified_by="3 steps of torch.optim.Adam (defaults) on ½‖w‖² from w = [1e-6, 0.5, -2]",
        notes_version=lambda: _adam_numpy(eps_inside=True),
        correct_version=lambda: _adam_numpy(eps_inside=False),
        oracle=_adam_oracle,
        quote=("- $W^{t+1} = W^t - \\alpha \\frac{\\hat{m}_t}{\\sqrt{\\hat{v}_t + \\epsilon}}$",),
    ),
    Erratum(
        id="adam-update-index",
        seed=SEED_001,
        location="Adam: “m̂_{t+1} = ..., v̂_{t+1} = ..., W^{t+1} = W^t − α m̂_t / √(v̂_t + ε)”",
        claim="The update to W^{t+1} uses m̂_t and v̂_t.",
        correction="It uses the moments just computed, m̂_{t+1} and v̂_{t+1}; with the notes' "
        "indices every step lags one gradient behind and the first, m̂_0 = m_0/(1 − β1⁰), is "
        "0/0.",
        kind="formula",
        verified_by="3 steps of torch.optim.Adam on ½‖w‖² against the lagged update (0/0 read as "
        "no move)",
        notes_version=lambda: _adam_numpy(stale_moments=True),
        correct_version=lambda: _adam_numpy(stale_moments=False),
        oracle=_adam_oracle,
        quote=(
            "- $\\hat{m}_{t+1} = \\frac{m_{t+1}}{1 - \\beta_1^{t+1}}$",
            "- $\\hat{v}_{t+1} = \\frac{v_{t+1}}{1 - \\beta_2^{t+1}}$",
            "- $W^{t+1} = W^t - \\alpha \\frac{\\hat{m}_t}{\\sqrt{\\hat{v}_t + \\epsilon}}$",
        ),
    ),
    Erratum(
        id="adam-eps-value",
        seed=SEED_001,
        location="Adam: “ε 一个很小的数值避免零(如 10E-8)”",
        claim="The example ε is 10E-8.",
        correction="10E-8 means 10·10⁻⁸ = 1e-7; the usual value, and torch's default, is 1e-8 "
        "(10⁻⁸).",
        kind="number",
        verified_by="torch.optim.Adam([p]).defaults['eps'] == 1e-8; float('10E-8') == 1e-7",
        notes_version=_adam_eps_value_notes,
        correct_version=_adam_eps_value_correct,
        oracle=_adam_eps_value_oracle,
        rtol=0.0,
        atol=1e-12,
        quote=("一个很小的数值避免零(如 10E-8)",),
    ),
    Erratum(
        id="adam-slide-example-uses-sgd",
        seed=SEED_001,
        location="Pytorch 中的优化方法, the Adam slide: “optim.Adam(params, lr=0.001, betas=(0.9, "
        "0.999), eps=1e-08, ...)” with the example “optimizer = "
        "torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)”",
        claim="The Adam slide's example trains with Adam.",
        correction="The example is the SGD slide's, copied: it builds torch.optim.SGD. For Adam: "
        "optimizer = torch.optim.Adam(model.parameters(), lr=0.001) (momentum is not an Adam "
        "argument; betas play its part).",
        kind="code",
        verified_by="running the slide's example on a Linear(3, 1) model (the optimizer's class), "
        "against the torch.optim class whose defaults are the slide's lr=0.001, betas=(0.9, "
        "0.999), eps=1e-08, weight_decay=0, amsgrad=False",
        notes_version=lambda: _run_optimizer_example(_ADAM_SLIDE_EXAMPLE),
        correct_version=lambda: _run_optimizer_example(_ADAM_FIXED_EXAMPLE),
        oracle=_adam_example_oracle,
        quote=(
            "optim.Adam(params, lr=0.001, betas=(0.9, 0.999), eps=1e-08,",
            "torch.optim.SGD(model.parameters(), lr=0.1,",
        ),
    ),
    Erratum(
        id="pytorch-default-init",
        seed=SEED_001,
        location="Xavier 初始化: 均匀 vs. 标准: “在PyTorch中，默认的权重初始化方法是 "
        "xavier_uniform”",
        claim="PyTorch's default weight initialisation is xavier_uniform.",
        correction="nn.Linear and nn.Conv*d call kaiming_uniform_(weight, a=√5), i.e. "
        "U(−1/√fan_in, 1/√fan_in) (and the bias U(±1/√fan_in)); for Linear(1000, 50) the "
        "bound is 0.0316, not Xavier's 0.0756.",
        kind="torch-claim",
        verified_by="max |w| of a seeded torch.nn.Linear(1000, 50) (50 000 draws)",
        notes_version=_default_init_notes,
        correct_version=_default_init_correct,
        oracle=_default_init_oracle,
        rtol=2e-3,
        quote=("在PyTorch中，默认的权重初始化方法是 `xavier_uniform`。",),
    ),
    Erratum(
        id="msra-std",
        seed=SEED_001,
        location="MSRA 初始化 (方差缩放): “W ~ N(0, √(1/fan_in))” and “W ~ N(0, √(1/(K×K×C)))”",
        claim="MSRA (He) initialisation has standard deviation √(1/fan_in) (√(1/(K·K·C)) for a "
        "convolution).",
        correction="He et al. (2015) for ReLU: std = √(2/fan_in) (√(2/(K·K·C))), as seed 000's "
        "D(W) = 2/n_i; √(1/fan_in) is LeCun's. torch.nn.init.kaiming_normal_ (relu, or the "
        "default leaky_relu with a=0) uses √2/√fan_in.",
        kind="formula",
        verified_by="sample std of torch.nn.init.kaiming_normal_(nonlinearity='relu') on a "
        "1000×500 tensor",
        notes_version=_msra_notes,
        correct_version=_msra_correct,
        oracle=_msra_oracle,
        rtol=1e-2,
        quote=(
            "$$W \\sim N \\left( 0, \\sqrt{\\frac{1}{fan\\_in}} \\right)$$",
            "$$W \\sim N \\left( 0, \\sqrt{\\frac{1}{K \\times K \\times C}} \\right)$$",
        ),
    ),
    # --- seed 002 ------------------------------------------------------------------
    Erratum(
        id="constant-init-does-not-break-symmetry",
        seed=SEED_002,
        location="1.1 全零初始化: “缺点:对称性破坏”; 2.随机初始化: “通过随机初始化的方法来"
        "避免对称性破坏”",
        claim="Zero/constant initialisation suffers from 'symmetry breaking', which random "
        "initialisation avoids.",
        correction="It is the other way round: constant initialisation fails to break the "
        "symmetry (every unit of a layer gets the same gradient and stays a copy); random "
        "initialisation is what breaks it (打破对称性).",
        kind="formula",
        verified_by="torch autograd through Linear(6,4) with constant 0.77 weights, tanh, "
        "Linear(4,1) with constant 0.5: the 4 rows of the weight gradient are identical",
        notes_version=_symmetry_notes,
        correct_version=_symmetry_correct,
        oracle=_symmetry_oracle,
        quote=(
            "缺点:对称性破坏",
            "通过随机初始化的方法来避免对称性破坏",
        ),
    ),
    Erratum(
        id="constant-init-comment",
        seed=SEED_002,
        location="1.3 任意常数的初始化, func2: “def func2():# 全1初始化 ... "
        "nn.init.constant_(linear.weight,.77)”",
        claim="func2 is an all-ones initialisation (its comment).",
        correction="func2 fills the weights with the constant 0.77 (the section's 任意常数); the "
        "comment is func1's, copied.",
        kind="code",
        verified_by="torch.nn.init.constant_(nn.Linear(6, 4).weight, .77): every weight is 0.77",
        notes_version=_constant_comment_notes,
        correct_version=_constant_comment_correct,
        oracle=_constant_comment_oracle,
        quote=(
            "def func2():# 全1初始化linear = nn.Linear(6,4)# 初始化权重参数nn.init.co"
            "nstant_(linear.weight,.77)",
        ),
    ),
    Erratum(
        id="cross-entropy-log-softmax-value",
        seed=SEED_002,
        location="2.CrossEntropyLoss, 分析: “对于这两个样本真实类别是1，对应的softmax值是-0.6041; "
        "2是-0.6803”",
        claim="The softmax values of the true classes are −0.6041 and −0.6803.",
        correction="Those are log-softmax values; the softmax probabilities are 0.5466 and "
        "0.5064 (a probability cannot be negative). The loss 0.6422 is the mean of their "
        "negatives.",
        kind="number",
        verified_by="torch.softmax of the two logit rows at labels 1 and 2",
        notes_version=_ce_value_notes,
        correct_version=_ce_value_correct,
        oracle=_ce_value_oracle,
        rtol=0.0,
        atol=1e-4,
        quote=("对于这两个样本真实类别是1 ,对应的softmax值是-0.6041;2是-0.6803",),
    ),
    # --- seed 003 ------------------------------------------------------------------
    Erratum(
        id="tanh-range-closed",
        seed=SEED_003,
        location="tanh: “在RNN中用的比较多。范围[-1,1]。”",
        claim="tanh takes values in the closed interval [−1, 1].",
        correction="(−1, 1), open: tanh(x) = 1 − 2/(e^{2x} + 1) never reaches ±1 (seed 004 says "
        "值域为 (−1,1)). In float64 tanh(x) rounds to ±1 for |x| ≳ 19.1: rounding, not the range.",
        kind="formula",
        verified_by="sympy.solveset(tanh(x) ∓ 1, x, Reals) is empty (exact math: torch's float64 "
        "rounds)",
        notes_version=_tanh_range_closed_notes,
        correct_version=_tanh_range_closed_correct,
        oracle=_tanh_range_closed_oracle,
        quote=("在RNN中用的比较多。范围[-1,1]。",),
    ),
    Erratum(
        id="relu-derivative",
        seed=SEED_003,
        location="rectified linear unit(ReLU): “f'(x) = 0 for x<0; x for x≥0”",
        claim="ReLU's derivative is x for x ≥ 0.",
        correction="f'(x) = 1 for x > 0 and 0 for x < 0 (torch uses 0 at x = 0); x is ReLU "
        "itself, not its derivative.",
        kind="formula",
        verified_by="torch autograd of torch.relu at [-2, 0, 0.5, 3]",
        notes_version=_relu_deriv_notes,
        correct_version=_relu_deriv_correct,
        oracle=_relu_deriv_oracle,
        quote=(
            "\\mathcal{0} &amp;\\text{for $x&lt;0$}\\\\ \\mathcal{x} &amp;\\text{for $x\\ge0$}",
        ),
    ),
    Erratum(
        id="mse-gradient-sign",
        seed=SEED_003,
        location="mean squared error(MSE), 求导: “∇loss/∇θ = 2Σ[y − f_θ(x)]·∇f_θ(x)/∇θ”",
        claim="The gradient of Σ[y − f_θ(x)]² is 2Σ[y − f_θ(x)]∇f_θ(x).",
        correction="The inner derivative of y − f_θ(x) is −∇f_θ(x): ∇loss = −2Σ[y − f_θ(x)]"
        "∇f_θ(x) = 2Σ[f_θ(x) − y]∇f_θ(x). The notes' sign points uphill.",
        kind="formula",
        verified_by="torch.autograd.grad of Σ(y − (xw + b))² with respect to w",
        notes_version=_mse_sign_notes,
        correct_version=_mse_sign_correct,
        oracle=_mse_sign_oracle,
        quote=(
            "\\frac{\\nabla loss}{\\nabla \\theta}=2\\sum[y-f_{\\theta}(x)]*\\frac{\\nabla f_"
            "{\\theta}(x)}{\\nabla \\theta}",
        ),
    ),
    Erratum(
        id="autograd-grad-comma",
        seed=SEED_003,
        location="使用pytorch自动求导: “1、torch.autograd.grad(loss.[w1,w2,…])”",
        claim="torch.autograd.grad(loss.[w1, w2]) computes the gradients.",
        correction="A comma, not a period: torch.autograd.grad(loss, [w1, w2]); the printed call "
        "is a SyntaxError.",
        kind="code",
        verified_by="running both calls on loss = Σ(y − (x w1 + w2))² against "
        "torch.autograd.grad of the same loss",
        notes_version=lambda: _grad_call(_GRAD_CALL_SLIDE),
        correct_version=lambda: _grad_call(_GRAD_CALL_FIXED),
        oracle=_grad_call_oracle,
        quote=("1、torch.autograd.grad(loss.[w1,w2,…])",),
    ),
    Erratum(
        id="autograd-grad-of-loss",
        seed=SEED_003,
        location="使用pytorch自动求导: “使用F.mse_loss(pred,label)函数,得到(y−pred)²,再使用"
        "torch.autograd.grad(pred,[w])函数进行求导”",
        claim="The loss gradient is torch.autograd.grad(pred, [w]) (and F.mse_loss gives "
        "(y − pred)²).",
        correction="Differentiate the loss: torch.autograd.grad(mse, [w]) with mse = "
        "F.mse_loss(pred, label), which is the mean of (y − pred)²; grad(pred, [w]) is ∂pred/∂w "
        "= x.",
        kind="code",
        verified_by="torch.autograd.grad of F.mse_loss(x*w + b, y) for x=2, w=1, b=0, y=1: 4 "
        "(grad of pred: 2)",
        notes_version=_autograd_target_notes,
        correct_version=_autograd_target_correct,
        oracle=_autograd_target_oracle,
        quote=(
            "使用F.mse_loss(pred,label)函数,得到",
            "再使用torch.autograd.grad(pred,[w])函数进行求导",
        ),
    ),
    Erratum(
        id="requires-grad-keyword",
        seed=SEED_003,
        location="使用pytorch自动求导: “w=torch.tensor([Initial value],requiregrad=True)”",
        claim="torch.tensor takes requiregrad=True.",
        correction="The keyword is requires_grad=True; requiregrad raises TypeError.",
        kind="torch-claim",
        verified_by="calling torch.tensor([1.0], requiregrad=True) and (..., requires_grad=True)",
        notes_version=_requires_grad_notes,
        correct_version=_requires_grad_correct,
        oracle=_requires_grad_oracle,
        quote=("w=torch.tensor([Initial value],requiregrad=True)",),
    ),
    Erratum(
        id="grad-only-on-leaf-tensors",
        seed=SEED_003,
        location="2、loss.backward(): “它会自动的把所有的梯度信息附加在每一个tensor的成员变量"
        ".grad上”",
        claim="backward() stores a gradient in the .grad of every tensor on the path.",
        correction="Only leaf tensors with requires_grad=True (the parameters) get .grad; an "
        "intermediate such as pred keeps .grad = None unless pred.retain_grad() was called.",
        kind="torch-claim",
        verified_by="F.mse_loss(x*w + b, y).backward(): w.grad is set, pred.grad is None",
        notes_version=_grad_holders_notes,
        correct_version=_grad_holders_correct,
        oracle=_grad_holders_oracle,
        quote=("它会自动的把所有的梯度信息附加在每一个tensor的成员变量.grad上",),
    ),
    Erratum(
        id="backward-needs-one-element",
        seed=SEED_003,
        location="cross entropy loss 之后: “grad和backward后面的loss一定是dim为1长度为1的”",
        claim="The loss passed to backward/grad must be 1-dimensional of length 1.",
        correction="It must have exactly one element: usually a 0-dim scalar (what F.mse_loss "
        "returns), but (1,) or (1, 1) work too; a larger tensor needs an explicit "
        "gradient/grad_outputs.",
        kind="torch-claim",
        verified_by="loss.backward() and torch.autograd.grad on losses of shape (), (1,), "
        "(1, 1) and (3,)",
        notes_version=_backward_shapes_notes,
        correct_version=_backward_shapes_correct,
        oracle=_backward_shapes_oracle,
        quote=("grad和backward后面的loss一定是dim为1长度为1的",),
    ),
    # --- seed 004 ------------------------------------------------------------------
    Erratum(
        id="backprop-input-gradient",
        seed=SEED_004,
        location="3.2.1 反向传播: “最后有 ∂E/∂x_i = ∂E/∂y_j ∂y_j/∂z_j, 且 ∂z_j/∂x_i = w_i j”",
        claim="∂E/∂x_i = ∂E/∂y_j · ∂y_j/∂z_j.",
        correction="∂E/∂x_i = Σ_j ∂E/∂y_j · ∂y_j/∂z_j · ∂z_j/∂x_i = Σ_j ∂E/∂z_j · w_ji: the "
        "factor ∂z_j/∂x_i (written next to it) and the sum over j are missing; the right-hand "
        "side as printed is ∂E/∂z_j.",
        kind="formula",
        verified_by="torch autograd of E = ½‖σ(Wx + b) − t‖² with respect to x (3 inputs, "
        "2 outputs)",
        notes_version=_chain_input_notes,
        correct_version=_chain_input_correct,
        oracle=_chain_input_oracle,
        quote=(
            "\\frac{\\partial E}{\\partial x_i} = \\frac{\\partial E}{\\partial y_j} \\frac{"
            "\\partial y_j}{\\partial z_j}",
            "\\frac{\\partial z_j}{\\partial x_i} = w_i j",
        ),
    ),
    Erratum(
        id="node4-input-indices",
        seed=SEED_004,
        location="3.2.2 如何计算神经网络的输出: “a_4 = σ(w_41 x_4 + w_42 x_2 + w_43 a_3 + w_4b)” "
        "and “在输入向量 x_1, x_2, x_3, x_4 时”",
        claim="Node 4 sums w_41 x_4 + w_42 x_2 + w_43 a_3, for an input vector x_1..x_4.",
        correction="a_4 = σ(w_41 x_1 + w_42 x_2 + w_43 x_3 + w_4b): the input layer has three "
        "nodes 1, 2, 3 whose outputs are x_1, x_2, x_3; there is no x_4.",
        kind="formula",
        verified_by="torch.sigmoid(F.linear(x, w_4, b_4)) for node 4 of a 3-input layer",
        notes_version=_a4_notes,
        correct_version=_a4_correct,
        oracle=_a4_oracle,
        quote=(
            "a_4 = \\sigma(w^T \\cdot a) = \\sigma(w_{41}x_4 + w_{42}x_2 + w_{43}a_3 + w_{4b})",
            "x_1, x_2, x_3, x_4",
        ),
    ),
    Erratum(
        id="conv-output-height",
        seed=SEED_004,
        location="3.2.3 如何计算卷积神经网络输出值: “H_2 卷积后 Feature Map 的高度; H_1 是"
        "卷积前图像的宽度”",
        claim="In H_2 = (H_1 − F + 2P)/S + 1, H_1 is the image's width.",
        correction="H_1 is the image's height (W_1 is its width); the two differ for a "
        "non-square image.",
        kind="formula",
        verified_by="output height of torch.nn.functional.conv2d on a 7×5 image, 3×3 filter, "
        "stride 2",
        notes_version=_conv_height_notes,
        correct_version=_conv_height_correct,
        oracle=_conv_height_oracle,
        quote=("卷积后 Feature Map 的高度; H 1 H_1 H1 是卷积前图像的宽度",),
    ),
    Erratum(
        id="conv-output-size-floor",
        seed=SEED_004,
        location="3.2.3: “W_2 = (W_1 − F + 2P)/S + 1”",
        claim="The output width is (W_1 − F + 2P)/S + 1.",
        correction="It is ⌊(W_1 − F + 2P)/S⌋ + 1: when S does not divide W_1 − F + 2P the "
        "last, incomplete window is dropped (W_1 = 6, F = 3, S = 2 gives 2, not 2.5).",
        kind="formula",
        verified_by="output width of torch.nn.functional.conv2d on a 6×6 image, 3×3 filter, "
        "stride 2",
        notes_version=_conv_floor_notes,
        correct_version=_conv_floor_correct,
        oracle=_conv_floor_oracle,
        quote=("W_2 = (W_1 - F + 2P)/S + 1\\\\ H_2 = (H_1 - F + 2P)/S + 1",),
    ),
    Erratum(
        id="conv-7x7-output-size",
        seed=SEED_004,
        location="3.2.3: “7*7*3 输入, 经过两个 3*3*3 filter 的卷积(步幅为 2), 得到了 3*3*2 的"
        "输出。图中的 Zero padding 是 1”",
        claim="A 7×7×3 input with zero padding 1, stride 2 and two 3×3×3 filters gives 3×3×2.",
        correction="By the notes' own formula (7 − 3 + 2)/2 + 1 = 4: 4×4×2. The 3×3×2 output "
        "belongs to a 5×5×3 input, 7×7 after the padding of 1 (the figure shows the padded "
        "volume).",
        kind="number",
        verified_by="output shape of torch.nn.functional.conv2d(7×7×3, two 3×3×3 filters, "
        "stride=2, padding=1)",
        notes_version=_conv_7x7_notes,
        correct_version=_conv_7x7_correct,
        oracle=_conv_7x7_oracle,
        quote=(
            "7 ∗ 7 ∗ 3 7*7*3 773 输入,经过两个 3 ∗ 3 ∗ 3 3*3*3 333 filter 的卷积(步幅"
            "为 2 2 2),得到了 3 ∗ 3 ∗ 2 3*3*2 332 的输出。图中的 Zero padding 是 1",
        ),
    ),
    Erratum(
        id="backprop-out-o1-sign",
        seed=SEED_004,
        location="3.2.5 实例理解反向传播: “out_o1 = 1/(1 + e^{−net_o1}) = 1/(1 + e^{1.105905967})”",
        claim="out_o1 = 1/(1 + e^{1.105905967}).",
        correction="The exponent is −net_o1: 1/(1 + e^{−1.105905967}) = 0.75136507; with "
        "e^{+1.105905967} it would be 0.24863493.",
        kind="formula",
        verified_by="torch.sigmoid of the example's forward pass (float64)",
        notes_version=_out_o1_sign_notes,
        correct_version=_out_o1_sign_correct,
        oracle=_torch_backprop_out_o1,
        quote=(
            "out_{o1} = \\frac{1}{1 + e^{-net_{o1}}} = \\frac{1}{1 + e^{1.105905967}} = 0.75136079",
        ),
    ),
    Erratum(
        id="backprop-out-o1-value",
        seed=SEED_004,
        location="3.2.5 实例理解反向传播: “= 0.75136079” and “我们得到输出值为 [0.75136079, "
        "0.772928465]”",
        claim="out_o1 = 0.75136079.",
        correction="out_o1 = σ(1.105905967) = 0.75136507 (digits transposed), the value the "
        "notes themselves use in E_o1 = ½(0.01 − 0.75136507)² = 0.274811083.",
        kind="number",
        verified_by="torch.sigmoid of the example's forward pass, compared to 8 decimals",
        notes_version=_out_o1_value_notes,
        correct_version=_out_o1_value_correct,
        oracle=_torch_backprop_out_o1,
        rtol=0.0,
        atol=5e-9,
        quote=(
            "\\frac{1}{1 + e^{1.105905967}} = 0.75136079",
            "[0.75136079 , 0.772928465]",
        ),
    ),
    Erratum(
        id="tanh-derivative-table",
        seed=SEED_004,
        location="3.4.3 常见激活函数的导数计算: Tanh “f'(x) = −(tanh(x))²”",
        claim="tanh'(x) = −tanh²(x).",
        correction="tanh'(x) = 1 − tanh²(x) (the table's own remark f'(0) = 1 contradicts "
        "−tanh²(0) = 0).",
        kind="formula",
        verified_by="torch autograd of torch.tanh at [-2, -0.5, 0, 0.5, 2]",
        notes_version=_tanh_table_notes,
        correct_version=_tanh_table_correct,
        oracle=_tanh_deriv_oracle,
        quote=("f^{'}(x)=-(tanh(x))^2",),
    ),
    Erratum(
        id="monotone-activation-convexity",
        seed=SEED_004,
        location="3.4.4 激活函数有哪些性质: “单调性: 当激活函数是单调的时候,单层网络能够保证是"
        "凸函数”",
        claim="A monotone activation guarantees that a single-layer network's objective is convex.",
        correction="Convexity depends on the loss as well: one sigmoid unit (monotone) with the "
        "squared error, L(w) = ½σ(w)², has L'' = σ²(1 − σ)(2 − 3σ) < 0 for w > ln 2, so L is not "
        "convex (nor is a ReLU unit's squared error). With the cross-entropy the sigmoid unit's "
        "objective is convex (logistic regression), a property of that pairing, not of "
        "monotonicity.",
        kind="claim",
        verified_by="torch autograd second derivative of ½σ(w)² on a grid over [−6, 6]: negative "
        "beyond ln 2",
        notes_version=_convex_notes,
        correct_version=_convex_correct,
        oracle=_convex_oracle,
        quote=("3. 单调性: 当激活函数是单调的时候,单层网络能够保证是凸函数;",),
    ),
    Erratum(
        id="softmax-denominator-index",
        seed=SEED_004,
        location="3.4.9 Softmax 定义及作用: “P(i) = exp(θ_i^T x) / Σ_{k=1}^K exp(θ_i^T x)”",
        claim="The denominator sums exp(θ_i^T x) over k.",
        correction="P(i) = exp(θ_i^T x) / Σ_k exp(θ_k^T x); as printed the summand does not "
        "depend on k and every P(i) is 1/K.",
        kind="formula",
        verified_by="torch.softmax(Θx) for a 3×2 Θ",
        notes_version=_softmax_theta_notes,
        correct_version=_softmax_theta_correct,
        oracle=_softmax_theta_oracle,
        quote=("P(i) = \\frac{exp(\\theta_i^T x)}{\\sum_{k=1}^{K} exp(\\theta_i^T x)}",),
    ),
    Erratum(
        id="log-domain",
        seed=SEED_004,
        location="3.4.11 交叉熵代价函数: “因为对数函数的定义域是 (0,1)”",
        claim="The logarithm's domain is (0, 1), which makes every term negative.",
        correction="ln is defined on (0, ∞); the terms are negative because a = σ(z) and 1 − a "
        "lie in (0, 1), where ln < 0.",
        kind="formula",
        verified_by="torch.log(2.0) is finite (ln 2 = 0.693)",
        notes_version=_log_domain_notes,
        correct_version=_log_domain_correct,
        oracle=_log_domain_oracle,
        quote=("因为对数函数的定义域是 (0,1)",),
    ),
    Erratum(
        id="tanh-derivative-range",
        seed=SEED_004,
        location="3.4.12 为什么Tanh收敛速度比Sigmoid快: “tanh'(x) = 1 − tanh(x)² ∈ (0,1)”",
        claim="tanh' takes values in the open interval (0, 1).",
        correction="tanh'(x) ∈ (0, 1]: the maximum 1 is attained at x = 0 (as the derivative "
        "table says); compare σ' ∈ (0, 1/4], which the notes give correctly.",
        kind="formula",
        verified_by="torch autograd: tanh'(0) == 1.0 exactly",
        notes_version=_tanh_range_notes,
        correct_version=_tanh_range_correct,
        oracle=_tanh_range_oracle,
        quote=("tanh^{,}(x)=1-tanh(x)^{2}\\in (0,1)",),
    ),
)


#: What the notes say is right for some torch or a textbook, and differs from torch 2.13:
#: a default that changed, torch's own documentation of the time, a textbook convention.
DIFFERS_FROM_TORCH: tuple[Erratum, ...] = (
    # --- seed 000 ------------------------------------------------------------------
    Erratum(
        id="sgd-lr-default",
        seed=SEED_000,
        location="4.3 torch.optim.SGD: “lr=<object object>, # 初始学习率”",
        claim="SGD's lr has no default (the `required` sentinel prints as <object object>).",
        correction="True when the notes were written; since torch 2.2 (pytorch/pytorch#114467) lr "
        "defaults to 1e-3 and torch.optim.SGD(params) works. A default that changed: version "
        "drift, not a mistake.",
        kind="torch-claim",
        verified_by="torch.optim.SGD([p]).param_groups[0]['lr'] == 0.001",
        notes_version=_sgd_lr_notes,
        correct_version=_sgd_lr_correct,
        oracle=_sgd_lr_oracle,
        quote=("2     lr=<object object>,      # 初始学习率",),
    ),
    # --- seed 001 ------------------------------------------------------------------
    Erratum(
        id="adagrad-eps-outside-sqrt",
        seed=SEED_001,
        location="自适应Adagrad: “W^{t+1} = W^t − α∇_W L(W^t) / √(G + ε)”",
        claim="Adagrad divides by √(G + ε).",
        correction="A textbook form (ε inside the root); torch.optim.Adagrad, like Duchi et al. "
        "(2011), adds ε outside: √G + ε (G the elementwise sum of squares, state 'sum'). The two "
        "differ where G is comparable to ε: a coordinate with gradients ~1e-6 takes 0.1× the "
        "step with ε inside.",
        kind="formula",
        verified_by="3 steps of torch.optim.Adagrad (defaults, foreach=False) on ½‖w‖² from "
        "w = [1e-6, 0.5, -2]",
        notes_version=lambda: _adagrad_numpy(eps_inside=True),
        correct_version=lambda: _adagrad_numpy(eps_inside=False),
        oracle=_adagrad_oracle,
        quote=("$$W^{t+1} = W^t - \\frac{\\alpha \\nabla_W L(W^t)}{\\sqrt{G + \\epsilon}}$$",),
    ),
    Erratum(
        id="rmsprop-eps-outside-sqrt",
        seed=SEED_001,
        location="RMSprop: “W^{t+1} = W^t − α∇_W L(W^t) / √(G^{t+1} + ε)”",
        claim="RMSprop divides by √(G + ε).",
        correction="A textbook convention (Goodfellow et al., Deep Learning, 2016, Algorithm 8.5, "
        "write √(δ + r)); torch.optim.RMSprop adds ε outside: √G + ε (state 'square_avg').",
        kind="formula",
        verified_by="3 steps of torch.optim.RMSprop (defaults) on ½‖w‖² from w = [1e-6, 0.5, -2]",
        notes_version=lambda: _rmsprop_numpy(eps_inside=True),
        correct_version=lambda: _rmsprop_numpy(eps_inside=False),
        oracle=_rmsprop_oracle,
        quote=(
            "$$W^{t+1} = W^t - \\frac{\\alpha \\nabla_W L(W^t)}{\\sqrt{G^{t+1} + \\epsilon}}$$",
        ),
    ),
    Erratum(
        id="sgd-maximize-weight-decay",
        seed=SEED_001,
        location="Pytorch 中的优化方法 (SGD pseudo-code): “g_t ← ∇_θ f_t(θ_{t−1}); if λ ≠ 0: "
        "g_t ← g_t + λθ_{t−1} ... if maximize: θ_t ← θ_{t−1} + γ g_t”",
        claim="With maximize=True, SGD adds weight decay to the gradient and then steps up the "
        "whole of it.",
        correction="The slide copies torch's documented pseudo-code, which torch before 1.13 also "
        "ran (it flipped the learning rate). Since pytorch/pytorch#81859 (2022) torch negates the "
        "gradient first, g_t ← −∇f, then adds λθ and steps θ_t ← θ_{t−1} − γ g_t, so weight "
        "decay still shrinks the weights; the documentation kept the old order "
        "(pytorch/pytorch#149476).",
        kind="torch-claim",
        verified_by="one step of torch.optim.SGD(lr=0.1, weight_decay=0.5, maximize=True)",
        notes_version=lambda: _sgd_maximize_numpy(negate_first=False),
        correct_version=lambda: _sgd_maximize_numpy(negate_first=True),
        oracle=_sgd_maximize_oracle,
        quote=(
            "$g_t \\leftarrow g_t + \\lambda \\theta_{t-1}$",
            "  if maximize\n     $\\theta_t \\leftarrow \\theta_{t-1} + \\gamma g_t$",
        ),
    ),
    Erratum(
        id="amsgrad-max-of-raw-second-moment",
        seed=SEED_001,
        location="Pytorch 中的优化方法 (Adam pseudo-code): “if amsgrad: v̂_t^max ← max(v̂_t^max, "
        "v̂_t); θ_t ← θ_{t−1} − γ m̂_t/(√v̂_t^max + ε)”",
        claim="torch's AMSGrad keeps the running max of the bias-corrected v̂_t.",
        correction="The slide copies torch's documentation of the time; the implementation has "
        "always kept the max of the raw v_t (state 'max_exp_avg_sq') and bias-corrected "
        "afterwards, v̂_t ← v_t^max / (1 − β2^t); the documentation was corrected in 2024 "
        "(pytorch/pytorch#142323). The two differ when an early large gradient is followed by "
        "small ones.",
        kind="torch-claim",
        verified_by="torch.optim.Adam(lr=0.1, amsgrad=True) with gradients 10, 0.1, 0.1",
        notes_version=lambda: _amsgrad_numpy(max_of_corrected=True),
        correct_version=lambda: _amsgrad_numpy(max_of_corrected=False),
        oracle=_amsgrad_oracle,
        quote=("$\\widehat{v}_t^{max} \\leftarrow \\max(\\widehat{v}_t^{max}, \\widehat{v}_t)$",),
    ),
)
