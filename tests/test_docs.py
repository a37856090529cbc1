"""The handbook in docs/: up to date with the code, complete, and consistent with the registry.

(The notes' values the worked-example items grade against and those the handbook prints have
one source, ``graders/notes.py``: ``tests/test_worked_examples.py`` checks it.)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from graders import registry
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
        section = page.split(f"\n## {ex.id}\n", 1)[1].split("\n## ", 1)[0]
        for key in ex.compute():
            row = next(line for line in section.splitlines() if line.startswith(f"| `{key}` |"))
            assert f"| {ex.source(key)} |" in row, (ex.id, key, row)  # each value's source
    assert "| ✗ |" not in page


def test_layers_page_names_every_layer_and_its_items(built: dict[str, bytes]) -> None:
    page = _page(built, "layers.md")
    for name in ("linear", "conv2d", "max_pool2d", "avg_pool2d"):
        assert f"\n## {name}\n" in page, name
    for item in registry.ITEMS:
        if item.module == "layers":
            assert f"`{item.name}` (" in page, item.name


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
