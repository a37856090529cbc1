"""The class report: one self-contained page, the same for the same records, opened in headless
Chromium (its sections, pictures, tables and the flagged pair's matching regions are there; it
fits a phone's width); skipped with a message where Chromium is absent."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from graders import registry
from graders.batch import classreport, gradebook, runner, similarity, task
from tests.browser import HEADLESS as FLAGS
from tests.browser import chromium
from tests.test_batch import REFERENCE, TEMPLATE, _copy

ITEMS = ("activations.relu", "activations.sigmoid", "activations.tanh")
#: Appended to a copy of the page for the phone-width check (the report itself has no script).
PROBE = (
    "<script>document.body.dataset.overflow = "
    "String(document.documentElement.scrollWidth > window.innerWidth)</script>"
)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small class graded: two copies of the reference, the template, a syntax error."""
    base = tmp_path_factory.mktemp("report")
    root = base / "class"
    root.mkdir()
    for name in ("ann", "ben"):
        _copy(REFERENCE, root / name, ("activations",))
    _copy(TEMPLATE, root / "cat", ("activations",))
    _copy(REFERENCE, root / "dan", ("activations",))
    (root / "dan" / "activations.py").write_text("def relu(x:\n")
    settings = task.Settings(items=ITEMS, parallel=2, template=str(TEMPLATE))
    out = base / "out"
    out.mkdir()
    runner.run_class(runner.Run(root=root, out=out, settings=settings, jobs=2))
    return out


def _render(out: Path) -> str:
    book = gradebook.Gradebook(out, [registry.BY_NAME[n] for n in ITEMS], _settings(out))
    names = sorted(book.rows)
    pairs = similarity.similar_pairs(book.fingerprints(names))
    paths = {n: out.parent / "class" / n for n in names}
    similarity.shown(pairs, paths, str(TEMPLATE), 5)
    book.close()
    return classreport.render(book.records(names), book.items, pairs, "a class")


def _settings(out: Path) -> dict[str, object]:
    import json

    loaded: dict[str, object] = json.loads((out / gradebook.MANIFEST).read_text())
    return loaded


def test_the_report_is_self_contained_and_the_same_each_time(out: Path) -> None:
    page = (out / gradebook.REPORT).read_text()
    assert _render(out) == _render(out)
    assert "<script" not in page and "<link" not in page and " src=" not in page
    assert page.count("<svg") >= 4  # distribution, modules, items, errors
    for heading in ("Scores", "Items", "Cases that fail most", "Errors students hit most",
                    "Entries not graded", "Code alike"):  # fmt: skip
        assert f"<h2>{heading}</h2>" in page
    assert "syntax error" in page  # dan's, among the errors
    assert "ann" in page and "<mark>" in page  # ann and ben are alike, the regions marked


def _chromium(args: list[str], timeout: float = 90) -> subprocess.CompletedProcess[str]:
    exe = chromium()
    assert exe is not None
    with tempfile.TemporaryDirectory(prefix="dlgrade-chromium-") as profile:
        return subprocess.run(
            [exe, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
        )


@pytest.mark.skipif(
    chromium() is None, reason="chromium is not installed (apt-get install chromium)"
)
def test_the_report_opens_in_chromium(out: Path, tmp_path: Path) -> None:
    page = out / gradebook.REPORT
    dom = _chromium(["--dump-dom", page.as_uri()]).stdout
    assert "<h2>Code alike</h2>" in dom and "</html>" in dom
    assert len(re.findall(r"<svg\b", dom)) >= 4
    assert "activations.relu" in dom and "<mark>" in dom
    for width, height in ((1280, 2400), (390, 1600)):
        shot = tmp_path / f"class-report-{width}.png"
        _chromium([f"--window-size={width},{height}", f"--screenshot={shot}", page.as_uri()])
        assert shot.stat().st_size > 20_000, "an empty screenshot"
    probe = tmp_path / "probe.html"
    probe.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    phone = _chromium(["--window-size=390,900", "--dump-dom", probe.as_uri()]).stdout
    assert 'data-overflow="false"' in phone, "the page is wider than a phone"
