"""torch's side of the ``initializers`` items: what each case must give.

Deterministic results come from torch itself: ``torch.nn.init.calculate_gain``, the
``eye_``/``dirac_``/``constant_``/``ones_``/``zeros_`` fills in float64, and which inputs raise.
A random fill has no single right array, so its oracle states the law the sample must follow,
with torch's formulas: the gain from ``calculate_gain`` (the only gain table; none is copied
here), the fans from :func:`fans`, ``std = gain * sqrt(2 / (fan_in + fan_out))`` (Xavier),
``std = gain / sqrt(fan)`` (Kaiming), the bound ``sqrt(3) * std`` of the uniform versions.
``tests/test_initializers_grader.py`` runs torch's own initializers on every case and checks that
their samples pass, so the stated laws are torch's.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from graders import oracle
from graders.registry import Case
from graders.registry.initializers.cases import Init

Shape = tuple[int, ...]


def fans(shape: Shape) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of ``shape``: ``receptive = prod(shape[2:])``,
    ``fan_in = shape[1] * receptive``, ``fan_out = shape[0] * receptive``.

    torch has no public fan function (``torch.nn.init._calculate_fan_in_and_fan_out`` is
    private), so this is torch's documented rule, written here: ``nn.Linear`` draws its weight
    ``(out_features, in_features)`` from U(-sqrt(k), sqrt(k)) with ``k = 1 / in_features``, and
    ``nn.Conv{1,2,3}d`` its weight ``(out, in / groups, *kernel_size)`` with
    ``k = groups / (in * prod(kernel_size))``, both ``kaiming_uniform_(a=sqrt(5))``, i.e.
    ``k = 1 / fan_in``; fan_out is the same rule on dimension 0.  The test suite checks this
    against torch's private helper on every case's shape (a test may call private API; the
    grader does not).
    """
    if len(shape) < 2:
        raise ValueError("fans need a weight of at least 2 dimensions")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _base(case: Case) -> dict[str, Any]:
    """What every fill case expects: the shape, and NumPy's global generator's next draw had
    it been left alone (the driver seeds it with ``global_seed`` before the calls)."""
    state = np.random.RandomState(case.spec["global_seed"])
    return {
        "shape": np.array(case.spec["shape"]),
        "random": case.data["random"],
        "global_draw": np.array(state.random_sample()),
    }


# --------------------------------------------------------------------------- scalar helpers
def gain_oracle(case: Case, device: str) -> dict[str, Any]:
    t = oracle.torch()
    try:
        return {"out": np.array(float(t.nn.init.calculate_gain(*case.args)))}
    except ValueError:
        return {"raises": "ValueError"}


def fan_oracle(case: Case, device: str) -> dict[str, Any]:
    """The fans by :func:`fans`; a weight under 2-D raises as torch's public Xavier does."""
    shape = tuple(case.args[0].shape)
    if len(shape) < 2:
        try:
            oracle.torch().nn.init.xavier_uniform_(oracle.tensor(case.args[0], device))
        except ValueError:
            return {"raises": "ValueError"}
        raise AssertionError(f"torch computed fans of a {len(shape)}-D tensor")
    fan_in, fan_out = fans(shape)
    return {"fan_in": np.array(float(fan_in)), "fan_out": np.array(float(fan_out))}


# --------------------------------------------------------------------------- fills
def _raises(name: str, case: Case) -> dict[str, Any]:
    t = oracle.torch()
    try:
        getattr(t.nn.init, name)(t.from_numpy(case.args[0].copy()))
    except ValueError:
        return {"raises": "ValueError"}
    raise AssertionError(f"torch.nn.init.{name} accepted {case.name}")


def exact_oracle(name: str, case: Case, device: str) -> dict[str, Any]:
    """torch's fill of a float64 array of NaNs, element by element."""
    t = oracle.torch()
    tensor = t.full(case.spec["shape"], float("nan"), dtype=t.float64, device=device)
    with t.no_grad():
        getattr(t.nn.init, name)(tensor, *case.args, **case.kwargs)
    return {**_base(case), "dist": "exact", "value": oracle.numpy(tensor)}


def _uniform(name: str, case: Case) -> dict[str, Any]:
    return {"dist": "uniform", "low": case.kwargs.get("a", 0.0), "high": case.kwargs.get("b", 1.0)}


def _normal(name: str, case: Case) -> dict[str, Any]:
    kw = case.kwargs
    return {"dist": "normal", "mean": kw.get("mean", 0.0), "std": kw.get("std", 1.0)}


def _trunc_normal(name: str, case: Case) -> dict[str, Any]:
    """N(mean, std^2) conditioned on [a, b], and its std for the report: with z = (a - mean) /
    std, w = (b - mean) / std and Z = Phi(w) - Phi(z), Var = std^2 (1 + (z phi(z) - w phi(w)) /
    Z - ((phi(z) - phi(w)) / Z)^2) (scipy.stats.truncnorm's std). Phi(t) = erfc(-t / sqrt 2) / 2
    from the standard library: no scipy in the oracle's process (scipy.special's import is 0.2 s of
    a cold grading); Z is taken in the tail the interval lies in, where erfc keeps its digits."""
    kw = case.kwargs
    mean, std, a, b = kw.get("mean", 0.0), kw.get("std", 1.0), kw.get("a", -2.0), kw.get("b", 2.0)
    z, w = (a - mean) / std, (b - mean) / std
    pz, pw = (math.exp(-t * t / 2) / math.sqrt(2 * math.pi) for t in (z, w))
    if z > 0:  # upper tail: 1 - Phi(t) = erfc(t / sqrt 2) / 2
        mass = (math.erfc(z / math.sqrt(2)) - math.erfc(w / math.sqrt(2))) / 2
    else:
        mass = (math.erfc(-w / math.sqrt(2)) - math.erfc(-z / math.sqrt(2))) / 2
    var = 1 + (z * pz - w * pw) / mass - ((pz - pw) / mass) ** 2
    return {"dist": "trunc_normal", "mean": mean, "std": std, "a": a, "b": b,
            "sample_std": std * math.sqrt(var)}  # fmt: skip


def _scaled(name: str, std: float, info: dict[str, Any]) -> dict[str, Any]:
    """N(0, std^2), or for a ``*_uniform_`` U(-sqrt(3) std, sqrt(3) std)."""
    if name.endswith("uniform_"):
        bound = math.sqrt(3.0) * std
        return {**info, "dist": "uniform", "low": -bound, "high": bound}
    return {**info, "dist": "normal", "mean": 0.0, "std": std}


def _xavier(name: str, case: Case) -> dict[str, Any]:
    fan_in, fan_out = fans(tuple(case.spec["shape"]))
    gain = case.kwargs.get("gain", 1.0)
    what = f"{name} (fan_in={fan_in}, fan_out={fan_out}, gain={gain:.4g}) "
    info = {"fan_in": fan_in, "fan_out": fan_out, "gain": gain, "what": what}
    return _scaled(name, gain * math.sqrt(2.0 / (fan_in + fan_out)), info)


def _kaiming(name: str, case: Case) -> dict[str, Any]:
    """gain / sqrt(fan of the mode); ``fan_in``/``fan_out`` of the result are (the fan used,
    the other one), which is what the scale hint compares."""
    kw = case.kwargs
    fan_in, fan_out = fans(tuple(case.spec["shape"]))
    nonlinearity = kw.get("nonlinearity", "leaky_relu")
    gain = oracle.torch().nn.init.calculate_gain(nonlinearity, kw.get("a", 0))
    mode = kw.get("mode", "fan_in")
    used, other = (fan_in, fan_out) if mode == "fan_in" else (fan_out, fan_in)
    what = f"{name} ({mode}={used}, gain={gain:.4g}) "
    info = {"fan_in": used, "fan_out": other, "gain": gain, "what": what}
    return _scaled(name, gain / math.sqrt(used), info)


def _orthogonal(name: str, case: Case) -> dict[str, Any]:
    return {"dist": "orthogonal", "gain": case.kwargs.get("gain", 1.0)}


def _sparse(name: str, case: Case) -> dict[str, Any]:
    rows = case.spec["shape"][0]
    zeros = math.ceil(case.args[0] * rows)  # as torch: the float product, rounded up
    return {"dist": "sparse", "std": case.kwargs.get("std", 0.01), "zeros_per_column": zeros}


LAWS = {
    "uniform_": _uniform,
    "normal_": _normal,
    "trunc_normal_": _trunc_normal,
    "xavier_uniform_": _xavier,
    "xavier_normal_": _xavier,
    "kaiming_uniform_": _kaiming,
    "kaiming_normal_": _kaiming,
    "orthogonal_": _orthogonal,
    "sparse_": _sparse,
}


def init_oracle(init: Init, case: Case, device: str) -> dict[str, Any]:
    """A case of ``init``: raises, torch's exact fill, or the law of a random fill."""
    if case.spec.get("expect_raise"):
        return _raises(init.name, case)
    if not init.random:
        return exact_oracle(init.name, case, device)
    return {**_base(case), **LAWS[init.name](init.name, case)}
