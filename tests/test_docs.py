"""The handbook in docs/: up to date with the code, complete, and consistent with the registry.

Also checks that the notes' values the worked-example items grade against
(``graders/registry/worked_examples.py``, which may not import the reference) agree with
``reference.worked_examples``, from which the handbook prints them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graders import engine, registry
from reference import errata
from reference import worked_examples as wx
from tools import docs

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def built() -> dict[str, bytes]:
    """One fresh generation, shared by the tests of this module."""
    return docs.build()


def _page(files: dict[str, bytes], name: str) -> str:
    return files[name].decode("utf-8")


def test_committed_docs_are_up_to_date(built: dict[str, bytes]) -> None:
    problems = docs.check(built, docs.DOCS)
    assert not problems, "docs/ is stale; run `make docs`:\n" + "\n".join(problems)


def test_every_page_and_figure_is_linked(built: dict[str, bytes]) -> None:
    pages = {n for n in built if n.endswith(".md")}
    index = _page(built, "README.md")
    assert all(f"]({p})" in index for p in pages - {"README.md"})
    text = "\n".join(_page(built, p) for p in pages)
    figures = {n for n in built if n.endswith(".png")}
    assert figures and all(f"]({f})" in text for f in figures)
    assert all(built[f].startswith(b"\x89PNG") for f in figures)


def test_every_erratum_appears_with_its_check(built: dict[str, bytes]) -> None:
    page = _page(built, "errata.md")
    differs = page.index("\n## Differs from torch\n")
    for e in (*errata.ERRATA, *errata.DIFFERS_FROM_TORCH):
        at = page.index(f"\n### {e.id}\n")
        assert (at > differs) == (e in errata.DIFFERS_FROM_TORCH), e.id  # in its own section
        row = next(line for line in page.splitlines() if line.startswith(f"| [{e.id}]("))
        assert row.endswith("| ✓ |"), row


def test_every_worked_example_appears_with_the_notes_values(built: dict[str, bytes]) -> None:
    page = _page(built, "worked-examples.md")
    for ex in wx.EXAMPLES:
        assert f"\n## {ex.id}\n" in page, ex.id
        for key in ex.compute():
            assert f"| `{key}` |" in page, (ex.id, key)
    assert "| ✗ |" not in page


def test_items_table_total_matches_the_registry(built: dict[str, bytes]) -> None:
    page = _page(built, "grading.md")
    total = sum(i.points for i in registry.ITEMS)
    match = re.search(r"^\| \*\*Total\*\* \| \*\*([0-9.]+)\*\* \|", page, re.M)
    assert match and float(match.group(1)) == total
    rows = re.findall(r"^\| `(\w+\.[\w.]+)` \| ([0-9.]+) \|", page, re.M)
    assert [name for name, _ in rows] == [i.name for i in registry.ITEMS]
    assert sum(float(p) for _, p in rows) == total


def test_png_comparison_tolerates_rendering_noise_not_other_images() -> None:
    plt = docs._pyplot()

    def render(shift: float) -> bytes:
        fig, ax = plt.subplots(figsize=(2, 1.5))
        ax.plot([0, 1], [0, 1 + shift])
        return docs._png(fig)

    base = render(0.0)
    assert render(0.0) == base  # byte-reproducible
    assert docs.same_png(base, base)
    assert not docs.same_png(base, render(0.8))


def test_check_names_stale_missing_and_extra_files(tmp_path: Path) -> None:
    files = {"README.md": b"# a\n", "figures/x.png": b"\x89PNG"}
    docs.write(files, tmp_path)
    assert docs.check(files, tmp_path) == []
    (tmp_path / "README.md").write_text("# b\n")
    (tmp_path / "old.md").write_text("gone\n")
    problems = docs.check({**files, "new.md": b"n\n"}, tmp_path)
    assert problems == ["new.md: missing", "old.md: no longer generated", "README.md: out of date"]
    docs.write(files, tmp_path)
    assert not (tmp_path / "old.md").exists()


@pytest.mark.slow
def test_generation_is_byte_reproducible(built: dict[str, bytes]) -> None:
    assert docs.build() == built


# ------------------------------------------------------------ the registry's copy of the notes
def _worked_cases() -> list[tuple[str, Any]]:
    return [
        (item.name, case)
        for item in registry.ITEMS
        if item.driver == "worked"
        for case in registry.build_cases(item, engine.PUBLIC_SEED, hidden=False)
    ]


@pytest.mark.parametrize("item,case", _worked_cases(), ids=lambda v: getattr(v, "name", v))
def test_graded_notes_values_match_the_reference(item: str, case: Any) -> None:
    """Each printed value an item checks is the reference's (or rounds the reference's value)."""
    data = case.data
    wx.by_id(data["example"])  # the case names a real worked example
    for key, shown in data["printed"].items():
        example_id, *keys = data["examples"][key]
        example = wx.by_id(example_id)
        decimals = data["decimals"][key]
        values = example.compute()
        computed = np.array([values[k] for k in keys], dtype=np.float64).ravel()
        assert np.all(np.abs(computed - np.ravel(shown)) <= 0.5 * 10.0**-decimals + 1e-12)
        if all(k in example.printed for k in keys):
            reference = np.ravel([example.printed[k] for k in keys]).astype(np.float64)
            assert np.array_equal(reference, np.ravel(shown)), (item, key)
            assert all(example.decimals_for(k) == decimals for k in keys), (item, key)
