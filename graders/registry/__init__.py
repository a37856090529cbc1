"""Phase 1, registry: the one table of graded items that drives grading, tests, reports and docs.

An :class:`Item` names a function of a student module, its points, how to build its cases (from a
seeded ``numpy.random.Generator``), the torch oracle that computes the expected outputs, how a
case is checked, and which child-side driver calls the student's code.  Modules of this package
(``activations``, ``initializers``, ...) each export ``ITEMS``; :data:`ITEMS` concatenates them in
teaching order.  Adding losses or optimizers means adding entries, not touching the engine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

from graders.judge import Verdict, check_allclose


class Category(StrEnum):
    """What a case exercises; the category sets its weight in the partial credit."""

    CORRECTNESS = "correctness"
    HYPERPARAMETERS = "hyperparameters"
    STABILITY = "stability"
    CONVENTION = "convention"
    GRADIENT = "gradient"
    EDGE = "edge"


#: Weight of one case of each category in an item's partial credit.
WEIGHTS: dict[Category, float] = {
    Category.CORRECTNESS: 1.0,
    Category.HYPERPARAMETERS: 1.0,
    Category.STABILITY: 1.0,
    Category.CONVENTION: 0.25,
    Category.GRADIENT: 1.0,
    Category.EDGE: 0.5,
}


@dataclass(frozen=True)
class Case:
    """One call of the student's function: inputs, and what the driver should do with them.

    ``args``/``kwargs`` hold NumPy arrays and JSON scalars; ``spec`` holds driver options
    (``returns``, ``outputs``, ``shape``, ``seed`` ...); ``data`` is grader-side information the
    oracle or the check needs and the child never sees.
    """

    name: str
    category: Category
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    spec: dict[str, Any] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)
    hidden: bool = False
    seed: int = 0
    tolerance: str | None = None  # key into judge.TOLERANCES; the item's if None

    @property
    def weight(self) -> float:
        return WEIGHTS[self.category]


#: A case builder takes a seeded generator and whether it builds the hidden set.
CaseBuilder = Callable[[np.random.Generator, bool], list[Case]]
#: An oracle maps a case and a torch device to the expected outputs (NumPy arrays or scalars).
Oracle = Callable[[Case, str], dict[str, Any]]
#: A check compares (expected, got, tolerance key, device, case data) and says why not.
Check = Callable[[dict[str, Any], dict[str, np.ndarray], str, str, dict[str, Any]], Verdict]


@dataclass(frozen=True)
class Item:
    """A graded function: ``module.function`` with its points, cases, oracle and check."""

    name: str
    points: float
    cases: CaseBuilder
    oracle: Oracle
    check: Check = check_allclose
    driver: str = "call"  # a driver of graders/sandbox/box/drivers/
    tolerance: str = "default"
    case_timeout: float = 5.0
    description: str = ""
    function: str | None = None  # attribute in the module; defaults to the name's last part
    needs: tuple[str, ...] = ()  # other student modules the item's code calls

    @property
    def module(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def modules(self) -> tuple[str, ...]:
        """Every student module the item needs: its own first."""
        return tuple(dict.fromkeys((self.module, *self.needs)))

    @property
    def attr(self) -> str:
        return self.function or self.name.split(".", 1)[1]


def item_seed(seed: int, item: str, hidden: bool) -> int:
    """A per-item seed derived from the session seed, stable across runs and machines."""
    digest = hashlib.sha256(f"{seed}:{item}:{'hidden' if hidden else 'public'}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def build_cases(item: Item, seed: int, hidden: bool) -> list[Case]:
    """The item's public (or hidden) cases for ``seed``; hidden ones are marked and prefixed."""
    s = item_seed(seed, item.name, hidden)
    cases = item.cases(np.random.default_rng(s), hidden)
    out = []
    for case in cases:
        name = f"hidden/{case.name}" if hidden else case.name
        out.append(
            Case(
                name=name,
                category=case.category,
                args=case.args,
                kwargs=case.kwargs,
                spec=case.spec,
                data=case.data,
                hidden=hidden,
                seed=seed,
                tolerance=case.tolerance,
            )
        )
    names = [c.name for c in out]
    if len(set(names)) != len(names):
        raise ValueError(f"{item.name}: duplicate case names")
    return out


def plan_cases(item: Item, seed: int, hidden_seed: int | None) -> list[Case]:
    """The item's public cases for ``seed``, then its hidden ones when a hidden seed is given."""
    cases = build_cases(item, seed, hidden=False)
    if hidden_seed is not None:
        cases += build_cases(item, hidden_seed, hidden=True)
    return cases


def _collect() -> tuple[Item, ...]:
    from graders.registry import activations, initializers

    modules: list[Any] = [activations, initializers]
    for optional in ("losses", "optimizers", "layers", "worked_examples"):
        try:
            modules.append(__import__(f"graders.registry.{optional}", fromlist=["ITEMS"]))
        except ModuleNotFoundError as exc:
            if exc.name != f"graders.registry.{optional}":
                raise
    items: list[Item] = []
    for mod in modules:
        items.extend(mod.ITEMS)
    names = [i.name for i in items]
    if len(set(names)) != len(names):
        raise ValueError("duplicate item names in the registry")
    return tuple(items)


ITEMS: tuple[Item, ...] = _collect()
BY_NAME: dict[str, Item] = {item.name: item for item in ITEMS}
MODULES: tuple[str, ...] = tuple(dict.fromkeys(item.module for item in ITEMS))


def select(patterns: Sequence[str] | None) -> list[Item]:
    """Items whose name matches any of the glob ``patterns`` (all when none)."""
    import fnmatch

    if not patterns:
        return list(ITEMS)
    chosen = [
        i
        for i in ITEMS
        if any(
            fnmatch.fnmatchcase(i.name, p) or i.name.startswith(p + ".") or i.name == p
            for p in patterns
        )
    ]
    return chosen
