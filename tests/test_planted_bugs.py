"""Each planted bug loses points on exactly its items, with the reason in the feedback; the
diagnosis names it (when it has a runnable form) and names nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from graders import engine, registry
from tests.planted_bugs import BUGS, Bug


@pytest.mark.parametrize("bug", BUGS, ids=[b.name for b in BUGS])
def test_planted_bug_loses_points_on_exactly_its_items(bug: Bug, tmp_path: Path) -> None:
    submission = bug.write(tmp_path / "submission")
    items = registry.select([bug.module])
    result = engine.grade(submission, items)
    losing = {i.name for i in result.items if i.score < i.points}
    assert losing == set(bug.loses), f"{bug.name}: lost points on {sorted(losing)}"
    primary = next(i for i in result.items if i.name == bug.primary)
    messages = " | ".join(f"{c.name}: {c.message}" for c in primary.failures)
    assert bug.reason in messages, f"{bug.name}: reason missing in {messages}"
    # the diagnosis: this bug's mistake on its item, and no other known mistake anywhere
    diagnosed = {i.name: i.mistake for i in result.items if i.mistake}
    assert set(diagnosed.values()) <= {bug.name}, f"{bug.name}: also diagnosed {diagnosed}"
    if bug.mistake.code:
        assert diagnosed.get(bug.mistake.item) == bug.name, f"{bug.name}: not diagnosed"
        item = next(i for i in result.items if i.name == bug.mistake.item)
        assert item.diagnosis.startswith("this matches a known mistake: " + bug.mistake.what)


def test_bank_is_large_enough() -> None:
    modules = {b.module for b in BUGS}
    assert len([b for b in BUGS if b.module in ("activations", "initializers")]) >= 15
    assert modules <= set(registry.MODULES)
