"""Stubs earn nothing: an ``optimizers`` module that does nothing, zeroes the parameters, raises
ValueError everywhere (from the constructor on, or only after it) or returns constants scores 0
on every optimizer item, public and hidden cases, graded end to end in the sandbox.  The stubs
live in ``tests/submissions/stubs/optimizers/``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from graders import engine
from graders.registry import optimizers

STUBS = Path(__file__).resolve().parent / "submissions" / "stubs" / "optimizers"
HIDDEN_SEED = 987654321


@pytest.mark.parametrize("stub", sorted(STUBS.glob("*.py")), ids=lambda p: p.stem)
def test_a_stub_scores_zero_on_every_optimizer_item(stub: Path, tmp_path: Path) -> None:
    shutil.copy(stub, tmp_path / "optimizers.py")
    result = engine.grade(tmp_path, list(optimizers.ITEMS), hidden_seed=HIDDEN_SEED)
    earned = {i.name: i.score for i in result.items if i.score}
    assert not earned
    assert {i.name for i in result.items} == {i.name for i in optimizers.ITEMS}
    assert all(i.cases for i in result.items)  # every item ran, none was a grader error


def test_there_are_five_stubs() -> None:
    assert {p.stem for p in STUBS.glob("*.py")} == {
        "noop",
        "zeros",
        "raises",
        "raises_after_init",
        "constants",
    }
