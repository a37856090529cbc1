"""Registry entries for ``initializers``: torch.nn.init on NumPy arrays with a numpy Generator.

The oracle asks torch for what is deterministic (``calculate_gain``, the fans, eye/dirac/constant
fills) and derives the target distribution from it with torch's formulas; the ``initializer``
check (``graders.distribution``) then tests the student's sample.  Shapes are large and strongly
non-square so a fan_in/fan_out mix-up changes the scale by a factor of sqrt(40) or more.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np

from graders import distribution, oracle
from graders.registry import Case, Category, Item

C = Category
TALL, WIDE, CONV = (2000, 50), (50, 2000), (64, 32, 3, 3)
NONLINEARITIES = [
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "selu",
]


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    t = oracle.torch()
    return t.nn.init._calculate_fan_in_and_fan_out(t.empty(shape, device="meta"))


def _global_draw(seed: int) -> np.ndarray:
    return np.array(np.random.RandomState(seed).random_sample())


def _init_case(
    name: str,
    category: Category,
    shape: tuple[int, ...],
    seed: int,
    random: bool = True,
    **kwargs: Any,
) -> Case:
    spec: dict[str, Any] = {"shape": list(shape), "kwargs": kwargs, "global_seed": seed % 10007}
    if random:
        spec["seed"] = seed
        spec["repeat_shape"] = [min(n, 6) for n in shape]  # the repeat calls: small draws
    return Case(name, category, spec=spec, data={"random": random})


def _base(case: Case) -> dict[str, Any]:
    return {
        "shape": np.array(case.spec["shape"]),
        "random": case.data["random"],
        "global_draw": _global_draw(case.spec["global_seed"]),
    }


# --------------------------------------------------------------------------- scalar helpers
def gain_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    if hidden:
        slope = float(np.round(rng.uniform(0.01, 0.5), 3))
        return [
            Case(
                "leaky_relu-random",
                C.HYPERPARAMETERS,
                ("leaky_relu", slope),
                spec={"returns": "scalar"},
            )
        ]
    cases = [Case(n, C.CORRECTNESS, (n,), spec={"returns": "scalar"}) for n in NONLINEARITIES]
    cases += [
        Case(
            f"leaky_relu-param-{p}",
            C.HYPERPARAMETERS,
            ("leaky_relu", p),
            spec={"returns": "scalar"},
        )
        for p in (0.2, 0.0, 1.0)
    ]
    cases += [Case("tanh-param-ignored", C.CONVENTION, ("tanh", 0.5), spec={"returns": "scalar"})]
    cases += [
        Case("unknown-nonlinearity", C.EDGE, ("swishy",), spec={"expect_raise": True}),
        Case("bad-slope", C.EDGE, ("leaky_relu", "x"), spec={"expect_raise": True}),
    ]
    return cases


def gain_oracle(case: Case, device: str) -> dict[str, Any]:
    t = oracle.torch()
    try:
        return {"out": np.array(float(t.nn.init.calculate_gain(*case.args)))}
    except ValueError:
        return {"raises": "ValueError"}


def fan_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    shapes = (
        [tuple(int(s) for s in rng.integers(1, 9, size=int(rng.integers(2, 6)))) for _ in range(2)]
        if hidden
        else [(3, 5), (1, 1), TALL, CONV, (16, 8, 5), (8, 4, 2, 3, 3), (7, 0)]
    )
    cases = [
        Case(
            f"shape-{'x'.join(map(str, s))}",
            C.CORRECTNESS,
            (np.zeros(s),),
            spec={"returns": "tuple", "outputs": ["fan_in", "fan_out"], "scalars": True},
        )
        for s in shapes
    ]
    if not hidden:
        cases.append(Case("1d-raises", C.EDGE, (np.zeros(5),), spec={"expect_raise": True}))
    return cases


def fan_oracle(case: Case, device: str) -> dict[str, Any]:
    shape = case.args[0].shape
    if len(shape) < 2:
        return {"raises": "ValueError"}
    fan_in, fan_out = _fans(shape)
    return {"fan_in": np.array(float(fan_in)), "fan_out": np.array(float(fan_out))}


# --------------------------------------------------------------------------- fills
def exact_cases(fn: str, rng: np.random.Generator, hidden: bool) -> list[Case]:
    seed = int(rng.integers(1 << 30))
    if fn == "constant_":
        vals = [float(np.round(rng.normal(), 3))] if hidden else [0.77, -2.5]
        return [_init_case(f"value-{v}", C.CORRECTNESS, (6, 4), seed, False, val=v) for v in vals]
    if fn == "eye_":
        shapes = (
            [(int(rng.integers(1, 6)), int(rng.integers(1, 6)))]
            if hidden
            else [(4, 4), (3, 5), (5, 2)]
        )
        cases = [
            _init_case(f"shape-{'x'.join(map(str, s))}", C.CORRECTNESS, s, seed, False)
            for s in shapes
        ]
        if not hidden:
            cases.append(
                Case("3d-raises", C.EDGE, (np.zeros((2, 2, 2)),), spec={"expect_raise": True})
            )
        return cases
    if fn == "dirac_":
        if hidden:
            return [_init_case("random", C.CORRECTNESS, (6, 3, 3, 3), seed, False)]
        cases = [
            _init_case("conv1d", C.CORRECTNESS, (4, 4, 3), seed, False),
            _init_case("conv2d", C.CORRECTNESS, (6, 3, 3, 3), seed, False),
            _init_case("conv3d", C.CORRECTNESS, (3, 5, 3, 3, 3), seed, False),
            _init_case("groups-2", C.HYPERPARAMETERS, (8, 3, 3, 3), seed, False, groups=2),
        ]
        cases.append(Case("2d-raises", C.EDGE, (np.zeros((3, 3)),), spec={"expect_raise": True}))
        return cases
    fills: list[tuple[int, ...]] = [(3, 4)] if hidden else [(6, 4), (2, 3, 4)]
    return [
        _init_case(f"shape-{'x'.join(map(str, s))}", C.CORRECTNESS, s, seed, False) for s in fills
    ]


def exact_oracle(fn: str, case: Case, device: str) -> dict[str, Any]:
    t = oracle.torch()
    if case.spec.get("expect_raise"):
        try:
            getattr(t.nn.init, fn)(t.from_numpy(case.args[0].copy()))
        except ValueError:
            return {"raises": "ValueError"}
        raise AssertionError(f"torch.nn.init.{fn} accepted {case.name}")
    tensor = t.full(case.spec["shape"], float("nan"), dtype=t.float64, device=device)
    with t.no_grad():
        getattr(t.nn.init, fn)(tensor, **case.spec["kwargs"])
    return {**_base(case), "dist": "exact", "value": oracle.numpy(tensor)}


# --------------------------------------------------------------------------- random fills
def random_cases(fn: str, rng: np.random.Generator, hidden: bool) -> list[Case]:
    seed = int(rng.integers(1 << 30))
    kwsets: list[tuple[str, Category, tuple[int, ...], dict[str, Any]]] = []
    if fn == "uniform_":
        kwsets = [
            ("default", C.CORRECTNESS, TALL, {}),
            ("a-b", C.HYPERPARAMETERS, WIDE, {"a": -0.3, "b": 0.7}),
        ]
    elif fn == "normal_":
        kwsets = [
            ("default", C.CORRECTNESS, TALL, {}),
            ("mean-std", C.HYPERPARAMETERS, WIDE, {"mean": 0.5, "std": 0.02}),
        ]
    elif fn in ("xavier_uniform_", "xavier_normal_"):
        kwsets = [
            ("tall", C.CORRECTNESS, TALL, {}),
            ("wide", C.CORRECTNESS, WIDE, {}),
            ("conv", C.CORRECTNESS, CONV, {}),
            ("gain", C.HYPERPARAMETERS, TALL, {"gain": 5.0 / 3.0}),
        ]
    elif fn in ("kaiming_uniform_", "kaiming_normal_"):
        kwsets = [
            ("tall", C.CORRECTNESS, TALL, {}),
            ("wide", C.CORRECTNESS, WIDE, {}),
            ("conv", C.CORRECTNESS, CONV, {}),
            ("relu-fan_out", C.HYPERPARAMETERS, TALL, {"mode": "fan_out", "nonlinearity": "relu"}),
            ("leaky-a", C.HYPERPARAMETERS, WIDE, {"a": 0.2}),
            ("tanh", C.HYPERPARAMETERS, CONV, {"nonlinearity": "tanh"}),
        ]
    elif fn == "trunc_normal_":
        kwsets = [
            ("default", C.CORRECTNESS, TALL, {}),
            ("bounds", C.HYPERPARAMETERS, WIDE, {"mean": 0.1, "std": 0.5, "a": -0.4, "b": 1.0}),
        ]
    elif fn == "orthogonal_":
        kwsets = [
            ("tall", C.CORRECTNESS, (200, 20), {}),
            ("wide", C.CORRECTNESS, (20, 200), {}),
            ("square", C.CORRECTNESS, (30, 30), {}),
            ("conv", C.CORRECTNESS, (16, 4, 3, 3), {}),
            ("gain", C.HYPERPARAMETERS, (50, 30), {"gain": 2.0}),
        ]
    elif fn == "sparse_":
        kwsets = [
            ("tall", C.CORRECTNESS, TALL, {"sparsity": 0.1}),
            ("wide", C.HYPERPARAMETERS, (100, 1000), {"sparsity": 0.35, "std": 0.5}),
        ]
    if hidden:
        kwsets = kwsets[:1]
        kwsets = [("random", C.CORRECTNESS, kwsets[0][2][::-1], kwsets[0][3])]
    cases = []
    for k, (label, cat, shape, kw) in enumerate(kwsets):
        args = kw.pop("sparsity", None)
        case = _init_case(label, cat, shape, seed + 1000 * k, True, **kw)
        if args is not None:
            case.spec["args"] = [args]
        cases.append(case)
    return cases


def _truncated_std(mean: float, std: float, a: float, b: float) -> float:
    """Standard deviation of N(mean, std^2) truncated to [a, b]."""
    alpha, beta = (a - mean) / std, (b - mean) / std
    phi = [math.exp(-z * z / 2) / math.sqrt(2 * math.pi) for z in (alpha, beta)]
    z = 0.5 * (math.erf(beta / math.sqrt(2)) - math.erf(alpha / math.sqrt(2)))
    var = 1 + (alpha * phi[0] - beta * phi[1]) / z - ((phi[0] - phi[1]) / z) ** 2
    return std * math.sqrt(var)


def random_oracle(fn: str, case: Case, device: str) -> dict[str, Any]:
    t = oracle.torch()
    shape = tuple(case.spec["shape"])
    kw = case.spec["kwargs"]
    base = _base(case)
    if fn == "uniform_":
        return {**base, "dist": "uniform", "low": kw.get("a", 0.0), "high": kw.get("b", 1.0)}
    if fn == "normal_":
        return {**base, "dist": "normal", "mean": kw.get("mean", 0.0), "std": kw.get("std", 1.0)}
    if fn == "trunc_normal_":
        mean, std = kw.get("mean", 0.0), kw.get("std", 1.0)
        a, b = kw.get("a", -2.0), kw.get("b", 2.0)
        return {
            **base,
            "dist": "trunc_normal",
            "mean": mean,
            "std": std,
            "a": a,
            "b": b,
            "sample_std": _truncated_std(mean, std, a, b),
        }
    fan_in, fan_out = _fans(shape)
    info = {**base, "fan_in": fan_in, "fan_out": fan_out}
    if fn.startswith("xavier"):
        gain = kw.get("gain", 1.0)
        std = gain * math.sqrt(2.0 / (fan_in + fan_out))
        info.update(gain=gain, what=f"{fn} (fan_in={fan_in}, fan_out={fan_out}, gain={gain:.4g}) ")
        if fn == "xavier_uniform_":
            return {
                **info,
                "dist": "uniform",
                "low": -math.sqrt(3.0) * std,
                "high": math.sqrt(3.0) * std,
            }
        return {**info, "dist": "normal", "mean": 0.0, "std": std}
    if fn.startswith("kaiming"):
        mode = kw.get("mode", "fan_in")
        gain = t.nn.init.calculate_gain(kw.get("nonlinearity", "leaky_relu"), kw.get("a", 0))
        fan = fan_in if mode == "fan_in" else fan_out
        std = gain / math.sqrt(fan)
        info.update(gain=gain, what=f"{fn} ({mode}={fan}, gain={gain:.4g}) ")
        if mode == "fan_out":  # the hint compares with the other fan
            info.update(fan_in=fan_out, fan_out=fan_in)
        if fn == "kaiming_uniform_":
            return {
                **info,
                "dist": "uniform",
                "low": -math.sqrt(3.0) * std,
                "high": math.sqrt(3.0) * std,
            }
        return {**info, "dist": "normal", "mean": 0.0, "std": std}
    if fn == "orthogonal_":
        return {**base, "dist": "orthogonal", "gain": kw.get("gain", 1.0)}
    if fn == "sparse_":
        sparsity = case.spec["args"][0]
        return {
            **base,
            "dist": "sparse",
            "std": kw.get("std", 0.01),
            "zeros_per_column": math.ceil(sparsity * shape[0]),
        }
    raise KeyError(fn)


def _init_item(fn: str, points: float, random: bool) -> Item:
    if random:
        return Item(
            f"initializers.{fn}",
            points,
            partial(random_cases, fn),
            partial(random_oracle, fn),
            check=distribution.check_initializer,
            driver="init",
        )
    return Item(
        f"initializers.{fn}",
        points,
        partial(exact_cases, fn),
        partial(exact_oracle, fn),
        check=distribution.check_initializer,
        driver="init",
    )


def _exact_with_raise(fn: str, points: float) -> Item:
    """eye_/dirac_: fills through the init driver, bad shapes through the call driver."""
    return _init_item(fn, points, random=False)


ITEMS: list[Item] = [
    Item("initializers.calculate_gain", 2, gain_cases, gain_oracle),
    Item("initializers.calculate_fan_in_and_fan_out", 2, fan_cases, fan_oracle),
    _init_item("uniform_", 1, True),
    _init_item("normal_", 1, True),
    _init_item("constant_", 1, False),
    _init_item("ones_", 1, False),
    _init_item("zeros_", 1, False),
    _exact_with_raise("eye_", 2),
    _exact_with_raise("dirac_", 3),
    _init_item("xavier_uniform_", 2, True),
    _init_item("xavier_normal_", 2, True),
    _init_item("kaiming_uniform_", 3, True),
    _init_item("kaiming_normal_", 3, True),
    _init_item("trunc_normal_", 2, True),
    _init_item("orthogonal_", 3, True),
    _init_item("sparse_", 1, True),
]
