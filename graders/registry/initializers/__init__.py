"""Registry entries for ``initializers``: ``torch.nn.init`` on NumPy arrays with a NumPy
Generator.

:data:`INITS` is the table of fill items, one :class:`~.cases.Init` row each: its points, its
public fills (label, category, shape, arguments), how its hidden fills are drawn, whether it is
random, and the shapes for which it must raise.  ``cases.py`` draws the cases, ``oracle.py`` is
torch's side (an exact fill, or the law a random fill must follow), ``checks.py`` judges what the
``init`` driver brought back (in place, seeded, the global RNG untouched, then the exact values,
a KS test, and the structure a correct initializer has: independent elements, a random
orthogonal matrix, zero rows drawn per column).  ``calculate_gain`` and
``calculate_fan_in_and_fan_out`` are plain calls (the ``call`` driver, ``check_allclose``).
"""

from __future__ import annotations

from functools import partial

from graders.registry import Category, Item
from graders.registry.initializers import cases, checks, oracle
from graders.registry.initializers.cases import CONV1D, CONV2D, CONV3D, TALL, WIDE, Fill, Init

C = Category
FAN_SHAPES = (
    Fill("tall", C.CORRECTNESS, TALL),
    Fill("wide", C.CORRECTNESS, WIDE),
    Fill("conv1d", C.CORRECTNESS, CONV1D),
    Fill("conv", C.CORRECTNESS, CONV2D),
    Fill("conv3d", C.CORRECTNESS, CONV3D),
)
XAVIER = (*FAN_SHAPES, Fill("gain", C.HYPERPARAMETERS, TALL, {"gain": 5.0 / 3.0}))
KAIMING = (
    *FAN_SHAPES,
    Fill("relu-fan_out", C.HYPERPARAMETERS, TALL, {"mode": "fan_out", "nonlinearity": "relu"}),
    Fill("leaky-a", C.HYPERPARAMETERS, WIDE, {"a": 0.2}),
    Fill("tanh", C.HYPERPARAMETERS, CONV2D, {"nonlinearity": "tanh"}),
)
ORTHOGONAL = (
    Fill("tall", C.CORRECTNESS, (400, 80)),
    Fill("wide", C.CORRECTNESS, (80, 400)),
    Fill("square", C.CORRECTNESS, (160, 160)),
    Fill("conv1d", C.CORRECTNESS, (32, 8, 5)),
    Fill("conv", C.CORRECTNESS, (64, 8, 3, 3)),
    Fill("conv3d", C.CORRECTNESS, (16, 4, 3, 3, 3)),
    Fill("gain", C.HYPERPARAMETERS, (100, 60), {"gain": 2.0}),
)
SMALL = (Fill("shape-6x4", C.CORRECTNESS, (6, 4)), Fill("shape-2x3x4", C.CORRECTNESS, (2, 3, 4)))

INITS: list[Init] = [
    Init(
        "uniform_",
        1,
        (
            Fill("default", C.CORRECTNESS, TALL),
            Fill("a-b", C.HYPERPARAMETERS, WIDE, {"a": -0.3, "b": 0.7}),
        ),
        cases.hidden_uniform,
    ),
    Init(
        "normal_",
        1,
        (
            Fill("default", C.CORRECTNESS, TALL),
            Fill("mean-std", C.HYPERPARAMETERS, WIDE, {"mean": 0.5, "std": 0.02}),
        ),
        cases.hidden_normal,
    ),
    Init(
        "constant_",
        1,
        (
            Fill("value-0.77", C.CORRECTNESS, (6, 4), {"val": 0.77}),
            Fill("value--2.5", C.CORRECTNESS, (6, 4), {"val": -2.5}),
        ),
        cases.hidden_constant,
        random=False,
    ),
    Init("ones_", 1, SMALL, cases.hidden_fill, random=False),
    Init("zeros_", 1, SMALL, cases.hidden_fill, random=False),
    Init(
        "eye_",
        2,
        tuple(Fill(f"shape-{r}x{c}", C.CORRECTNESS, (r, c)) for r, c in ((4, 4), (3, 5), (5, 2))),
        cases.hidden_eye,
        random=False,
        raises=(("3d-raises", (2, 2, 2)),),
    ),
    Init(
        "dirac_",
        3,
        (
            Fill("conv1d", C.CORRECTNESS, (4, 4, 3)),
            Fill("conv2d", C.CORRECTNESS, (6, 3, 3, 3)),
            Fill("conv3d", C.CORRECTNESS, (3, 5, 3, 3, 3)),
            Fill("groups-2", C.HYPERPARAMETERS, (8, 3, 3, 3), {"groups": 2}),
        ),
        cases.hidden_dirac,
        random=False,
        raises=(("2d-raises", (3, 3)),),
    ),
    Init("xavier_uniform_", 2, XAVIER, cases.hidden_xavier),
    Init("xavier_normal_", 2, XAVIER, cases.hidden_xavier),
    Init("kaiming_uniform_", 3, KAIMING, cases.hidden_kaiming),
    Init("kaiming_normal_", 3, KAIMING, cases.hidden_kaiming),
    Init(
        "trunc_normal_",
        2,
        (
            Fill("default", C.CORRECTNESS, TALL),
            Fill("bounds", C.HYPERPARAMETERS, WIDE, {"mean": 0.1, "std": 0.5, "a": -0.4, "b": 1.0}),
        ),
        cases.hidden_trunc_normal,
    ),
    Init("orthogonal_", 3, ORTHOGONAL, cases.hidden_orthogonal),
    Init(
        "sparse_",
        1,
        (
            Fill("tall", C.CORRECTNESS, TALL, args=(0.1,)),
            Fill("wide", C.HYPERPARAMETERS, (100, 1000), {"std": 0.5}, (0.35,)),
        ),
        cases.hidden_sparse,
    ),
]


def _item(init: Init) -> Item:
    return Item(
        f"initializers.{init.name}",
        init.points,
        partial(cases.init_cases, init),
        partial(oracle.init_oracle, init),
        check=checks.check_initializer,
        driver="init",
        description=f"torch.nn.init.{init.name}",
    )


ITEMS: list[Item] = [
    Item(
        "initializers.calculate_gain",
        2,
        cases.gain_cases,
        oracle.gain_oracle,
        description="torch.nn.init.calculate_gain",
    ),
    Item(
        "initializers.calculate_fan_in_and_fan_out",
        2,
        cases.fan_cases,
        oracle.fan_oracle,
        description="fan_in and fan_out of a weight (torch's rule)",
    ),
    *(_item(init) for init in INITS),
]
