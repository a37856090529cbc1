"""The README's first screen states the graded total and each part's points: they are the
registry's (a new item changes the registry, and this test says where the README must follow)."""

from __future__ import annotations

import re
from pathlib import Path

from graders import registry

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_states_the_registrys_points() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    total = re.search(r"graded total is \*\*(\d+) points\*\* \(([^)]*)", text)
    assert total, "the README no longer states the total"
    assert int(total.group(1)) == sum(i.points for i in registry.ITEMS)
    parts = dict(re.findall(r"([a-z' ]+?) (\d+)(?:,|:)", total.group(2)))
    by_part: dict[str, float] = {}
    for item in registry.ITEMS:
        part = "the notes' worked examples" if ".worked_" in item.name else item.module
        by_part[part] = by_part.get(part, 0) + item.points
    assert {k.strip(): int(v) for k, v in parts.items()} == by_part
    assert f"{len(registry.ITEMS)} items" in text
